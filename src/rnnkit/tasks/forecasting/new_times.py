"""New rows of a series fitted with ``resample=True`` put on the fitted grid, as the fit put its own rows.

A fit with ``--resample`` takes readings off its grid -- one a day at varying times, every 2 days a few minutes early
or late -- and puts each on its grid time; ``update`` compared the new rows' own times with the next grid times, so
it refused the very rows the fit had accepted ('expected timestamps continuing series ... at D from 2021-05-01, got
['2021-05-01 08:10:00', ...]', session 33). :func:`placement` says how the fit put its readings on the grid (kept
with the fitted series), and :func:`on_fitted_grid` places each new time by that rule: ``'floor'`` on the grid time
at or before it (one reading a day, at any time of it), ``'round'`` / ``'nearest'`` on the nearest one when each is
within a quarter step of it (a logger a little early or late). Decided from the new rows alone (session 34's first
try), one reading each evening went to the NEXT day -- refused, or, with a late reading of the last fitted day among
them, accepted with every value one day late (review W4).

>>> expected = pd.date_range("2021-05-01", periods=2, freq="D")
>>> got = pd.DatetimeIndex(["2021-05-01 08:10", "2021-05-02 07:42"])
>>> on_fitted_grid(got, expected, "D", "floor").strftime("%d %H:%M").tolist()
['01 00:00', '02 00:00']
>>> on_fitted_grid(pd.DatetimeIndex(["2021-04-30 23:57", "2021-05-02 00:03"]), expected, "D", "nearest").day.tolist()
[1, 2]
"""

from __future__ import annotations

from typing import Any

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from rnnkit.data.timeseries.frequency import _one_a_unit, one_a_unit_note
from rnnkit.data.timeseries.few_off import OffGrid, grid_of
from rnnkit.data.timeseries.jitter import after_held
from rnnkit.errors import ConfigError

__all__ = ["on_fitted_grid", "on_grid_from", "placement", "PLACEMENTS", "check_placement"]

#: how a fit put readings off its grid on it (:func:`placement`); ``None``: on the grid, or not known (saved before)
PLACEMENTS = ("floor", "round", "nearest", "nearest_or_floor")

#: the furthest a new reading may be from the grid time it is put on by 'round' / 'nearest' (a share of the step)
_MOST_OFF = 0.25


def placement(stamps: pd.Index, freq: str | None, off_grid: int) -> str | None:
    """How :func:`~rnnkit.data.timeseries.frequency.regularize_index` puts the sorted stamps ``stamps`` of a
    ``freq`` grid (``off_grid`` of them off it) on the grid with ``resample``: ``'floor'`` (the calendar unit each
    is in, or the bin from the first stamp it falls in), ``'round'`` (the nearest unit start: a logger a little
    early or late), ``'nearest'`` (the nearest time of a jittered round-step grid, every reading within a quarter
    step of it, or of float noise: :func:`~rnnkit.data.timeseries.few_off.grid_of`), ``'nearest_or_floor'`` (a grid
    a few stamps are off, :func:`~rnnkit.data.timeseries.few_off.few_off_grid`, or readings of a jittered grid a few
    of which were guesses: the nearest time within a quarter step, else the one before, a warned guess); ``None``
    when every stamp is on the grid, or for a grid pandas' resample bins (a month end, a week). A few-off grid with a
    far guess said 'floor' (session 35), so a new reading 2 minutes before the next grid time, which a fit on all the
    rows puts there, was floored onto the last fitted one and refused (review W1, session 36)."""
    if freq is None or not off_grid or not isinstance(stamps, pd.DatetimeIndex):
        return None
    if one_a_unit_note(stamps, freq):
        return _one_a_unit(stamps)[3]
    if (placed := grid_of(stamps, freq)) is not None:    # jittered, float noise; a few off a grid (review W2)
        return "nearest_or_floor" if isinstance(placed, OffGrid) or getattr(placed, "far", 0) else "nearest"
    return "floor" if isinstance(to_offset(freq), (Tick, pd.offsets.Day)) else None


