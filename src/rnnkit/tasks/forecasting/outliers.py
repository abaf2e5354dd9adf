"""``outliers``: what reading a series does with a lone value -- one value so far from the median that the others'
variation is noise beside it (:func:`.input_values.lone_value`, the one rule; a typo, a missing-value code, another
unit). ``"warn"`` warns and keeps it: every model fits it (a monthly series of about 100 with one 1e12 was forecast
at 1e8 by auto, 1.7e10 by ETS). ``"missing"`` (the default since session 29's pre-registered check: scratch
s29/T/DECISIONS.md, docs/results_forecasting.md) warns and treats it as missing -- interpolated as an empty cell is -- in the target (per series, so per id of a panel) and in every covariate column, at fit and backtest and
in the new points of ``update`` (the history and the new points tested together). Each such value is kept with its
series (``SeriesData.outliers``: position and given value), reported by ``summary()`` and metrics.json
(``outliers_missing``) and saved with the run.

A backtest treats it as the fit does: the inputs never hold it (a fold's training part is the series read once,
cut), but a lone value in a scored test window stays in that window's truth -- it is what was observed
(:func:`scored_truth`); only the inputs are cleaned. The rule reads the whole series once, not each fold's part.

>>> y = np.array([5.0, 6, 5, 6, 5, 6, 5, 6, 5, 1e12, 6])
>>> screen(y.copy(), pd.RangeIndex(11), "y", "y", "warn")[1], screen(y.copy(), pd.RangeIndex(11), "y", "y", "missing")[1]
((), ((9, 1000000000000.0),))
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.input_values import lone_value, time_label, warn_lone_value

__all__ = ["OUTLIERS", "check_outliers", "screen", "screen_new_points", "screen_new_covariate", "scored_truth",
           "outliers_summary", "saved_outliers"]

#: the values of ``outliers``
OUTLIERS = ("warn", "missing")


def check_outliers(value: Any, name: str = "outliers") -> str:
    """``value`` if it is one of :data:`OUTLIERS`; a ConfigError naming ``name`` otherwise (no coercion: ``True``,
    ``"Missing"`` and ``None`` are refused)."""
    if not isinstance(value, str) or value not in OUTLIERS:
        raise ConfigError(f"{name}: expected one of {list(OUTLIERS)}, got {value!r}")
    return value


def screen(y_raw: np.ndarray, idx: pd.Index, what: str, sid: str, outliers: str, stacklevel: int = 2,
           kind: str = "lone", found: tuple | None = None) -> tuple[np.ndarray, tuple[tuple[int, float], ...]]:
    """``y_raw`` with its lone value (if any) warned about, and -- ``outliers="missing"`` -- set to NaN (in a copy);
    returns ``(y_raw, ((position, given value),))``, ``()`` when nothing was set missing. ``kind``: the panel
    summary's kind of the warning (:func:`.input_values.series_note`); ``found``: ``lone_value(y_raw)`` when known."""
    at = warn_lone_value(y_raw, idx, what, sid, stacklevel=stacklevel + 1, missing=outliers == "missing", kind=kind,
                         found=found)
    if at is None or outliers != "missing":
        return y_raw, ()
    given = float(y_raw[at])
    y_raw = y_raw.copy()      # (a view of the user's frame: never written to)
    y_raw[at] = np.nan
    return y_raw, ((int(at), given),)


