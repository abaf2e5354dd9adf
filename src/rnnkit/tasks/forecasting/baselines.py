"""The baselines every forecast is compared with, on the same folds: naive, seasonal naive, drift, ETS.

Each baseline is ``fn(train, horizon, period, level) -> (point, lower, upper)`` on a 1-D array with no
missing values. Intervals are Gaussian with the textbook h-step standard deviations (Hyndman &
Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., section 5.5) from the one-step
residuals: naive ``sigma sqrt(h)``, seasonal naive ``sigma sqrt(floor((h-1)/m) + 1)``, drift
``sigma sqrt(h (1 + h/(T-1)))``, sigma the residuals' root mean square over ``T - K - M`` (fpp3 eq. 5.1: K parameters
estimated, M residuals missing; the drift's slope is its one parameter); ETS intervals come from 200 simulated paths of
the fitted model.

>>> y = np.array([1.0, 3.0, 2.0, 4.0, 3.0, 5.0])
>>> naive(y, 3, 2)[0].tolist(), seasonal_naive(y, 3, 2)[0].tolist(), drift(y, 3, 2)[0].tolist()
([5.0, 5.0, 5.0], [3.0, 5.0, 3.0], [5.8, 6.6, 7.4])
"""

from __future__ import annotations

import math
import warnings
from typing import Callable

import numpy as np

from rnnkit._validate import check_number, is_int
from rnnkit.data.timeseries.transforms import root_mean_square
from rnnkit.errors import ConfigError, DataError

__all__ = ["naive", "seasonal_naive", "drift", "ets", "BASELINES", "normal_quantile"]


