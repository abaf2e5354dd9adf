"""Session 33 (F): hostile forecasting inputs -- time columns of numbers that are dates or periods."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError
from rnnkit.tasks.forecasting import Forecaster


def _frame(times, n: int | None = None) -> pd.DataFrame:
    n = len(times) if n is None else n
    i = np.arange(n)
    return pd.DataFrame({"date": list(times), "y": 10 + 3 * np.sin(i * 2 * np.pi / 4) + 0.1 * i})


def _fit(frame: pd.DataFrame, horizon: int = 3):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = Forecaster(model="seasonal_naive", horizon=horizon)
        f.fit(frame, target="y", time_col="date")
        fc = f.predict()
    return fc, [str(w.message) for w in caught]


@pytest.mark.parametrize("times, fmt, nxt", [
    (range(202001, 202013), "%Y%m", "202013"),                 # one year of months
    (range(20200101, 20200132), "%Y%m%d", "20200132"),         # one month of days
    (range(2020010100, 2020010124), "%Y%m%d%H", "2020010124"),  # one day of hours
])
def test_consecutive_dates_written_as_numbers_are_named_with_the_format(times, fmt, nxt):
    # fails at 1fbed06: read as steps and forecast at 202013 / 20200132 / 2020010124 without a word
    fc, said = _fit(_frame(times))
    assert str(fc["time"].iloc[0]) == nxt            # still steps (valid steps are never refused) ...
    notes = [m for m in said if "integer steps" in m]
    assert len(notes) == 1 and f"--date-format {fmt}" in notes[0] and f"the next is {nxt}, no date" in notes[0]


def test_the_named_format_reads_them_as_a_calendar():
    f = Forecaster(model="seasonal_naive", horizon=2)
    f.fit(_frame(range(202001, 202013)), target="y", time_col="date", date_format="%Y%m")
    assert [str(t.date()) for t in f.predict()["time"]] == ["2021-01-01", "2021-02-01"]


def test_one_year_of_year_week_numbers_is_named():
    # fails at 1fbed06: 201801 .. 201852 forecast at 201853, 201854 ... without a word
    fc, said = _fit(_frame(range(201801, 201853)))
    notes = [m for m in said if "integer steps" in m]
    assert len(notes) == 1 and "year-week numbers (201801 = 2018, ISO week 01)" in notes[0]
    assert "%G%V%u" in notes[0] and "the next is 201853, no date" in notes[0]


@pytest.mark.parametrize("times", [
    range(1, 41),                       # plain steps
    range(1990, 2030),                  # years
    range(100001, 100041),              # the year 1000 is no year of such a file
    range(202001, 202007),              # six months: the next (202007) is a month, but still no calendar ...
])
def test_other_integer_steps_are_left_alone_or_named_without_no_date(times):
    fc, said = _fit(_frame(times))
    notes = [m for m in said if "integer steps" in m]
    if times.start == 202001:
        assert len(notes) == 1 and "no date" not in notes[0] and "%Y%m" in notes[0]
    else:
        assert notes == []


def test_a_step_column_name_or_an_unnamed_index_says_steps():
    frame = _frame(range(202001, 202013)).rename(columns={"date": "step"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Forecaster(model="seasonal_naive", horizon=2).fit(frame, target="y", time_col="step")
        Forecaster(model="seasonal_naive", horizon=2).fit(frame.set_index("step")["y"].rename_axis(None))
    assert not [w for w in caught if "integer steps" in str(w.message)]


@pytest.mark.parametrize("times, what", [
    ([y * 100 + w for y in (2018, 2019) for w in range(1, 53)], "year-week numbers (201801 = 2018, ISO week 01)"),
    ([y * 100 + w for y in (2020, 2021) for w in range(1, 53 + (y == 2020))], "year-week numbers (202001"),
    ([y * 10 + q for y in range(2000, 2010) for q in range(1, 5)], "year-quarter numbers (20001 = 2000, quarter 1)"),
    ([y * 10 + q for y in range(2000, 2010) for q in range(1, 5) if (y, q) != (2003, 2)], "year-quarter numbers"),
])
def test_period_numbers_across_a_year_are_named_not_resampled(times, what):
    # fails at 1fbed06: "irregular gaps (steps [1, 49]); pass --resample ..." -- which invents the 48 numbers
    # between 201852 and 201901 (quarters: the 6 between 20004 and 20011)
    with pytest.raises(DataError, match="irregular gaps") as err:
        _fit(_frame(times))
    assert what in str(err.value) and "resample" not in str(err.value)


def test_a_year_quarter_hint_is_a_form_the_time_column_reads():
    times = [f"{y}Q{q}" for y in range(2000, 2010) for q in range(1, 5)]
    fc, _ = _fit(_frame(times), horizon=2)
    assert [str(t.date()) for t in fc["time"]] == ["2010-01-01", "2010-04-01"]


def _jittered(n: int = 40, tz: str | None = None) -> pd.Series:
    rng = np.random.default_rng(3)
    days = pd.date_range("2020-01-01", periods=n, freq="D", tz=tz)
    stamps = days + pd.to_timedelta(8 * 60 + rng.integers(0, 120, n), unit="min")
    return pd.Series(10 + np.sin(np.arange(n)), index=stamps, name="y")


def test_one_reading_a_day_at_varying_times_is_named_and_binned_by_day():
    # fails at 1fbed06: the modal of 39 distinct steps ('1442min'-like) was the frequency, and --resample put the
    # readings on that grid: forecast times drifting minutes a day, the first one on the day of the last reading
    y = _jittered()
    with pytest.raises(DataError, match=r"at most one a calendar day at varying times of day \(2020-01-01 0[89]:\d\d, "):
        Forecaster(model="seasonal_naive", horizon=2).fit(y)
    f = Forecaster(model="seasonal_naive", horizon=2, resample=True)
    f.fit(y)
    assert [str(t) for t in f.predict()["time"]] == ["2020-02-10 00:00:00", "2020-02-11 00:00:00"]
    assert f.summary()["series"][0]["length"] == 40


def test_a_daily_grid_with_a_few_stamps_off_it_keeps_its_time_of_day():
    # the rule is for stamps with no common step: daily 06:00 readings with two late ones stay a 06:00 grid
    idx = pd.date_range("2020-01-01 06:00", periods=30, freq="D")
    idx = idx[:10].append(idx[10:12] + pd.Timedelta(minutes=40)).append(idx[12:])
    y = pd.Series(np.arange(30.0) % 7, index=idx, name="y")
    with pytest.raises(DataError, match="2 timestamps off the grid"):
        Forecaster(model="seasonal_naive", horizon=2).fit(y)
    f = Forecaster(model="seasonal_naive", horizon=2, resample=True)
    f.fit(y)
    assert str(f.predict()["time"].iloc[0]) == "2020-01-31 06:00:00"


def test_dates_at_varying_days_are_not_called_times_of_day():
    # dates alone (midnights) a month or a week apart at varying days are not 'one a day at varying times of day'
    rng = np.random.default_rng(1)
    stamps = pd.date_range("2015-01-01", periods=40, freq="MS") + pd.to_timedelta(rng.integers(0, 10, 40), unit="D")
    with pytest.raises(DataError) as err:
        Forecaster(model="seasonal_naive", horizon=2).fit(pd.Series(np.arange(40.0), index=stamps, name="y"))
    assert "times of day" not in str(err.value)


@pytest.mark.parametrize("unit, base, jitter, times", [
    ("MS", "2015-01-01", "D", ["2018-05-01", "2018-06-01"]),            # a meter read on day 1 .. 10 of each month
    ("W-MON", "2020-01-06", "D", ["2020-10-12", "2020-10-19"]),         # once a week, Monday .. Friday
    ("h", "2020-01-01", "min", ["2020-01-02 16:00:00", "2020-01-02 17:00:00"]),   # once an hour at :00 .. :14
])
def test_one_reading_a_month_week_or_hour_at_varying_moments_is_binned_by_that_unit(unit, base, jitter, times):
    # fails at 1fbed06: '33D' / '8D' / '62min' grids, forecast times drifting off the months, weeks and hours
    rng = np.random.default_rng(4)
    stamps = pd.date_range(base, periods=40, freq=unit) + pd.to_timedelta(rng.integers(0, 10 if unit == "MS" else
                                                                                        5 if unit == "W-MON" else 15,
                                                                                        40), unit=jitter)
    y = pd.Series(np.arange(40.0) % 4, index=stamps, name="y")
    with pytest.raises(DataError, match=f"frequency {unit}\\) in series 'y', got at most one a "):
        Forecaster(model="seasonal_naive", horizon=2).fit(y)
    f = Forecaster(model="seasonal_naive", horizon=2, resample=True)
    f.fit(y)
    assert [str(t) if unit == "h" else str(t.date()) for t in f.predict()["time"]] == times
    assert f.summary()["series"][0]["length"] == 40


def test_aware_daily_readings_at_varying_times_are_binned_by_their_local_day():
    y = _jittered(tz="Europe/Berlin")
    f = Forecaster(model="seasonal_naive", horizon=1, resample=True)
    f.fit(y)
    assert str(f.predict()["time"].iloc[0]) == "2020-02-10 00:00:00+01:00"


def test_a_loggers_five_minute_readings_a_few_seconds_off_the_mark_are_five_minute_readings():
    # fails at 1fbed06 and 8779f54: '299s' (the modal of the distinct steps), --resample drifting the forecast times
    # (01:00:15, 01:05:14, 01:10:13); readings 10 s before or 10 s after the mark are its reading
    rng = np.random.default_rng(5)
    stamps = pd.date_range("2020-01-01", periods=300, freq="5min") + pd.to_timedelta(rng.integers(-10, 11, 300), unit="s")
    y = pd.Series(np.sin(np.arange(300.0)), index=stamps, name="y")
    with pytest.raises(DataError, match=r"\(frequency 5min\) in series 'y', got at most one a 5-minute slot at varying "
                                        r"seconds \(2020-01-01 00:00:0\d"):
        Forecaster(model="seasonal_naive", horizon=2).fit(y)
    f = Forecaster(model="seasonal_naive", horizon=2, resample=True)
    f.fit(y)
    assert [str(t) for t in f.predict()["time"]] == ["2020-01-02 01:00:00", "2020-01-02 01:05:00"]
    assert f.summary()["series"][0]["length"] == 300
