"""UTC offsets that one time zone cannot have: a time column whose values carry offsets of two zones is refused.

:func:`rnnkit.data.series.parse_dates` reads a column of several UTC offsets as one zone's local time across its
daylight-saving changes: the wall clock for daily or coarser data (offsets dropped), UTC instants otherwise. Before
session 23 it did so whatever the offsets were, so a daily series written partly at ``+01:00`` (Paris) and partly at
``-05:00`` (New York) -- a logger moved, two machines' exports joined -- or alternating ``Z`` and ``+01:00`` from day to
day was read as one clock's dates, silently. pandas refuses such a column ("Mixed timezones detected. Pass utc=True").

One zone's offsets in a series: at most two, at most two hours apart (a daylight-saving shift is one hour, 30 minutes
at Lord Howe, two at Troll station), switching at most :data:`CHANGES_A_YEAR` times a year (spring and autumn, and
twice more where daylight saving pauses for Ramadan: Morocco 2012-2018, Egypt 2010 and 2014 -- session 23's first rule,
twice a year, refused those zones' own clocks: 5 changes within 12 months at Casablanca, tz database); 5n + 1 times
within n years. A column outside that is a DataError naming both offsets and the data rows where they first appear,
with the ways out (one zone first, or each zone's rows as a series of its own). A zone that changed its standard offset
during the series to a third offset is refused too, with the same ways out.

>>> import pandas as pd
>>> t = pd.Series(["2024-01-01T00:00+01:00", "2024-01-02T00:00-05:00"])
>>> check_zone_offsets({v: pd.Timestamp(v) for v in t}, t, "time_col 'day'")
Traceback (most recent call last):
rnnkit.errors.DataError: time_col 'day': expected the UTC offsets of one time zone (at most two, a daylight-saving \
shift apart), got +01:00 (first in data row 1) and -05:00 (first in data row 2), 6 hours apart: times of two zones; \
convert them to one zone first (pandas: pd.to_datetime(col, utc=True), then .dt.tz_convert(zone)), or forecast each \
zone's rows as a series of its own (id_col)
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import pandas as pd

from rnnkit.data.timeseries.zones import _hours   # '+01:00', as the panel's zone check writes an offset
from rnnkit.errors import DataError

__all__ = ["check_zone_offsets"]

#: the largest daylight-saving shift in the tz database (Antarctica/Troll: +00:00 in winter, +02:00 in summer)
MAX_SHIFT = datetime.timedelta(hours=2)
#: the most clock changes of one zone within 12 months (tz database 1970-2037, two offsets: Africa/Casablanca's 5 --
#: spring, Ramadan's start and end, autumn, then spring; within n years at most 4n + 2); more is two zones' times
CHANGES_A_YEAR = 5


def check_zone_offsets(parsed: dict[Any, pd.Timestamp], values: pd.Series, what: str) -> None:
    """A DataError naming ``what`` when the aware timestamps ``parsed`` (one per distinct value of ``values``, the
    column's present values, indexed by their 0-based row) carry UTC offsets no single zone has (module docstring)."""
    offsets = {v: t.utcoffset() for v, t in parsed.items()}
    kinds = sorted(set(offsets.values()))
    if len(kinds) < 2:
        return
    by_time = [offsets[v] for v, _ in sorted(parsed.items(), key=lambda item: item[1].value)]
    changes = sum(a != b for a, b in zip(by_time, by_time[1:]))
    span = max(t.value for t in parsed.values()) - min(t.value for t in parsed.values())
    years = math.ceil(span / 1e9 / 86400 / 365.2425) or 1
    if len(kinds) == 2 and kinds[1] - kinds[0] <= MAX_SHIFT and changes <= CHANGES_A_YEAR * years + 1:
        return
    first = {}
    for row, v in values.items():
        if offsets.get(v) is not None and offsets[v] not in first:
            first[offsets[v]] = row
            if len(first) == len(kinds):
                break
    a, b = sorted(first, key=first.get)[:2]
    shown = (f"{_hours(a)} (first in data row {first[a] + 1}) and {_hours(b)} (first in data row {first[b] + 1})"
             + (f" ({len(kinds)} offsets)" if len(kinds) > 2 else ""))
    if len(kinds) == 2 and kinds[1] - kinds[0] <= MAX_SHIFT:
        why = (f"which change {changes} times within {years} year(s), where one zone's clock changes at most "
               f"{CHANGES_A_YEAR} times a year (daylight saving, and its Ramadan pause in Morocco): times of two zones")
    else:
        why = f"{abs(b - a).total_seconds() / 3600:g} hours apart: times of two zones"
    raise DataError(f"{what}: expected the UTC offsets of one time zone (at most two, a daylight-saving shift apart), "
                    f"got {shown}, {why}; convert them to one zone first (pandas: pd.to_datetime(col, utc=True), then "
                    ".dt.tz_convert(zone)), or forecast each zone's rows as a series of its own (id_col)")
