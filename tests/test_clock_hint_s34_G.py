"""Session 34 (helper G, review W5), through the frequency reading: a reading given twice (or missing) in a Sunday night's small hours is named a
daylight-saving change only on a night some common zone's clocks change -- checked on the weekday and hour alone,
an extra reading on any Sunday (10 January) was refused by the jittered-grid reading as 'a clock hour repeated'.
Oracle for the change nights: the zone database through pandas (tz_localize of the repeated / skipped hour)."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries.frequency import clock_change_hint, infer_frequency
from rnnkit.errors import DataError


def _hourly_with_extra(extra, start="2021-01-04", days=14, seed=1):
    rng = np.random.default_rng(seed)
    grid = pd.date_range(start, periods=24 * days, freq="h")
    stamps = grid + pd.to_timedelta(rng.integers(-180, 181, grid.size), unit="s")
    return stamps.append(pd.DatetimeIndex([extra])).sort_values()


@pytest.mark.parametrize("extra", ["2021-01-10 01:10", "2021-01-17 02:10", "2021-02-07 03:10", "2021-06-13 01:50"])
def test_an_extra_reading_on_a_sunday_night_without_a_clock_change_is_averaged_as_any(extra):
    day = pd.Timestamp(extra).normalize()
    stamps = _hourly_with_extra(extra, start=str((day - pd.Timedelta(days=6)).date()))
    assert infer_frequency(stamps).freq == "h"


@pytest.mark.parametrize("extra,zone", [("2021-10-31 02:10", "Europe/Berlin"), ("2021-11-07 01:10", "America/New_York"),
                                        ("2021-04-04 02:10", "Australia/Sydney")])
def test_an_extra_reading_in_an_autumn_hour_a_zone_repeats_is_still_refused(extra, zone):
    with pytest.raises(Exception, match="ambiguous|infer dst"):
        pd.Timestamp(extra).tz_localize(zone)                # the oracle: the hour is repeated in that zone
    day = pd.Timestamp(extra).normalize()
    stamps = _hourly_with_extra(extra, start=str((day - pd.Timedelta(days=6)).date()))
    with pytest.raises(DataError, match="clock hour repeated at a daylight-saving change"):
        infer_frequency(stamps)


def test_a_missing_sunday_hour_in_january_gets_no_clock_change_hint():
    assert clock_change_hint(pd.DatetimeIndex(["2021-01-10 02:00"]), "skipped") == ""
    assert "skipped at a daylight-saving change" in clock_change_hint(pd.DatetimeIndex(["2021-03-28 02:00"]), "skipped")
    assert clock_change_hint(pd.DatetimeIndex(["2021-03-14 02:00"]), "repeated") == ""   # US spring: none put back
