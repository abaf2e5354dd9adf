"""Quantile forecasts from rolling-origin validation residuals (split-conformal style), and the scores
users of Darts/neuralforecast expect: pinball (quantile) loss, CRPS, coverage per level.

:func:`conformal_quantiles` turns point forecasts into any list of quantiles. The residuals
``actual - forecast`` of the validation windows (the same windows ``auto`` chose its combination on,
inside the training data) are made scale-free by each window's MASE scale and, per horizon step ``h``,
their empirical quantiles are added to the point forecast. With few windows (one series), the steps are
pooled under a random-walk growth ``sqrt(h)`` (residual ``/ sqrt(h)`` pooled, quantile ``* sqrt(h)``), and
``symmetric`` takes each residual with its negative: one series' two windows share each window's bias, which
does not carry to the future (180 unseen M3/tourism series, each alone, checked once: the 90% / 80% intervals
covered 0.77 / 0.68 signed, 0.89 / 0.83 symmetric, CRPS 1.52 -> 1.07; docs/results_forecasting.md, session 10).
Quantiles are monotone in the level by construction (one sorted residual sample per step), and a band
holds its point forecast (:func:`holding_point`).

>>> rng = np.random.default_rng(0)
>>> point = np.zeros((200, 3)); actual = rng.normal(size=(200, 3))
>>> resid = rng.normal(size=(200, 4, 3)); scale = np.ones((200, 4))
>>> q = conformal_quantiles(point, resid, scale, np.ones(200), [0.1, 0.5, 0.9])
>>> q.shape, bool((np.diff(q, axis=-1) >= 0).all())
((200, 3, 3), True)
>>> abs(coverage_by_level(actual, q, [0.1, 0.5, 0.9])[0.8] - 0.8) < 0.05
True
"""

from __future__ import annotations

import numbers
import warnings
from statistics import NormalDist
from typing import Any, Sequence

import numpy as np

from rnnkit._arrays import no_plain_values
from rnnkit.errors import ConfigError, DataError, InputTypeError, ShapeError

__all__ = ["quantile_column", "check_offsets", "conformal_quantiles", "pinball_loss", "crps_from_quantiles", "coverage_by_level", "check_quantiles",
           "MIN_PER_STEP", "real_values", "given_levels", "holding_point", "fitted_growth", "fallback_growth", "FALLBACKS",
           "FALLBACK_GROWTH", "t_widening"]

MIN_PER_STEP = 40   # residuals needed at a horizon step to use that step's own quantiles


def quantile_column(level: float) -> str:
    """The name of a forecast's quantile column: ``q0.1``, ``q0.5``, ``q0.975``."""
    return f"q{level:g}"


def check_offsets(offsets: Any, steps: int, levels: int) -> np.ndarray:
    """Saved quantile offsets: a finite ``(steps, levels)`` array, non-decreasing along the levels; a
    ConfigError says what is wrong."""
    try:
        a = np.asarray(offsets, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"quantile_offsets: expected a {steps} x {levels} table of numbers, got {str(offsets)[:60]}") from None
    if a.shape != (steps, levels) or not np.isfinite(a).all() or (np.diff(a, axis=1) < 0).any():
        raise ConfigError(f"quantile_offsets: expected a finite {steps} x {levels} table non-decreasing along the "
                          f"levels, got shape {a.shape}")
    return a


def check_quantiles(quantiles: Sequence[float]) -> np.ndarray:
    """Sorted unique levels in (0, 1); a ConfigError names the bad one."""
    q = np.asarray(list(quantiles), dtype=float)
    if q.ndim != 1 or q.size == 0:
        raise ConfigError(f"quantiles: expected a non-empty list of levels in (0, 1), got {list(quantiles)!r}")
    bad = q[~((q > 0) & (q < 1))]
    if bad.size:
        raise ConfigError(f"quantiles: expected levels in (0, 1), got {bad[0]!r}")
    return np.unique(q)


