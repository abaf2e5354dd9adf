"""Statistical candidates: seasonal naive, naive, drift, ETS with the season chosen by AICc, Theta.

* ``ets_auto``: statsmodels ``ETSModel`` (additive errors) with an additive damped trend (none for
  series shorter than 10 values) and, when the period is 2..24 and there are two full seasons, an
  additive or a multiplicative season (multiplicative only for positive series), the one with the lower
  AICc; no season when the non-seasonal fit has a lower AICc still. Longer seasons (weekly 52, daily
  365) are removed first with STL and added back (STL-ETS), as :func:`.baselines.ets` does.
* ``theta``: statsmodels ``ThetaModel`` (Assimakopoulos & Nikolopoulos 2000; Hyndman & Billah 2003):
  SES with drift half the linear trend's slope, on the series deseasonalised by a multiplicative
  classical decomposition when a seasonality test says so.

* ``drift_point``: the random walk with drift (the line through the first and last values, extended),
  on the series divided by a classical multiplicative seasonal index when it is positive and has two
  full seasons. Undamped: on many short trending series (M1 yearly/quarterly) ETS's damped trend stops
  too early, and combinations that hold the drift validate (and score) better.

Each is ``fn(y, horizon, period) -> point`` and is wrapped as a :class:`.candidates.LocalCandidate`
by :func:`statistical_candidates`.

>>> y = 10 + np.arange(24.0) + np.tile([1.0, -1.0, 2.0, -2.0], 6)
>>> bool(np.abs(ets_auto(y, 4, 4) - (y[-4:] + 4)).max() < 0.5)   # trend and season continue
True
"""

from __future__ import annotations

import functools
import inspect
import math
import warnings

import numpy as np

from rnnkit.tasks.forecasting.baselines import drift, naive, seasonal_naive, unit_scale
from rnnkit.tasks.forecasting.candidates import LOCAL_FUNCTIONS, LocalCandidate
from rnnkit.tasks.forecasting.constants import is_constant

__all__ = ["ets_auto", "ETS_TREND_MIN", "ets_trend_note", "theta", "seasonal_naive_point", "naive_point", "statistical_candidates",
           "MAX_ETS_PERIOD", "LOCAL_FUNCTIONS", "drift_point", "seasonal_index", "unit_scale", "point_ets"]

# statsmodels' ETSModel._loglike_internal arguments that the lean copy in point_ets was written for (another
# statsmodels: its own, unchanged)
_LEAN_ARGS = ("self", "params", "yhat", "xhat", "is_fixed", "fixed_values", "use_beta_star", "use_gamma_star")
# ... and the code the copy repeats (sha256 of _loglike_internal's and _residuals' tokens, comments and layout left
# out; statsmodels 0.15.0): a statsmodels (or an ETSModel subclass) whose arithmetic differs under the same signature
# keeps its own log-likelihood, so the lean copy never computes another formula
_LEAN_CODE = "c7a1bd9eeefab040ca3ef4c5c00b02eb3f4f357c10cc7f475c79a7a122da35ef"
MAX_ETS_PERIOD = 24   # longer seasons: STL first (hundreds of seasonal states are slow and noisy)


def naive_point(y: np.ndarray, horizon: int, period: int = 1) -> np.ndarray:
    return naive(y, horizon, 1)[0]


def seasonal_naive_point(y: np.ndarray, horizon: int, period: int = 1) -> np.ndarray:
    return seasonal_naive(y, horizon, period)[0]


def classical_season(y: np.ndarray, period: int, multiplicative: bool) -> np.ndarray:
    """The seasonal component of a classical decomposition at each position ``0 .. period-1`` of the season: the
    mean ratio (``multiplicative``) or difference of the values to their centred ``period``-term moving average,
    normalised to mean 1 (or 0) -- statsmodels' ``seasonal_decompose`` (tested against it), in numpy: it took 12 ms a
    call, and drift and the pretrained networks call it for every validation origin and window."""
    w = np.ones(period + 1 - period % 2)
    if period % 2 == 0:
        w[0] = w[-1] = 0.5
    trend = np.convolve(y, w / period, mode="valid")
    off = (w.size - 1) // 2
    part = y[off:off + trend.size]
    detrended = part / trend if multiplicative else part - trend
    pos = (off + np.arange(trend.size)) % period
    season = np.bincount(pos, detrended, period) / np.bincount(pos, minlength=period)
    return season / season.mean() if multiplicative else season - season.mean()


