"""Session 23, helper T: series classification and forecasting leftovers of session 22, and new hostile series
inputs (time zones, week and quarter strings, business days, targets written as text)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tsc import read_ts, read_ucr
from rnnkit.errors import DataError, InputTypeError

pytestmark = pytest.mark.usefixtures("one_thread")


# ----------------------------------------------------------------------------- .ts headers and text= (tsc)
def test_a_ts_class_label_true_without_its_classes_is_refused_as_sktime_does(tmp_path):
    # Before: '@classLabel true' with no class list (and a bare '@classLabel') read every last field as a label,
    # any label; sktime's and aeon's readers refuse the header (sktime 1.2.0 datasets/_readers_writers/ts.py:
    # "if the classlabel tag is true then class values must be supplied"). Oracle: sktime's own reader.
    body = "@data\n1,2:a\n3,4:b\n"
    path = tmp_path / "nolist.ts"
    path.write_text("@problemName x\n@classLabel true\n" + body)
    load_from_tsfile = pytest.importorskip("sktime.datasets").load_from_tsfile
    with pytest.raises(OSError, match="class values must be supplied"):
        load_from_tsfile(str(path))
    with pytest.raises(DataError, match=r"^ts '.*nolist\.ts': expected '@classLabel true' followed by the class "
                                        r"labels at line 2, got '@classLabel true' \(list the classes"):
        read_ts(path)
    with pytest.raises(DataError, match=r"^ts text: expected @classLabel true or false at line 1, got '@classLabel'$"):
        read_ts(text="@classLabel\n" + body)
    X, y = read_ts(text="@classLabel true a b\n" + body)   # the classes listed: read
    assert y == ["a", "b"] and [x[:, 0].tolist() for x in X] == [[1, 2], [3, 4]]
    assert read_ts(text="@classLabel false\n@data\n1,2\n")[1] == [""]


@pytest.mark.parametrize("reader, text", [
    (read_ts, "@problemName x\n@classLabel true a b\n@data\n1,2:a\n3,4:b\n"),
    (read_ucr, "1,0.5,0.25\n2,3,4\n"),
])
def test_text_with_a_leading_bom_reads_as_the_file_with_one(tmp_path, reader, text):
    # Before: read_ts(text='\ufeff@problemName ...') said "expected '@data' before the series, got data at line 1
    # (a UCR archive file...)" about a correct header, and read_ucr read the first label as '\ufeff1', a class of
    # its own, silently. Oracle: the same text saved with a BOM (utf-8-sig) and read from its path.
    path = tmp_path / "bom.txt"
    path.write_text(text, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    want_X, want_y = reader(path)
    X, y = reader(text="\ufeff" + text)
    assert y == want_y == reader(text=text)[1]
    assert all(np.array_equal(a, b) for a, b in zip(X, want_X))
    joined = text + "\ufeff" + text.splitlines()[-1] + "\n"    # a later BOM: files joined, refused as in a file
    with pytest.raises(DataError, match=r"only at the start of 'text', got one at the start of line \d+ \(files joined"):
        reader(text=joined)
    with pytest.raises(InputTypeError, match=r"^text: expected a str \(the file's text\), got bytes"):
        reader(text=text.encode())


# ----------------------------------------------------------------------------- forecast ids '01' and '1'
def _panel(ids: list[str], n: int = 20) -> pd.DataFrame:
    days = pd.date_range("2024-01-01", periods=n, freq="D")
    return pd.DataFrame([{"store": sid, "day": d, "units": float(k + i % 7)} for k, sid in enumerate(ids)
                         for i, d in enumerate(days)])


def test_forecast_ids_with_and_without_leading_zeros_are_warned_naming_both(tmp_path, capsys):
    # Before: a long CSV whose rows were partly saved again by a spreadsheet ('01' became '1') forecast two series
    # of one store, silently. The rule of classification's labels (classify_data.warn_zero_padded); both kept (codes
    # may differ by zeros). Oracle: pandas reads the ids as text, two of them; the fit forecasts both.
    from toy_data import run_cli, write_frame

    from rnnkit.tasks.forecasting import Forecaster

    frame = _panel(["01", "1", "02"])
    path = write_frame(tmp_path / "p.csv", frame)
    assert sorted(pd.read_csv(path, dtype={"store": str})["store"].unique()) == ["01", "02", "1"]
    with pytest.warns(UserWarning, match=r"^id_col 'store': 1 id\(s\) written with and without leading zeros, e\.g\. "
                                         r"'01' \(first in data row 1\) and '1' \(first in data row 21\): forecast as "
                                         r"two series"):
        got = Forecaster("seasonal_naive", horizon=2).fit(frame, target="units", time_col="day",
                                                          id_col="store").predict()
    assert sorted(got["id"].unique()) == ["01", "02", "1"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # zero-padded codes alone, or other ids: silent
        for ids in (["01", "02", "10"], ["a", "b", "1"], ["١", "1"]):      # '١' (Arabic-Indic one): no ASCII zero
            Forecaster("seasonal_naive", horizon=2).fit(_panel(ids), target="units", time_col="day", id_col="store")
    with pytest.warns(UserWarning, match=r"^--id-col 'store': 1 id\(s\) written with and without leading zeros, "
                                         r"e\.g\. '01' \(first in data row 1\) and '1' \(first in data row 21\)"):
        code, _, err = run_cli(["forecast", "--csv", path, "--target", "units", "--time-col", "day", "--id-col",
                                "store", "--model", "seasonal_naive", "--horizon", "2", "--no-plot", "--quiet"], capsys)
    assert code == 0, err


# ----------------------------------------------------------------------------- integer steps that are no dates
def _steps_frame(start: int, name: str = "t", n: int = 60) -> pd.DataFrame:
    y = np.arange(n) % 7 + 1.0 + np.random.default_rng(0).normal(scale=0.1, size=n)
    return pd.DataFrame({name: np.arange(start, start + n), "y": y})


@pytest.mark.parametrize("name", ["sample", "step", "frame_index", "sampleNo", "n"])
def test_consecutive_step_counts_in_serial_day_range_are_not_warned(name):
    # Before: session 22's serial-day warning fired on any 14+ consecutive integers in 32874 .. 73050, so a column of
    # sample numbers or training steps 40000 .. 40059 was told to turn its 'dates' into dates. Oracle: the forecast of
    # the same values at steps 0 .. 59 (never warned), relabelled.
    from rnnkit.tasks.forecasting import Forecaster

    want = Forecaster("seasonal_naive", horizon=3).fit(_steps_frame(0, name), target="y", time_col=name).predict()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = Forecaster("seasonal_naive", horizon=3).fit(_steps_frame(40000, name), target="y",
                                                          time_col=name).predict()
    np.testing.assert_array_equal(got["value"], want["value"])
    assert got["time"].tolist() == [40060, 40061, 40062]


def test_an_unnamed_integer_index_and_far_future_days_are_not_warned_real_serials_are():
    from rnnkit.tasks.forecasting import Forecaster

    sliced = _steps_frame(40000)[["y"]].set_axis(pd.Index(np.arange(40000, 40060)))   # a slice's row numbers, int64
    assert not isinstance(sliced.index, pd.RangeIndex)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Forecaster("seasonal_naive", horizon=3).fit(sliced, target="y")
        Forecaster("seasonal_naive", horizon=3).fit(_steps_frame(60000), target="y", time_col="t")   # 2064: no history
    for name in ("t", "date", "day_index", "Day"):   # dates a spreadsheet saved as numbers (2024): still warned
        with pytest.warns(UserWarning, match=rf"^time_col '{name}': integer steps 45292 \.\. 45351 are read as steps"):
            Forecaster("seasonal_naive", horizon=3).fit(_steps_frame(45292, name), target="y", time_col=name)
    with pytest.warns(UserWarning, match=r"^time \(index\): integer steps 45292 \.\. 45351"):   # an index named so
        Forecaster("seasonal_naive", horizon=3).fit(
            _steps_frame(45292)[["y"]].set_axis(pd.Index(np.arange(45292, 45352), name="date")), target="y")


# ----------------------------------------------------------------------------- time zones
def _zoned(times: list[str], tmp_path, name: str = "z.csv") -> str:
    from toy_data import write_frame

    return write_frame(tmp_path / name, pd.DataFrame({"t": times, "y": np.arange(len(times)) % 5 + 1.0}))


@pytest.mark.parametrize("times, said", [
    ([f"2024-01-{d:02d}T00:00:00+01:00" for d in range(1, 16)] + [f"2024-01-{d:02d}T00:00:00-05:00" for d in range(16, 31)],
     r"got \+01:00 \(first in data row 1\) and -05:00 \(first in data row 16\), 6 hours apart: times of two zones"),
    ([f"2024-01-{d:02d}T00:00:00{'Z' if d % 2 else '+01:00'}" for d in range(1, 31)],
     r"got \+00:00 \(first in data row 1\) and \+01:00 \(first in data row 2\), which change 29 times within 1 "
     r"year\(s\), where one zone's clock changes at most 5 times a year \(daylight saving, and its Ramadan pause in "
     r"Morocco\): times of two zones"),
])
def test_a_time_column_of_two_zones_offsets_is_refused_as_pandas_refuses_it(tmp_path, times, said):
    # Before: a daily series written partly at +01:00 and partly at -05:00 (two exports joined, a logger moved), or
    # switching between Z and +01:00 from day to day, was read as one clock's dates, offsets dropped, silently.
    # Oracle: pandas refuses the column ('Mixed timezones detected. Pass utc=True').
    from rnnkit.data.series import read_series_csv
    from rnnkit.tasks.forecasting import Forecaster

    with pytest.raises(ValueError, match="Mixed timezones detected"):
        pd.to_datetime(pd.Series(times))
    head = r"^time_col 't': expected the UTC offsets of one time zone \(at most two, a daylight-saving shift apart\), "
    with pytest.raises(DataError, match=head + said + r"; convert them to one zone first"):
        read_series_csv(_zoned(times, tmp_path), "t", what="--csv")
    with pytest.raises(DataError, match=head + said):     # a frame given to the API: the same rule
        Forecaster("seasonal_naive", horizon=2).fit(pd.DataFrame({"t": times, "y": 1.0 + np.arange(30) % 3}),
                                                    target="y", time_col="t")


def test_one_zones_daylight_saving_offsets_read_as_before(tmp_path):
    # One zone's offsets (Berlin's +01:00 / +02:00, switching in spring and autumn, three times within a year here)
    # are not two zones. Oracle: pandas' UTC instants for hourly data, the local dates for daily data.
    from rnnkit.data.series import read_series_csv

    hourly = pd.date_range("2024-03-30", "2025-03-31", freq="6h", tz="Europe/Berlin")
    text = [t.isoformat() for t in hourly]
    got = read_series_csv(_zoned(text, tmp_path, "h.csv"), "t", what="--csv")["t"]
    assert pd.DatetimeIndex(got).equals(pd.DatetimeIndex(pd.to_datetime(pd.Series(text), utc=True)))
    daily = pd.date_range("2024-03-20", periods=250, freq="D", tz="Europe/Berlin")
    got = read_series_csv(_zoned([t.isoformat() for t in daily], tmp_path, "d.csv"), "t", what="--csv")["t"]
    assert pd.DatetimeIndex(got).equals(daily.tz_localize(None))


# ----------------------------------------------------------------------------- numbers written as text
@pytest.mark.parametrize("value, hint", [
    ("12%", "a percent sign"), ("1,234", "thousands separators"), ("$5", "a currency sign"),
    ("\u22125", "a typographic minus sign ('\u2212', U+2212): write '-'"), ("TRUE", "a true/false value"),
])
def test_a_tsc_csv_value_written_as_text_names_its_column_and_what_it_looks_like(tmp_path, value, hint):
    # Before: "csv '...': expected numbers in ['time', 'v'] at row 3, got {...the whole row...}" -- neither the column
    # nor the cause named, where the forecaster's reader names both (session 21's hints, now data/number_text.py,
    # one rule for both). Oracle: pandas does not read the value as a number either.
    from toy_data import write_frame

    from rnnkit.data.tsc import read_long_csv

    rows = [{"id": f"s{i}", "time": t, "v": float(t + i), "label": "ab"[i % 2]} for i in range(4) for t in range(6)]
    frame = pd.DataFrame(rows).astype({"v": object, "time": object})
    frame.loc[1, "v"] = value
    path = write_frame(tmp_path / "long.csv", frame)
    assert pd.read_csv(path)["v"].dtype.kind not in "fiub"
    with pytest.raises(DataError, match=rf"^csv '.*long\.csv': expected a number in column 'v' at row 3, got "
                                        rf"{re.escape(repr(value))}; {re.escape(hint)}"):
        read_long_csv(path)
    frame.loc[1, "v"], frame.loc[2, "time"] = 1.0, "2024-01-01"   # a date as a tsc time: the time column named
    with pytest.raises(DataError, match=r"expected a number in column 'time' at row 4, got '2024-01-01' \(row "):
        read_long_csv(write_frame(tmp_path / "t.csv", frame))


@pytest.mark.parametrize("values, hint", [
    ([True, False] * 15, "; true/false values: write 1 and 0 (pandas: df[col].astype(int)) if a 0/1 series is meant"),
    (["\u22125"] * 30, "; a typographic minus sign ('\u2212', U+2212): write '-'"),
    (["\u0661\u0662"] * 30, "; digits of another script ('\u0661', U+0661): write ASCII digits 0-9"),
])
def test_a_forecast_target_of_bools_or_odd_digits_is_refused_with_what_it_looks_like(tmp_path, values, hint):
    # Refused before too (pandas reads none of them as numbers), but as 'got dtype bool (e.g. np.True_ ...)' / 'got
    # dtype str' with no word of the cause; the CSV path and a frame say the same.
    from toy_data import write_frame

    from rnnkit.data.series import read_series_csv
    from rnnkit.tasks.forecasting import Forecaster

    frame = pd.DataFrame({"day": pd.date_range("2024-01-01", periods=30).strftime("%Y-%m-%d"), "y": values})
    path = write_frame(tmp_path / "y.csv", frame)
    assert not pd.api.types.is_numeric_dtype(pd.read_csv(path)["y"]) or pd.read_csv(path)["y"].dtype == bool
    for data in (frame, read_series_csv(path, "day", what="--csv")):
        with pytest.raises(DataError, match=r"^target 'y' in series 'y': expected numeric values, got dtype .*"
                                            + re.escape(hint) + "$"):
            Forecaster("seasonal_naive", horizon=2).fit(data, target="y", time_col="day")


def test_a_daily_series_of_local_offsets_is_updated_by_rows_written_the_same_way(tmp_path):
    # A daily file of local times with their offsets across a clock change ('...T00:00:00+01:00', then +02:00) is
    # read as its wall-clock dates (parse_dates' rule); its next line, written the same way, was refused by update
    # and as future covariates: "expected timestamps in the time zone of series 'y' (tz-naive), got UTC+02:00 ones".
    # Oracle: the same rows with the offsets left out (naive dates), which update always took.
    from rnnkit.tasks.forecasting import Forecaster

    days = pd.date_range("2024-03-20", periods=32, freq="D", tz="Europe/Berlin")
    text = [t.isoformat() for t in days]
    y = np.arange(32) % 7 + 1.0 + np.random.default_rng(1).normal(scale=0.1, size=32)
    fit = pd.DataFrame({"t": text[:30], "y": y[:30]})
    aware = pd.DataFrame({"t": text[30:], "y": y[30:]})
    naive = aware.assign(t=days[30:].strftime("%Y-%m-%d"))
    want = Forecaster("seasonal_naive", horizon=3).fit(fit, target="y", time_col="t").update(naive)
    got = Forecaster("seasonal_naive", horizon=3).fit(fit, target="y", time_col="t").update(aware)
    pd.testing.assert_frame_equal(got, want)
    assert got["time"].iloc[0] == pd.Timestamp("2024-04-21")
    utc = aware.assign(t=days[30:].tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"))   # instants: another wall clock
    with pytest.raises(DataError, match=r"^new_points: expected timestamps in the time zone of series 'y' \(tz-naive\), "
                                        r"got UTC ones \['2024-04-18 22:00:00\+00:00'"):
        Forecaster("seasonal_naive", horizon=3).fit(fit, target="y", time_col="t").update(utc)
    from types import SimpleNamespace

    from rnnkit.tasks.forecasting.inputs import future_covariate_values

    fitted = [SimpleNamespace(id="y", index=pd.date_range("2024-03-20", periods=30, freq="D"), freq="D",
                              fut=np.zeros((30, 1)))]      # as the fit holds it: wall-clock dates
    future = pd.DataFrame({"t": text[30:], "promo": [1.0, 0.0]})
    args = {"time_col": "t", "future_covariates": ["promo"], "date_format": "ISO8601"}
    got = future_covariate_values(future, fitted, args, 2)   # was: 'expected ... (tz-naive), got UTC+02:00 ones'
    want = future_covariate_values(future.assign(t=days[30:].strftime("%Y-%m-%d")), fitted, args, 2)
    np.testing.assert_array_equal(got[0], want[0])


# ----------------------------------------------------------------------------- ISO weeks and quarters
def test_iso_week_dates_are_read_as_the_days_they_name(tmp_path):
    # '2020-W05-1' (ISO 8601's week date: year, week, weekday) was "no known format that parses every value", its
    # week form '2020-W05' read. Oracle: Python's date.fromisoformat, which reads ISO week dates; a week 53 that the
    # year lacks stays refused (pandas and Python refuse it too).
    import datetime

    from rnnkit.data.series import parse_dates

    text = [f"2020-W{w:02d}-{d}" for w in (52, 53) for d in range(1, 8)] + [f"2021-W01-{d}" for d in range(1, 8)]
    idx, fmt = parse_dates(text, "time_col 't'")
    assert fmt == "%G-W%V-%u"
    assert list(idx) == [pd.Timestamp(datetime.date.fromisoformat(t)) for t in text]
    with pytest.raises(ValueError):
        datetime.date.fromisoformat("2021-W53-1")
    with pytest.raises(DataError, match=r"^time_col 't': expected dates in one format"):
        parse_dates(["2021-W52-7", "2021-W53-1"], "time_col 't'")
    assert parse_dates(["2020-W05", "2020-W06"], "t")[1] == "%G-W%V"       # weeks without a day: as before


@pytest.mark.parametrize("reader, text, said", [
    (read_ts, "@classLabel true a b\n@data\n1,2,4:3,12%,5:a\n",
     r"got '1,2,4:3,12%,5:a'; channel 2 field 2 is '12%'; a percent sign: write the number alone"),
    (read_ts, "@classLabel true a b\n@data\n1,n.a.,3:a\n",
     r"channel 1 field 2 is 'n\.a\.'; a report's mark of a missing value: write \? \(the file's missing value\)$"),
    (read_ucr, "1\t0.5\t\u22123\t4\n", r"got '1\\t0\.5\\t\u22123\\t4'; value 2 is '\u22123'; a typographic minus"),
    (read_ucr, "1,0.5,?,4\n", r"value 2 is '\?'; a report's mark of a missing value: write NaN"),
])
def test_a_ts_or_ucr_field_that_is_no_number_is_named_with_what_it_looks_like(reader, text, said):
    # Before: only the line's first 60 characters ("expected comma-separated numbers at line 3, got '1,2:3,12%,5:a'"):
    # in a line of hundreds of values the field was for the user to find. Oracle: the same line with the field
    # written as a number reads.
    with pytest.raises(DataError, match=said):
        reader(text=text)
    fixed = text.replace("12%", "12").replace("n.a.", "?").replace("\u2212", "-").replace(",?,", ",NaN,")
    assert len(reader(text=fixed)[0]) == 1
