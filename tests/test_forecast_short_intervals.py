"""A series too short to hold a validation window out still gets honest intervals: the seasonal naive's
own error (its in-sample mean absolute one-step error, as a normal's sd * sqrt(2/pi)), growing with the
seasons ahead, ceil(h / period) -- h here, period 1 (sqrt(h) before session 35: tests/test_forecast_fallback_band_s35_F.py).
They were zero-width (lower == value == upper at every level: certainty claimed) before."""

import math
import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster
from rnnkit.tasks.forecasting.probabilistic import conformal_quantiles

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("model", ["ets", "theta", "seasonal_naive"])
def test_short_series_band_is_the_naive_error_not_zero(model):
    y = pd.Series(10 + np.random.default_rng(0).normal(0, 1, 8))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = Forecaster(model).fit(y, 3).predict()
    mae = float(np.mean(np.abs(np.diff(y.to_numpy()))))          # in-sample naive one-step error
    sd = mae * math.sqrt(math.pi / 2)
    z90, z95 = NormalDist().inv_cdf(0.9), NormalDist().inv_cdf(0.95)
    for h in range(1, 4):
        row = fc.iloc[h - 1]
        assert row["lower"] < row["value"] < row["upper"]
        np.testing.assert_allclose(row["q0.9"] - row["value"], z90 * sd * h, rtol=1e-6)
        np.testing.assert_allclose(row["upper"] - row["value"], z95 * sd * h, rtol=1e-6)


def test_no_residuals_means_unknown_not_certain():
    point = np.array([[1.0, 2.0]])
    resid = np.full((1, 2, 2), np.nan)
    q = conformal_quantiles(point, resid, np.ones((1, 2)), np.ones(1), [0.1, 0.5, 0.9])
    assert np.isnan(q).all()                                      # no fallback given: unknown
    q = conformal_quantiles(point, resid, np.ones((1, 2)), np.full(1, 2.0), [0.1, 0.5, 0.9], fallback_sd=1.0)
    np.testing.assert_allclose(q[0, :, 1], point[0])              # the median is the point
    np.testing.assert_allclose(q[0, 1, 2] - q[0, 1, 1], 2.0 * NormalDist().inv_cdf(0.9) * math.sqrt(2))
