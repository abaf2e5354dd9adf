"""The interface every forecasting candidate implements, so that validation, combination and backtests
never know a concrete model.

A candidate forecasts a *batch* of series at once: local models (ETS, Theta, naive) loop over it, global
models (a recurrent network trained across all the series given, the ES-RNN hybrid) fit once on the
whole batch. Each series is a :class:`SeriesInput`: its values, seasonal period and time index. The
same call serves every rolling origin: the caller truncates the inputs with :meth:`SeriesInput.head`.

>>> import numpy as np
>>> s = SeriesInput("a", np.array([1.0, 2.0, 3.0, 4.0]), period=1)
>>> LocalCandidate("last", lambda y, h, m: np.full(h, y[-1])).forecast([s.head(3)], 2).tolist()
[[3.0, 3.0]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from rnnkit.errors import ConfigError, DataError

__all__ = ["SeriesInput", "Candidate", "LocalCandidate", "PerSeries", "as_inputs", "origin_forecasts",
           "REFIT_BELOW", "wants_refit", "check_refit"]


@dataclass(frozen=True)
class SeriesInput:
    """One series handed to a candidate: ``y`` (no missing values), its seasonal ``period`` (1: none)
    and time ``index`` (a ``DatetimeIndex`` with a frequency, or integer steps)."""

    id: str
    y: np.ndarray
    period: int = 1
    index: pd.Index | None = field(default=None, compare=False)
    static: dict | None = field(default=None, compare=False)   # static covariates (name -> number)

    def __post_init__(self) -> None:
        y = np.asarray(self.y, dtype=float)
        if y.ndim != 1 or y.size < 2:
            raise DataError(f"series {self.id!r}: expected a 1-D series of at least 2 values, got shape {y.shape}")
        if not np.isfinite(y).all():
            raise DataError(f"series {self.id!r}: expected no missing values (interpolate first), got NaN")
        if not isinstance(self.period, (int, np.integer)) or isinstance(self.period, bool) or self.period < 1:
            raise ConfigError(f"period: expected a positive int, got {self.period!r}")
        object.__setattr__(self, "y", y)
        if self.index is None:
            object.__setattr__(self, "index", pd.RangeIndex(y.size))
        elif len(self.index) != y.size:
            raise DataError(f"series {self.id!r}: expected an index of length {y.size}, got {len(self.index)}")

    def __len__(self) -> int:
        return self.y.size

    def head(self, n: int) -> "SeriesInput":
        """The first ``n`` values (a rolling origin at ``n``)."""
        return SeriesInput(self.id, self.y[:n], self.period, self.index[:n], self.static)

    def to_series(self) -> pd.Series:
        return pd.Series(self.y, index=self.index, name=self.id)


class Candidate:
    """A forecasting method: ``forecast(batch, horizon) -> array (len(batch), horizon)``.

    ``is_global``: fitted once across the batch (a network), so its forecasts of one series depend on
    the others; local candidates fit each series alone. ``min_length(horizon, period)``: the shortest
    series it can forecast (shorter ones are forecast by the fallback of the caller)."""

    name: str = "candidate"
    is_global: bool = False

    def forecast(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def min_length(self, horizon: int, period: int) -> int:
        return 2

    def describe(self) -> dict:
        return {"name": self.name, "global": self.is_global}


class LocalCandidate(Candidate):
    """A per-series method ``fn(y, horizon, period) -> point forecast`` as a candidate. Forecasts that
    are not finite (a failed fit) fall back to the seasonal naive of the series."""

    def __init__(self, name: str, fn: Callable[[np.ndarray, int, int], np.ndarray], min_len: int = 2) -> None:
        self.name, self.fn, self._min_len = name, fn, min_len

    def min_length(self, horizon: int, period: int) -> int:
        return self._min_len

    def forecast(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        from rnnkit.tasks.forecasting.baselines import seasonal_naive

        out = np.empty((len(batch), horizon))
        for i, s in enumerate(batch):
            f = np.asarray(self.fn(s.y, horizon, s.period), dtype=float).ravel()
            if f.shape != (horizon,) or not np.isfinite(f).all():
                f = seasonal_naive(s.y, horizon, s.period)[0]
            out[i] = f
        return out


REFIT_BELOW = 300   # refit="auto": one fit per origin when the longest series is shorter than this


def check_refit(refit) -> None:
    if refit not in (True, False, "auto"):
        raise ConfigError(f"refit: expected True, False or 'auto', got {refit!r}")


def wants_refit(refit: bool | str, batch: Sequence[SeriesInput]) -> bool:
    """Whether a network gets one fit per rolling origin (``True``), or one fit at the earliest origin
    that then runs on over the later values (``False``; its state advances, no refit), or ``"auto"``:
    one per origin when the longest series has fewer than :data:`REFIT_BELOW` values (there the last
    windows are a large part of the data, and fits are cheap; for long series the fit before them
    forecasts as well, for a fraction of the time)."""
    check_refit(refit)
    return refit is True or (refit == "auto" and max(len(s) for s in batch) < REFIT_BELOW)


class PerSeries(Candidate):
    """A global candidate run on one series at a time (one fit per series), e.g. to compare with local
    methods series by series."""

    is_global = False

    def __init__(self, inner: Candidate) -> None:
        self.inner, self.name = inner, inner.name

    def min_length(self, horizon: int, period: int) -> int:
        return self.inner.min_length(horizon, period)

    def describe(self) -> dict:
        return {**self.inner.describe(), "global": False, "per_series": True}

    def forecast(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        return np.concatenate([self.inner.forecast([s], horizon) for s in batch])

    def forecast_origins(self, batch: Sequence[SeriesInput], horizon: int, back: Sequence[int]) -> np.ndarray:
        return np.concatenate([origin_forecasts(self.inner, [s], horizon, back) for s in batch])


def origin_forecasts(cand: Candidate, batch: Sequence[SeriesInput], horizon: int, back: Sequence[int]) -> np.ndarray:
    """``(S, len(back), H)`` forecasts of ``cand`` from the origins ``len(s) - b``: its own
    ``forecast_origins`` when it has one (e.g. one fit reaching later origins by streaming updates),
    else one ``forecast`` call per origin on the series long enough for it (NaN for the others)."""
    if hasattr(cand, "forecast_origins"):
        return cand.forecast_origins(batch, horizon, list(back))
    out = np.full((len(batch), len(back), horizon), np.nan)
    for k, b in enumerate(back):
        idx = [i for i, s in enumerate(batch) if len(s) - b >= max(2, cand.min_length(horizon, s.period))]
        if idx:
            out[idx, k] = cand.forecast([batch[i].head(len(batch[i]) - b) for i in idx], horizon)
    return out


def as_inputs(data: Sequence[SeriesInput] | SeriesInput) -> list[SeriesInput]:
    """A batch from one series or a sequence of them (ids must be unique)."""
    batch = [data] if isinstance(data, SeriesInput) else list(data)
    if not batch or not all(isinstance(s, SeriesInput) for s in batch):
        raise ConfigError("series: expected SeriesInput objects, got "
                          + (type(batch[0]).__name__ if batch else "none"))
    ids = [s.id for s in batch]
    if len(set(ids)) != len(ids):
        raise DataError("series: expected unique ids, got duplicates")
    return batch
