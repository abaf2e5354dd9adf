"""Quality behaviour of auto and its candidates on small real data (statsmodels' and rnnkit's bundled
series) and generated data with known noise: combinations never worse than their worst member on the
scored tail, calibrated conformal quantiles end to end, one network fit for a whole backtest on long
series, covariates in the ES-RNN, the drift candidate. Oracles, not golden numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import REFIT_BELOW, Candidate, LocalCandidate, SeriesInput
from rnnkit.tasks.forecasting.metrics import mae
from rnnkit.tasks.forecasting.probabilistic import coverage_by_level
from rnnkit.tasks.forecasting.statistical import drift_point, statistical_candidates

pytestmark = pytest.mark.usefixtures("one_thread_module")


def real_series():
    """A few short real series: yearly Nile flow, quarterly UK gas (from statsmodels/rnnkit bundles)."""
    from rnnkit.data.series import load_elec_equip, load_nile

    nile = load_nile().to_numpy(dtype=float)
    elec = load_elec_equip().to_numpy(dtype=float)
    return [("nile", nile[-60:], 1, 6), ("elec", elec[-96:], 12, 12)]


@pytest.mark.parametrize("sid,y,period,h", real_series())
def test_auto_on_the_scored_tail_is_never_worse_than_its_worst_member(sid, y, period, h):
    cands = {k: v for k, v in statistical_candidates().items() if k != "ets"}
    train, test = y[:-h], y[-h:]
    auto = AutoForecaster(cands, n_origins=2)
    f = auto.forecast([SeriesInput(sid, train, period)], h)[0]
    members = auto.members_[0]
    worst = max(mae(test, auto.validation_.final[m][0]) for m in members)
    assert mae(test, f) <= worst + 1e-9
    # and the choice validated at least as well as every candidate alone
    scores = auto.report_["validation_mase"]
    alone = [m for m in auto.candidates if m in scores and m not in auto.exclude]
    assert alone and scores[auto.chosen_[0]] <= min(scores[m] for m in alone) + 1e-9
    assert "drift" not in alone                   # one series alone: the drift is not in its pool


def test_auto_quantiles_cover_their_nominal_level_on_known_noise():
    rng = np.random.default_rng(3)
    S, n, h = 150, 60, 6
    ys = [10 + rng.normal(0, 1, n + h) for _ in range(S)]               # level + N(0, 1) noise
    mean = LocalCandidate("theta", lambda y, hh, m: np.full(hh, y.mean()))  # the right point forecast
    auto = AutoForecaster({"theta": mean}, n_origins=3, exclude=(), quantiles=(0.1, 0.25, 0.5, 0.75, 0.9))
    auto.forecast([SeriesInput(f"s{i}", y[:n], 1) for i, y in enumerate(ys)], h)
    cov = coverage_by_level(np.stack([y[n:] for y in ys]), auto.quantiles_, auto.quantile_levels)
    for nominal, got in cov.items():
        assert abs(got - nominal) < 0.06, (nominal, got)


class CountingGlobal(Candidate):
    """A global candidate that records every fit (a call of forecast_origins) and forecasts flat."""

    name, is_global = "net", True

    def __init__(self):
        self.calls: list[list[int]] = []

    def forecast(self, batch, horizon):
        return self.forecast_origins(batch, horizon, [0])[:, 0]

    def forecast_origins(self, batch, horizon, back):
        self.calls.append(list(back))
        return np.stack([[np.full(horizon, s.y[len(s) - b - 1]) for b in back] for s in batch])


@pytest.mark.parametrize("n", [REFIT_BELOW + 60, 120])
def test_the_backtest_forecasts_every_origin_once_and_returns_the_same_shapes(n):
    t = np.arange(n, dtype=float)
    s = SeriesInput("s", 5 + np.sin(2 * np.pi * t / 12) + 0.01 * t, 12)
    net = CountingGlobal()
    cands = {"net": net, "snaive": statistical_candidates()["seasonal_naive"]}
    auto = AutoForecaster(cands, n_origins=2, exclude=())
    bt = auto.backtest([s], 12, folds=3)
    assert net.calls == [[60, 48, 36, 24, 12, 0]]            # one pass: folds + origins windows and the end
    assert bt["forecasts"]["net"].shape == (1, 3, 12) and bt["quantiles"].shape[:3] == (1, 3, 12)
    # fold k's forecast of the candidate is the one from its own training end
    for k in range(3):
        end = n - (3 - k) * 12
        assert np.allclose(bt["forecasts"]["net"][0, k], s.y[end - 1])


def test_esrnn_reads_calendar_and_static_covariates_and_round_trips(tmp_path):
    from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate

    t = np.arange(72)
    idx = pd.date_range("2010-01-01", periods=72, freq="MS")
    batch = [SeriesInput(f"s{k}", 10 + k + 0.05 * t + np.sin(2 * np.pi * t / 12), 12, idx, {"size": float(k)})
             for k in range(3)]
    cand = ESRNNCandidate(steps=10, hidden=8)
    f = cand.forecast(batch, 6)
    fit = cand._fits[12]
    assert fit["covariates"]["calendar"] == ["month_sin", "month_cos"] and fit["covariates"]["static"] == ["size"]
    assert fit["nets"][0].n_extra == 3
    plain = ESRNNCandidate(steps=10, hidden=8, calendar=False, static=False)
    plain.forecast(batch, 6)
    assert plain._fits[12]["nets"][0].n_extra == 0
    cand.save(tmp_path / "e")
    back = Candidate.load(tmp_path / "e")
    assert np.allclose(back.forecast_fitted(batch, 6), f, rtol=1e-6)


def test_drift_continues_a_trend_through_a_multiplicative_season():
    t = np.arange(48, dtype=float)
    season = np.tile([0.8, 1.0, 1.3, 0.9], 12)
    y = (20 + 0.5 * t) * season
    h = 8
    truth = (20 + 0.5 * np.arange(48, 48 + h)) * np.tile([0.8, 1.0, 1.3, 0.9], 2)
    naive_err = mae(truth, np.full(h, y[-1]))
    assert mae(truth, drift_point(y, h, 4)) < 0.05 * naive_err
    line = np.arange(10.0)                                    # no season: the line through first and last
    assert np.allclose(drift_point(line, 3, 1), [10.0, 11.0, 12.0])
