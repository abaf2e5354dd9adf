"""Sampling frequency of a time index: infer a pandas frequency alias from timestamps, count how far
they are from a regular grid, and put them on it (:func:`regularize_index`); and what irregular integer
time steps most likely are (:func:`integer_steps_hint`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from rnnkit.data.timeseries.clock_nights import clock_change_hint, refuse_wall_schedule
from rnnkit.data.timeseries.few_off import few_off_grid, grid_of, warn_far
from rnnkit.data.timeseries.jitter import (calendar_months, float_noise_note, float_rounded, jitter_grid, jitter_note,
                                          mostly_one_step, wall_clock, weekday_grid)
from rnnkit.errors import DataError

__all__ = ["FrequencyInfo", "infer_frequency", "regularize_index", "integer_steps_hint", "clock_change_hint",
           "refuse_sparse_grid", "refuse_before_year_one", "clock_change_error", "day_text",
           "number_dates_format", "period_numbers"]

# pandas' frequency names are English whatever the locale; strftime's %b / %a follow LC_TIME, so a host program
# that called setlocale(LC_ALL, "") under de_DE / tr_TR built 'QS-MÄR' / 'W-PZT' and pandas refused them.
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@dataclass(frozen=True)
class FrequencyInfo:
    """What the timestamps say: a pandas frequency alias (``None`` for an integer index), how many
    timestamps were missing from the regular grid (filled with NaN when resampling), and how many
    timestamps were off the grid."""

    freq: str | None
    missing_stamps: int = 0
    off_grid: int = 0


def _infer_freq(index: pd.DatetimeIndex) -> str | None:
    """``pd.infer_freq`` as a string (pandas 3 warns it will return an offset; take ``freqstr``)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = pd.infer_freq(index)
    if f is None:
        return None
    return f if isinstance(f, str) else f.freqstr


def _semi_month(index: pd.DatetimeIndex, loose: bool = False) -> str | None:
    """``"SMS"`` (the 1st and the 15th) or ``"SME"`` (the 15th and the month's last day) when every timestamp
    is on that grid and both halves of the month occur: pandas' infer_freq never names these, and the modal
    step ("14D") was taken instead (the values resampled onto a 14-day grid, forecast dates off both days).
    The half-month grid must explain the stamps at least as well as a monthly one: at most as many of its stamps
    missing as the stamps of the rarer half (a monthly series with one stray 15th is monthly with one off-grid stamp,
    not a half-monthly one with every other stamp missing); ``loose``: any number missing (the last resort before a
    modal step, which cannot hold stamps on the 1st and the 15th)."""
    if index.size < 3:
        return None
    for freq, second in (("SMS", index.day == 15), ("SME", index.day == 15)):
        first = index.is_month_start if freq == "SMS" else index.is_month_end
        if not (first | second).all() or not first.any() or not second.any():
            continue
        grid = pd.date_range(index[0], index[-1], freq=freq)
        rarer = min(int(first.sum()), int(second.sum()))
        if index.isin(grid).all() and (grid.size - index.size <= rarer or loose):   # loose: all else failed
            return freq
    return None


