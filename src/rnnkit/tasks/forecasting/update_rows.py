"""The rows of a frame given to ``Forecaster.update`` (or ``predict(future_covariates=)``) by series id.

A row without an id belongs to no series: a fit refuses it (``id_col 'store': expected an id on every row``),
and so do an update and the future covariates -- pandas' ``groupby`` drops missing keys, so a new observation
with an empty id cell was left out of the update without a word (session 17).
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pandas as pd

from rnnkit._validate import is_real, plain
from rnnkit.data.series import column_hint
from rnnkit.data.timeseries.offsets import MAX_SHIFT
from rnnkit.errors import DataError
from rnnkit.tasks.forecasting.input_values import time_index

__all__ = ["need_column", "shown_names", "typed_hint", "rows_by_id", "id_rows", "check_ids_present", "zone",
           "update_target", "same_zone", "local_wall", "frame_times", "plain_rows", "row_order_steps"]


def need_column(df: pd.DataFrame, col: str, what: str) -> None:
    """``df`` has exactly one column ``col``: else a DataError naming ``what`` and ``col`` (two of one name made
    ``df[col]`` a frame: pandas' bare 'Data must be 1-dimensional')."""
    if col not in df.columns:
        hint = column_hint(col, df.columns) or typed_hint(col, df.columns) or _index_hint(df.index, col, what)
        raise DataError(f"{what}: column {col!r} not found; expected one of {shown_names(df.columns)}{hint}")
    if list(df.columns).count(col) > 1:
        raise DataError(f"{what}: expected one column named {col!r}, got {list(df.columns).count(col)}")


def shown_names(columns: Any) -> list:
    """Column names as a message lists them: a number (the ``0, 1`` of a frame built from an array) as the number
    it is, anything else as text. ``[str(c) ...]`` listed the int 0 as ``'0'``, so ``target="0"`` was told
    "column '0' not found; expected one of ['0', '1']", a message the frame contradicted. A numpy str (the keys of
    a dict built from ``np.unique(...)``) is its text: ``np.str_('sales')`` is no name the user wrote."""
    return [plain(c) if is_real(c) else str(c) for c in columns]


def typed_hint(col: Any, columns: Any) -> str:
    """The end of a 'column not found' message when ``col`` is the text of a column named by a number (``'0'`` for
    the int 0) or the number of a column named by text (``0`` for ``'0'``, a CSV header's): ``''`` when neither."""
    near = next((c for c in columns if type(plain(c)) is not type(plain(col)) and str(plain(c)) == str(plain(col))),
                None)
    if near is None:
        return ""
    kind = "the text" if isinstance(near, str) else f"the {type(plain(near)).__name__}"
    return f" (the column is named by {kind} {plain(near)!r}, not {plain(col)!r}: name it so)"


def _index_hint(index: pd.Index, col: Any, what: str) -> str:
    """The end of a 'column not found' message when ``col`` names the frame's index (``df.set_index('day')``, a
    groupby's result): the column was said to be missing, its values in plain sight."""
    if col not in [n for n in index.names if n is not None]:
        return ""
    multi = isinstance(index, pd.MultiIndex)
    alone = "; or leave time_col out: the index is read as the times" if what.endswith("time_col") and not multi else ""
    return (f" ({col!r} names {'a level of ' if multi else ''}the frame's index: move it to a column with "
            f"reset_index(){alone})")


def check_ids_present(df: pd.DataFrame, id_col: str, what: str) -> None:
    """A DataError naming ``what``, ``id_col`` and the first row (1-based, in the order given) without an id."""
    need_column(df, id_col, f"{what}: id_col")
    missing = pd.isna(df[id_col]).to_numpy()
    if missing.any():
        raise DataError(f"{what}: id_col {id_col!r}: expected an id on every row, got {int(missing.sum())} missing "
                        f"(first in data row {int(np.argmax(missing)) + 1})")


def rows_by_id(df: pd.DataFrame, id_col: str, what: str) -> dict[str, pd.DataFrame]:
    """``{str(id): rows}`` of ``df`` (ids sorted); a row without an id is a DataError (:func:`check_ids_present`)."""
    check_ids_present(df, id_col, what)
    return {str(k): g for k, g in df.groupby(df[id_col].astype(str), sort=True)}


def id_rows(df: pd.DataFrame, id_col: str, sid: str, what: str) -> np.ndarray:
    """The boolean mask of the rows of series ``sid`` (ids compared as text); a row without an id is a DataError."""
    check_ids_present(df, id_col, what)
    return (df[id_col].astype(str) == sid).to_numpy()


def zone(tz: Any) -> str:
    """A time zone as an error message names it (``tz-naive`` for none)."""
    return "tz-naive" if tz is None else str(tz)


def same_zone(got: Any, expected: Any, what: str, sid: str, freq: str | None = None) -> Any:
    """``got``, the timestamps of new points or future covariates, checked against the series' ``expected`` ones:
    aware where the series' are naive (or the reverse) is a DataError naming both zones (update's new points; the
    future covariates' rows were said to be missing, 'got none for [...]'). Daily or coarser series (``freq``) read
    from local times with UTC offsets are continued on their wall clock (:func:`local_wall`): the rows are returned
    at the series' own zone. UTC and named zones (``tz_localize('UTC')``, ``Europe/Berlin``) are a deliberate zone:
    refused as before (a '+00:00' local time, London's winter, reads as UTC: refused too)."""
    wall = local_wall(got, expected, freq)
    if wall is not None:
        return wall
    if isinstance(got, pd.DatetimeIndex) and isinstance(expected, pd.DatetimeIndex) and (
            (got.tz is None) != (expected.tz is None)):
        raise DataError(f"{what}: expected timestamps in the time zone of series {sid!r} ({zone(expected.tz)}), got "
                        f"{zone(got.tz)} ones {list(map(str, got[:3]))}")
    return got


def _offset(tz: Any) -> datetime.timedelta | None:
    """The offset of a fixed-offset zone other than UTC (what one offset in text dates gives: '+02:00'), else ``None``
    (naive, UTC, a named zone)."""
    if isinstance(tz, datetime.timezone) and tz != datetime.timezone.utc:
        return tz.utcoffset(None)
    return None


def local_wall(got: Any, expected: Any, freq: str | None) -> pd.DatetimeIndex | None:
    """``got`` as the wall clock of ``expected``'s zone when both are one local clock's daily (``freq``) times as
    :func:`rnnkit.data.series.parse_dates` reads text with offsets -- one offset: that fixed zone; several (a clock
    change): the wall clock, naive -- and ``got``'s wall clock falls at the series' time of day; ``None`` otherwise.
    So a series fitted on '...T00:00:00+01:00' (winter) goes on with the training file's next lines: '+02:00' ones
    (summer: were compared as instants, an hour off -- 'expected timestamps continuing ... got [...+02:00]') or lines
    across the change (read as naive wall-clock dates: were 'got tz-naive ones'); and a naive series (read across a
    change) with '+02:00' lines (session 23). Offsets more than a daylight-saving shift apart are two zones' clocks:
    compared as before. The service reads an observation's time with it too (:mod:`rnnkit.serve.services`)."""
    if not (isinstance(got, pd.DatetimeIndex) and isinstance(expected, pd.DatetimeIndex) and len(expected)
            and _daily(freq)):
        return None
    mine, theirs = _offset(expected.tz), _offset(got.tz)
    if mine is None and theirs is None or expected.tz is not None and mine is None or \
            got.tz is not None and theirs is None:
        return None
    if mine is not None and theirs is not None and (mine == theirs or abs(mine - theirs) > MAX_SHIFT):
        return None
    wall = got.tz_localize(None) if got.tz is not None else got
    if not ((wall - wall.normalize()) == expected[0].tz_localize(None) - expected[0].tz_localize(None).normalize()).all():
        return None
    return wall.tz_localize(expected.tz) if expected.tz is not None else wall


def _daily(freq: str | None) -> bool:
    """Whether ``freq`` steps by whole days or more (days, business days, weeks, months, quarters, years)."""
    if freq is None:
        return False
    try:
        step = pd.tseries.frequencies.to_offset(freq)
    except ValueError:
        return False
    return not isinstance(step, pd.offsets.Tick) or step.nanos % 86_400_000_000_000 == 0


def update_target(data: pd.DataFrame, args: dict[str, Any], fitted: Any) -> str | None:
    """The column of a frame given to ``update`` that holds the new values: the fit's ``target``; for a model fitted
    without one (a Series, an array), the column named as the one fitted series, else the frame's one value
    column (not the time, id or covariate columns). Several value columns, none named so, are a DataError naming
    them -- the first was read, so ``{"z": 500, "y": 1}`` updated series ``'y'`` with 500, silently. ``None``: the
    frame has no value column (the caller says so)."""
    if args.get("target"):
        return args["target"]
    used = {args.get("time_col"), args.get("id_col")}
    for key in ("past_covariates", "future_covariates"):    # a list of names, or 'a,b' as the CLI gives them
        names = args.get(key) or []
        used |= {n.strip() for n in names.split(",")} if isinstance(names, str) else set(names)
    left = [c for c in data.columns if c not in used]
    if len(fitted) == 1 and fitted[0].id in [str(c) for c in left]:
        return next(c for c in left if str(c) == fitted[0].id)
    if len(left) > 1:
        raise DataError(f"new_points: expected one value column (or one named as the series, {fitted[0].id!r}), got "
                        f"{shown_names(left)}: pass a Series, or the frame with that column only"
                        if len(fitted) == 1 else
                        f"new_points: expected one value column besides the time and id columns, got "
                        f"{shown_names(left)}")
    return left[0] if left else None


def row_order_steps(sub: pd.DataFrame, times: pd.Index, by_rows: bool, sid: str, what: str) -> pd.DataFrame:
    """One series' rows ``sub`` of a frame on pandas' default index, given for a series fitted by its row order
    (``by_rows``: no time column; integer steps ``times``): its rows in order are the forecast steps, as ``update``
    reads such a frame's rows. Any other count is a DataError (which rows are which steps is unknown). Before session
    24 they were looked up by label, so the next steps 351.. of a 351-row fit were "got none for ['351', ...]" and
    ``--future-csv`` could not be given to a run fitted without ``--time-col`` at all. Rows whose labels hold every
    forecast step (the whole history and the future on the default index) are looked up by label, as before."""
    if not by_rows or isinstance(times, pd.DatetimeIndex) or pd.Index(times).isin(sub.index).all():
        return sub
    if len(sub) != len(times):
        raise DataError(f"{what}: expected {len(times)} rows for series {sid!r} (fitted by row order: the rows in "
                        f"order are its forecast steps {times[0]}..{times[-1]}), got {len(sub)}")
    return sub.set_axis(times)


def plain_rows(index: pd.Index) -> bool:
    """Whether a frame's ``index`` is pandas' default ``0, 1, 2, ...`` (rows, not times), as a Series' is read."""
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def frame_times(df: pd.DataFrame, args: dict[str, Any], what: str) -> pd.DataFrame:
    """``df`` (new points, future covariates) indexed by its times as a fit reads a frame's: its time column (read
    with the fit's date format) when the fit had one, else its own index unless that is the default ``0, 1, ...``
    (:func:`plain_rows`) -- a PeriodIndex, dates as text or integer steps ``100, 101`` were left as they were, so
    update refused ``'2024-01-01'`` as not the expected ``2024-01-01`` and relabelled steps already given (or
    after a gap) as the next ones, silently."""
    col = args.get("time_col")
    if col:
        need_column(df, col, f"{what}: time_col")
        idx, _ = time_index(df[col], f"{what}: time_col {col!r}", args.get("date_format"))
        return df.set_index(idx)
    if isinstance(df.index, pd.DatetimeIndex) or plain_rows(df.index):
        return df
    return df.set_axis(time_index(df.index, f"{what}: index", args.get("date_format"))[0])
