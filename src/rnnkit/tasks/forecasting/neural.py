"""rnnkit's recurrent :class:`~rnnkit.tasks.forecasting.Forecaster` as a candidate, through its public
``fit`` / ``predict`` / ``update`` API only.

``ForecasterCandidate(cell, mode="global")`` fits one network across the whole batch (an id column);
``mode="local"`` one network per series. Series it cannot fit (too short for a lookback, horizon and
validation part; constant) are forecast by the seasonal naive, and counted in ``fallbacks_``.

For rolling-origin validation, :meth:`forecast_origins` fits once per origin on short data, and on long
data once at the earliest origin, reaching the later origins with ``update`` (the recurrent state
advances over the new points; no refit): one fit instead of one per origin
(:func:`.candidates.wants_refit`).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.forecasting.candidates import Candidate, SeriesInput, check_refit, wants_refit
from rnnkit.tasks.forecasting.statistical import seasonal_naive_point

__all__ = ["ForecasterCandidate"]


def _times(s: SeriesInput, start: int, n: int) -> pd.Index:
    """Timestamps of positions ``start .. start + n - 1`` of ``s``; a series without dates gets nominal
    daily ones (the Forecaster's streaming ``update`` needs timestamps with an id column; the period is
    passed explicitly, so the nominal calendar is never used for detection)."""
    if isinstance(s.index, pd.DatetimeIndex) and s.index.freq is not None:
        return pd.date_range(s.index[0], periods=start + n, freq=s.index.freq)[start:]
    return pd.date_range("2000-01-01", periods=start + n, freq="D")[start:]


def _frame(batch: Sequence[SeriesInput], start: Sequence[int] | None = None,
           values: Sequence[np.ndarray] | None = None) -> pd.DataFrame:
    """A long frame ``id, time, y`` (the whole series, or ``values`` placed from ``start``)."""
    parts = []
    for j, s in enumerate(batch):
        y = s.y if values is None else values[j]
        t0 = 0 if start is None else start[j]
        parts.append(pd.DataFrame({"id": s.id, "time": _times(s, t0, y.size), "y": y}))
    return pd.concat(parts, ignore_index=True)


class ForecasterCandidate(Candidate):
    """The default recurrent forecaster (``Forecaster(cell, **settings)``) as a candidate."""

    def __init__(self, cell: str = "lstm", mode: str = "global", name: str | None = None,
                 refit: bool | str = "auto", **settings: Any) -> None:
        if mode not in ("global", "local"):
            raise ConfigError(f"mode: expected 'global' or 'local', got {mode!r}")
        check_refit(refit)
        self.cell, self.mode, self.settings, self.refit = cell, mode, settings, refit
        self.name = name or cell
        self.is_global = mode == "global"
        self.fallbacks_: list[str] = []

    def describe(self) -> dict:
        return {"name": self.name, "global": self.is_global, "cell": self.cell, "settings": dict(self.settings),
                "fallbacks": list(self.fallbacks_)}

    def _forecaster(self, horizon: int, period: int):
        from rnnkit.tasks.forecasting.forecaster import Forecaster

        kw = dict(self.settings)
        kw.setdefault("period", period)
        return Forecaster(self.cell, horizon=horizon, **kw)

    def forecast(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        return self.forecast_origins(batch, horizon, [0])[:, 0]

    def forecast_origins(self, batch: Sequence[SeriesInput], horizon: int, back: Sequence[int]) -> np.ndarray:
        """Forecasts from the origins ``len(s) - b`` for each ``b`` in ``back`` (decreasing: earliest
        first, e.g. ``[2h, h, 0]``): ``(len(batch), len(back), horizon)``. One fit per origin, or (long
        series, see :func:`.candidates.wants_refit`) one at the earliest origin, the later ones reached
        with ``update``."""
        back = list(back)
        if back != sorted(back, reverse=True) or back[-1] < 0:
            raise ConfigError(f"back: expected decreasing non-negative offsets, got {back}")
        self.fallbacks_ = []
        if wants_refit(self.refit, batch):
            return np.concatenate([self._forecast_path(batch, horizon, [b]) for b in back], axis=1)
        return self._forecast_path(batch, horizon, back)

    def _forecast_path(self, batch: Sequence[SeriesInput], horizon: int, back: list[int]) -> np.ndarray:
        out = np.full((len(batch), len(back), horizon), np.nan)
        groups = [list(range(len(batch)))] if self.is_global else [[i] for i in range(len(batch))]
        for group in groups:
            self._fit_group(batch, group, horizon, back, out)
        for i, s in enumerate(batch):         # whatever could not be forecast: seasonal naive
            for k, b in enumerate(back):
                if not np.isfinite(out[i, k]).all() and len(s) - b >= 2:
                    out[i, k] = seasonal_naive_point(s.y[: len(s) - b], horizon, s.period)
        return out

    def _fit_group(self, batch, group, horizon, back, out) -> None:
        b0 = back[0]
        usable = [i for i in group if len(batch[i]) - b0 >= 3 and np.ptp(batch[i].y[: len(batch[i]) - b0]) > 0]
        self.fallbacks_ += [batch[i].id for i in group if i not in usable]
        if not usable:
            return
        periods = [batch[i].period for i in usable]
        period = max(set(periods), key=periods.count)
        f = self._forecaster(horizon, period)
        heads = [batch[i].head(len(batch[i]) - b0) for i in usable]
        try:
            if self.is_global:
                f.fit(_frame(heads), target="y", time_col="time", id_col="id")
            else:
                f.fit(heads[0].to_series())
        except DataError:
            self.fallbacks_ += [batch[i].id for i in usable]
            return
        for k, b in enumerate(back):
            if k:
                step = back[k - 1] - b
                new = [batch[i].y[len(batch[i]) - back[k - 1]: len(batch[i]) - b] for i in usable]
                if step:
                    self._update(f, usable, batch, new, back[k - 1])
            fc = f.predict()
            for j, i in enumerate(usable):
                key = str(batch[i].id) if self.is_global else heads[0].id
                vals = fc.loc[fc["id"].astype(str) == key, "value"].to_numpy(dtype=float)
                if vals.size == horizon:
                    out[i, k] = vals

    def _update(self, f, usable, batch, new, prev_back) -> None:
        if not self.is_global:
            f.update(new[0])
            return
        f.update(_frame([batch[i] for i in usable], [len(batch[i]) - prev_back for i in usable], new))
