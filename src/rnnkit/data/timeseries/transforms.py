"""Time-series preprocessing: every step invertible and fitted on training data only.

The pieces, in the order a :class:`Pipeline` applies them::

    interpolate_missing   fill NaNs (linear inside, nearest at the ends) and say how many  (cleaning)
    Log / BoxCox          variance stabilisation (positive series only; Box-Cox lambda fitted)
    SeasonalSTL           subtract a per-phase seasonal profile estimated by STL
    Difference            z_t = y_t - y_{t-lag}  (lag 1: trend; lag = period: seasonal differencing)
    Scaler                standard (mean/std) or min-max, fitted on the training values

Each transform has ``fit(y)`` (on the training part only), ``transform(y, start=0)`` and
``inverse(z, start=0, prev=None)``. Positions are counted from the first value ``fit`` saw, so the
seasonal profile lines up with the right phase when a forecast starts at position ``n``; ``prev`` is the
untransformed history just before ``start`` (only :class:`Difference` needs it). The pipeline inverts a
forecast that continues a history with :meth:`Pipeline.inverse_forecast`.

Frequency inference from timestamps is in :mod:`rnnkit.data.timeseries.frequency`, seasonal-period
detection in :mod:`rnnkit.data.timeseries.seasonality`.

>>> import numpy as np
>>> t = np.arange(120.0)
>>> y = 10 + 0.1 * t + np.sin(2 * np.pi * t / 12)
>>> p = Pipeline([SeasonalSTL(12), Difference(1), Scaler("standard")]).fit(y[:100])
>>> z = p.transform(y[:100])
>>> back = p.inverse_forecast(p.transform(y)[100:], history=y[:100])   # invert the "future" part
>>> bool(np.allclose(back, y[100:]))
True
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np

from rnnkit._validate import check_bool, check_number, is_int, is_real
from rnnkit.errors import ConfigError, DataError

__all__ = ["Transform", "Scaler", "Log", "BoxCox", "SeasonalSTL", "Difference", "Pipeline", "transform_from_dict",
           "interpolate_missing", "as_1d", "spread_divisor", "root_mean_square", "typical_magnitude"]

#: A spread at most this share of the values' magnitude is rounding noise: the values are constant.
CONSTANT_SPREAD = 1e-12


def as_1d(y: Any, name: str = "y") -> np.ndarray:
    """``y`` as a 1-D float array (``None``/NaN stay missing). Text, bools and complex numbers are a
    :class:`DataError` naming ``name``: ``["1", "2"]`` was read as the numbers 1, 2 and ``[True, False]`` as
    1, 0 silently (found by sweep 7b)."""
    raw = np.asarray(y)
    odd = raw.dtype.kind in "USbcMm" or (raw.dtype.kind == "O" and next(
        (v for v in raw.ravel() if isinstance(v, (str, bytes, bool, np.bool_, complex))), None) is not None)
    if odd:
        bad = raw.ravel()[0] if raw.dtype.kind != "O" else next(
            v for v in raw.ravel() if isinstance(v, (str, bytes, bool, np.bool_, complex)))
        bad = bad.item() if isinstance(bad, np.generic) else bad
        raise DataError(f"{name}: expected numbers, got {type(bad).__name__} values such as {bad!r}")
    arr = np.asarray(raw, dtype=float)
    if arr.ndim != 1:
        raise DataError(f"{name}: expected a 1-D series, got shape {arr.shape}")
    return arr


def typical_magnitude(x: Any, axis: int | None = None) -> Any:
    """The median of ``|x|`` (its largest where the median is 0; 1 where that is 0 or not finite): the unit
    :func:`root_mean_square` divides by. NaNs are ignored."""
    a = np.abs(np.asarray(x, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # an all-NaN slice
        big = np.nanmax(a, axis=axis, keepdims=True)
        # the median in units of the largest: the mean of the two middle values 1e308 overflowed to inf (-> 1)
        unit = np.nanmedian(a / np.where((big > 0) & np.isfinite(big), big, 1.0), axis=axis, keepdims=True)
        unit = np.where(unit > 0, unit * np.where(np.isfinite(big), big, 1.0), big)
    unit = np.where((unit > 0) & np.isfinite(unit), unit, 1.0)
    return float(unit.reshape(-1)[0]) if axis is None else unit


def root_mean_square(x: Any, axis: int | None = None, unit: Any = None) -> Any:
    """``sqrt(mean(x ** 2))`` computed on ``x / unit`` (default: :func:`typical_magnitude` of ``x``), so
    values in units of 1e200 do not overflow to inf and values in units of 1e-300 do not underflow to 0.
    ``np.std(y)`` is ``root_mean_square(y - y.mean(), unit=typical_magnitude(y))``: with the unit of the
    values, one value 1e300 among values of 50 still overflows to inf (which callers report) as before,
    while the same series in any units gives the same result. NaN where ``x`` holds a NaN; an empty ``x``
    is 0.

    >>> float(root_mean_square(np.array([3e200, 4e200]) * np.sqrt(2))), float(root_mean_square(np.array([3e-200, -4e-200]) * np.sqrt(2)))
    (5e+200, 5e-200)
    """
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        return np.zeros(np.delete(x.shape, axis)) if axis is not None else 0.0
    unit = typical_magnitude(x, axis) if unit is None else np.asarray(unit, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.sqrt(np.mean((x / unit) ** 2, axis=axis, keepdims=True)) * unit
    return out.reshape(np.delete(out.shape, axis)) if axis is not None else float(out.reshape(()))


def spread_divisor(spread: Any, magnitude: Any) -> Any:
    """``spread`` (a standard deviation or range; scalar or per column) as the divisor of a scaling, judged
    against ``magnitude`` (the largest absolute value): a spread within :data:`CONSTANT_SPREAD` of the
    magnitude is no spread (constant values), and ``min(1, magnitude)`` divides instead (1 for zeros), so
    nothing is amplified. Relative, not absolute: a series of values ~1e-11 has a spread ~1e-13 and is
    scaled by it like the same series in units of 1 (an absolute 1e-12 floor read it as constant and fed
    a network its raw, near-zero values).

    >>> float(spread_divisor(2e-13, 1e-11)), float(spread_divisor(0.0, 100.0)), float(spread_divisor(0.0, 5e-11))
    (2e-13, 1.0, 5e-11)
    """
    spread, magnitude = np.asarray(spread, dtype=float), np.asarray(magnitude, dtype=float)
    fallback = np.where(magnitude > 0, np.minimum(magnitude, 1.0), 1.0)
    return np.where(spread > CONSTANT_SPREAD * magnitude, spread, fallback)


def column_scaler(a: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-column location and divisor of a 2-D array ``(rows, columns)``: the mean and the standard deviation
    computed in the values' own unit (:func:`typical_magnitude`, :func:`root_mean_square`), the deviation
    judged by :func:`spread_divisor` -- so the same data in units of 1e-10 or 1e30 is scaled to the same
    numbers (``np.std`` plus an absolute epsilon read values ~1e-7 as constant, and overflowed to inf at
    ~1e20 in float32), and a constant column is centred, never amplified.

    >>> loc, div = column_scaler(np.array([[1e-9, 5.0], [3e-9, 5.0]]))
    >>> np.round(loc / [1e-9, 1], 6).tolist(), np.round(div / [1e-9, 1], 6).tolist()
    ([2.0, 5.0], [1.0, 1.0])
    """
    a = np.asarray(a, dtype=float)
    unit = typical_magnitude(a, axis=0)
    loc = (a / unit).mean(0) * unit[0]
    spread = root_mean_square(a - loc, axis=0, unit=unit)
    return loc, spread_divisor(spread, np.abs(a).max(0))


