"""Covariates a global model can use without the user supplying them: calendar features that are known
ahead (by frequency), and static covariates per series as a matrix.

:func:`calendar_features` gives, for each timestamp, the cyclical position within the calendar periods
the frequency has (sine and cosine, so December is next to January): hour of day and day of week for
hourly data, day of week and day of year for daily, week of year for weekly, month of year for monthly,
quarter for quarterly; nothing for yearly data or integer steps (holidays are out of scope). They are
known for any future timestamp, so they are future covariates.

>>> idx = pd.date_range("2020-01-01", periods=3, freq="MS")
>>> f = calendar_features(idx)
>>> list(f.columns), f.round(3).iloc[0].tolist()
(['month_sin', 'month_cos'], [0.0, 1.0])
>>> calendar_features(pd.date_range("2020", periods=2, freq="YS")).shape
(2, 0)
>>> static_matrix([{"region": 1.0, "size": 3.0}, {"size": 5.0, "region": 2.0}]).tolist()
[[1.0, 3.0], [2.0, 5.0]]
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from rnnkit.errors import DataError, InputTypeError

__all__ = ["calendar_features", "calendar_columns", "static_matrix"]

# frequency family -> the calendar cycles it has: (name, position function, cycle length)
_CYCLES = {
    "hourly": [("hour", lambda i: i.hour, 24), ("dayofweek", lambda i: i.day_of_week, 7)],
    "daily": [("dayofweek", lambda i: i.day_of_week, 7), ("dayofyear", lambda i: i.day_of_year - 1, 365.25)],
    "weekly": [("week", lambda i: i.isocalendar().week.to_numpy() - 1, 52.18)],
    "monthly": [("month", lambda i: i.month - 1, 12)],
    "quarterly": [("quarter", lambda i: i.quarter - 1, 4)],
}

# a frequency's base (its alias without the multiple and the anchor) -> its family: business, custom-business and
# semi-month ends and starts are months too, a custom business day a day, minutes and seconds have the hour's cycles
# (before session 30 they had none: BME, SMS-15, C or 15min gave no calendar feature where ME, B or h gave them)
_FAMILIES = {**dict.fromkeys(("MS", "ME", "M", "BM", "BME", "BMS", "CBME", "CBMS", "SM", "SME", "SMS"), "monthly"),
             "W": "weekly", **dict.fromkeys(("D", "B", "C"), "daily"),
             **dict.fromkeys(("H", "BH", "CBH", "MIN", "T", "S"), "hourly")}


# a cycle's name -> (position function, cycle length), whichever family has it
_BY_NAME = {n: (pos, length) for cycles in _CYCLES.values() for n, pos, length in cycles}


def _family(index: pd.DatetimeIndex) -> str | None:
    freq = index.freqstr if index.freq is not None else pd.infer_freq(index) if len(index) >= 3 else None
    if freq is None:
        return None
    base = freq.split("-")[0].lstrip("0123456789")
    if base in ("ms", "us", "ns", "L", "U", "N"):   # sub-second: 'ms' upper-cased read as month start, month features
        return None
    base = base.upper()
    return "quarterly" if base.startswith(("Q", "BQ")) else _FAMILIES.get(base)


def calendar_columns(index: pd.Index) -> list[str]:
    """The names of the calendar features ``index`` has (see the module docstring)."""
    if not isinstance(index, pd.DatetimeIndex):
        return []
    fam = _family(index)
    return [f"{n}_{t}" for n, _, _ in _CYCLES.get(fam, []) for t in ("sin", "cos")]


def calendar_features(index: pd.Index, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Cyclical calendar features of each timestamp (columns :func:`calendar_columns`); an empty frame
    for yearly data, integer steps or an unknown frequency. ``columns``: exactly these features, in this
    order, whatever ``index``'s frequency gives now (a saved model's recorded columns: the month features of a
    millisecond series fitted before session 30 were NaN once the family changed, and its ES-RNN forecast fell
    back to the last value, silently).

    >>> calendar_features(pd.date_range("2020", periods=2, freq="ms"), ["month_sin", "month_cos"]).shape
    (2, 2)
    """
    if not isinstance(index, pd.Index):
        raise InputTypeError(f"index: expected a pandas Index, got {type(index).__name__}")
    if columns is None:
        cycles = _CYCLES.get(_family(index), []) if isinstance(index, pd.DatetimeIndex) else []
        names = [f"{n}_{t}" for n, _, _ in cycles for t in ("sin", "cos")]
    else:
        names = list(columns)
        known = [f"{n}_{t}" for n in _BY_NAME for t in ("sin", "cos")]
        for c in names:
            if c not in known:
                raise DataError(f"columns: expected calendar feature names among {known}, got {c!r}")
        if names and not isinstance(index, pd.DatetimeIndex):
            raise DataError(f"index: expected timestamps for the calendar columns {names}, got a "
                            f"{type(index).__name__}")
    cols: dict[str, np.ndarray] = {}
    for c in names:
        name, _, part = c.rpartition("_")
        pos, length = _BY_NAME[name]
        angle = 2 * np.pi * np.asarray(pos(index), dtype=float) / length
        cols[c] = np.sin(angle) if part == "sin" else np.cos(angle)
    return pd.DataFrame(cols, index=index)


def static_matrix(statics: Sequence[dict | None]) -> np.ndarray:
    """Static covariates of several series (one ``{name: number}`` per series) as an ``(S, F)`` array
    with the columns in sorted name order; every series must give the same names (a DataError names the
    first that does not), and values must be finite numbers."""
    for i, s in enumerate(statics):    # text or pairs were bare TypeErrors of the lookups below
        if s is not None and not isinstance(s, dict):
            raise InputTypeError(f"static covariates of series {i}: expected a dict {{name: number}} or None, got "
                                 f"{type(s).__name__}")
        try:
            sorted(s or {})
        except TypeError:      # names of two types ('a' and 1): sorted()'s bare TypeError
            raise InputTypeError(f"static covariates of series {i}: expected names of one type, got "
                                 f"{', '.join(sorted(map(repr, s)))}") from None
    if not statics or all(s is None for s in statics):
        return np.zeros((len(statics), 0))
    first = next(i for i, s in enumerate(statics) if s is not None)   # a first series without any was said to
    names = sorted(statics[first])                                     # expect the names [] of the others
    out = np.zeros((len(statics), len(names)))
    for i, s in enumerate(statics):
        if s is None or sorted(s) != names:
            raise DataError(f"static covariates of series {i}: expected the names {names} (as series {first} gives "
                            f"them), got {sorted(s) if s is not None else None}")
        for j, n in enumerate(names):
            v = s[n]
            # an int beyond 64 bits was numpy's bare TypeError (the target refuses it too: float rounds it)
            number = isinstance(v, (float, np.floating)) or isinstance(v, (int, np.integer)) and not isinstance(
                v, bool) and -2 ** 63 <= v < 2 ** 64
            x = float(v) if number else math.nan
            if not math.isfinite(x):
                raise DataError(f"static covariate {n!r} of series {i}: expected a finite number (a float, or an int "
                                f"of at most 64 bits), got {repr(v)[:40]}")
            out[i, j] = x
    return out
