"""Session 25, helper F: generated and mutated inputs through the series readers (read_series_csv, parse_series,
the forecast CLI) -- each minimal failing input found by /work/scratch/s25/F's fuzz loops kept here as a test --
and the warning of a series read mostly by interpolation (session 24's leftover)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.series import read_series_csv
from rnnkit.data.timeseries.frequency import infer_frequency
import rnnkit.cli.common  # noqa: F401 -- imported before any test patches rnnkit._memory.available_memory: a module
import rnnkit.tasks.generation.ngram  # noqa: F401 -- first imported under the patch kept the fake for the process
from rnnkit.errors import DataError
from rnnkit.tasks.forecasting.inputs import parse_series

pytestmark = pytest.mark.usefixtures("one_thread")


def _csv(tmp_path, text: str, name: str = "s.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------- one date far from the others
def test_one_mistyped_far_date_is_refused_naming_it_before_a_grid_is_built(tmp_path):
    # Found by mutation: an hourly log of 72 rows with one time typed 9999-12-31 made infer_frequency build a grid
    # of 70 million hours and compare it with the stamps (minutes on a 2 kB file; with --resample it would be
    # interpolated). Daily here (a grid of 2.9 million days, built in a second), so the old code answers quickly:
    # at 77ec123 it said "irregular gaps (2916xxx missing timestamps)" with --resample off and filled them with it on.
    days = pd.date_range("2021-01-01", periods=30, freq="D").strftime("%Y-%m-%d").tolist()
    days[-1] = "9999-12-31"
    path = _csv(tmp_path, "day,y\n" + "".join(f"{d},{i % 7 + 1}\n" for i, d in enumerate(days)))
    frame = read_series_csv(path, "day", what="--csv")
    for resample in (False, True):
        with pytest.raises(DataError, match=r"^time_col 'day': expected times that fill a grid of D steps in series "
                                            r"'y', got 30 times spread over about 2\.9\de\+06 steps .*the widest gap is "
                                            r"from 2021-01-29 00:00:00 to 9999-12-31 00:00:00 \(position 29\): a "
                                            r"mistyped date\?"):
            parse_series(frame, target="y", time_col="day", resample=resample)


def test_one_mistyped_integer_step_with_resample_is_refused_not_a_memory_error():
    # Found by mutation: integer steps 1..29 then 10**11 with resample=True reindexed to range(1, 10**11 + 1):
    # numpy's MemoryError "Unable to allocate 745. GiB" at 77ec123 (10**8 would have been built: minutes).
    df = pd.DataFrame({"t": list(range(1, 30)) + [10 ** 11], "y": np.arange(30.0) % 7})
    with pytest.raises(DataError, match=r"^time_col 't': expected times that fill a grid of integer steps in series "
                                        r"'y', got 30 times spread over about 1e\+11 steps \(1 \.\. 100000000000\); "
                                        r"the widest gap is from 29 to 100000000000 \(position 29\)"):
        parse_series(df, target="y", time_col="t", resample=True)
    [s] = parse_series(df.assign(t=list(range(1, 30)) + [40]), target="y", time_col="t", resample=True)
    assert s.missing == 10 and len(s.y) == 40    # a short gap is still filled (with the mostly-filled warning off)


def test_a_far_date_in_one_series_of_a_weekly_panel_is_refused_naming_the_series():
    # Found by mutation after 1950e06 (whose floor was 10**6 slots): a weekly panel whose store 'a' has one week
    # typed 9999-12-31 was resampled to 416,000 weeks (5-9 s, then a fit over 99.99% invented values).
    weeks = pd.date_range("2020-01-06", periods=20, freq="W-MON")
    a = pd.DataFrame({"store": "a", "week": weeks.insert(20, pd.Timestamp("9999-12-31")), "y": np.arange(21.0) % 5})
    b = pd.DataFrame({"store": "b", "week": weeks, "y": np.arange(20.0) % 3})
    with pytest.raises(DataError, match=r"^time_col 'week': expected times that fill a grid of W-MON steps in series "
                                        r"'a', got 21 times spread over about 4\.16e\+05 steps"):
        parse_series(pd.concat([a, b]), target="y", time_col="week", id_col="store", resample=True)


def test_a_sparse_grid_within_the_bound_is_still_read():
    # The bound is 100 slots a stamp (and 10**4 in all): a daily series missing a month is only gaps, as before.
    idx = pd.date_range("2020-01-01", periods=60, freq="D").delete(range(20, 50))
    info = infer_frequency(idx)
    assert (info.freq, info.missing_stamps, info.off_grid) == ("D", 30, 0)
    # a minute series with a week's gap: 10,080 slots for 2 x 100 stamps is under 100 a stamp -- a gap, not refused
    idx = pd.date_range("2020-01-01", periods=100, freq="min").append(
        pd.date_range("2020-01-08", periods=100, freq="min"))
    assert infer_frequency(idx).freq == "min"


def test_a_stamp_at_pandas_last_day_is_measured_without_overflow():
    idx = pd.DatetimeIndex(["2262-04-09", "2262-04-10", "2262-04-11"])
    assert infer_frequency(idx).freq == "D"


# ----------------------------------------------------------------------------- mostly interpolated (s24 leftover)
def _hours(n: int, keep: np.ndarray) -> pd.DataFrame:
    t = pd.date_range("2024-01-01", periods=n, freq="h")[keep]
    return pd.DataFrame({"t": t, "calls": np.arange(keep.sum(), dtype=float) % 5 + 1})


def test_a_series_mostly_filled_by_resample_warns_with_the_share_and_the_slots_added():
    # session 24's bank_calls: 57% of the hourly slots were filled by interpolation and only the progress line's
    # count said so. Oracle: the grid slots counted here from the mask that built the data.
    keep = np.arange(200) % 7 < 3   # 3 hours given, 4 not: hourly (the modal step), 112 of 200 hours empty
    keep[-1] = True
    with pytest.warns(UserWarning, match=r"^target 'calls' in series 'calls': 112 of its 200 values \(56%\) are "
                                         r"missing and interpolated, 112 of them time slots --resample added") as rec:
        [s] = parse_series(_hours(200, keep), target="calls", time_col="t", resample=True)
    assert s.freq == "h" and s.missing == 200 - keep.sum() == 112 and s.resampled == 112
    assert len([w for w in rec if "interpolated" in str(w.message)]) == 1


def test_missing_cells_count_too_and_a_series_mostly_observed_is_quiet():
    y = np.arange(40, dtype=float)
    y[5:16] = np.nan           # 11 of 40 = 27.5% > 25%: warned, no slots added
    df = pd.DataFrame({"t": pd.date_range("2020-01-01", periods=40, freq="D"), "y": y})
    with pytest.warns(UserWarning, match=r"11 of its 40 values \(28%\) are missing and interpolated; a model"):
        parse_series(df, target="y", time_col="t")
    y[15] = 15.0               # 10 of 40 = 25%: not more than a quarter, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [s] = parse_series(df.assign(y=y), target="y", time_col="t")
    assert s.missing == 10


def test_a_panel_of_sparse_series_warns_once_for_all_of_them():
    keep = np.arange(60) % 7 < 3
    keep[-1] = True
    frames = [_hours(60, keep).assign(id=f"s{i}") for i in range(6)]
    with pytest.warns(UserWarning) as rec:
        parse_series(pd.concat(frames), target="calls", time_col="t", id_col="id", resample=True)
    filled = [str(w.message) for w in rec if "interpolated" in str(w.message)]
    assert len(filled) == 1 and "and so for 5 more series" in filled[0]


# ----------------------------------------------------------------------------- signed years ('-0', '-5')
@pytest.mark.parametrize("cell, year", [("-0", 0), ("-5", -5), ("-0001-01-01", -1), ("0000-06-01", 0)])
def test_a_signed_or_zero_year_among_dates_is_refused_naming_its_row(tmp_path, cell, year):
    # Found by mutation: a monthly CSV with one date cell '-0' -- pandas' ISO 8601 reads it as year 0 (and '-5' as
    # year -5): at 77ec123 the frequency's name called strftime on it, pandas' NotImplementedError ("strftime not yet
    # supported on Timestamps which are outside the range of Python's standard library"). Oracle: pandas' own
    # reading of the cell (the year it makes of it).
    assert pd.to_datetime(pd.Series(["2001-01-01", cell]), format="ISO8601")[1].year == year
    days = pd.date_range("2001-01-01", periods=12, freq="MS").strftime("%Y-%m-%d").tolist()
    days[0] = cell
    path = _csv(tmp_path, "date,y\n" + "".join(f"{d},{i % 4 + 1}\n" for i, d in enumerate(days)))
    with pytest.raises(DataError, match=rf"^time_col 'date': expected dates from year 1 on, got '{cell}' in data row 1 "
                                        rf"\(year {year}\): a number or a signed year where a date belongs\?"):
        frame = read_series_csv(path, "date", what="--csv")
        parse_series(frame, target="y", time_col="date")


def test_timestamps_before_year_one_given_through_the_api_are_refused_by_position():
    t = pd.Series(np.array(["0000-01-01", "0001-01-01", "0002-01-01", "0003-01-01"], dtype="datetime64[s]"))
    with pytest.raises(DataError, match=r"^time_col 't': expected dates from year 1 on, got '0000-01-01 00:00:00' "
                                        r"at position 0 \(year 0\)"):
        parse_series(pd.DataFrame({"t": t, "y": [1.0, 2.0, 4.0, 3.0]}), target="y", time_col="t")
    [s] = parse_series(pd.DataFrame({"t": t[1:], "y": [2.0, 4.0, 3.0]}), target="y", time_col="t")
    assert s.freq == "YS-JAN" and s.index[0].year == 1     # year 1 is Python's first: still read


# ----------------------------------------------------------------------------- forecast times past the year 9999
def test_a_horizon_into_the_year_10000_is_refused_before_the_fit(tmp_path, capsys):
    # Found by the hostile-date cases: a monthly series ending 9999-06-01 fitted with --horizon 8 -- the fit ran, then
    # writing the forecast's dates (10000-01-01 ..) raised pandas' NotImplementedError ('strftime not yet supported
    # on Timestamps which are outside the range of Python's standard library'), exit 1 with the work lost, at
    # 77ec123. --horizon 6 (through 9999-12-01) still forecasts. Oracle: Python's datetime.MAXYEAR.
    import datetime

    from rnnkit.cli.main import main

    t = pd.date_range("9997-01-01", periods=30, freq="MS")
    path = _csv(tmp_path, "t,y\n" + "".join(f"{d:%Y-%m-%d},{i % 12 + 1}\n" for i, d in enumerate(t)))
    base = ["forecast", "--csv", str(path), "--target", "y", "--time-col", "t", "--model", "seasonal_naive",
            "--threads", "1", "--quiet", "--no-plot"]
    assert main(base + ["--horizon", "8", "--out", str(tmp_path / "bad")]) == 1
    assert capsys.readouterr().err.strip() == (
        "rnnkit forecast: error: DataError: --horizon: expected forecast times up to the year 9999 (where Python's "
        "dates end), got 8 steps of MS after 9999-06-01 00:00:00, through 10000-02")
    assert not (tmp_path / "bad").exists()      # refused before the fit: nothing written
    assert datetime.MAXYEAR == 9999
    assert main(base + ["--horizon", "6", "--out", str(tmp_path / "ok")]) == 0
    assert pd.read_csv(tmp_path / "ok" / "forecast.csv")["time"].iloc[-1] == "9999-12-01"


def test_integer_steps_whose_horizon_passes_int64_are_refused_not_wrapped():
    # Found with the far-date cases: integer steps ending at 2**63 - 5 and horizon 10 forecast times
    # -9223372036854775804 .. (RangeIndex wrapped around int64) at 77ec123, silently. Oracle: Python's ints.
    from rnnkit.tasks.forecasting.inputs import future_index

    last = 2 ** 63 - 5
    index = pd.Index(np.arange(last - 15, last + 1, dtype=np.int64))
    assert list(future_index(index, None, 4)) == [last + k for k in range(1, 5)]      # up to 2**63 - 1: read
    with pytest.raises(DataError, match=r"^horizon: expected forecast steps an int64 holds \(up to "
                                        r"9223372036854775807\), got 5 steps after 9223372036854775803$"):
        future_index(index, None, 5)


def test_integer_steps_spanning_all_of_int64_under_resample_are_refused_not_an_overflow():
    # After 1950e06: steps -2**63, 0..4, 2**63 - 1 with resample=True -- the span idx[-1] - idx[0] wrapped in int64 to
    # -1 (no grid too large), then the reindex raised Python's untyped OverflowError ('Python int too large to
    # convert to C ssize_t'). The span and the widest gap are now taken in Python ints / floats.
    t = np.r_[np.int64(-2 ** 63), np.arange(5), np.int64(2 ** 63 - 1)].astype(np.int64)
    with pytest.raises(DataError, match=r"^time_col 't': expected times that fill a grid of integer steps in series "
                                        r"'y', got 7 times spread over about 1\.84e\+19 steps .*the widest gap is from "
                                        r"-9223372036854775808 to 0 \(position 1\)"):
        parse_series(pd.DataFrame({"t": t, "y": np.arange(7.0)}), target="y", time_col="t", resample=True)


# ----------------------------------------------------------------------------- gzip that expands past memory
def test_a_gzip_file_expanding_past_the_memory_bound_is_refused_while_reading(tmp_path, monkeypatch):
    # A gzip file expands up to ~1000x (64 MiB of one CSV row compress to 64 kB): gzip.decompress took it whole at
    # 77ec123 -- the OOM killer before a word for a large one. The bound here is made small (100 MiB available:
    # a quarter, 25 MiB, of text) so the test reads 32 MiB at most; the real bound is the machine's.
    import gzip

    import rnnkit._memory

    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(gzip.compress(b"t,y\n" + b"1,2\n" * ((64 << 20) // 4)))
    monkeypatch.setattr(rnnkit._memory, "available_memory", lambda device="cpu": 100 << 20)
    with pytest.raises(DataError, match=r"^--csv: expected a gzip file whose text fits in memory \(a quarter of the "
                                        r"100\.0 MB available\), got '.*bomb\.csv\.gz', which decompresses past "
                                        r"32\.0 MB \(6\d\.\d KB compressed\)$"):
        read_series_csv(bomb, "t", what="--csv")
    # below the bound, and a file of two gzip members (gzip.decompress read both): read as pandas reads it
    two = tmp_path / "two.csv.gz"
    two.write_bytes(gzip.compress(b"t,y\n1,2\n2,3\n") + gzip.compress(b"3,5\n4,4\n"))
    frame = read_series_csv(two, "t", what="--csv")
    assert frame.equals(pd.read_csv(two)) and frame["y"].tolist() == [2, 3, 5, 4]
