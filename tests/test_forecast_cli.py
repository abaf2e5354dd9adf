"""``rnnkit forecast``: the --json contract, the files in --out, and a one-line typed error (exit 1 or 2,
no traceback) for every bad input the issue lists."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.main import main

FAST = ["--model", "lstm", "--epochs", "2", "--hidden-size", "8", "--seed", "1"]


def write_csv(tmp_path, frame, name="data.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def sales(n=72, ids=("north", "south")):
    rows = []
    for k, sid in enumerate(ids):
        t = np.arange(n)
        y = 100 + k * 10 + 0.5 * t + 8 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(k).normal(size=n)
        rows.append(pd.DataFrame({"store": sid, "month": pd.date_range("2015-01-01", periods=n, freq="MS")
                                  .strftime("%Y-%m-%d"), "units": y}))
    return pd.concat(rows, ignore_index=True)


def run_cli(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_horizon_rows_per_id_and_the_backtest_table(tmp_path, capsys):
    csv = write_csv(tmp_path, sales())
    out_dir = tmp_path / "run"
    code, out, err = run_cli(["forecast", "--csv", csv, "--target", "units", "--time-col", "month", "--id-col",
                              "store", "--horizon", "3", "--backtest", "2", "--lookback", "12", "--json",
                              "--out", str(out_dir), *FAST], capsys)
    assert code == 0, err
    result = json.loads(out)
    fc = pd.DataFrame(result["forecast"])
    assert list(fc.columns) == ["id", "time", "value", "lower", "upper", "q0.1", "q0.5", "q0.9"]
    assert fc.groupby("id").size().to_dict() == {"north": 3, "south": 3}
    assert fc[fc["id"] == "north"]["time"].tolist() == ["2021-01-01", "2021-02-01", "2021-03-01"]
    assert set(result["backtest"]) == {"lstm", "naive", "seasonal_naive", "drift", "ets"}
    for name, row in result["backtest"].items():
        quantile_keys = {"pinball@0.1", "pinball@0.5", "pinball@0.9", "CRPS", "coverage@0.8"} if name == "lstm" else set()
        assert set(row) == {"MAE", "RMSE", "sMAPE", "MASE", "coverage"} | quantile_keys, name
    assert result["config"]["horizon"] == 3 and result["config"]["cell"] == "lstm"
    assert result["preprocessing"][0]["period"]["period"] == 12
    for name in ("forecast.csv", "metrics.json", "forecast.png", "model.safetensors", "config.json"):
        assert (out_dir / name).is_file(), name
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["backtest"] == result["backtest"]
    from rnnkit.tasks.forecasting import Forecaster

    again = Forecaster.load(out_dir).predict()
    np.testing.assert_allclose(again["value"], fc["value"], rtol=1e-5)
    code, out, err = run_cli(["forecast", "predict", "--run", str(out_dir), "--json"], capsys)   # no refit
    assert code == 0, err
    np.testing.assert_allclose(pd.DataFrame(json.loads(out)["forecast"])["value"], fc["value"], rtol=1e-5)


def test_text_output_prints_the_model_vs_baselines_table(capsys):
    code, out, err = run_cli(["forecast", "--dataset", "nile", "--horizon", "5", "--backtest", "2", "--lookback",
                              "10", *FAST], capsys)
    assert code == 0, err
    assert "seasonal_naive" in out and "MASE" in out and "forecast (5 steps" in out


BAD = {
    "missing target column": (["--target", "sold"], "target: column 'sold' not found", 1),
    "missing time column": (["--target", "units", "--time-col", "when"],
                            "--csv: expected a time column 'when', got columns ['month', 'units']", 1),
    "horizon zero": (["--target", "units", "--horizon", "0"], "--horizon: expected a positive int, got 0", 2),
    "horizon negative": (["--target", "units", "--horizon", "-3"], "--horizon: expected a positive int", 2),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_arguments_give_one_line_errors(case, tmp_path, capsys):
    extra, message, exit_code = BAD[case]
    csv = write_csv(tmp_path, sales(ids=("a",)).drop(columns="store"))
    argv = ["forecast", "--csv", csv, "--time-col", "month", "--horizon", "3", *extra]
    if "--time-col" in extra:
        argv = ["forecast", "--csv", csv, "--horizon", "3", *extra]
    code, out, err = run_cli(argv, capsys)
    assert code == exit_code
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def bad_frame(kind):
    t = pd.date_range("2020-01-01", periods=60, freq="D")
    y = np.sin(np.arange(60) / 3) + np.arange(60) * 0.1
    df = pd.DataFrame({"day": t.strftime("%Y-%m-%d"), "y": y})
    if kind == "non-numeric":
        df["y"] = df["y"].astype(str)
        df.loc[7, "y"] = "twelve"
    elif kind == "duplicates":
        df.loc[10, "day"] = df.loc[9, "day"]
    elif kind == "gaps":
        df = df.drop(index=[20, 21, 40]).reset_index(drop=True)
    elif kind == "all-nan":
        df["y"] = np.nan
    elif kind == "constant":
        df["y"] = 4.0
    elif kind == "short":
        df = df.iloc[:12]
    return df


DATA_ERRORS = {
    "non-numeric": "expected numeric values, got dtype",
    "duplicates": "expected unique timestamps in series 'y', got 1 duplicate",
    "gaps": "irregular gaps (3 missing timestamps)",
    "all-nan": "expected some values, got all 60 missing",
    "constant": "expected a varying series, got a constant",
    "short": "too short for the shortest automatic lookback, 7 + --horizon 7",   # the flag typed (session 22)
}


@pytest.mark.parametrize("kind", sorted(DATA_ERRORS))
def test_bad_data_gives_one_line_errors(kind, tmp_path, capsys):
    csv = write_csv(tmp_path, bad_frame(kind))
    code, out, err = run_cli(["forecast", "--csv", csv, "--target", "y", "--time-col", "day", "--horizon", "7",
                              *FAST], capsys)
    assert code == 1, err
    assert err.startswith("rnnkit forecast: error: DataError: ")
    assert DATA_ERRORS[kind] in err and len(err.strip().splitlines()) == 1


def test_resample_puts_gaps_on_the_grid(tmp_path, capsys):
    csv = write_csv(tmp_path, bad_frame("gaps"))
    code, out, err = run_cli(["forecast", "--csv", csv, "--target", "y", "--time-col", "day", "--horizon", "4",
                              "--resample", "--lookback", "7", "--json", *FAST], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["preprocessing"][0]["timestamps_resampled"] == 3
    assert result["preprocessing"][0]["missing_interpolated"] == 3
    assert len(result["forecast"]) == 4


def test_unknown_dataset_and_missing_source(tmp_path, capsys):
    code, _, err = run_cli(["forecast", "--dataset", "bitcoin", "--horizon", "3"], capsys)
    assert code == 2 and "--dataset: expected one of" in err and "'bitcoin'" in err
    code, _, err = run_cli(["forecast", "--horizon", "3"], capsys)
    assert code == 2 and "exactly one of --csv PATH or --dataset NAME, got neither" in err
    code, _, err = run_cli(["forecast", "--csv", str(tmp_path / "nope.csv"), "--target", "y", "--horizon", "3"], capsys)
    assert code == 1 and "not found" in err and len(err.strip().splitlines()) == 1


def test_vega_series_say_how_to_install_when_missing(monkeypatch):
    import importlib.util

    from rnnkit.data import series
    from rnnkit.errors import DataError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "vega_datasets" else real(name, *a))
    with pytest.raises(DataError, match=r"pip install --no-deps vega_datasets==0\.9\.0"):
        series.load_seattle_weather()
    from rnnkit.data.registry import get_dataset

    with pytest.raises(DataError, match="install it with: pip install --no-deps vega_datasets==0.9.0"):
        get_dataset("seattle_temps").load()


def test_bundled_series_load_with_a_regular_index():
    pytest.importorskip("vega_datasets")
    from rnnkit.data.registry import list_datasets
    from rnnkit.data.transforms import infer_frequency

    names = [d.name for d in list_datasets("series")]
    for name in ("co2", "nile", "sunspots", "elec_equip", "macrodata_realgdp", "seattle_temp_max",
                 "seattle_temps", "stocks"):
        assert name in names
    for d in list_datasets("series"):
        data = d.load()
        if isinstance(data, pd.Series):
            info = infer_frequency(data.index)
            assert info.missing_stamps == 0 and info.off_grid == 0, d.name
        else:
            assert set(data.attrs["columns"].values()) <= set(data.columns)


# ------------------------------------------------------------------ dates: --date-format / --dayfirst (issue 14 item 5)
TINY = ["--model", "lstm", "--epochs", "1", "--hidden-size", "4", "--lookback", "4", "--deseasonalize", "none", "--interval", "none",
        "--no-plot", "--json"]


def day_first_csv(tmp_path, n=40, shuffle=False):
    """Daily values written day first (13/01/2021): the first 12 days of each month read both ways."""
    days = pd.date_range("2021-01-01", periods=n, freq="D")
    frame = pd.DataFrame({"day": days.strftime("%d/%m/%Y"), "y": np.sin(np.arange(n) / 3.0) + 5})
    if shuffle:
        frame = frame.sample(frac=1.0, random_state=0)
    return write_csv(tmp_path, frame, "days.csv"), days


@pytest.mark.parametrize("flags", [["--dayfirst"], ["--dayfirst", "true"], ["--date-format", "%d/%m/%Y"]])
def test_dayfirst_and_date_format_read_day_first_dates(flags, tmp_path, capsys):
    csv, days = day_first_csv(tmp_path, shuffle=True)
    code, out, err = run_cli(["forecast", "--csv", csv, "--target", "y", "--time-col", "day", "--horizon", "2",
                              *flags, *TINY], capsys)
    assert code == 0, err
    result = json.loads(out)
    expected = [(days[-1] + pd.Timedelta(days=k)).strftime("%Y-%m-%d") for k in (1, 2)]
    assert [r["time"] for r in result["forecast"]] == expected        # the grid continues the true last day
    pre = result["preprocessing"][0]
    assert pre["frequency"] == "D" and pre["length"] == len(days) and pre["missing_interpolated"] == 0
    assert pre["rows_reordered"] > 0                                  # the shuffled rows were sorted, and said so


def test_ambiguous_dates_name_the_flags_and_month_first_is_refused(tmp_path, capsys):
    csv, _ = day_first_csv(tmp_path, n=12)                            # 01/01 .. 12/01: both readings fit
    base = ["forecast", "--csv", csv, "--target", "y", "--time-col", "day", "--horizon", "2", *TINY]
    code, _, err = run_cli(base, capsys)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and "--date-format" in lines[0] and "--dayfirst" in lines[0]
    csv, _ = day_first_csv(tmp_path, n=40)                            # 13/01 exists: only day first fits
    code, _, err = run_cli(base[:2] + [csv] + base[3:] + ["--dayfirst", "false"], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "DataError" in err


def test_date_flags_are_checked_against_the_input(tmp_path, capsys):
    csv, _ = day_first_csv(tmp_path)
    code, _, err = run_cli(["forecast", "--dataset", "nile", "--horizon", "2", "--dayfirst"], capsys)
    assert code == 2 and "--dayfirst: expected --csv with --time-col" in err
    code, _, err = run_cli(["forecast", "--csv", csv, "--target", "y", "--horizon", "2", "--date-format", "%d"],
                           capsys)
    assert code == 2 and "--date-format: expected --csv with --time-col (the dates it reads), got no --time-col" in err
    code, _, err = run_cli(["forecast", "--csv", csv, "--target", "y", "--time-col", "day", "--horizon", "2",
                            "--date-format", "%d/%m/%Y", "--dayfirst"], capsys)
    assert code == 2 and err.strip().splitlines() == [err.strip()] and "--dayfirst: expected no --dayfirst with --date-format" in err
    code, _, err = run_cli(["forecast", "--csv", csv, "--target", "y", "--time-col", "day", "--horizon", "2",
                            "--dayfirst", "maybe"], capsys)
    assert code == 2 and "argument --dayfirst: expected true/false, got 'maybe'" in err


def test_dayfirst_from_a_config_file(tmp_path, capsys):
    csv, days = day_first_csv(tmp_path)
    (tmp_path / "c.toml").write_text("dayfirst = true\n")
    code, out, err = run_cli(["forecast", "--csv", csv, "--target", "y", "--time-col", "day", "--horizon", "1",
                              "--config", str(tmp_path / "c.toml"), *TINY], capsys)
    assert code == 0, err
    assert json.loads(out)["forecast"][0]["time"] == (days[-1] + pd.Timedelta(days=1)).strftime("%Y-%m-%d")


@pytest.mark.parametrize("flags", [["--model", "lstm"], ["--epochs", "3"], ["--quantiles", "0.2", "0.8"],
                                   ["--seed", "4"], ["--transform", "log"], ["--id-col", "store"]])
def test_predict_and_update_refuse_the_flags_of_a_fit_instead_of_ignoring_them(tmp_path, capsys, flags):
    csv = write_csv(tmp_path, sales(ids=("north",)).drop(columns="store"))
    run_dir = tmp_path / "run"
    code, _, err = run_cli(["forecast", "--csv", csv, "--target", "units", "--time-col", "month", "--model", "ets",
                            "--horizon", "3", "--no-plot", "--quiet", "--out", str(run_dir)], capsys)
    assert code == 0, err
    code, out, err = run_cli(["forecast", "predict", "--run", str(run_dir), *flags], capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and f"{flags[0]}: expected only with a training run" in lines[0], err
    code, out, err = run_cli(["forecast", "predict", "--run", str(run_dir), "--horizon", "2", "--json"], capsys)
    assert code == 0 and len(json.loads(out)["forecast"]) == 2, err
