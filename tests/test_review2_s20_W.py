"""Session 20, helper W: second review of the session's deepest changes (lean ETS log-likelihood, series pool with
SIGTERM, the Han prefix cut)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("statsmodels")


def _series() -> np.ndarray:
    rng = np.random.default_rng(7)
    t = np.arange(60)
    y = 10 + 0.1 * t + np.sin(t * 2 * np.pi / 12) + 0.3 * rng.standard_normal(60)
    y[[20, 41]] += 6.0                      # two outliers: a clipped residual reads them otherwise
    return y


def _fit(cls, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(y, error="add", trend="add", damped_trend=True, seasonal="add", seasonal_periods=12).fit(disp=False)


def test_lean_loglike_keeps_a_subclass_loglike_of_the_same_signature():
    """point_ets's lean log-likelihood repeats statsmodels 0.15's arithmetic; a base with the same signature but other
    arithmetic (another statsmodels, or an ETSModel subclass) must keep its own -- before, only the signature was
    compared and the copy silently computed the old formula. Oracle: the base's own fit."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    from rnnkit.tasks.forecasting.statistical import point_ets

    class Penalised(ETSModel):
        def _loglike_internal(self, params, yhat, xhat, is_fixed=None, fixed_values=None, use_beta_star=False,
                              use_gamma_star=False):
            ll = super()._loglike_internal(params, yhat, xhat, is_fixed, fixed_values, use_beta_star, use_gamma_star)
            return ll - 40.0 * (params[0] - 0.9) ** 2

    class Clipped(ETSModel):
        def _residuals(self, yhat, data=None):
            return np.clip((self.endog if data is None else data) - yhat, -1.0, 1.0)

    y = _series()
    for base in (Penalised, Clipped):
        want, got = _fit(base, y), _fit(point_ets(base), y)
        assert np.array_equal(got.params, want.params), base.__name__
        assert np.array_equal(got.forecast(6), want.forecast(6)), base.__name__
    # statsmodels' own ETSModel: the lean fit equals the plain one bit for bit
    want, got = _fit(ETSModel, y), _fit(point_ets(ETSModel), y)
    assert np.array_equal(got.params, want.params) and got.llf == want.llf
