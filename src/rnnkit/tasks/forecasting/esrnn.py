"""The ES-RNN hybrid (in the spirit of Smyl 2020, the M4 winner): per-series exponential smoothing
normalises the level and a seasonal profile removes the season; one recurrent network, trained across
all the series given, forecasts the normalised path; the smoothing coefficients are learned jointly
with the network by gradient.

Per series (a series with values <= 0 is shifted up first and back after, one whose values vary by under 1% of
their level down: :data:`FLAT_LEVEL`), on the log scale:

* season: the seasonal profile of STL (:class:`rnnkit.data.transforms.SeasonalSTL`, the mean of the
  last cycles of STL's seasonal component) on the log values, fitted on the training values only, so
  the season is multiplicative; ``d_t`` is the log value minus it.
* level: ``l_t = a_i d_t + (1 - a_i) l_{t-1}`` with ``a_i`` in (0, 1) learned per series (through a
  sigmoid) jointly with the network; no loop over time: the level is linear in ``d``, so it is one
  batched matrix product.
* the network reads, at every step ``t``, the last ``L`` values relative to the current level,
  ``d_{t-L+1..t} - l_t``, and outputs ``d_{t+k} - l_t`` for ``k = 1..H``; a forecast is
  ``exp(l_t + output + season_{t+k})``. It sees scale-free, season-free windows from every series, so
  one model serves them all (the "global" part) and short series borrow the shapes of long ones.
* covariates (on by default): the calendar features of the first forecast step
  (:func:`.covariates.calendar_features`: month, quarter, week or day position as sine/cosine; known for
  any future date, nothing for yearly data or series without dates) and each series' static
  covariates (``SeriesInput.static``, standardised across the batch) enter the network next to the
  window at every step.
* loss: the pinball loss at the median (MAE in log units) over every step of every series, plus a
  small penalty on the level's second differences (Smyl's level-variability penalty).
* shrinkage (``shrink_windows`` = c > 0): a network fitted on few windows extrapolates what the last
  ones did (a short yearly series that accelerated at the end was forecast to grow 8-fold in 6 years),
  so the forecast ``l_t + output`` is blended, in logs, with the drift of ``d`` (``d_t + k g``, ``g``
  the mean step of ``d`` up to ``t``: the seasonal random walk with drift) by the weight ``W / (W + c)``
  on the network, ``W`` the full training windows (``L + H`` values) of the fit, all series together:
  a series alone with a few dozen values leans on the drift, a global fit on many series keeps the network.
  The default c = 20 since session 13 (pre-registered, checked once on 336 unseen M3/tourism series, each alone:
  the hybrid's mean MASE 3.854 -> 2.215, auto's 1.748 -> 1.722 (-1.5%), co2 0.319; c = 0 is the network alone).

* series per step (``batch_series``, ``ForecastConfig.esrnn_batch_series``; session 21): with more than 512 series
  of a period each optimiser step reads 512 of them (a seeded permutation, :mod:`.series_batches`), so the training
  costs what 512 series cost; 512 or fewer: every series every step, as before (``None``: always so).

The recurrent network is rnnkit's own layer (``rnnkit.layers.LSTM`` / ``GRU``) running along the
time axis of every series at once (left-padded; steps before a series starts are not scored).
:class:`ESRNNCandidate` plugs it into ``auto`` (rolling-origin validation): one fit at the earliest
origin serves every validation window and the forecast (the network runs on over the later values)
when the series are long; short ones get one fit per origin (``refit="auto"``).

>>> import numpy as np
>>> from rnnkit.tasks.forecasting.candidates import SeriesInput
>>> t = np.arange(72)
>>> ys = [SeriesInput(f"s{k}", 10 + k + 0.1 * t + np.sin(2 * np.pi * t / 12), period=12) for k in range(3)]
>>> f = ESRNNCandidate(steps=30).forecast(ys, 12)
>>> f.shape, bool(np.isfinite(f).all())
((3, 12), True)
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from rnnkit._validate import check_seed, is_bool, is_int, is_real, plain
from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.layers import make_layer
from rnnkit.tasks.forecasting.config import derived_seed
from rnnkit.tasks.forecasting.candidates import Candidate, SeriesInput, check_refit, fitted_lookup, wants_refit
from rnnkit.tasks.forecasting.series_batches import DEFAULT_BATCH_SERIES, check_batch_series, series_batches
from rnnkit.tasks.forecasting.statistical import seasonal_naive_point, unit_scale

__all__ = ["ESRNN", "ESRNNCandidate", "input_window"]

CLOSED_FORM_MAX = 20_000_000   # S * T * T entries of the closed-form level's weight tensor


def input_window(period: int, horizon: int) -> int:
    """The input window ``L``: one season for monthly-like periods (12..24), two for short ones
    (quarterly 8, weekly-in-days 14), ``min(m, 2h)`` (at least 16) for long ones (co2's 52, daily 365);
    ``min(h, 8)`` (at least 4) without a season.

    >>> input_window(1, 6), input_window(4, 8), input_window(12, 18), input_window(52, 52), input_window(365, 14)
    (6, 8, 12, 52, 28)
    """
    if period > 24:
        return min(period, max(2 * horizon, 16), 104)
    if period > 1:
        return period if period >= 12 else 2 * period
    return max(4, min(horizon, 8))


#: a series whose smallest value is more than this many times its spread (max - min) is shifted down to
#: :data:`FLAT_MARGIN` spreads before its log is taken, as one at or near 0 is shifted up: its logs vary by under 1%,
#: and the network's float32 output is only good to ~2e-4 in logs whatever the series' scale -- 2e-4 of its level, not
#: of its variation (session 33: a weekly sine of amplitude 3 plus noise 0.3 on 200 days, `model='esrnn'`, mean
#: absolute error against the noiseless truth 0.15 at level 10, 0.13 at 100, 0.21 at 1e3, then 2.2 at 1e4, 22 at 1e5,
#: 230 at 1e6, 2.2e5 at 1e9, with a band 1e5 times too wide, without a word; shifted, 0.13 at every level from 1e3 and
#: at -1e6). Series with a larger variation are transformed as before, bit for bit; a saved run keeps its saved shift.
FLAT_LEVEL = 100
#: where such a series' smallest value is put: its logs then vary by ~1/10 (float32's noise is 0.2% of that), and later
#: values (the validation windows after a fit's origin) may fall 10 spreads below the fitted minimum before the log's
#: floor (a drop to below the shifted 0 would read as log(floor))
FLAT_MARGIN = 10

class ESRNN(nn.Module):
    """Per-series level smoothing + a global recurrent network (see the module docstring).

    Works on ``d``: the log of each (positive) series with its seasonal profile removed. The level is
    ``l_t = a_i d_t + (1 - a_i) l_{t-1}`` (exponential smoothing in logs, ``a_i`` learned per series);
    the network reads ``d_{t-L+1..t} - l_t`` and predicts ``d_{t+k} - l_t`` for ``k = 1..H``."""

    def __init__(self, n_series: int, horizon: int, window: int, hidden: int = 32, cell: str = "lstm",
                 num_layers: int = 1, n_extra: int = 0) -> None:
        super().__init__()
        if cell not in ("lstm", "gru"):
            raise ConfigError(f"cell: expected 'lstm' or 'gru', got {cell!r}")
        self.H, self.L = horizon, window
        self.alpha = nn.Parameter(torch.full((n_series,), 0.0))        # sigmoid: 0.5
        self.n_extra = n_extra
        self.rnn = make_layer(cell, window + n_extra, hidden, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden, horizon)

    def level(self, d: torch.Tensor, mask: torch.Tensor, rows: Sequence[int] | None = None) -> torch.Tensor:
        """Levels ``(S, T)``; before a series starts (``mask`` False) the level is its first value.
        ``rows``: which of the fitted series ``d`` holds (default: all, in order)."""
        S, T = d.shape
        a = torch.sigmoid(self.alpha if rows is None else self.alpha[list(rows)])
        first = torch.argmax(mask.to(torch.int64), dim=1)
        l0 = d.gather(1, first[:, None])[:, 0]
        d = torch.where(mask, d, l0[:, None])
        if S * T * T <= CLOSED_FORM_MAX:
            return self._level_closed_form(d, a, l0)
        level, out = l0, []
        for t in range(T):
            level = a * d[:, t] + (1 - a) * level
            out.append(level)
        return torch.stack(out, 1)

    @staticmethod
    def _level_closed_form(d: torch.Tensor, a: torch.Tensor, l0: torch.Tensor) -> torch.Tensor:
        """The level is linear in ``d``: ``l_t = (1-a)^{t+1} l0 + sum_{j<=t} a (1-a)^{t-j} d_j``, one
        batched matrix product instead of a loop over time."""
        T = d.shape[1]
        t = torch.arange(T, dtype=d.dtype)
        lag = t[:, None] - t[None, :]                                                     # (T, T): t - j
        log1a = torch.log1p(-a)[:, None, None]
        W = torch.where(lag >= 0, a[:, None, None] * torch.exp(log1a * lag.clamp(min=0)), torch.zeros((), dtype=d.dtype))
        return (W @ d[..., None])[..., 0] + torch.exp(log1a[:, :, 0] * (t + 1)) * l0[:, None]

    def forward(self, d: torch.Tensor, mask: torch.Tensor, rows: Sequence[int] | None = None,
                extra: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Outputs ``(S, T-L+1, H)`` for the steps ``t = L-1 .. T-1`` (forecasts of ``d_{t+k} - l_t``)
        and the levels ``(S, T)``; ``extra``: ``(S, T, n_extra)`` covariates of each step."""
        lev = self.level(d, mask, rows)
        win = torch.where(mask, d, lev).unfold(1, self.L, 1)                               # (S, T-L+1, L)
        x = win - lev[:, self.L - 1:, None]
        if self.n_extra:
            x = torch.cat([x, extra[:, self.L - 1:]], dim=-1)
        out, _ = self.rnn(x)
        return self.head(out), lev


class ESRNNCandidate(Candidate):
    """The hybrid as an ``auto`` candidate, trained globally across the batch at each origin.

    ``steps``: full-batch Adam steps; ``ensemble``: networks with different seeds averaged (in log
    units); ``max_length``: only the last values of long series are used; ``refit``: one fit per
    rolling origin, or one at the earliest (see :func:`.candidates.wants_refit`); ``calendar`` /
    ``static``: the calendar features / static covariates as network inputs; ``shrink_windows``: the c of
    the network's weight ``W / (W + c)`` against the drift (0: the network alone, the default before session 13;
    see the module docstring)."""

    name = "esrnn"
    kind = "esrnn"
    is_global = True

    def __init__(self, cell: str = "lstm", hidden: int = 32, steps: int = 300, lr: float = 5e-3,
                 ensemble: int = 1, level_penalty: float = 10.0, max_length: int = 400, seed: int = 0,
                 refit: bool | str = "auto", calendar: bool = True, static: bool = True,
                 shrink_windows: float = 20.0, batch_series: int | None = DEFAULT_BATCH_SERIES) -> None:
        refit = check_refit(refit)
        self.batch_series = check_batch_series(batch_series)
        if not is_real(shrink_windows) or not (
                math.isfinite(shrink_windows) and shrink_windows >= 0):
            raise ConfigError(f"shrink_windows: expected a number >= 0, got {shrink_windows!r}")
        self.shrink_windows = float(shrink_windows)
        self.refit = refit
        if cell not in ("lstm", "gru"):
            raise ConfigError(f"cell: expected 'lstm' or 'gru', got {cell!r}")
        for nm, v in (("hidden", hidden), ("steps", steps), ("ensemble", ensemble), ("max_length", max_length)):
            if not is_int(v) or v < 1:
                raise ConfigError(f"{nm}: expected a positive int, got {v!r}")
        self.cell, self.hidden, self.steps, self.lr = cell, int(hidden), int(steps), plain(lr)
        self.ensemble, self.level_penalty, self.max_length = int(ensemble), plain(level_penalty), int(max_length)
        self.seed = check_seed(seed)   # 2**70, -1, 1.5 were taken (torch's overflow at the first fit); members wrap
        for nm, v in (("calendar", calendar), ("static", static)):
            if not is_bool(v):
                raise ConfigError(f"{nm}: expected True or False, got {v!r}")
        self.calendar, self.static = bool(calendar), bool(static)
        self.info_: dict = {}
        self._fits: dict[int, dict] = {}     # period -> the fit of the final origin (see _fit_forecast)
        self._seen: list[str] = []           # the series ids of the final origin

    def describe(self) -> dict:
        return {"name": self.name, "global": True, "cell": self.cell, "hidden": self.hidden, "steps": self.steps,
                "ensemble": self.ensemble, "shrink_windows": self.shrink_windows, **self.info_}

    def min_length(self, horizon: int, period: int) -> int:
        return input_window(period, horizon) + 2

    def forecast(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        return self.forecast_origins(batch, horizon, [0])[:, 0]

    def forecast_origins(self, batch: Sequence[SeriesInput], horizon: int, back: Sequence[int]) -> np.ndarray:
        """``(S, len(back), H)`` forecasts from the origins ``len(s) - b``: one fit on the data before
        the earliest origin serves every origin (the network runs on over the later values), or (short
        series, :func:`.candidates.wants_refit`) each origin gets its own fit."""
        back = list(back)
        if back[-1] == 0:
            self._fits, self._seen = {}, [s.id for s in batch]
        out = np.full((len(batch), len(back), horizon), np.nan)
        groups: dict[int, list[int]] = {}
        for i, s in enumerate(batch):
            groups.setdefault(s.period, []).append(i)
        for period, rows in groups.items():
            sub = [batch[i] for i in rows]
            if wants_refit(self.refit, sub):
                for k, b in enumerate(back):
                    out[rows, k] = self._fit_forecast(sub, horizon, period, [b])[:, 0]
            else:
                out[rows] = self._fit_forecast(sub, horizon, period, back)
        for i, s in enumerate(batch):
            for k, b in enumerate(back):
                if not np.isfinite(out[i, k]).all() and len(s) - b >= 2:
                    out[i, k] = seasonal_naive_point(s.y[: len(s) - b], horizon, s.period)
        return out

    # ------------------------------------------------------------------ fitting
    def _transforms(self, batch: Sequence[SeriesInput], period: int, b0: int) -> list[dict]:
        """Per series, fitted on the values before ``len - b0`` only: the shift that makes it positive,
        the floor of the log, and the log seasonal profile (phases counted from the first value; None
        without a season)."""
        from rnnkit.data.transforms import SeasonalSTL

        out = []
        for s in batch:
            fit_part = s.y[: len(s) - b0]
            lo, spread = float(fit_part.min()), float(np.ptp(fit_part))
            small = min(1.0, unit_scale(fit_part))   # the absolute 1e-3 and 1e-9 in the series' units below 1: a
            shift = -lo + max(spread, abs(lo), 1e-3 * small) if (lo <= 0.1 * spread or lo <= 0) else 0.0
            if spread > 1e-6 * small and lo + shift > FLAT_LEVEL * spread:   # logs varying by under 1%: FLAT_LEVEL
                shift = -lo + FLAT_MARGIN * spread
            floor = 1e-9 * max(spread, small)        # series of values ~1e-11 sat on the floor (a constant log)
            profile = None
            logs = np.log(np.maximum(fit_part + shift, floor))
            if period > 1 and fit_part.size >= 2 * period + 2:
                profile = SeasonalSTL(period).fit(logs).profile
            # the log's mean, taken off in float64 before d is rounded to float32 (and added back to the forecast):
            # log(c y) = log c + log y, and float32's spacing grows with log c (6e-5 at 1e-300): the same series
            # times 1e12 or 1e-300 was forecast 3e-4 apart (the recurrent networks, standardised: 2e-16)
            out.append({"shift": shift, "floor": floor, "profile": profile, "center": float(np.mean(logs))})
        return out

    def _arrays(self, batch: Sequence[SeriesInput], horizon: int, tf: list[dict]):
        """Right-aligned arrays ``(S, T)`` of ``d`` (log, deseasonalised, less the series' ``center``) with masks,
        the log seasonal profile plus ``center`` of every position up to ``T + horizon`` and the shifts, with the
        transforms ``tf``."""
        T = min(max(len(s) for s in batch), self.max_length)
        D = np.zeros((len(batch), T))
        M = np.zeros((len(batch), T), dtype=bool)
        season = np.zeros((len(batch), T + horizon))
        for i, (s, t) in enumerate(zip(batch, tf)):
            z = np.log(np.maximum(s.y + t["shift"], t["floor"]))
            n = z.size
            prof = t["profile"]
            full_season = np.zeros(n + horizon) if prof is None else np.asarray(prof)[np.arange(n + horizon) % len(prof)]
            keep = min(n, T)
            D[i, T - keep:] = (z - full_season[:n] - t.get("center", 0.0))[n - keep:]
            M[i, T - keep:] = True
            season[i, T - keep:] = full_season[n - keep:] + t.get("center", 0.0)   # (0: saved before session 27)
        shift = np.array([t["shift"] for t in tf])
        return torch.tensor(D, dtype=torch.float32), torch.tensor(M), season, shift

    def _fit_forecast(self, batch: Sequence[SeriesInput], horizon: int, period: int, back: list[int]) -> np.ndarray:
        """Fit on the values before ``len(s) - max(back)`` of each series; forecasts ``(S, len(back), H)``
        from ``len(s) - b`` (the network runs on over the later values without refitting). The fit of
        the final origin (``back`` ends with 0) is kept for :meth:`forecast_fitted`."""
        b0 = max(back)
        L = input_window(period, horizon)
        res = np.full((len(batch), len(back), horizon), np.nan)
        rows = [i for i, s in enumerate(batch) if len(s) - b0 >= L + 1]   # enough values before the origin
        # a step h is trained only by windows whose target L + h lies in some fit part: without one full
        # window (L + H values) the last steps came from an untrained head (a ramp of 20 days forecast
        # 16 ahead rose to 46 and fell to 23); such a batch falls back as the too-short series do
        if not rows or min(max(len(batch[i]) for i in rows), self.max_length) - b0 < L + horizon:
            return res
        if len(rows) < len(batch):
            res[rows] = self._fit_forecast([batch[i] for i in rows], horizon, period, back)
            return res
        tf = self._transforms(batch, period, b0)
        D, M, season, shift = self._arrays(batch, horizon, tf)
        cov = self._covariate_spec(batch)
        X = self._extra(batch, D.shape[1], cov)
        T = D.shape[1]
        nets = []
        for e in range(self.ensemble):
            seed = derived_seed(self.seed, 100, e)
            torch.manual_seed(seed)
            net = ESRNN(len(batch), horizon, L, self.hidden, self.cell, n_extra=X.shape[2])
            windows = self._train(net, D[:, : T - b0], M[:, : T - b0], X[:, : T - b0], seed=seed)
            nets.append(net)
        weight = windows / (windows + self.shrink_windows) if self.shrink_windows > 0 else 1.0
        self.info_["network_weight"] = weight
        if back[-1] == 0:
            self._fits[period] = {"ids": [s.id for s in batch], "horizon": horizon, "window": L, "transforms": tf,
                                  "nets": nets, "covariates": cov, "weight": weight}
        return self._run(nets, D, M, season, shift, back, extra=X, weight=weight)

    def _covariate_spec(self, batch: Sequence[SeriesInput]) -> dict:
        """Which covariates the network reads: the calendar columns every series of the batch has, and
        the static names with their batch mean and standard deviation."""
        from rnnkit.data.timeseries.transforms import column_scaler
        from rnnkit.tasks.forecasting.covariates import calendar_columns, static_matrix

        cal: list[str] = []
        if self.calendar:
            cols = [tuple(calendar_columns(s.index)) for s in batch]
            cal = list(cols[0]) if len(set(cols)) == 1 else []
        names, mean, std = [], [], []
        if self.static and any(s.static for s in batch):
            mat = static_matrix([s.static for s in batch])
            names = sorted(batch[0].static)
            # in the statics' own unit: np.std overflowed to inf at ~1e200 (every standardised static 0) and
            # underflowed to 0 at ~1e-200 (the raw values fed); the same numbers at ordinary scales
            mean, std = (v.tolist() for v in column_scaler(mat))
        return {"calendar": cal, "static": names, "static_mean": mean, "static_std": std}

    @staticmethod
    def _extra(batch: Sequence[SeriesInput], T: int, cov: dict) -> torch.Tensor:
        """``(S, T, E)`` right-aligned covariates: at each step the calendar features of the NEXT step
        (the first one forecast; dates run on past the end) and the standardised static covariates."""
        from rnnkit.tasks.forecasting.covariates import calendar_features, static_matrix

        E = len(cov["calendar"]) + len(cov["static"])
        X = np.zeros((len(batch), T, E))
        if cov["static"]:
            st = (static_matrix([s.static for s in batch]) - np.array(cov["static_mean"])) / np.array(cov["static_std"])
            X[:, :, len(cov["calendar"]):] = st[:, None, :]
        if cov["calendar"]:
            for i, s in enumerate(batch):
                n, keep = len(s), min(len(s), T)
                idx = pd.date_range(s.index[0], periods=n + 1, freq=s.index.freq or pd.infer_freq(s.index))
                f = calendar_features(idx[n - keep + 1:], cov["calendar"]).to_numpy()   # as recorded at the fit
                X[i, T - keep:, :len(cov["calendar"])] = f
        return torch.tensor(X, dtype=torch.float32)

    @staticmethod
    def _run(nets: list[ESRNN], D, M, season: np.ndarray, shift: np.ndarray, back: list[int],
             rows: list[int] | None = None, extra: torch.Tensor | None = None, weight: float = 1.0) -> np.ndarray:
        """Forecasts ``(S, len(back), H)`` of the (fitted) ``nets`` from ``T - b`` for each ``b``, the
        network's log forecast weighted ``weight`` against the drift of ``d`` (see the module docstring)."""
        T, L, H = D.shape[1], nets[0].L, nets[0].H
        with torch.no_grad():
            logs = [net(D, M, rows, extra) for net in nets]
        d, first = D.double().numpy(), torch.argmax(M.to(torch.int64), dim=1).numpy()
        res = np.empty((D.shape[0], len(back), H))
        for k, b in enumerate(back):
            t = T - 1 - b                      # the last observed step before the origin
            z = torch.stack([out[:, t - (L - 1)] + lev[:, t, None] for out, lev in logs]).mean(0).double().numpy()
            if weight < 1.0:
                g = (d[:, t] - d[np.arange(len(first)), first]) / np.maximum(t - first, 1)
                z = weight * z + (1 - weight) * (d[:, t, None] + g[:, None] * np.arange(1, H + 1))
            res[:, k] = np.exp(z + season[:, t + 1: t + 1 + H]) - shift[:, None]
        return res

    def forecast_fitted(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        """Forecasts from the ends of ``batch`` (series of the last :meth:`forecast`, possibly longer)
        with the fitted networks, smoothing coefficients and seasonal profiles: no training. Series
        that were too short for the network fall back to the seasonal naive, as in the fit."""
        if not self._seen:
            return self.forecast(batch, horizon)
        fitted_lookup(batch, self._seen, self.name)
        out = np.full((len(batch), horizon), np.nan)
        for period, st in self._fits.items():
            pos = {sid: j for j, sid in enumerate(st["ids"])}
            rows = [i for i, s in enumerate(batch) if s.id in pos]
            if not rows:
                continue
            if horizon > st["horizon"]:
                raise ConfigError(f"horizon: expected at most {st['horizon']} (the fitted horizon), got {horizon}")
            sub = [batch[i] for i in rows]
            idx = [pos[s.id] for s in sub]
            D, M, season, shift = self._arrays(sub, st["horizon"], [st["transforms"][j] for j in idx])
            X = self._extra(sub, D.shape[1], st["covariates"])
            out[rows] = self._run(st["nets"], D, M, season, shift, [0], idx, X, st["weight"])[:, 0, :horizon]
        for i, s in enumerate(batch):
            if not np.isfinite(out[i]).all():
                out[i] = seasonal_naive_point(s.y, horizon, s.period)
        return out

    # ------------------------------------------------------------------ save / load
    def settings(self) -> dict:
        return {"cell": self.cell, "hidden": self.hidden, "steps": self.steps, "lr": self.lr, "ensemble": self.ensemble,
                "level_penalty": self.level_penalty, "max_length": self.max_length, "seed": self.seed,
                "refit": self.refit, "calendar": self.calendar, "static": self.static,
                "shrink_windows": self.shrink_windows, "batch_series": self.batch_series}

    @classmethod
    def _from_settings(cls, directory: Path, settings: dict) -> "ESRNNCandidate":
        return cls(**{"batch_series": None, **settings})   # saved before session 21: every series every step

    def _save_state(self, directory: Path) -> tuple[dict, list[str]]:
        from rnnkit.training.checkpoint import save_weights

        fits, files = [], []
        for period, st in self._fits.items():
            names = [f"esrnn_p{period}_{e}.safetensors" for e in range(len(st["nets"]))]
            for net, fname in zip(st["nets"], names):
                save_weights(net, directory / fname)
            files += names
            fits.append({"period": period, "ids": st["ids"], "horizon": st["horizon"], "window": st["window"],
                         "transforms": [{**t, "profile": None if t["profile"] is None else list(t["profile"])}
                                        for t in st["transforms"]], "weights": names,
                         "covariates": st["covariates"], "network_weight": st["weight"]})
        return {"fits": fits, "seen": self._seen}, files

    def _load_state(self, directory: Path, state: dict) -> None:
        from rnnkit.training.checkpoint import load_weights

        self._seen = [str(i) for i in state["seen"]]
        self._fits = {}
        for f in state["fits"]:
            ids, H, L = [str(i) for i in f["ids"]], int(f["horizon"]), int(f["window"])
            tf = [{"shift": float(t["shift"]), "floor": float(t["floor"]), "center": float(t.get("center", 0.0)),
                   "profile": None if t["profile"] is None else np.asarray(t["profile"], dtype=float)}
                  for t in f["transforms"]]
            if len(tf) != len(ids):
                raise ValueError(f"{len(ids)} transforms, one per series")
            cov = {"calendar": [str(c) for c in f["covariates"]["calendar"]],
                   "static": [str(c) for c in f["covariates"]["static"]],
                   "static_mean": [float(v) for v in f["covariates"]["static_mean"]],
                   "static_std": [float(v) for v in f["covariates"]["static_std"]]}
            E = len(cov["calendar"]) + len(cov["static"])
            nets = [load_weights(ESRNN(len(ids), H, L, self.hidden, self.cell, n_extra=E), directory / w).eval()
                    for w in f["weights"]]
            # saved before the shrinkage existed: the network alone (weight 1), as it forecast then
            self._fits[int(f["period"])] = {"ids": ids, "horizon": H, "window": L, "transforms": tf, "nets": nets,
                                            "covariates": cov, "weight": float(f.get("network_weight", 1.0))}

    def _train(self, net: ESRNN, D: torch.Tensor, M: torch.Tensor, X: torch.Tensor | None = None, seed: int = 0) -> int:
        """Fits ``net``; returns the full training windows (all ``H`` targets observed), all series together.
        Every step reads every series, or (``batch_series`` below the series: :func:`.series_batches.series_batches`)
        the next ``batch_series`` of a seeded permutation of them."""
        H, L = net.H, net.L
        T = D.shape[1]
        t_idx = torch.arange(L - 1, T)                                                     # forecast steps
        tgt_pos = t_idx[:, None] + torch.arange(1, H + 1)                                  # (T', H)
        inside = tgt_pos < T
        tgt_pos = tgt_pos.clamp(max=T - 1)
        win_ok = M[:, L - 1:] & M[:, :T - L + 1]                                           # window fully observed
        w = (M[:, tgt_pos] & inside & win_ok[..., None]).to(D.dtype)                       # (S, T', H)
        windows = int((w.sum(-1) == H).sum())
        if w.sum() == 0:
            return windows
        if torch.is_inference_mode_enabled():   # as the Trainer: torch's bare "does not require grad" came mid-step
            raise InputTypeError("fit: expected a call outside torch.inference_mode() (training needs autograd; "
                                 "torch.no_grad() is fine), got one inside it")
        opt = torch.optim.Adam(net.parameters(), lr=self.lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=self.steps, eta_min=self.lr / 10)
        batches = series_batches(D.shape[0], self.batch_series, self.steps, seed)
        for rows in batches:
            with torch.enable_grad():   # a fit called under torch.no_grad() still trains (as the Trainer's)
                if rows is None:
                    d, m, x, wr = D, M, X, w
                else:
                    d, m, wr = D[rows], M[rows], w[rows]
                    x = None if X is None else X[rows]
                out, lev = net(d, m, None if rows is None else rows.tolist(), x)
                target = d[:, tgt_pos] - lev[:, t_idx, None]
                # a batch of series without a scored target (all too short) learns from the level penalty alone
                loss = ((out - target).abs() * wr).sum() / (wr.sum() if rows is None else wr.sum().clamp_min(1.0))
                if self.level_penalty > 0 and T > 3:
                    d2 = (lev[:, 2:] - 2 * lev[:, 1:-1] + lev[:, :-2]) * m[:, 2:] * m[:, :-2]
                    loss = loss + self.level_penalty * (d2 ** 2).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
        self.info_ = {"final_loss": float(loss.detach()), "alpha_median": float(torch.sigmoid(net.alpha.detach()).median()),
                      "window": L, "series": int(D.shape[0]), "windows": windows}
        return windows
