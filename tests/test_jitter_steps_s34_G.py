"""Session 34 (helper G, reviews W3 and W8): readings a little early or late on a grid of ANY round step -- a whole
number of days, hours, quarter hours, 5 minutes or minutes -- are read at that step, each on its grid time (a table of
17 steps left every 4 days, 36 h, 90 / 100 / 45 minutes read as their modal step: '5767min', '2133min', '99min',
drifting, rows merged and invented, silently); and a grid of a day or more whose local time the zone skips (daily at
midnight where the clocks change at midnight: Sao Paulo, Santiago) is a DataError naming it, not a drifting
'1436min'. Oracle: the grid the readings were generated on."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries.frequency import infer_frequency, regularize_index
from rnnkit.errors import DataError


def _jittered(start, n, freq, minutes, seed=0, tz=None):
    rng = np.random.default_rng(seed)
    grid = pd.date_range(start, periods=n, freq=freq, tz=tz)
    return grid, grid + pd.to_timedelta(rng.integers(-minutes, minutes + 1, n), unit="min")


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("start,freq,minutes", [("2021-01-01 06:00", "36h", 20), ("2021-01-01 00:00", "100min", 3),
                                                ("2021-01-01 00:00", "75min", 4), ("2021-01-01 00:00", "25min", 2),
                                                ("2021-01-01 00:00", "5D", 60), ("2021-01-04 00:00", "14D", 60),
                                                ("2021-01-01 09:00", "2D", 180)])
def test_jittered_readings_of_any_round_step_are_read_at_it(start, freq, minutes, seed):
    grid, stamps = _jittered(start, 60, freq, minutes, seed)
    info = infer_frequency(stamps)
    assert info.freq == freq and info.missing_stamps == 0
    out = regularize_index(pd.DataFrame({"y": np.arange(60.0)}, index=stamps), info, resample=True)
    assert list(out.index) == list(grid) and out["y"].tolist() == list(range(60))


@pytest.mark.parametrize("zone,start,skipped", [("America/Sao_Paulo", "2018-10-10", "2018-11-04 00:00"),
                                                ("America/Santiago", "2021-08-20", "2021-09-05 00:00")])
def test_daily_readings_near_a_midnight_the_zone_skips_are_refused_naming_it(zone, start, skipped):
    with pytest.raises(Exception, match="nonexistent|NonExistent"):
        pd.Timestamp(skipped).tz_localize(zone)            # the oracle: that midnight does not exist there
    rng = np.random.default_rng(0)
    wall = pd.date_range(start, periods=40, freq="D") + pd.to_timedelta(rng.integers(-10, 11, 40), unit="min")
    stamps = wall.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
    stamps = stamps[~stamps.isna()].sort_values()
    with pytest.raises(DataError, match=f"D grid of local times in {zone}, got readings near {skipped}"):
        infer_frequency(stamps)
    assert infer_frequency(stamps.tz_localize(None)).freq == "D"     # the way out it names: the wall times


@pytest.mark.parametrize("freq,ms", [("20s", 1500), ("45s", 2000), ("90s", 3000), ("8s", 300)])
def test_readings_a_second_or_two_off_a_grid_of_seconds_are_read_at_it(freq, ms):
    # review W2-G1: steps under a minute (and 90 s) were no unit of the round steps: the modal step, rows invented
    grid = pd.date_range("2021-01-01", periods=80, freq=freq)
    stamps = grid + pd.to_timedelta(np.random.default_rng(0).integers(-ms, ms + 1, 80), unit="ms")
    info = infer_frequency(stamps)
    assert info.freq == freq and info.missing_stamps == 0
    out = regularize_index(pd.DataFrame({"y": np.arange(80.0)}, index=stamps), info, resample=True)
    assert list(out.index) == list(grid) and out["y"].tolist() == list(range(80))


@pytest.mark.parametrize("around,minutes", [("00:00", 1440), ("00:30", 120)])
def test_monthly_readings_around_midnight_of_the_first_are_refused_as_months(around, minutes):
    # review W2-G2: a reading late on the 31st stands for the next month: read as a fixed grid of hours ('731h')
    rng = np.random.default_rng(2)
    stamps = pd.date_range(f"2020-01-01 {around}", periods=30, freq="MS") + pd.to_timedelta(
        rng.integers(-minutes, minutes + 1, 30), unit="min")
    with pytest.raises(DataError, match="one about every 1 calendar month"):
        infer_frequency(stamps)
