"""Reliability sweep 11a (session 14, helper R): forecasting on hostile inputs. Each test fails on the code
before its fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries.seasonality import detect_period


# ------------------------------------------------------------------ an exact line has no season
@pytest.mark.parametrize("n, freq", [(10, "D"), (100, "D"), (60, "MS"), (200, None), (300, "h")])
@pytest.mark.parametrize("offset", [0.0, 100.0, 12345.6])
def test_detect_period_exact_line_is_not_seasonal(n, freq, offset):
    # a counter (100, 110, 120, ...): y minus its moving average is rounding noise, whose autocorrelation is
    # arbitrary -- it was scored as a season (period 7 for daily, 12 for monthly, 3 for 10 values + 100)
    y = np.arange(n) * 10.0 + offset
    assert detect_period(y, freq=freq).period == 1


def test_detect_period_offset_free_on_noisy_seasonal_data():
    t = np.arange(120.0)
    y = 0.2 * t + np.sin(2 * np.pi * t / 7) + 0.1 * np.random.default_rng(1).normal(size=t.size)
    base = detect_period(y, freq="D")
    assert base.period == 7
    for c in (100.0, 1e6):
        assert detect_period(y + c, freq="D").period == base.period


def test_forecast_of_a_counter_does_not_depend_on_its_offset():
    from rnnkit.tasks.forecasting import Forecaster

    idx = pd.date_range("2020-01-01", periods=10, freq="D")
    out = {}
    for c in (0.0, 100.0):
        f = Forecaster(model="seasonal_naive", horizon=2)
        f.fit(pd.Series(np.arange(10.0) + c, index=idx))
        out[c] = f.predict()["value"].to_numpy() - c
    # oracle: no season, so the seasonal naive is the naive forecast, the last value (9) for both
    np.testing.assert_allclose(out[0.0], [9.0, 9.0])
    np.testing.assert_allclose(out[100.0], out[0.0])


# ------------------------------------------------------------------ integer time steps that are not steps of 1
def _steps_frame(times, n=None):
    n = len(times) if n is None else n
    return pd.DataFrame({"t": list(times), "y": 10 + np.sin(np.arange(n) / 2)})


@pytest.mark.parametrize("unit, second", [("s", 1), ("ms", 1000)])
def test_unix_times_as_integer_steps_name_the_cause_even_with_resample(unit, second):
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import parse_series

    days = pd.date_range("2020-01-01", periods=10, freq="D")
    times = ((days - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)).to_numpy() * second  # oracle:
    # pandas reads them back with unit=
    assert pd.to_datetime(times, unit=unit).equals(days)
    for resample in (False, True):       # --resample filled 86,399 invented seconds between each two days
        with pytest.raises(DataError, match=rf"Unix times in {unit} \({times[0]} = 2020-01-01 00:00:00\).*"
                                            rf"pd.to_datetime\(col, unit='{unit}'\)") as e:
            parse_series(_steps_frame(times), target="y", time_col="t", resample=resample)
        assert "--resample" not in str(e.value) and "\n" not in str(e.value)


def test_a_regular_stride_is_not_resampled_into_invented_values():
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import parse_series

    census = range(1900, 2000, 10)
    for resample in (False, True):    # resample=True made 91 yearly values, 81 of them interpolated
        with pytest.raises(DataError, match=r"every step is a multiple of 10 .*\(t - 1900\) // 10.*--date-format %Y"):
            parse_series(_steps_frame(census), target="y", time_col="t", resample=resample)
    # the way out the message names: years read as dates, on a 10-year grid, the same values
    [s] = parse_series(_steps_frame(census), target="y", time_col="t", date_format="%Y")
    assert s.freq == pd.infer_freq(pd.to_datetime([str(y) for y in census])) and len(s) == 10
    np.testing.assert_array_equal(s.y, _steps_frame(census)["y"].to_numpy())
    # consecutive steps with a gap still resample (the gap is filled), as before
    [s] = parse_series(_steps_frame([0, 1, 2, 4, 5, 6]), target="y", time_col="t", resample=True)
    assert s.index.tolist() == [0, 1, 2, 3, 4, 5, 6] and s.missing == 1


# ------------------------------------------------------------------ ids written two ways
def _two_ids(a, b, n=12):
    t = pd.date_range("2021-01-01", periods=n, freq="D")
    return pd.DataFrame({"id": [a] * n + [b] * n, "t": list(t) * 2,
                         "y": np.r_[np.arange(n) % 4 + 1.0, np.arange(n) % 3 + 5.0]})


def test_ids_that_differ_only_by_surrounding_spaces_are_refused(tmp_path, capsys):
    from rnnkit.cli.main import main

    # a CSV written 'a,..' on some rows and ' a,..' on others: two series 'a' and ' a', silently
    path = tmp_path / "ids.csv"
    _two_ids("a", " a").to_csv(path, index=False)
    assert pd.read_csv(path, dtype={"id": str})["id"].nunique() == 2      # the file does hold two spellings
    code = main(["forecast", "--csv", str(path), "--target", "y", "--time-col", "t", "--id-col", "id",
                 "--model", "seasonal_naive", "--horizon", "2", "--json", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "DataError: --id-col 'id': expected each id written one way, got 'a' and ' a'" in err


def test_ids_composed_and_decomposed_are_refused():
    import unicodedata

    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import parse_series

    nfc, nfd = "Zürich", unicodedata.normalize("NFD", "Zürich")
    assert nfc != nfd and unicodedata.normalize("NFC", nfd) == nfc     # one name on screen, two strings
    with pytest.raises(DataError, match=r"expected each id written one way, got 'Zürich' and 'Zu\u0308rich'|"
                                        r"expected each id written one way, got 'Zürich' and 'Zürich'"):
        parse_series(_two_ids(nfc, nfd), target="y", time_col="t", id_col="id")


def test_ids_that_differ_only_by_case_are_two_series_with_a_warning():
    from rnnkit.tasks.forecasting import Forecaster

    f = Forecaster(model="seasonal_naive", horizon=2)
    with pytest.warns(UserWarning, match=r"got 'A' and 'a'.*differ only by case"):
        f.fit(_two_ids("A", "a"), target="y", time_col="t", id_col="id")
    assert sorted(set(f.predict()["id"])) == ["A", "a"]


# ------------------------------------------------------------------ quantile levels that share a column
def test_quantile_levels_that_name_one_column_are_refused(capsys):
    from rnnkit.cli.main import main
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting import Forecaster
    from rnnkit.tasks.forecasting.probabilistic import quantile_column

    a, b = 0.1, 0.1000000001
    assert quantile_column(a) == quantile_column(b)     # the oracle: one column name for two levels
    # before: one column 'q0.1' came back for the two levels asked, the other's values lost without a word
    with pytest.raises(ConfigError, match=r"quantiles: expected levels that differ .* got 0.1 and 0.1000000001, "
                                          r"both 'q0.1'"):
        Forecaster(model="seasonal_naive", horizon=2, quantiles=(a, b))
    code = main(["forecast", "--dataset", "nile", "--model", "seasonal_naive", "--horizon", "2", "--quiet", "--json",
                 "--quantiles", str(a), repr(b)])
    assert code == 2 and "--quantiles" not in capsys.readouterr().out
    # levels that differ within 6 digits keep their own columns, as before
    fc = Forecaster(model="seasonal_naive", horizon=2, quantiles=(0.1, 0.100001)).fit(
        pd.Series(np.arange(20.0) % 5, index=pd.date_range("2020-01-01", periods=20, freq="D"))).predict()
    assert [c for c in fc.columns if c.startswith("q")] == ["q0.1", "q0.100001"]


# ------------------------------------------------------------------ calendar frequencies pandas cannot infer
@pytest.mark.parametrize("freq", ["MS", "ME", "QS-OCT", "QE-DEC", "YS-JAN", "2MS", "W-SUN"])
@pytest.mark.parametrize("drop", [(), (2,)])
def test_month_quarter_year_stamps_too_few_for_infer_freq_continue_on_the_calendar(freq, drop):
    from rnnkit.tasks.forecasting import Forecaster

    full = pd.date_range("2019-01-01", periods=5, freq=freq)
    stamps = full[:2] if not drop else full.delete(list(drop))   # two stamps; or a gap (needs resample=True)
    assert pd.infer_freq(full) is not None                      # oracle: pandas names the grid from 3+ stamps
    expected = pd.date_range(full[-1], periods=4, freq=pd.infer_freq(full))[1:]
    if not drop:
        expected = pd.date_range(full[1], periods=4, freq=pd.infer_freq(full))[1:]
    f = Forecaster(model="seasonal_naive", horizon=3, resample=bool(drop))
    f.fit(pd.Series(np.arange(len(stamps)) + 1.0, index=stamps))
    # before: the modal step ('31D', '92D', '366D') was taken: 2020-03-03, 2020-04-03, 2020-05-04 after 02-01
    assert list(f.predict()["time"]) == list(expected)


def test_an_id_with_two_monthly_rows_continues_on_the_months_like_the_others():
    from rnnkit.tasks.forecasting import Forecaster

    t = pd.date_range("2020-01-01", periods=12, freq="MS")
    df = pd.DataFrame({"id": ["a"] * 12 + ["b"] * 2, "t": list(t) + list(t[-2:]),
                       "y": np.r_[np.arange(12) % 3 + 1.0, 4.0, 5.0]})
    f = Forecaster(model="seasonal_naive", horizon=3)
    f.fit(df, target="y", time_col="t", id_col="id")
    fc = f.predict()
    assert list(fc[fc["id"] == "b"]["time"]) == list(fc[fc["id"] == "a"]["time"]) == \
        list(pd.date_range("2021-01-01", periods=3, freq="MS"))


def test_integer_steps_with_an_empty_cell_say_a_step_is_missing(tmp_path):
    from rnnkit.data.series import read_series_csv
    from rnnkit.errors import DataError

    path = tmp_path / "steps.csv"
    path.write_text("t,y\n" + "".join(f"{'' if i == 4 else i},{i % 5 + 1}\n" for i in range(12)))
    assert pd.read_csv(path)["t"].dtype == float       # pandas reads the steps as floats around the hole
    # before: "time_col 't': expected dates as text or timestamps, got 0.0 (float)"
    with pytest.raises(DataError, match=r"^time_col 't': expected a time step on every row, got 1 missing "
                                        r"\(first in data row 5\)$"):
        read_series_csv(path, "t")


# ------------------------------------------------------------------ update with rows newest first
def test_update_takes_new_rows_newest_first_as_a_fit_does():
    from rnnkit.tasks.forecasting import Forecaster

    t = pd.date_range("2020-01-31", periods=30, freq="ME")
    hist = pd.DataFrame({"t": t, "y": np.arange(30) % 12 + 1.0})
    new = pd.DataFrame({"t": pd.date_range("2022-07-31", periods=3, freq="ME"), "y": [40.0, 41.0, 42.0]})
    out = []
    for rows in (new, new.iloc[::-1]):     # an export newest first (bank, exchange) was refused in update
        f = Forecaster(model="seasonal_naive", horizon=3, period=12)
        f.fit(hist, target="y", time_col="t")
        out.append(f.update(rows))
    pd.testing.assert_frame_equal(out[1], out[0])
    # oracle: the same rows in time order, appended by a fit on the whole history
    g = Forecaster(model="seasonal_naive", horizon=3, period=12)
    g.fit(pd.concat([hist, new], ignore_index=True), target="y", time_col="t")
    np.testing.assert_allclose(out[1]["value"], g.predict()["value"])
    with pytest.raises(Exception, match=r"new_points: expected unique timestamps in series 'y', got 1 duplicate"):
        f.update(pd.concat([new, new.iloc[:1]]).assign(t=lambda d: d["t"] + pd.offsets.MonthEnd(3)))


# ------------------------------------------------------------------ months written without a day
@pytest.mark.parametrize("fmt", ["%b-%Y", "%B-%Y", "%m/%Y", "%m-%Y"])
def test_months_without_a_day_read_as_month_starts(fmt):
    from rnnkit.data.series import parse_dates

    months = pd.date_range("2020-01-01", periods=14, freq="MS")
    text = [t.strftime(fmt).lower() for t in months]       # 'jan-2020': spreadsheets write months in any case
    assert pd.DatetimeIndex(pd.to_datetime(text, format=fmt)).equals(months)   # oracle: pandas with the format
    idx, used = parse_dates(text, "date")                  # before: "no known format parses every value"
    assert used == fmt and idx.equals(months)


def test_month_and_two_digit_year_stays_refused():
    from rnnkit.data.series import parse_dates
    from rnnkit.errors import DataError

    # 'Jan-20' is January 2020 in a spreadsheet and January 20th to pandas: no reading is taken for it
    with pytest.raises(DataError, match="no known format"):
        parse_dates(["Jan-20", "Feb-20", "Mar-20"], "date")


# ------------------------------------------------------------------ a series that starts later (leading NaN)
def test_leading_missing_values_are_not_a_flat_invented_history():
    from rnnkit.tasks.forecasting import Forecaster

    rng = np.random.default_rng(0)
    t = pd.date_range("2015-01-01", periods=72, freq="MS")
    b = 100 + 30 * np.sin(2 * np.pi * np.arange(30) / 12) + rng.normal(size=30)
    a = 50 + 10 * np.sin(2 * np.pi * np.arange(72) / 12) + rng.normal(size=72)
    # a panel pivoted from wide to long: 'b' launched 42 months after 'a', its earlier rows empty
    panel = pd.DataFrame({"id": ["a"] * 72 + ["b"] * 72, "t": list(t) * 2, "y": np.r_[a, np.full(42, np.nan), b]})
    f = Forecaster(model="seasonal_naive", horizon=6)
    with pytest.warns(UserWarning, match=r"series 'b': the first 42 value\(s\) are missing \(before time "
                                         r"2018-07-01\); the series starts at its first observed value"):
        f.fit(panel, target="y", time_col="t", id_col="id")
    got = f.predict()
    # oracle: each series fitted on its observed rows alone (before: b's 42 back-filled values made a flat
    # history that changed its detected period, 1 -> 12, and its forecast)
    for sid, obs in (("a", panel.iloc[:72]), ("b", panel.iloc[72 + 42:])):
        g = Forecaster(model="seasonal_naive", horizon=6)
        g.fit(obs.drop(columns="id"), target="y", time_col="t")
        np.testing.assert_allclose(got[got["id"] == sid]["value"], g.predict()["value"])
    entry = next(s for s in f.summary()["series"] if s["id"] == "b")
    assert entry["length"] == 30 and entry["missing_interpolated"] == 0


# ------------------------------------------------------------------ dates outside nanoseconds' range
@pytest.mark.parametrize("years", [range(1500, 1540), range(2230, 2262)])
def test_dates_before_1677_or_near_2262_are_not_wrapped_around(years, tmp_path):
    from rnnkit.data.series import parse_dates, read_series_csv
    from rnnkit.tasks.forecasting import Forecaster

    text = [f"{y}-01-01" for y in years]
    # oracle: pandas reads them in a unit that holds them (before: put into nanoseconds, 1500-01-01 wrapped around
    # to 2084-07-20 23:34:33.709551616 without a word, and the series read as "365D, irregular gaps")
    expected = pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601"))
    idx, _ = parse_dates(text, "date")
    assert [str(t) for t in idx] == [str(t) for t in expected]
    path = tmp_path / "old.csv"
    pd.DataFrame({"date": text, "y": 10 + np.sin(np.arange(len(text)))}).to_csv(path, index=False)
    f = Forecaster(model="seasonal_naive", horizon=3)
    f.fit(read_series_csv(path, "date"), target="y", time_col="date")
    last = years[-1]
    assert [str(t.date()) for t in f.predict()["time"]] == [f"{last + k}-01-01" for k in (1, 2, 3)]


def test_numbers_no_numeric_dtype_holds_are_named_in_the_error(tmp_path, capsys):
    from decimal import Decimal

    from rnnkit.cli.main import main
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting import Forecaster

    path = tmp_path / "big.csv"
    path.write_text("t,y\n" + "".join(f"2021-01-0{i + 1},{v}\n" for i, v in enumerate([1, 10 ** 23, 3, 2, 4, 5])))
    assert pd.read_csv(path)["y"].dtype == object        # pandas: an int beyond 64 bits makes a column of objects
    code = main(["forecast", "--csv", str(path), "--target", "y", "--time-col", "t", "--model", "seasonal_naive",
                 "--horizon", "2", "--quiet"])
    # before: "expected numeric values, got dtype object" and no value named; since session 36 (helper F) an int
    # beyond 64 bits is read where float64 holds it exactly, else named with what float64 would keep
    assert code == 1 and ("expected numbers that float64 holds exactly (integers up to 2**53 = 9007199254740992 in "
                          "magnitude), got 100000000000000000000000 at time 2021-01-02, read as "
                          "99999999999999991611392 (1 such)") in capsys.readouterr().err
    s = pd.Series([Decimal("1.5"), Decimal("2")] * 5, index=pd.date_range("2020-01-01", periods=10))
    with pytest.raises(DataError, match=r"\(e.g. Decimal\('1.5'\) \(Decimal\) at time 2020-01-01\)"):
        Forecaster(model="seasonal_naive", horizon=2).fit(s)


def test_an_index_with_a_custom_business_day_freq_is_read_by_its_stamps():
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting import Forecaster

    idx = pd.date_range("2021-01-01", periods=40, freq="C")      # pandas' custom business days, no holidays
    f = Forecaster(model="seasonal_naive", horizon=3)
    f.fit(pd.Series(np.arange(40.0) % 5, index=idx))             # before: pandas' bare ValueError from is_month_start
    # oracle: the same stamps without their freq attribute, as pandas infers them (business days)
    assert list(f.predict()["time"]) == list(pd.date_range(idx[-1], periods=4, freq=pd.infer_freq(idx.to_numpy()))[1:])
    holidays = pd.bdate_range("2021-01-01", periods=40, freq="C", holidays=["2021-01-18"])
    with pytest.raises(DataError, match=r"frequency B.*1 missing timestamps"):   # a holiday is a gap on that grid
        Forecaster(model="seasonal_naive", horizon=3).fit(pd.Series(np.arange(40.0) % 5, index=holidays))


def test_hourly_dates_written_as_numbers_name_their_format_and_read_with_it():
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import parse_series

    hours = pd.date_range("2021-01-31", periods=30, freq="h")
    numbers = hours.strftime("%Y%m%d%H").astype(np.int64)   # 2021013100, 2021013101, ..., 2021020100
    # before: 'they look like Unix times' was not known either -- the error pointed at --resample (filling the
    # 7,700 'steps' between 2021013123 and 2021020100)
    with pytest.raises(DataError, match=r"dates written as numbers .*pass --date-format %Y%m%d%H"):
        parse_series(_steps_frame(numbers), target="y", time_col="t", resample=True)
    [s] = parse_series(_steps_frame(numbers), target="y", time_col="t", date_format="%Y%m%d%H")
    assert s.freq == "h" and list(s.index) == list(hours)      # oracle: the hours they were written from


# ------------------------------------------------------------------ a target that names no column of a Series
def test_a_target_other_than_the_series_name_is_refused_not_ignored(capsys):
    from rnnkit.cli.main import main
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting import Forecaster

    y = pd.Series(np.arange(20.0) % 5, index=pd.date_range("2020-01-01", periods=20), name="sales")
    with pytest.raises(ConfigError, match=r"target: expected None or the Series' own name 'sales' .* got 'units'"):
        Forecaster(model="seasonal_naive", horizon=2).fit(y, target="units")     # before: 'units' ignored
    f = Forecaster(model="seasonal_naive", horizon=2)
    f.fit(y.rename(None), target="units")           # an unnamed Series takes the name, as an array does
    g = Forecaster(model="seasonal_naive", horizon=2)
    g.fit(y.to_numpy(), target="units")
    assert set(f.predict()["id"]) == set(g.predict()["id"]) == {"units"}
    code = main(["forecast", "--dataset", "nile", "--target", "price", "--model", "seasonal_naive", "--horizon", "2",
                 "--quiet", "--json"])
    out, err = capsys.readouterr()
    assert code != 0 and out == "" and "'nile'" in err and "'price'" in err


def test_period_flag_is_judged_on_the_observed_stretch(tmp_path, capsys):
    from rnnkit.cli.main import main

    t = pd.date_range("2015-01-01", periods=72, freq="MS")
    panel = pd.DataFrame({"id": ["a"] * 72 + ["b"] * 72, "t": list(t) * 2,
                          "y": np.r_[np.arange(72) % 12, np.full(42, np.nan), np.arange(30) % 12]})
    path = tmp_path / "panel.csv"
    panel.to_csv(path, index=False)
    argv = ["forecast", "--csv", str(path), "--target", "y", "--time-col", "t", "--id-col", "id", "--model",
            "seasonal_naive", "--horizon", "2", "--quiet", "--json", "--period"]
    # 'b' starts after 42 empty months: 30 values, so two seasons of 16 do not fit (before: judged on 72 rows,
    # and the season was estimated on 42 back-filled values)
    assert main([*argv, "16"]) == 2
    assert "--period: expected at most half the shortest series (15: series 'b' has 30 values" in capsys.readouterr().err
    assert main([*argv, "15"]) == 0
