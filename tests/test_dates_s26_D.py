"""Session 26, helper D: two-digit years written first, and leap seconds.

Oracle: ``pandas.to_datetime`` with the explicit format on the same strings (the reading a user who knows the
file's format gets).
"""

from __future__ import annotations

import pandas as pd
import pytest

from rnnkit.data.series import parse_dates, read_series_csv
from rnnkit.errors import DataError


def _oracle(text, fmt):
    return pd.DatetimeIndex(pd.to_datetime(pd.Series(text), format=fmt))


@pytest.mark.parametrize("fmt", ["%y-%m-%d", "%y/%m/%d", "%y.%m.%d", "%y-%m-%d %H:%M"])
@pytest.mark.parametrize("stamps", [pd.date_range("2021-01-01", periods=12, freq="MS"),    # '21-01-01', '21-02-01'
                                    pd.date_range("2021-01-01", periods=20, freq="D"),     # within one month
                                    pd.date_range("2020-11-20", periods=90, freq="D")[::-1],   # newest first
                                    pd.date_range("2019-03-01", periods=30, freq="W-FRI")])
def test_two_digit_years_first_are_read_year_first(fmt, stamps):
    # at ef8d4e0 '%y-%m-%d' was no candidate: '21-01-01', '21-02-01', ... were read day first (2001-01-21,
    # 2001-02-21: monthly on the 21st) and the daily ones as years (2001-01-21, 2002-01-21, ...), with no word
    text = list(stamps.strftime(fmt))
    idx, got = parse_dates(text, "date")
    assert got == fmt and idx.equals(_oracle(text, fmt))


@pytest.mark.parametrize("fmt", ["%d-%m-%y", "%d/%m/%y", "%d.%m.%y", "%m/%d/%y", "%d-%m-%y %H:%M"])
@pytest.mark.parametrize("stamps", [pd.date_range("2021-01-01", periods=60, freq="D"),
                                    pd.bdate_range("2019-12-02", periods=80)[::-1],
                                    pd.date_range("2003-01-31", periods=30, freq="ME"),
                                    pd.date_range("2020-06-01", periods=40, freq="D").delete([3, 17, 18])])  # gaps
def test_day_and_month_first_columns_read_as_before(fmt, stamps):
    # every one of these parses year first too (two-digit years 2003-2028 are days of a month): the year-first
    # reading is no regular series (dates on one day of the month, years out of order) and is not taken
    text = list(stamps.strftime(fmt))
    idx, got = parse_dates(text, "date")
    assert got == fmt and idx.equals(_oracle(text, fmt))


def test_a_panel_and_a_shuffled_day_first_column_read_as_before():
    days = pd.date_range("2021-03-01", periods=45, freq="D")
    panel = list(days.strftime("%d-%m-%y")) * 3                          # three series, one after the other
    shuffled = [panel[i] for i in pd.Series(range(45)).sample(frac=1, random_state=0)]   # rows out of time order
    for text in (panel, shuffled):
        idx, got = parse_dates(text, "date")
        assert got == "%d-%m-%y" and idx.equals(_oracle(text, "%d-%m-%y"))


@pytest.mark.parametrize("text, first, year_first, other", [
    (["21-01-01", "21-02-01"], "'21-01-01' is 2021-01-01 or 2001-01-21", "%y-%m-%d", "%d-%m-%y"),     # two values
    ([f"{d:02d}-01-01" for d in range(1, 29)], "'02-01-01' is 2002-01-01 or 2001-01-02", "%y-%m-%d",
     "%d-%m-%y"),                                                                                   # yearly or daily
    ([f"01/01/{y:02d}" for y in range(3, 9)], "'01/01/03' is 2001-01-03 or 2003-01-01", "%y/%m/%d", "%d/%m/%y"),
])
def test_a_column_both_readings_make_regular_is_refused_naming_both(text, first, year_first, other):
    # at ef8d4e0 read day first, silently; pandas.to_datetime with either format reads every value
    assert not _oracle(text, year_first).equals(_oracle(text, other))
    with pytest.raises(DataError, match=rf"^date: expected dates with one reading, got an ambiguous column: "
                                        rf"'{year_first}' \(year first\) and '{other}' both parse every value, both "
                                        rf"on a regular grid and in time order \({first}\); pass --date-format "
                                        rf"\(date_format=\) '{year_first}' or '{other}'$"):
        parse_dates(text, "date")


def test_the_flags_settle_the_reading():
    text = ["21-01-01", "21-02-01"]
    assert parse_dates(text, "date", date_format="%y-%m-%d")[0].equals(_oracle(text, "%y-%m-%d"))
    assert parse_dates(text, "date", date_format="%d-%m-%y")[0].equals(_oracle(text, "%d-%m-%y"))
    idx, fmt = parse_dates(text, "date", dayfirst=True)      # a day-month order: the two-digit year last
    assert fmt == "%d-%m-%y" and idx.equals(_oracle(text, "%d-%m-%y"))
    # day first and month first both parse: today's message, naming --dayfirst (the year-first reading left out)
    with pytest.raises(DataError, match=r"'%d-%m-%y' and '%m-%d-%y' both parse every value .*--dayfirst"):
        parse_dates([f"{d:02d}-01-21" for d in range(1, 10)], "date")


def test_a_csv_of_two_digit_years_first_records_its_format(tmp_path):
    path = tmp_path / "m.csv"
    stamps = pd.date_range("2019-01-01", periods=24, freq="MS")
    path.write_text("t,y\n" + "".join(f"{t:%y-%m-%d},{i}\n" for i, t in enumerate(stamps)))
    frame = read_series_csv(path, "t")
    assert frame.attrs["date_format"] == "%y-%m-%d" and pd.DatetimeIndex(frame["t"]).equals(stamps)


# ----------------------------------------------------------------------------- leap seconds
@pytest.mark.parametrize("text, fmt, row", [
    (["2016-12-31 23:59:58", "2016-12-31 23:59:59", "2016-12-31 23:59:60", "2017-01-01 00:00:00"], None, 3),
    (["31/12/2016 23:59:60", "01/01/2017 00:00:00"], None, 1),
    (["2016/12/31 23:59:59", "2016/12/31 23:59:60"], None, 2),
    (["12/31/2016 11:59:60 PM", "01/01/2017 12:00:00 AM"], None, 1),
    (["2016-12-31 23:59:59.5", "2016-12-31 23:59:60.5"], "%Y-%m-%d %H:%M:%S.%f", 2),
    (["2015-06-30 23:59:60", "2015-07-01 00:00:00"], "%Y-%m-%d %H:%M:%S", 1),
])
def test_a_leap_second_is_refused_naming_its_row(text, fmt, row):
    # at ef8d4e0 strptime's %S took 60 and pandas carried it into the next minute: '23:59:60' became the next
    # midnight, a duplicate of the row after it
    with pytest.raises(DataError, match=rf"^date: expected times with seconds 0-59, got '{text[row - 1]}' in data row "
                                        rf"{row}: a leap second"):
        parse_dates(text, "date", fmt)


def test_seconds_below_60_and_a_minute_60_are_as_before():
    text = ["2016-12-31 23:59:59", "2017-01-01 00:00:00", "2017-01-01 00:00:01"]
    assert parse_dates(text, "date")[0].equals(_oracle(text, "%Y-%m-%d %H:%M:%S"))
    with pytest.raises(DataError, match="no known format"):
        parse_dates(["2016-12-31 23:60:00"], "date")
