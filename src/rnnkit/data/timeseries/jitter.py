"""Readings on a regular grid of a round step (every 2 days, twice a day, daily at midnight, hourly), each taken a
little early or late: which grid a person would name, and each reading's place on it (:func:`jitter_grid`).

Session 33 left these read as the modal step of their jittered stamps -- every 2 days with a few minutes' jitter as a
'2842min' grid, twice a day as '668min', daily at midnight +-5 min as '86380s' -- and ``--resample`` binned the values
on that grid, the forecast times drifting off the readings' own. :func:`jitter_grid` names the round step instead and
puts each reading on its nearest grid time (two readings nearest one grid time are averaged, as ``--resample`` averages
any bin's), except two readings nearest one grid time on the night of a clock change (a logger's local times
repeating the autumn hour): a DataError, not two hours averaged into one slot.

>>> t = pd.DatetimeIndex(["2021-01-01 09:04", "2021-01-03 08:57", "2021-01-05 09:10", "2021-01-07 08:51"])
>>> g = jitter_grid(t)
>>> g.freq, [str(s) for s in g.snapped[:2]], g.spread
('2D', ['2021-01-01 09:00:00', '2021-01-03 09:00:00'], Timedelta('0 days 00:10:00'))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from rnnkit.errors import DataError

__all__ = ["JitterGrid", "jitter_grid", "jitter_note", "float_noise_note"]

#: the round steps a jittered series is put on (finest first), as pandas names them (a week: by its weekday)
_STEPS = ("min", "2min", "5min", "10min", "15min", "20min", "30min", "h", "2h", "3h", "4h", "6h", "8h", "12h",
          "D", "2D", "3D", "7D")
#: how far the median step may be from the round one (a share of it), and how far a reading from its grid time
_STEP_TOLERANCE, _MOST_OFF = 0.1, 0.25
#: what the grid's time of day (of the step) is rounded to: the coarsest of these that is at most an eighth of the step
_ROUNDING = ("1h", "15min", "5min", "1min", "1s")


@dataclass(frozen=True)
class JitterGrid:
    """``freq``: the round step's name; ``snapped``: each reading's grid time (the same zone as the readings);
    ``spread``: the furthest a reading is from its grid time."""

    freq: str
    snapped: pd.DatetimeIndex
    spread: pd.Timedelta


def _clock(t: Any) -> str:
    return f"{t.date().isoformat()} {t:%H:%M}"


def _length(freq: str) -> pd.Timedelta:
    return pd.Timedelta(to_offset(freq))


def _round_step(median: pd.Timedelta) -> str | None:
    if not median > pd.Timedelta(0):
        return None
    best = min(_STEPS, key=lambda s: abs(np.log(median / _length(s))))
    return best if abs(median / _length(best) - 1) <= _STEP_TOLERANCE else None


def jitter_grid(index: pd.DatetimeIndex, repeated: Callable[..., str] | None = None) -> JitterGrid | None:
    """The round-step grid of :data:`_STEPS` the sorted, distinct stamps ``index`` are jittered readings of: the
    median step within a tenth of the round step, every reading within a quarter step of its grid time and most
    successive readings one step apart; ``None`` otherwise, and for stamps exactly on a grid (gaps are no jitter)
    or mostly one exact step apart (a grid with a few stamps off it). Steps of a day and more are the wall clock's
    (an aware series' days keep their time of day across a clock change), shorter ones absolute time. Two readings
    nearest one grid time are a DataError where ``repeated(hours, "repeated", stamps)``
    (:func:`~.frequency.clock_change_hint`) names a clock change: a logger's local times repeating the autumn hour."""
    if not isinstance(index, pd.DatetimeIndex) or index.size < 4:
        return None
    _, exact = np.unique(np.diff(index.asi8), return_counts=True)
    if exact.max() * 2 >= index.size - 1:    # one exact step for half of them or more: a grid with a few stamps off it
        return None
    freq = _round_step(pd.Series(np.diff(index.asi8)).median() * pd.Timedelta(1, unit=index.unit))
    if freq is None:
        return None
    step = _length(freq)
    daily = step >= pd.Timedelta(days=1)
    stamps = index.tz_localize(None) if daily and index.tz is not None else index
    origin = stamps[0].normalize()
    since = (stamps - origin) / step        # in steps, float
    frac = since - np.floor(since)
    angle = np.angle(np.mean(np.exp(2j * np.pi * frac)))      # the readings' typical place in the step (circular)
    res = next(_length(r) for r in _ROUNDING if _length(r) <= step / 8)
    phase = (angle / (2 * np.pi) % 1.0 * step).round(res) % step
    pos = np.round((since - phase / step).to_numpy(dtype=float)).astype(np.int64)
    snapped = pd.DatetimeIndex(origin + phase + pos * step)
    off = np.abs((stamps - snapped).to_numpy()) / step
    if off.max() >= _MOST_OFF or off.max() == 0 or np.mean(np.diff(pos) == 1) < 0.5:
        return None
    if index.tz is not None:
        snapped = snapped.tz_localize(index.tz, ambiguous="NaT", nonexistent="NaT") if daily \
            else snapped.tz_convert(index.tz)
        if snapped.hasnans:
            return None
    twice = np.flatnonzero(np.diff(pos) == 0)      # two readings of one slot: averaged by --resample, as any bin's
    if twice.size and repeated is not None and \
            (hint := repeated(pd.DatetimeIndex(stamps[twice]).floor("h").unique(), "repeated", stamps)):
        i = int(twice[0])                           # ... but not two clock hours of a daylight-saving night
        raise DataError(f"time: expected at most one reading near each time of the {freq} grid, got {stamps[i]} and "
                        f"{stamps[i + 1]} both nearest {_clock(snapped[i])}{hint}")
    if freq == "7D":         # named as pandas names a weekly grid: by its weekday ('W-MON'), English in any locale
        freq = "W-" + ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")[snapped[0].weekday()]
    return JitterGrid(freq, snapped, pd.Timedelta(float(off.max()) * step).round("1s"))


def jitter_note(index: pd.DatetimeIndex, freq: str) -> str:
    """What to say of readings ``index`` off a ``freq`` grid when they are jittered readings of it; '' otherwise."""
    grid = jitter_grid(index)
    if grid is None or grid.freq != freq:
        return ""
    spread = str(grid.spread).replace("0 days ", "")
    return (f"readings up to {spread} off a {freq} grid ({index[0]} is {_clock(grid.snapped[0])}, ...): "
            f"pass --resample / resample=True to put each on its nearest grid time")


def float_noise_note(index: pd.DatetimeIndex, freq: str) -> str:
    """What to say of stamps ``index`` off a ``freq`` grid by less than a millisecond each, all on it once rounded to
    the second: float noise (spreadsheet serial day numbers, Unix times as floats: '2021-01-01 00:59:59.9999998').
    They were said to be "at most one a clock hour at varying minutes (00:00, 00:59, ...)". '' otherwise."""
    try:
        whole = index.round("s")
        grid = pd.date_range(whole[0], whole[-1], freq=freq)
    except (ValueError, TypeError):      # a zone's skipped or repeated time, an odd frequency
        return ""
    off = abs(index - whole).max()
    if not pd.Timedelta(0) < off < pd.Timedelta(milliseconds=1) or not whole.isin(grid).all():
        return ""
    return (f"times up to {off.total_seconds() * 1e6:.3g} microseconds off whole seconds ({index[int(np.argmax(index != whole))]}, ...: the float "
            f"noise of spreadsheet serial day numbers or Unix times as floats): round them to the second first (pandas: "
            f"col.dt.round('s')), or pass --resample / resample=True")
