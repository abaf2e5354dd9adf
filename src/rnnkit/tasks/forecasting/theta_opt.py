"""The optimised Theta method (OTM, Fiorucci et al. 2016) and simple exponential smoothing, per series.

* ``optimised_theta``: the theta line ``Z_t = θ·y_t + (1 - θ)·(A + B·t)`` (``A, B``: the least-squares
  line of the series) is smoothed by SES and the forecast is ``(1 - 1/θ)·(A + B·(n + h)) + ℓ_n/θ``.
  ``θ = 2`` is the classic Theta method (half the linear trend); OTM chooses ``θ ≥ 1`` and the SES
  weight ``α`` by the in-sample one-step-ahead squared error (``θ = 1``: SES, no trend; large ``θ``:
  the straight line).
* ``ses_point``: simple exponential smoothing (the flat forecast; ``α`` and the initial level by the
  one-step squared error).

Both work on the series in units of :func:`.statistical.unit_scale` (scale-free), divided by a classical
multiplicative seasonal index when the period is 2..24, the series is positive and has an autocorrelation
at the seasonal lag that the usual 90% test (Assimakopoulos & Nikolopoulos 2000; M3 Theta) calls
seasonal; the season is put back after. Neither is in auto's pool (session 7: OTM beat statsmodels' Theta
alone on every collection, but as a member it moved the pooled choice both ways).

>>> y = 5.0 + 0.5 * np.arange(30.0) + 0.1 * np.sin(np.arange(30.0))
>>> bool(np.abs(optimised_theta(y, 3) - (y[-1] + 0.5 * np.arange(1, 4))).max() < 0.5)   # the trend goes on
True
>>> float(np.ptp(ses_point(y, 3)))                                                       # SES is flat
0.0
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["optimised_theta", "ses_point", "seasonal_test", "ses_fit"]

_MAX_PERIOD = 24


def seasonal_test(y: np.ndarray, period: int) -> bool:
    """The M3 Theta seasonality test: the autocorrelation at lag ``period`` exceeds 1.645 standard
    errors (Bartlett), on a series with at least three full seasons."""
    n = y.size
    if not 1 < period <= _MAX_PERIOD or n < 3 * period:
        return False
    x = y - y.mean()
    den = float(x @ x)
    if den <= 0:
        return False
    r = np.array([float(x[k:] @ x[:n - k]) / den for k in range(1, period + 1)])
    limit = 1.645 * math.sqrt((1 + 2 * float((r[:-1] ** 2).sum())) / n)
    return abs(r[-1]) > limit


def _adjusted(y: np.ndarray, horizon: int, period: int) -> tuple[np.ndarray, np.ndarray]:
    """``(y in units of unit_scale(y), seasonally adjusted; what multiplies the next horizon values back)``."""
    from rnnkit.tasks.forecasting.statistical import seasonal_index, unit_scale

    y = np.asarray(y, dtype=float)
    unit = unit_scale(y)
    past, future = np.ones(y.size), np.ones(horizon)
    if y.min() > 0 and seasonal_test(y, period):
        past, future = seasonal_index(y, horizon, period)
    return y / unit / past, future * unit


def _ses_levels(z: np.ndarray, alpha: float, level0: float) -> np.ndarray:
    """``ℓ_0 .. ℓ_n`` of SES (``ℓ_t = α·z_t + (1 - α)·ℓ_{t-1}``) by a linear filter."""
    from scipy.signal import lfilter

    out, _ = lfilter([alpha], [1.0, alpha - 1.0], z, zi=[(1.0 - alpha) * level0])
    return np.concatenate([[level0], out])


def ses_fit(z: np.ndarray) -> tuple[float, float]:
    """``(α, ℓ_0)`` minimising the one-step squared error of SES on ``z`` (a grid, then refined)."""
    from scipy.optimize import minimize

    def sse(p: np.ndarray) -> float:
        lv = _ses_levels(z, float(p[0]), float(p[1]))
        return float(((z - lv[:-1]) ** 2).sum())

    grid = [(a, sse(np.array([a, z[0]]))) for a in (0.1, 0.3, 0.5, 0.7, 0.9)]
    a0 = min(grid, key=lambda t: t[1])[0]
    span = float(np.ptp(z)) or 1.0
    res = minimize(sse, np.array([a0, z[0]]), method="L-BFGS-B",
                   bounds=[(0.01, 0.99), (z.min() - span, z.max() + span)])
    return float(res.x[0]), float(res.x[1])


def ses_point(y: np.ndarray, horizon: int, period: int = 1) -> np.ndarray:
    """The SES forecast of the seasonally adjusted series, the season put back."""
    z, back = _adjusted(y, horizon, period)
    alpha, l0 = ses_fit(z)
    return np.full(horizon, _ses_levels(z, alpha, l0)[-1]) * back


def optimised_theta(y: np.ndarray, horizon: int, period: int = 1) -> np.ndarray:
    """OTM (see the module docstring): ``θ`` from a grid in [1, 5] refined with ``α`` jointly."""
    from scipy.optimize import minimize

    x, back = _adjusted(y, horizon, period)
    n = x.size
    t = np.arange(1.0, n + 1)
    b, a = np.polyfit(t, x, 1) if n >= 2 else (0.0, float(x[0]))
    line = a + b * t

    def parts(theta: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        z = theta * x + (1 - theta) * line
        return z, _ses_levels(z, alpha, z[0])

    def sse(p: np.ndarray) -> float:
        theta, alpha = float(p[0]), float(p[1])
        _, lv = parts(theta, alpha)
        fit = (1 - 1 / theta) * line + lv[:-1] / theta
        return float(((x - fit) ** 2).sum())

    starts = [(th, al) for th in (1.0, 2.0, 3.0) for al in (0.2, 0.5, 0.8)]
    p0 = min(starts, key=lambda p: sse(np.array(p)))
    res = minimize(sse, np.array(p0), method="L-BFGS-B", bounds=[(1.0, 5.0), (0.01, 0.99)])
    theta, alpha = (float(v) for v in res.x) if np.isfinite(res.fun) else p0
    _, lv = parts(theta, alpha)
    steps = np.arange(n + 1.0, n + horizon + 1)
    point = (1 - 1 / theta) * (a + b * steps) + lv[-1] / theta
    return point * back
