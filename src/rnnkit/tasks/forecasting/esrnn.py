"""The ES-RNN hybrid (in the spirit of Smyl 2020, the M4 winner): per-series exponential smoothing
normalises level and season; one recurrent network, trained across all the series given, forecasts
the normalised path; the smoothing coefficients are learned jointly with the network by gradient.

Per series ``i`` (positive values; a series with values <= 0 is shifted up first and back after):

* level ``l_t = a_i y_t / s_t + (1 - a_i) l_{t-1}``; multiplicative season (period ``m`` <= 24)
  ``s_{t+m} = g_i y_t / l_t + (1 - g_i) s_t`` with ``m`` learned initial indices; ``a_i, g_i`` in (0, 1)
  through a sigmoid. Longer seasons (weekly 52, daily 365) are removed first by STL (as STL-ETS does)
  and the hybrid runs without a season.
* the network reads, at every step ``t``, the last ``L`` values divided by their season and by the
  current level, in logs: ``log(y_{t-L+1..t} / (s · l_t))``, and outputs the next ``H`` values in the
  same units; a forecast is ``exp(output) · l_t · s_{t+k}``. So the network sees scale-free,
  season-free windows from every series, and one model serves them all (the "global" part).
* loss: the pinball loss at the median (MAE in log units) over every step and every series, plus a
  small penalty on the level's second differences (smooth levels: Smyl's level-variability penalty).

The recurrent network is rnnkit's own layer (``rnnkit.layers.LSTM`` / ``GRU``) running along the
time axis of every series at once (left-padded; steps before a series starts keep its states and are
not scored). :class:`ESRNNCandidate` plugs it into ``auto`` (rolling-origin validation): one fit at the
earliest origin serves every validation window (the network simply runs on), and the final forecast
gets a fit of its own.

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
from typing import Sequence

import numpy as np
import torch
from torch import nn

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.candidates import Candidate, SeriesInput
from rnnkit.tasks.forecasting.statistical import MAX_ETS_PERIOD, seasonal_naive_point

__all__ = ["ESRNN", "ESRNNCandidate", "input_window"]


def input_window(period: int, horizon: int) -> int:
    """The input window ``L``: a season and a bit (``max(m, 4)``; ``2m`` for quarterly), at most
    ``4h`` for long horizons without a season."""
    if period > 1:
        return period if period >= 12 else 2 * period
    return max(4, min(horizon, 8))


class ESRNN(nn.Module):
    """Per-series smoothing parameters + a global recurrent network (see the module docstring)."""

    def __init__(self, n_series: int, period: int, horizon: int, window: int, hidden: int = 32,
                 cell: str = "lstm", num_layers: int = 1) -> None:
        super().__init__()
        from rnnkit.layers import GRU, LSTM

        layer = {"lstm": LSTM, "gru": GRU}.get(cell)
        if layer is None:
            raise ConfigError(f"cell: expected 'lstm' or 'gru', got {cell!r}")
        self.m, self.H, self.L = period, horizon, window
        self.alpha = nn.Parameter(torch.full((n_series,), -0.5))       # sigmoid: ~0.38
        self.gamma = nn.Parameter(torch.full((n_series,), -1.5))       # ~0.18
        self.season0 = nn.Parameter(torch.zeros(n_series, max(period, 1)))   # log initial indices
        self.rnn = layer(window, hidden, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden, horizon)

    def smooth(self, y: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Levels ``(S, T)`` and seasonal indices ``(S, T + m)`` (index ``t`` is the season of step
        ``t``); ``y`` holds any positive number where ``mask`` is False (not used)."""
        S, T = y.shape
        m = self.m
        a = torch.sigmoid(self.alpha)
        g = torch.sigmoid(self.gamma)
        s0 = torch.exp(self.season0 - self.season0.mean(1, keepdim=True)) if m > 1 else None
        seasons = list(s0.unbind(1)) if m > 1 else []
        first = torch.argmax(mask.to(torch.int64), dim=1)
        y_first = y.gather(1, first[:, None])[:, 0]
        level = y_first / (s0.gather(1, (first % m)[:, None])[:, 0] if m > 1 else 1.0)
        levels = []
        for t in range(T):
            s_t = seasons[t] if m > 1 else 1.0
            obs = mask[:, t]
            y_t = torch.where(obs, y[:, t], level * s_t)
            new = a * (y_t / s_t) + (1 - a) * level
            if m > 1:
                seasons.append(g * (y_t / new) + (1 - g) * s_t)
            level = new
            levels.append(level)
        L = torch.stack(levels, 1)
        Sn = torch.stack(seasons, 1) if m > 1 else torch.ones(S, T + 1, dtype=y.dtype)
        return L, Sn

    def forward(self, y: torch.Tensor, mask: torch.Tensor):
        """Forecasts at every step, in normalised log units ``(S, T', H)`` for the steps
        ``t = L-1 .. T-1``, with the levels ``(S, T)`` and the seasonal indices ``(S, T + m)``."""
        lev, sea = self.smooth(y, mask)
        T = y.shape[1]
        logd = torch.log(torch.where(mask, y, lev * sea[:, :T]) / sea[:, :T])          # deseasonalised, log
        win = logd.unfold(1, self.L, 1)                                                   # (S, T-L+1, L)
        x = win - torch.log(lev[:, self.L - 1:])[..., None]
        out, _ = self.rnn(x)
        return self.head(out), lev, sea

    def future_season(self, sea: torch.Tensor, t: torch.Tensor | int) -> torch.Tensor:
        """Seasonal indices of steps ``t+1 .. t+H`` known at step ``t``: ``(S, n_t, H)`` for a 1-D
        ``t`` of steps (the last ``m`` computed indices repeat)."""
        if self.m == 1:
            tt = torch.as_tensor(t).reshape(-1)
            return torch.ones(sea.shape[0], tt.numel(), self.H, dtype=sea.dtype)
        k = torch.arange(1, self.H + 1)
        idx = torch.as_tensor(t).reshape(-1, 1) + 1 + (k - 1) % self.m                   # (n_t, H)
        return sea[:, idx]