# ------------------------------------------------------------------------------------------- transforms
class Transform:
    """An invertible map of a series, fitted on training data. Subclasses set ``name``."""

    name = "identity"

    def fit(self, y: np.ndarray) -> "Transform":
        return self

    def transform(self, y: np.ndarray, start: int = 0) -> np.ndarray:
        return as_1d(y).copy()

    def inverse(self, z: np.ndarray, start: int = 0, prev: np.ndarray | None = None) -> np.ndarray:
        return as_1d(z, "z").copy()

    def to_dict(self) -> dict[str, Any]:
        """The fitted state as plain JSON types (``transform_from_dict`` rebuilds it)."""
        return {"name": self.name}

    def _check_fitted(self, *attrs: str) -> None:
        for a in attrs:
            if getattr(self, a, None) is None:
                raise ConfigError(f"{type(self).__name__}: expected fit() before use, got an unfitted transform")


class Scaler(Transform):
    """Affine scaling fitted on the training values: ``"standard"`` (mean 0, std 1) or ``"minmax"``
    (to [0, 1]). NaNs are ignored when fitting.

    >>> s = Scaler("minmax").fit(np.array([2.0, 4.0, 6.0]))
    >>> s.transform(np.array([2.0, 6.0, 8.0])).tolist(), s.inverse(np.array([0.5])).tolist()
    ([0.0, 1.0, 1.5], [4.0])
    """

    name = "scale"
    KINDS = ("standard", "minmax")

    def __init__(self, kind: str = "standard") -> None:
        if kind not in self.KINDS:
            raise ConfigError(f"scale: expected one of {list(self.KINDS)}, got {kind!r}")
        self.kind = kind
        self.loc: float | None = None
        self.scale: float | None = None

    def fit(self, y: np.ndarray) -> "Scaler":
        y = as_1d(y)
        finite = y[np.isfinite(y)]
        if finite.size == 0:
            raise DataError("scale: expected at least one finite training value, got none")
        with np.errstate(over="ignore", invalid="ignore"):
            if self.kind == "standard":
                unit = typical_magnitude(finite)      # scale-free: a series in units of 1e-300 or 1e200
                loc = float((finite / unit).mean() * unit)
                scale = root_mean_square(finite - loc, unit=unit)
            else:
                loc, scale = float(finite.min()), float(finite.max() - finite.min())
        if not (math.isfinite(loc) and math.isfinite(scale)):
            raise DataError(f"scale: expected values whose {self.kind} location and spread are finite, got an "
                            f"overflow (largest |value| {float(np.abs(finite).max()):.3g}); rescale the series")
        self.loc, self.scale = loc, float(spread_divisor(scale, np.abs(finite).max()))
        return self

    def transform(self, y, start=0):
        self._check_fitted("loc")
        return (as_1d(y) - self.loc) / self.scale

    def inverse(self, z, start=0, prev=None):
        self._check_fitted("loc")
        return as_1d(z, "z") * self.scale + self.loc

    def to_dict(self):
        return {"name": self.name, "kind": self.kind, "loc": self.loc, "scale": self.scale}


