"""New rows of a series fitted with ``resample=True`` put on the fitted grid, as the fit put its own rows.

A fit with ``--resample`` takes readings off its grid -- one a day at varying times, every 2 days a few minutes early
or late -- and puts each on its grid time; ``update`` compared the new rows' own times with the next grid times, so
it refused the very rows the fit had accepted ('expected timestamps continuing series ... at D from 2021-05-01, got
['2021-05-01 08:10:00', ...]', session 33). :func:`on_fitted_grid` places each new time as the fit's rules do: on
the nearest grid time when every one is within a quarter step of one (a reading a little early or late), else on the
grid time at or before it (one reading a day, at any time of it).

>>> expected = pd.date_range("2021-05-01", periods=2, freq="D")
>>> got = pd.DatetimeIndex(["2021-05-01 08:10", "2021-05-02 07:42"])
>>> on_fitted_grid(got, expected, "D").strftime("%d %H:%M").tolist()
['01 00:00', '02 00:00']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["on_fitted_grid"]


def on_fitted_grid(got: pd.DatetimeIndex, expected: pd.DatetimeIndex, freq: str | None) -> pd.DatetimeIndex:
    """The grid times of ``freq`` (the fitted series', continued by ``expected``) the sorted new times ``got`` fall
    on; ``got`` as it is when the grid is no fixed step, a time lies before the grid or two fall on one grid time
    (the caller's check then names the rows)."""
    if freq is None or got.size == 0 or got.size != expected.size:
        return got
    grid = pd.date_range(expected[0] - pd.tseries.frequencies.to_offset(freq), periods=expected.size + 2, freq=freq)
    if (got.tz is None) != (grid.tz is None):
        return got
    after = np.clip(grid.searchsorted(got, side="right") - 1, 0, grid.size - 2)   # the grid time at or before each
    before, nxt = grid[after], grid[after + 1]
    step = nxt - before
    near = np.where((nxt - got) < (got - before), after + 1, after)
    dist = np.minimum((got - before) / step, (nxt - got) / step)
    slots = near if (dist < 0.25).all() else after
    if (got < grid[0]).any() or np.unique(slots).size != slots.size:
        return got
    return pd.DatetimeIndex(grid[slots], freq=None)
