"""One time zone per panel: the series of an id column whose times carry different zones are refused.

A time column read as a whole keeps one UTC offset, and several offsets of one zone (local time across a
daylight-saving change) are read as the wall clock (daily data) or as UTC instants (hourly data):
:func:`rnnkit.data.series.parse_dates`. That rule is for one zone. A panel whose stores are in two zones
(``2024-01-01T00:00:00+01:00`` for Paris, ``...-05:00`` for New York) went through it too: daily rows came back
as wall-clock dates with the zones dropped, hourly rows as UTC times, silently -- which of the two the user
meant (each store's local day, or one clock for all) no reader can know. pandas refuses mixed offsets
(``to_datetime``: "Mixed timezones detected. Pass utc=True"); so does this, naming two ids and their offsets.

Told apart from one zone's daylight-saving offsets by the wall clock: in one zone, the rows of every id at one
wall-clock time share an offset (at a clock change's repeated hour, both offsets); rows of two ids at one
wall-clock time with no offset in common are in two zones, unless each of them shows all those offsets within a day of
that time (a clock change's repeated hour, each store missing a different one of its two readings).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pandas as pd

from rnnkit.errors import DataError

__all__ = ["check_one_zone"]

_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"      # an offset follows a time of day ('2024-01-01' ends in -01)


def _offsets(values: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """``(wall clock, offset)`` as text for each value with an offset (text ending in ``Z``/``+01:00``, or aware
    timestamps), ``None`` when the first present value has none (one zone or naive: nothing to compare)."""
    present = values.dropna()
    if not len(present):
        return None
    first = present.iloc[0]
    if isinstance(first, str):
        if re.search(rf"{_CLOCK}\s*{_OFFSET}$", first.strip()) is None:    # the common case, at the cost of one value
            return None
        parts = present.astype(str).str.strip().str.extract(rf"^(.*?{_CLOCK})\s*({_OFFSET})$")
        off = parts[1].str.replace(r"^Z$", "+00:00", regex=True).str.replace(r"^([+-]\d{2})(\d{2})$", r"\1:\2",
                                                                              regex=True)
        return parts[0], off
    if isinstance(first, datetime.datetime) and first.tzinfo is not None:
        aware = present.map(lambda t: isinstance(t, datetime.datetime) and t.tzinfo is not None)
        kept = present[aware]
        return (kept.map(lambda t: t.replace(tzinfo=None).isoformat()),
                kept.map(lambda t: _hours(t.utcoffset())))
    return None


def _repeated_hour(rows: pd.DataFrame, at: pd.DataFrame) -> bool:
    """Whether the ids of ``at`` (the rows at one wall-clock time, with no offset shared by all) can be one zone at a
    clock change's repeated hour: each of them shows every offset of ``at`` within a day of that time (hourly Paris
    stores each missing a different one of the two 02:00 readings show +02:00 and +01:00 at 02:00, each switching
    itself nearby). Two zones' stores keep their own offsets: Paris never shows New York's -05:00."""
    wall = pd.to_datetime(rows["wall"], format="ISO8601", errors="coerce")
    w = wall[at.index[0]]
    if pd.isna(w):
        return False
    near = rows[(wall - w).abs() <= pd.Timedelta(days=1)]
    offsets = set(at["off"])
    return all(offsets <= set(near.loc[near["id"] == i, "off"]) for i in at["id"].unique())


def _hours(offset: datetime.timedelta) -> str:
    """``+01:00`` for an offset of one hour (as text dates write it)."""
    minutes = int(offset.total_seconds() // 60)
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def check_one_zone(times: Any, ids: Any, what: str, id_col: str) -> None:
    """A DataError naming ``what`` (the time column), ``id_col`` and two ids when the times (``times``, text or
    timestamps, one per row of ``ids``) put two series in different zones (see the module docstring)."""
    if ids is None or not isinstance(times, pd.Series) or pd.api.types.is_datetime64_any_dtype(times) \
            or times.dtype.kind in "iufb":
        return
    found = _offsets(times.reset_index(drop=True))
    if found is None:
        return
    wall, off = found
    if off.nunique() < 2:
        return
    rows = pd.DataFrame({"wall": wall, "off": off, "id": pd.Series(ids).reset_index(drop=True).astype(str)[wall.index]})
    rows = rows.drop_duplicates()
    per_wall = rows.groupby("wall")["id"].nunique()
    shared = rows.groupby(["wall", "off"])["id"].nunique().groupby(level="wall").max()
    clash = per_wall[shared.reindex(per_wall.index) < per_wall]
    if not len(clash):
        return
    at = next((at for at in (rows[rows["wall"] == w] for w in clash.index) if not _repeated_hour(rows, at)), None)
    if at is None:
        return
    a = at.iloc[0]
    b = at[~at["off"].isin(at.loc[at["id"] == a["id"], "off"])].iloc[0]
    raise DataError(f"{what}: expected the series of id_col {id_col!r} in one time zone, got {a['id']!r} at UTC offset "
                    f"{a['off']} and {b['id']!r} at {b['off']} (wall-clock {a['wall']}); one clock for all (each "
                    "series' local time, or UTC instants) would be a guess: forecast each zone's series apart, or convert the times "
                    "to one zone first (pandas: pd.to_datetime(col, utc=True))")
