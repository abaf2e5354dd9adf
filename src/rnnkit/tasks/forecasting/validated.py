"""Auto scores only what it forecasts: a candidate that could not fit a series at a validation origin
(a network on too few values) forecasts the seasonal naive there, and when it fits at the final origin
the forecast is not what those windows scored.

Found on a daily series constant at 5 but for one spike (40 values, horizon 7): the LSTM was too short
to fit at both validation origins, so its windows scored the seasonal naive's exact 5s ("lstm: validation
MASE 0.000"); the LSTM fitted on all 40 values won and forecast 4.0 .. 6.4 around the 5 it never
forecast in validation (and the seasonal naive itself is a baseline auto never chooses). Such windows
are left unscored (NaN) for that candidate and series, as windows a series is too short for are: the
choice rests on the windows where the candidate forecast as itself.

>>> import numpy as np
>>> from rnnkit.tasks.forecasting.candidates import SeriesInput
>>> s = SeriesInput("s", np.array([1.0, 3, 2, 5, 4, 6]))
>>> raw = {"net": np.array([[[2.0], [5.0], [9.0]]])}          # origins 3, 4 (the naive's) and 6 (its own)
>>> fallback_origins(raw, [s], 1, [3, 2, 0])["net"].tolist()
[[True, True, False]]
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from rnnkit.tasks.forecasting.auto_report import HEDGE
from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.constants import is_constant
from rnnkit.tasks.forecasting.statistical import seasonal_naive_point

__all__ = ["fallback_origins", "unvalidated"]


def fallback_origins(raw: dict[str, np.ndarray], batch: Sequence[SeriesInput], horizon: int,
                     back: Sequence[int]) -> dict[str, np.ndarray]:
    """Per candidate (but the seasonal naive itself), ``(S, len(back))``: True where its forecast ``raw[name]``
    ``(S, len(back), H)`` from the origin ``len(s) - b`` is exactly the seasonal naive of a series not
    constant up to there (every candidate forecasts a constant as itself)."""
    naive = np.full((len(batch), len(back), horizon), np.nan)
    for i, s in enumerate(batch):
        for k, b in enumerate(back):
            o = len(s) - b
            if o >= 2 and not is_constant(s.y[:o]):
                naive[i, k] = seasonal_naive_point(s.y[:o], horizon, s.period)
    return {name: (f == naive).all(axis=2) for name, f in raw.items() if name != HEDGE}


def unvalidated(fell: np.ndarray, lo: int, K: int) -> np.ndarray:
    """``(S, K)``: the validation origins ``lo .. lo+K-1`` where the candidate fell back while at the final
    origin ``lo+K`` it did not (``fell``: its :func:`fallback_origins`)."""
    return fell[:, lo:lo + K] & ~fell[:, [lo + K]]
