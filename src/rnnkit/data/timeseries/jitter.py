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

import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from rnnkit.errors import DataError

__all__ = ["JitterGrid", "jitter_grid", "jitter_note", "float_noise_note", "float_rounded", "calendar_months",
           "wall_clock", "median_step", "mostly_one_step", "after_held"]

#: the units a round step is a whole number of (coarsest first): every 4 days, 90 or 45 minutes as well as 2 days,
#: 12 hours or 20 minutes (a table of 17 steps left the others read as their modal step, '5767min'; review W3)
_UNITS = ("D", "h", "15min", "5min", "min", "s")
#: how far the median step may be from the round one (a share of it), and how far a reading from its grid time
_STEP_TOLERANCE, _MOST_OFF = 0.1, 0.25
#: how many readings of a jittered grid may be further than a quarter step from every grid time (a share of them, at
#: least one): each a warned guess, on the grid time before it (one reading 10 h off among 60 daily ones +-10 min made
#: the modal step the grid again, '1438min', drifting silently: review W3, session 36)
_FAR_SHARE = 0.05
#: what the grid's time of day (of the step) is rounded to: the coarsest of these that is at most an eighth of the step
_ROUNDING = ("1h", "15min", "5min", "1min", "1s")


@dataclass(frozen=True)
class JitterGrid:
    """``freq``: the round step's name; ``snapped``: each reading's grid time (the same zone as the readings);
    ``spread``: the furthest a reading within a quarter step is from its grid time; ``far``: how many readings were
    put on a grid time as a guess (further than a quarter step from every one), ``first_far``: the first of them and
    ``first_far_on``: the grid time it was put on."""

    freq: str
    snapped: pd.DatetimeIndex
    spread: pd.Timedelta
    far: int = 0
    first_far: pd.Timestamp | None = None
    first_far_on: pd.Timestamp | None = None


