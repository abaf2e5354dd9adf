"""The forecasting pipeline: baselines and metrics against hand-computed values, backtest folds that never
leak the future, lookback selection, strategies and intervals, streaming updates, checkpoints."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.forecasting import (
    Forecaster,
    drift,
    lookback_candidates,
    mae,
    mase,
    naive,
    rolling_origin_folds,
    seasonal_naive,
    smape,
)
from rnnkit.tasks.forecasting.baselines import ets, normal_quantile
from rnnkit.tasks.forecasting.metrics import coverage, rmse

# tiny settings: every fit here takes about a second on one core
TINY = dict(hidden_size=8, epochs=2, selection_epochs=1, windows_per_epoch=64, batch_size=32)


def monthly(n=120, period=12, seed=0, name="sales"):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 50 + 0.2 * t + 5 * np.sin(2 * np.pi * t / period) + rng.normal(size=n)
    return pd.Series(y, index=pd.date_range("2000-01-01", periods=n, freq="MS"), name=name)


# ------------------------------------------------------------------------------------- baselines
def test_baselines_equal_hand_computed_values():
    y = np.array([10.0, 12.0, 11.0, 13.0, 12.0, 14.0, 13.0])
    v, lo, hi = naive(y, 3, level=0.9)
    assert v.tolist() == [13.0, 13.0, 13.0]
    sigma = math.sqrt(np.mean(np.diff(y) ** 2))          # one-step residuals: +2 -1 +2 -1 +2 -1
    z = normal_quantile(0.95)
    np.testing.assert_allclose(hi - v, z * sigma * np.sqrt([1, 2, 3]))
    np.testing.assert_allclose(v - lo, hi - v)
    v, lo, hi = seasonal_naive(y, 5, period=2)
    assert v.tolist() == [14.0, 13.0, 14.0, 13.0, 14.0]
    s2 = math.sqrt(np.mean((y[2:] - y[:-2]) ** 2))       # lag-2 residuals: all 1
    np.testing.assert_allclose(hi - v, z * s2 * np.sqrt([1, 1, 2, 2, 3]))
    v, lo, hi = drift(y, 2)
    assert v.tolist() == pytest.approx([13.5, 14.0])      # slope (13 - 10) / 6
    # a season longer than the data falls back to naive
    assert seasonal_naive(y, 2, period=12)[0].tolist() == [13.0, 13.0]


def test_ets_tracks_a_seasonal_series_better_than_naive():
    y = monthly(96).to_numpy()
    v, lo, hi = ets(y[:84], 12, period=12)
    assert mae(y[84:], v) < mae(y[84:], naive(y[:84], 12)[0])
    assert (lo <= v).all() and (v <= hi).all()


def test_metrics_equal_hand_computed_values():
    y, f = np.array([2.0, 4.0]), np.array([3.0, 2.0])
    assert mae(y, f) == 1.5
    assert rmse(y, f) == pytest.approx(math.sqrt(2.5))
    assert smape(y, f) == pytest.approx(100 * (2 * 1 / 5 + 2 * 2 / 6) / 2)
    train = np.array([1.0, 2.0, 1.0, 3.0, 1.0])
    assert mase(y, f, train, period=1) == pytest.approx(1.5 / np.mean([1, 1, 2, 2]))
    assert mase(y, f, train, period=2) == pytest.approx(1.5 / np.mean([0, 1, 0]))
    assert coverage(y, [1.0, 5.0], [3.0, 6.0]) == 0.5
    assert smape([0.0], [0.0]) == 0.0


# ------------------------------------------------------------------------------------- backtest
def test_rolling_origin_folds_positions():
    folds = rolling_origin_folds(50, horizon=5, folds=3, stride=4)
    assert [(f.train_end, f.test_start, f.test_end) for f in folds] == [(37, 37, 42), (41, 41, 46), (45, 45, 50)]
    with pytest.raises(DataError, match="backtest: expected at least"):
        rolling_origin_folds(10, horizon=5, folds=3)


def test_backtest_folds_never_see_the_future(monkeypatch):
    from rnnkit.tasks.forecasting import network_model as fmod
    from rnnkit.tasks.forecasting.baselines import BASELINES

    y = monthly(132)
    seen_model, seen_base = [], []
    real_fit = fmod.NetworkForecaster._fit_series

    def spy_fit(self, series, **kw):
        seen_model.append([(s.index[-1], len(s)) for s in series])
        return real_fit(self, series, **kw)

    monkeypatch.setattr(fmod.NetworkForecaster, "_fit_series", spy_fit)
    real_naive = BASELINES["naive"]
    monkeypatch.setitem(BASELINES, "naive", lambda tr, *a: (seen_base.append(len(tr)), real_naive(tr, *a))[1])
    bt = Forecaster("gru", horizon=6, **TINY).backtest(y, folds=3, baselines=["naive", "seasonal_naive"])
    assert len(seen_model) == 3 and len(seen_base) == 3
    for k, fold in enumerate(f for f in bt.folds):
        last_train_time, n_train = seen_model[k][0]
        test_times = bt.forecasts.loc[bt.forecasts["fold"] == k, "time"]
        assert n_train == fold["train_end"] == fold["test_start"] == seen_base[k]
        assert last_train_time < test_times.min()                    # trained strictly before the test window
        assert fold["test_end"] - fold["test_start"] == 6
    assert bt.folds[-1]["test_end"] == len(y)
    assert [f["test_start"] for f in bt.folds] == [114, 120, 126]
    assert set(bt.metrics) == {"gru", "naive", "seasonal_naive"}
    for row in bt.metrics.values():
        assert 0.0 <= row["coverage"] <= 1.0 and row["MAE"] > 0


def test_backtest_scores_only_observed_values():
    y = monthly(120)
    y.iloc[-3] = np.nan                     # a missing actual in the last test window
    bt = Forecaster("gru", horizon=6, **TINY).backtest(y, folds=2, baselines=["naive"])
    last = bt.forecasts[bt.forecasts["fold"] == 1]
    assert last["observed"].sum() == 5
    truth = last[last["observed"]]
    row = [r for r in bt.per_fold if r["fold"] == 1 and r["model"] == "naive"][0]
    assert row["MAE"] == pytest.approx(mae(truth["actual"], truth["naive"]))


# ------------------------------------------------------------------------------------- lookback
def test_lookback_candidates_are_tied_to_the_period():
    assert lookback_candidates(12, 6) == [12, 24, 36]
    assert lookback_candidates(52, 52, max_lookback=120) == [52, 104]
    assert lookback_candidates(365, 30) == [23, 46, 91]
    assert lookback_candidates(1, 10) == [10, 20, 30]


def test_lookback_selection_picks_the_period():
    # a seasonal random walk: y_t = y_{t-12} + noise. The best forecast needs the value one period back,
    # so a window shorter than the period loses on the validation part.
    m, n = 12, 480
    rng = np.random.default_rng(2)
    y = np.zeros(n)
    y[:m] = 2 * rng.normal(size=m)
    for t in range(m, n):
        y[t] = y[t - m] + 0.2 * rng.normal()
    series = pd.Series(y, index=pd.date_range("1960-01-01", periods=n, freq="MS"))
    f = Forecaster("lstm", horizon=m, deseasonalize="none", lookback_candidates=(4, 12), epochs=15,
                   selection_epochs=15, windows_per_epoch=512, lr=1e-2).fit(series)
    assert f.period_ == 12
    assert set(f.selection_) == {4, 12}
    assert f.lookback_ == 12, f.selection_


# ------------------------------------------------------------------------------------- fit / predict
@pytest.mark.parametrize("strategy", ["direct", "recursive", "encoder-decoder"])
@pytest.mark.parametrize("interval", ["quantile", "gaussian"])
def test_strategies_and_intervals(strategy, interval):
    y = monthly(100)
    f = Forecaster("gru", horizon=5, strategy=strategy, interval=interval, lookback=12, n_samples=20,
                   **TINY).fit(y)
    fc = f.predict()
    assert len(fc) == 5 and list(fc.columns) == ["id", "time", "value", "lower", "upper", "q0.1", "q0.5", "q0.9"]
    assert fc["time"].tolist() == list(pd.date_range("2008-05-01", periods=5, freq="MS"))
    q = fc[["q0.1", "q0.5", "q0.9"]].to_numpy()
    assert np.isfinite(q).all() and (np.diff(q, axis=1) >= 0).all()
    assert (fc["lower"] <= fc["value"] + 1e-9).all() and (fc["value"] <= fc["upper"] + 1e-9).all()
    assert np.isfinite(fc["value"]).all()
    if strategy == "recursive":
        assert len(f.predict(9)) == 9          # a one-step model rolls any distance
    else:
        with pytest.raises(ConfigError, match="at most the fitted horizon 5"):
            f.predict(9)


def test_no_interval_gives_nan_bounds():
    f = Forecaster("elman", horizon=3, interval="none", lookback=12, **TINY).fit(monthly(80))
    fc = f.predict()
    assert fc["lower"].isna().all() and fc["value"].notna().all()


def test_several_series_with_an_id_column_and_covariates():
    frames = []
    for k, sid in enumerate(["a", "b", "c"]):
        s = monthly(90 + 6 * k, seed=k)
        frames.append(pd.DataFrame({"store": sid, "date": s.index.strftime("%Y-%m-%d"), "units": s.to_numpy(),
                                    "promo": (np.arange(len(s)) % 4 == 0).astype(float),
                                    "month": s.index.month.astype(float)}))
    df = pd.concat(frames, ignore_index=True)
    f = Forecaster("gru", horizon=4, lookback=12, **TINY)
    f.fit(df, target="units", time_col="date", id_col="store", past_covariates="promo", future_covariates=["month"])
    assert f.series_ids_ == ["a", "b", "c"]
    with pytest.raises(DataError, match="known-future covariates"):
        f.predict()
    future = []
    for fs in f._fitted:
        times = pd.date_range(fs.index[-1], periods=5, freq="MS")[1:]
        future.append(pd.DataFrame({"store": fs.id, "date": times, "month": times.month.astype(float)}))
    fc = f.predict(future_covariates=pd.concat(future))
    assert fc.groupby("id").size().to_dict() == {"a": 4, "b": 4, "c": 4}
    with pytest.raises(ConfigError, match="recursive strategy cannot roll past-only covariates"):
        Forecaster("gru", horizon=4, strategy="recursive", lookback=12, **TINY).fit(
            df, target="units", time_col="date", id_col="store", past_covariates="promo")


# ------------------------------------------------------------------------------------- streaming
@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_update_advances_the_state_without_refitting(strategy):
    y = monthly(110)
    f = Forecaster("lstm", horizon=4, strategy=strategy, lookback=12, interval="none", **TINY).fit(y.iloc[:100])
    weights = {k: v.clone() for k, v in f.network_.state_dict().items()}
    state_before = tuple(s.clone() for s in f._fitted[0].state)
    x_hist = f._fitted[0].history_features()[-12:]
    fc = f.update(y.iloc[100:])
    # the stream equals one pass over history window + new points from the same start
    x_new = f._fitted[0].history_features()[-10:]
    with torch.no_grad():
        _, ref = f.network_.encode(torch.from_numpy(np.concatenate([x_hist, x_new]).astype(np.float32))[None])
        _, stepped = f.network_.encode(torch.from_numpy(x_hist.astype(np.float32))[None])
        for row in x_new:
            _, stepped = f.network_.encoder.step(torch.from_numpy(row.astype(np.float32))[None], stepped)
    for a, b, c in zip(f._fitted[0].state, ref, stepped):
        torch.testing.assert_close(a, b)
        torch.testing.assert_close(a, c)
    assert not torch.equal(f._fitted[0].state[0], state_before[0])
    assert all(torch.equal(v, f.network_.state_dict()[k]) for k, v in weights.items())
    assert fc["time"].iloc[0] == pd.Timestamp("2009-03-01") and len(fc) == 4
    with pytest.raises(DataError, match="expected timestamps continuing"):
        f.update(y.iloc[100:102])               # already seen


def test_update_accepts_bare_values_and_fills_missing():
    y = monthly(100)
    f = Forecaster("gru", horizon=3, lookback=12, **TINY).fit(y)
    fc = f.update([y.iloc[-1] + 1.0, np.nan, y.iloc[-1] + 3.0])
    assert len(f._fitted[0].y) == 103 and f._fitted[0].y[-2] == pytest.approx(y.iloc[-1] + 2.0)
    assert fc["time"].iloc[0] == pd.Timestamp("2008-08-01")


# ------------------------------------------------------------------------------------- checkpoints
def test_save_and_load_give_the_same_forecast(tmp_path):
    y = monthly(100)
    f = Forecaster("gru", horizon=4, lookback=12, transform="log", detrend="diff", **TINY).fit(y)
    f.save(tmp_path / "run")
    g = Forecaster.load(tmp_path / "run")
    pd.testing.assert_frame_equal(f.predict(), g.predict())
    assert g.lookback_ == 12 and g.config == f.config
    (tmp_path / "run" / "model.safetensors").write_bytes(b"garbage")
    from rnnkit.errors import CheckpointError

    with pytest.raises(CheckpointError):
        Forecaster.load(tmp_path / "run")


def test_fit_is_reproducible_with_a_seed():
    y = monthly(90)
    a = Forecaster("gru", horizon=3, lookback=12, seed=3, **TINY).fit(y).predict()
    b = Forecaster("gru", horizon=3, lookback=12, seed=3, **TINY).fit(y).predict()
    pd.testing.assert_frame_equal(a, b)


def test_preprocessing_is_reported():
    y = monthly(120)
    y.iloc[[10, 11, 50]] = np.nan
    f = Forecaster("gru", horizon=6, lookback=12, **TINY).fit(y)
    s = f.summary()["series"][0]
    assert s["missing_interpolated"] == 3 and s["frequency"] == "MS"
    assert s["period"]["period"] == 12 and s["pipeline"] == "stl -> scale"


def test_plot_writes_a_png(tmp_path):
    y = monthly(100)
    f = Forecaster("gru", horizon=4, lookback=12, **TINY)
    bt = f.backtest(y, folds=2, baselines=["naive"])
    f.fit(y)
    f.plot(tmp_path / "f.png", backtest=bt)
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
