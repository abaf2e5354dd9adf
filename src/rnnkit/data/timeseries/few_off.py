"""A regular grid with a few readings a little off it: the grid the exact readings are on, and each reading's place.

Readings mostly on a grid of a fixed step -- daily at midnight, the first one taken at 00:05; two at 23:58 instead of
midnight; the last quarter-hour reading a minute early -- are no jittered grid (:func:`.jitter.jitter_grid`: half the
steps exact), and ``--resample`` binned them on a grid from the FIRST reading, each in the bin at or before it: a first
reading 5 minutes late put every later value a day early (the first two averaged, the last day gone, the forecast at
00:05), a reading 2 minutes early was averaged into the day before and its own day invented (review W2, session 35).
:func:`few_off_grid` anchors the grid at the time of the step most readings share (their modal phase) and puts a
reading within a quarter step of a grid time there, as :func:`~.jitter.jitter_grid` puts a jittered one; a reading
further from every grid time is a guess: put on the grid time before it (as the bins were) and counted in ``far``.

>>> t = pd.date_range("2021-01-01", periods=8, freq="D").to_series()
>>> t.iloc[0] += pd.Timedelta("5min"); t.iloc[3] -= pd.Timedelta("2min")
>>> g = few_off_grid(pd.DatetimeIndex(t), "D")
>>> g.snapped.strftime("%d %H:%M").tolist(), g.far
(['01 00:00', '02 00:00', '03 00:00', '04 00:00', '05 00:00', '06 00:00', '07 00:00', '08 00:00'], 0)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from rnnkit.data.timeseries.jitter import JitterGrid, _in_zone, float_rounded, jitter_grid, mostly_one_step, wall_clock

__all__ = ["OffGrid", "few_off_grid", "grid_of", "warn_far"]


@dataclass(frozen=True)
class OffGrid(JitterGrid):
    """A :class:`~.jitter.JitterGrid` of a grid with a few readings off it; ``far``: how many readings were put on a
    grid time as a guess (further than a quarter step from every grid time, or near the next one that the next
    reading holds: :func:`_slots`); ``first_far``: the first of them, ``first_far_on``: where it went."""


def _step(freq: str) -> tuple[pd.Timedelta, bool] | None:
    """``(step, daily)`` of a fixed-step frequency (whole days: read on the wall clock), ``None`` for another."""
    try:
        off = to_offset(freq)
    except ValueError:
        return None
    if isinstance(off, pd.offsets.Day):
        return pd.Timedelta(days=off.n), True
    return (pd.Timedelta(off), False) if isinstance(off, Tick) and off.n > 0 else None


def _slots(before: np.ndarray, near_next: np.ndarray, far: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each sorted reading's grid slot -- the one after its slot ``before`` where ``near_next`` (within a quarter step
    of it), else ``before`` -- and which were guesses: ``far`` ones (within a quarter step of no grid time), and a
    reading near the next slot that the next reading holds, put back on its own free slot before (a midnight reading
    at 23:58 of a day with no midnight reading of its own: the old floor, not averaged with the next day's); a far one
    whose slot before the reading before holds goes to the free one after it (June's reading on 22 May was averaged
    with May's and June invented: review W2-3); the last reading near the slot after the end whose own slot is free
    goes to its own slot (a guess, counted: it went past the end, its own slot an invented value: review W2-6) --
    a last reading 2 minutes early after a reading on its own slot still goes to the next one."""
    slot = np.where(near_next, before + 1, before)
    clash = np.append(near_next[:-1] & (slot[1:] == slot[:-1]), False)
    free = clash & (before != np.insert(slot[:-1], 0, before[0] - 1))
    slot = np.where(free, before, slot)
    prev = np.insert(slot[:-1], 0, before[0] - 1)
    up = far & (slot == prev) & (np.append(slot[1:], slot[-1] + 2) != before + 1)
    last = np.zeros_like(free)    # the last reading near the slot after the end: its own free slot, no gap (review W2-6)
    last[-1] = slot.size > 1 and near_next[-1] and prev[-1] < before[-1]
    return np.where(up, before + 1, np.where(last, before, slot)), far | free | last


