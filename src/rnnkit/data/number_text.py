"""Numbers written as text the way spreadsheets and reports write them (``'(12.5)'``, ``'1,234.5'``, ``'12,5'``,
``'12%'``, ``'$12'``, ``'12 kg'``, ``'−5'``, ``'TRUE'``): the end of an "expected a number" message saying what the
value looks like and what to write. One rule for the forecaster's values (:mod:`rnnkit.tasks.forecasting.input_values`,
where it was written in session 21) and for time-series classification's long CSVs (:func:`rnnkit.data.tsc.read_long_csv`,
session 23: it said only "expected numbers in ['time', 'v'] at row 2, got {...the whole row...}").

Nothing is read as a number here: ``'1,234'`` may be 1234 or 1.234, so the user says which.

>>> number_text_hint("12%"), number_text_hint("\\u22125"), number_text_hint("12")
('; a percent sign: write the number alone (12 or 0.12)', "; a typographic minus sign ('−', U+2212): write '-'", '')
"""

from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np

__all__ = ["number_text_hint", "field_hint"]

_TEXT_NUMBERS = (   # how spreadsheets and reports write numbers as text, and what to write instead
    (r"\(\s*\d[\d.,]*\s*\)", "parentheses mark a negative number in accounting exports: write {n} as -{inner}"),
    (r"[\u2212\u2012\u2013\ufe63\uff0d]\s*\d[\d.,]*",        # a word processor's or a report's minus: float() refuses it
     "a typographic minus sign ({sign!r}, U+{code:04X}): write '-'"),
    (r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?", "thousands separators (or a decimal comma): write the number without them"),
    (r"-?\d{1,3}(?:[\u00a0\u202f ']\d{3})+(?:[.,]\d+)?", "thousands separated by spaces or apostrophes: write the "
                                                            "number without them"),
    (r"-?\d+,\d+|-?\d{1,3}(?:\.\d{3})+,\d+", "a decimal comma (a European export): write a decimal point, e.g. "
                                              "pandas read_csv(decimal=',') then to_csv"),
    (r"-?\d[\d.]*\s*%", "a percent sign: write the number alone (12 or 0.12)"),
    (r"[$€£¥]\s*-?\d[\d.,]*|-?\d[\d.,]*\s*[$€£¥]", "a currency sign: write the number alone"),
    (r"-?\d[\d.]*\s*[^\W\d_]+\.?", "a unit after the number: write the number alone (the unit in the column's name)"),
    (r"[-\u2013\u2014.:?x*]|\.\.|n\.a\.|k\.A\.", "a report's mark of a missing value: leave the cell empty (NaN is the one "
                                                 "missing-value marker)"),
    (r"(?i:true|false|yes|no)", "a true/false value: write 1 or 0 if a 0/1 series is meant"),
)
_BOOL = "; true/false values: write 1 and 0 (pandas: df[col].astype(int)) if a 0/1 series is meant"


def number_text_hint(value: Any) -> str:
    """The end of an 'expected numeric values' message when ``value`` is a number written as spreadsheets and reports
    write it (module docstring), or a bool (a column of True/False); ``''`` otherwise."""
    if isinstance(value, (bool, np.bool_)):
        return _BOOL
    if not isinstance(value, str):
        return ""
    text = value.strip()
    # '１２', '١٢', '١٠٫٥', '１０．５': digits of another script (Python's \\d is any script's), which pandas does not read
    digit = next((c for c in text if c.isdigit() and not c.isascii()), None)
    if digit and re.fullmatch(r"[+-]?\d+([.,\uff0e\u066b]\d+)?", text):
        return f"; digits of another script ({digit!r}, U+{ord(digit):04X}): write ASCII digits 0-9"
    for pattern, hint in _TEXT_NUMBERS:
        if re.fullmatch(pattern, text):
            return "; " + hint.format(n=repr(text), inner=text.strip("() "), sign=text[0], code=ord(text[0]))
    return ""


def field_hint(fields: list[str], what: str, is_number: Callable[[str], bool], missing: str) -> str:
    """``"{what} {k} is 'x'"`` and what it looks like, for the first of a line's ``fields`` that ``is_number`` refuses
    (``missing``, the format's own missing value -- ``?`` in a .ts file, ``NaN`` in a UCR one -- is a number here);
    ``''`` when there is none. A report's missing-value mark is told to write ``missing``.

    >>> field_hint(["1", "?", "12%"], "channel 1 field", lambda v: v.replace(".", "").isdigit(), "?")
    "channel 1 field 3 is '12%'; a percent sign: write the number alone (12 or 0.12)"
    >>> field_hint(["1", "n.a."], "value", lambda v: v.isdigit(), "NaN")
    "value 2 is 'n.a.'; a report's mark of a missing value: write NaN (the file's missing value)"
    """
    k, v = next(((k, v.strip()) for k, v in enumerate(fields, 1) if v.strip() != missing and not is_number(v)),
                (0, ""))
    if not k:
        return ""
    hint = number_text_hint(v)
    if "mark of a missing value" in hint:   # the CSV hint ('leave the cell empty') is no way in these formats
        hint = f"; a report's mark of a missing value: write {missing} (the file's missing value)"
    return f"{what} {k} is {v!r}{hint}"
