"""Forecaster(model=...): auto as the default, the single methods, quantiles, save/load/update without
refitting, backtests with every candidate, and the CLI forms that use a saved run (issues 15, 16).

Oracles: the statistical candidates run alone in the same test, the seasonal naive, hand-computed
pinball losses; never golden numbers. Plumbing tests use the statistical candidates (fast); the one
with a network uses a tiny one on a short series.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.main import main
from rnnkit.errors import CheckpointError, ConfigError
from rnnkit.tasks.forecasting import AutoModel, ForecastConfig, Forecaster, NetworkForecaster
from rnnkit.tasks.forecasting.metrics import mase, quantile_metrics

STATS = ("ets", "theta", "seasonal_naive", "naive")
QUICK = ("theta", "seasonal_naive", "naive")          # no ETS: the plumbing tests stay fast


def monthly(n=120, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 50 + 0.3 * t + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5, n)
    return pd.Series(y, index=pd.date_range("2010-01-01", periods=n, freq="MS"), name="sales")


def co2_tail(n=416):
    from rnnkit.data.registry import get_dataset

    return get_dataset("co2").load().iloc[-n:]


def run_cli(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ the model setting
def test_auto_is_the_default_and_cell_keeps_its_older_meaning():
    assert Forecaster(horizon=3).config.model == "auto" and isinstance(Forecaster(horizon=3).model, AutoModel)
    for f in (Forecaster("gru"), Forecaster(cell="gru"), Forecaster(model="gru")):
        assert isinstance(f.model, NetworkForecaster) and f.config.model == f.config.cell == "gru"
    f = Forecaster(model="auto", cell="gru")            # with model= too, cell is only the network's cell
    assert isinstance(f.model, AutoModel) and f.config.cell == "gru"
    assert Forecaster(config=ForecastConfig(model="ets")).config.model == "ets"
    with pytest.raises(ConfigError, match="model: expected one of"):
        Forecaster(model="prophet")


@pytest.mark.parametrize("bad", [(), (0.0, 0.5), (0.5, 1.0), ("0.5",), (True,), (float("nan"),), 0.5])
def test_quantiles_must_be_levels_in_the_open_unit_interval(bad):
    with pytest.raises(ConfigError, match="quantiles: expected"):
        ForecastConfig(quantiles=bad)
    assert ForecastConfig(quantiles=[0.9, 0.1]).quantiles == (0.1, 0.9)   # sorted; a level twice is an error (s7)


def test_auto_candidates_are_checked():
    with pytest.raises(ConfigError, match="candidates: expected a non-empty list of names"):
        ForecastConfig(candidates=("ets", "prophet"))


# ------------------------------------------------------------------ behaviour on real data
def test_auto_on_co2_beats_the_seasonal_naive_and_is_the_combination_it_reports():
    from rnnkit.tasks.forecasting.statistical import statistical_candidates

    y, H = co2_tail(), 52
    train, test = y.iloc[:-H], y.iloc[-H:].to_numpy()
    f = Forecaster(horizon=H, candidates=STATS).fit(train)
    fc = f.predict()
    s = f.summary()
    period = s["series"][0]["period"]["period"]
    assert period == 52
    filled = f.model._fitted[0].y                     # the training values as the candidates saw them
    alone = {n: c.forecast([f.model._fitted[0].as_input()], H)[0] for n, c in statistical_candidates().items()}
    members = s["members"][str(y.name)]
    np.testing.assert_allclose(fc["value"], np.mean([alone[m] for m in members], axis=0) if not
                               s["chosen"].startswith("median(") else np.median([alone[m] for m in members], 0))
    m_auto = mase(test, fc["value"], filled, period)
    assert m_auto < mase(test, alone["seasonal_naive"], filled, period)
    assert m_auto < 1.25 * min(mase(test, alone[n], filled, period) for n in ("ets", "theta"))


def test_predict_has_interval_and_monotone_quantile_columns():
    f = Forecaster(horizon=6, candidates=QUICK, quantiles=(0.25, 0.5, 0.75), level=0.8).fit(monthly(60))
    fc = f.predict()
    assert list(fc.columns) == ["id", "time", "value", "lower", "upper", "q0.25", "q0.5", "q0.75"]
    q = fc[["lower", "q0.25", "q0.5", "q0.75", "upper"]].to_numpy()   # levels 0.1 < 0.25 < 0.5 < 0.75 < 0.9
    assert (np.diff(q, axis=1) >= -1e-9).all()
    assert len(f.predict(3)) == 3 and f.predict(3)["value"].tolist() == fc["value"].iloc[:3].tolist()
    with pytest.raises(ConfigError, match="horizon: expected a positive int up to the fitted horizon 6"):
        f.predict(7)


def test_single_methods_forecast_like_the_method_alone():
    from rnnkit.tasks.forecasting.statistical import theta

    y = monthly()
    f = Forecaster("theta", horizon=6).fit(y)
    np.testing.assert_allclose(f.predict()["value"], theta(y.to_numpy(), 6, 12))


def test_auto_refuses_covariates_and_bad_input_like_the_network():
    df = pd.DataFrame({"t": pd.date_range("2020-01-01", periods=60, freq="D"), "y": np.arange(60.0),
                       "x": np.ones(60)})
    with pytest.raises(ConfigError, match="takes none"):
        Forecaster(horizon=3, candidates=STATS).fit(df, target="y", time_col="t", past_covariates="x")
    bad = df.assign(y=df["y"].astype(str))
    from rnnkit.errors import DataError

    with pytest.raises(DataError, match="expected numeric values"):
        Forecaster(horizon=3, candidates=STATS).fit(bad, target="y", time_col="t")


# ------------------------------------------------------------------ update / save / load
def test_update_after_load_equals_update_before_save_and_trains_nothing(tmp_path, monkeypatch):
    y = monthly(64)
    f = Forecaster(horizon=3, candidates=("seasonal_naive", "lstm"), epochs=1, selection_epochs=1,
                   hidden_size=4, lookback=12, windows_per_epoch=64).fit(y.iloc[:-3])
    f.save(tmp_path / "run")
    g = Forecaster.load(tmp_path / "run")
    pd.testing.assert_frame_equal(g.predict(), f.predict())

    def no_training(*a, **k):
        raise AssertionError("update trained a network")

    monkeypatch.setattr(NetworkForecaster, "_fit_series", no_training)
    new = y.iloc[-3:]
    a, b = f.update(new), g.update(new)
    pd.testing.assert_frame_equal(a, b)
    assert a["time"].iloc[0] == y.index[-1] + y.index.freq
    assert not np.allclose(a["value"].to_numpy()[:1], f.predict()["value"].to_numpy()[:1] + 1e6)


def test_update_checks_every_point_before_changing_anything():
    from rnnkit.errors import DataError

    y = monthly(60)
    f = Forecaster(horizon=3, candidates=QUICK).fit(y)
    before = f.predict()
    wrong_times = pd.Series([1.0, 2.0], index=pd.date_range("2030-01-01", periods=2, freq="MS"))
    with pytest.raises(DataError, match="expected timestamps continuing"):
        f.update(wrong_times)
    with pytest.raises(DataError):
        f.update(["x", 2.0])
    pd.testing.assert_frame_equal(f.predict(), before)
    f.update([np.nan, 80.0])                          # a missing value is filled from the last one
    assert len(f.model._fitted[0].y) == 62 and f.model._fitted[0].y[-2] == pytest.approx((y.iloc[-1] + 80) / 2)


def test_load_refuses_a_modified_folder(tmp_path):
    f = Forecaster(horizon=3, candidates=QUICK).fit(monthly(60))
    f.save(tmp_path / "run")
    cfg = tmp_path / "run" / "config.json"
    data = json.loads(cfg.read_text())
    data["point"][0][0] = 1e9
    cfg.write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match="config.json"):
        Forecaster.load(tmp_path / "run")


# ------------------------------------------------------------------ backtest
def test_backtest_scores_auto_and_every_candidate_with_quantile_metrics():
    y = monthly(90)
    f = Forecaster(horizon=6, candidates=QUICK)
    bt = f.backtest(y, folds=2)
    assert {"auto", *QUICK, "drift", "ets"} <= set(bt.metrics)      # ets, drift: baselines not among them
    auto = bt.metrics["auto"]
    for key in ("MASE", "coverage", "CRPS", "pinball@0.1", "pinball@0.5", "pinball@0.9", "coverage@0.8"):
        assert np.isfinite(auto[key]), key
    assert auto["CRPS"] == pytest.approx(2 * np.mean([auto[f"pinball@{t}"] for t in (0.1, 0.5, 0.9)]))
    for k in (0, 1):                                  # the rows are the forecasts scored on the same windows
        rows = bt.forecasts[bt.forecasts["fold"] == k]
        train_end = bt.folds[k]["train_end"]
        for name in ("auto", "theta"):
            got = [r for r in bt.per_fold if r["fold"] == k and r["model"] == name][0]["MASE"]
            assert got == pytest.approx(mase(rows["actual"], rows[name], y.to_numpy()[:train_end], 12))
    assert "auto" in bt.table() and "CRPS" in bt.table()
    fit_calls = []
    auto = f.model._bt_hint[3]                        # the backtest's candidates, kept for a fit on the same data
    real = auto.forecast
    auto.forecast = lambda *a: fit_calls.append(1) or real(*a)
    f.fit(y)                                          # the backtest's final fit is kept: no new validation
    assert fit_calls == [] and len(f.predict()) == 6 and f.model.auto_ is auto


def test_quantile_metrics_match_a_hand_computation():
    rng = np.random.default_rng(1)
    y = rng.normal(size=40)
    q = np.sort(rng.normal(size=(40, 3)), axis=1)
    levels = (0.1, 0.5, 0.9)
    m = quantile_metrics(y, q, levels)
    for j, t in enumerate(levels):
        hand = np.mean([max(t * (a - b), (t - 1) * (a - b)) for a, b in zip(y, q[:, j])])
        assert m[f"pinball@{t:g}"] == pytest.approx(hand)
    assert m["coverage@0.8"] == pytest.approx(np.mean((y >= q[:, 0]) & (y <= q[:, 2])))


# ------------------------------------------------------------------ the CLI
def test_bad_quantiles_exit_2_with_one_line(capsys):
    for q in (["1.5"], ["0"], ["x"]):
        code, _, err = run_cli(["forecast", "--dataset", "nile", "--horizon", "3", "--quantiles", *q], capsys)
        assert code == 2 and len(err.strip().splitlines()) == 1 and "--quantiles" in err, err


def test_cli_predict_and_update_from_a_run_folder_without_refitting(tmp_path, capsys, monkeypatch):
    y = monthly(72)
    csv = tmp_path / "s.csv"
    pd.DataFrame({"month": y.index[:-2].strftime("%Y-%m-%d"), "units": y.to_numpy()[:-2]}).to_csv(csv, index=False)
    new = tmp_path / "new.csv"
    pd.DataFrame({"month": y.index[-2:].strftime("%Y-%m-%d"), "units": y.to_numpy()[-2:]}).to_csv(new, index=False)
    run = tmp_path / "run"
    code, out, err = run_cli(["forecast", "--csv", csv, "--target", "units", "--time-col", "month", "--horizon", "4",
                              "--model", "theta", "--quantiles", "0.2", "0.5", "0.8", "--backtest", "2", "--no-plot",
                              "--out", run], capsys)
    assert code == 0, err
    assert "forecast: backtest (2 folds + final fit), pass 1: candidate theta 1/1" in err   # stages on stderr
    lines = [json.loads(s) for s in (run / "metrics.jsonl").read_text().splitlines()]
    assert lines[-1]["stage"] == "fit" and {r["model"] for r in lines[:-1]} >= {"theta", "naive"}

    def no_fit(*a, **k):
        raise AssertionError("refitted")

    monkeypatch.setattr(AutoModel, "fit", no_fit)
    code, out, err = run_cli(["forecast", "predict", "--run", run, "--json", "--quiet"], capsys)
    assert code == 0, err and err == ""
    saved = pd.read_csv(run / "forecast.csv")
    got = pd.DataFrame(json.loads(out)["forecast"])
    assert list(got.columns) == ["id", "time", "value", "lower", "upper", "q0.2", "q0.5", "q0.8"]
    np.testing.assert_allclose(got["value"], saved["value"])
    code, out, err = run_cli(["forecast", "update", "--run", run, "--csv", new, "--json", "--out", tmp_path / "run2"],
                             capsys)
    assert code == 0, err
    expect = Forecaster.load(run)
    want = expect.update(pd.DataFrame({"month": y.index[-2:], "units": y.to_numpy()[-2:]}))
    got = pd.DataFrame(json.loads(out)["forecast"])
    np.testing.assert_allclose(got["value"], want["value"])
    assert got["time"].iloc[0] == "2016-01-01"
    np.testing.assert_allclose(Forecaster.load(tmp_path / "run2").predict()["value"], want["value"])
    code, _, err = run_cli(["forecast", "predict", "--run", run, "--csv", new], capsys)
    assert code == 2 and "--csv: expected with 'update'" in err
    code, _, err = run_cli(["forecast", "update", "--run", run], capsys)
    assert code == 2 and "--csv: expected the new observations" in err


def test_cli_quiet_prints_no_progress_and_help_shows_defaults(tmp_path, capsys):
    code, out, err = run_cli(["forecast", "--dataset", "nile", "--horizon", "3", "--model", "theta", "--quiet"], capsys)
    assert code == 0 and err == "", err
    assert "theta chose" in out and "forecast (3 steps, theta)" in out
    assert main(["forecast", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    for shown in ("--model", "(default: auto)", "--quantiles", "(default: [0.1, 0.5, 0.9])", "--threads",
                  "predict / update: from the saved --run"):
        assert shown in help_text, shown


def test_cli_older_cell_flag_fits_that_network_with_progress_by_fold(capsys):
    tiny = ["--epochs", "1", "--hidden-size", "4", "--lookback", "6", "--deseasonalize", "none", "--no-plot"]
    code, out, err = run_cli(["forecast", "--dataset", "nile", "--horizon", "3", "--cell", "gru", "--backtest", "2",
                              "--json", *tiny], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["config"]["model"] == "gru" and set(result["backtest"]) >= {"gru", "naive"}
    assert "forecast: fold 1/2" in err and "forecast: fold 2/2, lookback 6" in err
    code, _, err = run_cli(["forecast", "--dataset", "nile", "--horizon", "3", "--cell", "gru", "--quiet", *tiny],
                           capsys)
    assert code == 0 and err == ""


def test_many_series_update_one_id_leaves_the_others():
    t = pd.date_range("2020-01-01", periods=48, freq="MS")
    df = pd.concat([pd.DataFrame({"store": k, "month": t, "units": 20 + 5 * i + np.sin(np.arange(48) / 2)})
                    for i, k in enumerate(["north", "south"])])
    f = Forecaster(horizon=3, candidates=QUICK).fit(df, target="units", time_col="month", id_col="store")
    before = f.predict()
    after = f.update(pd.DataFrame({"store": ["north"], "month": [pd.Timestamp("2024-01-01")], "units": [30.0]}))
    assert after.groupby("id")["time"].first().astype(str).to_dict() == {"north": "2024-02-01", "south": "2024-01-01"}
    south = after[after["id"] == "south"].reset_index(drop=True)
    np.testing.assert_allclose(south["value"], before[before["id"] == "south"]["value"])
    assert f.summary()["series"][0]["length"] == 49


def test_serve_follows_an_auto_run_like_the_python_update(tmp_path):
    from rnnkit.serve.services import ForecastService

    t = pd.date_range("2020-01-01", periods=48, freq="MS")
    df = pd.concat([pd.DataFrame({"id": k, "date": t, "units": 10.0 * i + np.arange(48) + np.sin(np.arange(48))})
                    for i, k in enumerate("ab")])
    Forecaster(horizon=3, candidates=QUICK).fit(df, target="units", time_col="date", id_col="id").save(tmp_path / "run")
    svc = ForecastService(tmp_path / "run", tmp_path / "state")
    assert svc.health()["series"] == ["a", "b"] and svc.health()["horizon"] == 3
    rows = json.loads(svc.forecast())["forecast"]
    assert set(rows[0]) == {"id", "time", "value", "lower", "upper", "q0.1", "q0.5", "q0.9"}
    reply = json.loads(svc.observe([{"id": "a", "time": "2024-01-01", "value": 60.0}]))
    want = Forecaster.load(tmp_path / "run").update(pd.DataFrame({"id": ["a"], "date": ["2024-01-01"],
                                                                   "units": [60.0]}))
    got = pd.DataFrame(reply["forecast"])
    np.testing.assert_allclose(got["value"], want["value"])
    assert got.groupby("id")["time"].first().to_dict() == {"a": "2024-02-01", "b": "2024-01-01"}