def normal_quantile(p: float) -> float:
    """Standard normal quantile (``statistics.NormalDist``)."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def _check(train: np.ndarray, horizon: int, period: int = 1, level: float = 0.9) -> np.ndarray:
    check_number("period", period, lo=1, integer=True)      # 2.5 was read as 2, '7' as 7, -3 as 1
    check_number("level", level, lo=0, hi=1, lo_open=True)  # 90 (percent): statistics' bare StatisticsError
    if level == 1:
        raise ConfigError(f"level: expected a number < 1 (a central interval's coverage), got {level!r}")
    train = np.asarray(train, dtype=float)
    if train.ndim != 1 or train.size < 2:
        raise DataError(f"train: expected a 1-D series of at least 2 values, got shape {train.shape}")
    if not np.isfinite(train).all():
        raise DataError("train: expected no missing values (interpolate first), got NaN")
    if not is_int(horizon) or horizon < 1:   # True was a horizon of 1 (drift), a raw numpy TypeError (naive)
        raise ConfigError(f"horizon: expected a positive int, got {horizon!r}")
    return train


def _band(point: np.ndarray, sd: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z = normal_quantile(0.5 + level / 2)
    return point, point - z * sd, point + z * sd


def _sigma(resid: np.ndarray, estimated: int = 0) -> float:
    """fpp3's eq. 5.1: ``sqrt(sum(e^2) / (n - estimated))`` over the ``n`` residuals (``estimated``: the parameters
    fitted to make them; at least one degree of freedom kept)."""
    resid = resid[np.isfinite(resid)]
    return root_mean_square(resid) * math.sqrt(resid.size / max(resid.size - estimated, 1))


def naive(train: np.ndarray, horizon: int, period: int = 1, level: float = 0.9):
    """Every step forecast by the last value."""
    y = _check(train, horizon, period, level)
    h = np.arange(1, horizon + 1)
    return _band(np.full(horizon, y[-1]), _sigma(np.diff(y)) * np.sqrt(h), level)


def seasonal_naive(train: np.ndarray, horizon: int, period: int = 1, level: float = 0.9):
    """Step ``h`` forecast by the value one season earlier: ``y[n - m + (h - 1) mod m]``; naive for
    ``m = 1`` or when the training part is shorter than one season."""
    y = _check(train, horizon, period, level)
    m = int(period)
    if m <= 1 or y.size < m + 1:
        return naive(y, horizon, 1, level)
    h = np.arange(1, horizon + 1)
    point = y[y.size - m + (h - 1) % m]
    sd = _sigma(y[m:] - y[:-m]) * np.sqrt((h - 1) // m + 1)
    return _band(point, sd, level)


def drift(train: np.ndarray, horizon: int, period: int = 1, level: float = 0.9):
    """The line through the first and last values, extended: ``y_n + h (y_n - y_1) / (n - 1)``. The band as fpp3 (3rd
    ed., section 5.5, Table 5.2 and eq. 5.1) gives it: ``sigma sqrt(h (1 + h/(n-1)))``, sigma over ``n - 2`` (the
    ``n - 1`` steps less the slope estimated from them) -- the h-step error is h steps plus h times the slope's error,
    ``h sigma^2 + h^2 sigma^2 / (n - 1)``. Until session 31 it divided by ``n - 1`` and used ``h / n`` (fpp2's table):
    too narrow, e.g. 9% at n = 8, h = 1."""
    y = _check(train, horizon, period, level)
    n = y.size
    slope = (y[-1] - y[0]) / (n - 1)
    h = np.arange(1, horizon + 1)
    sd = _sigma(np.diff(y) - slope, estimated=1) * np.sqrt(h * (1 + h / (n - 1)))
    return _band(y[-1] + h * slope, sd, level)


def unit_scale(y: np.ndarray) -> float:
    """The mean absolute value of ``y`` (1 when it is 0 or not finite): a fit on ``y / unit_scale(y)``
    sees values of order one whatever the units (statsmodels' optimisers have absolute tolerances: the
    same series in units of 1e12 or 1e-9 was fitted differently)."""
    a = np.abs(np.asarray(y, dtype=float))
    big = float(a.max()) if a.size else 0.0
    if not (math.isfinite(big) and big > 0):
        return 1.0
    return float(np.mean(a / big)) * big     # in units of the largest: the sum of 60 values 1e307 overflowed (-> 1)


def ets(train: np.ndarray, horizon: int, period: int = 1, level: float = 0.9, seed: int = 0):
    """Exponential smoothing (statsmodels ``ExponentialSmoothing``): additive damped trend, plus an
    additive season (Holt-Winters) when 1 < ``period`` <= 12 and there are 2 full seasons. Longer seasons
    (weekly data's 52, hourly 24, daily 365) are removed first with STL
    (:class:`rnnkit.data.timeseries.transforms.SeasonalSTL`) and added back (STL-ETS, as statsmodels'
    ``STLForecast``): Holt-Winters would estimate dozens to hundreds of initial seasonal states, which is
    slow (3 s at period 52 on 2,000 points) and was less accurate on co2 and elec_equip in our runs.
    Fitted in units of :func:`unit_scale` (at 1e200 the fit in the series' units gave another forecast)."""
    y = _check(train, horizon, period, level)
    unit = unit_scale(y)
    point, lower, upper = _ets_unit(y / unit, horizon, period, level, seed)
    if not np.isfinite(point).all():
        return naive(train, horizon, 1, level)
    return point * unit, lower * unit, upper * unit


def _ets_unit(y: np.ndarray, horizon: int, period: int, level: float, seed: int):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    from rnnkit.data.timeseries.transforms import SeasonalSTL

    m = int(period)
    seasonal = m > 1 and y.size >= 2 * m + 2
    season_add = np.zeros(horizon)
    if seasonal and m > 12:
        stl = SeasonalSTL(m).fit(y)
        season_add = stl.inverse(np.zeros(horizon), start=y.size)
        y = stl.transform(y)
        seasonal = False
    trend = "add" if y.size >= 10 else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(y, trend=trend, damped_trend=trend is not None,
                                     seasonal="add" if seasonal else None,
                                     seasonal_periods=m if seasonal else None,
                                     initialization_method="estimated")
        fit = model.fit()
        point = np.asarray(fit.forecast(horizon), dtype=float)
        try:
            rng = np.random.default_rng(seed)
            sims = np.asarray(fit.simulate(horizon, repetitions=200, error="add", anchor="end",
                                           random_state=rng), dtype=float).reshape(horizon, -1)
            lower = np.quantile(sims, 0.5 - level / 2, axis=1)
            upper = np.quantile(sims, 0.5 + level / 2, axis=1)
        except Exception:  # noqa: BLE001 - simulation is optional; fall back to residual sd * sqrt(h)
            sd = _sigma(np.asarray(fit.resid)) * np.sqrt(np.arange(1, horizon + 1))
            _, lower, upper = _band(point, sd, level)
    return point + season_add, lower + season_add, upper + season_add


BASELINES: dict[str, Callable] = {"naive": naive, "seasonal_naive": seasonal_naive, "drift": drift, "ets": ets}