def check_placement(value: Any) -> str | None:
    """A saved :func:`placement` (``series.placed``), checked: one of :data:`PLACEMENTS` or ``None``."""
    if value is not None and value not in PLACEMENTS:
        raise ConfigError(f"series.placed: expected one of {list(PLACEMENTS)} or null, got {str(value)[:60]!r}")
    return value


def on_fitted_grid(got: pd.DatetimeIndex, expected: pd.DatetimeIndex, freq: str | None,
                   placed: str | None = None) -> pd.DatetimeIndex:
    """The grid times of ``freq`` (the fitted series', continued by ``expected``) the sorted new times ``got`` fall
    on by the fit's rule ``placed`` (:func:`placement`; ``None``, a fit on its grid or saved before the rule was
    kept: the nearest when every one is within a quarter step of one, else the one at or before); ``got`` as it is
    when the grid is no fixed step, a time lies before the grid, one is further than a quarter step from its
    nearest grid time under 'round' / 'nearest', or two fall on one grid time (the caller's check then names the
    rows)."""
    if freq is None or got.size == 0 or got.size != expected.size:
        return got
    grid = pd.date_range(expected[0] - to_offset(freq), periods=expected.size + 2, freq=freq)
    slots = _slots(got, grid, placed)
    if slots is None or (got < grid[0]).any() or np.unique(slots).size != slots.size:
        return got
    return pd.DatetimeIndex(grid[slots], freq=None)


def _slots(got: pd.DatetimeIndex, grid: pd.DatetimeIndex, placed: str | None) -> np.ndarray | None:
    """The positions in ``grid`` (a fixed-step grid with a time before the first of ``got`` and one after the last)
    the times ``got`` go to by the rule ``placed`` (see :func:`on_fitted_grid`); None where the rule puts them on none:
    a zone on one side only, or a time further than a quarter step from its nearest grid time under 'round' /
    'nearest'."""
    if (got.tz is None) != (grid.tz is None):
        return None
    after = np.clip(grid.searchsorted(got, side="right") - 1, 0, grid.size - 2)   # the grid time at or before each
    before, nxt = grid[after], grid[after + 1]
    step = nxt - before
    near = np.where((nxt - got) < (got - before), after + 1, after)
    each = np.asarray(np.minimum((got - before) / step, (nxt - got) / step) < _MOST_OFF)
    close = each.all()
    if placed == "nearest_or_floor" and not close:    # as few_off placed the fit's own (review W5, session 36)
        # its time before held (the last fitted one, grid[0], or the reading before's), the next free: there (W7)
        slots = after_held(np.where(each, near, after), ~each, held=0)
        i = int(np.argmin(each))
        warnings.warn(f"{int((~each).sum())} new reading(s) not within a quarter step of a {grid.freqstr} grid time "
                      f"put on a guessed one, the grid time before each unless the reading before holds it (the first "
                      f"{got[i]} on {grid[slots[i]]}), as the fit put its own; correct their times if they belong "
                      "elsewhere", UserWarning, stacklevel=4)
        return slots
    if placed == "floor" or (placed is None and not close):
        return after
    return near if close else None


def on_grid_from(got: pd.DatetimeIndex, start: pd.Timestamp, freq: str, placed: str | None) -> pd.DatetimeIndex | None:
    """The grid times of ``freq`` from ``start`` (a series' next grid time) on which the sorted new times ``got`` --
    a few, possibly with gaps between them, as the HTTP service receives them -- fall by the fit's rule ``placed``
    (as :func:`on_fitted_grid` puts ``update``'s rows); ``got`` as it is when a time lies before ``start - step``
    (the caller refuses it as before the series' end); None when the rule puts them on no grid time (see :func:`_slots`).

    >>> on_grid_from(pd.DatetimeIndex(["2021-05-01 08:10", "2021-05-04 19:00"]), pd.Timestamp("2021-05-01"), "D",
    ...              "floor").strftime("%d").tolist()
    ['01', '04']
    """
    off = to_offset(freq)
    grid = pd.date_range(start - off, max(got.max(), start) + off, freq=freq)
    if grid.size < 2 or grid[0] != start - off:
        return None
    if (got < grid[0]).any():
        return got
    slots = _slots(got, grid, placed)
    return None if slots is None else pd.DatetimeIndex(grid[slots], freq=None)
