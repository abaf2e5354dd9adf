"""Session 34 (helper F): jittered readings of a round step are read as that step, not the modal one of their
stamps ('2842min', '668min', '86380s', weekly '10039min'); short monthly series read on days 1..27 are monthly; hourly local times
across the autumn clock change with jitter are refused with the clock change named; ``update`` of a run fitted with
``resample=True`` puts new jittered rows on the grid as the fit did (it refused them)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries.frequency import infer_frequency, regularize_index
from rnnkit.errors import DataError
from rnnkit.tasks.forecasting import Forecaster


def _jittered(start, n, freq, minutes, seed=0, tz=None):
    rng = np.random.default_rng(seed)
    grid = pd.date_range(start, periods=n, freq=freq, tz=tz)
    return grid, grid + pd.to_timedelta(rng.integers(-minutes, minutes + 1, n), unit="min")


@pytest.mark.parametrize("start,freq,minutes", [("2021-01-01 09:00", "2D", 20), ("2021-01-01 09:00", "2D", 180),
                                                ("2021-01-01 09:00", "12h", 10), ("2021-01-01 00:00", "D", 5),
                                                ("2021-01-04 00:00", "W-MON", 30), ("2021-01-04 09:00", "W-MON", 600)])
def test_jittered_readings_of_a_round_step_are_read_as_that_step(start, freq, minutes):
    grid, stamps = _jittered(start, 60, freq, minutes)
    info = infer_frequency(stamps)
    assert info.freq == freq and info.missing_stamps == 0
    frame = pd.DataFrame({"y": np.arange(60.0)}, index=stamps)
    with pytest.raises(DataError, match=f"off a {freq} grid.*--resample"):
        regularize_index(frame, info, resample=False)
    out = regularize_index(frame, info, resample=True)
    # each reading on its own grid time (the grid a person names: 09:00, midnight), none merged or invented
    assert list(out.index) == list(grid) and out["y"].tolist() == list(range(60))


def test_a_jittered_grid_with_a_gap_counts_the_gap():
    grid, stamps = _jittered("2021-01-01 09:00", 40, "2D", 15, seed=1)
    keep = np.r_[0:20, 21:40]
    info = infer_frequency(stamps[keep])
    assert (info.freq, info.missing_stamps) == ("2D", 1)
    out = regularize_index(pd.DataFrame({"y": np.arange(39.0)}, index=stamps[keep]), info, resample=True)
    assert list(out.index) == list(grid) and np.isnan(out["y"].iloc[20])


def test_hourly_local_times_across_the_autumn_change_with_jitter_are_refused_naming_it():
    utc = pd.date_range("2021-10-30 22:00", periods=48, freq="h", tz="UTC")
    rng = np.random.default_rng(2)
    wall = (utc + pd.to_timedelta(rng.integers(-120, 121, 48), unit="s")).tz_convert("Europe/Berlin").tz_localize(None)
    with pytest.raises(DataError, match="2021-10-31 02:00.*clock hour repeated at a daylight-saving change"):
        infer_frequency(wall.sort_values())


def test_the_same_readings_in_utc_are_hourly():
    utc = pd.date_range("2021-10-30 22:00", periods=48, freq="h", tz="Europe/Berlin")
    rng = np.random.default_rng(2)
    assert infer_frequency(utc + pd.to_timedelta(rng.integers(-120, 121, 48), unit="s")).freq == "h"


@pytest.mark.parametrize("days", [["2020-01-20", "2020-02-11", "2020-03-01", "2020-04-26", "2020-05-27", "2020-06-17",
                                   "2020-07-20", "2020-08-01"],     # median step 22 days: was '12D'
                                  ["2020-01-09", "2020-02-16", "2020-03-24", "2020-04-26", "2020-05-07", "2020-06-18",
                                   "2020-07-06", "2020-08-17", "2020-09-23", "2020-10-27"]])   # median 37: '37D'
def test_a_short_monthly_series_read_on_varying_days_is_monthly(days):
    assert infer_frequency(pd.DatetimeIndex(days)).freq == "MS"


def test_a_jitter_of_half_a_step_is_no_grid():
    # readings every 12 h give or take 5 h are no 12-hour grid: not snapped (the modal step, as before)
    _, stamps = _jittered("2021-01-01 09:00", 60, "12h", 300, seed=4)
    assert infer_frequency(stamps.sort_values()).freq != "12h"


@pytest.mark.parametrize("freq,minutes,start", [("D", 40, "2021-01-01 08:00"), ("2D", 30, "2021-01-01 09:00")])
def test_update_of_a_resampled_fit_takes_new_jittered_rows_as_the_fit_did(freq, minutes, start):
    n = 60
    grid, stamps = _jittered(start, n + 4, freq, minutes, seed=5)
    y = pd.Series(10 + np.arange(n + 4) % 5 + np.random.default_rng(6).normal(0, 0.1, n + 4), index=stamps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster(model="ets", horizon=3, resample=True).fit(y[:n])
        first = pd.Timestamp(f.predict()["time"].iloc[0])
        f.update(y[n:n + 2])       # was: "expected timestamps continuing series 'series' at D from ..."
        after = pd.Timestamp(f.predict()["time"].iloc[0])
    assert after == first + 2 * pd.tseries.frequencies.to_offset(freq)


def test_update_of_a_resampled_fit_still_refuses_a_gap():
    grid, stamps = _jittered("2021-01-01 09:00", 64, "2D", 30, seed=5)
    y = pd.Series(10 + np.arange(64) % 5 + np.random.default_rng(6).normal(0, 0.1, 64), index=stamps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster(model="ets", horizon=3, resample=True).fit(y[:60])
        with pytest.raises(DataError, match="expected timestamps continuing"):
            f.update(y.iloc[[61, 62]])


@pytest.mark.parametrize("days", [["2020-01-31", "2020-02-29", "2020-03-29", "2020-04-19"],     # steps 29, 29, 21: '29D'
                                  ["2020-01-05", "2020-02-20", "2020-03-10"]])                # 2 distinct steps: '19D'
def test_a_few_monthly_readings_whose_day_steps_repeat_by_chance_are_monthly(days):
    # the rule "one exact step for half of the steps or more: a grid with stamps off it" read a chance repeat of 29
    # days (or 3 readings' 2 steps) as a day grid; months have no one step
    info = infer_frequency(pd.DatetimeIndex(days))
    assert info.freq == "MS"
    out = regularize_index(pd.DataFrame({"y": np.arange(float(len(days)))}, index=pd.DatetimeIndex(days)), info, True)
    assert list(out.index) == list(pd.date_range("2020-01-01", periods=len(days), freq="MS"))
    assert out["y"].tolist() == list(range(len(days)))


def test_a_daily_grid_with_stamps_off_it_is_not_read_as_monthly():
    idx = pd.date_range("2020-01-01 06:00", periods=40, freq="D")
    idx = idx[:10].append(idx[10:13] + pd.Timedelta(minutes=40)).append(idx[13:])
    assert infer_frequency(idx).freq == "D"


@pytest.mark.parametrize("step", [1 / 24, 1.0])
def test_times_with_the_float_noise_of_serial_day_numbers_are_named_so(step):
    # hourly / daily times from spreadsheet serial numbers (floats): a few microseconds off; the error said "at most
    # one a clock hour at varying minutes (00:00, 00:59, ...)"
    serial = 44197 + np.arange(60) * step + np.random.default_rng(0).normal(0, 1e-10, 60)
    y = pd.Series(np.sin(np.arange(60.0)), index=pd.to_datetime(serial, unit="D", origin="1899-12-30"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError, match=r"microseconds off whole seconds .*float noise.*dt\.round\('s'\)"):
            Forecaster(model="ets", horizon=3).fit(y)


def test_update_of_a_resampled_monthly_fit_reads_a_late_day_as_its_month():
    # a monthly reading on varying days (the fit: each month's reading at the month's start); a new one on January
    # 28 is January's, not February's (it was put on the nearest month start and refused)
    rng = np.random.default_rng(0)
    idx = pd.date_range("2018-01-01", periods=36, freq="MS") + pd.to_timedelta(rng.integers(0, 27, 36), unit="D")
    y = pd.Series(100 + np.arange(36) % 12 + rng.normal(0, 0.3, 36), index=idx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster(model="ets", horizon=3, resample=True).fit(y)
        f.update(pd.Series([105.0], index=pd.DatetimeIndex(["2021-01-28"])))
        assert pd.Timestamp(f.predict()["time"].iloc[0]) == pd.Timestamp("2021-02-01")