class ESRNNCandidate(Candidate):
    """The hybrid as an ``auto`` candidate, trained globally across the batch at each origin.

    ``steps``: full-batch Adam steps; ``ensemble``: networks with different seeds averaged (in log
    units); ``max_length``: only the last values of long series are used for training."""

    name = "esrnn"
    is_global = True

    def __init__(self, cell: str = "lstm", hidden: int = 32, steps: int = 300, lr: float = 5e-3,
                 ensemble: int = 1, level_penalty: float = 10.0, max_length: int = 400, seed: int = 0) -> None:
        if cell not in ("lstm", "gru"):
            raise ConfigError(f"cell: expected 'lstm' or 'gru', got {cell!r}")
        for nm, v in (("hidden", hidden), ("steps", steps), ("ensemble", ensemble), ("max_length", max_length)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ConfigError(f"{nm}: expected a positive int, got {v!r}")
        self.cell, self.hidden, self.steps, self.lr = cell, hidden, steps, lr
        self.ensemble, self.level_penalty, self.max_length, self.seed = ensemble, level_penalty, max_length, seed
        self.info_: dict = {}

    def describe(self) -> dict:
        return {"name": self.name, "global": True, "cell": self.cell, "hidden": self.hidden, "steps": self.steps,
                "ensemble": self.ensemble, **self.info_}

    def min_length(self, horizon: int, period: int) -> int:
        return input_window(period, horizon) + 2

    def forecast(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        return self.forecast_origins(batch, horizon, [0])[:, 0]

    def forecast_origins(self, batch: Sequence[SeriesInput], horizon: int, back: Sequence[int]) -> np.ndarray:
        """``(S, len(back), H)`` forecasts from the origins ``len(s) - b``: one fit on the data before
        the earliest origin serves the validation origins (the network runs on over the later values);
        origin ``0`` gets a fit on all the data."""
        back = list(back)
        out = np.full((len(batch), len(back), horizon), np.nan)
        groups: dict[int, list[int]] = {}
        for i, s in enumerate(batch):
            groups.setdefault(s.period, []).append(i)
        for period, rows in groups.items():
            sub = [batch[i] for i in rows]
            val = [b for b in back if b > 0]
            if val:
                out[rows, : len(val)] = self._fit_forecast(sub, horizon, period, val)
            if back[-1] == 0:
                out[rows, -1] = self._fit_forecast(sub, horizon, period, [0])[:, 0]
        for i, s in enumerate(batch):
            for k, b in enumerate(back):
                if not np.isfinite(out[i, k]).all() and len(s) - b >= 2:
                    out[i, k] = seasonal_naive_point(s.y[: len(s) - b], horizon, s.period)
        return out

    # ------------------------------------------------------------------ fitting
    def _prepare(self, batch: Sequence[SeriesInput], horizon: int, period: int):
        """Right-aligned positive arrays ``(S, T)`` with masks, the STL season to add back, shifts."""
        from rnnkit.data.transforms import SeasonalSTL

        m = period if period <= MAX_ETS_PERIOD else 1
        T = min(max(len(s) for s in batch), self.max_length)
        Y = np.ones((len(batch), T))
        M = np.zeros((len(batch), T), dtype=bool)
        add_back = np.zeros((len(batch), T + horizon))
        shift = np.zeros(len(batch))
        for i, s in enumerate(batch):
            y = s.y
            if period > MAX_ETS_PERIOD and y.size >= 2 * period + 2:
                stl = SeasonalSTL(period).fit(y)
                season = stl.inverse(np.zeros(y.size + horizon), start=0)
                y = y - season[: y.size]
                add_back[i, T - min(y.size, T):] = season[max(0, y.size - T):]
            y = y[-T:]
            lo, spread = float(y.min()), float(np.ptp(y))
            if lo <= 0.1 * spread or lo <= 0:
                shift[i] = -lo + max(spread, abs(lo), 1e-3)
            Y[i, T - y.size:] = y + shift[i]
            M[i, T - y.size:] = True
        return m, torch.tensor(Y), torch.tensor(M), add_back, shift

    def _fit_forecast(self, batch: Sequence[SeriesInput], horizon: int, period: int, back: list[int]) -> np.ndarray:
        """Fit on the values before ``len(s) - max(back)`` of each series; forecasts ``(S, len(back), H)``
        from ``len(s) - b``."""
        b0 = max(back)
        m, Y, M, add_back, shift = self._prepare(batch, horizon, period)
        T = Y.shape[1]
        L = input_window(m if m > 1 else period if period <= MAX_ETS_PERIOD else 1, horizon)
        if T - b0 < L + 1:
            return np.full((len(batch), len(back), horizon), np.nan)
        logs = []
        for e in range(self.ensemble):
            torch.manual_seed(self.seed * 100 + e)
            net = ESRNN(len(batch), m, horizon, L, self.hidden, self.cell).double()
            self._train(net, Y[:, : T - b0], M[:, : T - b0])
            with torch.no_grad():
                out, lev, sea = net(Y, M)
            logs.append((out, lev, sea, net))
        res = np.full((len(batch), len(back), horizon), np.nan)
        for k, b in enumerate(back):
            t = T - 1 - b                      # the last observed step before origin
            vals = []
            for out, lev, sea, net in logs:
                z = out[:, t - (L - 1)]                                                   # (S, H)
                vals.append(z + torch.log(lev[:, t])[:, None] + torch.log(net.future_season(sea, t)[:, 0]))
            f = torch.exp(torch.stack(vals).mean(0)).numpy() - shift[:, None]
            f = f + add_back[:, T - b: T - b + horizon] if b > 0 else f + add_back[:, T:T + horizon]
            res[:, k] = f
        valid = M[:, : T - b0].sum(1).numpy() >= L + 1
        res[~valid] = np.nan
        return res

    def _train(self, net: ESRNN, Y: torch.Tensor, M: torch.Tensor) -> None:
        H, L = net.H, net.L
        T = Y.shape[1]
        t_idx = torch.arange(L - 1, T)                                                     # forecast steps
        k = torch.arange(1, H + 1)
        tgt_pos = t_idx[:, None] + k                                                       # (T', H)
        inside = tgt_pos < T
        tgt_pos_c = tgt_pos.clamp(max=T - 1)
        win_ok = M[:, L - 1:] & M[:, :T - L + 1]                                           # window fully observed
        w = (M[:, tgt_pos_c] & inside & win_ok[..., None]).to(Y.dtype)                     # (S, T', H)
        if w.sum() == 0:
            return
        opt = torch.optim.Adam(net.parameters(), lr=self.lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=self.steps, eta_min=self.lr / 10)
        for step in range(self.steps):
            out, lev, sea = net(Y, M)
            norm = torch.log(lev[:, t_idx])[..., None] + torch.log(net.future_season(sea, t_idx))
            target = torch.log(Y[:, tgt_pos_c]) - norm
            loss = ((out - target).abs() * w).sum() / w.sum()
            if self.level_penalty > 0 and T > 3:
                ll = torch.log(lev)
                d2 = (ll[:, 2:] - 2 * ll[:, 1:-1] + ll[:, :-2]) * M[:, 2:] * M[:, :-2]
                loss = loss + self.level_penalty * (d2 ** 2).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
        self.info_ = {"final_loss": float(loss.detach()), "alpha_median": float(torch.sigmoid(net.alpha).median()),
                      "window": L, "series": int(Y.shape[0])}
        if not math.isfinite(self.info_["final_loss"]):  # pragma: no cover - reported, forecasts fall back
            self.info_["diverged"] = True
