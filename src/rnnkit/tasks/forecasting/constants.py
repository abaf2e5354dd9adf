"""Constant series in ``Forecaster(model="auto")`` and the statistical single models: a series whose
values (after missing ones are interpolated) are all equal -- a product that sold 0 every month, a
sensor stuck at one reading -- is forecast as that constant, with an interval of zero width, and is
reported as such. It is kept out of the candidates' batch, so the other series' forecasts are exactly
what they would be without it (global candidates train across the batch; a constant series would
change them), and no scale of it (zero) ever divides anything.

The rule is the naive method with its own in-sample error as the band: for a constant that is the
constant and a zero-width band. After ``update`` brings values that move, the same rule forecasts
from the new end (the last value, a band from the in-sample naive error); the series is not
re-validated (``update`` never refits).

>>> y = np.full(5, 4.0)
>>> is_constant(y), constant_forecast(y, 2, (0.1, 0.5, 0.9))[0].tolist()
(True, [4.0, 4.0])
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from rnnkit.tasks.forecasting.metrics import mase_scale

__all__ = ["is_constant", "constant_values", "constant_forecast", "constant_note"]


def is_constant(y: np.ndarray) -> bool:
    """Every value equal (``y`` has no missing values: they were interpolated)."""
    y = np.asarray(y, dtype=float)
    return bool(y.size) and bool(np.ptp(y) == 0)


def constant_values(series: Sequence) -> dict[str, float]:
    """``{id: value}`` of the constant ones among ``series`` (objects with ``id`` and ``y``)."""
    return {s.id: float(s.y[-1]) for s in series if is_constant(s.y)}


def constant_forecast(y: np.ndarray, horizon: int, levels: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """``(point (H,), quantiles (H, Q))``: the last value, and quantiles from a normal error whose mean
    absolute size is the in-sample naive error (zero for a constant: a zero-width band), growing with
    ``sqrt(h)`` (the fallback band of :func:`.probabilistic.conformal_quantiles` without a period)."""
    from rnnkit.tasks.forecasting.probabilistic import conformal_quantiles

    y = np.asarray(y, dtype=float)
    point = np.full((1, horizon), y[-1])
    scale = mase_scale(y, 1)
    scale = scale if math.isfinite(scale) else 0.0
    q = conformal_quantiles(point, np.full((1, 0, horizon), np.nan), np.full((1, 0), np.nan), np.array([scale]),
                            levels, pooled=False, fallback_sd=math.sqrt(math.pi / 2))
    return point[0], q[0]


def constant_note(values: dict[str, float]) -> str:
    """The sentence the choice report adds: which series were constant and forecast as their constant."""
    shown = ", ".join(f"{sid!r} ({v:g})" for sid, v in list(values.items())[:5])
    more = f" and {len(values) - 5} more" if len(values) > 5 else ""
    return f"{len(values)} constant series forecast as their constant: {shown}{more}"