def check_band(lo: np.ndarray, hi: np.ndarray, name: str, below: str) -> None:
    """A DataError naming ``name`` at the first position where ``hi`` is below ``lo`` (a crossing band)."""
    with np.errstate(invalid="ignore"):
        crossed = hi < lo
    if crossed.any():
        i = np.unravel_index(int(np.argmax(crossed)), crossed.shape)
        at = int(i[0]) if len(i) == 1 else tuple(int(k) for k in i)
        raise DataError(f"{name}: expected values at or above {below}, got {float(hi[i])!r} below {float(lo[i])!r} at "
                        f"position {at} ({int(crossed.sum())} crossing)")


def conformal_quantiles(point: np.ndarray, residuals: np.ndarray, val_scale: np.ndarray, scale: np.ndarray,
                        quantiles: Sequence[float], pooled: bool = True,
                        fallback_sd: float | None = None, symmetric: bool = False,
                        rows: Sequence[int] | None = None, growth: str = "sqrt", periods: Sequence[int] | None = None,
                        fallback: str | None = None, tail_df: float | None = None) -> np.ndarray:
    """Quantile forecasts ``(S, H, Q)``.

    ``point``: ``(S, H)`` forecasts; ``residuals``: ``(S, K, H)`` validation ``actual - forecast`` (NaN
    where missing); ``val_scale``: ``(S, K)`` each window's MASE scale; ``scale``: ``(S,)`` each series'
    scale now; ``pooled``: residuals of all series together (a global calibration), else each series'
    own (pooled over steps under ``sqrt(h)`` growth when it has fewer than :data:`MIN_PER_STEP` per step).
    A group with no finite residual at all (a series too short to hold a validation window out) gets
    normal quantiles of standard deviation ``fallback_sd`` (in units of ``scale``) growing with
    ``sqrt(h)``, or NaN (unknown) when ``fallback_sd`` is None -- never a zero-width band, which would
    claim certainty. ``symmetric``: the quantiles of the residuals and their negatives (a band centred on
    ``point``, its median the point). ``rows``: the positions in ``residuals`` of the series of ``point`` and
    ``scale`` (default: all, in order): a subset of the series is calibrated as it was with all of them. ``growth``: how
    the pooled residuals of a group with too few per step grow with ``h``: ``"sqrt"`` (a random walk's) or
    ``"fitted"`` (``h ** b``, ``b`` in [0, 1] fitted to the residuals' spread per step, :func:`fitted_growth`).
    ``periods``: ``(S,)`` each series' seasonal period, for the ``fallback_sd`` band's growth ``fallback``
    (:func:`fallback_growth`; default :data:`FALLBACK_GROWTH`); None: ``sqrt(h)``. ``tail_df`` (an option, off):
    the quantiles of a group pooled over the steps (too few residuals per step) widened away from their median by
    :func:`t_widening` (``df``: the validation windows the residuals come from) -- not the default
    (docs/results_forecasting.md, session 36)."""
    q = check_quantiles(quantiles)
    if growth not in ("sqrt", "fitted"):
        raise ConfigError(f"growth: expected 'sqrt' or 'fitted', got {growth!r}")
    fallback = FALLBACK_GROWTH if fallback is None else fallback
    widen = None if tail_df is None else t_widening(q, tail_df)
    if fallback not in FALLBACKS:
        raise ConfigError(f"fallback: expected one of {list(FALLBACKS)}, got {fallback!r}")
    point = np.asarray(point, dtype=float)
    S, H = residuals.shape[0], point.shape[1]
    rows = np.arange(S) if rows is None else np.asarray(rows, dtype=int)
    if point.shape[0] != rows.size or residuals.shape[2] != H or val_scale.shape != residuals.shape[:2]:
        raise ShapeError(f"residuals: expected (S={S}, K, H={H}) with val_scale (S, K) and {rows.size} points, got "
                         f"{residuals.shape}, {val_scale.shape} and {point.shape}")
    z = residuals / val_scale[..., None]                                          # scale-free
    offsets = np.empty((S, H, q.size))
    groups = [np.arange(S)] if pooled else [np.array([i]) for i in range(S)]
    root_h = np.sqrt(np.arange(1, H + 1))
    fewest = None            # the fewest residuals one of the empirical quantiles read
    for group in groups:
        zz = z[group].reshape(-1, H)
        per_step = np.isfinite(zz).sum(0)
        if symmetric:
            zz = np.concatenate([zz, -zz])
        if per_step.min() >= MIN_PER_STEP:
            qs = np.stack([np.nanquantile(zz[:, h], q) for h in range(H)])      # (H, Q)
            fewest = min(fewest or np.inf, int(np.isfinite(zz).sum(0).min()))
        else:
            grow = fitted_growth(zz) if growth == "fitted" else root_h
            flat = (zz / grow).ravel()
            flat = flat[np.isfinite(flat)]
            fewest = min(fewest or np.inf, flat.size) if flat.size else fewest
            if flat.size == 0 and fallback_sd is None:
                qs = np.full((H, q.size), np.nan)
            elif flat.size == 0:
                zq = np.array([NormalDist().inv_cdf(float(t)) for t in q])     # not z: later groups read it
                for i in group:       # each series its own growth (its period)
                    offsets[i] = fallback_sd * zq[None, :] * fallback_growth(
                        H, None if periods is None else int(periods[i]), fallback)[:, None]
                continue
            else:
                qs = np.quantile(flat, q)
                if widen is not None:     # away from the median: monotone in the level whatever the residuals' sign
                    qs = np.median(flat) + (qs - np.median(flat)) * widen
                qs = qs[None, :] * grow[:, None]
        offsets[group] = qs[None]
    if fewest is not None:
        beyond_residuals(q, int(fewest))
    return holding_point(point[..., None] + np.asarray(scale, dtype=float)[:, None, None] * offsets[rows], point, q)