def screen_new_points(s: Any, y_new: np.ndarray, times: pd.Index, outliers: str) -> tuple[np.ndarray, tuple]:
    """New points for ``update`` of the fitted series ``s`` (``id``, ``y``, ``observed``, ``index``): a new value
    that is lone among the series' observed history and the new values together (:func:`.input_values.lone_value`)
    is warned about (an update's typo went in without a word) and, with ``outliers="missing"``, set to NaN (then
    filled as a missing new value is). Returns the new values and ``((position in the grown series, given value),)``;
    a lone value of the history (warned at the fit) is not warned again."""
    y_new = np.array(y_new, dtype=float)
    history = np.where(s.observed, s.y, np.nan)
    known = dict(getattr(s, "outliers", ()))
    for at, given in known.items():   # the series as given: a level shift streamed a point an update
        history[at] = given           # (the service) was each point lone, read as missing for ever
    while True:
        y_all = np.concatenate([history, y_new])
        found = lone_value(y_all)
        if found is None or found[0] >= history.size:
            break
        if known.pop(found[0], None) is None:   # a lone value of the history kept as given (warned at the fit)
            return y_new, ()
        history[found[0]] = np.nan   # one read as missing before and lone still (a fit's 1e12): it hid every new typo
    if found is None:
        return y_new, ()
    y_all, done = screen(y_all, s.index.append(times), f"new_points of series {s.id!r}", s.id, outliers, 3,
                         found=found)   # lone_value of y_all, read above
    return y_all[history.size:], done


def screen_new_covariate(history: np.ndarray, values: np.ndarray, idx: pd.Index, what: str, sid: str,
                         outliers: str | None, kind: str) -> np.ndarray:
    """New values of one covariate column (``predict``'s known-future ones, an ``update``'s) screened as a fit's
    column is: one lone among the column's ``history`` and the new values together (the rule of
    :func:`.input_values.lone_value`, as :func:`screen_new_points` tests a target's) is warned about and, with
    ``outliers="missing"``, set to NaN in the copy returned (the caller fills it as a missing value). ``idx``: the
    times of history and values; ``outliers=None``: not screened (a check that reads the values again later). A
    1e12 typo in predict's future covariates went into the network unscreened: the forecast followed it."""
    values = np.array(values, dtype=float)
    if outliers is None:
        return values
    history = np.array(history, dtype=float)
    while True:   # a lone value of the history (kept by "warn" at the fit) is not warned again, nor hides a new one
        y_all = np.concatenate([history, values])
        found = lone_value(y_all)
        if found is None:
            return values
        if found[0] >= history.size:
            break
        history[found[0]] = np.nan
    y_all = screen(y_all, idx, what, sid, outliers, 3, kind, found)[0]
    return y_all[history.size:]


def scored_truth(s: Any, test: slice) -> tuple[np.ndarray, np.ndarray]:
    """A backtest's truth in the window ``test`` of the series ``s``: its values and which are scored (given, not
    interpolated) -- a value ``outliers="missing"`` kept out of the inputs is put back, scored: it is what was
    observed, and only the inputs are cleaned."""
    actual, obs = s.y[test].copy(), s.observed[test].copy()
    start = test.start or 0
    for at, given in getattr(s, "outliers", ()):
        if start <= at < test.stop:
            actual[at - start], obs[at - start] = given, True
    return actual, obs


def outliers_summary(s: Any) -> list[dict[str, Any]]:
    """The values of ``s`` treated as missing by ``outliers="missing"``, as ``summary()`` and metrics.json report
    them: ``[{"time": ..., "value": ...}]``."""
    return [{"time": time_label(s.index[at]).split(" ", 1)[1] if isinstance(s.index[at], pd.Timestamp)
             else int(s.index[at]), "value": given} for at, given in s.outliers]


def saved_outliers(d: dict[str, Any], n: int) -> tuple[tuple[int, float], ...]:
    """A saved series' ``outliers`` (``[[position, value], ...]``; absent in runs saved before the option: none),
    checked: positions within the ``n`` values, values finite numbers (a ConfigError naming ``series.outliers``)."""
    raw = d.get("outliers", [])
    ok = isinstance(raw, list) and all(
        isinstance(p, list) and len(p) == 2 and isinstance(p[0], int) and not isinstance(p[0], bool)
        and 0 <= p[0] < n and isinstance(p[1], (int, float)) and not isinstance(p[1], bool) and np.isfinite(p[1])
        for p in raw)
    if not ok:
        raise ConfigError(f"series.outliers: expected [[position, value], ...] with positions below {n}, got "
                          f"{str(raw)[:60]}")
    return tuple((int(p), float(v)) for p, v in raw)
