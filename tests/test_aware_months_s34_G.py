"""Session 34 (helper G, review W12): one reading a calendar month at varying days WITH a time zone (and one a
quarter, a year, a few days late) is refused with the way out (drop the zone: the naive stamps are read as monthly), not read as a fixed step of 30 or 31 days, drifting
off the months (since 2c052a6e's jittered grids of any whole number of days: '30D', the 24th reading on 2022-11-27;
before it the modal step '39837min'). Oracle: the same stamps without their zone are 'MS'."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries.frequency import infer_frequency
from rnnkit.errors import DataError


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
@pytest.mark.parametrize("seed,days", [(1, 2), (2, 3), (3, 9)])
def test_monthly_readings_at_varying_days_with_a_zone_are_refused_naming_the_way_out(zone, seed, days):
    rng = np.random.default_rng(seed)
    naive = pd.date_range("2021-01-01 09:00", periods=24, freq="MS") + pd.to_timedelta(
        rng.integers(0, days * 24 * 60, 24), unit="min")
    assert infer_frequency(naive).freq == "MS"
    with pytest.raises(DataError, match=r"one about every 1 calendar month\(s\) at varying days .*tz_localize\(None\)"):
        infer_frequency(naive.tz_localize(zone))


def test_weekly_readings_with_a_zone_stay_a_weekly_grid():
    grid = pd.date_range("2021-01-04 09:00", periods=40, freq="W-MON", tz="Europe/Berlin")
    stamps = grid + pd.to_timedelta(np.random.default_rng(0).integers(-30, 31, 40), unit="min")
    assert infer_frequency(stamps).freq == "W-MON"


@pytest.mark.parametrize("drop", [None, [5], [3, 11]])     # periods missing: gaps of the calendar grid
@pytest.mark.parametrize("freq,months,late", [("QS", 3, 4), ("YS", 12, 5), ("2MS", 2, 3)])
def test_quarterly_and_yearly_readings_a_few_days_late_are_refused_not_a_grid_of_days(freq, months, late, drop):
    rng = np.random.default_rng(1)
    stamps = pd.date_range("2000-01-01 09:00", periods=20, freq=freq) + pd.to_timedelta(
        rng.integers(0, late * 24 * 60, 20), unit="min")
    stamps = stamps if drop is None else stamps.delete(drop)
    with pytest.raises(DataError, match=f"one about every {months} calendar month"):
        infer_frequency(stamps)


def test_readings_every_four_weeks_stay_a_grid_of_28_days():
    grid = pd.date_range("2021-01-04 09:00", periods=30, freq="28D")
    stamps = grid + pd.to_timedelta(np.random.default_rng(0).integers(-30, 31, 30), unit="min")
    assert infer_frequency(stamps).freq == "28D"


@pytest.mark.parametrize("step,start,n", [("91D", "2021-02-10 09:00", 12), ("365D", "2001-03-10 09:00", 10),
                                          ("61D", "2020-05-20 06:00", 9), ("182D", "2010-07-15 12:00", 10)])
def test_a_fixed_step_of_days_a_little_early_or_late_stays_that_grid(step, start, n):
    # review W13: readings every 91 (365, 61, 182) days +- 1 h are k calendar months apart for a while, but a fixed grid
    # of days places them within the hour while their days of the month drift: the grid, not a refusal as months
    grid = pd.date_range(start, periods=n, freq=step)
    stamps = grid + pd.to_timedelta(np.random.default_rng(0).integers(-60, 61, n), unit="min")
    freq = infer_frequency(stamps).freq
    assert pd.date_range(grid[0], periods=2, freq=freq)[1] - grid[0] == pd.Timedelta(step), freq


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo"])
@pytest.mark.parametrize("seed,periods", [(0, 8), (2, 8), (5, 14)])
def test_a_meter_read_on_day_1_to_10_with_a_zone_is_refused_as_months(zone, seed, periods):
    # review W14: naive 'MS' (one a calendar month at varying days); aware, a fixed grid of days placed 8 readings
    # better than their months ('29D', '32D'), or the modal step, drifting
    rng = np.random.default_rng(seed)
    naive = pd.date_range("2021-01-01 09:00", periods=periods, freq="MS") + pd.to_timedelta(
        rng.integers(0, 10 * 24 * 60, periods), unit="min")
    assert infer_frequency(naive).freq == "MS"
    with pytest.raises(DataError, match="one about every 1 calendar month.*tz_localize"):
        infer_frequency(naive.tz_localize(zone))
