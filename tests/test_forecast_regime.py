"""``AutoForecaster(median_margin=0.15)``, the default since session 10: a choice made over several series whose
pooled validation MASE is less than ``median_margin`` below the median of all candidates' is moved toward that
median, by ``1 - margin / median_margin``; a clear winner keeps its choice (a series choosing alone follows
``alone_margin``: tests/test_forecast_alone_point.py). Checked
on small real series (statsmodels' quarterly US macro data (real investment, CPI, unemployment), the bundled electrical equipment index) with the
rule recomputed by brute force and the choice, the median and the old default computed in the same test."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import LocalCandidate, SeriesInput
from rnnkit.tasks.forecasting.metrics import mae
from rnnkit.tasks.forecasting.statistical import statistical_candidates

pytestmark = pytest.mark.usefixtures("one_thread_module")
H = 8
MACRO = ["realinv", "cpi", "unemp"]


def macro(columns=MACRO, n=80):
    """The last ``n`` quarters before a held-out tail of ``H`` of each column of statsmodels' macrodata."""
    from statsmodels.datasets import macrodata

    df = macrodata.load_pandas().data
    return ([SeriesInput(c, df[c].to_numpy(float)[-n - H:-H], 4) for c in columns],
            [df[c].to_numpy(float)[-H:] for c in columns])


def pooled_mase(v, forecasts):
    """Mean validation MASE over every series and window, by hand."""
    err = np.abs(forecasts - v.actual).mean(axis=2) / v.scale
    return float(np.nanmean(err))


@pytest.fixture(scope="module")
def fitted():
    batch, tails = macro()
    auto = AutoForecaster(statistical_candidates())           # the default: median_margin=0.15
    return batch, tails, auto, auto.forecast(batch, H)


def test_a_narrow_pooled_choice_moves_toward_the_median_by_the_rule(fitted):
    batch, tails, auto, got = fitted
    v = auto.validation_
    members = ["ets", "theta", "drift"]                      # the naive methods are never members
    med_val = np.median(np.stack([v.val[m] for m in members]), axis=0)
    med_fin = np.median(np.stack([v.final[m] for m in members]), axis=0)
    choice = auto.chosen_[0]
    assert choice == "drift" and auto.members_[0] == ("drift",)   # a trend member, as on the short M1 groups
    margin = 1 - pooled_mase(v, v.val[choice]) / pooled_mase(v, med_val)
    assert 0 < margin < 0.15                                 # the narrow regime
    w = 1 - margin / 0.15
    assert auto.median_weight_ == pytest.approx(w) and auto.report_["toward_median"] == pytest.approx(w, abs=1e-4)
    assert auto.median_members_ == tuple(members)
    # the hedge, by brute force, against the blend's own validation forecasts
    blend_val = (1 - w) * v.val[choice] + w * med_val
    sn = v.errors(v.val["seasonal_naive"])
    hedged = (sn < v.errors(blend_val)).all(axis=1)
    assert auto.hedged_.tolist() == hedged.tolist()
    want = (1 - w) * v.final[choice] + w * med_fin
    want[hedged] = (want[hedged] + v.final["seasonal_naive"][hedged]) / 2
    assert np.allclose(got, want)
    assert "toward median(ets,theta,drift)" in auto.report_["why"]
    # the old default (no median_margin) forecasts the choice itself: the two differ
    old = AutoForecaster(statistical_candidates(), median_margin=None).forecast_from(v)
    assert not np.allclose(got, old)
    # against the choice and the median computed here: a blend is never worse than both on any tail (MAE is convex)
    for i, tail in enumerate(tails):
        if not hedged[i]:
            assert mae(tail, got[i]) <= max(mae(tail, v.final[choice][i]), mae(tail, med_fin[i])) + 1e-9


