"""Long series: the statistical fits whose cost grows with the history (ETS, Theta) see its recent window.

statsmodels' ``ETSModel`` evaluates its likelihood over every value at every optimiser step, three times per
origin (no / additive / multiplicative season): on a 100,000-point hourly series ``rnnkit forecast`` took
1,214 s, almost all of it there (docs/results_forecasting.md, session 17). On a series that long the
likelihood is dominated by values years old, while the level, trend and season it forecasts from are those
of the last seasons. Hyndman & Athanasopoulos (*Forecasting: Principles and Practice*, "Very long and very short
time series", fpp2 12.7 / fpp3 13.7): real data drift away from the model over a long history, the optimisation
grows with the number of observations, and to forecast the next few values one may fit on the most recent
ones. A candidate built with ``recent=True`` (:class:`.candidates.LocalCandidate`; ``ets`` and ``theta`` of
:func:`.statistical.statistical_candidates`, and so of auto's defaults, since session 18) is fitted on the last
:func:`recent_length` values of a series longer than that, and on the whole series otherwise, exactly as
before: the window is at least :data:`RECENT_FLOOR` values, so every series of the benchmarks (the longest,
co2, 2,284 weekly values) is fitted on all of it.

The window, stated in seasons: the larger of :data:`RECENT_FLOOR` values and :data:`RECENT_SEASONS`
seasons, rounded up to whole seasons (period 24: 5,016 values, 209 days of hours; period 7: 5,005
days; period 365: 5,110 days, 14 years; period 8,766, a year of hours: 87,660).

Adopted by a pre-registered check (session 18; docs/results_forecasting.md): on 11 long real series never used
in auto's development (hourly and half-hourly temperatures and electricity demand, 5-minute call volumes, daily
births and ridership, rain, share prices; 5,479 to 27,716 values), auto's fit + 3-fold backtest, whole history
against the window in the same run: auto's MASE 1.004x (geometric mean of the ratios; the rule asked <= 1.02x
and no series worse by more than 10%: the worst, 1.044x), wall time 600 -> 362 s in all.

>>> recent_length(24), recent_length(1), recent_length(365), recent_length(1000)
(5016, 5000, 5110, 10000)
>>> recent(np.arange(6000.0), 24)[:2].tolist(), recent(np.arange(5016.0), 24).size
([984.0, 985.0], 5016)
"""

from __future__ import annotations

import math

import numpy as np

from rnnkit._validate import is_bool
from rnnkit.errors import ConfigError

__all__ = ["RECENT_FLOOR", "RECENT_SEASONS", "recent_length", "recent", "check_recent"]

RECENT_FLOOR = 5000     # values: above every benchmark series (co2: 2,284), so their fits see all of it
RECENT_SEASONS = 10     # a long season (STL first, see .statistical) is estimated from ten cycles at least


def recent_length(period: int) -> int:
    """The window of a series with seasonal ``period``: ``period * max(ceil(RECENT_FLOOR / period), RECENT_SEASONS)``."""
    if not isinstance(period, (int, np.integer)) or isinstance(period, bool) or period < 1:
        raise ConfigError(f"period: expected a positive int, got {period!r}")
    m = int(period)
    return m * max(math.ceil(RECENT_FLOOR / m), RECENT_SEASONS)


def recent(y: np.ndarray, period: int) -> np.ndarray:
    """The last :func:`recent_length` values of ``y`` (``y`` itself, the same object, when it is not longer)."""
    k = recent_length(period)
    return y[-k:] if y.size > k else y


def check_recent(value: object) -> bool:
    """``value`` when it is a bool; a ConfigError naming ``recent`` otherwise."""
    if not is_bool(value):
        raise ConfigError(f"recent: expected True or False, got {value!r}")
    return bool(value)
