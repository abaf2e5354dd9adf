"""Integer time columns that are really dates (issue 16, session 8), through the command line: YYYYMMDD
(``20210131``) and YYYYMM numbers read as integer steps failed with "irregular gaps" and no reason, and
``--date-format`` was silently ignored on an integer column. Now the error names the likely cause and the
fix (one line, exit 1), ``--date-format`` reads such a column as dates (also for ``update`` from the
saved run), a format that does not fit is an error, and plain integer steps are read as before."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.main import main
from rnnkit.tasks.forecasting import Forecaster

pytestmark = pytest.mark.usefixtures("one_thread_module")
FAST = ["--candidates", "theta", "seasonal_naive", "--horizon", "3", "--json", "--quiet", "--no-plot"]
EXCEL_ORIGIN = pd.Timestamp("1899-12-30")


def write(tmp_path, times, name="data.csv", n=None, start=0):
    n = len(times) if n is None else n
    y = 10 + np.sin(np.arange(start, start + n) / 2)
    path = tmp_path / name
    pd.DataFrame({"t": times, "y": y}).to_csv(path, index=False)
    return str(path)


MONTHS = pd.date_range("2019-01-31", periods=36, freq="ME")
ENCODINGS = {
    "yyyymmdd": (MONTHS.strftime("%Y%m%d").astype(int), "%Y%m%d"),
    "yyyymm": (MONTHS.strftime("%Y%m").astype(int), "%Y%m"),
    "excel_serial": ((MONTHS - EXCEL_ORIGIN).days, None),
}


def run_cli(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("kind", sorted(ENCODINGS))
def test_numbers_that_look_like_dates_stop_with_the_cause_and_the_fix(kind, tmp_path, capsys):
    times, fmt = ENCODINGS[kind]
    code, out, err = run_cli(["forecast", "--csv", write(tmp_path, times), "--target", "y", "--time-col", "t", *FAST],
                             capsys)
    assert code == 1 and err.startswith("rnnkit forecast: error: DataError: --time-col 't': ") and len(err.strip().splitlines()) == 1
    assert "irregular gaps" in err and "--resample" not in err          # resampling would fill ~10,000 fake steps
    if fmt:
        assert f"pass --date-format {fmt}" in err and "dates written as numbers" in err
    else:
        assert "spreadsheet serial day numbers" in err and "2019-01-31" in err


@pytest.mark.parametrize("kind", ["yyyymmdd", "yyyymm"])
def test_date_format_reads_an_integer_column_as_dates(kind, tmp_path, capsys):
    times, fmt = ENCODINGS[kind]
    code, out, err = run_cli(["forecast", "--csv", write(tmp_path, times), "--target", "y", "--time-col", "t",
                              "--date-format", fmt, *FAST], capsys)
    assert code == 0, err
    result = json.loads(out)
    expected = pd.date_range(MONTHS[-1] if kind == "yyyymmdd" else "2021-12-01", periods=4,
                             freq="ME" if kind == "yyyymmdd" else "MS")[1:].strftime("%Y-%m-%d").tolist()
    assert [r["time"] for r in result["forecast"]] == expected
    assert result["preprocessing"][0]["frequency"] in ("ME", "MS") and result["preprocessing"][0]["period"]["period"] == 12


def test_a_date_format_that_does_not_fit_an_integer_column_is_an_error(tmp_path, capsys):
    """Consecutive spreadsheet serial days read as integer steps without a format; with one that does not
    fit them, an error (it was silently ignored)."""
    days = (pd.date_range("2021-01-01", periods=40, freq="D") - EXCEL_ORIGIN).days
    csv = write(tmp_path, days)
    code, out, err = run_cli(["forecast", "--csv", csv, "--target", "y", "--time-col", "t", *FAST], capsys)
    assert code == 0, err
    assert json.loads(out)["forecast"][0]["time"] == str(days[-1] + 1)
    code, out, err = run_cli(["forecast", "--csv", csv, "--target", "y", "--time-col", "t", "--date-format", "%Y%m%d",
                              *FAST], capsys)
    assert code == 1 and "date_format '%Y%m%d'" in err and len(err.strip().splitlines()) == 1


def test_update_from_the_saved_run_reads_the_new_numbers_with_the_same_format(tmp_path, capsys):
    times = ENCODINGS["yyyymmdd"][0]
    run = tmp_path / "run"
    code, out, err = run_cli(["forecast", "--csv", write(tmp_path, times[:-2], n=34), "--target", "y", "--time-col",
                              "t", "--date-format", "%Y%m%d", "--out", str(run), *FAST], capsys)
    assert code == 0, err
    new = write(tmp_path, times[-2:], name="new.csv", start=34)
    code, out, err = run_cli(["forecast", "update", "--run", str(run), "--csv", new, "--json", "--quiet"], capsys)
    assert code == 0, err
    assert [r["time"] for r in json.loads(out)["forecast"]][:1] == ["2022-01-31"]


def test_plain_integer_steps_with_gaps_still_point_at_resample_and_the_api_takes_date_format():
    df = pd.DataFrame({"t": [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13], "y": np.arange(12.0) % 5})
    with pytest.raises(Exception, match=r"irregular gaps \(steps \[1, 2\]\); pass --resample"):
        Forecaster("theta", horizon=2).fit(df, target="y", time_col="t")
    times, _ = ENCODINGS["yyyymmdd"]
    df = pd.DataFrame({"t": times, "y": 10 + np.sin(np.arange(36) / 2)})
    fc = Forecaster("theta", horizon=2).fit(df, target="y", time_col="t", date_format="%Y%m%d").predict()
    assert fc["time"].dt.strftime("%Y-%m-%d").tolist() == ["2022-01-31", "2022-02-28"]
