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
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import pandas as pd

__all__ = ["ZONES", "clock_changes"]

#: zones whose daylight-saving rules (now or in the past) cover the Sunday-night changes: the EU's (last Sundays of
#: March and October), North America's (second Sunday of March, first of November; before 2007 April / October),
#: Mexico's, Cuba's, Chile's, Paraguay's, Brazil's (until 2019, at midnight), Lebanon's, south-east Australia's and
#: New Zealand's
ZONES = ("Europe/London", "Europe/Berlin", "Europe/Moscow", "America/New_York", "America/St_Johns",
         "America/Mexico_City", "America/Havana", "America/Santiago", "America/Asuncion", "America/Sao_Paulo",
         "Asia/Beirut", "Australia/Sydney", "Pacific/Auckland")


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
