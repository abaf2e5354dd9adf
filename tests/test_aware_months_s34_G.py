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
