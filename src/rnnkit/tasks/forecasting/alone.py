"""How far :class:`.auto.AutoForecaster` moves its choice toward the median of all candidates: the margin rule
of a choice made over several series (``median_margin``) and of a series choosing alone (``alone_margin``).

A choice whose validation MASE is ``m = 1 - score(choice) / score(median)`` below the median of all candidates
keeps the weight ``min(1, m / margin)`` and gives the rest to the median (:func:`margin_weight`).

Several series (``median_margin=0.15``, session 10, helper F): a group's pooled windows are good evidence; a
margin of 15% keeps a choice whole. Two regimes (docs/results_forecasting.md, session 10): where a trend
combination validates far better than the median (M1 yearly: 14-18% over 90 series) it wins on the tails by
12-21%; where the margin is a few percent (most M3/tourism groups) the median has fewer series worse than 1.5x
the best baseline and wins the mean about as often. Developed on 1,434 series (fresh .. fresh5, short
dev/holdout), checked once on fresh6 (204 unseen series, pre-registered): series worse than 1.5x the best
baseline 42 -> 35, beating seasonal naive 69% -> 72%, mean MASE +0.5%.

One series (``alone_margin=1.0``, session 10, helper F3): the choice among the candidates and their 15
combinations on a series' own two windows is mostly selection noise (on 384 M3/tourism series run alone, fresh6
and fresh7, it was +9.7% / +11.5% against ETS+Theta in mean MASE and beat seasonal naive on 56% / 59%): the
choice keeps a weight equal to its margin. Developed on mixed dev/holdout and fresh6/fresh7 alone, pre-registered
and checked once on fresh8 (180 unseen series, each alone): mean MASE 1.850 -> 1.601 (ETS+Theta 1.634), beating
seasonal naive 61% -> 64%, series worse than 1.5x the best baseline 39 -> 29. Its cost: on the 17 classic series
of mixed dev, where the choice alone did best, -28.8% -> -11.9% against the best of ETS/Theta/ETS+Theta
(docs/results_forecasting.md, session 10)."""

from __future__ import annotations

import math

from rnnkit._validate import is_real
from rnnkit.errors import ConfigError

__all__ = ["check_margin", "margin_weight"]


def check_margin(name: str, value) -> float | None:
    """``value`` as a float, or ``None`` (the rule off); anything but a positive finite number is refused."""
    if value is None:
        return None
    if not is_real(value) or not 0 < value < math.inf:
        raise ConfigError(f"{name}: expected a positive number or None, got {value!r}")
    return float(value)


def margin_weight(choice: float, median: float, margin: float) -> float:
    """The weight moved from a choice with validation MASE ``choice`` to the median of all candidates (validation
    MASE ``median``): ``1 - min(1, m / margin)`` with ``m = 1 - choice / median`` (0 when a score is not finite
    or the median's is not positive)."""
    if not (math.isfinite(choice) and math.isfinite(median)) or median <= 0:
        return 0.0
    return 1 - min(1.0, max(0.0, (1 - choice / median) / margin))
