"""Session 34 (helper G, review W5): a reading given twice (or missing) in a Sunday night's small hours is named a
daylight-saving change only on a night some common zone's clocks change -- checked on the weekday and hour alone,
an extra reading on any Sunday (10 January) was refused by the jittered-grid reading as 'a clock hour repeated'.
Oracle for the change nights: the zone database through pandas (tz_localize of the repeated / skipped hour)."""

import pandas as pd

from rnnkit.data.timeseries.clock_nights import ZONES, clock_changes


def test_the_change_nights_of_a_year_are_the_zone_databases():
    # every Sunday of 2021 and 2005 (US rules before 2007): a change night exactly when some zone's offset at noon
    # differs from the day before's, in the direction named
    for year in (2005, 2021):
        for day in pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="W-SUN"):
            offsets = [(pd.Timestamp(day - pd.Timedelta(hours=12)).tz_localize(z).utcoffset(),
                        pd.Timestamp(day + pd.Timedelta(hours=12)).tz_localize(z).utcoffset()) for z in ZONES]
            assert clock_changes(day + pd.Timedelta(hours=2), "repeated") == any(b < a for a, b in offsets), day
            assert clock_changes(day + pd.Timedelta(hours=2), "skipped") == any(b > a for a, b in offsets), day
    assert clock_changes(pd.Timestamp("2005-10-30 01:30"), "repeated")      # EU and US on one night
    assert not clock_changes(pd.Timestamp("2021-01-10 01:10"), "repeated")


def test_the_autumn_nights_of_2021():
    # the published rules: Paraguay 4th Sunday of March; Chile, south-east Australia, New Zealand 1st Sunday of
    # April; the EU last Sunday of October; the US and Cuba 1st Sunday of November
    nights = [str(d.date()) for d in pd.date_range("2021-01-01", "2021-12-31", freq="W-SUN")
              if clock_changes(d + pd.Timedelta(hours=1), "repeated")]
    assert nights == ["2021-03-28", "2021-04-04", "2021-10-31", "2021-11-07"]
