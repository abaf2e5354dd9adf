"""auto selection, combinations, the ES-RNN hybrid and conformal quantiles: behaviour on small real
data (statsmodels' bundled series) against baselines run in the same test, and on generated data with
known noise. No golden numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.forecasting.auto import AutoForecaster, combination_pool, rolling_validation, select
from rnnkit.tasks.forecasting.candidates import Candidate, LocalCandidate, SeriesInput
from rnnkit.tasks.forecasting.metrics import mae, mase
from rnnkit.tasks.forecasting.probabilistic import (
    conformal_quantiles,
    coverage_by_level,
    crps_from_quantiles,
    pinball_loss,
)
from rnnkit.tasks.forecasting.statistical import ets_auto, seasonal_naive_point, statistical_candidates, theta

pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.fixture(scope="module")
def elec():
    from rnnkit.data.series import load_elec_equip

    s = load_elec_equip()
    return s.to_numpy()[-150:]          # 12.5 years of monthly data


class Recorder(Candidate):
    """A candidate that remembers every series length it was given (the last value forecast flat)."""

    name = "recorder"

    def __init__(self):
        self.lengths: list[int] = []

    def forecast(self, batch, horizon):
        self.lengths += [len(s) for s in batch]
        return np.stack([np.full(horizon, s.y[-1]) for s in batch])


def test_validation_origins_lie_inside_the_training_data(elec):
    train, h = elec[:-12], 12
    rec = Recorder()
    v = rolling_validation({"rec": rec}, [SeriesInput("e", train, 12)], h, n_origins=3)
    assert sorted(set(rec.lengths)) == [train.size - 3 * h, train.size - 2 * h, train.size - h, train.size]
    # the actuals of each window are the training values right after its origin
    for k, b in enumerate((3 * h, 2 * h, h)):
        o = train.size - b
        assert np.array_equal(v.actual[0, k], train[o:o + h])
        assert v.val["rec"][0, k] == pytest.approx(np.full(h, train[o - 1]))


def test_combination_never_worse_than_its_worst_member(elec):
    train, test, h = elec[:-12], elec[-12:], 12
    cands = {k: v for k, v in statistical_candidates().items() if k != "ets"}   # ETS: seconds per fit
    auto = AutoForecaster(cands, n_origins=1)
    auto.forecast([SeriesInput("e", train, 12)], h)
    final = auto.validation_.final
    pool = combination_pool(list(final), exclude=("seasonal_naive",))
    for name, members in pool.items():
        if len(members) < 2:
            continue
        combo = np.stack([final[m] for m in members])
        f = np.median(combo, 0) if name.startswith("median(") else combo.mean(0)
        worst = max(mae(test, final[m][0]) for m in members)
        assert mae(test, f[0]) <= worst + 1e-9, name


def test_auto_picks_what_validates_best_and_says_why():
    t = np.arange(96)
    rng = np.random.default_rng(1)
    y = 20 + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, t.size)       # pure season
    cands = {"naive": LocalCandidate("naive", lambda y, h, m: np.full(h, y[-1])),
             "snaive": LocalCandidate("snaive", seasonal_naive_point)}
    auto = AutoForecaster(cands, n_origins=2, exclude=())
    f = auto.forecast([SeriesInput("s", y, 12)], 12)
    assert auto.report_["chosen"] == "snaive"
    assert "snaive" in auto.report_["why"] and "validation" in auto.report_["why"]
    assert auto.report_["validation_mase"]["snaive"] < auto.report_["validation_mase"]["naive"]
    assert np.allclose(f[0], seasonal_naive_point(y, 12, 12))


def test_shrunk_selection_falls_back_to_pooled_without_own_windows():
    # two series: one with validation windows, one too short for any: the short one takes the pooled choice
    vals = {"a": np.array([[[1.0]], [[np.nan]]]), "b": np.array([[[3.0]], [[np.nan]]])}
    from rnnkit.tasks.forecasting.auto import ValidationSet

    v = ValidationSet(["x", "y"], vals, np.array([[[1.0]], [[np.nan]]]), np.array([[1.0], [np.nan]]),
                      {"a": np.zeros((2, 1)), "b": np.zeros((2, 1))})
    chosen, scores = select(v, {"a": ("a",), "b": ("b",)}, "shrunk")
    assert chosen == ["a", "a"] and scores["a"] < scores["b"]
    with pytest.raises(ConfigError, match="selection"):
        select(v, {"a": ("a",)}, "best")


def test_ets_and_theta_beat_naive_on_a_trending_seasonal_series(elec):
    train, test = elec[:-12], elec[-12:]
    snaive = mase(test, seasonal_naive_point(train, 12, 12), train, 12)
    assert mase(test, ets_auto(train, 12, 12), train, 12) < snaive * 1.5     # sane, not a blow-up
    assert np.isfinite(theta(train, 12, 12)).all()


def test_esrnn_beats_seasonal_naive_on_a_bundled_seasonal_series(elec):
    from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate

    h = 12
    # three rolling origins of the same series: the hybrid is fitted once per origin on what precedes it
    scores = {"esrnn": [], "snaive": []}
    for end in (elec.size - 2 * h, elec.size - h, elec.size):
        train, test = elec[:end - h], elec[end - h:end]
        f = ESRNNCandidate(steps=100, max_length=120).forecast([SeriesInput("e", train, 12)], h)[0]
        scores["esrnn"].append(mase(test, f, train, 12))
        scores["snaive"].append(mase(test, seasonal_naive_point(train, h, 12), train, 12))
    assert np.mean(scores["esrnn"]) < np.mean(scores["snaive"])


def test_esrnn_learns_smoothing_per_series_and_handles_nonpositive_values():
    from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate

    t = np.arange(60.0)
    batch = [SeriesInput("up", 5 + 0.2 * t, 1), SeriesInput("neg", -3 + np.sin(t / 3), 1)]
    f = ESRNNCandidate(steps=40).forecast(batch, 6)
    assert np.isfinite(f).all()
    assert f[1].max() < 5            # the shift to positive values is undone
    with pytest.raises(ConfigError, match="cell"):
        ESRNNCandidate(cell="transformer")


def test_conformal_quantiles_are_ordered_and_calibrated_on_known_noise():
    rng = np.random.default_rng(0)
    S, K, H, sigma = 300, 3, 6, 2.0
    point = np.zeros((S, H))
    residuals = rng.normal(0, sigma, (S, K, H))             # validation errors of an unbiased forecaster
    actual = rng.normal(0, sigma, (S, H))                    # the future: same noise
    levels = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]
    q = conformal_quantiles(point, residuals, np.ones((S, K)), np.ones(S), levels)
    assert (np.diff(q, axis=-1) >= 0).all()
    cov = coverage_by_level(actual, q, levels)
    for nominal, got in cov.items():
        assert abs(got - nominal) < 0.04, (nominal, got)
    # one series alone: steps pooled under sqrt(h) growth, still ordered
    q1 = conformal_quantiles(point[:1], residuals[:1], np.ones((1, K)), np.ones(1), levels, pooled=False)
    assert (np.diff(q1, axis=-1) >= 0).all() and np.isfinite(q1).all()


def test_crps_from_quantiles_matches_the_gaussian_closed_form():
    from statistics import NormalDist

    nd = NormalDist()
    levels = np.linspace(0.005, 0.995, 199)
    sigma = 1.5
    q = np.array([sigma * nd.inv_cdf(t) for t in levels])[None, :]
    for y in (-2.0, 0.0, 0.7, 3.0):
        z = y / sigma
        exact = sigma * (z * (2 * nd.cdf(z) - 1) + 2 * nd.pdf(z) - 1 / math.sqrt(math.pi))
        assert crps_from_quantiles(np.array([y]), q, levels) == pytest.approx(exact, rel=0.02)
    pin = pinball_loss(np.array([1.0]), np.array([[0.0, 2.0]]), [0.1, 0.9])
    assert pin == {0.1: pytest.approx(0.1), 0.9: pytest.approx(0.1)}
    with pytest.raises(ConfigError, match="quantiles"):
        pinball_loss(np.array([1.0]), np.array([[0.0]]), [1.5])


def test_series_input_checks_name_the_problem():
    with pytest.raises(DataError, match="missing"):
        SeriesInput("a", np.array([1.0, np.nan, 2.0]))
    with pytest.raises(ConfigError, match="period"):
        SeriesInput("a", np.arange(5.0), period=0)


def test_esrnn_closed_form_level_equals_the_smoothing_loop():
    import torch

    from rnnkit.tasks.forecasting import esrnn

    torch.manual_seed(0)
    net = esrnn.ESRNN(3, 4, 4).double()
    with torch.no_grad():
        net.alpha.copy_(torch.tensor([-1.0, 0.3, 2.0]))
    y = torch.rand(3, 20, dtype=torch.float64) + 1
    mask = torch.ones(3, 20, dtype=torch.bool)
    mask[1, :5] = False                                      # a series that starts later (left padding)
    closed = net.level(y, mask)
    old = esrnn.CLOSED_FORM_MAX
    try:
        esrnn.CLOSED_FORM_MAX = 0                            # force the loop
        loop = net.level(y, mask)
    finally:
        esrnn.CLOSED_FORM_MAX = old
    assert torch.allclose(closed, loop)
    # and its gradient reaches the smoothing coefficient
    closed.sum().backward()
    assert net.alpha.grad is not None and torch.isfinite(net.alpha.grad).all()


def test_backtest_candidate_scores_each_fold_on_unseen_values(elec):
    from rnnkit.tasks.forecasting.auto import backtest_candidate

    rec = Recorder()
    bt = backtest_candidate(rec, [SeriesInput("e", elec, 12)], 12, folds=3)
    assert rec.lengths == [elec.size - 36, elec.size - 24, elec.size - 12]
    for k, (train_end, test_end) in enumerate(bt["folds"]["e"]):
        expect = mase(elec[train_end:test_end], np.full(12, elec[train_end - 1]), elec[:train_end], 12)
        assert bt["mase"][0, k] == pytest.approx(expect)


def test_calendar_features_follow_the_frequency_and_match_the_calendar():
    import pandas as pd

    from rnnkit.tasks.forecasting.covariates import calendar_features, static_matrix

    idx = pd.date_range("2019-11-01", periods=5, freq="MS")
    f = calendar_features(idx)
    months = np.array([t.month for t in idx])                               # brute force, per timestamp
    assert np.allclose(f["month_sin"], np.sin(2 * np.pi * (months - 1) / 12))
    assert np.allclose(f["month_cos"], np.cos(2 * np.pi * (months - 1) / 12))
    days = pd.date_range("2024-01-01", periods=14, freq="D")                # a Monday
    d = calendar_features(days)
    assert np.allclose(d["dayofweek_sin"].to_numpy()[:7], d["dayofweek_sin"].to_numpy()[7:])   # weekly cycle
    assert calendar_features(pd.RangeIndex(5)).shape == (5, 0)               # integer steps: none
    with pytest.raises(DataError, match="expected the names"):
        static_matrix([{"a": 1.0}, {"b": 2.0}])
    with pytest.raises(DataError, match="finite number"):
        static_matrix([{"a": float("nan")}])


def test_auto_backtest_from_one_validation_run_equals_separate_backtests(elec):
    from rnnkit.tasks.forecasting.auto import backtest_candidate

    cands = {"naive": LocalCandidate("naive", lambda y, h, m: np.full(h, y[-1])),
             "snaive": LocalCandidate("snaive", seasonal_naive_point),
             "drift": LocalCandidate("drift", lambda y, h, m: y[-1] + (y[-1] - y[0]) / (y.size - 1) * np.arange(1, h + 1))}
    s = SeriesInput("e", elec, 12)
    auto = AutoForecaster(cands, n_origins=2, exclude=())
    bt = auto.backtest([s], 12, folds=3)
    for name, cand in cands.items():     # every candidate's folds: as if backtested on its own
        assert bt["mase"][name] == pytest.approx(backtest_candidate(cand, [s], 12, folds=3)["mase"])
    # auto's own folds: as an AutoForecaster refitted on each fold's training part
    alone = backtest_candidate(AutoForecaster(cands, n_origins=2, exclude=()), [s], 12, folds=3)
    assert bt["mase"]["auto"] == pytest.approx(alone["mase"])
    assert np.allclose(bt["forecast"], AutoForecaster(cands, n_origins=2, exclude=()).forecast([s], 12))
