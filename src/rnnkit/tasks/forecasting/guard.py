"""A wild last value: the series' last value moved more than :data:`WILD_RATIO` times the largest move
seen before it (moves: seasonal differences, or first differences for a series shorter than two seasons
and a bit). One point cannot tell an outlier (a typo, a unit slip, an incomplete last period) from a
level shift, and a trend model turns it into a steep trend that is wrong either way (ETS's damped trend
forecast 332 .. 959 after one value of 582 on a level of 50).

``model="auto"`` then hedges (:class:`.auto.AutoForecaster` through :func:`guard_batch`): every
candidate forecasts the series with the last value replaced by its expected value (the value a season
before plus the typical move), and the forecast is moved by half the jump -- halfway between the two
readings, so the error is half the jump whichever is true; the quantiles are widened outward by half
the jump, so the interval holds both paths. The report names the series.

The threshold leaves every real series of the benchmark alone: the largest ratio of the last move to
the largest earlier one over the 1,268 development and bundled series (mixed, short, fresh .. fresh4,
co2, elec) is 4.7 (/work/scratch/s8/F/scan_wild.py; docs/results_forecasting.md, session 8).

>>> y = np.r_[np.tile([1.0, 2.0, 3.0, 2.0], 6), 40.0]
>>> jump, expected = wild_last(y, 4)
>>> float(jump), float(expected)
(39.0, 1.0)
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["WILD_RATIO", "MIN_MOVES", "wild_last", "guard_batch", "widen"]

WILD_RATIO = 10.0   # the last move must exceed this many times the largest earlier move
MIN_MOVES = 8       # earlier moves needed to judge (fewer: no guard)


def wild_last(y: np.ndarray, period: int = 1) -> tuple[float, float]:
    """``(jump, expected)``: how far the last value lies from its expected value (the value ``m`` steps
    before plus the median earlier move; ``m`` the period when two seasons and two more fit, else 1),
    when that move exceeds :data:`WILD_RATIO` times the largest earlier deviation from the median move;
    ``(0.0, last value)`` otherwise."""
    y = np.asarray(y, dtype=float)
    n = y.size
    m = period if period > 1 and n >= 2 * period + 2 else 1
    moves = y[m:] - y[:-m]
    if moves.size < MIN_MOVES + 1:
        return 0.0, float(y[-1]) if n else 0.0
    earlier, center = moves[:-1], float(np.median(moves[:-1]))
    spread = float(np.max(np.abs(earlier - center)))
    deviation = moves[-1] - center
    floor = 1e-9 * max(float(np.mean(np.abs(y))), 1e-300)          # rounding noise on an exact line
    if abs(deviation) <= max(WILD_RATIO * spread, floor):
        return 0.0, float(y[-1])
    expected = float(y[-1 - m] + center)
    return float(y[-1] - expected), expected


def guard_batch(batch: Sequence) -> tuple[list, np.ndarray]:
    """The batch with each wild last value (:func:`wild_last`) replaced by its expected value, and the
    jumps ``(S,)`` (0 where none). ``batch``: :class:`.candidates.SeriesInput` objects."""
    from dataclasses import replace

    out, jumps = [], np.zeros(len(batch))
    for i, s in enumerate(batch):
        jump, expected = wild_last(s.y, s.period)
        if jump:
            y = s.y.copy()
            y[-1] = expected
            s = replace(s, y=y)
            jumps[i] = jump
        out.append(s)
    return out, jumps


def widen(quantiles: np.ndarray, levels: Sequence[float], jumps: np.ndarray) -> np.ndarray:
    """``quantiles`` ``(S, H, Q)`` moved outward by half of each series' ``|jump|`` (below the median
    down, above it up): the interval holds the outlier reading and the level-shift reading."""
    side = np.sign(np.asarray(levels, dtype=float) - 0.5)
    return quantiles + np.abs(jumps)[:, None, None] / 2 * side[None, None, :]
