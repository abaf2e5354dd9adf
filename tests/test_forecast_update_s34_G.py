"""Session 34 (helper G, review W4): how a fit with ``resample=True`` put its readings on the grid
(:func:`~rnnkit.tasks.forecasting.new_times.placement`), and ``on_fitted_grid`` placing new rows by that rule: one
reading a day at any time of it on its own day (floor), midnight readings a little early or late on the nearest
midnight. Decided from the new rows alone, one reading each evening went to the NEXT day."""

import numpy as np
import pandas as pd

from rnnkit.tasks.forecasting.new_times import check_placement, on_fitted_grid, placement


def _evenings(n=64, seed=3):
    rng = np.random.default_rng(seed)
    days = pd.date_range("2021-01-01", periods=n, freq="D")
    return days + pd.to_timedelta(rng.integers(19 * 60, 23 * 60 + 50, n), unit="min")


def test_placement_names_the_fits_rule():
    assert placement(_evenings(), "D", 64) == "floor"                      # one a day at any time: its day
    grid = pd.date_range("2021-01-01", periods=60, freq="D")
    jit = grid + pd.to_timedelta(np.random.default_rng(0).integers(-5, 6, 60), unit="min")
    assert placement(jit, "D", 50) == "nearest"                         # midnight +- minutes: the nearest
    assert placement(grid, "D", 0) is None                              # on the grid


def test_on_fitted_grid_follows_the_rule_it_is_given():
    expected = pd.date_range("2021-03-02", periods=2, freq="D")
    got = pd.DatetimeIndex(["2021-03-02 21:00", "2021-03-03 22:10"])     # evenings of the expected days
    assert list(on_fitted_grid(got, expected, "D", "floor")) == list(expected)
    assert list(on_fitted_grid(got, expected, "D", "nearest")) != list(expected)
    early = pd.DatetimeIndex(["2021-03-01 23:56", "2021-03-03 00:04"])   # midnight readings, one a little early
    assert list(on_fitted_grid(early, expected, "D", "nearest")) == list(expected)
    assert list(on_fitted_grid(early, expected, "D", "floor")) != list(expected)


def test_a_saved_rule_is_checked():
    import pytest

    from rnnkit.errors import ConfigError

    assert check_placement(None) is None and check_placement("floor") == "floor"
    with pytest.raises(ConfigError, match="series.placed: expected one of"):
        check_placement("ceil")
