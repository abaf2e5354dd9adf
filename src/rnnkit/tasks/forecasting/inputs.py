"""Turn what users pass (a Series, a DataFrame with a time column, an id column, covariates) into
checked, regular series. Every problem is a one-line :class:`~rnnkit.errors.DataError` naming it:
text, bools or infinities where numbers belong (NaN is the only missing-value marker), a time column
that does not read with one date format, duplicate timestamps. Also here: the checks of the new points
given to ``Forecaster.update`` and of the known-future covariates given to ``predict``.

>>> import pandas as pd
>>> df = pd.DataFrame({"t": pd.date_range("2020-01-01", periods=4, freq="D").astype(str),
...                    "sales": [1.0, 2.0, None, 4.0]})
>>> [s] = parse_series(df, target="sales", time_col="t")
>>> s.id, s.freq, s.y.tolist(), s.missing
('sales', 'D', [1.0, 2.0, 3.0, 4.0], 1)
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from rnnkit._validate import shared_role
from rnnkit.data.series import column_hint
from rnnkit.data.timeseries.frequency import (FrequencyInfo, clock_change_error, infer_frequency, integer_fill_hint,
                                              integer_steps_hint, refuse_sparse_grid, regularize_index)
from rnnkit.data.timeseries.transforms import interpolate_missing
from rnnkit.data.timeseries.zones import check_one_zone
from rnnkit.errors import ConfigError, DataError, InputTypeError
from rnnkit.tasks.forecasting.bare_points import bare_frames
from rnnkit.tasks.forecasting.date_args import check_date_args
from rnnkit.tasks.forecasting.id_rules import check_id_types, check_no_blank_ids, warn_unused_ids, warn_zero_padded_ids
from rnnkit.tasks.forecasting.input_values import check_one_series as _check_one_series, \
    in_time_order as _in_time_order, numeric_values as _numeric, filtered_frame_hint, filtered_steps_hint, \
    time_index as _time_index, time_label, series_note, panel_notes, warn_mostly_filled, \
    text_cells_first, warn_missing_head, warn_missing_tail, wide_frame_hint
from rnnkit.tasks.forecasting.new_times import on_fitted_grid, placement
from rnnkit.tasks.forecasting.outliers import check_outliers, screen, screen_new_covariate, screen_new_points
from rnnkit.tasks.forecasting.parse_once import keep, kept
from rnnkit.tasks.forecasting.update_rows import frame_times as _frame_times, id_rows, need_column as _need_column, \
    plain_rows, row_order_steps, rows_by_id, same_zone, shown_names, update_target

__all__ = ["SeriesData", "parse_series", "future_index", "as_name_list", "parse_new_points", "time_label",
           "future_covariate_values", "fill_forward", "check_future_times"]


@dataclass
class SeriesData:
    """One regular series: ``y`` (missing values interpolated; ``missing`` says how many), the time
    ``index`` (a ``DatetimeIndex`` with ``freq``, or integer steps), and covariates as ``(n, F)``
    arrays: ``past`` (observed only up to now) and ``future`` (known ahead, e.g. calendar).
    ``reordered``: rows that were not in time order in the input (sorted here); ``date_format``: the one
    format the time column was read with (``None``: it held timestamps already)."""

    id: str
    index: pd.Index
    y: np.ndarray
    freq: str | None
    past: np.ndarray
    future: np.ndarray
    missing: int = 0
    resampled: int = 0
    observed: np.ndarray | None = None   # True where the target was given (not interpolated)
    past_raw: np.ndarray | None = None   # covariates before interpolation (for truncate)
    future_raw: np.ndarray | None = None
    reordered: int = 0
    date_format: str | None = None
    outliers: tuple = ()   # ((position, given value),) read as missing by outliers="missing" (.outliers)
    placed: str | None = None   # how resample put readings off the grid on it (.new_times.placement): update's rule

    def __post_init__(self) -> None:
        if self.observed is None:
            self.observed = np.ones(self.y.size, dtype=bool)
        if self.past_raw is None:
            self.past_raw = self.past
        if self.future_raw is None:
            self.future_raw = self.future

    def __len__(self) -> int:
        return self.y.size

    def truncate(self, end: int) -> "SeriesData":
        """The first ``end`` values, with missing values interpolated again from those alone (a value
        missing just before ``end`` must not be filled from what comes after it)."""
        raw = np.where(self.observed[:end], self.y[:end], np.nan)
        y, missing = interpolate_missing(raw)

        def covs(a: np.ndarray) -> np.ndarray:
            if a.shape[1] == 0:
                return a[:end].copy()
            return np.stack([interpolate_missing(a[:end, j])[0] for j in range(a.shape[1])], 1)

        return SeriesData(self.id, self.index[:end], y, self.freq, covs(self.past_raw), covs(self.future_raw),
                          missing, self.resampled, self.observed[:end].copy(), self.past_raw[:end].copy(),
                          self.future_raw[:end].copy(), self.reordered, self.date_format,
                          tuple(o for o in self.outliers if o[0] < end), self.placed)


def as_name_list(value: Any, name: str) -> list[str]:
    """``None`` -> ``[]``; ``"a,b"`` or ``["a", "b"]`` -> ``["a", "b"]``."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InputTypeError(f"{name}: expected a column name or a list of names, got {type(value).__name__}")


