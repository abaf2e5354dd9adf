"""Count series are forecast at or above zero: the point, the interval and every quantile floored at 0.

An intermittent count series (units sold a day: whole numbers, many days 0) got interval bands, quantiles and
sometimes point forecasts below 0 from ETS, Theta, the networks and their combinations: values the series can
never take. For a series whose every observed value is a whole number >= 0 and at least one is 0 (counts whose
floor is in reach, not a level far from it), the forecast frame's ``value``, ``lower``, ``upper`` and ``q<level>``
columns are ``max(x, 0)``: the quantiles of the same forecast distribution censored at 0, the distribution of
``max(Y, 0)``, since such a series cannot fall below 0. It never makes a forecast worse for values that are
>= 0: the absolute error ``|y - max(f, 0)| <= |y - f|`` and the pinball loss of ``max(q, 0)`` at most that of
``q`` for every level. Other series (a temperature, a profit, a price of 12.5) are left as forecast -- a
negative value may be real there, and nothing says otherwise. The ids floored are listed in the frame's
``attrs["floored_at_zero"]``.

>>> import pandas as pd
>>> fc = pd.DataFrame({"id": ["a", "a"], "value": [0.4, -0.1], "lower": [-1.2, -1.9], "upper": [2.0, 1.7]})
>>> class S: id, y, observed = "a", np.array([0., 3., 0., 1.]), np.ones(4, bool)
>>> floor_counts(fc, [S()])[["value", "lower", "upper"]].to_numpy().tolist()
[[0.4, 0.0, 2.0], [0.0, 0.0, 1.7]]
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

__all__ = ["is_count_history", "floor_counts"]


def is_count_history(y: np.ndarray, observed: np.ndarray | None = None) -> bool:
    """Whether the observed values of ``y`` (``observed``: True where given, not interpolated) are whole numbers
    >= 0 with at least one 0."""
    v = np.asarray(y, dtype=float)
    if observed is not None:
        v = v[np.asarray(observed, dtype=bool)]
    v = v[np.isfinite(v)]
    return bool(v.size) and bool((v >= 0).all()) and bool((v == np.floor(v)).all()) and bool((v == 0).any())


def floor_counts(frame: pd.DataFrame, fitted: Sequence[Any]) -> pd.DataFrame:
    """``frame`` (a forecast: ``id``, ``value``, ``lower``, ``upper``, ``q<level>`` columns) with the rows of the
    ``fitted`` series (``id``, ``y``, ``observed``) that are counts (:func:`is_count_history`) floored at 0; NaN
    (no interval) stays NaN. A copy; ``attrs["floored_at_zero"]`` lists the ids floored (``[]``: none)."""
    ids = sorted(str(s.id) for s in fitted if is_count_history(s.y, getattr(s, "observed", None)))
    out = frame.copy()
    out.attrs["floored_at_zero"] = ids
    if not ids or not len(out):
        return out
    cols = [c for c in out.columns if c in ("value", "lower", "upper") or (isinstance(c, str) and c[:1] == "q"
                                                                             and c[1:2].isdigit())]
    rows = out["id"].astype(str).isin(ids).to_numpy()
    for c in cols:
        v = out[c].to_numpy(dtype=float, copy=True)
        v[rows] = np.where(np.isnan(v[rows]), np.nan, np.maximum(v[rows], 0.0))
        out[c] = v
    return out