#: how the fallback band (a series with no validation residual) grows with the step (:func:`fallback_growth`)
FALLBACKS = ("sqrt", "seasons")
FALLBACK_GROWTH = "seasons"   # session 35: checked on 192 short M1 series held out (results_forecasting.md)


def fallback_growth(H: int, period: int | None, how: str = "seasons") -> np.ndarray:
    """How the fallback band of a series too short for any validation window grows over the steps ``h = 1..H``.
    Its width is the seasonal naive's in-sample one-step error (one season back, ``period``); ``"seasons"``: it
    grows with the seasons the forecast bridges, ``ceil(h / period)`` -- within a season the seasonal naive's error
    does not grow, and a trend's error adds up season by season (``period`` 1: ``h``); ``"sqrt"`` (and ``period``
    None, unknown): ``sqrt(h)``, a random walk's (before session 35: the short series of M1 yearly, 9-13 values,
    covered 0.30 at the 6th step with an 80% band, docs/results_forecasting.md).

    >>> fallback_growth(8, 4).tolist(), fallback_growth(3, 1).tolist()
    ([1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0], [1.0, 2.0, 3.0])
    """
    h = np.arange(1, H + 1)
    if how == "sqrt" or period is None:
        return np.sqrt(h)
    return np.ceil(h / max(int(period), 1)).astype(float)


def t_widening(levels: np.ndarray, df: float) -> np.ndarray:
    """``t_df(p) / z(p)`` per level ``p`` (1 at the median): how much further from the centre a Student-t quantile of
    ``df`` degrees of freedom lies than the normal's. An empirical quantile of residuals from few validation windows
    reads each series' error scale from those windows alone; its future error is a scale mixture with heavier tails
    (short M1 dev, 2 windows: a test error beyond the series' own residuals' 95% point in 0.16 of cases, not 0.05).

    >>> [round(float(r), 3) for r in t_widening(np.array([0.05, 0.5, 0.975]), 2)]
    [1.775, 1.0, 2.195]
    """
    from scipy.stats import t as student

    if isinstance(df, bool) or not isinstance(df, numbers.Real) or not df > 0 or not np.isfinite(df):
        raise ConfigError(f"tail_df: expected a positive finite number of degrees of freedom, got {df!r}")
    lv = np.asarray(levels, dtype=float)
    z = np.array([NormalDist().inv_cdf(float(p)) if p != 0.5 else 1.0 for p in lv])
    return np.where(lv == 0.5, 1.0, student.ppf(lv, float(df)) / z)


