"""Session 18: ETS and Theta on long series are fitted on the recent window (rnnkit.tasks.forecasting.recent);
every series up to the window -- all the benchmarks' -- is fitted on all of it, exactly as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.exponential_smoothing import ets as sm_ets
from statsmodels.tsa.forecasting import theta as sm_theta

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.auto import AutoForecaster, default_candidates
from rnnkit.tasks.forecasting.auto_model import AutoModel, build_candidates
from rnnkit.tasks.forecasting.candidates import Candidate, LocalCandidate, SeriesInput
from rnnkit.tasks.forecasting.config import ForecastConfig
from rnnkit.tasks.forecasting.statistical import ets_auto, statistical_candidates, theta


def _series(n: int, period: int, seed: int = 0) -> np.ndarray:
    """A level that changes slope halfway (so a window and the whole history give different fits) and a season."""
    r = np.random.default_rng(seed)
    t = np.arange(n)
    return 50 + 0.02 * np.minimum(t, n // 2) - 0.01 * np.maximum(t - n // 2, 0) \
        + 5 * np.sin(2 * np.pi * t / period) + r.normal(0, 1, n)


@pytest.fixture
def fitted_sizes(monkeypatch):
    """The number of values each statsmodels ETS / Theta model is built on (the ETS fit is then refused, so that
    the test takes no seconds: ets_auto skips a configuration it cannot fit and falls back)."""
    seen = {"ets": [], "theta": []}

    class SpyETS(sm_ets.ETSModel):
        def __init__(self, endog, *args, **kwargs):
            seen["ets"].append(len(endog))
            raise RuntimeError("spy: not fitted")

    class SpyTheta(sm_theta.ThetaModel):
        def __init__(self, endog, *args, **kwargs):
            seen["theta"].append(len(endog))
            super().__init__(endog, *args, **kwargs)

    monkeypatch.setattr(sm_ets, "ETSModel", SpyETS)
    monkeypatch.setattr(sm_theta, "ThetaModel", SpyTheta)
    return seen


def test_a_long_series_is_fitted_on_its_recent_window(fitted_sizes):
    # period 24: the window is 5,016 values (209 whole days: 5,000 values at least); a series of 6,000 hours
    cands = statistical_candidates(recent=True)
    s = SeriesInput("long", _series(6000, 24), period=24)
    cands["ets"].forecast([s], 24)
    cands["theta"].forecast([s], 24)
    assert fitted_sizes["ets"] == [5016, 5016, 5016]        # no / additive / multiplicative season, each on the window
    assert fitted_sizes["theta"] == [5016]


def test_the_window_is_stated_in_seasons(fitted_sizes):
    # a long season (365: STL first) keeps ten seasons at least, whole ones; no season: 5,000 values
    ets = statistical_candidates(recent=True)["ets"]
    ets.forecast([SeriesInput("daily", _series(8000, 365), period=365)], 14)
    ets.forecast([SeriesInput("plain", _series(6000, 10), period=1)], 14)
    ets.forecast([SeriesInput("weekly_hours", _series(20000, 168), period=168)], 24)
    assert fitted_sizes["ets"] == [5110, 5000, 5040]


def test_up_to_the_window_the_fit_sees_every_value(fitted_sizes):
    cands = statistical_candidates(recent=True)
    for n in (5016, 300):             # at the window exactly, and a benchmark-sized series
        fitted_sizes["ets"].clear()
        cands["ets"].forecast([SeriesInput("s", _series(n, 24), period=24)], 24)
        assert fitted_sizes["ets"] == [n, n, n]
    fitted_sizes["ets"].clear()
    cands["ets"].forecast([SeriesInput("s", _series(5017, 24), period=24)], 24)
    assert fitted_sizes["ets"] == [5016] * 3


def test_recent_forecasts_equal_the_method_on_the_window_and_not_on_everything():
    y = _series(6000, 24)
    s = SeriesInput("long", y, period=24)
    got = statistical_candidates(recent=True)["theta"].forecast([s], 24)[0]
    np.testing.assert_array_equal(got, theta(y[-5016:], 24, 24))
    full = statistical_candidates(recent=False)["theta"].forecast([s], 24)[0]
    np.testing.assert_array_equal(full, theta(y, 24, 24))
    assert np.abs(got - full).max() > 0.1          # the window matters on this series (its slope changed)


@pytest.mark.parametrize("name", ["ets", "theta"])
def test_short_series_forecasts_are_unchanged(name):
    # the benchmarks' series (the longest: co2, 2,284 values) are all below the window: exactly the full fit
    fn = {"ets": ets_auto, "theta": theta}[name]
    for n, m in ((120, 12), (400, 52)):
        y = _series(n, m, seed=n)
        s = SeriesInput("s", y, period=m)
        np.testing.assert_array_equal(statistical_candidates(recent=True)[name].forecast([s], 12)[0], fn(y, 12, m))


def test_auto_on_short_series_is_unchanged():
    batch = [SeriesInput(f"s{i}", _series(150 + 20 * i, 12, seed=i), period=12) for i in range(3)]
    names = ("ets", "theta", "naive", "seasonal_naive", "drift")
    new = AutoForecaster({k: v for k, v in statistical_candidates(recent=True).items() if k in names})
    old = AutoForecaster({k: v for k, v in statistical_candidates(recent=False).items() if k in names})
    np.testing.assert_array_equal(new.forecast(batch, 12), old.forecast(batch, 12))
    np.testing.assert_array_equal(new.quantiles_, old.quantiles_)
    assert new.report_["chosen"] == old.report_["chosen"]


def test_the_defaults_fit_long_series_on_the_window(fitted_sizes):
    # adopted by session 18's pre-registered check: auto's defaults and the single methods fit on the window
    y = pd.Series(_series(6000, 24), index=pd.date_range("2020-01-01", periods=6000, freq="h"))
    AutoModel(config=ForecastConfig(horizon=24, candidates=("ets", "theta", "naive"), period=24)).fit(y)
    # two validation origins and the final one, each on the last 5,016 values
    assert fitted_sizes["ets"] == [5016] * 9 and fitted_sizes["theta"] == [5016] * 3
    assert default_candidates(network=False)["ets"].recent and default_candidates(network=False)["theta"].recent
    assert not default_candidates(network=False)["drift"].recent      # O(n), cheap: the whole history
    assert build_candidates(ForecastConfig(model="theta"))["theta"].recent


def test_save_and_load_keep_the_window(tmp_path):
    ets = statistical_candidates(recent=True)["ets"]
    ets.save(tmp_path / "new")
    assert Candidate.load(tmp_path / "new").recent is True
    old = statistical_candidates(recent=False)["ets"]
    assert "recent" not in old.settings()          # the record of a whole-history fit is as before session 18
    old.save(tmp_path / "old")
    assert Candidate.load(tmp_path / "old").recent is False


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_recent_must_be_a_bool(bad):
    with pytest.raises(ConfigError, match=r"^recent: expected True or False, got"):
        statistical_candidates(recent=bad)
    with pytest.raises(ConfigError, match=r"^recent: expected True or False, got"):
        LocalCandidate("x", ets_auto, recent=bad)
