"""rnnkit's recurrent :class:`~rnnkit.tasks.forecasting.Forecaster` as a candidate, through its public
``fit`` / ``predict`` / ``update`` API only.

``ForecasterCandidate(cell, mode="global")`` fits one network across the whole batch (an id column);
``mode="local"`` one network per series; ``lookback_ensemble=True``: a global fit of two or more series is
:class:`.network_ensemble.LookbackEnsemble` (one network per lookback candidate, the median of their
forecasts) instead of one network with a lookback chosen by validation. Series it cannot fit (too short for a lookback, horizon and
validation part; constant) are forecast by the seasonal naive, and counted in ``fallbacks_``.

For rolling-origin validation, :meth:`forecast_origins` fits once per origin on short data, and on long
data once at the earliest origin, reaching the later origins with ``update`` (the recurrent state
advances over the new points; no refit): one fit instead of one per origin
(:func:`.candidates.wants_refit`).

The Forecasters fitted for the final origin are kept: :meth:`ForecasterCandidate.forecast_fitted`
appends the new values of each series with ``update`` (the state advances; no refit) and predicts;
``save`` writes each with ``Forecaster.save`` in a subfolder (weights under digests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from rnnkit._validate import is_bool
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.forecasting.candidates import Candidate, SeriesInput, check_refit, fitted_lookup, wants_refit
from rnnkit.tasks.forecasting.network_ensemble import LookbackEnsemble
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

    kind = "forecaster"

    def __init__(self, cell: str = "lstm", mode: str = "global", name: str | None = None,
                 refit: bool | str = "auto", lookback_ensemble: bool = False, **settings: Any) -> None:
        if mode not in ("global", "local"):
            raise ConfigError(f"mode: expected 'global' or 'local', got {mode!r}")
        refit = check_refit(refit)
        if not is_bool(lookback_ensemble):
            raise ConfigError(f"lookback_ensemble: expected True or False, got {lookback_ensemble!r}")
        if lookback_ensemble and settings.get("lookback") is not None:
            raise ConfigError(f"lookback_ensemble: expected no fixed lookback (the members' lookbacks are the "
                              f"candidates), got lookback={settings['lookback']!r}")
        self.lookback_ensemble = bool(lookback_ensemble)
        self.cell, self.mode, self.options, self.refit = cell, mode, settings, refit
        self.name = name or cell
        self.is_global = mode == "global"
        self.fallbacks_: list[str] = []
        self._fits: list[tuple[Any, list[str]]] = []   # (Forecaster, its series ids) of the final origin
        self._y: dict[str, np.ndarray] = {}              # id -> the values the final fit has seen

    def settings(self) -> dict:
        extra = {"lookback_ensemble": True} if self.lookback_ensemble else {}   # saves before it read as before
        return {"cell": self.cell, "mode": self.mode, "name": self.name, "refit": self.refit, **extra, **self.options}

    def _save_state(self, directory: Path) -> tuple[dict, list[str]]:
        from rnnkit.tasks.forecasting.forecaster import CONFIG_FILE, WEIGHTS_FILE

        groups, files = [], []
        for k, (f, ids) in enumerate(self._fits):
            if isinstance(f, LookbackEnsemble):
                members = f.save(directory / f"fit_{k}")
                groups.append({"folder": f"fit_{k}", "ids": ids, "members": members})
                files += [f"fit_{k}/{m}/{name}" for m in members for name in (WEIGHTS_FILE, CONFIG_FILE)]
                continue
            f.save(directory / f"fit_{k}")
            groups.append({"folder": f"fit_{k}", "ids": ids})
            files += [f"fit_{k}/{WEIGHTS_FILE}", f"fit_{k}/{CONFIG_FILE}"]
        return {"fits": groups, "y": {k: v.tolist() for k, v in self._y.items()},
                "fallbacks": self.fallbacks_}, files

    def _load_state(self, directory: Path, state: dict) -> None:
        from rnnkit.tasks.forecasting.forecaster import Forecaster

        self._fits = [(LookbackEnsemble.load(directory / g["folder"], g["members"]) if "members" in g
                       else Forecaster.load(directory / g["folder"]), [str(i) for i in g["ids"]]) for g in state["fits"]]
        self._y = {str(k): np.asarray(v, dtype=float) for k, v in state["y"].items()}
        self.fallbacks_ = [str(i) for i in state["fallbacks"]]

    @classmethod
    def _from_settings(cls, directory: Path, settings: dict) -> "ForecasterCandidate":
        return cls(**settings)

    def describe(self) -> dict:
        extra = {"lookback_ensemble": True} if self.lookback_ensemble else {}
        return {"name": self.name, "global": self.is_global, "cell": self.cell, "settings": {**extra, **self.options},
                "fallbacks": list(self.fallbacks_)}

    def _forecaster(self, horizon: int, period: int):
        from rnnkit.tasks.forecasting.forecaster import Forecaster

        kw = dict(self.options)
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
        if back[-1] == 0:
            self._fits, self._y = [], {s.id: s.y.copy() for s in batch}
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
        if self.lookback_ensemble and self.is_global and len(usable) >= 2:
            kw = dict(self.options)
            kw.setdefault("period", period)
            f = LookbackEnsemble(self.cell, horizon, **kw)
        else:
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
            self._fill(f, f.predict(), [batch[i] for i in usable], usable, horizon, out[:, k])
        if back[-1] == 0:
            self._fits.append((f, [batch[i].id for i in usable]))

    def _fill(self, f, fc: pd.DataFrame, series: list[SeriesInput], rows: list[int], horizon: int,
              out: np.ndarray) -> None:
        """Copy the forecast frame ``fc`` of ``series`` into ``out[rows]``."""
        for s, i in zip(series, rows):
            key = str(s.id) if self.is_global else str(f.series_ids_[0])
            vals = fc.loc[fc["id"].astype(str) == key, "value"].to_numpy(dtype=float)[:horizon]
            if vals.size == horizon:
                out[i] = vals

    def forecast_fitted(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        """Forecasts from the ends of ``batch`` with the networks fitted by the last :meth:`forecast`:
        the values after those already seen are appended with ``Forecaster.update`` (the recurrent
        state advances; the stored forecasters move on with them), nothing is trained. A series must
        continue the one fitted (a DataError otherwise); fitted series that fell back to the seasonal
        naive do so again. Without a previous fit: :meth:`forecast`."""
        if not self._y:
            return self.forecast(batch, horizon)
        fitted_lookup(batch, list(self._y), self.name)
        for s in batch:
            old = self._y[s.id]
            if len(s) < old.size or not np.array_equal(s.y[: old.size], old):
                raise DataError(f"series {s.id!r}: expected the {old.size} values the candidate was fitted on, "
                                f"continued; got {len(s)} values that differ")
        out = np.full((len(batch), horizon), np.nan)
        pos = {s.id: i for i, s in enumerate(batch)}
        for f, ids in self._fits:
            mine = [batch[pos[i]] for i in ids if i in pos]
            if not mine:
                continue
            new = [s.y[self._y[s.id].size:] for s in mine]
            if any(v.size for v in new):
                grown = [(s, v) for s, v in zip(mine, new) if v.size]
                if self.is_global:
                    f.update(_frame([s for s, _ in grown], [self._y[s.id].size for s, _ in grown], [v for _, v in grown]))
                else:
                    f.update(grown[0][1])
                for s, _ in grown:
                    self._y[s.id] = s.y.copy()
            self._fill(f, f.predict(), mine, [pos[s.id] for s in mine], horizon, out)
        for i, s in enumerate(batch):
            if not np.isfinite(out[i]).all():
                out[i] = seasonal_naive_point(s.y, horizon, s.period)
        return out

    def _update(self, f, usable, batch, new, prev_back) -> None:
        if not self.is_global:
            f.update(new[0])
            return
        f.update(_frame([batch[i] for i in usable], [len(batch[i]) - prev_back for i in usable], new))
