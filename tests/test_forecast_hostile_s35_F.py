"""Hostile forecasting inputs, session 35 (helper F, issue 16): a CSV cell ``1e400`` is named as a number too large
for float64 (its text, data row and column), not as "got inf"; ETS on a series shorter than 10 values (an 8-value
straight line forecast 8, 8) says that it was fitted without a trend, and why (statsmodels, run here)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.main import main

pytestmark = pytest.mark.usefixtures("one_thread")


def _write(path, cells, extra=None):
    rows = ["t,y" + (",x" if extra else "")]
    for i, v in enumerate(cells):
        rows.append(f"{(pd.Timestamp('2020-01-01') + pd.Timedelta(days=i)).date()},{v}" + (f",{extra[i]}" if extra else ""))
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def _argv(csv, *more):
    return ["forecast", "--csv", csv, "--target", "y", "--time-col", "t", "--model", "ets", "--horizon", "2",
            "--quiet", "--no-plot", "--threads", "1", *more]


@pytest.mark.parametrize("text", ["1e400", "-1.5E+309", "2e999999"])
def test_a_number_beyond_float64_is_named_with_its_text_and_row(tmp_path, capsys, text):
    cells = [str(100 + i) for i in range(30)]
    cells[6] = text
    assert main(_argv(_write(tmp_path / "a.csv", cells), "--out", str(tmp_path / "run"))) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"got {text!r} in data row 7 at time 2020-01-07: a number too large for float64" in err, err
    assert "--target 'y'" in err and "got inf" not in err


def test_a_covariate_beyond_float64_is_named_too(tmp_path, capsys):
    extra = list(range(40))
    extra[5] = "-1e999"
    argv = _argv(_write(tmp_path / "c.csv", [100 + i for i in range(40)], extra), "--past-covariates", "x")
    argv[argv.index("ets")] = "lstm"
    assert main(argv + ["--epochs", "1", "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "--past-covariates 'x'" in err and "got '-1e999' in data row 6" in err and "too large for float64" in err, err


def test_a_cell_written_inf_is_still_infinity_and_an_unread_column_is_not_looked_at(tmp_path, capsys):
    cells = [str(100 + i) for i in range(30)]
    cells[3] = "inf"
    assert main(_argv(_write(tmp_path / "i.csv", cells), "--out", str(tmp_path / "r1"))) == 1
    assert "got inf at time 2020-01-04" in capsys.readouterr().err
    extra = [str(i) for i in range(30)]
    extra[2] = "1e400"                       # a column the run does not read
    assert main(_argv(_write(tmp_path / "u.csv", [100 + i for i in range(30)], extra), "--out", str(tmp_path / "r2"))) == 0


def test_update_names_the_cell_too(tmp_path, capsys):
    run = str(tmp_path / "run")
    assert main(_argv(_write(tmp_path / "a.csv", [100 + i for i in range(30)]), "--out", run)) == 0
    (tmp_path / "new.csv").write_text("t,y\n2020-01-31,1e400\n")
    assert main(["forecast", "update", "--run", run, "--csv", str(tmp_path / "new.csv"), "--quiet", "--threads", "1"]) == 1
    err = capsys.readouterr().err
    assert "got '1e400' in data row 1 at time 2020-01-31: a number too large for float64" in err, err


def test_ets_on_a_short_straight_line_says_it_fitted_no_trend_as_statsmodels_would_choose():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    from rnnkit.tasks.forecasting import Forecaster

    y = np.arange(1.0, 9.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        level = ETSModel(y, error="add").fit(disp=False)
        damped = ETSModel(y, error="add", trend="add", damped_trend=True).fit(disp=False)
    assert damped.aicc > level.aicc                 # on 8 values the damped trend loses even on a straight line
    series = pd.Series(y, index=pd.date_range("2020-01-01", periods=8, freq="D"))
    with pytest.warns(UserWarning, match=r"model 'ets': ets fitted without a trend on 1 series shorter than 10 values "
                                         r"\('series' \(8\)\): its forecast is flat"):
        f = Forecaster("ets", horizon=2).fit(series)
    np.testing.assert_allclose(f.predict()["value"], level.forecast(2), atol=1e-6)
    report = f.summary()["report"]
    assert report["ets_without_trend"] == {"series": 8} and "without a trend" in report["why"]
    long = pd.Series(np.arange(1.0, 11.0), index=pd.date_range("2020-01-01", periods=10, freq="D"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # 10 values: a trend, no note
        g = Forecaster("ets", horizon=2).fit(long)
    assert "ets_without_trend" not in g.summary()["report"] and g.predict()["value"].iloc[1] > 10.5


def test_an_integer_beyond_float64_in_a_file_is_named(tmp_path, capsys):
    cells = [str(100 + i) for i in range(30)]
    cells[4] = str(10 ** 400)                    # 401 digits: pandas' to_numeric raised a bare OverflowError
    assert main(_argv(_write(tmp_path / "b.csv", cells), "--out", str(tmp_path / "r2"))) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "OverflowError" not in err, err
    assert "got an integer of 401 digits (100000000000...) at time 2020-01-05: a number too large for float64" in err
