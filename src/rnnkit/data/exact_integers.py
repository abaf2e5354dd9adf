"""Integers of a CSV file that float64 cannot hold, kept as the file wrote them.

pandas reads a column of integers as int64, exactly; one empty cell makes it float64, and every integer beyond
2**53 in magnitude that float64 cannot hold is rounded then, silently (``9007199254740993`` -> ``...992``). The
forecaster refuses such an integer when it reads an int64 column (:func:`rnnkit.tasks.forecasting.input_values.
numeric_values`, session 20), so before session 24 the same file was refused or forecast from other numbers
depending on whether a cell elsewhere in the column was empty. :func:`keep_exact_integers` gives such a column the
file's own integers back (Python ints, NaN where empty), so the column a run reads is refused with the same message
naming it, its series and the time; a column no run reads is never looked at by that check. Decimal text
(``9007199254740993.0``) is a float as the file wrote it, read as Python's float() reads it, as before.

A number beyond float64's range (``1e400``) is read by pandas as ``inf``, and was refused as "got inf" -- not what the
file says (session 35). Such a cell is kept as :class:`TooLarge`, its text with its data row, so the column a run
reads is refused naming the text, the row and the column (``numeric_values``); a cell written ``inf`` stays ``inf``.
"""

from __future__ import annotations

import io
from typing import Any, Iterable

import numpy as np
import pandas as pd

from rnnkit.errors import DataError

__all__ = ["keep_exact_integers", "TooLarge", "beyond_float64"]

_EXACT = 2 ** 53
#: how a CSV file writes an infinity (pandas reads each as +-inf): kept as inf, not a number too large
_INF_TEXT = {"inf", "infinity", "+inf", "+infinity", "-inf", "-infinity"}


class TooLarge(str):
    """The text of a CSV cell holding a number float64 cannot hold (``'1e400'``, beyond +-1.8e308), with its data
    row (1 = the first row under the header)."""

    row: int = 0

    @classmethod
    def of(cls, text: str, row: int) -> "TooLarge":
        out = cls(text)
        out.row = row
        return out


def keep_exact_integers(frame: pd.DataFrame, text: str, skip: Iterable[Any] = (), time: Any = None) -> pd.DataFrame:
    """``frame`` (``pd.read_csv`` of ``text``) with each float column (not in ``skip``) that holds an integer written
    in ``text`` which float64 rounds replaced by an object column of the file's integers and floats (NaN kept).
    A cell of the time column ``time`` beyond float64 (``1e400`` among integer steps) is a DataError naming its text
    and row: the time checks read it as inf, 'got numbers ... and inf among them' (review W2-5)."""
    if time is not None and time in frame.columns and frame[time].dtype.kind == "f" and np.isinf(frame[time]).any():
        big = [v for v in _too_large(frame[[time]].copy(), text, [time], frame)[time] if isinstance(v, TooLarge)]
        if big:
            raise DataError(f"time_col {time!r}: expected a time step on every row, got {str(big[0])[:60]!r} in data "
                            f"row {big[0].row}: a number too large for float64 (magnitude up to 1.8e308)")
    if time is not None and time in frame.columns and frame[time].dtype == object:   # 400 digits: Python ints
        row = next((i for i, v in enumerate(frame[time]) if isinstance(v, int) and beyond_float64(v)), None)
        if row is not None:
            raise DataError(f"time_col {time!r}: expected a time step on every row, got an integer of "
                            f"{len(str(abs(frame[time].iloc[row])))} digits in data row {row + 1}: a number too large "
                            f"for float64 (magnitude up to 1.8e308)")
    skip = {c for c in skip if c is not None}
    cols = [c for c in frame.columns if c not in skip and frame[c].dtype.kind == "f"
            and bool((frame[c].abs() >= _EXACT).any())]
    if not cols:
        return frame
    over = [c for c in cols if np.isinf(frame[c].to_numpy()).any()]
    if over:
        frame = _too_large(frame, text, over)
        cols = [c for c in cols if frame[c].dtype.kind == "f" and bool((frame[c].abs() >= _EXACT).any())]
    at = [frame.columns.get_loc(c) for c in cols]      # by position: pandas' 'Unnamed: 2' names no usecols
    raw = pd.read_csv(io.StringIO(text), usecols=at, dtype=str)
    for c, k in zip(cols, range(len(at))):
        written = [int(v) if isinstance(v, str) and v.strip().lstrip("+-").isdigit() and v.strip().isascii() else None
                   for v in raw.iloc[:, k]]
        read = frame[c].to_numpy()
        if not any(w is not None and abs(w) > _EXACT and w != int(r) for w, r in zip(written, read)):
            continue
        frame[c] = pd.Series([w if w is not None and abs(w) > _EXACT else (np.nan if np.isnan(r) else float(r))
                              for w, r in zip(written, read)], index=frame.index, dtype=object)
    return frame


def _too_large(frame: pd.DataFrame, text: str, cols: list[Any], whole: pd.DataFrame | None = None) -> pd.DataFrame:
    """``frame`` with each cell of ``cols`` read as +-inf from a finite number's text (``1e400``) as :class:`TooLarge`
    (an object column; its other values kept); ``whole`` (default ``frame``) is the table ``text`` reads as."""
    at = [(frame if whole is None else whole).columns.get_loc(c) for c in cols]
    raw = pd.read_csv(io.StringIO(text), usecols=at, dtype=str, keep_default_na=False)
    for c, k in zip(cols, range(len(at))):
        read = frame[c].to_numpy()
        written = raw.iloc[:, k].tolist()
        big = [i for i in np.flatnonzero(np.isinf(read)) if written[i].strip().lower() not in _INF_TEXT]
        if big:
            col = frame[c].astype(object)
            for i in big:
                col.iloc[i] = TooLarge.of(written[i].strip(), int(i) + 1)
            frame[c] = col
    return frame


def beyond_float64(v: Any) -> bool:
    """A cell float64 cannot hold: a CSV file's ``1e400`` (:class:`TooLarge`), or a Python int beyond +-1.8e308 (a
    400-digit integer, which pandas reads as an int: ``to_numeric`` raised OverflowError)."""
    if isinstance(v, TooLarge):
        return True
    if not isinstance(v, int) or isinstance(v, bool):
        return False
    try:
        float(v)
    except OverflowError:
        return True
    return False
