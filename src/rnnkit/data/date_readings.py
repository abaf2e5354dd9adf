"""Which reading of a column of dates: two-digit years written first, leap seconds, and English names.

``21-01-01``, ``21-02-01``, ... is ISO 8601's order with a two-digit year (``%y-%m-%d``: 2021-01-01, 2021-02-01)
and also day, month, year (``%d-%m-%y``: 2001-01-21, 2001-02-21); before session 26 only the second was tried,
so the column was read day first with no word. Every column of two-digit years from 2001 to 2028 written day
first parses year first too, so the year-first forms (:data:`YEAR_FIRST_FORMATS`) are candidates that must earn it:
when a year-first reading and another both parse every value, :func:`settle_year_first` keeps the reading that
is clearly nearer a regular grid (:func:`_irregularity`: stamps missing from the grid or off it, per stamp, less
than half the other's -- monthly dates on the 21st are on no pandas grid) and, when neither is, the one clearly
more in time order (fewer than half the other's order breaks; newest first counts as in order, and a panel of
series sorted one after the other breaks order once per series). When neither is better the column is ambiguous:
a DataError naming both readings with one example and ``--date-format`` -- as pandas' ``to_datetime`` with an explicit
format would read either. Day-month readings among themselves (``02/01/2021``) are judged as before: ambiguous
whenever both parse (:func:`rnnkit.data.series.parse_dates`).

A leap second (``23:59:60``) is no time of pandas' clock: strptime's ``%S`` accepts 60 and pandas carried it
into the next minute, a row silently moved (and a duplicate of the next row's time). :func:`refuse_leap_second`
makes it a DataError naming the value and its data row, as the neighbours name a time before year 1 or one a
zone skips.

Month and day names and AM/PM (``'Oct 01, 2020'``, ``'2020-01-01 1:00 PM'``: ``%b``, ``%B``, ``%a``, ``%p``) are
read in English whatever the process' locale (:func:`english_names`). pandas' strptime takes them from LC_TIME, which
Python leaves at "C" -- until a host program calls ``locale.setlocale(locale.LC_ALL, "")`` (GUI toolkits, R through
rpy2, scripts that want local number formats): then, under de_DE, ``'Mar 2020'`` and ``'Oct 01, 2020'`` no longer
parsed ("no known format that parses every value") while ``'Jan 2020'`` did, and ``'05 Mär 2020'`` did -- one file,
read or refused by the machine's settings, and the command line (LC_TIME "C") and the API disagreeing.

>>> import pandas as pd
>>> text = pd.Series(["21-01-01", "21-02-01", "21-03-01"])
>>> found = [(f, pd.DatetimeIndex(pd.to_datetime(text, format=f))) for f in ("%d-%m-%y", "%y-%m-%d")]
>>> [f for f, _ in settle_year_first(found, text, "date")]
['%y-%m-%d']
"""

from __future__ import annotations

import contextlib
import locale
import re
import threading
from typing import Iterator

import numpy as np
import pandas as pd

from rnnkit.data.timeseries.frequency import day_text, infer_frequency
from rnnkit.errors import DataError

__all__ = ["YEAR_FIRST_FORMATS", "year_first", "settle_year_first", "refuse_leap_second", "refuse_clock_words",
           "refuse_unwritten", "english_names"]

_LOCALE_LOCK = threading.RLock()


@contextlib.contextmanager
def english_names() -> Iterator[None]:
    """Within this block LC_TIME is "C" (English month and day names, AM/PM), as the command line always has it; the
    process' own LC_TIME is put back after. Nothing changes when it is "C", "POSIX" or English already. LC_TIME is
    the process', so the switch is made under a lock (two readers in two threads do not restore each other's)."""
    with _LOCALE_LOCK:
        current = locale.setlocale(locale.LC_TIME)
        if current in ("C", "POSIX") or current.startswith(("C.", "en_")):
            yield
            return
        locale.setlocale(locale.LC_TIME, "C")
        try:
            yield
        finally:
            locale.setlocale(locale.LC_TIME, current)

YEAR_FIRST_FORMATS = tuple(f"%y{s}%m{s}%d{clock}" for s in "-/." for clock in ("", " %H:%M", " %H:%M:%S"))
"""Two-digit years first, ISO 8601's order (``21-01-31``; ``21/01/31`` as Japan writes them; ``21.01.31``)."""


def year_first(fmt: str) -> bool:
    """A format that starts with a two-digit year (``%y-%m-%d``)."""
    return fmt.startswith("%y")


def _order_breaks(stamps: pd.DatetimeIndex) -> int:
    """How often consecutive stamps go against the column's main direction (newest-first files count as sorted)."""
    steps = np.diff(stamps.asi8)
    return int(min((steps < 0).sum(), (steps > 0).sum()))


