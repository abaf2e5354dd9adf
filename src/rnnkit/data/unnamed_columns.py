"""Columns with no name and no value in a series CSV file: the rows' trailing delimiters.

A spreadsheet export or a script that writes every field followed by a comma ends each line with one: the header
``t,y,,`` names two columns ``''``, and every row leaves them empty. The strict CSV check (a column name given
twice is a DataError, :func:`rnnkit.data.text.csv_records`) refused such a file as "expected each column name once
in the header, got '' twice (['t', 'y', '', ''])", a line that quotes the empty name and says nothing of the commas,
while one trailing comma (one ``''`` column) was read. pandas reads both files unambiguously (``Unnamed: 2``,
``Unnamed: 3``, all missing): columns without a name that hold no value on any row carry nothing, and
:func:`drop_empty_unnamed` removes them before the checks, so the file reads as without its trailing commas (no
value is lost). Two or more unnamed columns that hold values are refused in one line naming the columns by
position and the first value (neither has a name to be read by); one is read as pandas reads it, as before.

>>> print(drop_empty_unnamed("t,y,,\\n1,5,,\\n2,6,,\\n", "csv"), end="")
t,y
1,5
2,6
>>> drop_empty_unnamed("t,y,,\\n1,5,,8\\n2,6,7,\\n", "csv")
Traceback (most recent call last):
rnnkit.errors.DataError: csv: expected a name in the header for each column that holds values, got 2 columns with \
no name (3 and 4 of 't,y,,'), column 4 holding '8' in data row 1: name them in the header, or remove them
"""

from __future__ import annotations

import csv
import io

from rnnkit.errors import DataError

__all__ = ["drop_empty_unnamed"]


def drop_empty_unnamed(text: str, name: str) -> str:
    """``text`` (CSV) without its columns whose header name is empty and whose every field is empty, when the
    header names two or more such columns (one is read as pandas' ``Unnamed: k``, as before); blank lines are kept
    as blank lines, so later messages keep the file's line numbers. A file whose rows are not all as wide as the
    header is returned as it is (the strict check names the row). ``name`` heads the DataError (module
    docstring)."""
    first = next((ln for ln in text.split("\n") if ln.strip()), "").rstrip("\r")
    try:
        if next(csv.reader([first]), []).count("") < 2:
            return text                                 # fewer than two empty names: read as before (fast path)
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        return text                       # malformed quoting, a lone CR: the strict check names the line
    header = next((r for r in rows if r), [])
    unnamed = [i for i, h in enumerate(header) if h == ""]
    data = [r for r in rows if r][1:]
    if len(unnamed) < 2 or any(len(r) != len(header) for r in data):
        return text
    empty = [i for i in unnamed if all(r[i] == "" for r in data)]
    held = [i for i in unnamed if i not in empty]
    if len(held) >= 2:        # two columns of values named alike ('' twice): no name to read either by
        k, r = next((k, r) for k, r in enumerate(data, 1) if any(r[i] != "" for i in held))
        i = next(i for i in held if r[i] != "")
        cols = ", ".join(str(j + 1) for j in held[:-1]) + f" and {held[-1] + 1}"
        raise DataError(f"{name}: expected a name in the header for each column that holds values, got "
                        f"{len(held)} columns with no name ({cols} of {first.strip()[:60]!r}), column {i + 1} "
                        f"holding {r[i][:40]!r} in data row {k}: name them in the header, or remove them")
    keep = [i for i in range(len(header)) if i not in empty]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for r in rows:
        writer.writerow([r[i] for i in keep] if r else [])
    return out.getvalue()
