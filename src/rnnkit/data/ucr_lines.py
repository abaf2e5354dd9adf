"""A UCR archive line's fields (:func:`rnnkit.data.tsc.read_ucr`), and what a line that is not one looks like.

Moved out of ``data/tsc.py`` (at the house's module size) in session 33, with two shapes files written by other
programs have: a field quoted by its writer (R's ``write.table`` / ``write.csv`` quote a label that is text or a
factor, ``"1",0.5,...``: read as the label ``1``, no longer the class ``'"1"'``), and a line whose fields are separated
by ``;`` (European Excel, decimal commas), named as such instead of blaming a field ``'5;0'``.

>>> ucr_fields('"1"\\t0.5\\t0.25'), ucr_fields("1 0.5  0.25")
(['1', '0.5', '0.25'], ['1', '0.5', '0.25'])
>>> shape_hint("1;0,5;0,25", False)[:40]
" (fields separated by ';'? a UCR file se"
"""

from __future__ import annotations

from typing import Any

__all__ = ["ucr_fields", "unquoted", "as_saved", "column_numbers", "shape_hint", "trailing_comma"]


def ucr_fields(line: str) -> list[str]:
    """A UCR line's fields by its separator: tabs (the 2018 archive), else commas, else runs of spaces. Only
    one separator splits, so a decimal comma in a tab-separated file is a field that is not a number (an
    error), never two values. A quoted field is read as its writer meant it (:func:`unquoted`)."""
    if not line:
        return []
    sep = "\t" if "\t" in line else "," if "," in line else None
    return [unquoted(f.strip()) for f in line.split(sep)]


def unquoted(field: str) -> str:
    """A field as a CSV writer's quotes mean it: R's write.table / write.csv quote a label that is text or a factor
    (``"1",0.5,...``, any separator), pandas' QUOTE_ALL every field. The quotes were kept: the class '"1"', never the
    archive's '1' (a test file written without quotes scored 0), and a quoted value was refused."""
    inner = field[1:-1]
    if len(field) >= 2 and field[0] == field[-1] == '"' and '"' not in inner.replace('""', ""):
        return inner.replace('""', '"')
    return field


def as_saved(labels: Any, quoted: dict[str, str] | None) -> Any:
    """``labels`` spelled as a run saved them: each one ``quoted`` maps (:func:`rnnkit.tasks.tsc.r_quoted_labels`: a run
    saved with R's quotes) as its quoted class, the rest (``None``; every label when ``quoted`` is empty) as given.
    ``rnnkit tsc``'s ``--ucr`` reader and :meth:`rnnkit.tasks.tsc.TimeSeriesClassifier.given_targets` (the Python
    API's gold labels) both map through it.

    >>> as_saved(["1", "2", None], {"1": '"1"', "2": '"2"'}), as_saved(["1"], {})
    (['"1"', '"2"', None], ['1'])
    """
    return [quoted.get(t, t) if isinstance(t, str) else t for t in labels] if quoted and labels is not None else labels


def column_numbers(fields: list[str]) -> bool:
    """Whether ``fields`` are the column numbers ``0, 1, 2, ...`` (or from 1) of a header, as pandas writes them:
    ten or more (a toy series ``1 2 3`` is data; a real set's header is as long as its series)."""
    if len(fields) < 10 or not all(f.isascii() and f.isdigit() for f in fields):
        return False
    first = int(fields[0])
    return first in (0, 1) and [int(f) for f in fields] == list(range(first, first + len(fields)))


def shape_hint(line: str, header: bool) -> str:
    """What a message about a line that is no series adds: fields separated by ``;`` (European Excel's
    ``1;0,5;0,25`` was 'value 1 is 5;0', and ``1;0.5`` 'expected a label and at least one value'), else with
    ``header`` (a first line none of whose values is a number: ``label,t1,t2``) a header and how to drop it; ``""``."""
    if ";" in line and "\t" not in line:
        return (" (fields separated by ';'? a UCR file separates them by tabs, commas or spaces: save it with "
                "sep='\\t' and decimal points)")
    if header:
        return " (a header of column names? drop that line: R's write.table(col.names=FALSE), pandas' to_csv(header=False))"
    return ""


def trailing_comma(lines: list[str], name: str) -> bool:
    """Whether every line of a UCR file (``lines``, stripped as read) that holds a series ends with one comma -- an
    empty last field, as some CSV writers leave it -- warning once when so. Such a field is no value that moves: the
    line is read without it (an empty last field on some lines only stays the empty-field DataError).

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     trailing_comma(["1,0.5,0.7,", "2,3,4,", ""], "ucr 'a.csv'"), str(seen[0].message)[:41]
    (True, "ucr 'a.csv': every line ends with a comma")
    >>> trailing_comma(["1,0.5,0.7,", "2,3,4"], "ucr 'a.csv'")
    False
    """
    full = [ln for ln in lines if ln]
    if not full or not all(ln.endswith(",") and not ln.endswith(",,") and "," in ln[:-1] for ln in full):
        return False
    import warnings

    warnings.warn(f"{name}: every line ends with a comma (an empty last field, as some CSV writers leave it): read "
                  f"without it ({len(full)} lines)", stacklevel=3)
    return True
