"""Nights on which a common time zone puts its clocks back (a wall-clock hour repeated) or forward (one skipped).

Local times written without their UTC offset repeat an hour in autumn and skip one in spring; a reading given twice
(or missing) in a Sunday night's small hours may be that. Checked on the weekday and hour alone, an extra reading on
any Sunday 00:00-04:00 -- 10 January, no clock change anywhere near -- was refused as 'a clock hour repeated at a
daylight-saving change' (review W5, session 34). :func:`clock_changes` asks the time zone database instead: whether
some zone of :data:`ZONES` changes its offset, that way, in the night before the date.

>>> clock_changes(pd.Timestamp("2021-10-31 02:10"), "repeated"), clock_changes(pd.Timestamp("2021-01-10 01:10"), "repeated")
(True, False)
>>> clock_changes(pd.Timestamp("2021-03-14 02:00"), "skipped"), clock_changes(pd.Timestamp("2021-03-14 02:00"), "repeated")
(True, False)

Where the clocks go back at midnight (Chile, Paraguay, Lebanon; Brazil until 2019) the repeated wall-clock hour is
Saturday 23:00, not a Sunday small hour: :func:`clock_hour` asks the database whether some zone of :data:`ZONES`
repeats (skips) an hour at or next to a given one, whatever its weekday and time of day (review W5, session 35).
:func:`refuse_wall_schedule`: tz-aware readings at fixed wall-clock times every 12 h (8 h, ...) move an hour in absolute
time at a clock change, and were put on one absolute-time grid: merged and shifted an hour (review W4, session 35).

>>> clock_hour(pd.Timestamp("2021-10-30 22:00"), "repeated"), clock_hour(pd.Timestamp("2021-10-31 23:00"), "repeated")
(Timestamp('2021-10-30 23:00:00'), None)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from rnnkit.data.timeseries.jitter import _clock
from rnnkit.errors import DataError

__all__ = ["ZONES", "clock_changes", "clock_hour", "clock_change_hint", "refuse_wall_schedule"]

#: zones whose daylight-saving rules (now or in the past) cover the Sunday-night changes: the EU's (last Sundays of
#: March and October), North America's (second Sunday of March, first of November; before 2007 April / October),
#: Mexico's, Cuba's, Chile's, Paraguay's, Brazil's (until 2019, at midnight), Lebanon's, south-east Australia's and
#: New Zealand's; and, on other weekdays, Israel's (Friday forward), Egypt's (Thursday back) and Iran's (until 2022)
ZONES = ("Europe/London", "Europe/Berlin", "Europe/Moscow", "America/New_York", "America/St_Johns",
         "America/Mexico_City", "America/Havana", "America/Santiago", "America/Asuncion", "America/Sao_Paulo",
         "Asia/Beirut", "Australia/Sydney", "Pacific/Auckland", "Asia/Jerusalem", "Africa/Cairo", "Asia/Tehran")


def clock_changes(when: pd.Timestamp, how: str) -> bool:
    """Whether some zone of :data:`ZONES` puts its clocks back (``how='repeated'``) or forward (``'skipped'``)
    between noon of the day before the date of the naive wall-clock time ``when`` and noon of that date."""
    return _changes(pd.Timestamp(when).date().isoformat(), how)


@lru_cache(maxsize=256)
def _changes(day: str, how: str) -> bool:
    noon = datetime.fromisoformat(day) + timedelta(hours=12)
    for zone in map(ZoneInfo, ZONES):
        before, after = (noon - timedelta(days=1)).replace(tzinfo=zone).utcoffset(), noon.replace(tzinfo=zone).utcoffset()
        if (after < before) if how == "repeated" else (after > before):
            return True
    return False


def clock_hour(hour: pd.Timestamp, how: str) -> pd.Timestamp | None:
    """The naive wall-clock hour -- ``hour`` (a whole hour) or the one after it (a reading a few minutes early of the
    repeated 02:00 is in 01:00) -- that some zone of :data:`ZONES` repeats (``how='repeated'``: its clocks go back)
    or skips (``'skipped'``), as the zone database says; ``None`` when none does."""
    found = _hour_changes(pd.Timestamp(hour).floor("h").isoformat(), how)
    return pd.Timestamp(found) if found else None


@lru_cache(maxsize=1024)
def _hour_changes(hour: str, how: str) -> str:
    at = datetime.fromisoformat(hour)
    for h in (at, at + timedelta(hours=1)):
        for t, zone in ((t, z) for t in (h, h + timedelta(minutes=30)) for z in map(ZoneInfo, ZONES)):
            first, second = t.replace(tzinfo=zone, fold=0).utcoffset(), t.replace(tzinfo=zone, fold=1).utcoffset()
            if (first > second) if how == "repeated" else (first < second):    # PEP 495: fold 0 is the time before
                return h.isoformat()
    return ""


def clock_change_hint(stamps: pd.Index, how: str, series: pd.Index | None = None) -> str:
    """What to say when the local wall-clock ``stamps`` (missing, ``how='skipped'``, or given twice, ``'repeated'``)
    all fall in one hour that a common zone's clocks skip (repeat), or the hour before it (:func:`clock_hour`: Sunday
    02:00 in Berlin, Saturday 23:00 in Beirut): a daylight-saving change (a logger's local
    times skip an hour in spring and repeat one in autumn). '' otherwise, and '' when every stamp of the whole
    ``series`` is a midnight (daily or coarser dates: a clock change moves no date; a daily series' date given
    twice, or missing, on a Sunday was said to be a clock hour at a daylight-saving change).

    >>> clock_change_hint(pd.DatetimeIndex(["2010-03-14 02:00"]), "skipped")[:52]
    ' (2010-03-14 02:00: a clock hour skipped at a daylig'
    """
    if not isinstance(stamps, pd.DatetimeIndex) or stamps.size == 0 or stamps.tz is not None:
        return ""
    if isinstance(series, pd.DatetimeIndex) and (series == series.normalize()).all():
        return ""
    hours = stamps.floor("h").unique()
    if hours.size != 1 or (at := clock_hour(hours[0], how)) is None:   # (Saturday 23:00: clocks back at midnight)
        return ""
    return (f" ({_clock(at)}: a clock hour {how} at a daylight-saving change? local times without "
            "their UTC offset skip an hour in spring and repeat one in autumn: write the times in UTC, or with their "
            "offset as ISO 8601 does ('...T03:00:00+02:00'))")


def _spread(times: np.ndarray, step: int) -> int:
    """The shortest arc of the circle of ``step`` holding every one of ``times`` modulo ``step``."""
    r = np.sort(times % step)
    return int(step - np.max(np.diff(np.append(r, r[0] + step))))


def refuse_wall_schedule(index: pd.DatetimeIndex, freq: str, name: str) -> None:
    """A DataError naming the clock change when the tz-aware stamps ``index`` of a ``freq`` grid shorter than a day
    (absolute time) keep their wall-clock times of day across a change of the zone's UTC offset -- 06:00 and 18:00
    local, every 12 h, across a spring night: one absolute-time grid has them an hour off on one side of the change,
    and ``--resample`` merged two readings and put every later one an hour early (review W4). Told by the wall clock
    placing them closer to a ``freq`` grid than absolute time does."""
    off = to_offset(freq)
    if index.tz is None or not isinstance(off, Tick) or pd.Timedelta(off) >= pd.Timedelta(days=1) or index.size < 3:
        return
    offsets = (index.tz_localize(None) - index.tz_convert("UTC").tz_localize(None)).asi8
    if (offsets == offsets[0]).all():
        return
    unit = pd.Timedelta(1, unit=index.unit)
    step = pd.Timedelta(off) // unit
    if _spread(index.tz_localize(None).asi8, step) >= _spread(index.asi8, step):
        return
    i = int(np.flatnonzero(np.diff(offsets))[0])
    raise DataError(f"{name}: expected a {freq} grid of instants, got readings at fixed local times of day in "
                    f"{index.tz} ({index[0]:%H:%M}, {index[1]:%H:%M}, ...) whose step changes in absolute time at the "
                    f"daylight-saving change between {index[i]} and {index[i + 1]} (UTC offset {index[i]:%z} -> "
                    f"{index[i + 1]:%z}): on one grid of instants they would be merged and shifted an hour; drop the "
                    "zone (index.tz_localize(None): the readings' wall times) or write the times in UTC")