class Log(Transform):
    """Natural log; the series must be strictly positive (checked on every value transformed)."""

    name = "log"

    def transform(self, y, start=0):
        y = as_1d(y)
        with np.errstate(invalid="ignore"):
            bad = y <= 0                 # -inf too (it became NaN with a RuntimeWarning); NaN stays missing
        if bad.any():
            raise DataError(f"transform 'log': expected strictly positive values, got {int(bad.sum())} <= 0 "
                            f"(min {float(np.nanmin(y))})")
        return np.log(y)

    def inverse(self, z, start=0, prev=None):
        return np.exp(as_1d(z, "z"))


class BoxCox(Transform):
    r"""Box-Cox power transform :math:`(y^\lambda - 1)/\lambda` (:math:`\log y` at :math:`\lambda=0`),
    with :math:`\lambda` fitted by maximum likelihood on the training values unless given.

    >>> b = BoxCox().fit(np.exp(np.linspace(0, 3, 50)))
    >>> round(b.lmbda, 2), bool(np.allclose(b.inverse(b.transform(np.array([1.5, 7.0]))), [1.5, 7.0]))
    (0.0, True)
    """

    name = "boxcox"

    def __init__(self, lmbda: float | None = None) -> None:
        if lmbda is not None and (isinstance(lmbda, bool) or not isinstance(lmbda, (int, float, np.integer, np.floating))
                                  or not math.isfinite(lmbda)):
            raise ConfigError(f"lmbda: expected None or a finite number, got {lmbda!r}")
        self.lmbda = None if lmbda is None else float(lmbda)
        self._given = lmbda is not None

    def _check_positive(self, y: np.ndarray) -> None:
        with np.errstate(invalid="ignore"):
            bad = y <= 0                 # -inf too (it became NaN with a RuntimeWarning); NaN stays missing
        if bad.any():
            raise DataError(f"transform 'boxcox': expected strictly positive values, got {int(bad.sum())} <= 0 "
                            f"(min {float(np.nanmin(y))})")

    def fit(self, y):
        y = as_1d(y)
        self._check_positive(y)
        if not self._given:
            from scipy.stats import boxcox

            finite = y[np.isfinite(y)]
            if np.unique(finite).size < 2:
                raise DataError(f"transform 'boxcox': expected at least 2 distinct finite training values to fit "
                                f"lambda, got {np.unique(finite).tolist()[:1] or 'none'} (give lmbda= for a constant series)")
            lam = float(boxcox(finite)[1])
            self.lmbda = 0.0 if abs(lam) < 0.005 else lam
        return self

    def transform(self, y, start=0):
        self._check_fitted("lmbda")
        y = as_1d(y)
        self._check_positive(y)
        return np.log(y) if self.lmbda == 0 else (np.power(y, self.lmbda) - 1.0) / self.lmbda

    def inverse(self, z, start=0, prev=None):
        self._check_fitted("lmbda")
        z = as_1d(z, "z")
        if self.lmbda == 0:
            return np.exp(z)
        # forecasts may leave the transform's range (lambda*z + 1 <= 0); the inverse is then the
        # smallest positive value, as (y^lambda - 1)/lambda never goes below -1/lambda for lambda > 0.
        base = np.maximum(self.lmbda * z + 1.0, 1e-12)
        return np.power(base, 1.0 / self.lmbda)

    def to_dict(self):
        return {"name": self.name, "lmbda": self.lmbda}


