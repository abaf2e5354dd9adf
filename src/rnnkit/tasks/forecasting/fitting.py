"""Fitting the forecasting network: training with early stopping on the validation windows, the
recursive roll-out, raw forecasts of a batch of encoder states, the split-conformal calibration of
the interval width and the residual quantile offsets. Functions of the network, the windows and the :class:`ForecastConfig` only.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import torch

from rnnkit.tasks.forecasting.config import ForecastConfig
from rnnkit.tasks.forecasting.network import ForecastNetwork, expand_state, top_hidden
from rnnkit.tasks.forecasting.prepared import val_size
from rnnkit.tasks.forecasting.probabilistic import conformal_quantiles
from rnnkit.tasks.forecasting.training_windows import MAX_VAL_WINDOWS, Batches, Windows
from rnnkit.training import EarlyStoppingConfig, OptimConfig, TrainConfig, Trainer

__all__ = ["threads", "train_network", "val_mae", "rollout", "batch_forecast", "calibrate",
           "validation_forecasts", "residual_offsets", "extend_offsets"]


class threads:
    """Set torch's intra-op thread count for a block and restore it afterwards (``None``: no change); the per-series
    statistical fits of the block (local candidates, the backtest's baselines) run on up to ``workers`` worker
    processes (:func:`.series_pool.series_pool`: the same numbers; ``workers=None``: as many as ``n``)."""

    def __init__(self, n: int | None, workers: int | None = None) -> None:
        self.n, self.old, self.pool = n, None, None
        self.workers = n if workers is None else workers

    def __enter__(self):
        from rnnkit.tasks.forecasting.series_pool import series_pool

        if self.n is not None:
            self.old = torch.get_num_threads()
            if self.old != self.n:
                torch.set_num_threads(self.n)
        self.pool = series_pool(self.workers)
        self.pool.__enter__()
        return self

    def __exit__(self, *exc):
        try:
            self.pool.__exit__(*exc)
        finally:
            if self.old is not None and self.old != self.n:
                torch.set_num_threads(self.old)
        return False


def train_network(net: ForecastNetwork, windows: Windows, L: int, epochs: int, cfg: ForecastConfig,
                  quiet: bool = True) -> tuple[float, dict]:
    """Train ``net`` on the windows of lookback ``L`` with early stopping on the validation MAE (the
    :class:`rnnkit.training.Trainer`, best weights restored); returns ``(best validation MAE, info)``."""
    H = cfg.horizon
    tr, va = windows.origins(L, H, lambda n: val_size(n, cfg))
    if len(va) > MAX_VAL_WINDOWS:
        va = va[np.linspace(0, len(va) - 1, MAX_VAL_WINDOWS).round().astype(int)]
    train_data = Batches(windows, tr, L, H, cfg.strategy, cfg.batch_size, cfg.windows_per_epoch, cfg.seed)
    val_batch = windows.batch(va, L, H, cfg.strategy)

    def loss_fn(model, batch):
        x, fut, target, weight, _ = batch
        return model.loss(model(x, fut), target, weight)

    def eval_fn(model, _data):
        return {"mae": val_mae(model, val_batch, L, windows, va, cfg)}

    tc = TrainConfig(epochs=epochs, optim=OptimConfig(lr=cfg.lr), clip_norm=cfg.clip_norm, seed=cfg.seed,
                     early_stopping=EarlyStoppingConfig(monitor="val_mae", patience=cfg.patience), quiet=quiet)
    result = Trainer(net, loss_fn, config=tc, eval_fn=eval_fn).fit(train_data, [val_batch])
    best = result.best["value"] if result.best else float("nan")
    return best, {"epochs": result.epochs_run, "best_val_mae": best, "stopped_early": result.stopped_early,
                  "train_windows": int(len(tr)), "val_windows": int(len(va))}


@torch.no_grad()
def val_mae(model: ForecastNetwork, batch, L: int, windows: Windows, origins: np.ndarray, cfg: ForecastConfig) -> float:
    x, fut, target, _, rel = batch
    if model.strategy != "recursive":
        return float((model.point(model(x, fut)) - rel).abs().mean())
    H = cfg.horizon
    _, state = model.encode(x[:, :L])
    z0 = torch.from_numpy(windows.Z[origins - 1].astype(np.float32))
    inc = torch.from_numpy(windows.inc[origins].astype(np.float32))
    pred = rollout(model, state, z0, inc, fut, H, cfg.level_input)
    return float((pred - rel).abs().mean())


def rollout(model: ForecastNetwork, state: Any, z0: torch.Tensor, inc: torch.Tensor, fut: torch.Tensor, steps: int,
            level: bool, sample: bool = False, generator: torch.Generator | None = None) -> torch.Tensor:
    """Recursive forecast as changes from ``z0`` in units of ``inc`` ``(B, steps)``."""
    zs = [z0]

    def make_input(k: int, v: torch.Tensor) -> torch.Tensor:
        z = zs[-1] + v * inc
        zs.append(z)
        cols = [v[:, None]]
        if level:
            cols.append(z[:, None])
        if fut.shape[-1]:
            cols.append(fut[:, k])
        return torch.cat(cols, -1)

    last_raw = model.head(top_hidden(state))
    steps_v = model.rollout(state, last_raw, steps, make_input, sample=sample, generator=generator)
    return torch.cumsum(steps_v, 1)


@torch.no_grad()
def batch_forecast(net: ForecastNetwork, state: Any, z0: torch.Tensor, inc: torch.Tensor, fut: torch.Tensor, H: int,
                   cfg: ForecastConfig, intervals: bool = True):
    """Raw (uncalibrated) forecasts for a batch of encoder states, as changes from ``z0`` in units of
    ``inc``: ``(point, lower, upper)`` arrays ``(B, H)`` (bounds ``None`` without intervals)."""
    if cfg.strategy == "recursive":
        point = rollout(net, state, z0, inc, fut, H, cfg.level_input).numpy()
        if cfg.interval == "none" or not intervals:
            return point, None, None
        S, B = cfg.n_samples, z0.shape[0]
        gen = torch.Generator()
        gen.manual_seed(cfg.seed)
        paths = rollout(net, expand_state(state, S), z0.repeat_interleave(S), inc.repeat_interleave(S),
                    fut.repeat_interleave(S, 0), H, cfg.level_input, sample=True, generator=gen).numpy()
        paths = paths.reshape(B, S, H)
        a = (1 - cfg.level) / 2
        return point, np.quantile(paths, a, axis=1), np.quantile(paths, 1 - a, axis=1)
    raw = net.decode(state, fut if net.n_future else None)
    point = net.point(raw)[:, :H].numpy()
    if cfg.interval == "none" or not intervals:
        return point, None, None
    lo, hi = net.bounds(raw)
    return point, lo[:, :H].numpy(), hi[:, :H].numpy()


@torch.no_grad()
def validation_forecasts(net: ForecastNetwork, windows: Windows, L: int, cfg: ForecastConfig,
                         intervals: bool = True):
    """Raw forecasts of the validation windows (at most 64 for the recursive strategy, else
    ``MAX_VAL_WINDOWS``, evenly spaced) and their actual paths: ``(point, lower, upper, actual)``, each
    ``(K, H)`` in the network's units (changes from the last value in units of ``inc``)."""
    H = cfg.horizon
    _, va = windows.origins(L, H, lambda n: val_size(n, cfg))
    cap = 64 if cfg.strategy == "recursive" else MAX_VAL_WINDOWS
    if len(va) > cap:
        va = va[np.linspace(0, len(va) - 1, cap).round().astype(int)]
    x, fut, _, _, rel = windows.batch(va, L, H, cfg.strategy)
    _, state = net.encode(x[:, :L])
    z0 = torch.from_numpy(windows.Z[va - 1].astype(np.float32))
    inc = torch.from_numpy(windows.inc[va].astype(np.float32))
    point, lo, hi = batch_forecast(net, state, z0, inc, fut, H, cfg, intervals=intervals)
    return point, lo, hi, rel.numpy()


def calibrate(net: ForecastNetwork, windows: Windows, L: int, cfg: ForecastConfig) -> tuple[float, np.ndarray]:
    """Split-conformal width factor ``c`` on the validation windows: the interval ``point -/+ c *
    (raw half-widths)`` covers ``level`` of them (finite-sample quantile; Romano et al. 2019,
    conformalized quantile regression, in its multiplicative form); 1.0 without intervals. Also the
    quantile offsets ``(H, Q)`` at ``cfg.quantiles`` of the validation residuals ``actual - point``
    (:func:`residual_offsets`), which give the forecast's quantile columns."""
    point, lo, hi, y = validation_forecasts(net, windows, L, cfg, intervals=cfg.interval != "none")
    offsets = residual_offsets(y - point, cfg.quantiles)
    if lo is None:
        return 1.0, offsets
    below = (point - y) / np.maximum(point - lo, 1e-9)
    above = (y - point) / np.maximum(hi - point, 1e-9)
    scores = np.maximum(below, above).ravel()
    n = scores.size
    q = min(1.0, math.ceil((n + 1) * cfg.level) / n)
    return float(max(np.quantile(scores, q, method="higher"), 1e-3)), offsets


def residual_offsets(residuals: np.ndarray, quantiles: Sequence[float]) -> np.ndarray:
    """Empirical quantiles ``(H, Q)`` of validation residuals ``(K, H)`` per horizon step (pooled over
    the steps under ``sqrt(h)`` growth when a step has fewer than ``MIN_PER_STEP`` residuals): the
    split-conformal offsets added to a point forecast, monotone in the level."""
    K, H = residuals.shape
    return conformal_quantiles(np.zeros((1, H)), residuals[None], np.ones((1, K)), np.ones(1), quantiles)[0]


def extend_offsets(offsets: np.ndarray, H: int) -> np.ndarray:
    """The offsets for ``H`` steps: beyond the fitted steps (the recursive strategy forecasts any number)
    the last step's offsets grow like a random walk, ``* sqrt(h / H_fitted)``."""
    Hf = offsets.shape[0]
    if H <= Hf:
        return offsets[:H]
    grow = np.sqrt(np.arange(Hf + 1, H + 1) / Hf)[:, None]
    return np.concatenate([offsets, offsets[-1][None] * grow])
