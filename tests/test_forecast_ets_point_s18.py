"""Session 18: auto's ETS skips statsmodels' numerical Hessian (the parameters' covariance, never read) --
the point forecasts and AICc are statsmodels' own, bit for bit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsmodels.tsa.exponential_smoothing import ets as sm_ets

from rnnkit.data.registry import load_dataset
from rnnkit.tasks.forecasting.statistical import ets_auto


def _real() -> list[tuple[np.ndarray, int]]:
    elec = np.asarray(load_dataset("elec_equip"), dtype=float)          # monthly, positive, seasonal
    co2 = load_dataset("co2").interpolate().to_numpy(float)[:300]       # weekly (a few weeks missing): a trend
    return [(elec, 12), (co2 - co2.mean(), 1), (elec[:60], 4)]           # one around zero; a short one


@pytest.mark.parametrize("seasonal", [None, "add", "mul"])
def test_point_forecasts_and_aicc_are_statsmodels_own(seasonal):
    from rnnkit.tasks.forecasting.statistical import point_ets

    for y, m in _real():
        if seasonal is not None and (m == 1 or (seasonal == "mul" and y.min() <= 0)):
            continue
        kw = dict(error="add", trend="add", damped_trend=True, seasonal=seasonal,
                  seasonal_periods=m if seasonal else None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            full = sm_ets.ETSModel(y, **kw).fit(disp=False)
            point = point_ets(sm_ets.ETSModel)(y, **kw).fit(disp=False)
        np.testing.assert_array_equal(point.params, full.params)
        np.testing.assert_array_equal(point.forecast(18), full.forecast(18))
        assert np.isfinite(full.aicc) and point.aicc == full.aicc
        assert np.isfinite(full.cov_params()).any() and np.isnan(point.cov_params()).all()


def test_ets_auto_never_evaluates_the_hessian(monkeypatch):
    calls = []
    original = sm_ets.ETSModel.hessian

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sm_ets.ETSModel, "hessian", counted)
    y, m = _real()[0]
    f = ets_auto(y, 12, m)
    assert calls == [] and f.shape == (12,) and np.isfinite(f).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm_ets.ETSModel(y, error="add", trend="add", damped_trend=True).fit(disp=False)
    assert calls                      # the plain model does (the spy counts it)