def test_a_clear_winner_keeps_its_choice():
    """Strong season: the seasonal member validates far (> 15%) below the median of it, a flat and a last-value
    forecast, and forecasts alone, exactly as without the rule."""
    from rnnkit.data.series import load_elec_equip

    e = load_elec_equip().to_numpy(dtype=float)
    batch = [SeriesInput("a", e[-108:-12], 12), SeriesInput("b", e[-204:-108], 12)]
    cands = {"season": LocalCandidate("season", lambda y, h, m: y[-m:][np.arange(h) % m]),
             "flat": LocalCandidate("flat", lambda y, h, m: np.full(h, y[-12:].mean())),
             "last": LocalCandidate("last", lambda y, h, m: np.full(h, y[-1]))}
    auto = AutoForecaster(cands)
    got = auto.forecast(batch, 12)
    scores = auto.report_["validation_mase"]
    assert auto.chosen_[0] == "season" and scores["season"] < 0.85 * scores["median(season,flat,last)"]
    assert auto.median_weight_ == 0 and auto.median_members_ == () and "toward" not in auto.report_["why"]
    assert np.array_equal(got, AutoForecaster(cands, median_margin=None).forecast_from(auto.validation_))


def test_a_series_choosing_alone_keeps_its_choice():
    """realinv alone: ETS validates 3% below the median of ETS, Theta and an 8-quarter mean, inside the
    pooled margin, but ``median_margin`` does not act on one series: with ``alone_margin=None`` it keeps its
    choice (the default ``alone_margin=1.0`` is tested in tests/test_forecast_alone_point.py)."""
    batch, _ = macro(["realinv"])
    st = statistical_candidates()
    cands = {"ets": st["ets"], "theta": st["theta"], "seasonal_naive": st["seasonal_naive"],
             "mean8": LocalCandidate("mean8", lambda y, h, m: np.full(h, y[-8:].mean()))}
    auto = AutoForecaster(cands, alone_margin=None)
    got = auto.forecast(batch, H)
    scores = auto.report_["validation_mase"]
    assert auto.chosen_ == ["ets"] and 0 < 1 - scores["ets"] / scores["median(ets,theta,mean8)"] < 0.15
    assert auto.median_weight_ == 0 and auto.report_["toward_median"] == 0
    assert np.array_equal(got, AutoForecaster(cands, median_margin=None, alone_margin=None).forecast_from(
        auto.validation_))


@pytest.mark.parametrize("selection", ["champion", "shrunk"])
def test_other_selections_are_unchanged(fitted, selection):
    v = fitted[2].validation_
    new = AutoForecaster(statistical_candidates(), selection=selection)
    assert np.array_equal(new.forecast_from(v), AutoForecaster(statistical_candidates(), selection=selection,
                                                               median_margin=None).forecast_from(v))
    assert new.median_weight_ == 0


def test_the_blend_follows_forecast_fitted_and_a_save_load(fitted, tmp_path):
    batch, _, auto, got = fitted
    assert np.allclose(auto.forecast_fitted(batch, H), got)   # statistical members re-estimate on the same data
    back = AutoForecaster.load(auto.save(tmp_path / "auto"))
    assert back.median_margin == 0.15 and back.median_weight_ == pytest.approx(auto.median_weight_)
    assert back.median_members_ == auto.median_members_
    assert np.allclose(back.forecast_fitted(batch, H), got)
    # a run saved before session 10 (no median_margin in its settings, no weight in its state) keeps its behaviour
    old = {k: val for k, val in auto.settings().items() if k != "median_margin"}
    assert AutoForecaster._from_settings(tmp_path / "auto", old).median_margin is None
    back._load_state(tmp_path / "auto", {"chosen": auto.chosen_, "members": [list(m) for m in auto.members_],
                                         "report": {}, "hedged": [bool(h) for h in auto.hedged_]})
    assert back.median_weight_ == 0 and back.median_members_ == ()


@pytest.mark.parametrize("bad", [0, -0.1, float("nan"), float("inf"), True, "0.15", [0.15]])
def test_median_margin_must_be_a_positive_number_or_none(bad):
    with pytest.raises(ConfigError, match=r"median_margin: expected a positive number or None, got"):
        AutoForecaster(statistical_candidates(), median_margin=bad)
