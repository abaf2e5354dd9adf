"""Bundled real time series, registered by name, and the reader for series in a user's CSV file.

Each loader returns a ``pandas.Series`` with a ``DatetimeIndex`` (or a long ``DataFrame`` with an id
column where several series belong together).

Dates in a file are parsed with ONE format for the whole column (:func:`parse_dates`): never value by
value, which reads ``13/01/2021`` day-first and ``02/01/2021`` month-first in the same column.

Sources (nothing is downloaded): statsmodels' datasets (a dependency) and the CSV files shipped inside
the ``vega_datasets`` package (optional; read directly from the package folder, never through its URL
loaders). ``vega_datasets`` declares heavy dependencies it does not need for these files, so install it
with ``pip install --no-deps vega_datasets==0.9.0``.

>>> from rnnkit.data.registry import list_datasets
>>> [d.name for d in list_datasets("series")][:3]
['co2', 'elec_equip', 'macrodata_cpi']
>>> idx, fmt = parse_dates(["13/01/2021", "02/01/2021"], "date")
>>> fmt, idx.strftime("%Y-%m-%d").tolist()
('%d/%m/%Y', ['2021-01-13', '2021-01-02'])
"""

from __future__ import annotations

import datetime
import functools
import importlib.util
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rnnkit._io import excel_sep_line, is_stream, not_a_file_reason
from rnnkit.data.date_readings import (YEAR_FIRST_FORMATS, english_names, refuse_unwritten, settle_year_first,
                                      year_first)
from rnnkit.data.registry import DatasetInfo, register_dataset
from rnnkit.data.timeseries.frequency import day_text, refuse_before_year_one
from rnnkit.data.timeseries.offsets import check_zone_offsets
from rnnkit.data.timeseries.zones import check_one_zone
from rnnkit._paths import user_path
from rnnkit._validate import check_name
from rnnkit.errors import ConfigError, DataError, InputTypeError

__all__ = ["parse_dates", "read_series_csv", "DATE_FORMATS", "column_hint",
           "load_co2", "load_nile", "load_sunspots", "load_elec_equip", "load_macrodata",
           "load_seattle_weather", "load_seattle_temps", "load_stocks", "VEGA_INSTALL"]

VEGA_INSTALL = "pip install --no-deps vega_datasets==0.9.0"



# ------------------------------------------------------------------------------------------ dates in files
def _date_formats() -> tuple[str, ...]:
    out = ["ISO8601", "%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y.%m.%d"]
    for sep in "/-.":
        for date in ("%d{0}%m{0}%Y", "%m{0}%d{0}%Y", "%d{0}%m{0}%y", "%m{0}%d{0}%y"):
            out += [date.format(sep) + clock for clock in ("", " %H:%M", " %H:%M:%S")]
    # months without a day (a spreadsheet's monthly export): 'Jan 2020', 'jan-2020', '01/2020' -- never
    # 'Jan-20' (pandas reads it as January 20th of year 1)
    # a spreadsheet's d-mmm-yy ('2-Jan-20'), ISO weeks ('2020-W01': :func:`_week_start`), and the months of
    # Eurostat / IMF / Stata ('2020M01', '2020m1')
    return tuple(out + [*YEAR_FIRST_FORMATS,      # '21-01-31' (:mod:`rnnkit.data.date_readings`, session 26)
                        "%b %d %Y", "%b %d, %Y", "%B %d %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%b %Y",
                        "%B %Y", "%b-%Y", "%B-%Y", "%m/%Y", "%m-%Y", "%d-%b-%y", "%d %b %y", "%G-W%V", "%GW%V",
                        "%YM%m", "%Y-M%m", "%G-W%V-%u",    # ISO week dates, '2020-W05-1' (session 23)
                        "%Y %b", "%Y %B", "%G W%V"])   # R tsibble's months and weeks, '1960 Jan', '1991 W06'


DATE_FORMATS = _date_formats()
"""The formats :func:`parse_dates` tries for a column (ISO 8601 first), besides the two pandas guesses from
the column's first value (day first and month first), the 12-hour clock forms of those with a time of day
when the first value ends in AM/PM (:func:`_twelve_hour`), and the quarters of :data:`QUARTER_FORMATS`."""