def _irregularity(stamps: pd.DatetimeIndex) -> float:
    """How far the distinct stamps are from a regular grid, in stamps missing from it or off it per stamp: 0 on
    one; the fewer of pandas' grid (:func:`~rnnkit.data.timeseries.frequency.infer_frequency`; none for monthly
    dates on the 21st) and the grid of the most common step (counted, never built: daily dates with a few gaps
    were guessed business days, their weekends 'off the grid')."""
    distinct = pd.DatetimeIndex(stamps.unique()).sort_values()
    if distinct.size < 2:
        return 0.0
    try:
        info = infer_frequency(distinct)
        pandas_grid = (info.missing_stamps + info.off_grid) / distinct.size
    except (DataError, ValueError, OverflowError):
        pandas_grid = float("inf")
    at = distinct.asi8 - distinct.asi8[0]
    values, counts = np.unique(np.diff(at), return_counts=True)
    step = int(values[np.argmax(counts)])
    on = int((at % step == 0).sum())
    return min(pandas_grid, (int(at[-1]) // step + 1 - on + distinct.size - on) / distinct.size)


def _better(a: tuple[float, int], b: tuple[float, int]) -> bool:
    """Reading ``a`` (irregularity, order breaks) beats ``b``: clearly more regular (less than half the
    irregularity), or neither clearly more regular and clearly more in order (fewer than half the breaks: a few
    values of a shuffled file are in order by chance; rows out of time order are legal, the forecaster sorts them,
    so the grid is asked first)."""
    if 2 * a[0] < b[0] or 2 * b[0] < a[0]:
        return 2 * a[0] < b[0]
    return 2 * a[1] < b[1]


def settle_year_first(found: list[tuple[str, pd.DatetimeIndex]], text: pd.Series, what: str
                      ) -> list[tuple[str, pd.DatetimeIndex]]:
    """``found`` (format, stamps) readings that each parse every value of ``text``, without the year-first ones
    (:func:`year_first`) another reading beats and without the others when a year-first one beats them all; a
    DataError when a year-first reading and one other remain (neither beats the other). Readings of day and month
    among themselves are left to the caller: when two of them remain, they are returned without the year-first
    ones (the caller's message names day first and month first, which ``--dayfirst`` settles)."""
    first = [r for r in found if year_first(r[0])]
    other = [r for r in found if not year_first(r[0])]
    if not first or not other:
        return found
    score = {f: (_irregularity(p), _order_breaks(p)) for f, p in found}
    first = [r for r in first if not any(_better(score[o[0]], score[r[0]]) for o in other)]
    if first and all(any(_better(score[f[0]], score[o[0]]) for f in first) for o in other):
        other = []
    if first and len(other) > 1:       # day first and month first both parse: the caller's message names them
        return other
    if first and other:
        (f1, a), (f2, b) = first[0], other[0]
        i = int(np.argmax(np.asarray(a != b)))
        why = ("both on a regular grid and in time order" if score[f1] == score[f2] == (0, 0) else
               "neither more regular nor clearly more in time order")
        raise DataError(f"{what}: expected dates with one reading, got an ambiguous column: {f1!r} (year first) and "
                        f"{f2!r} both parse every value, {why} ({text.iloc[i]!r} is {day_text(a[i])} or "
                        f"{day_text(b[i])}); pass --date-format (date_format=) {f1!r} or {f2!r}")
    return first or other


_LEAP = re.compile(r"(?<!\d)\d{1,2}:\d{1,2}:6[01](?!\d)")


def refuse_leap_second(text: pd.Series, fmt: str | None, what: str) -> None:
    """A DataError naming the first value of ``text`` (index: 0-based data rows) with a second 60 or 61, which
    ``fmt`` read (``%S`` takes 0-61) and pandas carried into the next minute."""
    if fmt is None or not any(d in fmt for d in ("%S", "%T", "%X", "%c", "%r")):
        return
    leap = text.astype(str).str.contains(_LEAP).to_numpy()
    if leap.any():
        i = int(np.argmax(leap))
        raise DataError(f"{what}: expected times with seconds 0-59, got {text.iloc[i]!r} in data row "
                        f"{int(text.index[i]) + 1}: a leap second, which pandas' clock has not (read as the next "
                        "minute, the row moved silently); write it as second 59 or drop the row")


_CLOCK_WORDS = ("now", "today")


def refuse_clock_words(text: pd.Series, what: str) -> None:
    """A DataError naming the first value of ``text`` (index: 0-based data rows) that pandas reads as the clock's time
    when it is read (``now``, ``today``: pandas takes these two spellings only): see the module docstring."""
    words = text.isin(_CLOCK_WORDS).to_numpy()
    if words.any():
        i = int(np.argmax(words))
        raise DataError(f"{what}: expected dates, got {text.iloc[i]!r} in data row {int(text.index[i]) + 1}, which "
                        "pandas reads as the clock's time when the file is read (another date each day, and in the "
                        "machine's TZ); write the date itself or drop the row")


def refuse_unwritten(text: pd.Series, fmt: str | None, what: str) -> None:
    """The values no reading may take as written: a leap second (:func:`refuse_leap_second`), ``now``/``today``
    (:func:`refuse_clock_words`)."""
    refuse_clock_words(text, what)
    refuse_leap_second(text, fmt, what)
