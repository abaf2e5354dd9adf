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

__all__ = ["csv_quoted", "QUOTED_FIX"]

#: How to write such a file unquoted, for the messages.
QUOTED_FIX = ("write the file unquoted (pandas: to_csv(sep='\\t', quoting=csv.QUOTE_NONE); Python's csv.writer: "
              "quoting=csv.QUOTE_NONE) or remove the quoting")


def csv_quoted(field: str) -> bool:
    """Whether ``field`` is quoted as a CSV writer quotes a field holding quotes (the module's rule)."""
    if len(field) < 4 or field[0] != '"' or field[-1] != '"':
        return False
    inner = field[1:-1]
    return '""' in inner and '"' not in inner.replace('""', "")

