"""The time column of tsc's long CSV (:func:`rnnkit.data.tsc.read_long_csv`): numbers, or ISO 8601 date/times; and
the check that a series' times are equally spaced.

A long CSV of sensor readings is written with a date/time per row (``2024-03-01 12:00:05``, ``2024-03-01T12:00:05Z``),
far more often than with a step number; until session 33 such a file was refused at its first row ("expected a number
in column 'time' at row 2, got '2024-03-01 12:00:05'") with no way to read it but rewriting the column. A column whose
first cell is an ISO 8601 date or date/time is read as times (:func:`iso_times`): every cell ISO 8601 (no other
format: '03/04/2024' is March or April), all with a UTC offset or all without (which zone a time without one is in is
unknown); times with offsets are the instants they say, so a series across a clock change stays equally spaced. The
rows are then ordered and their spacing checked as numbers are, in seconds (:func:`check_spacing`), the messages
naming the times as written.

>>> iso_times(["2024-03-01 12:00", "2024-03-01T12:00:30"], "csv", "time").tolist()
[0.0, 30.0]
>>> iso_times(["0", "1"], "csv", "time") is None
True
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np
import pandas as pd

from rnnkit.errors import DataError

__all__ = ["ISO_TIME", "iso_times", "check_spacing"]

#: A date/time as ISO 8601 text: a date, a time to the minute, second or nanosecond, an offset (``Z``, ``+01:00``)
ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
                      r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?")
_OFFSET = re.compile(r".*[T ][0-9:.]+(Z|[+-][0-9]{2}(:?[0-9]{2})?)")


def iso_times(cells: list[str], name: str, time_col: str, first_row: int = 2) -> np.ndarray | None:
    """The cells of a time column as seconds after the earliest of them (float64), when the first is an ISO 8601
    date/time; ``None`` when it is not (the column is read as numbers). A DataError names the first cell that is not
    ISO 8601, is not a real date (``2024-02-30``), or mixes times with and without a UTC offset (rows counted from
    ``first_row``: the header is row 1)."""
    if not cells or not ISO_TIME.fullmatch(cells[0].strip()):
        return None
    texts = [c.strip() for c in cells]
    zoned = [_OFFSET.fullmatch(t) is not None for t in texts]
    for k, t in enumerate(texts):
        if not ISO_TIME.fullmatch(t):
            raise DataError(f"{name}: expected ISO 8601 date/times in column {time_col!r} on every row (as row "
                            f"{first_row}'s {texts[0]!r}), got {cells[k]!r} at row {first_row + k}")
        if zoned[k] != zoned[0]:
            raise DataError(f"{name}: expected times in column {time_col!r} all with a UTC offset or all without (as "
                            f"row {first_row}'s {texts[0]!r}), got {cells[k]!r} at row {first_row + k}: which zone a "
                            "time without an offset is in is unknown")
    try:
        times = pd.to_datetime(pd.Series(texts), format="ISO8601", utc=zoned[0])
    except (ValueError, OverflowError):   # pandas names the text, not the row: find it
        for k, t in enumerate(texts):
            try:
                pd.to_datetime(pd.Series([t]), format="ISO8601", utc=zoned[0])
            except (ValueError, OverflowError):
                raise DataError(f"{name}: expected a date/time in column {time_col!r} at row {first_row + k}, got "
                                f"{cells[k]!r}, which is no date on the calendar or clock") from None
        raise
    return (times - times.min()).dt.total_seconds().to_numpy(np.float64)   # whatever unit pandas chose


def check_spacing(name: str, what: str, time_col: str, rows: list[tuple[float, int, list[float]]],
                  written: Callable[[int], str] | None = None) -> None:
    """DataError unless the (sorted) times of ``rows`` (``(time, row, values)``) are equally spaced up to jitter:
    each difference in ``(0.5 m, 1.5 m)`` of their median ``m`` (see :func:`~rnnkit.data.tsc.read_long_csv`).
    ``written``: a row's time as the file writes it, for date/times (read as seconds), else the number is shown."""
    if len(rows) < 3:
        return
    t = np.array([r[0] for r in rows])
    d = np.diff(t)
    m = float(np.median(d))
    bad = np.flatnonzero((d <= 0.5 * m) | (d >= 1.5 * m))
    if bad.size:
        k = int(bad[0])
        kind = "a hole" if d[k] >= 1.5 * m else "an extra sample"
        shown = (lambda j: f"{t[j]:g}") if written is None else (lambda j: repr(written(rows[j][1])))
        step = f"{m:g}" if written is None else f"{m:g} s"
        raise DataError(f"{name}: expected equally spaced {time_col} values within a series (a series is read as "
                        f"consecutive steps), got {kind} in {what}: {time_col} {shown(k)} then {shown(k + 1)} in rows "
                        f"{rows[k][1]} and {rows[k + 1][1]} against its usual step {step} ({bad.size} such place(s)); "
                        "add rows with empty values at missing times (missing values), or pass gaps='steps' "
                        "(--gaps steps on the command line) to read the rows in time order as steps")
