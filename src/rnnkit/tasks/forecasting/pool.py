"""The pool auto chooses from (:func:`combination_pool`), how a member of it forecasts (:func:`_combine`) and
the choice (:func:`select`); :mod:`.auto` uses them (they lived there, and it re-exports them).

The median of all candidates at a validation window: a network too short to fit a series at a window but
fitted at the final origin leaves that window unscored (:mod:`.validated`), and the median over all
candidates was then unscored too. On a short series (M3 yearly, 14 values, horizon 6: one window) the median
had no validation score, so the margin rule (:mod:`.alone`) could not weigh the choice against it and kept
the choice whole, made on one window. ``partial=True`` (``AutoForecaster(partial_median=True)``): the median
of the members that forecast the window, as at the final origin, where every member forecasts. A mean of
several members stays unscored where one of them is. Off by default: its pre-registered check (session 14; 277
unseen M3/tourism series, fresh14 + fresh15) gave -1.7% mean MASE alone (beating seasonal naive 182 -> 190, over
1.5x the best baseline 61 -> 55) but +0.03% on the global runs, where the rule asked no loss
(docs/results_forecasting.md).
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Sequence

import numpy as np

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.validation import ValidationSet, _nanmean

__all__ = ["SELECTIONS", "combination_pool", "select"]

SELECTIONS = ("champion", "pooled", "shrunk")


def combination_pool(names: Sequence[str], exclude: Sequence[str] = ()) -> dict[str, tuple[str, ...]]:
    """Every candidate alone, the equal-weight mean of every subset of two or more (named ``a+b``), and
    the median of all (``median(a,b,c)``) when there are three or more. Names in ``exclude`` enter
    only alone (e.g. the naive methods, kept as the fallback)."""
    names = list(names)
    members = [n for n in names if n not in exclude]
    pool: dict[str, tuple[str, ...]] = {n: (n,) for n in names}
    for r in range(2, len(members) + 1):
        for combo in itertools.combinations(members, r):
            pool["+".join(combo)] = combo
    if len(members) >= 3:
        pool[f"median({','.join(members)})"] = tuple(members)
    return pool


def _combine(forecasts: dict[str, np.ndarray], name: str, members: tuple[str, ...], partial: bool = False) -> np.ndarray:
    """The equal-weight mean of ``members`` (NaN where one is NaN) or, for ``median(...)``, their median;
    ``partial``: the median of the members that forecast that value (NaN only where none did)."""
    stack = np.stack([forecasts[m] for m in members])
    if not name.startswith("median("):
        return stack.mean(axis=0)
    if not partial:
        return np.median(stack, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)          # "All-NaN slice": no member forecast it
        return np.nanmedian(stack, axis=0)


def _median_of(forecasts: dict[str, np.ndarray], members: Sequence[str], partial: bool = False) -> np.ndarray:
    return _combine(forecasts, f"median({','.join(members)})", tuple(members), partial)


def select(vset: ValidationSet, pool: dict[str, tuple[str, ...]], selection: str = "pooled",
           shrink: float = 2.0, default: str | None = None, margin: float = 0.1, partial: bool = False
           ) -> tuple[list[str], dict[str, float]]:
    """The chosen member of ``pool`` per series, and every member's pooled validation MASE.

    ``"champion"``: ``default`` (the equal-weight mean of every candidate) for all series unless another
    member's mean validation MASE is more than ``margin`` below it: a combination of diverse methods is
    the safe prior, and a few validation windows must show a clear gain to leave it.
    ``"pooled"``: one member for all series (lowest mean validation MASE over all series and origins).
    ``"shrunk"``: per series, the lowest ``(K_i·own + shrink·pooled) / (K_i + shrink)`` where ``own`` is
    the member's mean over the series' ``K_i`` origins. Series without any validation origin take the
    pooled choice, or ``default`` if nothing could be validated at all. ``partial``: see :func:`_combine`."""
    if selection not in SELECTIONS:
        raise ConfigError(f"selection: expected one of {list(SELECTIONS)}, got {selection!r}")
    names = list(pool)
    # per member: (S, K) errors
    errs = np.stack([vset.errors(_combine(vset.val, n, pool[n], partial)) for n in names])      # (P, S, K)
    pooled = _nanmean(errs.reshape(len(names), -1), axis=1)                               # (P,)
    scores = {n: float(v) for n, v in zip(names, pooled)}
    if not np.isfinite(pooled).any():
        fallback = default if default in pool else names[0]
        return [fallback] * len(vset.ids), scores
    best_pooled = names[int(np.nanargmin(pooled))]
    if selection == "pooled":
        return [best_pooled] * len(vset.ids), scores
    if selection == "champion":
        champ = default if default in pool and math.isfinite(scores[default]) else best_pooled
        pick = best_pooled if scores[best_pooled] < (1 - margin) * scores[champ] else champ
        return [pick] * len(vset.ids), scores
    own = _nanmean(errs, axis=2)                                                          # (P, S)
    k = np.isfinite(errs).sum(axis=2)                                                     # (P, S)
    shrunk = np.where(k > 0, (k * np.nan_to_num(own) + shrink * pooled[:, None]) / (k + shrink), pooled[:, None])
    shrunk = np.where(np.isfinite(shrunk), shrunk, np.inf)
    return [names[int(np.argmin(shrunk[:, i]))] for i in range(len(vset.ids))], scores
