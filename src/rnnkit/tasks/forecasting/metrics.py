"""Point, interval and quantile forecast metrics: MAE, RMSE, sMAPE, MASE, interval coverage; pinball
loss per level, CRPS and coverage per nominal level (:func:`quantile_metrics`).

All take plain arrays of the same length (``y`` the actuals, ``f`` the forecast); NaN actuals are an
error, never skipped silently.

>>> y, f = [10.0, 12.0, 14.0], [11.0, 12.0, 12.0]   # sMAPE = (2/21 + 0 + 4/26) / 3 * 100
>>> mae(y, f), round(rmse(y, f), 4), round(smape(y, f), 4)
(1.0, 1.291, 8.3028)
>>> mase(y, f, train=[1.0, 2.0, 4.0, 5.0], period=1)   # in-sample naive MAE = (1 + 2 + 1) / 3
0.75
>>> coverage(y, lower=[9.0, 12.5, 13.0], upper=[11.0, 13.0, 15.0])
0.6666666666666666
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from rnnkit.data.timeseries.transforms import CONSTANT_SPREAD, root_mean_square
from rnnkit._validate import check_number
from rnnkit.errors import DataError, InputTypeError, ShapeError
from rnnkit.tasks.forecasting.probabilistic import given_levels, real_values

__all__ = ["mae", "rmse", "smape", "mase", "mase_scale", "coverage", "point_metrics", "quantile_metrics", "METRICS"]

METRICS = ("MAE", "RMSE", "sMAPE", "MASE", "coverage")


def _values(name: str, v: Any) -> np.ndarray:
    """``v`` as a 1-D float array; text, bools and complex numbers are an InputTypeError naming ``name``
    (``'12'`` was read as 12 and ``True`` as 1, silently; a complex value was numpy's bare TypeError)."""
    return real_values(name, v).ravel()


def _pair(y: Any, f: Any) -> tuple[np.ndarray, np.ndarray]:
    """Actuals and forecast as float arrays of one length. A missing or infinite actual is a DataError (the
    module's contract: never skipped silently); a NaN forecast makes the metric NaN."""
    shapes = np.shape(y), np.shape(f)
    y, f = _values("actuals", y), _values("forecast", f)
    # (2, 3) against (3, 2): flattened into other orders. Dims of size 1 are left out of the comparison: a column
    # (H, 1) -- df[["y"]] -- against (H,) or (1, H) holds its values in one order (as scikit-learn's metrics read it)
    if y.size == f.size and [d for d in shapes[0] if d != 1] != [d for d in shapes[1] if d != 1]:
        raise ShapeError(f"forecast: expected the actuals' shape {shapes[0]}, got {shapes[1]}")
    if y.shape != f.shape:
        raise ShapeError(f"forecast: expected the actuals' length {y.size}, got {f.size}")
    if y.size == 0:
        raise ShapeError("actuals: expected at least one value, got none")
    if not np.isfinite(y).all():
        i = int(np.flatnonzero(~np.isfinite(y))[0])
        raise DataError(f"actuals: expected finite values (score observed values only), got {y[i]} at position {i}")
    return y, f


def _mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """``mean(|a - b|)``, the same float as numpy's for values whose differences and sum stay in float64's range;
    for values near its limit (1e308 against -1e308) in units of the largest magnitude, where the plain sum
    overflowed to inf (``inf`` only when the mean itself is beyond float64)."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = float(np.mean(np.abs(a - b)))
    if math.isinf(out) and np.isfinite(a).all() and np.isfinite(b).all():
        c = float(max(np.abs(a).max(), np.abs(b).max()))
        out = float(np.mean(np.abs(a / c - b / c))) * c
    return out


def mae(y: Any, f: Any) -> float:
    """Mean absolute error."""
    y, f = _pair(y, f)
    return _mean_abs_diff(y, f)


def rmse(y: Any, f: Any) -> float:
    """Root mean squared error; for values near float64's limit the differences are taken in units of the largest
    magnitude, as :func:`mae`'s (``inf`` only when the root mean square itself is beyond float64)."""
    y, f = _pair(y, f)
    with np.errstate(over="ignore"):
        d = y - f
    if np.isinf(d).any() and np.isfinite(y).all() and np.isfinite(f).all():   # 1e308 against -1e308: the plain
        c = float(max(np.abs(y).max(), np.abs(f).max()))   # difference overflowed (inf with numpy's warning, where
        with np.errstate(over="ignore"):                    # RMSE [1e308, 0] vs [-1e308, 0] is 1.41e308)
            return float(root_mean_square(y / c - f / c) * c)
    return root_mean_square(d)          # scale-safe: squares of 1e200 overflow, of 1e-300 underflow


def smape(y: Any, f: Any) -> float:
    """Symmetric MAPE in percent (0-200): ``mean(2 |y - f| / (|y| + |f|)) * 100``; a term where both
    are 0 counts as 0 (as in the M4 competition)."""
    y, f = _pair(y, f)
    with np.errstate(over="ignore"):    # |y| + |f| or y - f beyond float64 (1e308 against -1e308): NaN, not 200
        big = np.isfinite(y) & np.isfinite(f) & ~(np.isfinite(np.abs(y) + np.abs(f)) & np.isfinite(y - f))
    y, f = np.where(big, y / 2, y), np.where(big, f / 2, f)     # the term is the same for halves
    denom = np.abs(y) + np.abs(f)
    terms = np.where(denom > 0, 2 * (np.abs(y - f) / np.where(denom > 0, denom, 1)), 0.0)   # (2x is exact)
    terms[np.isnan(f)] = np.nan            # 'denom > 0' is False for NaN: a NaN forecast scored 0, a perfect step
    return float(100 * np.mean(terms))


def mase_scale(train: Any, period: int = 1) -> float:
    """In-sample MAE of the seasonal naive forecast on ``train`` (naive when ``period`` is 1, and when the training
    part has no more than ``period`` values: lag 1, as :func:`.baselines.seasonal_naive` forecasts it); NaN when it
    has fewer than 2 values or no variation at that lag -- also when that
    error is rounding noise (within :data:`~rnnkit.data.timeseries.transforms.CONSTANT_SPREAD` of the
    values' size: a noise-free seasonal series gave a scale of 6e-15 and a MASE of 2e14). ``period`` is an int >= 1
    and ``train`` real numbers without a missing value, else a typed error naming it (period 0, 2.5 or True was read
    as 1, 2, 1 and a NaN in train left out, silently; text was float()'s bare ValueError)."""
    check_number("period", period, lo=1, integer=True)
    train = _values("train", train)
    if not np.isfinite(train).all():
        i = int(np.flatnonzero(~np.isfinite(train))[0])
        raise DataError(f"train: expected finite values (interpolate missing ones first), got {train[i]} at position {i}")
    m = _lag(train, period)
    if train.size <= m:
        return float("nan")
    s = _mean_abs_diff(train[m:], train[:-m])
    return s if s > CONSTANT_SPREAD * float(np.abs(train).max()) else float("nan")


def _lag(train: np.ndarray, period: int) -> int:
    """The seasonal naive's lag on ``train``: ``period``, 1 when the part is no longer than it."""
    return 1 if train.size <= int(period) else int(period)


def mase(y: Any, f: Any, train: Any, period: int = 1) -> float:
    """Mean absolute scaled error: MAE over :func:`mase_scale` of the training part (Hyndman & Koehler
    2006; seasonal scaling as in M4). NaN, with a RuntimeWarning, when that scale is undefined (a training
    part that repeats itself exactly at the lag, or too short)."""
    scale = mase_scale(train, period)
    if math.isnan(scale):
        lag = _lag(_values("train", train), period)   # 1 where the part is no longer than period (was named period)
        warnings.warn(f"MASE: expected a training part whose seasonal naive forecast (lag {lag}) "
                      "makes errors, got none (it repeats itself exactly, or is too short): MASE is undefined, "
                      "reported as NaN", RuntimeWarning, stacklevel=2)
        return float("nan")
    err = mae(y, f)
    if math.isinf(err) or math.isinf(scale):    # near float64's limit: the ratio in units of the largest magnitude
        y, f = _pair(y, f)                        # (train 1e308, -1e308, ...: 'undefined, it repeats itself', NaN)
        t = _values("train", train)
        c = float(max(np.abs(v[np.isfinite(v)]).max(initial=0.0) for v in (y, f, t)))
        m = _lag(t, period)
        return _mean_abs_diff(y / c, f / c) / _mean_abs_diff(t[m:] / c, t[:-m] / c)
    return err / scale


def coverage(y: Any, lower: Any, upper: Any) -> float:
    """Fraction of actuals inside ``[lower, upper]``. A band whose ``upper`` is below its ``lower`` is a DataError
    naming the first such position (crossing bands held no actual and scored 0, silently)."""
    y, lo = _pair(y, lower)
    _, hi = _pair(y, upper)
    if np.isnan(lo).any() or np.isnan(hi).any():   # a NaN bound counted as a miss, silently
        return float("nan")
    from rnnkit.tasks.forecasting.probabilistic import check_band

    check_band(lo, hi, "upper", "lower")
    return float(np.mean((y >= lo) & (y <= hi)))



def point_metrics(y: Any, f: Any, train: Any, period: int, lower: Any = None, upper: Any = None
                  ) -> dict[str, float]:
    """Every metric of :data:`METRICS` for one forecast (coverage NaN without an interval)."""
    if (lower is None) != (upper is None):     # one bound alone was dropped: coverage NaN, silently
        given, other = ("lower", "upper") if upper is None else ("upper", "lower")
        raise InputTypeError(f"{other}: expected the interval's {other} bound with {given} (or neither), got None")
    cov = coverage(y, lower, upper) if lower is not None and upper is not None else float("nan")
    return {"MAE": mae(y, f), "RMSE": rmse(y, f), "sMAPE": smape(y, f), "MASE": mase(y, f, train, period),
            "coverage": cov}


def quantile_metrics(y: Any, q: Any, levels: Any) -> dict[str, float]:
    """Scores of quantile forecasts ``q`` ``(n, Q)`` at ``levels`` for actuals ``y`` ``(n,)``: ``pinball@t``
    (mean pinball loss at level ``t``), ``CRPS`` (approximated from the quantiles: twice the mean pinball
    loss over the levels) and ``coverage@c``, the share of actuals inside each central interval formed by
    a symmetric pair of levels (nominal coverage ``c = 1 - 2t``). The functions are those of
    :mod:`.probabilistic`.

    >>> m = quantile_metrics([1.0, 2.0], [[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]], [0.1, 0.5, 0.9])
    >>> m["pinball@0.5"], m["coverage@0.8"], round(m["CRPS"], 4)
    (0.25, 1.0, 0.3)
    """
    from rnnkit.tasks.forecasting.probabilistic import coverage_by_level, crps_from_quantiles, pinball_loss

    y, _ = _pair(y, y)
    levels = given_levels(levels)       # 0.5 alone was len()'s bare TypeError, text q float()'s bare ValueError
    q = real_values("quantiles", q)
    if q.ndim != 2 or q.shape[0] != y.size or q.shape[1] != len(levels):
        raise ShapeError(f"quantiles: expected shape ({y.size}, {len(levels)}), got {q.shape}")
    out = {f"pinball@{t:g}": v for t, v in pinball_loss(y, q, levels).items()}
    out["CRPS"] = crps_from_quantiles(y, q, levels)
    out.update({f"coverage@{c:g}": v for c, v in coverage_by_level(y, q, levels).items()})
    return out
