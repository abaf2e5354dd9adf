"""Reliability sweep 11a (session 14, helper R): forecasting on hostile inputs. Each test fails on the code
before its fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries.seasonality import detect_period


# ------------------------------------------------------------------ an exact line has no season
@pytest.mark.parametrize("n, freq", [(10, "D"), (100, "D"), (60, "MS"), (200, None), (300, "h")])
@pytest.mark.parametrize("offset", [0.0, 100.0, 12345.6])
def test_detect_period_exact_line_is_not_seasonal(n, freq, offset):
    # a counter (100, 110, 120, ...): y minus its moving average is rounding noise, whose autocorrelation is
    # arbitrary -- it was scored as a season (period 7 for daily, 12 for monthly, 3 for 10 values + 100)
    y = np.arange(n) * 10.0 + offset
    assert detect_period(y, freq=freq).period == 1


def test_detect_period_offset_free_on_noisy_seasonal_data():
    t = np.arange(120.0)
    y = 0.2 * t + np.sin(2 * np.pi * t / 7) + 0.1 * np.random.default_rng(1).normal(size=t.size)
    base = detect_period(y, freq="D")
    assert base.period == 7
    for c in (100.0, 1e6):
        assert detect_period(y + c, freq="D").period == base.period


def test_forecast_of_a_counter_does_not_depend_on_its_offset():
    from rnnkit.tasks.forecasting import Forecaster

    idx = pd.date_range("2020-01-01", periods=10, freq="D")
    out = {}
    for c in (0.0, 100.0):
        f = Forecaster(model="seasonal_naive", horizon=2)
        f.fit(pd.Series(np.arange(10.0) + c, index=idx))
        out[c] = f.predict()["value"].to_numpy() - c
    # oracle: no season, so the seasonal naive is the naive forecast, the last value (9) for both
    np.testing.assert_allclose(out[0.0], [9.0, 9.0])
    np.testing.assert_allclose(out[100.0], out[0.0])
