'''Fields quoted as a CSV writer quotes them, found in files read literally (``source<TAB>target`` TSV).

pandas' ``to_csv(sep="\\t")`` (and Python's ``csv.writer(delimiter="\\t")``) quotes a field holding a
quote character: ``He said "hi".`` is written ``"He said ""hi""."``. Read literally, as rnnkit reads a TSV, the
pair kept the outer quotes and every doubled one, silently: a translator learned to write ``""``. A field wrapped in
quotes whose inner quotes all come in pairs, at least one pair, is that writer's (a sentence in quotes, ``"Go."``, has
no doubled quote and is read as written).

>>> csv_quoted('"He said ""hi""."'), csv_quoted('"""Quoted."""'), csv_quoted('"Go."'), csv_quoted('a ""b""')
(True, True, False, False)
'''

from __future__ import annotations

__all__ = ["csv_quoted", "columns_hint", "header_hint", "QUOTED_FIX"]

#: How to write such a file unquoted, for the messages.
QUOTED_FIX = ("write the file unquoted (pandas: to_csv(sep='\\t', quoting=csv.QUOTE_NONE); Python's csv.writer: "
              "quoting=csv.QUOTE_NONE) or remove the quoting")


def csv_quoted(field: str) -> bool:
    """Whether ``field`` is quoted as a CSV writer quotes a field holding quotes (the module's rule)."""
    if len(field) < 4 or field[0] != '"' or field[-1] != '"':
        return False
    inner = field[1:-1]
    return '""' in inner and '"' not in inner.replace('""', "")


def header_hint(header: list[str]) -> str:
    """What a CSV header read with ',' says the file is instead (``""`` when nothing is seen): JSON Lines, or a file
    of another delimiter (a header of one column holding ``;``, a TAB or ``|``, as European Excel writes ``;`` and
    PostgreSQL's COPY and mysqldump a TAB). A row of such a file that holds a comma was refused as 'a field holding the
    delimiter must be quoted' (a ';' file) or 'a missing value is an empty field' (JSON Lines), blaming the rows.

    >>> header_hint(["id|text|label"]), header_hint(["text", "label"])
    ("the header is one column holding '|': rnnkit reads comma-separated files, save it with ',' (pandas: sep=',')", '')
    """
    if len(header) >= 1 and header[0].lstrip().startswith("{") and header[-1].rstrip().endswith("}"):
        return "the file looks like JSON Lines, one object a line: rnnkit reads CSV with a header"
    if len(header) == 1:
        seps = [s for s in (";", "\t", "|") if s in header[0]]
        if seps:
            return (f"the header is one column holding {seps[0]!r}: rnnkit reads comma-separated files, save it "
                    "with ',' (pandas: sep=',')")
    return ""


def columns_hint(header: list[str], missing: list[str]) -> str:
    """What a CSV whose columns were not found may be instead, for the message (``""`` when nothing is seen): a
    header of one column holding ``;``, a TAB or ``|`` (a file of another delimiter, as European Excel writes
    ``;``), a JSON Lines file (:func:`header_hint`), or a column asked for by its number.

    >>> columns_hint(["text;label"], ["text"])
    "; the header is one column holding ';': rnnkit reads comma-separated files, save it with ',' (pandas: sep=',')"
    >>> columns_hint(["text", "label"], ["0"])
    "; columns are named, not numbered: column 0 is 'text'"
    """
    shape = header_hint(header)
    if shape:
        return "; " + shape
    number = next((m for m in missing if m.isdigit() and m not in header), None)
    if number is not None and int(number) < len(header):
        return f"; columns are named, not numbered: column {number} is {header[int(number)]!r}"
    return ""
