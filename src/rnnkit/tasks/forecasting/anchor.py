"""How far a series choosing alone leans on ETS+Theta (``AutoForecaster(alone_anchor=True)``, session 12, helper F):
its forecast (the choice blended toward the median, hedged) moves toward the mean of ETS's and Theta's by the weight
``min(1, sqrt(horizon / length))``, ``length`` the values its final forecast comes from.

A lone series' choice rests on its own few validation windows: the fewer values it has per step to forecast, the
less they say, and the more its forecast should be the plain statistical pair that is hard to beat on short
series (the M3/tourism lesson). A series one horizon long takes ETS+Theta; four horizons long, half of it; a long
series (co2: 2,200 weeks, horizon 52) about a seventh. Several series choosing together are left alone (their
pooled windows are better evidence), as is a series without both members.

Off by default (``alone_anchor=False``): developed on the rows of sessions 10-11 (fresh6..9 alone, mixed dev and
holdout; all seen, each series alone): mean MASE against the default -0.5% / -4.3% / +0.0% / -2.8% on fresh6..9
(-1.8% pooled), +3.2% / +4.5% on mixed dev / holdout, series worse than 1.5x the best baseline 138 -> 130,
beating seasonal naive 554 -> 566 of 786. Pre-registered and checked once on fresh10 + fresh11 (360 unseen M3/tourism
series alone): mean MASE 1.635 -> 1.632 (-0.2%; the rule asked <= -2%), beating seasonal naive 231 -> 231, worse
than 1.5x the best baseline 92 -> 86: rejected (docs/results_forecasting.md, session 12).

>>> import numpy as np
>>> f = {"ets": np.zeros((1, 4)), "theta": np.full((1, 4), 2.0)}
>>> out, w = anchored(np.full((1, 4), 5.0), f, [16], 4)
>>> out.tolist(), w
([[3.0, 3.0, 3.0, 3.0]], [0.5])
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from rnnkit.errors import ConfigError

__all__ = ["ANCHOR", "anchor_weight", "anchored", "anchor_note"]

ANCHOR = ("ets", "theta")   # what a lone series leans on: the mean of these


def anchor_weight(length: int, horizon: int) -> float:
    """``min(1, sqrt(horizon / length))``: the weight of :data:`ANCHOR`'s mean for a series of ``length`` values."""
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
        raise ConfigError(f"lengths: expected positive integers, got {length!r}")
    return min(1.0, math.sqrt(horizon / int(length)))


def anchored(point: np.ndarray, forecasts: dict[str, np.ndarray], lengths: Sequence[int] | None,
             horizon: int) -> tuple[np.ndarray, list[float]]:
    """``point`` ``(1, H)`` (one series) moved toward the mean of :data:`ANCHOR` in ``forecasts`` by
    :func:`anchor_weight`, and the weight per series; unchanged (weight 0) without both members."""
    if lengths is None or len(lengths) != len(point):
        raise ConfigError(f"lengths: expected one length per series ({len(point)}) for alone_anchor, got {lengths!r}")
    if not all(n in forecasts for n in ANCHOR):
        return point, [0.0] * len(point)
    w = np.array([anchor_weight(n, horizon) for n in lengths])
    ref = np.mean([forecasts[n] for n in ANCHOR], axis=0)
    return (1 - w[:, None]) * point + w[:, None] * ref, [round(float(x), 4) for x in w]


def anchor_note(weights: list[float]) -> str:
    """The sentence the choice report adds (empty when nothing moved)."""
    w = max(weights, default=0.0)
    return (f"; moved {100 * w:.0f}% toward {'+'.join(ANCHOR)} (a series alone: sqrt(horizon / length) of its "
            "forecast leans on the statistical pair)") if w > 0 else ""