def fitted_growth(z: np.ndarray) -> np.ndarray:
    """``h ** b`` for the steps ``h = 1..H`` of residuals ``z`` ``(N, H)`` (NaN where missing): ``b`` the slope of
    ``log mean|z_h|`` on ``log h`` (least squares over the steps with residuals, weighted by their count), clipped to
    [0, 1] -- errors that do not grow (a stationary seasonal series: b near 0) up to a trend's error (b = 1); the
    random walk's ``sqrt(h)`` is b = 1/2. ``sqrt(h)`` where fewer than 3 steps have residuals.

    >>> z = np.random.default_rng(0).normal(size=(400, 12)) * np.arange(1, 13) ** 0.7   # errors growing like h^0.7
    >>> round(float(np.log(fitted_growth(z)[-1]) / np.log(12)), 1)     # b
    0.7
    """
    H = z.shape[1]
    h = np.arange(1, H + 1)
    n = np.isfinite(z).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.nansum(np.abs(z), 0) / n
        ok = (n > 0) & (spread > 0) & np.isfinite(spread)
        if ok.sum() < 3:
            return np.sqrt(h)
        b = np.polyfit(np.log(h[ok]), np.log(spread[ok]), 1, w=np.sqrt(n[ok]))[0]
    return h ** float(np.clip(b, 0.0, 1.0))


#: levels this far from 0 or 1 and nearer are not warned about by :func:`beyond_residuals`: the defaults (the 90%
#: interval's 0.05 / 0.95, quantiles 0.1 / 0.9) whose coverage was checked on unseen series (module docstring)
CHECKED_TAIL = 0.05


def beyond_residuals(levels: np.ndarray, n: int) -> None:
    """Warn when quantile ``levels`` further out than :data:`CHECKED_TAIL` lie beyond what ``n`` residuals resolve:
    below ``1 / (n + 1)`` or above ``n / (n + 1)``, the expected levels of the smallest and the largest of ``n`` draws.
    An empirical quantile there is the extreme residual itself (numpy clamps to the sample), so a 0.001-quantile read
    from 28 residuals (one series' two validation windows of 7 steps, taken with their negatives) was the
    0.01-quantile's value and a 99.8% band the width of a 93% one, without a word (session 33: ``--model ets
    --quantiles 0.001 ... 0.999`` on 120 days of a random walk: q0.001 58.22 beside q0.01 58.30, the median 59.91)."""
    lo, hi = 1 / (n + 1), n / (n + 1)
    tail = np.minimum(levels, 1 - levels) < CHECKED_TAIL - 1e-12
    beyond = levels[tail & ((levels < lo) | (levels > hi))]
    if beyond.size:
        warnings.warn(f"quantiles: level(s) {', '.join(f'{v:g}' for v in beyond)} lie beyond what {n} validation "
                      f"residuals resolve ({lo:.3g} .. {hi:.3g}): their forecasts are the extreme residuals', a band "
                      f"narrower than the level says; use levels within that range (quantiles and the level "
                      f"interval's bounds alike), or more data (a longer series, more series)",
                      UserWarning, stacklevel=3)