def wall_clock(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """``index``'s wall-clock times: an aware index with its zone dropped, a naive one as it is."""
    return index.tz_localize(None) if index.tz is not None else index


def median_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The median of the steps between the sorted stamps ``index`` (two or more)."""
    return pd.Series(np.diff(index.asi8)).median() * pd.Timedelta(1, unit=index.unit)


def mostly_one_step(index: pd.DatetimeIndex) -> bool:
    """Whether one exact step is the step between half or more of the successive stamps ``index`` (two or more) and
    half or more of the stamps are at one time of it (its grid's phase): a grid with a few stamps off it, not readings
    taken a little early or late -- hourly readings alternately 3 minutes late and early are 54 and 66 minutes apart,
    54 half the time, and were read as a '54min' grid (their jitter not named; review W5, session 35)."""
    steps, exact = np.unique(np.diff(index.asi8), return_counts=True)
    if exact.max() * 2 < index.size - 1 or (step := int(steps[np.argmax(exact)])) <= 0:
        return False
    return bool(np.unique(index.asi8 % step, return_counts=True)[1].max() * 2 >= index.size)


def _clock(t: Any) -> str:
    return f"{t.date().isoformat()} {t:%H:%M}"


def _length(freq: str) -> pd.Timedelta:
    return pd.Timedelta(to_offset(freq))


def _round_steps(median: pd.Timedelta) -> list[pd.Timedelta]:
    """The round steps ``median`` may be a jittered reading of: the median rounded to a whole number of each unit of
    :data:`_UNITS` (coarsest first), each within a tenth of it, each once."""
    out: list[pd.Timedelta] = []
    for unit in map(_length, _UNITS):
        k = int(np.round(median / unit)) if median > pd.Timedelta(0) else 0
        if k >= 1 and abs(median / (k * unit) - 1) <= _STEP_TOLERANCE and k * unit not in out:
            out.append(k * unit)
    return out


def _step_name(step: pd.Timedelta) -> str:
    """A round step as pandas names it: whole days as ``'D'`` / ``'4D'`` (``to_offset`` says ``'96h'``), else
    ``'90min'``, ``'h'``."""
    days, rest = divmod(step, pd.Timedelta(days=1))
    return ("D" if days == 1 else f"{days}D") if days and not rest else to_offset(step).freqstr


def _placed(index: pd.DatetimeIndex, step: pd.Timedelta) -> tuple | None:
    """``(stamps, snapped, pos, off, far)`` of the readings ``index`` on a grid of ``step``: the stamps as the grid
    reads them (a wall clock for a day and more), each one's grid time (naive for a day and more) and its number from
    the first, each one's distance from it (in steps), which are guesses; ``None`` unless every reading but a few
    (:data:`_FAR_SHARE`) is within a quarter step of its grid time, not all on it, and most successive readings one
    step apart. A reading further from every grid time goes on the one before it -- after it where the reading before
    holds that one and the next grid time is free -- as :func:`~.few_off.few_off_grid` puts one (a guess)."""
    daily = step >= pd.Timedelta(days=1)
    stamps = wall_clock(index) if daily else index
    origin = stamps[0].normalize()
    since = ((stamps - origin) / step).to_numpy(dtype=float)        # in steps
    res = next((_length(r) for r in _ROUNDING if _length(r) <= step / 8), None)
    if res is None:                         # a step under 8 s: its phase is not told from the readings
        return None
    turn = np.exp(2j * np.pi * (since - np.floor(since)))
    angle = np.angle(np.mean(turn))         # the readings' typical place in the step (circular) ...
    near = np.abs(np.angle(turn * np.exp(-1j * angle))) < 2 * np.pi * _MOST_OFF
    if near.any():                          # ... of those near it: a reading 10 h off a midnight grid moved it
        angle = np.angle(np.mean(turn[near]))
    phase = (angle / (2 * np.pi) % 1.0 * step).round(res) % step
    at = since - phase / step
    pos = np.round(at).astype(np.int64)
    far = np.abs(at - pos) >= _MOST_OFF
    if far.sum() > max(1, int(_FAR_SHARE * at.size)) or far.all():
        return None
    if far.any():
        pos = after_held(np.where(far, np.floor(at).astype(np.int64), pos), far)
    snapped = pd.DatetimeIndex(origin + phase + pos * step)
    off = np.abs((stamps - snapped).to_numpy()) / step
    if off[~far].max() == 0 or np.mean(np.diff(pos) == 1) < 0.5:
        return None
    return stamps, snapped, pos, off, far


def after_held(slots: np.ndarray, guessed: np.ndarray, held: int | None = None) -> np.ndarray:
    """``slots`` (sorted readings' grid slots, in place) with each ``guessed`` reading put on the grid time before it
    moved to the one after where the reading before (``held`` for the first: a slot already taken, or ``None``) holds
    that one and the next slot is free -- the rule few_off puts a far reading by (review W2-3, session 35), shared by
    a jittered grid's few far readings (:func:`_placed`) and an update's new ones
    (:mod:`rnnkit.tasks.forecasting.new_times`; reviews W3 and W7, session 36)."""
    for i in np.flatnonzero(guessed):
        before = slots[i - 1] if i else held
        if before is not None and slots[i] == before and (i + 1 == slots.size or slots[i + 1] > slots[i] + 1):
            slots[i] += 1
    return slots


def _in_zone(snapped: pd.DatetimeIndex, tz: Any, freq: str) -> pd.DatetimeIndex:
    """Wall-clock grid times ``snapped`` of a step of a day or more in the zone ``tz``; a DataError naming the first
    one the zone skips or repeats (daily readings around midnight where the clocks change at midnight: Sao Paulo
    2018-11-04). It was no grid, and the modal step of the stamps ('1436min') was taken, drifting to 21:14 (W8)."""
    local = snapped.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    if local.hasnans:
        at = snapped[np.flatnonzero(local.isna())[0]]
        raise DataError(f"time: expected a {freq} grid of local times in {tz}, got readings near {_clock(at)}, which "
                        "the zone skips or repeats at a daylight-saving change; drop the zone (index.tz_localize(None): "
                        "the readings' wall times) or give the readings at another time of day")
    return local


def jitter_grid(index: pd.DatetimeIndex, repeated: Callable[..., str] | None = None) -> JitterGrid | None:
    """The round-step grid (a whole number of a unit of :data:`_UNITS`) the sorted, distinct stamps ``index`` are
    jittered readings of: the median step within a tenth of the round step, every reading within a quarter step of its grid time (but a few, each a
    warned guess: :func:`_placed`) and most
    successive readings one step apart; ``None`` otherwise, and for stamps exactly on a grid (gaps are no jitter)
    or mostly one exact step apart (a grid with a few stamps off it). Steps of a day and more are the wall clock's
    (an aware series' days keep their time of day across a clock change), shorter ones absolute time. Two readings
    nearest one grid time are a DataError where ``repeated(hours, "repeated", stamps)``
    (:func:`~.clock_nights.clock_change_hint`) names a clock change: a logger's local times repeating the autumn hour;
    a grid of a day or more whose local time the zone skips or repeats is one too (:func:`_in_zone`)."""
    if not isinstance(index, pd.DatetimeIndex) or index.size < 4:
        return None
    if mostly_one_step(index):             # a grid with a few stamps off it
        return None
    for step in _round_steps(median_step(index)):      # the coarsest unit's first: 2 days, not 47 hours, for a wide jitter
        placed = _placed(index, step)
        if placed is not None:
            break
    else:
        return None
    stamps, snapped, pos, off, far = placed
    freq = _step_name(step)
    if index.tz is not None:
        snapped = _in_zone(snapped, index.tz, freq) if step >= pd.Timedelta(days=1) else snapped.tz_convert(index.tz)
    twice = np.flatnonzero(np.diff(pos) == 0)      # two readings of one slot: averaged by --resample, as any bin's
    if twice.size and repeated is not None and \
            (hint := repeated(pd.DatetimeIndex(stamps[twice]).floor("h").unique(), "repeated", stamps)):
        i = int(twice[0])                           # ... but not two clock hours of a daylight-saving night
        raise DataError(f"time: expected at most one reading near each time of the {freq} grid, got {stamps[i]} and "
                        f"{stamps[i + 1]} both nearest {_clock(snapped[i])}{hint}")
    if freq == "7D":         # named as pandas names a weekly grid: by its weekday ('W-MON'), English in any locale
        freq = "W-" + ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")[snapped[0].weekday()]
    first = int(np.argmax(far))
    return JitterGrid(freq, snapped, pd.Timedelta(float(off[~far].max()) * step).round("1s"), int(far.sum()),
                      *((index[first], snapped[first]) if far.any() else ()))


def calendar_months(index: pd.DatetimeIndex) -> int:
    """``k`` when the sorted stamps ``index`` are readings about one every ``k`` calendar months at varying days (the
    median step ``k`` mean months' length within a twentieth, every successive reading a multiple of ``k`` wall-clock
    months on -- ``k``: the median; more, a period missing):
    monthly readings a few days late with a time zone, quarterly, yearly ones -- no fixed step of days, though one
    fits a short stretch ('31D', '91D', '366D', drifting off the months: review W12). 0 otherwise (every 4 weeks:
    two readings in one month each year), and 0 when a fixed step of days places them no worse than their months do
    (every 91 days +- 1 h: a '91D' grid, review W13)."""
    if not isinstance(index, pd.DatetimeIndex) or index.size < 3:
        return 0
    wall = wall_clock(index)
    month = pd.Timedelta(days=365.2425 / 12)
    median = median_step(wall)
    k = int(np.round(median / month))
    if k < 1 or abs(median / (k * month) - 1) > 0.05:
        return 0
    for shift in (pd.Timedelta(0), month / 2):     # the month each is in, or the nearest month start (around the 1st)
        moved = wall + shift
        apart = np.diff(moved.year.to_numpy() * 12 + moved.month.to_numpy())
        if not (apart <= 0).any() and not (apart % k).any():
            break
    else:
        return 0
    grid = jitter_grid(index)     # a fixed step of days the readings are closer to (every 91 days +- 1 h: W13)
    if grid is not None:
        fixed = wall - wall_clock(grid.snapped)
        in_month = moved - moved.to_period("M").to_timestamp()
        if fixed.max() - fixed.min() <= in_month.max() - in_month.min():
            return 0
    return k


def weekday_grid(index: pd.DatetimeIndex, freq: str | None) -> str | None:
    """``'B'`` for a guess ``freq`` of ``'D'`` (or of a step of days whose grid misses some of them) whose stamps (wall
    clock, one time of day) all fall Monday to Friday, on the business-day grid from the first to the last that
    pandas' infer_freq names ``'B'`` (a weekend inside it) and with fewer of its days missing than given; ``freq``
    otherwise. A gap broke infer_freq, and a stretch
    of one week or the modal step said 'D' ('2D'): 5-10 working days with one missing were read as daily, every
    weekend invented as two missing days (session 36).

    >>> weekday_grid(pd.bdate_range("2024-01-01", periods=6).delete(2), "D")
    'B'
    """
    if index.size < 3 or not isinstance(freq, str) or not re.fullmatch(r"\d*D", freq):
        return freq
    wall = wall_clock(index)
    day = wall.normalize()
    if ((wall - day) != (wall - day)[0]).any() or (wall.day_of_week >= 5).any() or \
            (freq != "D" and day.isin(pd.date_range(day[0], day[-1], freq=freq)).all()):    # its own grid holds them
        return freq
    import warnings

    with warnings.catch_warnings():      # pandas 3: infer_freq's future-offset notice
        warnings.simplefilter("ignore")
        filled = pd.bdate_range(day[0], day[-1])
        named = pd.infer_freq(filled)
    # and fewer missing than given: 5 stamps on the 1st / 15th that fall on weekdays are no business days, 60 of 65 missing
    return "B" if getattr(named, "freqstr", named) == "B" and filled.size < 2 * index.size else freq


def jitter_note(index: pd.DatetimeIndex, freq: str) -> str:
    """What to say of readings ``index`` off a ``freq`` grid when they are jittered readings of it; '' otherwise."""
    grid = jitter_grid(index)
    if grid is None or grid.freq != freq:
        return ""
    spread = str(grid.spread).replace("0 days ", "")
    return (f"readings up to {spread} off a {freq} grid ({index[0]} is {_clock(grid.snapped[0])}, ...): "
            f"pass --resample / resample=True to put each on its nearest grid time")


#: the units float noise is rounded away to (:func:`float_rounded`), coarsest first, with their names
_NOISE_UNITS = (("1s", "second"), ("1ms", "millisecond"), ("1us", "microsecond"))


def _noise_unit(index: pd.DatetimeIndex) -> tuple[str, str] | None:
    """The coarsest unit of :data:`_NOISE_UNITS` at most a thousandth of the median step of ``index``."""
    median = median_step(index) if index.size >= 2 else pd.Timedelta(0)
    return next((u for u in _NOISE_UNITS if pd.Timedelta(u[0]) * 1000 <= median), None)


def _rounded(index: pd.DatetimeIndex, unit: str) -> pd.DatetimeIndex:
    """``index`` rounded to ``unit``; an aware one in UTC (the wall clock's repeated autumn hour has no one rounding)."""
    return index.round(unit) if index.tz is None else index.tz_convert("UTC").round(unit).tz_convert(index.tz)


def _without_noise(index: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, pd.Timedelta, tuple[str, str]] | None:
    """``(rounded, off, unit)``: the stamps ``index`` rounded to the coarsest unit of :data:`_NOISE_UNITS` at most a
    thousandth of their median step, how far the furthest moved (under a millisecond, above 0), and the unit; ``None``
    when no unit fits, rounding fails, or nothing moves or something moves a millisecond or more."""
    unit = _noise_unit(index) if isinstance(index, pd.DatetimeIndex) else None
    if unit is None:
        return None
    try:
        whole = _rounded(index, unit[0])
    except (ValueError, TypeError):      # a time out of pandas' bounds once rounded, a zone's skipped or repeated time
        return None
    off = abs(index - whole).max()
    return (whole, off, unit) if pd.Timedelta(0) < off < pd.Timedelta(milliseconds=1) else None


def float_rounded(index: pd.DatetimeIndex) -> pd.DatetimeIndex | None:
    """The sorted stamps ``index`` without their float noise: rounded to the coarsest of 1 s / 1 ms / 1 us at most a
    thousandth of their median step, when that moves some stamp, each by less than a millisecond, leaves them distinct
    and every step but a few a multiple of the commonest one (a grid, gaps allowed, a few readings off it); ``None``
    otherwise. A 10 Hz logger's float
    Unix times (each within a microsecond of its 100 ms mark) were a '100000143ns' grid with '298 missing timestamps',
    a 1 s log as spreadsheet serial day numbers '999999605ns' (review W3, session 35)."""
    if (rounded := _without_noise(index)) is None:
        return None
    whole = rounded[0]
    steps = np.diff(whole.asi8)
    if (steps <= 0).any():
        return None
    values, counts = np.unique(steps, return_counts=True)     # a few steps off it: one sample late, or one extra
    off = int(np.count_nonzero(steps % values[np.argmax(counts)]))   # (review W3, session 36: '100000143ns' again)
    return None if off > max(2, int(2 * _FAR_SHARE * steps.size)) else whole


def float_noise_note(index: pd.DatetimeIndex, freq: str) -> str:
    """What to say of stamps ``index`` off a ``freq`` grid by less than a millisecond each, all on it once rounded to
    the coarsest of 1 s / 1 ms / 1 us at most a thousandth of the step: float noise (spreadsheet serial day numbers,
    Unix times as floats: '2021-01-01 00:59:59.9999998'). They were said to be "at most one a clock hour at varying
    minutes (00:00, 00:59, ...)". '' otherwise."""
    if (rounded := _without_noise(index)) is None:   # (an aware series is rounded in UTC: :func:`_rounded`)
        return ""
    whole, off, unit = rounded
    try:
        grid = pd.date_range(whole[0], whole[-1], freq=freq)
    except (ValueError, TypeError):      # an odd frequency
        return ""
    if not whole.isin(grid).all():
        return ""
    return (f"times up to {off.total_seconds() * 1e6:.3g} microseconds off whole {unit[1]}s ({index[int(np.argmax(index != whole))]}, ...: the float "
            f"noise of spreadsheet serial day numbers or Unix times as floats): round them to the {unit[1]} first (pandas: "
            f"col.dt.round({unit[0].lstrip('1')!r})), or pass --resample / resample=True")
