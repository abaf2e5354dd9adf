"""Session 36, helper G (review W1, W5): ``update`` / the service put new rows of a run fitted with ``resample=True``
on its grid by the rule the fit put its own readings by. A grid with a few readings off it
(:func:`rnnkit.data.timeseries.few_off.few_off_grid`) puts each on its nearest grid time within a quarter step, else on
the one before (a warned guess); the rule saved for it was 'floor' once the fit had one far guess (a new reading 2
minutes before the next midnight floored onto the last fitted day and refused: W1), and 'nearest' without one (a new
reading far from every grid time refused, the error naming only the times expected: W5). Now 'nearest_or_floor'.
Oracle: few_off_grid of the fit's readings and the new ones together -- the places a fit on all the rows gives."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries.few_off import few_off_grid
from rnnkit.data.timeseries.frequency import infer_frequency
from rnnkit.tasks.forecasting.new_times import check_placement, on_fitted_grid, on_grid_from, placement

pytestmark = pytest.mark.usefixtures("one_thread_module")

_STEPS = {"D": pd.Timedelta("1D"), "h": pd.Timedelta("1h"), "15min": pd.Timedelta("15min"), "2D": pd.Timedelta("2D")}


def _fit_stamps(freq, n, moves):
    t = pd.date_range("2021-01-04", periods=n, freq=freq).to_series()
    for i, share in moves:                         # reading i moved by a share of the step
        t.iloc[i] += share * _STEPS[freq]
    return pd.DatetimeIndex(t.values)


@pytest.mark.parametrize("freq", list(_STEPS))
@pytest.mark.parametrize("moves", [[(10, 0.4)], [(10, -0.45), (20, 0.01)], [(0, 0.02)], [(5, 0.3), (30, -0.1)]])
@pytest.mark.parametrize("new", [[0.99, 2], [1, 2.4], [1.6, 2], [0.8, 2.1, 3.35], [1.3], [0.5], [1, 1.6], [1, 1.6, 3]])
def test_update_places_new_rows_where_a_fit_on_all_the_rows_does(freq, moves, new):
    n, step = 40, _STEPS[freq]
    fitted = _fit_stamps(freq, n, moves)
    end = pd.date_range("2021-01-04", periods=n, freq=freq)[-1]
    got = pd.DatetimeIndex([end + s * step for s in new])      # new rows, in steps after the fitted end
    info = infer_frequency(fitted)
    assert info.freq == freq
    placed = check_placement(placement(fitted, freq, info.off_grid))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = few_off_grid(fitted.append(got), freq)           # the oracle: one fit on all the rows
        expected = pd.date_range(end + step, periods=got.size, freq=freq)
        mine = on_fitted_grid(got, expected, freq, placed)
        served = on_grid_from(got, end + step, freq, placed)
    assert placed == "nearest_or_floor"
    assert list(mine) == list(whole.snapped[n:]) == list(served)


def test_a_far_new_reading_is_a_warned_guess_naming_it():
    fitted = _fit_stamps("D", 30, [(20, -0.2)])
    end = pd.Timestamp("2021-01-04") + 29 * pd.Timedelta("1D")
    got = pd.DatetimeIndex([end + pd.Timedelta("1D"), end + pd.Timedelta("2D 14h24min")])
    with pytest.warns(UserWarning, match=r"1 new reading\(s\) not within a quarter step.*the first 2021-02-04 14:24"):
        out = on_fitted_grid(got, pd.date_range(end + pd.Timedelta("1D"), periods=2, freq="D"), "D",
                             placement(fitted, "D", 1))
    assert list(out) == list(pd.date_range(end + pd.Timedelta("1D"), periods=2, freq="D"))


def test_a_jittered_grid_still_refuses_a_reading_far_from_every_grid_time():
    # every reading of a jittered grid was within a quarter step of its grid time: 'nearest', and a new reading
    # half a step off is on no grid time (the service's 422, tests/test_forecast_serve_placed_s35_F.py)
    grid = pd.date_range("2021-01-01", periods=60, freq="D")
    jit = grid + pd.to_timedelta(np.resize([-5, 3, 0, 4, -2], 60), unit="min")
    assert placement(jit, "D", 48) == "nearest"
    got = pd.DatetimeIndex([grid[-1] + pd.Timedelta("1D 12h")])
    assert on_grid_from(got, grid[-1] + pd.Timedelta("1D"), "D", "nearest") is None


def test_the_forecaster_updates_as_one_fit_on_all_the_rows():
    from rnnkit.tasks.forecasting import Forecaster

    t = pd.date_range("2021-01-01", periods=30, freq="D").to_series()
    t.iloc[8] += pd.Timedelta("10h")                 # a far guess in the fit
    t.iloc[20] -= pd.Timedelta("3min")
    t.iloc[26] -= pd.Timedelta("2min")               # new: a little early
    t.iloc[28] += pd.Timedelta("14h24min")           # new: far, a guess
    y = pd.Series(np.arange(30.0) + 100, index=pd.DatetimeIndex(t.values))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = Forecaster(horizon=2, model="seasonal_naive", period=1, resample=True).fit(y).predict()
        f = Forecaster(horizon=2, model="seasonal_naive", period=1, resample=True).fit(y.iloc[:25])
        f.update(y.iloc[25:])
    got = f.predict()
    assert got["time"].tolist() == whole["time"].tolist() == [pd.Timestamp("2021-01-31"), pd.Timestamp("2021-02-01")]
    np.testing.assert_allclose(got["value"].to_numpy(), whole["value"].to_numpy())
