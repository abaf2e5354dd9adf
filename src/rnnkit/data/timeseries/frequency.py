"""Sampling frequency of a time index: infer a pandas frequency alias from timestamps, count how far
they are from a regular grid, and put them on it (:func:`regularize_index`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rnnkit.errors import DataError

__all__ = ["FrequencyInfo", "infer_frequency", "regularize_index"]


@dataclass(frozen=True)
class FrequencyInfo:
    """What the timestamps say: a pandas frequency alias (``None`` for an integer index), how many
    timestamps were missing from the regular grid (filled with NaN when resampling), and how many
    timestamps were off the grid."""

    freq: str | None
    missing_stamps: int = 0
    off_grid: int = 0


def _infer_freq(index: pd.DatetimeIndex) -> str | None:
    """``pd.infer_freq`` as a string (pandas 3 warns it will return an offset; take ``freqstr``)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = pd.infer_freq(index)
    if f is None:
        return None
    return f if isinstance(f, str) else f.freqstr


def _semi_month(index: pd.DatetimeIndex) -> str | None:
    """``"SMS"`` (the 1st and the 15th) or ``"SME"`` (the 15th and the month's last day) when every timestamp
    is on that grid and both halves of the month occur: pandas' infer_freq never names these, and the modal
    step ("14D") was taken instead (the values resampled onto a 14-day grid, forecast dates off both days).
    The half-month grid must explain the stamps better than a monthly one: fewer of its stamps missing than
    the stamps of the rarer half (a monthly series with one stray 15th is monthly with one off-grid stamp,
    not a half-monthly one with every other stamp missing)."""
    if index.size < 3:
        return None
    for freq, second in (("SMS", index.day == 15), ("SME", index.day == 15)):
        first = index.is_month_start if freq == "SMS" else index.is_month_end
        if not (first | second).all() or not first.any() or not second.any():
            continue
        grid = pd.date_range(index[0], index[-1], freq=freq)
        rarer = min(int(first.sum()), int(second.sum()))
        if index.isin(grid).all() and grid.size - index.size < rarer:
            return freq
    return None


def _guess_freq(index: pd.DatetimeIndex) -> str | None:
    freq = _infer_freq(index) if index.size >= 3 else None
    if freq is not None:
        return freq
    freq = _semi_month(index)
    if freq is not None:
        return freq
    # a gap breaks infer_freq: try the longest regular stretches at the start and the end
    for k in (min(index.size, 25), 8, 5):
        for part in (index[:k], index[-k:]):
            if part.size >= 3:
                f = _infer_freq(part)
                if f is not None:
                    return f
    deltas = np.diff(index.asi8)    # in the index's unit (pandas 3 keeps parsed text in "s" or "us")
    if deltas.size:
        values, counts = np.unique(deltas, return_counts=True)
        step = pd.Timedelta(int(values[np.argmax(counts)]), unit=index.unit)
        days, rest = divmod(step, pd.Timedelta(days=1))
        if days and not rest:    # calendar days, as infer_freq names them (to_offset would say "24h")
            return "D" if days == 1 else f"{days}D"
        return pd.tseries.frequencies.to_offset(step).freqstr
    return None


def _refuse_day_of_month(index: pd.DatetimeIndex, name: str) -> None:
    """Monthly (quarterly, yearly) dates on one day of the month other than its first or last (the 15th):
    pandas has no such frequency, the modal step ("31D", "92D") was taken for one, and ``--resample`` put
    the values on that grid (two months merged into one bin, forecast dates drifting off the 15th) -- a
    DataError naming the fix instead."""
    if index.size < 3 or index.is_month_start.all() or index.is_month_end.all():
        return
    first = index[0]
    if not ((index.day == first.day).all() and (index - index.normalize() == first - first.normalize()).all()):
        return
    months = np.diff(index.year.to_numpy() * 12 + index.month.to_numpy())
    if (months < 1).any():
        return
    step = int(np.bincount(months).argmax())
    raise DataError(f"{name}: expected timestamps a pandas frequency continues, got every one on day {first.day} of its "
                    f"month ({step}-month steps; pandas has month-start and month-end frequencies only, and a grid of "
                    "days would merge months and shift the dates); move the dates to the first (or the last) day of "
                    "their month")


def infer_frequency(index: Any, name: str = "time") -> FrequencyInfo:
    """Infer the sampling frequency of a sorted, duplicate-free ``DatetimeIndex`` and count how far it is
    from a regular grid.

    >>> infer_frequency(pd.date_range("2020-01-31", periods=6, freq="ME"))
    FrequencyInfo(freq='ME', missing_stamps=0, off_grid=0)
    >>> infer_frequency(pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-04"]).append(
    ...     pd.date_range("2020-01-05", periods=5, freq="D")))
    FrequencyInfo(freq='D', missing_stamps=1, off_grid=0)
    """
    if not isinstance(index, pd.DatetimeIndex):
        return FrequencyInfo(None)
    if index.size < 2:
        raise DataError(f"{name}: expected at least 2 timestamps to infer a frequency, got {index.size}")
    if index.hasnans:   # was pandas' OutOfBoundsTimedelta
        raise DataError(f"{name}: expected timestamps, got a missing one (NaT) at position {int(np.argmax(index.isna()))}")
    if not index.is_monotonic_increasing or index.has_duplicates:   # unsorted gave '-2D', repeats a ZeroDivisionError
        bad = int(np.flatnonzero(np.diff(index.asi8) <= 0)[0]) + 1
        raise DataError(f"{name}: expected sorted, distinct timestamps, got {index[bad]} after {index[bad - 1]} "
                        f"at position {bad}")
    _refuse_day_of_month(index, name)
    freq = _guess_freq(index)
    if freq is None:  # pragma: no cover - _guess_freq falls back to the modal step
        raise DataError(f"{name}: could not infer a frequency from the timestamps")
    grid = pd.date_range(index[0], index[-1], freq=freq)
    on_grid = index.isin(grid)
    off = int((~on_grid).sum())
    missing = int(grid.size - on_grid.sum()) if off == 0 else int((~grid.isin(index)).sum())
    return FrequencyInfo(freq, missing, off)


def regularize_index(values: pd.DataFrame, freq_info: FrequencyInfo, resample: bool, name: str = "time",
                     series: str = "series") -> pd.DataFrame:
    """Return ``values`` (indexed by timestamps) on a regular grid. Gaps or off-grid timestamps are a
    :class:`DataError` unless ``resample`` (then: mean per grid bin, NaN where a bin is empty)."""
    if freq_info.freq is None or (freq_info.missing_stamps == 0 and freq_info.off_grid == 0):
        if freq_info.freq is not None:
            values = values.copy()
            values.index = pd.DatetimeIndex(values.index, freq=freq_info.freq)
        return values
    if not resample:
        what = []
        if freq_info.missing_stamps:
            what.append(f"{freq_info.missing_stamps} missing timestamps")
        if freq_info.off_grid:
            what.append(f"{freq_info.off_grid} timestamps off the grid")
        raise DataError(f"{name}: expected regularly spaced timestamps (frequency {freq_info.freq}) in series "
                        f"{series!r}, got irregular gaps ({', '.join(what)}); pass --resample / resample=True "
                        f"to put them on the grid")
    if freq_info.off_grid:
        out = values.resample(freq_info.freq).mean()
    else:
        out = values.reindex(pd.date_range(values.index[0], values.index[-1], freq=freq_info.freq))
    out.index = pd.DatetimeIndex(out.index, freq=freq_info.freq)
    return out