QUARTER_FORMATS = ("%YQ%q", "%Y-Q%q", "%Y Q%q", "%Y/Q%q", "Q%q %Y", "Q%q-%Y", "Q%q/%Y")
"""Quarters (``2000Q1``, ``2000-Q1``, ``Q1 2000``; ``q`` too): ``%q`` is the quarter 1-4, as in R's zoo
(``as.yearqtr(format="%Y Q%q")``); strptime has no such directive. Read as the calendar quarter's first day
(2000-01-01, as pandas' ``Period('2000Q1')``), so the series is quarterly (QS-OCT, pandas' name of that grid)
and its forecast times are quarter starts."""
_QUARTER_PARTS = {"%Y": r"(?P<y>\d{4})", "%q": r"(?P<q>[1-4])"}


def _quarter_pattern(fmt: str) -> re.Pattern:
    """The regular expression of a ``%q`` format (``%Y`` and ``%q`` its only directives; its letters in
    either case); a format with another directive is a ConfigError naming it."""
    parts = re.split(r"(%.)", fmt)
    other = [p for p in parts[1::2] if p not in _QUARTER_PARTS]
    if other or parts[1::2].count("%Y") != 1 or parts[1::2].count("%q") != 1:
        raise ConfigError(f"date_format: expected a quarter format with %Y and %q once each and no other directive "
                          f"(e.g. '%Y-Q%q'), got {fmt!r}")
    return re.compile("".join(_QUARTER_PARTS.get(p, re.escape(p)) for p in parts), re.IGNORECASE)


def _quarter_starts(text: pd.Series, fmt: str) -> pd.DatetimeIndex:
    """The first day of each value's quarter in ``fmt`` (a :data:`QUARTER_FORMATS` form), NaT where one does
    not match."""
    pattern = _quarter_pattern(fmt)
    found = [pattern.fullmatch(v.strip()) if isinstance(v, str) else None for v in text]
    return pd.DatetimeIndex([pd.Timestamp(int(m["y"]), 3 * int(m["q"]) - 2, 1) if m else pd.NaT for m in found])


def _twelve_hour(fmt: str) -> list[str]:
    """The 12-hour clock forms of a format with a time of day (``%H:%M`` -> ``%I:%M %p`` and ``%I:%M%p``):
    ``1:00 PM`` was 'no known format'. Tried only when the column's first value ends in AM/PM."""
    if "%H" not in fmt:
        return []
    clock = fmt.replace("%H", "%I")
    return [clock + " %p", clock + "%p"]


def _week_start(text: pd.Series, fmt: str) -> tuple[pd.Series, str]:
    """An ISO week without a weekday (``2020-W01``, format ``%G-W%V``) read as its Monday (2019-12-30, ISO 8601's
    first day of that week; strptime needs the weekday ``%u`` with ``%G``/``%V``): the text and format to parse."""
    if "%V" in fmt and "%u" not in fmt:
        return text.astype(str).str.strip() + "-1", fmt + "-%u"
    return text, fmt


_AM_PM = re.compile(r"\d\s?[AaPp][Mm]$")

_DATE_FLAGS = "pass --date-format (date_format=, e.g. '%d/%m/%Y') or --dayfirst (dayfirst=True/False)"


def _day_month_order(fmt: str) -> str | None:
    """``"day"``/``"month"`` for a format with a numeric day and month both before the year (the family
    where ``02/01/2021`` is ambiguous); ``None`` for the others (ISO, year first, month names)."""
    d, m, y = fmt.find("%d"), fmt.find("%m"), max(fmt.find("%Y"), fmt.find("%y"))
    if min(d, m, y) < 0 or y < max(d, m):
        return None
    return "day" if d < m else "month"


def _year_day_month(fmt: str) -> bool:
    """A year-first format with the day before the month (``%Y-%d-%m``): never taken for ISO-like text."""
    y, d, m = fmt.find("%Y"), fmt.find("%d"), fmt.find("%m")
    return y == 0 and 0 <= d < m


def _to_datetime(text: pd.Series, fmt: str, what: str = "time") -> pd.DatetimeIndex | None:
    """Every value of ``text`` in format ``fmt``, or ``None`` when one does not parse. Values with one UTC
    offset keep it; several offsets (local time across daylight-saving changes): see :func:`_one_zone`."""
    if "%q" in fmt:      # the first value first, as below: every column not in quarters was matched 7 times whole
        starts = None if _quarter_starts(text.iloc[:1], fmt).hasnans else _quarter_starts(text, fmt)
        return None if starts is None or starts.hasnans else starts
    try:
        first, first_fmt = _week_start(text.iloc[:1], fmt)
        pd.to_datetime(first, format=first_fmt, utc=True)            # cheap rejection on the first value
        text, fmt = _week_start(text, fmt)                            # (then the whole column's week text)
        utc = pd.DatetimeIndex(pd.to_datetime(text, format=fmt, utc=True))
    except (ValueError, TypeError, OverflowError):
        return None
    return _one_zone(utc, lambda: pd.to_datetime(text, format=fmt), text, what,
                     lambda v: pd.to_datetime(v, format=fmt), text)