def _by_position(season: np.ndarray, n: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    pos = np.arange(n + horizon) % season.size
    return season[pos[:n]], season[pos[n:]]


def seasonal_index(y: np.ndarray, horizon: int, period: int) -> tuple[np.ndarray, np.ndarray]:
    """Multiplicative seasonal indices of a classical decomposition: ``(index of each value, index of
    the next horizon values)``; ones when the series is not positive, has no season (period 1 or over
    :data:`MAX_ETS_PERIOD`) or fewer than two full seasons."""
    n = y.size
    if not (1 < period <= MAX_ETS_PERIOD and n >= 2 * period and y.min() > 0):
        return np.ones(n), np.ones(horizon)
    return _by_position(classical_season(y, period, True), n, horizon)


def seasonal_offsets(y: np.ndarray, horizon: int, period: int) -> tuple[np.ndarray, np.ndarray]:
    """Additive seasonal components of a classical decomposition, as :func:`seasonal_index` gives multiplicative
    ones: ``(offset of each value, offset of the next horizon values)``; zeros without a season (period 1 or over
    :data:`MAX_ETS_PERIOD`) or with fewer than two full seasons."""
    n = y.size
    if not (1 < period <= MAX_ETS_PERIOD and n >= 2 * period):
        return np.zeros(n), np.zeros(horizon)
    return _by_position(classical_season(y, period, False), n, horizon)


def drift_point(y: np.ndarray, horizon: int, period: int = 1) -> np.ndarray:
    """The drift forecast of the seasonally adjusted series, the season put back (see the module docstring):
    multiplicatively for a positive series, additively for one that touches 0 or goes below (its season was dropped
    before session 16, as Theta's was; statsmodels' ``method="auto"`` rule)."""
    y = np.asarray(y, dtype=float)
    if y.size and y.min() <= 0:
        past, future = seasonal_offsets(y, horizon, period)
        return drift(y - past, horizon, 1)[0] + future
    past, future = seasonal_index(y, horizon, period)
    return drift(y / past, horizon, 1)[0] * future


def _aicc(fit, n: int) -> float:
    v = float(getattr(fit, "aicc", math.nan))
    return v if math.isfinite(v) else math.inf


def _deseason_long(y: np.ndarray, horizon: int, period: int) -> tuple[np.ndarray, np.ndarray, int]:
    """STL-adjusted series, the seasonal part of the next ``horizon`` steps, and the period left for
    the ETS fit (1 after STL)."""
    from rnnkit.data.transforms import SeasonalSTL

    if period > MAX_ETS_PERIOD and y.size >= 2 * period + 2:
        stl = SeasonalSTL(period).fit(y)
        return stl.transform(y), stl.inverse(np.zeros(horizon), start=y.size), 1
    return y, np.zeros(horizon), period if period <= MAX_ETS_PERIOD else 1


#: a series whose level is more than this many times its spread (max - min) away from 0 is fitted by ETS less its
#: level (see :func:`ets_auto`)
ETS_FLAT = 1e5
#: the fewest values :func:`ets_auto` fits a (damped) trend on; a shorter series is fitted with a level only, its
#: forecast flat. statsmodels' AICc of the damped trend is infinite below 8 values (6 parameters), and on 8 values of
#: the straight line 1..8 it loses to the level alone; 10 is the rule every auto figure was measured with (session 1).
#: Named in auto's report and, for ``model="ets"``, warned since session 35: 1..8 was forecast 8, 8 without a word.
ETS_TREND_MIN = 10


def ets_trend_note(short: dict[str, int]) -> str:
    """The sentence a report adds for the series (``{id: length}``) ETS forecast without a trend.

    >>> ets_trend_note({"y": 8})
    "ets fitted without a trend on 1 series shorter than 10 values ('y' (8)): its forecast is flat; theta or drift continue a trend"
    """
    shown = ", ".join(f"{sid!r} ({n})" for sid, n in list(short.items())[:5]) + (" ..." if len(short) > 5 else "")
    return (f"ets fitted without a trend on {len(short)} series shorter than {ETS_TREND_MIN} values ({shown}): "
            f"{'its forecast is' if len(short) == 1 else 'their forecasts are'} flat; theta or drift continue a trend")


def ets_auto(y: np.ndarray, horizon: int, period: int = 1) -> np.ndarray:
    """ETS with a damped trend and the season (none / additive / multiplicative) chosen by AICc, fitted
    on the series in units of :func:`unit_scale` (the forecast does not depend on the units).

    A series whose smallest value is more than :data:`ETS_FLAT` spreads from 0 is fitted as the same series 10
    spreads above 0 (the level added back): in units of its level its variation is under 1e-5, below what the
    optimiser's tolerances resolve (session 33: a weekly wave of amplitude 3 plus noise 0.3 over 200 days was forecast
    0.05 off the noiseless truth at levels 10 .. 1e6, 0.15 at 3e7, 0.49 at 3e8, 1.9 at 1e9, its band up to 7 times
    as wide; now ~0.05 at every level). Other series are fitted as before, bit for bit."""
    y = np.asarray(y, dtype=float)
    lo, spread = float(np.min(y)), float(np.ptp(y))
    if spread > 0 and abs(lo) > ETS_FLAT * spread:
        base = lo - 10 * spread
        return ets_auto(y - base, horizon, period) + base
    unit = unit_scale(y)
    return _ets_unit(y / unit, horizon, period) * unit


@functools.lru_cache(maxsize=None)
def point_ets(base: type) -> type:
    """``base`` (statsmodels' ``ETSModel``) whose fitted results skip the covariance of the parameters: its numerical
    Hessian, computed when the results are built, was ~40% of a fit (5,016 hourly values, period 24: 11.3 s -> 6.6 s;
    120 short series: 32 -> 27 s); auto reads only the point forecast and the AICc, which do not depend on it (the
    same, bit for bit, as ``ETSModel``'s: tests). The covariance reads as NaN. Its log-likelihood, called ~1,000 times a
    fit by scipy's numerical gradient, skips statsmodels' per-call checks (the same arithmetic: fits equal bit for bit;
    12 monthly series x 3 seasons: 1.76 -> 1.46 s CPU) where statsmodels' signature is the one it was written for."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSResults, ETSResultsWrapper

    class PointResults(ETSResults):
        @property
        def cov_params_approx(self) -> np.ndarray:
            return np.full((len(self.params), len(self.params)), np.nan)

    class PointETS(base):
        @property
        def _res_classes(self) -> dict:
            return {"fit": (PointResults, ETSResultsWrapper)}

    if _LEAN_ARGS == tuple(inspect.signature(base._loglike_internal).parameters) and _code_digest(base) == _LEAN_CODE:
        class LeanETS(PointETS):
            def _loglike_internal(self, params, yhat, xhat, is_fixed=None, fixed_values=None, use_beta_star=False,
                                  use_gamma_star=False):
                """statsmodels' own, less its per-call checks (~17% of a fit): the same operations on the same
                numbers, so the same log-likelihood bit for bit, for the additive-error real-valued calls of
                ``fit`` (every other call: statsmodels')."""
                if is_fixed is None or self.error != "add" or np.iscomplexobj(params) or is_fixed.dtype != np.int64:
                    return super()._loglike_internal(params, yhat, xhat, is_fixed, fixed_values, use_beta_star,
                                                     use_gamma_star)
                self._smoothing_func(params, self.endog, yhat, xhat, np.ascontiguousarray(is_fixed), fixed_values,
                                     use_beta_star, use_gamma_star)
                res = self.endog - yhat
                return -self.nobs / 2 * (np.log(2 * np.pi * (np.add.reduce(res ** 2) / self.nobs)) + 1)

        return LeanETS
    return PointETS


def _code_digest(base: type) -> str | None:
    """sha256 of the tokens of ``base._loglike_internal`` and ``base._residuals`` without comments and layout
    (``None`` where their source cannot be read: statsmodels' own log-likelihood is used)."""
    import hashlib
    import io
    import tokenize

    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
            tokenize.ENDMARKER}
    try:
        parts = []
        for fn in (base._loglike_internal, base._residuals):
            tokens = tokenize.generate_tokens(io.StringIO(inspect.getsource(fn)).readline)
            parts.append(" ".join(t.string for t in tokens if t.type not in skip))
    except (OSError, TypeError, SyntaxError, tokenize.TokenError, AttributeError):
        return None
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _ets_unit(y: np.ndarray, horizon: int, period: int) -> np.ndarray:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    ETSModel = point_ets(ETSModel)  # noqa: N806 - statsmodels' class, its Hessian skipped
    adj, season_add, m = _deseason_long(y, horizon, period)
    trend = "add" if adj.size >= ETS_TREND_MIN else None
    seasons = [None]
    if m > 1 and adj.size >= 2 * m + 2:
        seasons += ["add"] + (["mul"] if adj.min() > 0 else [])
    best, best_aicc = None, math.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in seasons:
            try:
                fit = ETSModel(adj, error="add", trend=trend, damped_trend=trend is not None, seasonal=s,
                               seasonal_periods=m if s else None).fit(disp=False)
            except Exception:  # noqa: BLE001 - a configuration that cannot be fitted is skipped
                continue
            a = _aicc(fit, adj.size)
            point = np.asarray(fit.forecast(horizon), dtype=float)
            if a < best_aicc and np.isfinite(point).all():
                best, best_aicc = point, a
    if best is None:
        return seasonal_naive_point(y, horizon, period)
    return best + season_add


def theta(y: np.ndarray, horizon: int, period: int = 1) -> np.ndarray:
    """The Theta method (statsmodels ``ThetaModel``; seasonal adjustment when its test says so), fitted on
    the series in units of :func:`unit_scale` as :func:`ets_auto` (at 1e200 its fit overflowed and gave
    another forecast than in units of 1)."""
    y = np.asarray(y, dtype=float)
    if is_constant(y):                   # statsmodels' ThetaModel draws a rising line through a constant
        return np.full(horizon, y[-1])
    unit = unit_scale(y)
    return _theta_unit(y / unit, horizon, period) * unit


def _theta_unit(y: np.ndarray, horizon: int, period: int) -> np.ndarray:
    from statsmodels.tsa.forecasting.theta import ThetaModel

    adj, season_add, m = _deseason_long(y, horizon, period)
    # method "auto": statsmodels' multiplicative adjustment for a positive series, additive otherwise (a season
    # whose series touches 0 or below was dropped before: Nottingham's monthly temperatures in degrees C, one
    # month at -0.4, forecast flat, MASE 2.45 against 0.61 for the same data in degrees F)
    seasonal = m > 1 and adj.size >= 2 * m
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = ThetaModel(adj, period=m if seasonal else 1, deseasonalize=seasonal, method="auto").fit()
            point = np.asarray(fit.forecast(horizon), dtype=float)
        except Exception:  # noqa: BLE001 - e.g. a constant series: fall back below
            point = np.full(horizon, np.nan)
    if not np.isfinite(point).all():
        return seasonal_naive_point(y, horizon, period)
    return point + season_add


# the per-series functions a saved LocalCandidate may name (see candidates.LocalCandidate.save)
LOCAL_FUNCTIONS.update({"seasonal_naive": seasonal_naive_point, "naive": naive_point, "ets": ets_auto, "theta": theta,
                        "drift": drift_point})


def statistical_candidates(recent: bool = True) -> dict[str, LocalCandidate]:
    """The statistical candidates by name: ``seasonal_naive``, ``naive``, ``ets``, ``theta``, ``drift``. ``recent``
    (the default since session 18's check: 11 long real series, auto's MASE 1.004x, fit + backtest 600 -> 362 s):
    ``ets`` and ``theta`` are fitted on the recent window of a long series (:mod:`.recent`: more than 5,000
    values; shorter series exactly as before); ``False``: on all of it."""
    from rnnkit.tasks.forecasting.recent import check_recent

    check_recent(recent)
    return {name: LocalCandidate(name, fn, min_len=4 if name in ("ets", "theta") else 2,
                                 recent=recent and name in ("ets", "theta"))
            for name, fn in LOCAL_FUNCTIONS.items()}
