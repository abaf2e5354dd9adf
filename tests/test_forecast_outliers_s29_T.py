"""Issue 16, session 29 (helper T): ``outliers="missing"`` / ``--outliers missing`` -- a lone value (the rule
``warn_lone_value`` warns with, :func:`rnnkit.tasks.forecasting.input_values.lone_value`) read as missing where the
series is read. The oracle is the same series with that cell emptied (a missing value is interpolated as today):
forecasts equal bit for bit; where nothing is flagged, the option changes nothing (bit for bit). Every test fails at
435b85f (no such option: "Forecaster: ... unexpected keyword argument 'outliers'")."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import CheckpointError, ConfigError
from rnnkit.tasks.forecasting import Forecaster, ForecastConfig

STATS = ("theta", "seasonal_naive", "naive")     # quick ones: the reading is under test, not the models
BASE = ("naive", "seasonal_naive")


def _series(seed: int = 0, n: int = 96) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, n)


def _frame(y: np.ndarray, **more) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range("2000-01-01", periods=len(y), freq="MS"), "y": y, **more})


def _fit(y, mode, model="auto", horizon=12, **kw):
    cfg = dict(candidates=STATS) if model == "auto" and "candidates" not in kw else {}
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        f = Forecaster(model, horizon=horizon, outliers=mode, **cfg, **kw).fit(_frame(y), target="y", time_col="date")
    return f, [str(w.message) for w in seen]


@pytest.mark.parametrize("bad", [True, "Missing", None, 1, "drop", ["missing"]])
def test_outliers_takes_warn_or_missing_only(bad):
    with pytest.raises(ConfigError, match=r"^outliers: expected one of \['warn', 'missing'\], got "):
        ForecastConfig(outliers=bad)
    with pytest.raises(ConfigError, match=r"^outliers: expected one of"):
        Forecaster("ets", outliers=bad)


def test_the_default_is_missing_and_a_run_saved_before_keeps_warn(tmp_path):
    # adopted by the pre-registered check (scratch s29/T/DECISIONS.md): the default reads a lone value as missing;
    # a run saved before the option existed read every value as given, and its updates still do
    assert ForecastConfig().outliers == "missing" and Forecaster().config.outliers == "missing"
    y = _series(0)
    y[30] = 1e12
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster("theta", horizon=3).fit(_frame(y), target="y", time_col="date")
    assert f.summary()["series"][0]["outliers_missing"] == [{"time": "2002-07-01", "value": 1e12}]
    f.save(tmp_path / "run")
    cfg = json.loads((tmp_path / "run" / "config.json").read_text())
    del cfg["config"]["outliers"]
    (tmp_path / "run" / "config.json").write_text(json.dumps(cfg))
    from rnnkit.training.checkpoint import write_digests
    write_digests(tmp_path / "run", ["config.json", "auto/digests.json", "auto/candidate.json"])
    assert Forecaster.load(tmp_path / "run").config.outliers == "warn"


@pytest.mark.parametrize("model", ["auto", "theta"])
def test_nothing_flagged_gives_byte_identical_forecasts_and_backtests(model):
    from rnnkit.tasks.forecasting.input_values import lone_value
    y = _series(3)
    assert lone_value(y) is None
    a, b = _fit(y, "warn", model)[0], _fit(y, "missing", model)[0]
    pd.testing.assert_frame_equal(a.predict(), b.predict(), check_exact=True)
    assert b.summary()["series"][0]["outliers_missing"] == []
    cfg = dict(candidates=STATS) if model == "auto" else {}
    bt = [Forecaster(model, horizon=12, outliers=m, **cfg).backtest(_frame(y), folds=2, target="y", time_col="date",
                                                                    baselines=BASE) for m in ("warn", "missing")]
    pd.testing.assert_frame_equal(bt[0].forecasts, bt[1].forecasts, check_exact=True)
    assert json.dumps(bt[0].metrics, sort_keys=True) == json.dumps(bt[1].metrics, sort_keys=True)   # (NaN cells)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("pos", [12, 36, 60])
def test_a_lone_1e12_is_read_as_the_emptied_cell(seed, pos):
    # typo at 12/36/60 of 96: with outliers='missing' the forecast is exactly that of the series with the cell empty
    # (auto over ETS, Theta and seasonal naive at one place; Theta elsewhere: the reading is what is under test)
    y = _series(seed)
    typo, empty = y.copy(), y.copy()
    typo[pos], empty[pos] = 1e12, np.nan
    model, kw = ("auto", {"candidates": ("ets", "theta", "seasonal_naive")}) if (seed, pos) == (0, 60) else ("theta", {})
    f, said = _fit(typo, "missing", model, **kw)
    g = _fit(empty, "warn", model, **kw)[0]
    np.testing.assert_array_equal(f.predict()["value"].to_numpy(), g.predict()["value"].to_numpy())
    when = pd.Timestamp("2000-01-01") + pd.DateOffset(months=pos)
    assert f.summary()["series"][0]["outliers_missing"] == [{"time": f"{when:%Y-%m-%d}", "value": 1e12}]
    lone = [m for m in said if "one value (1e+12" in m]
    assert len(lone) == 1 and f"at time {when:%Y-%m-%d}" in lone[0] and "series 'y'" in lone[0]
    assert "treated as missing" in lone[0]


@pytest.mark.parametrize("pos", [12, 36, 60])
def test_a_1e5_is_not_lone_and_nothing_changes(pos):
    # 1e5 among values of ~100: the others' variation is not noise beside it (the rule's 1e-3), so it is neither
    # warned about nor read as missing: the forecasts are the same bit for bit
    y = _series(0)
    y[pos] = 1e5
    a, said = _fit(y, "missing", "theta")
    b = _fit(y, "warn", "theta")[0]
    assert not [m for m in said if "one value" in m]
    pd.testing.assert_frame_equal(a.predict(), b.predict(), check_exact=True)


def test_the_user_frame_is_not_changed():
    y = _series(0)
    y[40] = 1e12
    df = _frame(y)
    before = df.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Forecaster("ets", horizon=3, outliers="missing").fit(df, target="y", time_col="date")
    pd.testing.assert_frame_equal(df, before, check_exact=True)


def test_a_typo_in_a_test_window_stays_in_its_truth_but_not_in_the_inputs():
    # the last fold's test window holds the typo: its truth is what was observed (the typo, scored), while every
    # fold's inputs are the series with the cell emptied -- the forecasts equal that series' backtest
    y = _series(1)
    typo, empty = y.copy(), y.copy()
    typo[90], empty[90] = 1e12, np.nan
    bts = []
    for data, mode in ((typo, "missing"), (empty, "warn")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bts.append(Forecaster("theta", horizon=6, outliers=mode).backtest(_frame(data), folds=3, target="y",
                                                                              time_col="date", baselines=BASE))
    a, b = (bt.forecasts for bt in bts)
    np.testing.assert_array_equal(a["theta"].to_numpy(), b["theta"].to_numpy())
    np.testing.assert_array_equal(a["seasonal_naive"].to_numpy(), b["seasonal_naive"].to_numpy())
    at = a["time"] == pd.Timestamp("2007-07-01")
    assert a.loc[at, "actual"].tolist() == [1e12] and a.loc[at, "observed"].tolist() == [True]
    assert b.loc[at, "observed"].tolist() == [False]            # the emptied cell is not scored
    assert bts[0].metrics["theta"]["MAE"] > 1e10                 # the typo is scored as observed


def test_a_typo_in_a_training_part_is_kept_out_of_the_scale():
    # earlier folds train on parts holding the typo: with 'missing' they are the emptied series' parts, so MASE's
    # scale (the training part's seasonal differences) is not made of the typo
    y = _series(2)
    typo, empty = y.copy(), y.copy()
    typo[30], empty[30] = 1e12, np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = (Forecaster("theta", horizon=6, outliers=m).backtest(_frame(d), folds=2, target="y", time_col="date",
                                                                   baselines=BASE)
                for d, m in ((typo, "missing"), (empty, "warn")))
    assert json.dumps(a.metrics, sort_keys=True) == json.dumps(b.metrics, sort_keys=True)
    assert 0.1 < a.metrics["theta"]["MASE"] < 10


def test_a_panel_is_screened_per_series():
    ya, yb = _series(0), _series(1)
    yb[50] = 1e12
    df = pd.concat([_frame(ya).assign(store="a"), _frame(yb).assign(store="b")], ignore_index=True)
    clean = pd.concat([_frame(ya).assign(store="a"), _frame(np.where(np.arange(96) == 50, np.nan, yb)).assign(store="b")],
                      ignore_index=True)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        f = Forecaster("theta", horizon=4, outliers="missing").fit(df, target="y", time_col="date", id_col="store")
    g = Forecaster("theta", horizon=4).fit(clean, target="y", time_col="date", id_col="store")
    pd.testing.assert_frame_equal(f.predict(), g.predict(), check_exact=True)
    rec = {s["id"]: s["outliers_missing"] for s in f.summary()["series"]}
    assert rec == {"a": [], "b": [{"time": "2004-03-01", "value": 1e12}]}
    assert any("in series 'b'" in str(w.message) and "treated as missing" in str(w.message) for w in seen)


def test_with_resample_the_binned_value_is_screened():
    # irregular daily stamps put on the grid (--resample): a bin holding the typo is the lone value
    y = _series(0, 120)
    y[70] = 1e12
    times = pd.date_range("2020-01-01", periods=120, freq="D")
    keep = np.ones(120, bool)
    keep[[5, 33, 99]] = False                      # three days without a row: the grid fills them
    df = pd.DataFrame({"date": times[keep], "y": y[keep]})
    empty = df.copy()
    empty.loc[empty["date"] == times[70], "y"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster("theta", horizon=7, outliers="missing", resample=True).fit(df, target="y", time_col="date")
        g = Forecaster("theta", horizon=7, resample=True).fit(empty, target="y", time_col="date")
    pd.testing.assert_frame_equal(f.predict(), g.predict(), check_exact=True)
    assert f.summary()["series"][0]["outliers_missing"] == [{"time": "2020-03-11", "value": 1e12}]


def test_update_screens_the_new_points_and_the_run_keeps_the_record(tmp_path):
    y = _series(0, 108)
    f = _fit(y[:96], "missing", "theta")[0]
    g = _fit(y[:96], "warn", "theta")[0]
    new = pd.Series(y[96:102].copy(), index=pd.date_range("2008-01-01", periods=6, freq="MS"))
    new.iloc[3] = 1e12
    empty = new.copy()
    empty.iloc[3] = np.nan
    with pytest.warns(UserWarning, match=r"new_points of series 'y': one value \(1e\+12 at time 2008-04-01\).*treated "
                                         r"as missing"):
        a = f.update(new)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = g.update(empty)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert f.summary()["series"][0]["outliers_missing"] == [{"time": "2008-04-01", "value": 1e12}]
    f.save(tmp_path / "run")
    back = Forecaster.load(tmp_path / "run")
    assert back.config.outliers == "missing"
    assert back.summary()["series"][0]["outliers_missing"] == [{"time": "2008-04-01", "value": 1e12}]
    pd.testing.assert_frame_equal(back.predict(), a, check_exact=True)


def test_update_with_warn_warns_and_keeps_the_value():
    y = _series(0, 108)
    f = _fit(y[:96], "warn", "theta")[0]
    new = y[96:102].copy()
    new[2] = 1e12
    with pytest.warns(UserWarning, match=r"new_points of series 'y': one value \(1e\+12 .*outliers='missing'"):
        f.update(new)
    assert f.summary()["series"][0]["outliers_missing"] == []
    assert f.predict()["value"].abs().max() > 1e6         # kept: today's behaviour, warned


def test_a_saved_record_that_was_edited_is_refused(tmp_path):
    y = _series(0)
    y[20] = 1e12
    f = _fit(y, "missing", "theta")[0]
    f.save(tmp_path / "run")
    cfg = json.loads((tmp_path / "run" / "config.json").read_text())
    assert cfg["series"][0]["outliers"] == [[20, 1e12]]
    cfg["series"][0]["outliers"] = [[500, 1e12]]
    (tmp_path / "run" / "config.json").write_text(json.dumps(cfg))
    from rnnkit.training.checkpoint import write_digests          # digests rewritten: the value check must refuse
    write_digests(tmp_path / "run", ["config.json", "auto/digests.json", "auto/candidate.json"])
    with pytest.raises(CheckpointError, match=r"series.outliers: expected \[\[position, value\], \.\.\.\] with "
                                              r"positions below 96"):
        Forecaster.load(tmp_path / "run")


def test_a_lone_value_in_a_covariate_is_read_as_missing_too():
    y = _series(0, 80)
    x = np.cos(np.arange(80) / 3.0)
    typo, empty = x.copy(), x.copy()
    typo[30], empty[30] = 1e12, np.nan
    kw = dict(horizon=4, epochs=2, hidden_size=4, lookback=12, windows_per_epoch=32)
    out = []
    for data, mode in ((typo, "missing"), (empty, "warn")):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            f = Forecaster("gru", outliers=mode, **kw).fit(_frame(y, x=data), target="y", time_col="date",
                                                           past_covariates="x")
        out.append((f.predict(), [str(w.message) for w in seen]))
    pd.testing.assert_frame_equal(out[0][0], out[1][0], check_exact=True)
    assert any(m.startswith("covariate 'x' in series 'y': one value (1e+12") for m in out[0][1])


def _cli(args):
    from rnnkit.cli.main import main
    return main(args)


def test_cli_reads_a_lone_value_as_missing_by_default_and_records_it(tmp_path, capsys):
    y = _series(0)
    y[60] = 1e12
    _frame(y).to_csv(tmp_path / "s.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = _cli(["forecast", "--csv", str(tmp_path / "s.csv"), "--target", "y", "--time-col", "date", "--horizon",
                   "6", "--model", "theta", "--threads", "1", "--no-plot", "--json", "--quiet",
                   "--out", str(tmp_path / "run")])
    assert rc == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["preprocessing"][0]["outliers_missing"] == [{"time": "2005-01-01", "value": 1e12}]
    printed = json.loads(capsys.readouterr().out)
    assert printed["config"]["outliers"] == "missing" and printed["forecast"][0]["value"] < 1e3
    assert json.loads((tmp_path / "run" / "config.json").read_text())["config"]["outliers"] == "missing"


def test_cli_outliers_flag_refuses_other_values_and_saved_runs(tmp_path, capsys):
    assert _cli(["forecast", "--dataset", "nile", "--horizon", "3", "--outliers", "drop"]) == 2
    assert "--outliers: invalid choice: 'drop'" in capsys.readouterr().err
    rc = _cli(["forecast", "predict", "--run", str(tmp_path), "--outliers", "warn"])
    assert rc == 2
    assert "--outliers: expected only with a training run" in capsys.readouterr().err