def _one_zone(utc: pd.DatetimeIndex, local: Any, values: pd.Series, what: str, one: Any,
              aligned: pd.Series) -> pd.DatetimeIndex:
    """The timestamps ``utc`` (parsed with ``utc=True``; one per value of ``aligned``, which holds the
    present ``values`` and missing ones) in the values' own zone: ``local()`` (parsed without it) when
    that reads them all in one (none, or one offset or zone). Several offsets (local time across
    daylight-saving changes): the local wall-clock times, offsets dropped, when those all fall at one time
    of day and the UTC instants do not -- daily or coarser data recorded in local time, regular on the
    wall clock and a DST hour off in UTC (a named zone cannot be recovered from offsets); else ``utc``
    itself (hourly data across a change are regular in UTC, not on the wall clock). Some values with an
    offset and some without are a DataError: which zone the latter are in is unknown (pandas would
    silently take them for UTC). ``one`` parses one value."""
    try:
        return pd.DatetimeIndex(local())
    except (ValueError, TypeError):
        pass
    parsed = {v: pd.Timestamp(one(v)) for v in values.unique()}
    naive = [v for v, t in parsed.items() if t.tzinfo is None]
    if naive:
        aware = next(v for v, t in parsed.items() if t.tzinfo is not None)
        raise DataError(f"{what}: expected times all with a UTC offset or all without, got {str(naive[0])!r} "
                        f"(none) and {str(aware)!r}")
    check_zone_offsets(parsed, values, what)   # +01:00 and -05:00: two zones' clocks, read as one (session 23)
    wall = pd.DatetimeIndex([parsed[v].tz_localize(None) if v in parsed else pd.NaT
                             for v in aligned.where(aligned.notna(), None)])
    of_day = lambda idx: set((idx[idx.notna()] - idx[idx.notna()].normalize()).asi8)  # noqa: E731
    return wall if len(of_day(wall)) == 1 and len(of_day(utc)) > 1 else utc


def _first_bad(text: pd.Series, fmt: str) -> str:
    week, week_fmt = _week_start(text, fmt)
    bad = np.asarray((_quarter_starts(text, fmt) if "%q" in fmt else
                      pd.to_datetime(week, format=week_fmt, utc=True, errors="coerce")).isna())
    i = int(np.argmax(bad))
    return f"{text.iloc[i]!r} in data row {int(text.index[i]) + 1}"


