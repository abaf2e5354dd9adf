"""The candidate interface the Forecaster facade builds on: forecast_fitted (forecast from the given,
possibly longer series without training again), save/load with verified digests, AutoForecaster's
members_, forecast_fitted and per-fold quantile forecasts of its backtest. Oracles: the same candidate
before a save, a fit that runs on over the later values (``forecast_origins``), brute-force
combinations of the members' forecasts."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.errors import CheckpointError, ConfigError, DataError
from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import (
    Candidate,
    LocalCandidate,
    SeriesInput,
    load_candidates,
    save_candidates,
)
from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate
from rnnkit.tasks.forecasting.neural import ForecasterCandidate
from rnnkit.tasks.forecasting.probabilistic import coverage_by_level
from rnnkit.tasks.forecasting.statistical import statistical_candidates

pytestmark = pytest.mark.usefixtures("one_thread_module")

H = 6


@pytest.fixture(scope="module")
def batch():
    """Three related monthly-like series (the last 60 values of a bundled series, rescaled)."""
    from rnnkit.data.series import load_elec_equip

    y = load_elec_equip().to_numpy(dtype=float)
    return [SeriesInput(f"s{k}", y[-60 - 12 * k: y.size - 12 * k] * (1 + 0.2 * k), 12) for k in range(3)]


def longer(batch, n):
    """The same series with ``n`` more values (the next ones of each)."""
    from rnnkit.data.series import load_elec_equip

    y = load_elec_equip().to_numpy(dtype=float)
    out = []
    for k, s in enumerate(batch):
        end = y.size - 12 * k
        out.append(SeriesInput(s.id, np.concatenate([s.y, y[end:end + n] * (1 + 0.2 * k)])
                               if k else np.concatenate([s.y, s.y[-12:][:n]]), 12))
    return out


def quick_stats():
    """The statistical candidates but ETS (statsmodels' ETS fits take seconds; it saves as the others)."""
    return {k: v for k, v in statistical_candidates().items() if k != "ets"}


def small_nets():
    return {"lstm": ForecasterCandidate("lstm", mode="global", refit=False, epochs=2, selection_epochs=1,
                                        lookback=12, hidden_size=8),
            "esrnn": ESRNNCandidate(steps=15, hidden=8, refit=False)}


def test_forecast_fitted_on_the_same_series_equals_the_forecast(batch):
    for name, cand in small_nets().items():
        f = cand.forecast(batch, H)
        assert np.allclose(cand.forecast_fitted(batch, H), f), name
        assert np.allclose(cand.forecast_fitted(batch[1:], H), f[1:]), name       # any subset
    theta = statistical_candidates()["theta"]
    assert np.allclose(theta.forecast_fitted(batch, H), theta.forecast(batch, H))     # local: re-estimated


def test_forecast_fitted_on_longer_series_runs_the_fitted_network_on(batch):
    # oracle: one fit at the earlier origin that runs on over the later values (forecast_origins)
    grown = [SeriesInput(s.id, np.concatenate([s.y, s.y[-12:-9] * 1.01]), 12) for s in batch]
    for name, make in (("esrnn", lambda: ESRNNCandidate(steps=15, hidden=8, refit=False)),
                       ("lstm", lambda: small_nets()["lstm"])):
        a = make()
        a.forecast(batch, H)
        got = a.forecast_fitted(grown, H)
        ref = make().forecast_origins(grown, H, [3, 0])[:, 1]
        assert np.allclose(got, ref, rtol=1e-5, atol=1e-6), name
    with pytest.raises(DataError, match="unknown id"):
        a.forecast_fitted([SeriesInput("other", batch[0].y, 12)], H)
    with pytest.raises(DataError, match="continued"):
        a.forecast_fitted([SeriesInput("s0", batch[0].y[:-1], 12)], H)


def test_every_candidate_round_trips_through_save_and_load(batch, tmp_path):
    cands = {**statistical_candidates(), **small_nets()}
    before = {n: c.forecast(batch, H) for n, c in cands.items() if n != "ets"}
    save_candidates(cands, tmp_path / "c")
    loaded = load_candidates(tmp_path / "c")
    assert list(loaded) == list(cands)
    assert loaded["ets"].fn is cands["ets"].fn and loaded["ets"].min_length(H, 12) == 4
    for n, c in loaded.items():
        assert type(c) is type(cands[n]) and c.name == n
        if n != "ets":
            assert np.allclose(c.forecast_fitted(batch, H), before[n], rtol=1e-6), n
    with pytest.raises(ConfigError, match="LOCAL_FUNCTIONS"):
        LocalCandidate("mine", lambda y, h, m: y[-h:]).save(tmp_path / "lambda")


@pytest.mark.parametrize("name", ["esrnn", "lstm"])
def test_a_flipped_byte_in_a_weight_file_is_a_checkpoint_error_naming_it(batch, tmp_path, name, flip_byte):
    cand = small_nets()[name]
    cand.forecast(batch, H)
    cand.save(tmp_path / name)
    weights = sorted(p for p in (tmp_path / name).rglob("*.safetensors"))
    assert weights
    flip_byte(weights[0])
    with pytest.raises(CheckpointError, match=weights[0].name):
        Candidate.load(tmp_path / name)


def test_a_bad_candidate_record_is_a_checkpoint_error(tmp_path):
    from rnnkit._io import atomic_write_json, write_digests

    statistical_candidates()["theta"].save(tmp_path / "t")
    atomic_write_json(tmp_path / "t" / "candidate.json", {"format": 1, "kind": "os.system", "name": "x",
                                                          "settings": {}, "state": {}})
    write_digests(tmp_path / "t", ["candidate.json"])
    with pytest.raises(CheckpointError, match="kind"):
        Candidate.load(tmp_path / "t")


def test_auto_members_forecast_fitted_and_round_trip(batch, tmp_path):
    auto = AutoForecaster({**quick_stats(), **small_nets()}, n_origins=1)
    f = auto.forecast(batch, H)
    assert len(auto.members_) == len(batch)
    for i, (c, m) in enumerate(zip(auto.chosen_, auto.members_)):
        assert set(m) <= set(auto.candidates) and (c == "+".join(m) or c.startswith("median(") or m == (c,))
        stack = np.stack([auto.validation_.final[n][i] for n in m])    # brute force: the members combined
        expect = np.median(stack, 0) if c.startswith("median(") else stack.mean(0)
        if auto.median_weight_ > 0:         # a narrow pooled choice moves toward the median of all (session 10)
            med = np.median(np.stack([auto.validation_.final[n][i] for n in auto.median_members_]), 0)
            expect = (1 - auto.median_weight_) * expect + auto.median_weight_ * med
        if auto.hedged_[i]:                 # seasonal naive won every validation window: half of it
            expect = (expect + auto.validation_.final["seasonal_naive"][i]) / 2
        assert np.allclose(f[i], expect)
    q = auto.quantiles_.copy()
    assert np.allclose(auto.forecast_fitted(batch, H), f, rtol=1e-6)
    assert np.allclose(auto.quantiles_, q)
    auto.save(tmp_path / "auto")
    back = Candidate.load(tmp_path / "auto")
    assert isinstance(back, AutoForecaster) and back.chosen_ == auto.chosen_ and back.members_ == auto.members_
    assert back.hedged_.tolist() == auto.hedged_.tolist() and back.median_weight_ == auto.median_weight_
    # exact, networks included: a saved forecaster keeps its recurrent states and fitted input scales
    tol = 1e-6
    assert np.allclose(back.forecast_fitted(batch, H), f, rtol=tol)
    assert np.allclose(back.quantiles_, q, rtol=tol)


def test_auto_backtest_returns_per_fold_forecasts_and_quantiles(batch):
    auto = AutoForecaster(quick_stats(), n_origins=1, quantiles=(0.1, 0.5, 0.9))
    bt = auto.backtest(batch, H, folds=2)
    S, Q = len(batch), 3
    assert bt["quantiles"].shape == (S, 2, H, Q) and bt["quantile_levels"] == [0.1, 0.5, 0.9]
    assert bt["actual"].shape == (S, 2, H) and bt["scale"].shape == (S, 2)
    assert set(bt["forecasts"]) == set(bt["mase"]) and bt["forecasts"]["auto"].shape == (S, 2, H)
    assert (np.diff(bt["quantiles"], axis=-1) >= 0).all()
    # the scored values are the series' own, and MASE follows from the returned forecasts
    from rnnkit.tasks.forecasting.metrics import mase

    s = batch[0]
    assert np.array_equal(bt["actual"][0, 1], s.y[-H:])
    assert bt["mase"]["auto"][0, 1] == pytest.approx(mase(s.y[-H:], bt["forecasts"]["auto"][0, 1], s.y[:-H], 12))
    cov = coverage_by_level(bt["actual"], bt["quantiles"], bt["quantile_levels"])
    assert set(cov) == {0.8} and 0 <= cov[0.8] <= 1
