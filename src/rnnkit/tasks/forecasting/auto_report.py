"""What :class:`.auto.AutoForecaster` says about its choice (``report_``): what won and by how much, the
candidates that fell back to the seasonal naive on a series they could not fit, and the series that are
constant (forecast as their constant by every candidate: not "too short", they have no scale to validate on)."""

from __future__ import annotations

import math

import numpy as np

from rnnkit.tasks.forecasting.constants import constant_note
from rnnkit.tasks.forecasting.validation import ValidationSet

__all__ = ["HEDGE"]

HEDGE = "seasonal_naive"   # what a series' forecast is hedged with (``AutoForecaster(hedge=True)``)


def _constant(vset: ValidationSet) -> np.ndarray:
    """Per series: constant up to the final origin (a validation set saved before session 11 does not say: none)."""
    return np.zeros(len(vset.ids), dtype=bool) if vset.constant is None else np.asarray(vset.constant, dtype=bool)


def _fallbacks(vset: ValidationSet, members: list[tuple[str, ...]]) -> dict[str, list[str]]:
    """Per member of a chosen combination, the series whose final forecast it made is exactly the seasonal
    naive's: a candidate that cannot fit a series (a network on a series too short for its windows) falls
    back to it, and the choice must not pass that off as the network's forecast. A constant series is not
    a fallback (every candidate forecasts its constant)."""
    out: dict[str, list[str]] = {}
    const = _constant(vset)
    for i, mem in enumerate(members):
        for m in mem:
            if m == HEDGE or const[i]:
                continue
            if vset.fell is not None and m in vset.fell:   # known where it was made (even without the naive)
                fell = bool(vset.fell[m][i])
            else:
                fell = HEDGE in vset.final and np.array_equal(vset.final[m][i], vset.final[HEDGE][i])
            if fell:
                out.setdefault(m, []).append(vset.ids[i])
    return out


def _fallback_note(fell: dict[str, list[str]], n_series: int) -> str:
    return "".join(f"; {m} forecast {len(ids)} of {n_series} series as the {HEDGE} (it could not fit them: too short)"
                   for m, ids in fell.items())


def _report(chosen: list[str], scores: dict[str, float], pool: dict, vset: ValidationSet, default: str,
            baselines: dict[str, float]) -> dict:
    ranked = sorted(((v, n) for n, v in scores.items() if math.isfinite(v)))
    counts: dict[str, int] = {}
    for c in chosen:
        counts[c] = counts.get(c, 0) + 1
    top = max(counts, key=counts.get)
    s_top, s_def = scores.get(top, math.nan), scores.get(default, math.nan)
    const = _constant(vset)
    any_final = next(iter(vset.final.values()))
    values = {vset.ids[i]: float(any_final[i][-1]) for i in np.flatnonzero(const)}
    if values and const.all():       # what Forecaster("auto") says of a constant series (.constants)
        top, why = "constant", constant_note(values) + " (no validation window: a constant has no scale)"
    elif not math.isfinite(s_top):
        why = f"{top}: no validation window (series too short), the default"
    elif top == default:   # one candidate (a single method): its own name, not "the mean of all"
        what = " (the mean of all candidates)" if len(pool.get(default, ())) > 1 else " (the only candidate)"
        why = f"{top}{what}: validation MASE {s_top:.3f}"
        if ranked and ranked[0][1] != top:
            why += f"; the best alternative {ranked[0][1]} {ranked[0][0]:.3f} is not clearly better"
    else:
        why = f"{top}: validation MASE {s_top:.3f}"
        if math.isfinite(s_def):
            why += f", {100 * (1 - s_top / s_def):.0f}% below the mean of all candidates ({s_def:.3f})"
    if values and not const.all():
        why += "; " + constant_note(values)
    n_windows = int(np.isfinite(vset.scale).sum())
    return {"chosen": top, "chosen_per_series": counts, "why": why, "validation_windows": n_windows,
            "validation_mase": {n: round(v, 4) for v, n in ranked},
            "baselines_validation_mase": {n: round(float(v), 4) for n, v in baselines.items()},
            "members": {c: list(pool[c]) for c in counts}} | ({"constant_series": values} if values else {})