def few_off_grid(index: pd.DatetimeIndex, freq: str | None) -> OffGrid | None:
    """The ``freq`` grid the sorted, distinct stamps ``index`` are on but for a few (half the steps or more one exact
    step, half the stamps or more at one time of the step: the grid's phase), with each stamp's grid time: the nearest
    when within a quarter step of it, else the one before (``far``); ``None`` for another frequency than a fixed step,
    for other stamps, and when every stamp is on the grid. Steps of a day and more are the wall clock's (an aware
    series' days keep their time of day across a clock change), shorter ones absolute time, as in
    :func:`~.jitter.jitter_grid`."""
    if not isinstance(index, pd.DatetimeIndex) or index.size < 3 or freq is None:
        return None
    if (fixed := _step(freq)) is None:
        return _calendar_grid(index, freq)
    step, daily = fixed
    stamps = wall_clock(index) if daily else index
    unit = pd.Timedelta(1, unit=stamps.unit)
    if step % unit or not mostly_one_step(stamps):
        return None
    s, t = step // unit, stamps.asi8          # the step and the stamps in the index's unit (UTC for aware ones)
    phases, counts = np.unique(t % s, return_counts=True)
    if counts.max() * 2 < t.size:
        return None
    phase = int(phases[np.argmax(counts)])
    k, rem = np.divmod(t - phase, s)
    k, far = _slots(k, rem * 4 > 3 * s, (rem * 4 >= s) & (rem * 4 <= 3 * s))
    on = pd.DatetimeIndex((phase + k * s).astype(f"datetime64[{stamps.unit}]"))
    if (on == stamps.tz_localize(None)).all():
        return None
    if index.tz is not None:
        on = _in_zone(on, index.tz, freq) if daily else on.tz_localize("UTC").tz_convert(index.tz)
    spread = pd.Timedelta(np.abs(t - (phase + k * s)).max() * unit).round("1s")
    first = (index[int(np.argmax(far))], on[int(np.argmax(far))]) if far.any() else ()
    return OffGrid(freq, on, spread, int(far.sum()), *first)


def _calendar_grid(index: pd.DatetimeIndex, freq: str) -> OffGrid | None:
    """:func:`few_off_grid` for a calendar frequency (``MS``, ``QS-JAN``, ``YS``, ``ME``, ``W-SUN``, ...), on the wall
    clock: half the stamps or more on its dates at one time of day; each stamp within a quarter period of a grid time
    on that one, else on the one before (``far``). A monthly reading at 23:00 on the 31st was averaged into the month
    before and its own month invented; the first one a day early added a month before the series (review W6)."""
    try:
        offset = to_offset(freq)
        wall = wall_clock(index)
        day = wall.normalize()
        days = pd.date_range(offset.rollback(day[0]) - offset, offset.rollforward(day[-1]) + offset, freq=freq)
    except (ValueError, TypeError, AttributeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        return None
    exact_day = day.isin(days.normalize())
    times, counts = np.unique((wall - day)[exact_day].asi8, return_counts=True)
    if not times.size or counts.max() * 2 < index.size:
        return None
    grid = days.normalize() + pd.Timedelta(int(times[np.argmax(counts)]), unit=wall.unit)
    before = np.clip(grid.searchsorted(wall, side="right") - 1, 0, grid.size - 2)
    since, until = wall - grid[before], grid[before + 1] - wall
    step = grid[before + 1] - grid[before]
    slot, far = _slots(before, np.asarray(until * 4 < step), np.asarray((until * 4 >= step) & (since * 4 >= step)))
    on = pd.DatetimeIndex(grid[np.minimum(slot, grid.size - 1)])
    if (on == wall).all():
        return None
    spread = pd.Timedelta(np.abs((wall - on).asi8).max(), unit=wall.unit).round("1s")
    if index.tz is not None:
        on = _in_zone(on, index.tz, freq)
    return OffGrid(freq, on, spread, int(far.sum()), *((index[int(np.argmax(far))], on[int(np.argmax(far))])
                                                       if far.any() else ()))


def grid_of(index: pd.DatetimeIndex, freq: str | None, repeated=None) -> JitterGrid | None:
    """The grid of ``freq`` the stamps ``index`` are placed on, each at its grid time: a jittered round step's
    (:func:`~.jitter.jitter_grid`, ``repeated`` as there), a grid with a few readings off it (:func:`few_off_grid`), or
    one with float noise (:func:`~.jitter.float_rounded`: each on its rounded time); ``None`` when none is a ``freq``
    grid."""
    if (whole := float_rounded(index)) is not None:      # float noise (review W3): each on its rounded time
        try:
            on = whole.isin(pd.date_range(whole[0], whole[-1], freq=freq))
        except (ValueError, TypeError):
            on = None
        if on is not None and on.all():
            return JitterGrid(freq, whole, abs(index - whole).max())
        return few_off_grid(whole, freq) if on is not None else None     # a sample or two off it (W3, session 36)
    jittered = jitter_grid(index, repeated) if isinstance(index, pd.DatetimeIndex) else None
    if jittered is not None and jittered.freq == freq:
        return jittered
    return few_off_grid(index, freq)      # (monthly readings a few off the 1st are no '30D' jittered grid: W6)


def warn_far(grid: JitterGrid, name: str) -> None:
    """The one-line warning of a resample that put ``grid.far`` readings (:class:`OffGrid`, or a jittered grid's few
    far ones) on a guessed grid time, naming where the first went: the grid time before it, or after it (the one
    before held: it said 'before each' for one put after, review W6, session 36)."""
    if grid.far:
        warnings.warn(f"{name}: {grid.far} reading(s) not within a quarter step of a free {grid.freq} grid time (the "
                      f"first {grid.first_far}, put on {grid.first_far_on}) put on a guessed one: the grid time before "
                      "each, or after it where the reading before holds that one; correct their times if they belong "
                      "elsewhere", UserWarning, stacklevel=3)
