"""A candidate that could not fit a series forecasts it with the seasonal naive (a network on a series too
short for its windows); auto's report must say so instead of naming the network as what forecast it
(R's request, session 8: sktime's ShampooSales, 30 monthly values, horizon 6: "chosen: lstm", a flat
line equal to the naive forecast, and nothing in the output said it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import LocalCandidate, SeriesInput
from rnnkit.tasks.forecasting.statistical import seasonal_naive_point, statistical_candidates

pytestmark = pytest.mark.usefixtures("one_thread_module")


def shampoo_like(n: int = 30) -> pd.Series:
    t = np.arange(n)
    y = 300 + 8 * t + 40 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(0).normal(0, 20, n)
    return pd.Series(y, name="shampoo", index=pd.date_range("2001-01-01", periods=n, freq="MS"))


def test_a_network_too_short_to_fit_is_reported_as_the_seasonal_naive():
    f = Forecaster("auto", horizon=6, candidates=("lstm", "seasonal_naive")).fit(shampoo_like())
    report = f.summary()["report"]
    assert report["chosen"] == "lstm"                              # the only member of the pool
    fc = f.predict()["value"].to_numpy()
    assert np.allclose(fc, seasonal_naive_point(shampoo_like().to_numpy(), 6, f.summary()["series"][0]["period"]["period"]))
    assert report["fallbacks"] == {"lstm": ["shampoo"]}
    assert "lstm forecast 1 of 1 series as the seasonal_naive" in report["why"]


def test_a_member_that_fell_back_is_named_and_one_that_fitted_is_not():
    y = np.sin(np.arange(40) / 3) + np.arange(40) * 0.1
    batch = [SeriesInput("a", y, 1), SeriesInput("b", y[::-1].copy(), 1)]
    stats = statistical_candidates()
    broken = LocalCandidate("broken", lambda y, h, m: np.full(h, np.nan))      # always falls back
    for cands, expected in (({"broken": broken}, {"broken": ["a", "b"]}), ({"theta": stats["theta"]}, {})):
        auto = AutoForecaster({**cands, "seasonal_naive": stats["seasonal_naive"]})
        auto.forecast(batch, 4)
        assert auto.report_["fallbacks"] == expected
        assert ("as the seasonal_naive" in auto.report_["why"]) == bool(expected)
