"""Session 36, helper W: hostile review of session 35's code and session 36's commits. Each test is a defect found in a
commit (named in its comment); an ``xfail(strict=True)`` mark stays until the owner's fix lands (then the mark goes).
Oracles: an independent computation (numpy / torch / pandas in the test), or another documented path of rnnkit."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _daily_with_off(far: bool) -> pd.Series:
    t = pd.date_range("2021-01-01", periods=40, freq="D").to_series()
    if far:
        t.iloc[10] += pd.Timedelta("9h")       # a reading far from every grid time: a counted, warned guess
    t.iloc[20] -= pd.Timedelta("2min")         # a reading a little early: its nearest grid time
    return pd.Series(np.arange(40.0) + 10, index=pd.DatetimeIndex(t.values))


@pytest.mark.parametrize("far", [False, pytest.param(True, marks=pytest.mark.xfail(
    strict=True, reason="W1: one far guess in the fit makes update floor new readings (placement 'floor')"))])
def test_update_places_a_new_reading_as_a_fit_on_all_the_rows_does(far):
    # W1 -- 180f875b / new_times.placement: a --resample fit of a grid with a few readings off it puts each on its
    # nearest grid time (few_off.py), and placement() says 'nearest' for update and the service -- unless one reading
    # was a far guess (OffGrid.far > 0): then placement() says 'floor', and a new midnight reading taken 2 minutes
    # early (the very reading few_off placed on its own midnight in the fit) is floored onto the last fitted day and
    # refused: "expected timestamps continuing ... from 2021-02-10, got ['2021-02-09 23:58:00']". Oracle: the same
    # rows given to one fit (documented: 'update puts new rows off the grid on it by the rule the fit put its own
    # readings by'). far=False is the guard (passes now).
    from rnnkit.tasks.forecasting import Forecaster

    y = _daily_with_off(far)
    new = pd.Series([50.0], index=[pd.Timestamp("2021-02-10") - pd.Timedelta("2min")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = Forecaster(horizon=2, model="seasonal_naive", resample=True).fit(pd.concat([y, new])).predict()
        f = Forecaster(horizon=2, model="seasonal_naive", resample=True).fit(y)
        f.update(new)
        got = f.predict()
    assert got["time"].tolist() == whole["time"].tolist() == [pd.Timestamp("2021-02-11"), pd.Timestamp("2021-02-12")]
    np.testing.assert_allclose(got["value"].to_numpy(), whole["value"].to_numpy())
