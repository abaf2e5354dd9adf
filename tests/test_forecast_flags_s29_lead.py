"""Two forecast flag pairs from helper C's all-pairs run (session 29): predict took --time-col / --target /
--date-format / --dayfirst and ignored them (it reads no columns); a backtest fold too short for the network said
"got 50" of a 90-value series without naming the folds that cut it. (A run with known-future covariates predicted
without --future-csv keeps its message, "--future-csv: expected the next 2 values ...": test_forecast_hostile_s21_R.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.main import main

pytestmark = pytest.mark.usefixtures("one_thread")


def _csv(path, n, covariate=False):
    frame = {"date": pd.date_range("2020-01-01", periods=n, freq="MS").strftime("%Y-%m-%d"),
             "y": 100 + 10 * np.sin(np.arange(n) / 12 * 2 * np.pi)}
    if covariate:
        frame["promo"] = np.arange(n) % 2
    pd.DataFrame(frame).to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="module")
def naive_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("naive")
    assert main(["forecast", "--csv", _csv(d / "a.csv", 48), "--target", "y", "--time-col", "date", "--model",
                 "seasonal_naive", "--horizon", "3", "--quiet", "--threads", "1", "--out", str(d / "run")]) == 0
    return str(d / "run")


@pytest.mark.parametrize("flag", [["--time-col", "date"], ["--target", "y"], ["--date-format", "%Y-%m-%d"],
                                  ["--dayfirst"]])
def test_predict_refuses_the_column_flags_it_does_not_read(naive_run, flag, capsys):
    assert main(["forecast", "predict", "--run", naive_run, *flag]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"error: {flag[0]}: expected with 'update' (--csv's columns) or a training run, " \
                                    "got it with 'predict'" in err, err
    assert main(["forecast", "predict", "--run", naive_run]) == 0


def test_a_backtest_fold_too_short_names_the_fold(tmp_path, capsys):
    argv = ["forecast", "--csv", _csv(tmp_path / "c.csv", 90), "--target", "y", "--time-col", "date", "--model", "gru",
            "--epochs", "1", "--horizon", "20", "--quiet", "--threads", "1"]
    assert main(argv + ["--backtest", "2"]) == 1
    err = capsys.readouterr().err
    assert "DataError: backtest fold 1 of 2 (each series without its last 40 values, held back for the folds' tests): " \
           "series 'y': too short" in err and "got 50" in err, err
