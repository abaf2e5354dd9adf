"""Session 35, helper G: the forecast readers' time grids (review W2-W5, /work/scratch/s35/W/FINDINGS.md).

W2: a grid with a few readings a little off it was binned from the FIRST reading and floored (a first reading 5 min
late: every value a day early); W3: float noise of sub-second / 1 s readings made '100000143ns' grids; W4: tz-aware
readings at fixed local times every 12 h across a clock change were put on one absolute-time grid (merged, shifted an
hour); W5: a repeated Saturday-night hour (clocks back at midnight) was averaged while Berlin's Sunday one is refused.
Oracles: the grid the readings were made on (built here), and the zone database through pandas (tz_localize)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries.clock_nights import ZONES, clock_change_hint, clock_hour
from rnnkit.data.timeseries.frequency import FrequencyInfo, infer_frequency, regularize_index
from rnnkit.errors import DataError


def _moved(grid: pd.DatetimeIndex, moved: dict) -> pd.DatetimeIndex:
    stamps = grid.to_series().reset_index(drop=True)
    for i, by in moved.items():
        stamps.iloc[i] += pd.Timedelta(by)
    return pd.DatetimeIndex(stamps)


def _resampled(stamps: pd.DatetimeIndex) -> pd.DataFrame:
    info = infer_frequency(stamps)
    return regularize_index(pd.DataFrame({"y": np.arange(float(stamps.size))}, index=stamps), info, resample=True)


# --- W2: a grid with a few readings off it ----------------------------------------------------------------------------

def test_a_first_daily_reading_5_min_late_is_counted_and_named_on_the_grid_of_the_others():
    grid = pd.date_range("2021-01-01", periods=30, freq="D")
    stamps = _moved(grid, {0: "5min"})
    info = infer_frequency(stamps)
    assert info == FrequencyInfo("D", 0, 1)           # was 28 missing and 29 off: the grid from 00:05
    with pytest.raises(DataError, match=r"1 timestamps off the grid\) -- first off the grid 2021-01-01 00:05"):
        regularize_index(pd.DataFrame({"y": np.arange(30.0)}, index=stamps), info, resample=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # within a quarter step: no guess, no warning
        out = _resampled(stamps)
    assert list(out.index) == list(grid) and out["y"].tolist() == list(range(30))


@pytest.mark.parametrize("freq,start,moved", [("D", "2021-01-01", {5: "-2min", 17: "-2min"}),   # merged + NaN before
                                              ("h", "2021-01-01", {0: "1min", 47: "-1min"}),
                                              ("12h", "2021-01-01 06:00", {0: "-20min", 9: "2h"}),
                                              ("2D", "2021-01-01 06:00", {0: "-20min"})])
def test_readings_within_a_quarter_step_of_their_grid_time_go_there(freq, start, moved):
    grid = pd.date_range(start, periods=48, freq=freq)
    out = _resampled(_moved(grid, moved))
    assert list(out.index) == list(grid) and out["y"].tolist() == list(range(48))


def test_a_daily_local_reading_a_minute_early_across_a_clock_change_keeps_its_day():
    grid = pd.date_range("2021-03-20 09:00", periods=20, freq="D", tz="Europe/Berlin")   # 09:00 local, across 28 Mar
    out = _resampled(_moved(grid, {3: "-1min", 12: "-1min"}))
    assert list(out.index) == list(grid) and out["y"].tolist() == list(range(20))


def test_a_reading_far_from_every_grid_time_is_put_before_it_with_a_warning():
    grid = pd.date_range("2021-01-01", periods=30, freq="D")
    stamps = _moved(grid, {10: "12h"})                  # day 10's reading at noon: neither midnight's (a guess)
    with pytest.warns(UserWarning, match=r"1 reading\(s\) not within a quarter step of a free D grid time \(the first 2021-01-11 12:00"):
        out = _resampled(stamps)
    assert list(out.index) == list(grid) and out["y"].tolist() == list(range(30))


@pytest.mark.parametrize("freq,start", [("D", "2021-01-01"), ("MS", "2021-01-01")])
def test_a_reading_near_the_next_grid_time_that_the_next_reading_holds_stays_on_its_own(freq, start):
    # a day (month) without its midnight reading but one 2 minutes (a day) before the next's: the next grid time is
    # taken by the next reading, so the reading is its own period's (the old floor), with a warning -- not averaged
    # with the next one and its own slot invented
    grid = pd.date_range(start, periods=30, freq=freq)
    stamps = grid.delete(5).insert(5, grid[6] - pd.Timedelta("2min" if freq == "D" else "1D"))
    with pytest.warns(UserWarning, match=r"1 reading\(s\) not within a quarter step of a free"):
        out = _resampled(stamps)
    assert list(out.index) == list(grid) and out["y"].tolist() == list(range(30))


def test_an_exact_grid_with_gaps_is_unchanged():
    grid = pd.date_range("2021-01-01", periods=30, freq="h")
    stamps = grid.delete([4, 5, 20])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = _resampled(stamps)
    assert list(out.index) == list(grid) and int(out["y"].isna().sum()) == 3


# --- W3: float noise ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dt,unit", [(0.1, "microseconds"), (0.02, "microseconds"), (1.7, "milliseconds")])
def test_float_unix_times_of_a_fast_logger_are_read_at_their_step(dt, unit):
    n = 200
    stamps = pd.to_datetime(1609459200.0 + np.arange(n) * dt, unit="s")
    grid = pd.date_range(pd.Timestamp(1609459200, unit="s"), periods=n, freq=pd.Timedelta(seconds=dt))
    assert (abs(stamps - grid) < pd.Timedelta(microseconds=1)).all() and not (stamps == grid).all()   # the premise
    info = infer_frequency(stamps)
    assert pd.Timedelta(info.freq) == pd.Timedelta(seconds=dt) and info.missing_stamps == 0, info
    with pytest.raises(DataError, match=f"off whole {unit}"):
        regularize_index(pd.DataFrame({"y": np.arange(float(n))}, index=stamps), info, resample=False)
    out = _resampled(stamps)
    assert list(out.index) == list(grid) and out["y"].tolist() == list(range(n))


def test_readings_jittered_by_a_few_tenths_of_a_millisecond_are_no_float_noise():
    from rnnkit.data.timeseries.jitter import float_rounded

    rng = np.random.default_rng(0)
    grid = pd.date_range("2021-01-01", periods=200, freq="100ms")
    assert float_rounded(grid + pd.to_timedelta(rng.integers(-300_000, 300_000, 200), unit="ns")) is None
    noisy = grid + pd.to_timedelta(rng.integers(-300, 300, 200), unit="ns")
    assert list(float_rounded(noisy)) == list(grid)


# --- W4: fixed local times every 12 h across a clock change, tz-aware -----------------------------------------------

@pytest.mark.parametrize("freq,start,jitter", [("12h", "2021-03-24 06:00", 0), ("8h", "2021-10-27 06:00", 0),
                                               ("12h", "2021-03-24 06:00", 10)])
def test_aware_local_readings_every_12_h_across_a_clock_change_are_refused_naming_it(freq, start, jitter):
    wall = pd.date_range(start, periods=16, freq=freq)
    wall = wall + pd.to_timedelta([jitter * (-1) ** i for i in range(16)], unit="min")
    stamps = wall.tz_localize("Europe/Berlin")
    with pytest.raises(DataError, match=r"daylight-saving change between .* \(UTC offset \+0[12]00 -> \+0[12]00\)"):
        infer_frequency(stamps)


def test_aware_readings_every_12_h_in_absolute_time_across_a_clock_change_are_read_as_before():
    grid = pd.date_range("2021-03-24 05:00", periods=16, freq="12h", tz="UTC").tz_convert("Europe/Berlin")
    assert infer_frequency(grid).freq == "12h"                     # every 12 h of absolute time: a grid
    info = infer_frequency(grid.delete([3]))
    assert (info.freq, info.missing_stamps, info.off_grid) == ("12h", 1, 0)


# --- W5: the hour a zone repeats or skips, from the zone database -----------------------------------------------------

@pytest.mark.parametrize("zone,hour,how", [("Asia/Beirut", "2021-10-30 23:00", "repeated"),
                                           ("America/Asuncion", "2021-03-27 23:00", "repeated"),
                                           ("America/Santiago", "2021-04-03 23:00", "repeated"),
                                           ("Africa/Cairo", "2023-10-26 23:00", "repeated"),      # a Thursday
                                           ("Asia/Jerusalem", "2023-03-24 02:00", "skipped"),     # a Friday
                                           ("America/Sao_Paulo", "2018-11-04 00:00", "skipped")])
def test_the_hour_a_zone_repeats_or_skips_is_named_whatever_its_weekday(zone, hour, how):
    with pytest.raises(Exception, match="ambiguous" if how == "repeated" else "nonexistent"):   # the oracle: pandas
        pd.Timestamp(hour).tz_localize(zone, ambiguous="raise", nonexistent="raise")
    assert zone in ZONES
    h = pd.Timestamp(hour)
    assert clock_hour(h, how) == h and clock_hour(h - pd.Timedelta(hours=1), how) == h    # a reading a little early
    assert f"{h:%Y-%m-%d %H:%M}: a clock hour {how} at a daylight-saving change" in \
        clock_change_hint(pd.DatetimeIndex([h]), how)


def test_no_hour_is_named_on_a_night_without_a_change():
    for hour in ("2021-10-23 23:00", "2021-01-10 02:00", "2021-06-13 01:00"):
        assert clock_hour(pd.Timestamp(hour), "repeated") is None and clock_hour(pd.Timestamp(hour), "skipped") is None
        assert clock_change_hint(pd.DatetimeIndex([hour]), "repeated") == ""


@pytest.mark.parametrize("zone,start", [("Asia/Beirut", "2021-10-30 12:00"), ("America/Santiago", "2021-04-03 12:00")])
def test_hourly_local_readings_repeating_saturday_23_00_are_refused(zone, start):
    hours = pd.date_range(pd.Timestamp(start, tz=zone), periods=30, freq="h").tz_convert(zone).tz_localize(None)
    stamps = pd.DatetimeIndex(sorted(hours + pd.to_timedelta([3 * (-1) ** i for i in range(30)], unit="min")))
    with pytest.raises(DataError, match=r"23:00: a clock hour repeated at a daylight-saving change"):
        infer_frequency(stamps)


def test_hourly_readings_alternately_3_min_late_and_early_are_hourly():
    # 54 and 66 minutes apart, 54 in 15 of the 29 steps: read as a '54min' grid (jitter_grid refused "a grid with a
    # few stamps off it") before the phase was asked too
    grid = pd.date_range("2021-01-04", periods=30, freq="h")
    stamps = grid + pd.to_timedelta([3 * (-1) ** i for i in range(30)], unit="min")
    assert infer_frequency(stamps).freq == "h"
    out = _resampled(stamps)
    assert list(out.index) == list(grid) and out["y"].tolist() == list(range(30))


# --- W6: calendar grids (months, quarters) with a few readings a little off their starts ----------------------------

@pytest.mark.parametrize("freq,start,moved,tz", [("MS", "2021-01-01", {10: "-1h"}, None),        # 23:00 on the 31st
                                                 ("MS", "2021-01-01", {0: "-1D", 7: "2D"}, "Europe/Berlin"),
                                                 ("QS-JAN", "2015-01-01 09:00", {7: "-12h"}, None)])
def test_a_calendar_reading_a_little_off_its_period_start_is_counted_and_put_there(freq, start, moved, tz):
    grid = pd.date_range(start, periods=24, freq=freq, tz=tz)
    stamps = _moved(grid, moved)
    info = infer_frequency(stamps)
    assert (info.freq, info.missing_stamps, info.off_grid) == (freq, 0, len(moved))   # was 1 missing (merged)
    out = _resampled(stamps)
    assert list(out.index) == list(grid) and out["y"].tolist() == list(range(24))


def test_monthly_meter_readings_on_varying_days_stay_one_a_month():
    days = [1, 4, 9, 2, 7, 3, 10, 5, 6, 8, 2, 3]
    stamps = pd.DatetimeIndex([pd.Timestamp(2021, m + 1, d) for m, d in enumerate(days)])
    out = _resampled(stamps)
    assert list(out.index) == list(pd.date_range("2021-01-01", periods=12, freq="MS"))
    assert out["y"].tolist() == list(range(12))


@pytest.mark.parametrize("n,missing,tz", [(8, [3], None), (6, [3], None), (9, [3, 5], "Europe/Berlin")])
def test_short_first_business_day_readings_with_a_gap_are_monthly(n, missing, tz):
    # review W10 (a regression of a9088bef): 5-9 first business days of the month (Mon 3 June for Sat 1 June), a month
    # missing, were refused as "months at varying days" or read as a '32D' grid; each is on its own month's 1st but
    # for one within three days of it: 'MS', the 3rd of June on the 1st, the missing months NaN
    stamps = pd.date_range("2019-01-01", periods=n, freq="BMS", tz=tz).delete(missing)
    info = infer_frequency(stamps)
    assert (info.freq, info.missing_stamps, info.off_grid) == ("MS", len(missing), 1)
    out = _resampled(stamps)
    assert list(out.dropna().index.to_period("M")) == list(stamps.tz_localize(None).to_period("M"))
    assert out["y"].dropna().tolist() == list(range(stamps.size))


@pytest.mark.parametrize("freq,moved,by", [("MS", 5, "-10D"), ("D", 6, "-12h")])
def test_a_far_reading_whose_slot_before_is_held_goes_to_the_free_one_after(freq, moved, by):
    # review W2-3: June's reading on 22 May (further than a quarter month from both 1sts) was put on May's 1st, which
    # May's reading holds -- averaged (4.5) and June invented; it goes to June's free 1st (a guess: warned)
    grid = pd.date_range("2020-01-01", periods=24, freq=freq)
    stamps = _moved(grid, {moved: by})
    with pytest.warns(UserWarning, match="a guess"):
        out = _resampled(stamps)
    assert list(out.index) == list(grid) and out["y"].tolist() == list(range(24))