class SeasonalSTL(Transform):
    """Subtract a seasonal profile estimated by STL (statsmodels) on the training values.

    STL runs on the last ``fit_cycles`` cycles of the training data (older seasonality does not shape
    the profile, and STL's cost grows with the series). The profile holds one value per phase
    ``0..period-1``: the mean of STL's seasonal component over the last ``cycles`` full cycles
    (seasonality that drifts slowly is tracked; the profile is what a forecast continues with). Phases
    are positions modulo ``period`` counted from the first training value, so ``transform(y, start=n)``
    lines up values that follow the training data. ``strength`` is the seasonal strength
    ``1 - var(resid) / var(seasonal + resid)`` of the fitted part.
    """

    name = "stl"

    def __init__(self, period: int, robust: bool = False, cycles: int = 3, fit_cycles: int = 8) -> None:
        if not isinstance(period, (int, np.integer)) or isinstance(period, bool) or period < 2:
            raise ConfigError(f"period: expected an int >= 2 for STL, got {period!r}")
        self.period = int(period)
        self.robust = check_bool("robust", robust)   # bool('no') was True
        self.cycles = check_number("cycles", cycles, lo=1, integer=True)   # 0: a profile of NaN (0 / 0), silently
        self.fit_cycles = max(check_number("fit_cycles", fit_cycles, lo=1, integer=True), self.cycles, 2)
        self.profile: np.ndarray | None = None
        self.strength: float | None = None

    def fit(self, y):
        from statsmodels.tsa.seasonal import STL

        y = as_1d(y)
        if not np.isfinite(y).all():
            raise DataError("transform 'stl': expected no missing values (interpolate first), got NaN")
        p = self.period
        if y.size < 2 * p:
            raise DataError(f"transform 'stl': expected at least 2 full periods ({2 * p} values) for period {p}, "
                            f"got {y.size}")
        n = y.size
        first = max(0, n - self.fit_cycles * p)
        unit = typical_magnitude(y[first:])   # STL's loess in units of 1e307 overflowed to NaN, silently
        res = STL(y[first:] / unit, period=p, robust=self.robust).fit()
        seasonal = np.full(n, np.nan)
        seasonal[first:] = np.asarray(res.seasonal)
        k = min(self.cycles, (n - first) // p)
        tail = np.arange(n - k * p, n)
        profile = np.zeros(p)
        counts = np.zeros(p)
        np.add.at(profile, tail % p, seasonal[tail])
        np.add.at(counts, tail % p, 1)
        profile /= counts
        self.profile = (profile - profile.mean()) * unit
        resid = np.asarray(res.resid)
        denom = np.var(seasonal[first:] + resid)      # in the unit: var of 1e160s is inf
        self.strength = float(max(0.0, 1 - np.var(resid) / denom)) if denom > 0 else 0.0
        return self

    def _season(self, start: int, length: int) -> np.ndarray:
        self._check_fitted("profile")
        return self.profile[(start + np.arange(length)) % self.period]

    def transform(self, y, start=0):
        y = as_1d(y)
        return y - self._season(start, y.size)

    def inverse(self, z, start=0, prev=None):
        z = as_1d(z, "z")
        return z + self._season(start, z.size)

    def to_dict(self):
        return {"name": self.name, "period": self.period, "robust": self.robust, "cycles": self.cycles,
                "fit_cycles": self.fit_cycles,
                "profile": None if self.profile is None else self.profile.tolist(), "strength": self.strength}


class Difference(Transform):
    """``z_t = y_t - y_{t-lag}``. ``transform`` of a whole series leaves the first ``lag`` values NaN
    (unless ``prev``, the ``lag`` values before it, is given); ``inverse`` needs ``prev`` to integrate.

    >>> d = Difference(1)
    >>> d.transform(np.array([1.0, 3.0, 6.0])).tolist()
    [nan, 2.0, 3.0]
    >>> d.inverse(np.array([1.0, 1.0]), prev=np.array([1.0, 3.0, 6.0])).tolist()
    [7.0, 8.0]
    """

    name = "diff"

    def __init__(self, lag: int = 1) -> None:
        if not isinstance(lag, (int, np.integer)) or isinstance(lag, bool) or lag < 1:
            raise ConfigError(f"lag: expected a positive int, got {lag!r}")
        self.lag = int(lag)

    def transform(self, y, start=0, prev=None):
        y = as_1d(y)
        full = y if prev is None else np.concatenate([as_1d(prev, "prev")[-self.lag:], y])
        z = np.full(full.size, np.nan)
        z[self.lag:] = full[self.lag:] - full[:-self.lag]
        return z[full.size - y.size:]

    def inverse(self, z, start=0, prev=None):
        z = as_1d(z, "z")
        if prev is None or len(prev) < self.lag:
            raise DataError(f"transform 'diff': inverse needs the {self.lag} values before the forecast, "
                            f"got {0 if prev is None else len(prev)}")
        out = np.concatenate([np.asarray(prev, dtype=float)[-self.lag:], np.empty(z.size)])
        for i in range(z.size):
            out[self.lag + i] = z[i] + out[i]
        return out[self.lag:]

    def to_dict(self):
        return {"name": self.name, "lag": self.lag}


def _saved_number(name: str, v: Any, positive: bool = False) -> float:
    if not is_real(v) or not math.isfinite(v) or (positive and v <= 0):
        raise ConfigError(f"{name}: expected a finite number{' > 0' if positive else ''}, got {v!r}")
    return float(v)


def _saved_int(name: str, v: Any) -> int:
    if not is_int(v) or v < 1:
        raise ConfigError(f"{name}: expected a positive int, got {v!r}")
    return v


def transform_from_dict(d: dict[str, Any]) -> Transform:
    """Rebuild a fitted transform from :meth:`Transform.to_dict`; every value is checked as when the
    transform is built (a ConfigError names it: a scale that is not a finite number > 0, a Box-Cox lambda
    or a seasonal profile that holds text, ...)."""
    if not isinstance(d, dict):
        raise ConfigError(f"transform: expected a dict with a 'name', got {type(d).__name__}")
    name = d.get("name")
    if name == "scale":
        t = Scaler(d["kind"])
        t.loc, t.scale = _saved_number("scale.loc", d["loc"]), _saved_number("scale.scale", d["scale"], True)
    elif name == "log":
        t = Log()
    elif name == "boxcox":
        t = BoxCox(_saved_number("boxcox.lmbda", d["lmbda"]))
    elif name == "stl":
        if not isinstance(d["robust"], bool):
            raise ConfigError(f"stl.robust: expected a bool, got {d['robust']!r}")
        t = SeasonalSTL(d["period"], d["robust"], _saved_int("stl.cycles", d["cycles"]),
                        _saved_int("stl.fit_cycles", d.get("fit_cycles", 8)))
        profile = np.asarray(d["profile"])
        if profile.dtype.kind not in "iuf" or profile.shape != (t.period,) or not np.isfinite(profile).all():
            raise ConfigError(f"stl.profile: expected {t.period} finite numbers (one per phase), got "
                              f"{str(d['profile'])[:60]}")
        t.profile = profile.astype(float)
        t.strength = d.get("strength")
    elif name == "diff":
        t = Difference(d["lag"])
    elif name == "identity":
        t = Transform()
    else:
        raise ConfigError(f"transform: expected one of scale/log/boxcox/stl/diff, got {name!r}")
    return t


class Pipeline:
    """Transforms applied in order; fitted step by step on the training series.

    ``inverse_forecast(z, history)`` maps values that continue ``history`` (the raw training series,
    positions ``0..n-1``) at positions ``n, n+1, ...`` back to the original scale: each step is inverted
    in reverse order, with that step's input over the history as ``prev``.
    """

    def __init__(self, steps: Sequence[Transform]) -> None:
        self.steps = list(steps)

    def fit(self, y: np.ndarray) -> "Pipeline":
        cur = as_1d(y)
        for step in self.steps:
            valid = np.isfinite(cur)
            first = int(np.argmax(valid)) if valid.any() else cur.size
            if isinstance(step, SeasonalSTL):
                if first:
                    raise ConfigError("deseasonalize: STL must come before differencing in the pipeline")
            step.fit(cur)
            cur = step.transform(cur, start=0)
        return self

    def transform(self, y: np.ndarray, start: int = 0, prev: np.ndarray | None = None) -> np.ndarray:
        """Transform ``y`` at positions ``start..``; ``prev`` is the raw history before ``start`` (needed
        when the pipeline differences and ``start > 0``)."""
        cur = as_1d(y)
        prev_cur = None if prev is None else as_1d(prev, "prev")
        for step in self.steps:
            if isinstance(step, Difference):
                nxt = step.transform(cur, start, prev=prev_cur)
            else:
                nxt = step.transform(cur, start)
            if prev_cur is not None:
                pstart = start - prev_cur.size
                prev_cur = step.transform(prev_cur, pstart) if pstart >= 0 else None
            cur = nxt
        return cur

    def inverse(self, z: np.ndarray, start: int = 0, prev: np.ndarray | None = None) -> np.ndarray:
        """Invert values at positions ``start..``; ``prev`` is the raw history before ``start``."""
        z = as_1d(z, "z")
        prevs: list[np.ndarray | None] = []
        cur = None if prev is None else as_1d(prev, "prev")
        pstart = start - (0 if cur is None else cur.size)
        for step in self.steps:
            prevs.append(cur)
            if cur is not None:
                cur = step.transform(cur, pstart)
        for step, p in zip(reversed(self.steps), reversed(prevs)):
            z = step.inverse(z, start, prev=p)
        return z

    def inverse_forecast(self, z: np.ndarray, history: np.ndarray) -> np.ndarray:
        """Invert values that continue ``history`` (raw values at positions ``0..n-1``)."""
        history = as_1d(history, "history")
        return self.inverse(z, start=history.size, prev=history)

    def to_dict(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.steps]

    @classmethod
    def from_dict(cls, steps: list[dict[str, Any]]) -> "Pipeline":
        return cls([transform_from_dict(d) for d in steps])

    def describe(self) -> str:
        return " -> ".join(s.name for s in self.steps) or "none"


# ------------------------------------------------------------------------------------------- missing values
def interpolate_missing(y: Any) -> tuple[np.ndarray, int]:
    """Fill NaNs linearly between known values (nearest known value at the ends); returns
    ``(filled, count)``. An infinite value is a DataError (it was filled as if missing: 1, inf, 3 -> 1, 2, 3).

    >>> interpolate_missing([1.0, float("nan"), 3.0, float("nan")])
    (array([1., 2., 3., 3.]), 2)
    """
    y = as_1d(y)
    if np.isinf(y).any():
        i = int(np.flatnonzero(np.isinf(y))[0])
        raise DataError(f"y: expected finite values (NaN marks a missing one), got {y[i]} at position {i}")
    missing = np.isnan(y)
    count = int(missing.sum())
    if count == 0:
        return y.copy(), 0
    if count == y.size:
        raise DataError(f"target: expected at least one non-missing value, got all {y.size} values missing")
    idx = np.arange(y.size)
    filled = y.copy()
    filled[missing] = np.interp(idx[missing], idx[~missing], y[~missing])
    return filled, count
