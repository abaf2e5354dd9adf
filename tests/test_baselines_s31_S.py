"""Session 31, helper S: the drift baseline's band as fpp3 (3rd ed.) section 5.5 gives it.

Its sigma divided the n - 1 residuals' squares by n - 1 (eq. 5.1 divides by T - K - M = n - 2: the slope is estimated from
those steps) and its h-step factor was sqrt(h (1 + h/n)) (Table 5.2: h/(T - 1), the exact variance of the h-step error of
a random walk with drift whose slope is the mean of the n - 1 steps). Both made the band too narrow: 9% at n = 8, h = 1."""

from __future__ import annotations

import math

import numpy as np

from rnnkit.tasks.forecasting.baselines import drift, normal_quantile


def test_drift_band_is_fpp3s_formula_by_hand():
    y = np.array([10.0, 12.0, 11.0, 13.0, 12.0, 14.0, 13.0])        # T = 7, slope 0.5, residuals +-1.5
    point, lo, hi = drift(y, 3, level=0.9)
    sigma = math.sqrt(6 * 1.5 ** 2 / (7 - 1 - 1))                    # eq. 5.1: K = 1 (the slope), M = 1
    h = np.arange(1, 4)
    np.testing.assert_allclose(hi - point, normal_quantile(0.95) * sigma * np.sqrt(h * (1 + h / (7 - 1))), rtol=1e-12)
    np.testing.assert_allclose(point - lo, hi - point, rtol=1e-12)


def test_drift_band_variance_matches_the_simulated_forecast_errors():
    # oracle: the mean squared h-step error of drift's own forecasts over 5,000 simulated random walks with drift; the
    # band's variance sd_h^2 must estimate it without bias (at dfd260d it was 17% low at n = 8)
    rng = np.random.default_rng(0)
    n, horizon, z = 8, 3, normal_quantile(0.95)
    band, error = np.zeros(horizon), np.zeros(horizon)
    for _ in range(5000):
        y = np.cumsum(0.5 + rng.standard_normal(n + horizon))
        point, _, hi = drift(y[:n], horizon, 1, 0.9)
        band += ((hi - point) / z) ** 2
        error += (y[n:] - point) ** 2
    np.testing.assert_allclose(band / error, 1.0, atol=0.06)


def test_two_points_keep_a_band():
    point, lo, hi = drift(np.array([1.0, 3.0]), 2)                   # one residual, exactly 0: no degree of freedom left
    assert point.tolist() == [5.0, 7.0] and np.isfinite(lo).all() and np.isfinite(hi).all()