def holding_point(qforecast: np.ndarray, point: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """``qforecast`` ``(..., Q)`` with each band holding its point forecast ``point`` ``(...)``: a level below 1/2
    at most the point, a level above 1/2 at least it (the median as it is: a point forecast is a mean as often as
    a median). Signed residuals that all lean one way -- every candidate of auto under-forecast a growing panel in
    its validation windows -- put the whole band beside the point: fpp3's us_employment (3 series, 1990-2019,
    candidates naive and drift) had the point below its own 90% band in 36 of 36 rows (session 26). A band only
    widens, on the side of the point; the order of the levels is kept.

    >>> holding_point(np.array([[1.0, 2.0, 3.0]]), np.array([0.5]), np.array([0.1, 0.5, 0.9])).tolist()
    [[0.5, 2.0, 3.0]]
    """
    p = np.asarray(point, dtype=float)[..., None]
    q = np.asarray(quantiles, dtype=float)
    return np.where(q < 0.5, np.minimum(qforecast, p), np.where(q > 0.5, np.maximum(qforecast, p), qforecast))   # NaN: unknown, kept


def real_values(name: str, v: Any) -> np.ndarray:
    """``v`` as a float array of its own shape; text, bools and complex numbers are an InputTypeError naming ``name``
    ('12' was read as 12 and True as 1, silently; 'a' was float()'s bare ValueError). The point metrics' arrays and
    the quantile scores' (:func:`pinball_loss`) share the rule."""
    if getattr(v, "requires_grad", False):      # numpy's bare "Can't call numpy() on Tensor that requires grad"
        raise InputTypeError(f"{name}: expected real numbers, got a tensor that requires grad (pass .detach())")
    if (odd := no_plain_values(v)):      # a sparse / meta tensor was numpy's bare TypeError, a scipy matrix its rows
        raise InputTypeError(f"{name}: expected an array of real numbers, got {odd}")
    # np.asarray dropped a masked array's mask: a masked value was scored as the data under it. Its values are
    # checked as a plain array's (a masked array of dates, text, bools or complex numbers read as floats, silently)
    mask = np.ma.getmaskarray(v) if np.ma.isMaskedArray(v) else None
    a = np.asarray(v.data if mask is not None else v)
    if a.dtype.kind not in "iuf":
        try:
            ok = a.dtype.kind == "O" and all(isinstance(x, numbers.Real) and not isinstance(x, bool)
                                             for x in (a if mask is None else a[~mask]).ravel())
        except TypeError:
            ok = False
        if not ok:
            raise InputTypeError(f"{name}: expected real numbers, got {a.dtype} values")
    if mask is None:
        return a.astype(float)
    out = np.full(a.shape, np.nan)    # a masked value is missing, as NaN is (actuals: refused, named)
    out[~mask] = a[~mask].astype(float)
    return out


def given_levels(quantiles: Any) -> np.ndarray:
    """The levels as given (their order kept) as floats; a text, a lone number or anything but a list of numbers is
    a ConfigError naming ``quantiles`` (0.5 was len()'s bare TypeError in metrics.quantile_metrics)."""
    try:
        if isinstance(quantiles, (str, bytes)):
            raise TypeError
        return np.asarray(list(quantiles), dtype=float)
    except (TypeError, ValueError, RuntimeError):    # RuntimeError: a tensor that requires grad
        raise ConfigError(f"quantiles: expected a list of levels in (0, 1), got {quantiles!r:.60}") from None


def _scored(actual: Any, qforecast: Any, quantiles: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(y, levels, q)`` for the scores below: the levels sorted and ``q``'s last axis put in their order. The
    columns of ``qforecast`` are read in the order ``quantiles`` names them (levels given as ``[0.9, 0.1]`` were
    sorted while the columns were not: the 0.9-quantiles were scored as the 0.1-quantiles); a level given twice
    is a ConfigError (one column was dropped and the next read in its place); an infinite actual a DataError (it
    was left out as a missing NaN is, silently); ``qforecast`` must have the
    actuals' shape plus one column per level (a ShapeError; numpy's bare broadcasting error before)."""
    given = given_levels(quantiles)
    levels = check_quantiles(given)
    if levels.size != given.size:
        twice = next(t for i, t in enumerate(given) if t in given[:i])
        raise ConfigError(f"quantiles: expected each level once (one column of qforecast each), got {twice:g} twice")
    y = real_values("actual", actual)
    if np.isinf(y).any():      # left out as a missing value is, silently: only NaN marks one
        i = np.unravel_index(int(np.argmax(np.isinf(y))), y.shape)
        raise DataError(f"actual: expected finite values (NaN marks a missing one), got {float(y[i])} at position "
                        f"{int(i[0]) if len(i) == 1 else tuple(int(k) for k in i)}")
    q = real_values("qforecast", qforecast)
    if q.shape != (*y.shape, given.size):
        raise ShapeError(f"qforecast: expected shape {(*y.shape, given.size)} (the actuals' and one column per level), "
                         f"got {q.shape}")
    return y, levels, q[..., np.argsort(given, kind="stable")]


def pinball_loss(actual: np.ndarray, qforecast: np.ndarray, quantiles: Sequence[float]) -> dict[float, float]:
    """Mean pinball loss per level: ``max(tau (y - q), (tau - 1) (y - q))``; ``qforecast`` ``(..., Q)``, its columns
    the levels in the order given; a missing (NaN) actual is left out. A NaN quantile forecast makes its level's
    loss NaN (it was left out of the mean, silently), as a NaN point forecast makes the point metrics NaN
    (:mod:`.metrics`)."""
    y, q, qf = _scored(actual, qforecast, quantiles)
    seen = np.isfinite(y)

    def losses(unit: float) -> np.ndarray:
        d = (y[..., None] / unit - qf / unit)[seen]
        return np.maximum(q * d, (q - 1) * d)

    with np.errstate(over="ignore", invalid="ignore"):
        loss = losses(1.0)
        out = {float(t): _mean(loss[..., j]) if loss.size else float("nan") for j, t in enumerate(q)}
        # near float64's limit (1e308 against -1e308) the differences overflowed to inf (numpy's warning) where the
        # loss is finite: those levels again in units of the largest magnitude, as the point metrics' MAE and RMSE
        finite = np.concatenate([np.abs(y[seen]).ravel(), np.abs(qf[np.isfinite(qf)]).ravel(), [0.0]])
        if any(np.isinf(v) for v in out.values()) and finite.max() > 0:
            unit = float(finite.max())
            scaled = losses(unit)
            out = {t: _mean(scaled[..., j]) * unit if np.isinf(v) else v for j, (t, v) in enumerate(out.items())}
    return out


def _mean(values: np.ndarray) -> float:
    """``mean(values)``, in units of the largest magnitude where the plain sum overflowed (inf only when the mean
    itself is beyond float64 or a value is infinite)."""
    with np.errstate(over="ignore", invalid="ignore"):
        m = float(np.mean(values))
        if np.isinf(m) and np.isfinite(values).all():
            unit = float(np.abs(values).max())
            m = float(np.mean(values / unit)) * unit
    return m


def crps_from_quantiles(actual: np.ndarray, qforecast: np.ndarray, quantiles: Sequence[float]) -> float:
    """CRPS approximated by twice the mean pinball loss over the given levels (exact in the limit of a
    fine uniform grid; Gneiting & Raftery 2007); report it with the levels used."""
    return 2 * _mean(np.array(list(pinball_loss(actual, qforecast, quantiles).values())))


def coverage_by_level(actual: np.ndarray, qforecast: np.ndarray, quantiles: Sequence[float]) -> dict[float, float]:
    """Empirical coverage of each central interval ``[q_tau, q_{1-tau}]`` formed by symmetric pairs of
    levels, keyed by nominal coverage ``1 - 2 tau`` (rounded to 6 digits); NaN when a bound is NaN (it counted
    as a miss), as :func:`.metrics.coverage`; a ``1 - tau`` quantile below its ``tau`` quantile (crossing quantiles:
    the interval held no actual and scored 0, silently) is a DataError naming both levels, as a crossing band is."""
    y, q, qf = _scored(actual, qforecast, quantiles)
    out = {}
    for j, t in enumerate(q):
        if t >= 0.5:
            break
        hi = np.flatnonzero(np.isclose(q, 1 - t))
        if hi.size:
            lo_q, hi_q, seen = qf[..., j], qf[..., hi[0]], np.isfinite(y)
            bad = np.isnan(lo_q[seen]).any() or np.isnan(hi_q[seen]).any()
            check_band(lo_q, hi_q, f"qforecast: level {q[hi[0]]:g}", f"level {t:g}")
            inside = (y >= lo_q) & (y <= hi_q)
            out[round(1 - 2 * t, 6)] = float("nan") if bad else float(np.mean(inside[seen]))
    return out
