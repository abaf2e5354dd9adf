"""Quantile columns of the recurrent forecaster (``Forecaster("lstm" | "gru")``): split-conformal
offsets from the validation residuals, in the series' own units, kept through save/load and scored in
the backtest (pinball, CRPS, coverage per level)."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.errors import CheckpointError
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.forecasting.fitting import extend_offsets, residual_offsets
from rnnkit.training.checkpoint import write_digests

FAST = dict(hidden_size=16, epochs=6, selection_epochs=2, windows_per_epoch=128, batch_size=32, lookback=24)
QCOLS = ["q0.1", "q0.5", "q0.9"]


def noisy_seasonal(n=360, sigma=10.0, seed=0):
    """A level-1000 monthly series: a known seasonal pattern plus iid N(0, sigma) noise, so the central
    80% band of a one-step forecast cannot be narrower than about 2 * 1.28 * sigma."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 1000 + 80 * np.sin(2 * np.pi * t / 12) + rng.normal(0, sigma, n)
    return pd.Series(y, index=pd.date_range("1990-01-01", periods=n, freq="MS"), name="noisy")


@pytest.fixture(scope="module")
def fitted():
    torch.set_num_threads(1)
    return Forecaster("gru", horizon=6, **FAST).fit(noisy_seasonal())


def test_quantile_band_is_in_the_series_units_and_near_the_noise(fitted):
    fc = fitted.predict()
    q = fc[QCOLS].to_numpy()
    assert np.isfinite(q).all() and (np.diff(q, axis=1) >= 0).all()
    width = q[0, 2] - q[0, 0]
    # the noise alone gives 2 * 1.2816 * 10 = 25.6; a network's own error only widens it. Offsets left in
    # the network's scaled units (a missing ``* inc``) would give a band of about 1, far outside.
    assert 0.7 * 25.6 < width < 3.0 * 25.6, width
    # the median band member sits near the point forecast (residuals of an unbiased fit centre on 0)
    assert np.all(np.abs(q[:, 1] - fc["value"].to_numpy()) < 0.5 * (q[:, 2] - q[:, 0]))


def test_offsets_are_the_empirical_quantiles_of_the_residuals():
    rng = np.random.default_rng(1)
    resid = rng.normal(size=(400, 3)) * np.array([1.0, 2.0, 3.0])   # enough per step: per-step quantiles
    off = residual_offsets(resid, [0.1, 0.5, 0.9])
    assert np.allclose(off, np.quantile(resid, [0.1, 0.5, 0.9], axis=0).T)
    few = residual_offsets(resid[:5], [0.1, 0.9])                     # too few: pooled, sqrt(h) growth
    assert np.allclose(few[:, 1] / few[0, 1], np.sqrt([1, 2, 3]))
    longer = extend_offsets(off, 6)
    assert longer.shape == (6, 3) and np.allclose(longer[:3], off)
    assert np.allclose(longer[5], off[2] * np.sqrt(6 / 3))


def test_recursive_forecast_past_the_fitted_horizon_widens_the_band():
    torch.set_num_threads(1)
    f = Forecaster("gru", horizon=4, strategy="recursive", **{**FAST, "epochs": 3}).fit(noisy_seasonal(240))
    fc = f.predict(horizon=10)
    width = (fc["q0.9"] - fc["q0.1"]).to_numpy()
    assert np.isfinite(width).all() and width[9] > width[3] > 0


def test_save_load_keeps_the_quantiles_and_checks_them(fitted, tmp_path):
    path = fitted.save(tmp_path / "run")
    again = Forecaster.load(path)
    pd.testing.assert_frame_equal(again.predict()[QCOLS], fitted.predict()[QCOLS], rtol=1e-4)
    config = json.loads((path / "config.json").read_text())
    # a tampered table, re-signed so that the digests pass: its values are checked on their own
    bad = dict(config, quantile_offsets=[row[::-1] for row in config["quantile_offsets"]])
    (path / "config.json").write_text(json.dumps(bad))
    write_digests(path, ["model.safetensors", "config.json"])
    with pytest.raises(CheckpointError, match="quantile_offsets"):
        Forecaster.load(path)
    # a folder saved before quantiles were kept still loads; its quantile columns are NaN, not invented
    old = {k: v for k, v in config.items() if k != "quantile_offsets"}
    (path / "config.json").write_text(json.dumps(old))
    write_digests(path, ["model.safetensors", "config.json"])
    fc = Forecaster.load(path).predict()
    assert fc[QCOLS].isna().all().all() and np.isfinite(fc["value"]).all()


def test_backtest_scores_the_network_quantiles_next_to_the_baselines():
    torch.set_num_threads(1)
    f = Forecaster("gru", horizon=6, **{**FAST, "epochs": 3})
    res = f.backtest(noisy_seasonal(300), folds=2, baselines=("seasonal_naive",))
    table = res.metrics["gru"]
    for key in ("pinball@0.1", "pinball@0.9", "CRPS", "coverage@0.8"):
        assert np.isfinite(table[key]), key
    # CRPS of a sensible predictive distribution is below the MAE of its own median (CRPS <= MAE holds
    # for a point mass; a band around the truth lowers it)
    assert table["CRPS"] < table["MAE"]


@pytest.mark.parametrize("cell,layers,prep", [("lstm", 2, {}), ("gru", 1, {}),
                                              ("gru", 1, dict(transform="log", deseasonalize="stl", detrend="diff")),
                                              ("gru", 1, dict(deseasonalize="diff", scale="minmax"))])
def test_a_saved_forecaster_after_update_forecasts_exactly_as_in_memory(cell, layers, prep, tmp_path):
    torch.set_num_threads(1)
    y = noisy_seasonal(200)
    f = Forecaster(cell, horizon=4, num_layers=layers, **{**FAST, "epochs": 2}, **prep).fit(y.iloc[:-7])
    f.update(y.iloc[-7:])                  # the state runs on over 7 more values than the lookback
    again = Forecaster.load(f.save(tmp_path / "run"))
    pd.testing.assert_frame_equal(again.predict(), f.predict(), rtol=0, atol=0)
    # oracle that the state matters: re-encoding the last lookback values alone forecasts differently
    f._encode_states()
    assert not np.allclose(f.predict()["value"], again.predict()["value"], rtol=0, atol=1e-7)
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    config["states"][0][0] = config["states"][0][0][:-1]           # a truncated state, re-signed
    (tmp_path / "run" / "config.json").write_text(json.dumps(config))
    write_digests(tmp_path / "run", ["model.safetensors", "config.json"])
    with pytest.raises(CheckpointError, match="states"):
        Forecaster.load(tmp_path / "run")