def _calendar_freq(index: pd.DatetimeIndex) -> str | None:
    """The calendar frequency of stamps that pandas' infer_freq cannot name (two stamps, or gaps) when every
    one is on a month start (or every one on a month end; else every one on its month's first, or last,
    business day), or on one weekday, all at one time of day: the whole number of months (weeks) between them
    as ``MS`` / ``QS-FEB`` / ``YS-JAN`` / ``2MS`` (``ME``, ...; ``BME``, ``BQS-JAN``, ...; ``W-SUN``), named as
    infer_freq names that grid. ``None`` otherwise. Without it the modal step was taken: two monthly stamps
    (or a short monthly series with a gap, business month ends too) read as '31D', forecast dates drifting
    off the month (2020-03-03, 2020-04-03, 2020-05-04 after 2020-02-01)."""
    of_day = index - index.normalize()
    if index.size < 2 or (of_day != of_day[0]).any():
        return None
    months = np.diff(index.year.to_numpy() * 12 + index.month.to_numpy())
    days = np.diff(index.normalize().to_numpy()) / np.timedelta64(1, "D")
    first = index[0]
    cand = None
    day = index.normalize()
    for ends, b, suffix in ((index.is_month_start, "", "S"), (index.is_month_end, "", "E"),   # calendar first
                            (day == day - pd.offsets.BMonthBegin(0), "B", "S"),
                            (day == day + pd.offsets.BMonthEnd(0), "B", "E")):
        k = int(np.gcd.reduce(months)) if ends.all() else 0
        if k >= 1:
            mon = _MONTHS[first.month - 1]
            unit, k = ((f"{b}Y{suffix}-{mon}", k // 12) if k % 12 == 0 else (f"{b}Q{suffix}-{mon}", k // 3)
                       if k % 3 == 0 else (f"{b}M{suffix}", k))
            cand = f"{k if k > 1 else ''}{unit}"
            break
    if cand is None and (days % 7 == 0).all() and (days > 0).all():
        k = int(np.gcd.reduce((days // 7).astype(np.int64)))
        cand = f"{k if k > 1 else ''}W-{_DAYS[first.weekday()]}"
    if cand is None:
        return None
    grid = pd.date_range(first, periods=3, freq=cand)
    cand = _infer_freq(grid) or cand               # the name infer_freq gives that grid (QS-JAN is QS-OCT)
    return cand if index.isin(pd.date_range(first, index[-1], freq=cand)).all() else None


def _guess_freq(index: pd.DatetimeIndex) -> str | None:
    freq = _infer_freq(index) if index.size >= 3 else None
    if freq is not None or (whole := float_rounded(index)) is None:
        return freq or weekday_grid(index, _guess_rest(index))
    return _guess_freq(whole)        # a 10 Hz logger's float Unix times: '100ms', not '100000143ns' (W3)


def _guess_rest(index: pd.DatetimeIndex) -> str | None:
    wall = wall_clock(index)   # calendar grids: the wall clock's (an aware skipped midnight raised: Sao Paulo 2018)
    for guess in (_semi_month, _calendar_freq):
        freq = guess(wall)
        if freq is not None:
            return freq
    # a gap breaks infer_freq: try the longest regular stretches at the start and the end
    for k in (min(index.size, 25), 8, 5):
        for part in (index[:k], index[-k:]):
            if part.size >= 3:
                f = _infer_freq(part)
                if f is not None:
                    return f
    deltas = np.diff(index.asi8)    # in the index's unit (pandas 3 keeps parsed text in "s" or "us")
    if deltas.size:
        values, counts = np.unique(deltas, return_counts=True)
        if _few_off_months(index):   # on the 1st at one time but a few (a business day's shift: W10)
            return "MS"
        if (unit := _one_a_unit(index, few_off=False)) is not None:    # few_off: just asked
            return unit[0]
        months = 1 if index.tz is not None and (_one_a_unit(index.tz_localize(None)) or ("",))[0] == "MS" \
            else calendar_months(index)    # an aware meter read on day 1..10: 'MS' naive, '29D' aware (W14)
        if months:    # no grid of whole days ('31D', '91D': review W12)
            raise DataError(f"time: expected timestamps a frequency continues, got one about every {months} calendar "
                            f"month(s) at varying days ({index[0]}, {index[1]}, ...): months are no fixed step; write "
                            "each as its period's start (MS, QS, YS)" + ("; or drop the zone (index.tz_localize(None))"
                                                                          " to read them as monthly" if index.tz else ""))
        if (half := _semi_month(wall_clock(index), loose=True)) is not None:
            return half         # on the 1st and the 15th: no fixed step ('14D', '372h') holds them (session 36)
        if (jittered := jitter_grid(index, clock_change_hint)) is not None:    # every 2 days, a few minutes off: not '2842min'
            return jittered.freq
        step = pd.Timedelta(int(values[np.argmax(counts)]), unit=index.unit)
        days, rest = divmod(step, pd.Timedelta(days=1))
        if days and not rest:    # calendar days, as infer_freq names them (to_offset would say "24h")
            return "D" if days == 1 else f"{days}D"
        return pd.tseries.frequencies.to_offset(step).freqstr
    return None


#: calendar units a reading may be taken once in, at a varying moment (coarsest first): the frequency, the unit, what
#: varies within it
_UNITS = (("MS", "calendar month", "days"), ("W-MON", "week (Monday to Sunday)", "weekdays"),
          ("D", "calendar day", "times of day"), ("h", "clock hour", "minutes"), ("30min", "half hour", "minutes"),
          ("15min", "quarter hour", "minutes"), ("10min", "10-minute slot", "seconds"), ("5min", "5-minute slot", "seconds"),
          ("min", "minute", "seconds"))


#: a calendar day's reading on working days alone (:func:`_one_a_unit`)
_BUSINESS_DAY = ("B", "business day (Monday to Friday)", "times of day")

#: the mean length of the calendar units of :data:`_UNITS` that are no fixed step
_UNIT_LENGTH = {"MS": pd.Timedelta(days=365.2425 / 12), "W-MON": pd.Timedelta(days=7), "D": pd.Timedelta(days=1)}


def _unit_start(stamps: pd.DatetimeIndex, freq: str, how: str = "floor") -> pd.DatetimeIndex:
    """The calendar unit ``freq`` (of :data:`_UNITS`) each of ``stamps`` falls in, as its start: the unit it is in
    (``how='floor'``) or, for the units of a day and shorter, the nearest (``'round'``: readings a little before and
    after the mark); aware stamps shorter than a day in UTC (a wall clock's repeated hour has no floor)."""
    if freq == "MS":
        return stamps.to_period("M").to_timestamp()
    if freq == "W-MON":
        return stamps.normalize() - pd.to_timedelta(stamps.day_of_week, unit="D")
    if freq in ("D", "B"):
        return stamps.normalize()
    utc = stamps.tz_convert("UTC") if stamps.tz is not None else stamps
    out = utc.floor(freq) if how == "floor" else utc.round(freq)
    return out.tz_convert(stamps.tz) if stamps.tz is not None else out


def _few_off_months(index: pd.DatetimeIndex) -> bool:
    """Whether ``index`` is a month-start grid but for a few stamps, each on a month of its own
    (:func:`.few_off.few_off_grid`; half-monthly readings on the 1st and the 15th are no such grid)."""
    grid = few_off_grid(index, "MS")
    return grid is not None and not grid.snapped.has_duplicates


def _one_a_unit(index: pd.DatetimeIndex, few_off: bool | None = None) -> tuple[str, str, str, str] | None:
    """The unit of :data:`_UNITS` (``'D'``, ...) of wall-clock stamps taken at most one a unit at varying moments
    within it, most of them one unit apart, whose exact steps have no common one: a daily reading taken between
    08:00 and 10:00, a monthly meter reading on varying days, a logger's 5-minute readings a few seconds late, and how
    they fall in it (``'floor'`` / ``'round'``). The modal of 59 distinct steps was taken ('1447min', '33D', '299s'),
    and ``--resample`` put the readings on that grid: forecast times drifting a step, the first one in the unit of the
    last reading (session 33). ``None`` otherwise; months and weeks not for aware stamps, whose units shorter than a
    day are read in absolute time (the wall clock's repeated autumn hour held two hourly readings: no unit fitted)."""
    aware = index.tz is not None
    wall = wall_clock(index)
    if wall.size < 3:
        return None
    gridded = mostly_one_step(wall)      # a grid with stamps off it
    if _few_off_months(index) if few_off is None else few_off:    # on the 1st but a few (W6): each on its 1st
        return None
    for unit in _UNITS[2 * aware:]:                 # (months have no one step: 3 readings on days 1..27 have 2)
        if gridded and unit[0] != "MS":
            return None
        hows = ("floor",) if unit[0] in ("MS", "W-MON", "D") else ("floor", "round")
        stamps = wall if len(hows) == 1 else index    # shorter than a day: _unit_start reads aware stamps in UTC
        if len(hows) == 2 and \
                abs(stamps - _unit_start(stamps, unit[0], "round")).max() <= pd.Timedelta(to_offset(unit[0])) / 4:
            hows = ("round", "floor")   # all within a quarter unit of a mark (a logger early or late): the nearest first
        for how in hows:
            start = _unit_start(stamps, unit[0], how)
            if start.has_duplicates:
                continue
            if (stamps - start == (stamps - start)[0]).all():    # all at one moment of the unit: no reading varies
                return None
            grid = pd.date_range(start[0], start[-1], freq=unit[0])
            after = grid[np.minimum(grid.get_indexer(start[:-1]) + 1, grid.size - 1)]
            # and the typical step is the unit (within a fifth): 40-minute readings a few seconds off the mark fall
            # in successive half hours two times in three, and were read as half-hourly ones, a quarter invented
            # (the median or the mean step: a short monthly series read on days 1..27 had a median of 22 days)
            length = _UNIT_LENGTH[unit[0]] if unit[0] in _UNIT_LENGTH else pd.Timedelta(to_offset(unit[0]))
            steps = stamps[1:] - stamps[:-1]
            typical = min(abs(steps.median() / length - 1), abs(steps.mean() / length - 1))
            if (start[1:] != after).mean() > 0.5 or typical >= 0.2:
                return None
            if unit[0] == "D" and (wall.day_of_week < 5).all() and (start[-1] - start[0]).days >= 7:
                return _BUSINESS_DAY + (how,)   # Monday to Friday only: trading days, their weekends no gaps
            return (*unit, how)
    return None


def one_a_unit_note(index: pd.DatetimeIndex, freq: str) -> str:
    """What to say of stamps ``index`` off a ``freq`` grid when they are one a calendar unit at varying moments of it
    (:func:`_one_a_unit`); '' otherwise."""
    unit = _one_a_unit(index)
    if unit is None or unit[0] != freq:
        return ""
    dated = unit[0] in ("MS", "W-MON", "D", "B", "h")
    text = (lambda t: day_text(t, unit[0] in ("D", "B", "h"))) if dated else str
    return (f"at most one a {unit[1]} at varying {unit[2]} ({text(index[0])}, {text(index[1])}, ...): write each as its "
            f"{unit[1].split(' (')[0]}'s start, or pass --resample / resample=True to take each one's reading as its "
            f"value")


def _refuse_day_of_month(index: pd.DatetimeIndex, name: str) -> None:
    """Monthly (quarterly, yearly) dates on one day of the month other than its first or last (the 15th):
    pandas has no such frequency, the modal step ("31D", "92D") was taken for one, and ``--resample`` put
    the values on that grid (two months merged into one bin, forecast dates drifting off the 15th) -- a
    DataError naming the fix instead."""
    if index.size < 3 or index.is_month_start.all() or index.is_month_end.all():
        return
    first = index[0]
    if not ((index.day == first.day).all() and (index - index.normalize() == first - first.normalize()).all()):
        return
    months = np.diff(index.year.to_numpy() * 12 + index.month.to_numpy())
    if (months < 1).any():
        return
    step = int(np.bincount(months).argmax())
    raise DataError(f"{name}: expected timestamps a pandas frequency continues, got every one on day {first.day} of its "
                    f"month ({step}-month steps; pandas has month-start and month-end frequencies only, and a grid of "
                    "days would merge months and shift the dates); move the dates to the first (or the last) day of "
                    "their month")


#: the most grid slots per timestamp given (and in all, below which any grid is built): beyond both, one
#: mistyped date far from the others (9999-12-31 in an hourly log) made a grid of 70 million hours -- built,
#: compared and, with --resample, interpolated, a 2 kB file ran for minutes
_SLOTS_PER_STAMP, _SLOTS_ANYWAY = 100, 10 ** 4


def refuse_sparse_grid(index: pd.Index, slots: float, unit: str, name: str, series: str | None = None) -> None:
    """A DataError naming the widest gap when a grid of ``slots`` ``unit`` steps from the first to the last of the
    sorted stamps ``index`` (timestamps, or integer steps) holds more than ``_SLOTS_PER_STAMP`` slots per stamp
    given (and more than ``_SLOTS_ANYWAY``): the series is almost all gap, most likely one date or step mistyped
    (a year 9999, 2201 for 2021, 10**11 for 11), and the grid was built -- or its memory asked for: 745 GiB --
    before anything said so."""
    if slots <= max(_SLOTS_ANYWAY, _SLOTS_PER_STAMP * index.size):
        return
    values = index.asi8 if isinstance(index, pd.DatetimeIndex) else np.asarray(index, dtype=np.int64)
    at = int(np.argmax(np.diff(values.astype(np.float64)))) + 1    # (int64 differences of -2**63 .. 2**63-1 wrap)
    where = f" in series {series!r}" if series is not None else ""
    raise DataError(f"{name}: expected times that fill a grid of {unit} steps{where}, got {index.size} times spread "
                    f"over about {slots:.3g} steps ({index[0]} .. {index[-1]}); the widest gap is from {index[at - 1]} "
                    f"to {index[at]} (position {at}): a mistyped date? correct it or drop that row; times of events, "
                    "not a regular series (bursts with long gaps between)? aggregate them to a coarser frequency first")


def day_text(t: Any, clock: bool = False) -> str:
    """The date of ``t`` (a Timestamp or datetime; an aware one's own wall date) as ISO 8601 writes it, with a
    four-digit year, and ``hh:mm`` after it when ``clock``: strftime's ``%Y`` gives '760-01-01' on Linux (glibc pads
    no year, other C libraries do), so messages named dates unlike the files (records.time_text: '0760-01-01').

    >>> day_text(pd.Timestamp("0760-03-01 14:30")), day_text(pd.Timestamp("2021-05-04 14:30"), clock=True)
    ('0760-03-01', '2021-05-04 14:30')
    """
    return f"{t.date().isoformat()} {t:%H:%M}" if clock else t.date().isoformat()


def refuse_before_year_one(stamps: pd.DatetimeIndex, what: str, shown: Any = None) -> None:
    """A DataError naming the first of ``stamps`` before year 1 (``shown``: the values as written, one per stamp;
    the message names its data row) -- pandas reads ISO 8601's signed years, so a cell '-0' or '-5' in a column
    of dates became year 0 or -5, and Python's dates (strftime: the frequency's name, every message's date)
    start at year 1: a NotImplementedError from pandas' strftime, or a date silently misplaced."""
    early = np.flatnonzero(np.asarray(stamps.year < 1, dtype=bool))    # NaT's year is NaN: not < 1
    if early.size:
        i = int(early[0])
        got = f"{shown[i]!r} in data row {i + 1}" if shown is not None else f"{str(stamps[i])!r} at position {i}"
        raise DataError(f"{what}: expected dates from year 1 on, got {got} (year {stamps[i].year}): a number or a "
                        "signed year where a date belongs? (pandas reads ISO 8601's '-5' and '-0' as years)")


def _grid_slots(index: pd.DatetimeIndex, freq: str) -> float:
    """About how many ``freq`` steps lie between the first and the last stamp: the offset's length at the first
    stamp (a month from January: 31 days), so an estimate, the grid never built."""
    first, offset = index[0], to_offset(freq)
    try:
        step = (first + offset) - first
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):   # a stamp at pandas' last day
        step = pd.Timedelta(offset.nanos if isinstance(offset, Tick) else 86400 * 10 ** 9)
    return (index[-1] - first) / step if step > pd.Timedelta(0) else 0.0


def infer_frequency(index: Any, name: str = "time", series: str | None = None) -> FrequencyInfo:
    """Infer the sampling frequency of a sorted, duplicate-free ``DatetimeIndex`` and count how far it is
    from a regular grid (``series``: the id a message names, if any).

    >>> infer_frequency(pd.date_range("2020-01-31", periods=6, freq="ME"))
    FrequencyInfo(freq='ME', missing_stamps=0, off_grid=0)
    >>> infer_frequency(pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-04"]).append(
    ...     pd.date_range("2020-01-05", periods=5, freq="D")))
    FrequencyInfo(freq='D', missing_stamps=1, off_grid=0)
    """
    if not isinstance(index, pd.DatetimeIndex):
        return FrequencyInfo(None)
    index = pd.DatetimeIndex(index, freq=None)   # judged by its stamps (pandas' fields refuse a custom-day freq 'C')
    if index.size < 2:
        raise DataError(f"{name}: expected at least 2 timestamps to infer a frequency, got {index.size}")
    if index.hasnans:   # was pandas' OutOfBoundsTimedelta
        raise DataError(f"{name}: expected timestamps, got a missing one (NaT) at position {int(np.argmax(index.isna()))}")
    refuse_before_year_one(index, name)
    if not index.is_monotonic_increasing or index.has_duplicates:   # unsorted gave '-2D', repeats a ZeroDivisionError
        bad = int(np.flatnonzero(np.diff(index.asi8) <= 0)[0]) + 1
        raise DataError(f"{name}: expected sorted, distinct timestamps, got {index[bad]} after {index[bad - 1]} "
                        f"at position {bad}")
    _refuse_day_of_month(index, name)
    try:
        freq = _guess_freq(index)
    except ValueError as e:   # the days' midnights (normalize) meet one the zone skips: Sao Paulo's 2018-11-04
        raise clock_change_error(name, None, index[0], e) from None
    if freq is None:  # pragma: no cover - _guess_freq falls back to the modal step
        raise DataError(f"{name}: could not infer a frequency from the timestamps")
    refuse_sparse_grid(index, _grid_slots(index, freq), freq, name, series)
    try:
        grid = pd.date_range(index[0], index[-1], freq=freq)
    except ValueError as e:   # pandas' bare "2020-03-29 02:30:00 is a nonexistent time due to daylight savings time"
        raise clock_change_error(name, freq, index[0], e) from None
    on_grid = index.isin(grid)
    off = int((~on_grid).sum())
    if off:   # wall-clock times of day every 12 h across a clock change: no one grid of instants (W4)
        refuse_wall_schedule(index, freq, name)
    missing = int(grid.size - on_grid.sum()) if off == 0 else int((~grid.isin(index)).sum())
    if off and (jittered := grid_of(index, freq)) is not None:   # counted on its own grid (few off it: W2)
        off = int((index != jittered.snapped).sum())
        missing = int(pd.date_range(jittered.snapped[0], jittered.snapped[-1], freq=freq).size - jittered.snapped.nunique())
    return FrequencyInfo(freq, missing, off)


def clock_change_error(name: str, freq: str | None, start: pd.Timestamp, error: ValueError,
                       what: str = "grid") -> Exception:
    """The DataError for pandas' bare ValueError ``error`` ("2024-03-31 02:30:00 is a nonexistent time due to daylight
    savings time") from a ``freq`` grid of local times from ``start`` (a named zone's): daily readings at 02:30 in
    Berlin, or at midnight where the clock changes at midnight (Santiago, Havana, Beirut, Asuncion, Sao Paulo until
    2019), meet a time the zone skips or repeats. ``what``: "grid" (the data's) or "forecast times" (``name`` is then
    ``horizon``). Any other ValueError is returned as it is."""
    if not re.search(r"nonexistent time|ambiguous time|Cannot infer dst time", str(error)):
        return error
    at = re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?", str(error))
    return DataError(f"{name}: expected a {freq + ' ' if freq else ''}{what} of local times from {start}, got one through "
                     f"{at[0] if at else 'a time'}, which the zone {start.tz} skips or repeats at a daylight-saving "
                     "change; drop the zone (index.tz_localize(None): the readings' wall times) or give the "
                     "readings at another time of day")


def regularize_index(values: pd.DataFrame, freq_info: FrequencyInfo, resample: bool, name: str = "time",
                     series: str = "series", advice: Any = "") -> pd.DataFrame:
    """Return ``values`` (indexed by timestamps) on a regular grid. Gaps or off-grid timestamps are a
    :class:`DataError` unless ``resample`` (then: mean per grid bin, NaN where a bin is empty); ``advice``: what
    to say before offering ``resample`` (a frame that looks filtered: the gaps may be the filter's)."""
    if freq_info.freq is None or (freq_info.missing_stamps == 0 and freq_info.off_grid == 0):
        if freq_info.freq is not None:
            values = values.copy()
            values.index = pd.DatetimeIndex(values.index, freq=freq_info.freq)
        return values
    if not resample:
        idx = pd.DatetimeIndex(values.index)
        on = placed.snapped if (placed := grid_of(idx, freq_info.freq)) is not None else idx   # (a first stamp off)
        grid = pd.date_range(on[0], on[-1], freq=freq_info.freq)
        gone, off = grid[~grid.isin(on)], idx[~idx.isin(grid)]     # named: one hour among 8,759 was not findable
        wall = lambda t: t.tz_localize(None)    # (an aware midnight the zone skips: normalize() raised)  # noqa: E731
        stamp = lambda t: day_text(t) if wall(t) == wall(t).normalize() else str(t)   # noqa: E731
        what, first = [], []
        if freq_info.missing_stamps:
            what.append(f"{freq_info.missing_stamps} missing timestamps")
            first.append(f"first missing {stamp(gone[0])}")
        if freq_info.off_grid:
            what.append(f"{freq_info.off_grid} timestamps off the grid")
            first.append(f"first off the grid {stamp(off[0])}")
        advice = advice() if callable(advice) else advice      # a caller's advice made only for the error
        if note := float_noise_note(idx, freq_info.freq) or one_a_unit_note(idx, freq_info.freq) or \
                jitter_note(idx, freq_info.freq):
            raise DataError(f"{name}: expected regularly spaced timestamps (frequency {freq_info.freq}) in series "
                            f"{series!r}, got {note}")
        raise DataError(f"{name}: expected regularly spaced timestamps (frequency {freq_info.freq}) in series "
                        f"{series!r}, got irregular gaps ({', '.join(what)}) -- {', '.join(first)}"
                        f"{clock_change_hint(gone, 'skipped', idx)}; "
                        + (f"{advice}; if they are missing observations, " if advice else "") + resample_hint(freq_info.missing_stamps, len(grid), "put them on the grid"))
    if freq_info.off_grid and one_a_unit_note(pd.DatetimeIndex(values.index), freq_info.freq):
        # one reading a calendar unit: each unit's reading is its value, at the unit's start
        idx = pd.DatetimeIndex(values.index)
        starts = _unit_start(idx, freq_info.freq, _one_a_unit(idx)[3])
        out = values.groupby(starts).mean().reindex(pd.date_range(starts[0], starts[-1], freq=freq_info.freq))
    elif freq_info.off_grid and (jittered := grid_of(pd.DatetimeIndex(values.index), freq_info.freq)) is not None:
        warn_far(jittered, name)    # each reading at its nearest grid time (binned from the first: 2 in one; W2)
        grid = pd.date_range(jittered.snapped[0], jittered.snapped[-1], freq=freq_info.freq)
        out = values.groupby(jittered.snapped).mean().reindex(grid)
    elif freq_info.off_grid and isinstance(to_offset(freq_info.freq), (Tick, pd.offsets.Day)):
        # fixed steps binned on the grid from the first stamp the gaps were judged on (left-closed bins, as
        # resample's): pandas' bins start at midnight, so daily stamps at 06:00 became 00:00 ones and the forecast
        # ran 6 h early; resample(origin=...) fixes that for naive stamps only (a tz-aware daily series kept the
        # midnight bins, with pandas' RuntimeWarning 'origin does not take effect')
        grid = pd.date_range(values.index[0], values.index[-1], freq=freq_info.freq)
        out = values.groupby(grid.searchsorted(values.index, side="right") - 1).mean().reindex(range(len(grid)))
        out.index = grid
    elif freq_info.off_grid:
        out = values.resample(freq_info.freq).mean()
    else:
        out = values.reindex(pd.date_range(values.index[0], values.index[-1], freq=freq_info.freq))
    out.index = pd.DatetimeIndex(out.index, freq=freq_info.freq)
    return out


#: dates written as numbers: (format, smallest, largest value) -- read with --date-format FORMAT
_NUMBER_DATES = (("%Y%m%d", 10000101, 99991231), ("%Y%m", 100001, 999912), ("%Y%m%d%H", 1000010100, 9999123123),
                 ("%Y%m%d%H%M", 100001010000, 999912312359))
_SERIAL_GAPS = ({7}, {28, 29, 30, 31}, {90, 91, 92}, {365, 366})   # day counts of weekly .. yearly steps
#: Unix times: (unit, one second in it); read as such when every value falls in 1973-03-03 .. 2100-01-01
_EPOCH_UNITS = (("s", 1), ("ms", 10 ** 3), ("us", 10 ** 6), ("ns", 10 ** 9))
_EPOCH_SECONDS = (10 ** 8, 4102444800)


def resample_hint(invented: int, slots: int, action: str) -> str:
    """What to say of ``--resample`` for a series whose grid of ``slots`` steps has ``invented`` of them without a
    value: the share it would interpolate, and when that is more than half (more invented than given: MASS Sitka's
    trees measured on days 152, 174, 201, 227, 258 are 102 of 107 daily steps, 95%) what to do instead -- the
    hint was "pass --resample" alone, and the warning came only after that run."""
    share = invented / max(slots, 1)
    if share <= 0.5:
        return f"pass --resample / resample=True to {action} ({invented} of {slots} values would be interpolated)"
    return (f"--resample would interpolate {invented} of the {slots} values ({share:.0%}, more than it keeps): if the "
            "rows are successive observations, number them 0, 1, 2, ...; else aggregate to a coarser step, or pass "
            "--resample / resample=True to interpolate them anyway")


def integer_fill_hint(values: np.ndarray) -> str:
    """:func:`resample_hint` for sorted integer steps ``values`` with gaps (a grid of steps of 1 between the ends)."""
    slots = int(values[-1]) - int(values[0]) + 1
    return resample_hint(slots - values.size, slots, "fill them")


def number_dates_format(values: np.ndarray) -> str | None:
    """The format of :data:`_NUMBER_DATES` (``%Y%m%d``, ``%Y%m``, ...) that reads every one of the integers ``values``
    as a date, or ``None``.

    >>> number_dates_format(np.array([202011, 202012])), number_dates_format(np.array([202012, 202013]))
    ('%Y%m', None)
    """
    for fmt, lo, hi in _NUMBER_DATES:
        if values.min() >= lo and values.max() <= hi and \
                not pd.to_datetime(pd.Index(values.astype(str)), format=fmt, errors="coerce").hasnans:
            return fmt
    return None


def period_numbers(values: np.ndarray) -> tuple[str, str, int] | None:
    """What integers ``values`` that are no dates of :data:`_NUMBER_DATES` are when each reads as a year and an ISO
    week (``201801`` .. ``201852``, YYYYWW: a week past 12 in it) or a year and a quarter (``20001`` .. ``20004``,
    YYYYQ): ``(what they are, how to write them as dates, the divisor that leaves the year)``; else
    ``None``. Session 33: steps ``[1, 49]`` of weeks written so were "irregular gaps: pass --resample", which filled
    the 48 numbers between 201852 and 201901 with invented values.

    >>> period_numbers(np.array([201852, 201901]))[0], period_numbers(np.array([20004, 20011]))[0]
    ('year-week numbers (201852 = 2018, ISO week 52)', 'year-quarter numbers (20004 = 2000, quarter 4)')
    """
    text = pd.Index(values.astype(str))
    if values.min() >= 100001 and values.max() <= 999953 and (values % 100).max() > 12 and \
            not pd.to_datetime(text + "1", format="%G%V%u", errors="coerce").hasnans:
        v = int(values[0])
        return (f"year-week numbers ({v} = {v // 100}, ISO week {v % 100:02d})",
                "write them as dates first, e.g. each week's Monday: pd.to_datetime(col.astype(str) + '1', "
                "format='%G%V%u')", 100)
    if values.min() >= 10001 and values.max() <= 99994 and ((values % 10 >= 1) & (values % 10 <= 4)).all():
        v = int(values[0])
        return (f"year-quarter numbers ({v} = {v // 10}, quarter {v % 10})",
                f"write them as quarters first ('{v // 10}Q{v % 10}', which --time-col reads as a quarter: "
                "col.astype(str).str[:4] + 'Q' + col.astype(str).str[4:])", 10)
    return None


def integer_steps_hint(values: np.ndarray, steps: np.ndarray) -> str | None:
    """What to say when integer time steps ``values`` (sorted; ``steps`` their differences, not all 1) are
    not consecutive: ``20210131`` (YYYYMMDD) or ``202101`` (YYYYMM), to be read with ``--date-format``;
    spreadsheet serial day numbers (``44227`` is 2021-01-31) a calendar apart, or Unix times (``1609459200``
    seconds is 2021-01-01), to be turned into dates first; steps that are all multiples of one stride
    ``k > 1`` (years every 10, day numbers every 7): a series sampled every ``k``, which resampling to
    steps of 1 would fill with ``k - 1`` invented values between each two. ``None`` when they look like none
    of these (gaps in consecutive steps: ``--resample`` fills them)."""
    if (fmt := number_dates_format(values)) is not None:
        return (f"they look like dates written as numbers ({values[0]}, {values[1]}, ..): pass --date-format "
                f"{fmt} (date_format={fmt!r}) to read them as dates")
    if (periods := period_numbers(values)) is not None and np.unique(values // periods[2]).size > 1:   # a new year
        return f"they look like {periods[0]}: {periods[1]}"
    if values.min() >= 1 and values.max() <= 2958465 and any(set(steps.tolist()) <= g for g in _SERIAL_GAPS):
        day = pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(values[0]))
        return (f"they look like spreadsheet serial day numbers ({values[0]} = {day:%Y-%m-%d}): turn them into dates "
                "first, e.g. pd.to_datetime(col, unit='D', origin='1899-12-30'), or save the column as dates")
    for unit, second in _EPOCH_UNITS:
        lo, hi = (b * second for b in _EPOCH_SECONDS)
        if values.min() >= lo and values.max() <= hi and not (steps % second).any():
            day = pd.Timestamp(int(values[0]), unit=unit)
            return (f"they look like Unix times in {unit} ({values[0]} = {day}): turn them into dates first, e.g. "
                    f"pd.to_datetime(col, unit={unit!r}), or save the column as dates")
    stride = int(np.gcd.reduce(steps.astype(np.int64)))
    if stride > 1:
        years = (f", or, if they are years, pass --date-format %Y (date_format='%Y') to read them as dates"
                 if values.min() >= 1000 and values.max() <= 2999 else "")
        return (f"every step is a multiple of {stride} (a series sampled every {stride} steps; resampling to steps of "
                f"1 would invent the {stride - 1} values between each two): number the rows 0, 1, 2, ... (e.g. "
                f"(t - {values[0]}) // {stride}){years}")
    return None
