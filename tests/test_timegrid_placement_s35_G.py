"""Session 35, helper G (review W2): a fit with ``resample=True`` puts a grid's few readings a little off it on their
nearest grid time (:func:`rnnkit.data.timeseries.few_off.few_off_grid`), so ``update`` / the service must place new
rows the same way: ``placement`` said 'floor' (the old bins from the first stamp), and a new midnight reading two
minutes early went to the day before. Oracle: the grid the readings were made on."""

import pandas as pd

from rnnkit.data.timeseries.frequency import infer_frequency
from rnnkit.tasks.forecasting.new_times import on_fitted_grid, placement


def _first_late(n=60):
    grid = pd.date_range("2021-01-01", periods=n, freq="D")
    return grid, pd.DatetimeIndex([grid[0] + pd.Timedelta("5min")]).append(grid[1:])


def test_a_fit_on_a_grid_with_a_few_readings_off_it_places_new_rows_on_the_nearest_grid_time():
    grid, stamps = _first_late()
    info = infer_frequency(stamps)
    placed = placement(stamps, info.freq, info.off_grid)
    assert placed == "nearest_or_floor"     # few_off's rule (s36 W5: a far new reading a warned guess, as the fit's)
    expected = pd.date_range(grid[-1] + pd.Timedelta(days=1), periods=2, freq="D")
    early = pd.DatetimeIndex([expected[0] - pd.Timedelta("2min"), expected[1]])     # a new midnight reading 2 min early
    assert list(on_fitted_grid(early, expected, "D", placed)) == list(expected)


def test_a_fit_with_a_reading_far_off_its_grid_keeps_few_offs_rule():
    # 'floor' until session 36: a new reading 2 min before the next midnight went on the last fitted day (review W1)
    grid = pd.date_range("2021-01-01", periods=60, freq="D")
    stamps = grid.delete(10).insert(10, grid[10] + pd.Timedelta("12h"))
    info = infer_frequency(stamps)
    assert placement(stamps, info.freq, info.off_grid) == "nearest_or_floor"