@english_names()      # month names and AM/PM in English, whatever LC_TIME a host set
def parse_dates(values: Any, what: str, date_format: str | None = None, dayfirst: bool | None = None
                ) -> tuple[pd.DatetimeIndex, str | None]:
    """Timestamps from ``values`` (text), read with ONE format for all of them: ``(index, format)``.

    ``date_format`` (a ``strptime`` format, or ``"ISO8601"``): every value must match it. Otherwise the
    candidates are :data:`DATE_FORMATS` (ISO 8601 first) and the formats pandas guesses from the first
    value; those that parse every value are kept. When they disagree (``02/01/2021`` both day first and
    month first) the column is ambiguous: a :class:`DataError` naming ``--date-format``/``--dayfirst``.
    ``dayfirst`` keeps only the candidates whose numeric day and month come in that order (ISO dates and
    month names are not affected). Values that are already timestamps are returned as they are (format
    ``None``); periods (a ``PeriodIndex`` or ``pd.Period`` values of one frequency) become the timestamps of
    their starts; missing values (NaN, None) stay ``NaT`` for the caller to judge. Time zones are kept:
    values with one UTC offset (or timestamps of one zone) keep it, several offsets (local time across
    daylight-saving changes) become the wall-clock times when those fall at one time of day (daily or
    coarser data), UTC otherwise; values with and without an offset in one column are an error.

    >>> parse_dates(["01/02/2021", "02/02/2021"], "date", dayfirst=True)[0].strftime("%d %b").tolist()
    ['01 Feb', '02 Feb']
    """
    if date_format is not None and not isinstance(date_format, str):
        raise InputTypeError(f"date_format: expected a format string such as '%d/%m/%Y', got "
                             f"{type(date_format).__name__}")
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise InputTypeError(f"dayfirst: expected a bool or None, got {type(dayfirst).__name__}")
    if date_format is not None and dayfirst is not None:
        raise ConfigError(f"dayfirst: expected None with date_format {date_format!r} (the format fixes the order "
                          f"of day and month), got {dayfirst}")
    if isinstance(values, pd.DatetimeIndex) or pd.api.types.is_datetime64_any_dtype(values):
        refuse_before_year_one(pd.DatetimeIndex(values), what)
        return pd.DatetimeIndex(values), None
    if isinstance(getattr(values, "dtype", None), pd.PeriodDtype):     # statsmodels' and pandas' period data
        return pd.PeriodIndex(values).to_timestamp(how="start"), None
    ser = pd.Series(list(values) if not isinstance(values, pd.Series) else values.to_numpy(), dtype=object)
    present = ser.notna().to_numpy()
    text = ser[present]
    odd = [v for v in text.iloc[:1000] if not isinstance(v, str)]
    if odd:
        # datetime.date/datetime and numpy/pandas timestamps (a Timedelta or a datetime.time has an isoformat
        # too: they reached pd.to_datetime and raised a bare TypeError)
        if all(isinstance(v, (pd.Timestamp, np.datetime64, datetime.date)) for v in text):
            return _one_zone(pd.DatetimeIndex(pd.to_datetime(ser, utc=True)), lambda: pd.to_datetime(ser), text,
                             what, pd.Timestamp, ser), None
        if all(isinstance(v, (float, np.floating)) and not isinstance(v, bool) for v in text):
            return _number_times(ser, text, what, date_format)
        if all(isinstance(v, pd.Period) for v in text):
            if len({v.freqstr for v in text}) > 1:
                raise DataError(f"{what}: expected periods of one frequency, got {sorted({v.freqstr for v in text})}")
            return pd.DatetimeIndex([v.to_timestamp(how="start") if isinstance(v, pd.Period) else pd.NaT
                                     for v in ser]), None
        raise DataError(f"{what}: expected dates as text or timestamps, got {odd[0]!r} ({type(odd[0]).__name__})")
    out = pd.DatetimeIndex(np.full(len(ser), np.datetime64("NaT", "ns")))
    if not len(text):
        return out, date_format
    if date_format is not None:
        parsed = _to_datetime(text, date_format, what)
        if parsed is None:
            raise DataError(f"{what}: expected every date in date_format {date_format!r}, got "
                            f"{_first_bad(text, date_format)}")
        found = [(date_format, parsed)]
    else:
        import warnings

        from pandas.tseries.api import guess_datetime_format

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            guesses = [guess_datetime_format(text.iloc[0], dayfirst=df) for df in (False, True)]
        clocked = [*DATE_FORMATS, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        twelve = [t for c in clocked for t in _twelve_hour(c)] if _AM_PM.search(str(text.iloc[0]).strip()) else []
        cands = [c for c in dict.fromkeys([*DATE_FORMATS, *twelve, *QUARTER_FORMATS, *(g for g in guesses if g)])
                 if not _year_day_month(c)]
        if dayfirst is not None:    # (a two-digit year first is read only without dayfirst: a day-month order)
            cands = [c for c in cands if _day_month_order(c) in (None, "day" if dayfirst else "month")
                     and not year_first(c)]
        found = []
        for fmt in cands:
            parsed = _to_datetime(text, fmt, what)
            if parsed is not None and not any(parsed.equals(p) for _, p in found):
                found.append((fmt, parsed))
                if fmt == "ISO8601":      # ISO 8601 is unambiguous: year, month, day
                    break
        if not found:
            order = "" if dayfirst is None else f" with the {'day' if dayfirst else 'month'} first"
            near = next((c for c in cands if _to_datetime(text.iloc[:1], c) is not None), None)
            got = (f"{_first_bad(text, near)} does not parse as {near!r} like the first value {text.iloc[0]!r}"
                   if near else f"first value {text.iloc[0]!r}")
            word = next((v for v in text if not re.search(r"\d", v)), None) if near else None
            fix = (f"{word!r} holds no date: a total, note or second header row of a spreadsheet? drop the row"
                   if word is not None else _DATE_FLAGS)
            raise DataError(f"{what}: expected dates in one format for the whole column, got no known format"
                            f"{order} that parses every value ({got}); {fix}")
        found = settle_year_first(found, text, what)      # '21-01-01': 2021-01-01 or 2001-01-21
        if len(found) > 1:
            (f1, a), (f2, b) = found[:2]
            i = int(np.argmax((a != b)))
            raise DataError(f"{what}: expected dates with one reading, got an ambiguous column: {f1!r} and {f2!r} "
                            f"both parse every value ({text.iloc[i]!r} is {day_text(a[i])} or {day_text(b[i])}); "
                            f"{_DATE_FLAGS}")
    fmt, parsed = found[0]
    refuse_unwritten(text, fmt, what)     # '23:59:60' read as the next midnight, 'today' as the clock's day
    stamps = (parsed.tz_convert(None) if parsed.tz is not None else parsed).to_numpy()
    values = np.full(len(ser), np.datetime64("NaT"), dtype=stamps.dtype)   # the parsed unit: into nanoseconds,
    values[present] = stamps          # 1500-01-01 (seconds) wrapped around silently to 2084-07-20 23:34:33.709551616
    idx = pd.DatetimeIndex(values)
    refuse_before_year_one(idx, what, ser.to_numpy())   # '-0' read by ISO 8601 as year 0 (session 25)
    return (idx.tz_localize("UTC").tz_convert(parsed.tz) if parsed.tz is not None else idx), fmt


def _number_times(ser: pd.Series, text: pd.Series, what: str, date_format: str | None
                  ) -> tuple[pd.DatetimeIndex, str | None]:
    """Times written as floats (a CSV column with ``1959.0``, R's ``time()`` of a ts): whole numbers with a
    ``date_format`` are read as the integers they are (``1959.0`` with ``'%Y'``); otherwise a DataError naming
    what they look like -- decimal years (``1949.0833`` is February 1949) or whole numbers needing the format."""
    values = np.asarray(text, dtype=float)
    shown = ", ".join(str(float(v)) for v in values[:2])
    if not np.isfinite(values).all():
        raise DataError(f"{what}: expected dates as text or timestamps, got numbers ({shown}, ..) and "
                        f"{float(values[~np.isfinite(values)][0])} among them")
    whole = bool((values % 1 == 0).all())
    if whole and date_format is not None:
        return parse_dates(ser.map(lambda v: None if pd.isna(v) else str(int(v))), what, date_format)
    if whole:
        hint = ("write them as integers (integer steps), or, if they are years, pass --date-format %Y "
                "(date_format='%Y') to read them as dates")
    else:
        per_year = next((k for k in (4, 12) if np.allclose(values * k, np.round(values * k), rtol=0, atol=1e-6)), None)
        v = float(values[np.argmax(values % 1 != 0)])         # a fractional one, as the example
        year, part = int(v // 1), int(round(v % 1 * (per_year or 1)))
        hint = ("write the times as dates" if per_year is None or not 1000 <= values.min() <= values.max() < 3000
                else f"they look like decimal years, {per_year} a year (R's time() of a ts writes them): write the "
                     f"times as dates, e.g. {v:.4f} as " + (f"'{year}-{part + 1:02d}'" if per_year == 12 else
                                                            f"'{year}Q{part + 1}'"))
    raise DataError(f"{what}: expected dates as text or timestamps, got numbers ({shown}, ..); {hint}")


def column_hint(name: Any, columns: Any, kind: str = "column") -> str:
    """The end of a 'column not found' message when a column differs from ``name`` only by spaces at its ends, by
    case or by its Unicode form (NFC / NFD): a header written ``date, y`` (a space after each comma) holds ``' y'``,
    and "column 'y' not found; expected one of ['date', ' y']" left the space to be seen; a decomposed
    ``'Umsa\u0308tze'`` prints as ``'Umsätze'``, so its names are shown escaped. ``''`` when none does. ``kind``: what
    the names are (``'id'``: update's series ids, an NFD ``'Zu\u0308rich'`` against the fitted ``'Zürich'``)."""
    name = str(name)
    loose = lambda s: unicodedata.normalize("NFC", unicodedata.normalize("NFC", s).strip().casefold())  # noqa: E731
    near = [str(c) for c in columns if str(c) != name and loose(str(c)) == loose(name)]
    if not near:
        return ""
    col = near[0]
    if col.strip() == name.strip():
        return (f" ({col!r} differs from {name!r} only by spaces at its ends, as in a header written 'a, b': "
                f"name the {kind} as written, or remove the spaces)")
    nfc = lambda s: unicodedata.normalize("NFC", s).strip()  # noqa: E731
    form = nfc(col) == nfc(name) or col.strip() != nfc(col) or name.strip() != nfc(name)
    how = [what for what, differs in (("case", nfc(col) != nfc(name)), ("spaces at its ends", col != col.strip() or
           name != name.strip()), ("its Unicode form (NFD: an accent stored as a character of its own)", form)) if differs]
    shown = ascii if form else repr
    return (f" ({shown(col)} differs from {shown(name)} only by {' and '.join(how)}: name the {kind} as written"
            f"{', or normalise both to NFC' if form else ''})")


def read_series_csv(path: str | Path, time_col: str | None = None, *, date_format: str | None = None,
                    dayfirst: bool | None = None, what: str = "csv", id_col: str | None = None) -> pd.DataFrame:
    """A CSV file of one or more series as a DataFrame; ``time_col`` (given, not integer steps) is parsed by
    :func:`parse_dates` with one format for the column, recorded in ``frame.attrs["date_format"]`` (the forecaster
    reads later time columns so). ``id_col`` is read as the text in the file: ids ``001`` and ``1.50`` stay
    themselves (not the numbers 1 and 1.5, which merged ``001`` with ``1``), and an id ``NA`` (Namibia) is an id;
    only an empty field or ``\\N`` (a dump's NULL, :mod:`.db_null`: missing in any column) is a missing id. An
    unreadable file or a missing column is a :class:`DataError` naming ``what`` (the CLI passes ``"--csv"``). A
    first line ``sep=,`` (Excel's, naming the separator) is read and skipped; ``sep=;`` or another separator is a
    DataError, as a ';' header. A gzip file is read (CRC checked), other archives named (:mod:`.compressed`); with
    ``id_col``, series in two time zones at one wall-clock time are a DataError (:mod:`.timeseries.zones`)."""
    from rnnkit.data.compressed import csv_text
    from rnnkit.data.exact_integers import keep_exact_integers
    from rnnkit.data.text import csv_records
    from rnnkit.data.db_null import DB_NULL
    from rnnkit.data.unnamed_columns import drop_empty_unnamed

    path = user_path(path, what, file=True)   # '~/x.csv' as pandas reads it; bytes, 'x.csv/' refused (rnnkit._paths)
    if not (path.is_file() or is_stream(path)):          # a pipe (<(cmd), '-': stdin) is read once, as a file
        raise DataError(f"{what}: expected an existing CSV file, got {str(path)!r} ({not_a_file_reason(path)})")
    text = csv_text(path, what)       # UTF-8 (a BOM dropped), the bad byte's line named; gzip read, verified
    text = excel_sep_line(text, what, path)   # Excel's 'sep=,' line: a blank one (read as columns ['sep=', ...])
    header = text.lstrip("\n").split("\n", 1)[0]
    other = next((sep for sep in (";", "\t") if sep in header), None) if "," not in header else None
    if other is not None:       # a European ';' file read as one column 't;y' ('expected a time column')
        raise DataError(f"{what}: expected a comma-separated file, got {str(path)!r} whose header "
                        f"{header.strip()[:60]!r} is separated by {other!r}; convert it (e.g. pandas "
                        f"read_csv(sep={other!r}, decimal=...) then to_csv)")
    if "," not in header and header.strip():     # a report's title above the table: 'expected 1 fields ... row 2'
        lines = text.lstrip("\n").split("\n", 12)[:12]
        table = next((i for i in range(1, len(lines) - 1) if 0 < lines[i].count(",") == lines[i + 1].count(",")
                      and re.search(r"[^\W\d_]", lines[i])), None)      # names: a header, not '1,5' decimal commas
        if table is not None:       # two lines of one width with commas below a line without: the table's header
            raise DataError(f"{what}: expected the header on the first line, got {header.strip()[:60]!r} (no comma) "
                            f"above line {table + 1}'s {lines[table].strip()[:60]!r}: a title or note above the "
                            f"table? delete the lines above the header")
    text = drop_empty_unnamed(text, f"{what} {str(path)!r}")   # 't,y,,' on every line: 'got '' twice' (session 22)
    csv_records(text, f"{what} {str(path)!r}", keep=False)   # no column twice, every row as wide as the header
    try:
        frame = pd.read_csv(io.StringIO(text), na_values=[DB_NULL])   # a dump's NULL: missing, as 'NA' (db_null)
    except (ValueError, pd.errors.ParserError) as e:
        raise DataError(f"{what}: expected a readable CSV file, got {str(path)!r} ({str(e).splitlines()[0]})") from None
    frame = keep_exact_integers(frame, text, (time_col, id_col), time_col)   # beyond 2**53; a time cell beyond 1e308
    if id_col is not None and id_col in frame.columns:
        ids = pd.read_csv(io.StringIO(text), usecols=[id_col], dtype=str, keep_default_na=False)[id_col]
        frame[id_col] = ids.mask(ids.str.strip().isin(["", DB_NULL]))    # an empty id or a dump's NULL: missing
    if time_col is not None:
        if time_col not in frame.columns:
            raise DataError(f"{what}: expected a time column {time_col!r}, got columns "
                            f"{[str(c) for c in frame.columns]}{column_hint(time_col, frame.columns)}")
        col = frame[time_col]
        if pd.api.types.is_float_dtype(col) and col.isna().any() and (col.dropna() % 1 == 0).all():
            # integer steps with an empty cell (pandas reads the column as floats): "got 0.0 (float)" said nothing
            raise DataError(f"time_col {time_col!r}: expected a time step on every row, got {int(col.isna().sum())} "
                            f"missing (first in data row {int(np.argmax(col.isna().to_numpy())) + 1})")
        if not pd.api.types.is_integer_dtype(col):
            if id_col is not None and id_col in frame.columns:      # two stores in two zones: one clock silently
                check_one_zone(col, frame[id_col], f"time_col {time_col!r}", id_col)
            idx, fmt = parse_dates(col, f"time_col {time_col!r}", date_format, dayfirst)
            frame[time_col] = idx
            frame.attrs["date_format"] = fmt
    return frame


def statsmodels_frame(name: str) -> pd.DataFrame:
    """statsmodels' data set ``name`` (``load_pandas().data``) after its CSV file's sha256 check against
    statsmodels' RECORD (a file changed since install is a DataError, never read)."""
    import importlib

    from rnnkit.data.text import verified_package_bytes

    verified_package_bytes("statsmodels", "statsmodels", f"datasets/{name}/{name}.csv", "pip install statsmodels",
                           f"dataset {name!r}")
    return importlib.import_module(f"statsmodels.datasets.{name}").load_pandas().data


def load_co2() -> pd.Series:
    """Weekly atmospheric CO2 at Mauna Loa, 1958-2001 (ppm), with the data's own missing weeks kept as NaN."""
    df = statsmodels_frame("co2")
    s = df["co2"].astype(float)
    s.index = pd.DatetimeIndex(s.index, freq="W-SAT")
    s.name = "co2"
    return s


def load_nile() -> pd.Series:
    """Annual flow of the Nile at Aswan, 1871-1970 (10^8 m^3)."""
    df = statsmodels_frame("nile")
    s = pd.Series(df["volume"].astype(float).to_numpy(),
                  index=pd.date_range(str(int(df["year"].iloc[0])), periods=len(df), freq="YS"), name="nile")
    return s


register_dataset(DatasetInfo("co2", "series", "Mauna Loa weekly CO2 (ppm), 1958-2001", load_co2,
                             size="2,284 weeks"))
register_dataset(DatasetInfo("nile", "series", "Nile annual flow at Aswan, 1871-1970", load_nile,
                             size="100 years"))


def load_sunspots() -> pd.Series:
    """Yearly mean sunspot number, 1700-2008 (the ~11-year solar cycle)."""
    df = statsmodels_frame("sunspots")
    return pd.Series(df["SUNACTIVITY"].astype(float).to_numpy(),
                     index=pd.date_range(str(int(df["YEAR"].iloc[0])), periods=len(df), freq="YS"),
                     name="sunspots")


def load_elec_equip() -> pd.Series:
    """Monthly index of electrical equipment manufactured in the euro area, 1995-2016 (2005 = 100)."""
    df = statsmodels_frame("elec_equip")
    s = df.iloc[:, 0].astype(float)
    return pd.Series(s.to_numpy(), index=pd.DatetimeIndex(df.index, freq="MS"), name="elec_equip")


MACRO_COLUMNS = {"realgdp": "real GDP (bn 2005 USD, SAAR)", "cpi": "consumer price index",
                 "unemp": "unemployment rate (%)"}


def load_macrodata(column: str = "realgdp") -> pd.Series:
    """One quarterly US macroeconomic series from statsmodels' macrodata, 1959Q1-2009Q3."""
    df = statsmodels_frame("macrodata")
    check_name("column", column, [c for c in df.columns if c not in ("year", "quarter")], DataError)
    start = f"{int(df['year'].iloc[0])}Q{int(df['quarter'].iloc[0])}"
    return pd.Series(df[column].astype(float).to_numpy(),
                     index=pd.period_range(start, periods=len(df), freq="Q").to_timestamp(how="start"),
                     name=f"macrodata_{column}").asfreq("QS-OCT")


def _vega_file(name: str) -> Path:
    spec = importlib.util.find_spec("vega_datasets")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"dataset file {name!r}: needs package 'vega_datasets'; install it with: {VEGA_INSTALL}")
    path = Path(list(spec.submodule_search_locations)[0]) / "_data" / name
    if not path.is_file():
        raise DataError(f"dataset file {name!r}: expected it inside vega_datasets at {path}, got no file; "
                        f"reinstall with: {VEGA_INSTALL}")
    return path


def vega_csv(name: str) -> pd.DataFrame:
    """A CSV file of vega_datasets as a frame, after the sha256 check against the package's RECORD (a file
    changed since install is a DataError, never read)."""
    from rnnkit.data.text import verified_package_bytes

    _vega_file(name)    # the package and the file exist: their own messages
    data = verified_package_bytes("vega_datasets", "vega_datasets", f"_data/{name}", VEGA_INSTALL,
                                  f"dataset file {name!r}")
    return pd.read_csv(io.BytesIO(data))


def load_seattle_weather(column: str = "temp_max") -> pd.Series:
    """Daily Seattle weather 2012-2015 (vega_datasets ``seattle-weather.csv``); ``column`` is one of
    temp_max, temp_min (deg C), precipitation (mm), wind (m/s)."""
    df = vega_csv("seattle-weather.csv")
    check_name("column", column, ["temp_max", "temp_min", "precipitation", "wind"], DataError)
    idx = pd.DatetimeIndex(pd.to_datetime(df["date"], format="%Y/%m/%d"), freq="D")
    return pd.Series(df[column].astype(float).to_numpy(), index=idx, name=f"seattle_{column}")


def load_seattle_temps() -> pd.Series:
    """Hourly temperature in Seattle during 2010 (deg F; vega_datasets ``seattle-temps.csv``).
    One hour is missing from the file (the daylight-saving change); it is kept as NaN on the hourly grid."""
    df = vega_csv("seattle-temps.csv")
    idx = pd.to_datetime(df["date"], format="%Y/%m/%d %H:%M")
    s = pd.Series(df["temp"].astype(float).to_numpy(), index=pd.DatetimeIndex(idx), name="seattle_temps")
    s = s[~s.index.duplicated(keep="first")]
    return s.asfreq("h")


def load_stocks() -> pd.DataFrame:
    """Monthly closing prices of five stocks (AAPL, AMZN, GOOG, IBM, MSFT), 2000-2010, as a long frame
    with columns ``symbol`` (the id), ``date`` and ``price`` (vega_datasets ``stocks.csv``)."""
    df = vega_csv("stocks.csv")
    df["date"] = parse_dates(df["date"], "stocks.csv date", "%b %d %Y")[0]    # English month names, any locale
    out = df[["symbol", "date", "price"]].astype({"price": float})
    out.attrs["columns"] = {"target": "price", "time_col": "date", "id_col": "symbol"}  # read by `rnnkit forecast`
    return out


def _vega(name, description, loader, size):
    return DatasetInfo(name, "series", description, loader, package="vega_datasets", install=VEGA_INSTALL,
                       size=size)


register_dataset(DatasetInfo("sunspots", "series", "Yearly mean sunspot number, 1700-2008", load_sunspots,
                             size="309 years"))
register_dataset(DatasetInfo("elec_equip", "series", "Euro-area electrical equipment index, monthly 1995-2016",
                             load_elec_equip, size="257 months"))
for _col, _what in MACRO_COLUMNS.items():
    register_dataset(DatasetInfo(f"macrodata_{_col}", "series", f"US {_what}, quarterly 1959-2009",
                                 functools.partial(load_macrodata, _col), size="203 quarters"))
register_dataset(_vega("seattle_temp_max", "Seattle daily maximum temperature (C), 2012-2015",
                       load_seattle_weather, "1,461 days"))
register_dataset(_vega("seattle_temps", "Seattle hourly temperature (F), 2010", load_seattle_temps,
                       "8,760 hours"))
register_dataset(_vega("stocks", "Monthly prices of AAPL, AMZN, GOOG, IBM, MSFT, 2000-2010 (id column 'symbol')",
                       load_stocks, "5 series, 560 rows"))
