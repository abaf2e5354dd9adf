"""Reliability sweep 15a (session 15, helper R): forecasting on hostile inputs and users' own real data.
Each test fails on the code before its fix unless it says it guards behaviour that was already right."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.series import parse_dates


def _cli(args, capsys):
    from rnnkit.cli.main import main

    try:
        rc = main(args)
    except SystemExit as e:
        rc = e.code
    out = capsys.readouterr()
    return rc, out.out, out.err


# ------------------------------------------------------------------ quarters and the 12-hour clock
@pytest.mark.parametrize("stamp", ["{y}Q{q}", "{y}-Q{q}", "{y} Q{q}", "{y}q{q}", "Q{q} {y}", "Q{q}-{y}"])
def test_quarter_stamps_read_as_quarter_starts(stamp):
    periods = pd.period_range("1999Q3", periods=7, freq="Q")
    text = [stamp.format(y=p.year, q=p.quarter) for p in periods]
    idx, fmt = parse_dates(text, "q")
    # oracle: pandas' own quarterly periods, as timestamps of their starts (what a PeriodIndex becomes)
    assert idx.equals(periods.to_timestamp(how="start")), (text, idx)
    again, _ = parse_dates(text[:2], "q", date_format=fmt)        # the format found is kept for update/predict
    assert again.equals(idx[:2])


def test_quarter_forecast_continues_on_quarters(tmp_path, capsys):
    periods = pd.period_range("2000Q1", periods=20, freq="Q")
    y = 10 + 3 * (np.arange(20) % 4) + 0.5 * np.arange(20)
    path = tmp_path / "q.csv"
    pd.DataFrame({"q": [f"{p.year}-Q{p.quarter}" for p in periods], "v": y}).to_csv(path, index=False)
    rc, out, err = _cli(["forecast", "--csv", str(path), "--target", "v", "--time-col", "q", "--horizon", "5",
                         "--model", "seasonal_naive", "--json", "--quiet"], capsys)
    assert rc in (0, None), err
    fc = json.loads(out)["forecast"]
    want = pd.period_range("2005Q1", periods=5, freq="Q").to_timestamp(how="start")
    assert [r["time"][:10] for r in fc] == [f"{t:%Y-%m-%d}" for t in want]
    np.testing.assert_allclose([r["value"] for r in fc], np.r_[y[-4:], y[-4]])   # oracle: the season 4 back


def test_a_quarter_format_with_another_directive_is_refused():
    from rnnkit.errors import ConfigError, DataError

    with pytest.raises(ConfigError, match="date_format: expected a quarter format"):
        parse_dates(["2000-01 Q1"], "q", date_format="%Y-%m Q%q")
    with pytest.raises(DataError, match="2000Q5"):            # a fifth quarter is not a quarter
        parse_dates(["2000Q4", "2000Q5"], "q")


@pytest.mark.parametrize("date", ["%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y"])
@pytest.mark.parametrize("clock", ["{h}:{t:%M} {p}", "{h}:{t:%M}{p}", "{h}:{t:%M:%S} {p}", "{h}:{t:%M} {p_lower}"])
def test_twelve_hour_clock_times_are_read(date, clock):
    stamps = pd.date_range("2021-01-13 13:00", periods=30, freq="h")      # from '1:00 PM', across midnight
    text = [f"{t.strftime(date)} " + clock.format(h=t.hour % 12 or 12, t=t, p="AM" if t.hour < 12 else "PM",
                                                   p_lower="am" if t.hour < 12 else "pm") for t in stamps]
    idx, _ = parse_dates(text, "t")
    assert idx.equals(stamps), text[:3]                   # oracle: the stamps the text was written from


def test_twelve_hour_clock_with_ambiguous_day_and_month_still_asks():
    from rnnkit.errors import DataError

    with pytest.raises(DataError, match="--dayfirst"):
        parse_dates(["01/02/2020 1:00 PM", "01/02/2020 2:00 PM"], "t")
    idx, fmt = parse_dates(["01/02/2020 1:00 PM", "01/02/2020 2:00 PM"], "t", dayfirst=True)
    assert fmt == "%d/%m/%Y %I:%M %p" and idx[0] == pd.Timestamp("2020-02-01 13:00")


# ------------------------------------------------------------------ business month ends with gaps
@pytest.mark.parametrize("freq", ["BME", "BMS", "BQE-DEC", "BYE-DEC"])
@pytest.mark.parametrize("drop", [(2, 5), (1, 3), ()])
def test_business_month_stamps_with_gaps_keep_their_grid(freq, drop):
    from rnnkit.data.timeseries.frequency import infer_frequency

    full = pd.date_range("2020-01-01", periods=7, freq=freq)
    idx = full.delete(list(drop)) if drop else full[:2]          # gappy, or two stamps: too few for infer_freq
    info = infer_frequency(idx)
    # oracle: pandas' grid of that frequency holds every stamp and the missing ones are the ones dropped
    assert pd.date_range(idx[0], idx[-1], freq=info.freq).equals(full[:idx.size + len(drop)]), info
    assert info.missing_stamps == len(drop) and info.off_grid == 0


def test_business_month_end_series_forecasts_on_business_month_ends():
    from rnnkit.tasks.forecasting import Forecaster

    full = pd.date_range("2020-01-01", periods=9, freq="BME")
    s = pd.Series(np.arange(9.0) + 5, index=full).drop(full[[2, 5]])
    f = Forecaster(model="seasonal_naive", horizon=3, resample=True)
    f.fit(s)
    times = pd.DatetimeIndex(f.predict()["time"])
    assert times.equals(pd.date_range(full[-1], periods=4, freq="BME")[1:])   # 2020-10-30 is a Friday


# ------------------------------------------------------------------ a panel id with a single row
def _panel(extra, freq="D", n=40):
    t = pd.date_range("2020-01-01", periods=n, freq=freq)
    rows = [pd.DataFrame({"t": t, "id": sid, "y": base + np.arange(n) % 7 + 0.1 * np.arange(n)})
            for sid, base in (("a", 10.0), ("b", 20.0))]
    return pd.concat(rows + [pd.DataFrame(extra)], ignore_index=True)


@pytest.mark.parametrize("model", ["auto", "seasonal_naive"])
def test_a_panel_id_with_one_row_is_forecast_as_its_value_and_the_others_unchanged(model):
    from rnnkit.tasks.forecasting import Forecaster

    df = _panel({"t": [pd.Timestamp("2020-02-05")], "id": ["new"], "y": [3.0]})
    f = Forecaster(model=model, horizon=3, candidates=("ets", "theta", "seasonal_naive") if model == "auto" else None)
    with pytest.warns(UserWarning, match="series 'new' has one row .*frequency D"):
        f.fit(df, target="y", time_col="t", id_col="id")
    fc = f.predict()
    new = fc[fc["id"] == "new"]
    assert pd.DatetimeIndex(new["time"]).equals(pd.date_range("2020-02-06", periods=3, freq="D"))
    np.testing.assert_allclose(new["value"], 3.0)                       # the naive forecast of one value
    # oracle: the other series forecast exactly as without the new one
    alone = Forecaster(model=model, horizon=3, candidates=f.config.candidates)
    alone.fit(df[df["id"] != "new"], target="y", time_col="t", id_col="id")
    rest = fc[fc["id"] != "new"].reset_index(drop=True)
    np.testing.assert_allclose(rest["value"], alone.predict()["value"], rtol=1e-9)


@pytest.mark.parametrize("rows_of_a, why", [(40, "not on the other series' MS grid"),
                                             (1, r"no series has two rows \(is id_col the column naming the series\?\)")])
def test_a_one_row_id_without_a_grid_to_take_is_named(rows_of_a, why):
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import parse_series

    df = _panel({}, freq="MS")[lambda d: d["id"] == "a"].iloc[:rows_of_a]
    df = pd.concat([df, pd.DataFrame({"t": [pd.Timestamp("2020-03-15")], "id": ["new"], "y": [3.0]})])
    with pytest.raises(DataError, match=f"in series '(a|new)', got 1 .*{why}; drop the series"):
        parse_series(df, target="y", time_col="t", id_col="id")


# ------------------------------------------------------------------ resampled rows in a dropped leading stretch
def test_timestamps_resampled_counts_only_rows_where_the_series_is_kept():
    from rnnkit.tasks.forecasting.inputs import parse_series

    t = pd.date_range("2020-01-01", periods=30, freq="D")
    y = np.r_[np.full(10, np.nan), 5 + np.sin(np.arange(20.0))]
    df = pd.DataFrame({"t": t, "y": y}).drop(index=[2, 3, 4, 15])      # 3 gaps before the first value, 1 after
    with pytest.warns(UserWarning, match="first 10 value"):
        [s] = parse_series(df, target="y", time_col="t", resample=True)
    # oracle: the same series without its leading stretch
    [kept] = parse_series(df[df["t"] >= "2020-01-11"], target="y", time_col="t", resample=True)
    assert s.resampled == kept.resampled == 1 and s.index.equals(kept.index)


# ------------------------------------------------------------------ CLI checks before any work
@pytest.mark.parametrize("newest_first", [False, True])
def test_period_flag_counts_leading_gaps_in_time_order_not_file_order(newest_first, tmp_path, capsys):
    t = pd.date_range("2020-01-01", periods=40, freq="D")
    y = np.r_[np.full(20, np.nan), 1.0 + np.arange(20) % 5]            # 20 observed values: --period 15 is too long
    df = pd.DataFrame({"date": t.strftime("%Y-%m-%d"), "v": y})
    path = tmp_path / "v.csv"
    (df.iloc[::-1] if newest_first else df).to_csv(path, index=False)
    rc, _, err = _cli(["forecast", "--csv", str(path), "--target", "v", "--time-col", "date", "--horizon", "2",
                       "--model", "seasonal_naive", "--period", "15", "--quiet"], capsys)
    # oracle: the file in time order -- a usage error (exit 2) naming --period, before any fit (was exit 1)
    assert rc == 2 and "--period: expected at most half the shortest series (10: series 'v' has 20 values" in err


@pytest.mark.parametrize("model, extra, names_weights", [
    ("seasonal_naive", [], False), ("ets", [], False), ("auto", ["--candidates", "ets", "theta"], False),
    ("auto", [], True), ("lstm", [], True), ("esrnn", [], True), ("auto", ["--candidates", "ets", "gru"], True)])
def test_horizon_memory_message_names_what_the_model_holds(model, extra, names_weights, capsys):
    rc, _, err = _cli(["forecast", "--dataset", "nile", "--horizon", str(10 ** 12), "--model", model, *extra],
                      capsys)
    assert rc == 2 and err.count("\n") == 1 and "--horizon: expected a size that fits in memory" in err, err
    assert ("Adam state" in err) == names_weights and ("forecast's rows" in err), err


# ------------------------------------------------------------------ times written as numbers with a decimal point
def test_whole_float_years_read_with_date_format_y(tmp_path, capsys):
    years = np.arange(1950.0, 1980.0)                    # statsmodels' elnino YEAR, macrodata's year: floats
    y = 20 + np.sin(np.arange(30.0))
    path = tmp_path / "e.csv"
    pd.DataFrame({"YEAR": years, "JAN": y}).to_csv(path, index=False)
    base = ["forecast", "--csv", str(path), "--target", "JAN", "--time-col", "YEAR", "--horizon", "2", "--model",
            "seasonal_naive", "--json", "--quiet"]
    rc, _, err = _cli(base, capsys)
    assert rc == 1 and "got numbers (1950.0, 1951.0, ..)" in err and "--date-format %Y" in err, err
    rc, out, err = _cli(base + ["--date-format", "%Y"], capsys)
    assert rc in (0, None), err
    # oracle: the same file with the years written as text
    assert [r["time"][:10] for r in json.loads(out)["forecast"]] == ["1980-01-01", "1981-01-01"]


@pytest.mark.parametrize("per_year, want", [(12, "'1949-02'"), (4, "'1949Q2'")])
def test_decimal_years_of_an_r_ts_name_the_fix(per_year, want):
    from rnnkit.errors import DataError

    times = 1949 + np.arange(24) / per_year              # R: write.csv(data.frame(time = time(x), value = x))
    with pytest.raises(DataError, match=f"decimal years, {per_year} a year .* as {want}"):
        parse_dates(pd.Series(times), "time_col 'time'")


def test_an_infinite_time_is_named_not_a_crash():
    from rnnkit.errors import DataError

    with pytest.raises(DataError, match="got numbers .* and inf among them"):
        parse_dates(pd.Series([1959.0, np.inf]), "time_col 'year'", date_format="%Y")


def test_year_and_quarter_in_two_columns_name_the_join():
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import parse_series

    q = pd.period_range("1960Q1", periods=12, freq="Q")
    df = pd.DataFrame({"year": q.year, "qtr": q.quarter, "gas": np.arange(12.0) % 4 + 1})
    with pytest.raises(DataError, match=r"a year with its quarter in another column\? join them"):
        parse_series(df, target="gas", time_col="year")
    df["quarter"] = [f"{p.year}Q{p.quarter}" for p in q]          # the join, now read
    [s] = parse_series(df.drop(columns=["year", "qtr"]), target="gas", time_col="quarter")
    assert s.freq.startswith("QS") and s.index.equals(q.to_timestamp(how="start"))


# ------------------------------------------------------------------ ISO weeks, a spreadsheet's d-mmm-yy
@pytest.mark.parametrize("fmt", ["%G-W%V", "%GW%V"])
def test_iso_weeks_read_as_their_mondays(fmt):
    mondays = pd.date_range("2020-11-30", periods=10, freq="W-MON")      # across ISO 2020's week 53
    text = [t.strftime(fmt) for t in mondays]                          # strftime writes what a user has
    idx, got = parse_dates(text, "week")
    assert idx.equals(mondays) and got == fmt, text                    # oracle: the Mondays written


def test_spreadsheet_day_month_two_digit_year_is_read():
    days = pd.date_range("2019-12-25", periods=40, freq="D")
    text = [f"{t.day}-{t:%b-%y}" for t in days]                        # Excel's d-mmm-yy: '2-Jan-20'
    idx, fmt = parse_dates(text, "date")
    assert idx.equals(days) and fmt == "%d-%b-%y"


def test_empty_rows_at_the_end_of_a_spreadsheet_export_are_named_by_row(tmp_path, capsys):
    t = pd.date_range("2020-01-01", periods=30, freq="D")
    path = tmp_path / "x.csv"
    path.write_text("date,v\n" + "".join(f"{d:%Y-%m-%d},{i % 5}\n" for i, d in enumerate(t)) + ",\n,\n")
    rc, _, err = _cli(["forecast", "--csv", str(path), "--target", "v", "--time-col", "date", "--horizon", "2",
                       "--model", "seasonal_naive", "--quiet"], capsys)
    assert rc == 1 and "got 2 missing (first in data row 31, last in data row 32)" in err, err


# ------------------------------------------------------------------ a saved auto run: every digest map is chained
def test_a_candidate_changed_with_its_own_digests_is_refused(tmp_path):
    from rnnkit._io import write_digests
    from rnnkit.errors import CheckpointError
    from rnnkit.tasks.forecasting import Forecaster

    s = pd.Series(10 + np.sin(np.arange(40.0)), index=pd.date_range("2000-01-01", periods=40, freq="MS"))
    f = Forecaster(horizon=3, candidates=("ets", "theta", "seasonal_naive"))
    f.fit(s)
    f.save(tmp_path / "run")
    want = f.predict()
    np.testing.assert_allclose(Forecaster.load(tmp_path / "run").predict()["value"], want["value"])  # untouched
    cand = next((tmp_path / "run" / "auto" / "candidates").glob("00_*"))
    text = (cand / "candidate.json").read_text()
    (cand / "candidate.json").write_text(text.replace('"min_len": 4', '"min_len": 5'))
    write_digests(cand, ["candidate.json"])             # the folder's own map made to agree with the change
    with pytest.raises(CheckpointError, match=r"candidates/00_\w+/digests\.json: expected sha256"):
        Forecaster.load(tmp_path / "run")


@pytest.mark.parametrize("write", [lambda t: f"{t.year}M{t.month:02d}", lambda t: f"{t.year}m{t.month}",
                                   lambda t: f"{t.year}-M{t.month:02d}"])
def test_eurostat_and_stata_months_read_as_month_starts(write):
    months = pd.date_range("2019-11-01", periods=6, freq="MS")
    idx, _ = parse_dates([write(t) for t in months], "month")
    assert idx.equals(months)


def test_several_target_columns_of_a_wide_table_name_the_melt(tmp_path, capsys):
    t = pd.date_range("2020-01-01", periods=30, freq="B")
    path = tmp_path / "wide.csv"
    pd.DataFrame({"date": t.strftime("%Y-%m-%d"), "DAX": np.arange(30.0), "SMI": np.arange(30.0) % 7}).to_csv(
        path, index=False)
    rc, _, err = _cli(["forecast", "--csv", str(path), "--target", "DAX,SMI", "--time-col", "date", "--horizon",
                       "2", "--model", "seasonal_naive", "--quiet"], capsys)
    assert rc == 1 and "expected one column to forecast, got 2 (DAX, SMI)" in err and "--id-col" in err, err


def test_every_series_without_values_is_counted_in_one_error():
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import parse_series

    df = _panel({"t": list(pd.date_range("2020-01-01", periods=3)) * 2, "id": ["x"] * 3 + ["y"] * 3,
                 "y": [np.nan] * 6})                      # a World Bank table melted: countries with no data
    with pytest.raises(DataError, match=r"got 2 series with none: 'x', 'y'; drop them"):
        parse_series(df, target="y", time_col="t", id_col="id")