def _one_series(frame: pd.DataFrame, sid: str, target: str, past_cols: list[str], fut_cols: list[str],
                resample: bool, time_name: str, allow_constant: bool = False, freq: str | None = None,
                advice: Any = str, outliers: str = "warn") -> SeriesData:
    """One series from its rows ``frame`` (indexed by time); ``freq``: the frequency of a series given at one
    time only (:func:`_shared_freq`); ``advice()``: what to say of gaps (:func:`.input_values.filtered_frame_hint`)."""
    frame, reordered = _in_time_order(frame, time_name, sid)
    idx = stamps = frame.index
    placed = None
    if isinstance(idx, pd.DatetimeIndex):
        if idx.size < 2 and freq is None:    # infer_frequency's own message did not say which of many series
            raise DataError(f"{time_name}: expected at least 2 timestamps to infer a frequency in series {sid!r}, "
                            f"got {idx.size}")
        info = infer_frequency(idx, time_name, sid) if idx.size > 1 else FrequencyInfo(freq)
        frame = regularize_index(frame, info, resample, time_name, sid, advice)
        freq, placed = info.freq, placement(idx, info.freq, info.off_grid)
        idx = frame.index
    else:
        steps = np.diff(np.asarray(idx))
        freq = None
        if steps.size and not (steps == 1).all():
            hint = integer_steps_hint(np.asarray(idx), steps)
            if hint or not resample:
                hint = filtered_steps_hint(hint, advice(), np.asarray(idx))   # a filter's row numbers? (.input_values)
                kinds = sorted(set(steps.tolist()))     # one step k > 1 throughout (RangeIndex(0, 60, 2)) is regular
                got = f"steps of {kinds[0]} throughout" if len(kinds) == 1 else f"irregular gaps (steps {kinds[:5]})"
                raise DataError(f"{time_name}: expected consecutive integer steps in series {sid!r}, got {got}; "
                                + (hint or integer_fill_hint(np.asarray(idx))))
            refuse_sparse_grid(idx, float(int(idx[-1]) - int(idx[0])), "integer", time_name, sid)  # 10**11: 745 GiB
            frame = frame.reindex(pd.RangeIndex(int(idx[0]), int(idx[-1]) + 1))
            idx = frame.index
    raw = frame[target]
    if raw.isna().all():
        raise DataError(f"target {target!r} in series {sid!r}: expected some values, got all {len(raw)} missing")
    lead = int(np.argmax(raw.notna().to_numpy()))
    if lead:    # not yet observed (a series that starts later in a panel): back-filling invented a flat history
        series_note("first", sid, f"target {target!r} in series {sid!r}: the first {lead} value(s) are missing "
                    f"(before {time_label(idx[lead])}); the series starts at its first observed value", stacklevel=5)
        frame, idx, raw = frame.iloc[lead:], idx[lead:], raw.iloc[lead:]
    resampled = len(frame) - int((stamps >= idx[0]).sum())   # grid rows added where the series is kept (not in
    # a dropped leading stretch; negative where --resample merged off-grid stamps into one bin)
    y_raw = raw.to_numpy(dtype=float)
    finite = y_raw[np.isfinite(y_raw)]
    if finite.size and np.ptp(finite) == 0 and not allow_constant:
        got = f"one value ({finite[0]:g})" if finite.size == 1 else (   # a one-row id of a panel
            f"a constant ({finite[0]:g} on every {'given ' if finite.size < y_raw.size else ''}row)")
        raise DataError(f"target {target!r} in series {sid!r}: expected a varying series, got {got}; a network has "
                        "nothing to learn from it: drop the series, or use model 'auto' or a statistical one (they "
                        "forecast it as the constant)")
    warn_missing_tail(y_raw, idx, f"target {target!r} in series {sid!r}", stacklevel=5, sid=sid)
    y_raw, lone = screen(y_raw, idx, f"target {target!r} in series {sid!r}", sid, outliers, stacklevel=4)
    y, missing = interpolate_missing(y_raw)
    warn_mostly_filled(missing, resampled, y.size, f"target {target!r} in series {sid!r}", sid, stacklevel=5)

    def covs(cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
        if not cols:
            return np.zeros((len(frame), 0)), np.zeros((len(frame), 0))
        raw_cols = []
        for c in cols:
            v = frame[c].to_numpy(dtype=float)
            if not np.isfinite(v).any():
                raise DataError(f"covariate {c!r} in series {sid!r}: expected some values, got all missing")
            warn_missing_tail(v, idx, f"covariate {c!r} in series {sid!r}", 6, sid, kind=f"last {c}")   # was silent
            warn_missing_head(v, idx, f"covariate {c!r} in series {sid!r}", 6, sid, kind=f"first {c}")
            raw_cols.append(screen(v, idx, f"covariate {c!r} in series {sid!r}", sid, outliers, 5, f"lone {c}")[0])
        raw_arr = np.stack(raw_cols, 1)
        return np.stack([interpolate_missing(v)[0] for v in raw_cols], 1), raw_arr

    past, past_raw = covs(past_cols)
    fut, fut_raw = covs(fut_cols)
    return SeriesData(sid, idx, y, freq, past, fut, missing, resampled, np.isfinite(y_raw), past_raw, fut_raw,
                      reordered, outliers=lone, placed=placed)


def _shared_freq(others: list[SeriesData], sid: str, stamp: pd.Timestamp, time_name: str) -> str:
    """The frequency of series ``sid``, given at one time ``stamp`` only (a new store's first day in a panel):
    the one all its other series share, when ``stamp`` is on that grid, with a warning; a DataError naming
    the series otherwise (it stopped the whole run in every case). Forecast then as that one value by auto and
    the statistical models (a constant: :mod:`.constants`), refused by a network (nothing to learn)."""
    freqs = sorted({s.freq for s in others if s.freq is not None})
    if len(freqs) != 1 or pd.date_range(stamp, periods=1, freq=freqs[0])[0] != stamp:
        why = ("no series has two rows (is id_col the column naming the series?)" if not freqs else
               f"the other series have no one frequency ({', '.join(freqs)})" if len(freqs) > 1
               else f"it is not on the other series' {freqs[0]} grid")
        raise DataError(f"{time_name}: expected at least 2 timestamps to infer a frequency in series {sid!r}, got 1 "
                        f"({stamp}) and {why}; drop the series or give it more rows")
    warnings.warn(f"{time_name}: series {sid!r} has one row ({stamp}); it takes the other series' frequency "
                  f"{freqs[0]} and is forecast as its one value by auto and the statistical models (an interval of "
                  "zero width; a network refuses it)", stacklevel=4)
    return freqs[0]


def _one_role_per_column(roles: list[tuple[str, str | None]]) -> None:
    """Each column in one role (the target as a future covariate leaked; time as id made one-row series)."""
    shared = shared_role(roles)
    if shared is not None:
        first, role, col = shared
        raise ConfigError(f"{role}: expected a column not already used as {first}, got {col!r} (each column "
                          f"has one role)")


def check_period(sizes: dict[str, int], period: int | None, name: str = "period") -> None:
    """A given seasonal ``period`` must fit twice into the shortest series (``sizes``: id -> number of
    values): a DataError naming ``name`` and the series otherwise (a season seen less than twice cannot be
    estimated, and the models would drop it without a word). ``None`` (detect) and 1 (no season) pass."""
    if period is None or period <= 1 or not sizes:
        return
    sid = min(sizes, key=sizes.get)
    n = sizes[sid]
    if period > n // 2:
        raise DataError(f"{name}: expected at most half the shortest series ({n // 2}: series {sid!r} has {n} "
                        f"values, two seasons must fit), got {period}")


def parse_series(data: Any, target: str | None = None, time_col: str | None = None, id_col: str | None = None,
                 past_covariates: Sequence[str] | str | None = None,
                 future_covariates: Sequence[str] | str | None = None, resample: bool = False, *,
                 date_format: str | None = None, dayfirst: bool | None = None,
                 allow_constant: bool = False, outliers: str = "warn") -> list[SeriesData]:
    """Check and split ``data`` into regular series (sorted by id).

    ``data``: a ``pandas.Series`` (its index is the time), a ``DataFrame`` (time from ``time_col`` or
    the index; several series by ``id_col``), or a 1-D numpy array or list (integer steps). Text dates are read
    with one format for the column (``date_format``/``dayfirst``: see
    :func:`rnnkit.data.series.parse_dates`; ambiguous day/month is an error); rows out of time order
    are sorted and counted (``SeriesData.reordered``). Missing target values (NaN) are interpolated and
    counted; infinities, duplicate timestamps, irregular gaps (unless ``resample``), a non-numeric or
    all-missing target are errors, and so is a constant one (every given value equal) unless
    ``allow_constant`` (the auto and statistical models forecast it as the constant: :mod:`.constants`).
    A series of a panel given at one time takes the frequency its other series share (:func:`_shared_freq`).
    ``outliers``: a lone value (a 1e12 typo) is warned about ("warn") or also read as missing ("missing"): :mod:`.outliers`.
    """
    once = (target, time_col, id_col, past_covariates, future_covariates, resample, date_format, dayfirst, allow_constant,
            check_outliers(outliers))
    if (hit := kept(data, once)) is not None:      # rnnkit forecast --backtest: the fit reads the backtest's frame
        return hit
    past_cols = as_name_list(past_covariates, "past_covariates")
    fut_cols = as_name_list(future_covariates, "future_covariates")
    if isinstance(data, (list, tuple)):     # values at integer steps, read as update reads them (None: missing)
        try:
            shape = np.asarray(data, dtype=object).shape
        except ValueError:                  # ragged nesting
            shape = (len(data), None)
        if len(shape) != 1:
            raise DataError(f"series: expected a flat list of values, got nested lists (shape {shape})")
        data = pd.Series(list(data), name=target or "series")
    if isinstance(data, np.ndarray):
        if data.ndim != 1:
            raise DataError(f"series: expected a 1-D array, got shape {data.shape}")
        data = pd.Series(data, name=target or "series")
    if isinstance(data, pd.Series):
        if past_cols or fut_cols:
            raise ConfigError("covariates: expected a DataFrame holding them as columns, got a Series")
        for key, col in (("time_col", time_col), ("id_col", id_col)):   # named alone: the CLI writes it as its flag
            if col is not None:
                raise ConfigError(f"{key}: expected no column name for a Series (its index is the time; one series), "
                                  f"got {col!r}")
        if target is not None and data.name is not None and str(data.name) != str(target):   # was ignored silently
            raise ConfigError(f"target: expected None or the Series' own name {str(data.name)!r} (a Series is the one "
                              f"column to forecast), got {target!r}")
        name = str(data.name) if data.name is not None else str(target or "series")   # named as an array is
        frame = data.to_frame(name=name)
        data, target = frame, name
    if not isinstance(data, pd.DataFrame):
        raise InputTypeError(f"series: expected a pandas Series or DataFrame (or a 1-D numpy array or list), got "
                             f"{type(data).__name__}")
    df = data
    if isinstance(df.columns, pd.MultiIndex):   # 'column ('a', 'y') not found; expected one of [('a', 'y')]'
        raise DataError(f"series: expected one level of column names, got {df.columns.nlevels} (a MultiIndex: "
                        f"{[str(c) for c in df.columns[:3]]}); flatten them first (df.columns = ['_'.join(map(str, c)) "
                        "for c in df.columns])")
    if len(df) == 0:
        raise DataError("series: expected at least one row, got an empty table")
    for col, what in ((time_col, "time_col"), (id_col, "id_col")):
        if col is not None:
            _need_column(df, col, what)
    if target is None:
        left = [c for c in df.columns if c not in (time_col, id_col, *past_cols, *fut_cols)]
        if len(left) != 1:
            dates = [str(c) for c in left if pd.api.types.is_datetime64_any_dtype(df[c])]   # not a target
            hint = f"; {dates[0]!r} holds dates: time_col={dates[0]!r}?" if dates and time_col is None else ""
            raise ConfigError(f"target: expected the name of the column to forecast (one of "
                              f"{shown_names(c for c in left if str(c) not in dates)}{hint}), got none"
                              + wide_frame_hint(df, left, time_col, id_col))
        target = left[0]        # as named: str() of an int name 0 was 'not found; expected one of ['0']'
    parts = [t.strip() for t in str(target).split(",")]
    if target not in df.columns and len(parts) > 1 and all(t in df.columns for t in parts):   # a wide table
        raise DataError(f"target: expected one column to forecast, got {len(parts)} ({', '.join(parts)}); for "
                        f"several series write them as long rows (time, id, value: pandas df.melt(id_vars=[time "
                        f"column])) and pass id_col (--id-col)")
    _need_column(df, target, "target")
    for c in past_cols:
        _need_column(df, c, "past_covariates")
    for c in fut_cols:
        _need_column(df, c, "future_covariates")
    _one_role_per_column([("target", target), ("time_col", time_col), ("id_col", id_col)]
                         + [("past_covariates", c) for c in past_cols] + [("future_covariates", c) for c in fut_cols])
    time_name = f"time_col {time_col!r}" if time_col else "time"   # a bare name: 'horizon: ...' read as the argument
    fmt = None
    if time_col is not None:
        check_one_zone(df[time_col], df[id_col] if id_col is not None else None, f"time_col {time_col!r}", id_col)
        index, fmt = _time_index(df[time_col], f"time_col {time_col!r}", date_format, dayfirst)
    elif not plain_rows(df.index) and (date_format is not None or not isinstance(df.index, pd.RangeIndex)):
        index, fmt = _time_index(df.index, "time (index)", date_format, dayfirst)   # RangeIndex(1990, 2020): years
    else:
        index = df.index
    check_date_args(df.index if time_col is None else df[time_col], "the index" if time_col is None else
                    f"time_col {time_col!r}", fmt, date_format, dayfirst, df.attrs.get("date_format"))  # (was ignored)
    fmt = fmt or df.attrs.get("date_format")      # a frame from read_series_csv: its time column's format
    cols = [target, *past_cols, *fut_cols]
    groups: list[tuple[str, pd.DataFrame]]
    if id_col is not None:
        ids = df[id_col].astype(str).to_numpy()
        if pd.isna(df[id_col]).any():
            raise DataError(f"id_col {id_col!r}: expected an id on every row, got {int(pd.isna(df[id_col]).sum())} missing")
        check_no_blank_ids(df[id_col], id_col)      # '' was a series named so; a CSV's empty cell is a missing id
        check_id_types(df[id_col], ids, id_col)
        warn_zero_padded_ids(ids, id_col)   # '01' and '1': two series of one store? (.id_rules)
        # one stable sort, not a mask per id (quadratic: 5,000 series of a panel took ~2 min here); each
        # series keeps its rows' order, the ids in sorted order
        order = np.argsort(ids, kind="stable")
        cut = np.flatnonzero(ids[order][1:] != ids[order][:-1]) + 1
        values = {c: df[c].to_numpy() for c in cols}
        groups = [(str(ids[rows[0]]), pd.DataFrame({c: values[c][rows] for c in cols}, index=index[rows]))
                  for rows in np.split(order, cut)]
    else:
        _check_one_series(df, index, [time_col, *cols], time_name)   # a panel read without id_col
        groups = [(str(target), pd.DataFrame({c: df[c].to_numpy() for c in cols}, index=index))]
    out: dict[str, SeriesData] = {}     # a filtered frame's gaps: the filter's? (.input_values)
    advice = str if id_col is not None else functools.cache(lambda: filtered_frame_hint(df, [time_col, *cols], time_col))
    text_cells_first(groups, cols, lambda c: "target" if c == target else "covariate")    # the bad cell's series named
    for sid, frame in groups:
        for c in cols:
            frame[c] = _numeric(frame[c].rename(c), "target" if c == target else "covariate", sid)
    empty = [sid for sid, frame in groups if frame[target].isna().all()]
    if len(empty) > 1:       # named one at a time, 9 countries of a World Bank table took 9 runs to find
        raise DataError(f"target {target!r}: expected some values in every series, got {len(empty)} series with "
                        f"none: {', '.join(map(repr, empty[:5]))}{' ...' if len(empty) > 5 else ''}; drop them")
    single = {sid for sid, frame in groups if len(groups) > 1 and len(frame) == 1
              and isinstance(frame.index, pd.DatetimeIndex)}   # an id given once: the others' frequency (after them)
    with panel_notes(stacklevel=4):   # 210 series missing their last values: one warning, not 210
        for sid, frame in sorted(groups, key=lambda g: g[0] in single):
            freq = _shared_freq(list(out.values()), sid, frame.index[0], time_name) if sid in single else None
            out[sid] = _one_series(frame, sid, target, past_cols, fut_cols, resample, time_name, allow_constant, freq,
                                   advice, outliers)
            out[sid].date_format = fmt
    return keep(data, once, [out[sid] for sid, _ in groups])


def future_index(index: pd.Index, freq: str | None, horizon: int) -> pd.Index:
    """The ``horizon`` time stamps after the last one of ``index``.

    >>> future_index(pd.date_range("2020-01-31", periods=3, freq="ME"), "ME", 2).strftime("%Y-%m-%d").tolist()
    ['2020-04-30', '2020-05-31']
    """
    if isinstance(index, pd.DatetimeIndex):
        try:
            out = pd.date_range(index[-1], periods=horizon + 1, freq=freq)[1:]
        except (pd.errors.OutOfBoundsDatetime, OverflowError):    # pandas' own message named no argument
            unit = getattr(index, "unit", "ns")
            end = str(np.datetime64(np.iinfo(np.int64).max, unit))[:10]
            raise DataError(f"horizon: expected forecast times the time index can hold (datetime64[{unit}]: up to "
                            f"{end}), got {horizon} steps of {freq} after {index[-1]}") from None
        except ValueError as e:   # a named zone skips or repeats a forecast time (02:30 in Berlin on 2024-03-31)
            raise clock_change_error("horizon", freq, index[-1], e, "grid of forecast times") from None
        if len(out) and out[-1].year > 9999:   # pandas' strftime (forecast.csv, every message) stops there: after the fit
            raise DataError(f"horizon: expected forecast times up to the year 9999 (where Python's dates end), got "
                            f"{horizon} steps of {freq} after {index[-1]}, through {out[-1].year}-{out[-1].month:02d}")
        return out
    last = int(index[-1]) if len(index) else -1
    if last + horizon > np.iinfo(np.int64).max:      # RangeIndex wrapped to -9223372036854775804, silently
        raise DataError(f"horizon: expected forecast steps an int64 holds (up to {np.iinfo(np.int64).max}), got "
                        f"{horizon} steps after {last}")
    return pd.RangeIndex(last + 1, last + 1 + horizon)


def check_future_times(series: Sequence[Any], horizon: int) -> None:
    """Before a fit: every series' ``horizon`` forecast times exist (:func:`future_index`'s DataError
    otherwise); ``horizon=1000000`` days failed only after the fit, at ``predict``."""
    for s in series:
        future_index(s.index, s.freq, horizon)


def fill_forward(last: float, values: np.ndarray) -> np.ndarray:
    """Interpolate NaNs in ``values`` that follow ``last`` (trailing NaNs keep the last known value)."""
    filled, _ = interpolate_missing(np.concatenate([[last], np.asarray(values, dtype=float)]))
    return filled[1:]


def continue_series(s: Any, y_new: np.ndarray, times: pd.Index,
                    outliers: str = "warn") -> tuple[np.ndarray, np.ndarray, pd.Index, tuple]:
    """New points that continue the fitted series ``s`` (``y``, ``index``, ``freq``): the values with NaNs
    filled from ``s``'s last value (:func:`fill_forward`), which of them were observed, and the grown
    time index (a DatetimeIndex keeps the series' frequency). New points ending in missing values warn
    (:func:`warn_missing_tail`), as a fit's do; a lone new value is warned about and -- ``outliers="missing"`` -- read
    as missing (:func:`.outliers.screen_new_points`; its position and value are returned last)."""
    index = s.index.append(times)
    if isinstance(index, pd.DatetimeIndex):
        index = pd.DatetimeIndex(index, freq=s.freq)
    warn_missing_tail(np.concatenate([[s.y[-1]], np.asarray(y_new, dtype=float)]), index[len(s.index) - 1:],
                      f"new_points of series {s.id!r}", stacklevel=4)   # the values as given (as a fit's are)
    y_new, lone = screen_new_points(s, y_new, times, outliers)
    observed = np.isfinite(y_new)
    return fill_forward(s.y[-1], y_new), observed, index, lone


def parse_new_points(data: Any, fitted: Sequence[Any], args: dict[str, Any], outliers: str | None = None,
                     resample: bool = False) -> dict[str, tuple]:
    """Check the observations given to ``Forecaster.update``: ``{id: (y, past, future, times)}`` for the
    series they continue. ``fitted`` are the forecaster's series (``id, index, freq, y, past, fut``),
    ``args`` the fit's column settings. No values at all (``[]``, an empty Series or frame) is ``{}``: nothing
    new. Values must be numbers (text, bools and infinities are errors);
    NaN targets stay NaN (the caller fills them), NaN covariates are filled from the last known value; a lone
    covariate value is screened with ``outliers`` (:func:`.outliers.screen_new_covariate`) before; ``resample`` (the
    fit's): new times off the grid are put on it as the fit's were (:func:`.new_times.on_fitted_grid`)."""
    past_cols = as_name_list(args.get("past_covariates"), "past_covariates")
    fut_cols = as_name_list(args.get("future_covariates"), "future_covariates")
    if isinstance(data, pd.Series) and not isinstance(data.index, pd.DatetimeIndex) and not (   # its index is
            isinstance(data.index, pd.RangeIndex) and data.index.start == 0 and data.index.step == 1):  # its time
        data = data.set_axis(_time_index(data.index, "new_points: index", args.get("date_format"))[0])  # (was ignored)
    bare = bare_frames(data, fitted, args, [*past_cols, *fut_cols], future_index)   # values alone, a Series
    if bare is not None:
        frames, target = bare
    elif isinstance(data, pd.DataFrame):
        target = update_target(data, args, fitted)
        if target not in data.columns:
            raise DataError(f"new_points: target column {shown_names([target])[0]!r} not found; expected one of "
                            f"{shown_names(data.columns)}{column_hint(target, data.columns)}" if target is not None else
                            f"new_points: expected a target column, got none besides the time/id columns (columns "
                            f"{shown_names(data.columns)})")
        df = _frame_times(data, args, "new_points")
        if args.get("id_col"):
            if args["id_col"] not in df.columns:
                raise DataError(f"new_points: id column {args['id_col']!r} not found")
            frames = rows_by_id(df, args["id_col"], "new_points")      # (.update_rows: no row left out)
            check_no_blank_ids(df[args["id_col"]], args["id_col"], "new_points: ")   # as a fit's (.id_rules)
        else:
            frames = {fitted[0].id: df}
    else:
        raise InputTypeError(f"new_points: expected a Series, DataFrame or array, got {type(data).__name__}")
    timed = (bool(args.get("time_col")) or not plain_rows(data.index)) if isinstance(data, pd.DataFrame) \
        else isinstance(data, pd.Series)   # times given: checked against the series' next ones (see frame_times)
    if not any(len(frame) for frame in frames.values()):   # no values: nothing new, in every form ([] too, whose
        return {}                                           # values would read as dtype object)
    known = {f.id: f for f in fitted}
    out = {}
    for sid, frame in frames.items():
        if sid not in known:
            raise DataError(f"new_points: expected ids among {sorted(known)}, got {sid!r}{column_hint(sid, known, 'id')}")
        f = known[sid]
        for c in [target, *past_cols, *fut_cols]:
            _need_column(frame, c, f"new_points: series {sid!r}")     # (two columns of one name: a DataError too)
        if isinstance(frame.index, pd.DatetimeIndex):   # rows newest first, as a fit takes them (integer steps out
            frame = _in_time_order(frame, "new_points", sid)[0]    # of order stay refused: session 12's contract)
        expected = future_index(f.index, f.freq, len(frame))
        got = frame.index
        if isinstance(expected, pd.DatetimeIndex):
            got = same_zone(got, expected, "new_points", sid, f.freq)   # aware vs naive; a daily wall clock
            given = got      # the user's own times are named in the error, not the grid times they were put on
            got = on_fitted_grid(got, expected, f.freq, getattr(f, "placed", None)) \
                if resample and isinstance(got, pd.DatetimeIndex) else got
            if not isinstance(got, pd.DatetimeIndex) or list(got) != list(expected):
                raise DataError(f"new_points: expected timestamps continuing series {sid!r} at {f.freq} from "
                                f"{expected[0]}, got {list(map(str, given[:3]))}")
        elif timed and list(got) != list(expected):    # integer steps: 150.. or 102, 101, 100 were relabelled
            raise DataError(f"new_points: expected time steps continuing series {sid!r} from {expected[0]} "   # 100..
                            f"({', '.join(map(str, expected[:3]))}...), got {list(map(str, got[:3]))}")
        y = _numeric(frame[target].rename(target), "new_points: target", sid)

        def covs(cols: list[str], hist: np.ndarray) -> np.ndarray:
            if not cols:
                return np.zeros((len(y), 0))
            return np.stack([fill_forward(hist[-1, j], screen_new_covariate(
                hist[:, j], _numeric(frame[c].rename(c), "new_points: covariate", sid), f.index.append(expected),
                f"new_points: covariate {c!r} of series {sid!r}", sid, outliers, f"lone {c}"))
                for j, c in enumerate(cols)], 1)

        out[sid] = (y, covs(past_cols, f.past), covs(fut_cols, f.fut), expected)
    return out


def future_covariate_values(data: Any, fitted: Sequence[Any], args: dict[str, Any], H: int,
                            outliers: str | None = None) -> list[np.ndarray | None]:
    """The known-future covariates for the next ``H`` steps of each fitted series, ``(H, F)`` arrays
    (``None`` for a model without them), from the frame ``data`` given to ``predict``/``update``; a lone value among
    a column's fitted values and these is screened with ``outliers`` (:func:`.outliers.screen_new_covariate`; one
    read as missing is filled from the values before it)."""
    cols = as_name_list(args.get("future_covariates"), "future_covariates")
    if not fitted[0].fut.shape[1]:
        if data is not None:
            raise ConfigError("future_covariates: the model was fitted without known-future covariates, got some")
        return [None] * len(fitted)
    if data is None:
        raise DataError(f"future_covariates: expected the next {H} values of the known-future covariates "
                        f"{cols} for each series, got None")
    if not isinstance(data, pd.DataFrame):
        raise InputTypeError(f"future_covariates: expected a DataFrame with columns {cols}, got {type(data).__name__}")
    df = _frame_times(data, args, "future_covariates")
    for c in cols:
        _need_column(df, c, "future_covariates")
    if args.get("id_col"):
        if args["id_col"] not in df.columns:
            raise DataError(f"future_covariates: column {args['id_col']!r} not found")
        check_no_blank_ids(df[args["id_col"]], args["id_col"], "future_covariates: ")
    out = []
    text_cells_first([(f.id, df[id_rows(df, args["id_col"], f.id, "future_covariates")]) for f in fitted if args.get("id_col")], cols, lambda c: "future_covariates: column")
    for f in fitted:
        times = future_index(f.index, f.freq, H)
        sub = df[id_rows(df, args["id_col"], f.id, "future_covariates")] if args.get("id_col") else df
        sub = pd.DataFrame({c: _numeric(sub[c].rename(c), "future_covariates: column", f.id) for c in cols},
                           index=sub.index)
        sub = row_order_steps(sub, times, not args.get("time_col") and plain_rows(df.index), f.id, "future_covariates")
        sub = sub.set_axis(same_zone(sub.index, times, "future_covariates", f.id, f.freq))
        missing = [str(x) for x in times if x not in sub.index]
        if missing:
            given = df[args["id_col"]].dropna().astype(str).unique() if args.get("id_col") and not len(sub) else []
            near = column_hint(f.id, given, "id") if len(given) else ""   # 'Zu\u0308rich' rows for the fitted 'Zürich'
            if len(given) and not near:   # ids 1.0, 2.0 (an int column pandas read as floats) for the fitted '1', '2'
                held = f"{[str(g) for g in given[:4]]}{' ...' * (len(given) > 4)}"
                near = f" (no row of id {f.id!r}: {args['id_col']!r} holds {held}; ids are kept as text)"
            raise DataError(f"future_covariates: expected rows for the next {H} times of series {f.id!r} (the "
                            f"model reads {H} steps' covariates), got none for {missing[:3]}{near}")
        twice = sub.index[sub.index.duplicated() & sub.index.isin(times)]
        if len(twice):   # .loc returned both rows: more rows than forecast times, the later steps shifted
            raise DataError(f"future_covariates: expected one row per forecast time of series {f.id!r}, got "
                            f"{str(twice[0])!r} twice")
        vals = sub.loc[times, cols].to_numpy(dtype=float)
        if not np.isfinite(vals).all():
            raise DataError(f"future_covariates: expected values for every forecast time of series {f.id!r}, got NaN")
        out.append(np.stack([fill_forward(f.fut[-1, j], screen_new_covariate(
            f.fut[:, j], vals[:, j], f.index.append(times), f"future_covariates: column {c!r} of series {f.id!r}", f.id,
            outliers, f"lone {c}")) for j, c in enumerate(cols)], 1))
    if args.get("id_col"):     # a file covering more stores is legitimate: named, not refused (.id_rules)
        warn_unused_ids(df[args["id_col"]], [f.id for f in fitted], "future_covariates")
    return out
