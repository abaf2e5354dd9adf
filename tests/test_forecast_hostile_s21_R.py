"""Hostile inputs of session 21 (helper R): forecasting's CLI and API. Each test fails on the code before its fix
(701558d) unless it says it guards behaviour that was already right."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError


def _cli(argv, capsys):
    from rnnkit.cli.main import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _panel(n=30, ids=("a", "b")):
    rng = np.random.default_rng(0)
    t = pd.date_range("2024-01-01", periods=n, freq="D")
    return pd.concat([pd.DataFrame({"store": s, "date": t.strftime("%Y-%m-%d"), "y": 10 + rng.normal(0, 1, n),
                                    "dow": (t.day_of_week).astype(float)}) for s in ids], ignore_index=True)


def _future(ids=("a", "b"), fmt="%Y-%m-%d", start="2024-01-31", n=2):
    t = pd.date_range(start, periods=n, freq="D")
    return pd.concat([pd.DataFrame({"store": s, "date": t.strftime(fmt), "dow": t.day_of_week.astype(float)})
                      for s in ids], ignore_index=True)


_GRU = ["--target", "y", "--time-col", "date", "--id-col", "store", "--horizon", "2", "--model", "gru", "--epochs",
        "1", "--hidden-size", "4", "--lookback", "4", "--deseasonalize", "none", "--future-covariates", "dow",
        "--quiet", "--json"]


class _Stop(Exception):
    """Raised by a patched fit: the checks before the fit are what is tested."""


@pytest.fixture
def no_fit(monkeypatch):
    from rnnkit.tasks.forecasting import Forecaster

    calls = []

    def fit(self, data, *a, **k):
        calls.append(data)
        raise _Stop("fit reached")

    monkeypatch.setattr(Forecaster, "fit", fit)
    monkeypatch.setattr(Forecaster, "backtest", fit)
    return calls


# ------------------------------------------------------------------ 1a: messages name the flags typed
def test_future_csv_errors_name_the_file_flag(tmp_path, capsys, no_fit):
    """A NaN in --future-csv was reported as '--future-covariates: expected values for every forecast time ...' (the
    CLI wrote the API's 'future_covariates:' as that flag), though the columns named were right and the file bad."""
    data, fut = tmp_path / "d.csv", tmp_path / "f.csv"
    _panel().to_csv(data, index=False)
    _future().assign(dow=[1.0, np.nan, 2.0, 3.0]).to_csv(fut, index=False)
    code, _, err = _cli(["forecast", "--csv", str(data), "--future-csv", str(fut), *_GRU], capsys)
    assert code == 1 and "error: DataError: --future-csv: expected values for every forecast time of series 'a', " \
                          "got NaN" in err, err
    assert not no_fit


def test_future_csv_warnings_name_the_file_flag(tmp_path, capsys, no_fit):
    """Rows of an id never fitted in --future-csv are warned about (documented: a file covering more stores is
    legitimate); the warning said 'future_covariates: rows for ids ...', the API's word for what was --future-csv."""
    data, fut = tmp_path / "d.csv", tmp_path / "f.csv"
    _panel().to_csv(data, index=False)
    _future(ids=("a", "b", "q")).to_csv(fut, index=False)
    with pytest.warns(UserWarning, match=r"^--future-csv: rows for ids the model never fitted are not used: 'q'"):
        code, _, err = _cli(["forecast", "--csv", str(data), "--future-csv", str(fut), *_GRU], capsys)
    assert code == 1 and "fit reached" in err and len(no_fit) == 1


def test_training_warnings_name_the_time_col_flag(tmp_path, capsys):
    """A one-row id of a panel is warned about with the time column's bare name ('date: series 'z' has one row');
    the user typed --time-col date."""
    data = tmp_path / "d.csv"
    pd.concat([_panel(), pd.DataFrame({"store": ["z"], "date": ["2024-01-30"], "y": [5.0], "dow": [1.0]})]).to_csv(
        data, index=False)
    with pytest.warns(UserWarning, match=r"^--time-col 'date': series 'z' has one row"):
        code, out, err = _cli(["forecast", "--csv", str(data), "--target", "y", "--time-col", "date", "--id-col",
                               "store", "--horizon", "2", "--model", "seasonal_naive", "--quiet", "--json"], capsys)
    assert code == 0, err
    assert {r["id"] for r in json.loads(out)["forecast"]} == {"a", "b", "z"}


def test_api_keeps_its_argument_words():
    """Guard: the library's own messages keep the argument names (only the CLI writes them as flags)."""
    from rnnkit.tasks.forecasting.inputs import parse_series

    frame = pd.concat([_panel(), pd.DataFrame({"store": ["z"], "date": ["2024-01-30"], "y": [5.0], "dow": [1.0]})])
    with pytest.warns(UserWarning, match=r"^date: series 'z' has one row"):
        parse_series(frame, target="y", time_col="date", id_col="store", allow_constant=True)


@pytest.fixture(scope="module")
def seasonal_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run") / "run"
    from rnnkit.tasks.forecasting import Forecaster

    Forecaster("seasonal_naive", horizon=2).fit(_panel(), target="y", time_col="date", id_col="store").save(folder)
    return folder


def test_update_errors_name_the_csv_flag(tmp_path, capsys, seasonal_run):
    """`forecast update --csv NEW.csv` whose rows do not continue the series said 'new_points: expected timestamps
    continuing ...': new_points is the API's argument, the user gave --csv."""
    new = tmp_path / "new.csv"
    pd.DataFrame({"store": ["a"], "date": ["2024-02-05"], "y": [1.0], "dow": [0.0]}).to_csv(new, index=False)
    code, _, err = _cli(["forecast", "update", "--run", str(seasonal_run), "--csv", str(new), "--quiet", "--json"],
                        capsys)
    assert code == 1 and "error: DataError: --csv: expected timestamps continuing series 'a'" in err, err


# ------------------------------------------------------------------ --future-csv in another date format
def test_future_csv_in_its_own_date_format_is_read(tmp_path, capsys, no_fit):
    """A training CSV of ISO dates and a --future-csv written 31/01/2024 (a spreadsheet's export) was refused as
    "expected every date in date_format 'ISO8601'", a format the user never gave. The file's one reading is taken
    (oracle: the same rows written as ISO dates); the fit is reached."""
    from rnnkit.cli.forecast_runs import read_future_csv

    data, iso, dmy = tmp_path / "d.csv", tmp_path / "iso.csv", tmp_path / "dmy.csv"
    _panel().to_csv(data, index=False)
    _future().to_csv(iso, index=False)
    _future(fmt="%d/%m/%Y").to_csv(dmy, index=False)
    args = {"target": "y", "time_col": "date", "id_col": "store", "future_covariates": "dow"}
    pd.testing.assert_frame_equal(read_future_csv(dmy, args, "ISO8601"), read_future_csv(iso, args, "ISO8601"),
                                  check_like=True)
    code, _, err = _cli(["forecast", "--csv", str(data), "--future-csv", str(dmy), *_GRU], capsys)
    assert code == 1 and "fit reached" in err and len(no_fit) == 1, err


def test_future_csv_read_with_the_fits_format_first(tmp_path):
    """A day-first fit reads its future file's 01/02/2024 day first too (ambiguous alone); a file whose own dates
    are ambiguous and not in the fit's format is a DataError naming --future-csv and the fit's format."""
    from rnnkit.cli.forecast_runs import read_future_csv

    args = {"time_col": "date", "id_col": "store"}
    f = tmp_path / "f.csv"
    _future(fmt="%d/%m/%Y", start="2024-02-01").to_csv(f, index=False)     # 01/02/2024, 02/02/2024: ambiguous
    got = read_future_csv(f, args, "%d/%m/%Y")
    assert got["date"].tolist()[:2] == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-02")]
    with pytest.raises(DataError, match=r"^--future-csv: time_col 'date': expected dates with one reading, got an "
                                        r"ambiguous column.*; write --future-csv's dates as --csv's \('ISO8601'"):
        read_future_csv(f, args, "ISO8601")


# ------------------------------------------------------------------ predict / update of a run with future covariates
@pytest.fixture(scope="module")
def covariate_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cov")
    data, fut = folder / "d.csv", folder / "f.csv"
    _panel(n=24).to_csv(data, index=False)
    _future(start="2024-01-25").to_csv(fut, index=False)
    from rnnkit.cli.main import main

    assert main(["forecast", "--csv", str(data), "--future-csv", str(fut), *_GRU, "--out", str(folder / "run"),
                 "--no-plot", "--threads", "1"]) == 0
    return folder


def test_predict_of_a_run_with_future_covariates_takes_future_csv(covariate_run, capsys):
    """A run fitted with --future-covariates could not be forecast by 'predict --run': without their next rows it
    stopped with '--future-covariates: expected the next 2 values ...', and --future-csv was refused as a training
    flag. Now --future-csv gives them (oracle: the saved forecaster's predict with the same frame)."""
    from rnnkit.tasks.forecasting import Forecaster

    run, fut = covariate_run / "run", covariate_run / "f.csv"
    code, _, err = _cli(["forecast", "predict", "--run", str(run), "--quiet", "--json"], capsys)
    assert code == 1 and "--future-csv: expected the next 2 values of the known-future covariates" in err, err
    code, out, err = _cli(["forecast", "predict", "--run", str(run), "--future-csv", str(fut), "--quiet", "--json"],
                          capsys)
    assert code == 0, err
    frame = _future(start="2024-01-25")
    frame["date"] = pd.to_datetime(frame["date"])
    want = Forecaster.load(run).predict(future_covariates=frame)
    got = json.loads(out)["forecast"]
    assert [r["value"] for r in got] == pytest.approx(want["value"].tolist(), rel=1e-6)


def test_update_of_a_run_with_future_covariates_takes_future_csv(covariate_run, tmp_path, capsys):
    """update --csv NEW.csv --future-csv F.csv: the new day appended, the next two days' covariates from F.csv
    (oracle: the saved forecaster's update with the same frames)."""
    from rnnkit.tasks.forecasting import Forecaster

    run = covariate_run / "run"
    new, fut = tmp_path / "new.csv", tmp_path / "f.csv"
    t = pd.Timestamp("2024-01-25")
    pd.DataFrame({"store": ["a", "b"], "date": [t.strftime("%Y-%m-%d")] * 2, "y": [10.5, 9.5],
                  "dow": [float(t.day_of_week)] * 2}).to_csv(new, index=False)
    _future(start="2024-01-26").to_csv(fut, index=False)
    code, out, err = _cli(["forecast", "update", "--run", str(run), "--csv", str(new), "--future-csv", str(fut),
                           "--quiet", "--json"], capsys)
    assert code == 0, err
    f = Forecaster.load(run)
    frame, points = _future(start="2024-01-26"), pd.read_csv(new)
    frame["date"], points["date"] = pd.to_datetime(frame["date"]), pd.to_datetime(points["date"])
    want = f.update(points, future_covariates=frame)
    assert [r["value"] for r in json.loads(out)["forecast"]] == pytest.approx(want["value"].tolist(), rel=1e-6)
    assert json.loads(out)["forecast"][0]["time"].startswith("2024-01-26")

