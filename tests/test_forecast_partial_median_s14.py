"""AutoForecaster(partial_median=...): the median of all candidates at a validation window is the median of the
candidates that forecast it. A network too short to fit a series at a window (but fitted at the final origin)
leaves that window unscored (forecasting.validated); the median over all candidates was then unscored too, and on
a short series with one window the margin rule kept the choice whole with nothing to weigh it against. Small real
data (statsmodels' Nile, bundled), oracles computed in the test; each test fails on the code before (no option)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.alone import margin_weight
from rnnkit.tasks.forecasting.auto import AutoForecaster, rolling_validation
from rnnkit.tasks.forecasting.candidates import LocalCandidate, SeriesInput
from rnnkit.tasks.forecasting.pool import combination_pool, select
from rnnkit.tasks.forecasting.statistical import drift_point, seasonal_naive_point, statistical_candidates

pytestmark = pytest.mark.usefixtures("one_thread_module")

H = 6


def _net(y, h, m):
    """A stand-in for a network that needs 12 values: shorter, it forecasts its seasonal-naive fallback."""
    return seasonal_naive_point(y, h, m) if y.size < 12 else drift_point(y, h, m)


def _candidates():
    stat = statistical_candidates()
    cands = {k: stat[k] for k in ("seasonal_naive", "naive", "ets", "theta")}
    cands["net"] = LocalCandidate("net", _net)
    return cands


@pytest.fixture(scope="module")
def short_vset():
    """14 real yearly values (the Nile's 1871-1884 flows), horizon 6: one validation window (origin 8), where
    the 'net' is too short (its fallback: unscored); at the final origin (14 values) it fits."""
    from rnnkit.data.series import load_nile

    y = load_nile().to_numpy()[:14].astype(float)
    v = rolling_validation(_candidates(), [SeriesInput("nile", y, 1)], H, 2)
    assert np.isfinite(v.errors(v.val["ets"])[0]).sum() == 1          # one window ...
    assert not np.isfinite(v.val["net"]).any()                        # ... that the net did not forecast as itself
    return v


def test_a_short_series_weighs_its_choice_against_the_median_of_the_members_that_forecast(short_vset):
    v = short_vset
    members = ["ets", "theta", "net"]
    pool = combination_pool(members)
    med = "median(ets,theta,net)"
    assert not np.isfinite(select(v, pool)[1][med])                    # before: the median had no score
    # oracle: the window's median of the members that forecast it (ets and theta), scored by hand
    k = int(np.flatnonzero(np.isfinite(v.errors(v.val["ets"])[0]))[0])
    oracle = np.median(np.stack([v.val["ets"][0, k], v.val["theta"][0, k]]), axis=0)
    oracle_score = float(np.mean(np.abs(oracle - v.actual[0, k])) / v.scale[0, k])
    assert select(v, pool, partial=True)[1][med] == pytest.approx(oracle_score)

    old = AutoForecaster(_candidates())
    f_old = old.forecast_from(v, [14])
    new = AutoForecaster(_candidates(), partial_median=True)
    f_new = new.forecast_from(v, [14])
    choice = new.chosen_[0]
    assert old.chosen_ == [choice] and choice != med
    assert old.median_weight_ == 0.0                                   # before: the choice kept whole on one window
    score = select(v, pool, partial=True)[1][choice]
    w = margin_weight(score, oracle_score, 1.0)                        # alone_margin 1.0, the default
    assert 0 < w <= 1 and new.median_weight_ == pytest.approx(w)
    fin_choice = np.mean([v.final[m][0] for m in pool[choice]], axis=0)
    fin_median = np.median(np.stack([v.final[m][0] for m in members]), axis=0)
    expected = (1 - w) * fin_choice + w * fin_median
    if new.hedged_[0]:
        expected = (expected + v.final["seasonal_naive"][0]) / 2
    assert np.allclose(f_new[0], expected)
    assert not np.allclose(f_new, f_old)


def test_every_member_forecasting_every_window_changes_nothing():
    """Long real data (the Nile's 100 years, horizon 6, two windows): every member forecasts as itself, the
    partial median is the median, and the forecasts and band are the default's bit for bit."""
    from rnnkit.data.series import load_nile

    y = load_nile().to_numpy().astype(float)
    v = rolling_validation(_candidates(), [SeriesInput("nile", y, 1)], H, 2)
    assert all(np.isfinite(v.val[n]).all() for n in v.val)
    a, b = AutoForecaster(_candidates()), AutoForecaster(_candidates(), partial_median=True)
    fa, fb = a.forecast_from(v, [y.size]), b.forecast_from(v, [y.size])
    assert np.array_equal(fa, fb) and np.array_equal(a.quantiles_, b.quantiles_)
    assert a.chosen_ == b.chosen_ and a.median_weight_ == b.median_weight_


def test_partial_median_must_be_a_bool_and_is_saved(tmp_path):
    with pytest.raises(ConfigError, match="partial_median: expected True or False, got 'yes'"):
        AutoForecaster(_candidates(), partial_median="yes")
    from rnnkit.data.series import load_nile

    y = load_nile().to_numpy()[:40].astype(float)
    stat = statistical_candidates()
    auto = AutoForecaster({k: stat[k] for k in ("seasonal_naive", "naive", "ets", "theta")}, partial_median=True)
    auto.forecast([SeriesInput("nile", y, 1)], H)
    back = AutoForecaster.load(auto.save(tmp_path / "auto"))
    assert back.partial_median is True
    settings = {k: v for k, v in auto.settings().items() if k != "partial_median"}      # a run saved before it
    assert AutoForecaster._from_settings(tmp_path / "auto", settings).partial_median is False
