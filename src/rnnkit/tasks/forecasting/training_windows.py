"""Training windows for the forecasting network: every series' inputs concatenated, window origins as
global row numbers (:class:`Windows`), and random batches of them per epoch (:class:`Batches`).

Targets are the changes from the last observed value, ``(z_{t+h} - z_{t-1}) / s`` (direct and
encoder-decoder), or the next step change (recursive).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from rnnkit.data.windows import split_origins
from rnnkit.tasks.forecasting.prepared import PreparedSeries, network_inputs

__all__ = ["Windows", "Batches", "MIN_TRAIN_WINDOWS", "MAX_VAL_WINDOWS"]

MIN_TRAIN_WINDOWS = 8
MAX_VAL_WINDOWS = 256


class Windows:
    """All series' inputs concatenated, and window origins as global row numbers."""

    def __init__(self, fitted: list[PreparedSeries]) -> None:
        xs, zs, incs, futs, starts = [], [], [], [], []
        offset = 0
        for f in fitted:
            x = network_inputs(f.history_features(), f"series {f.id!r}", f.index)
            xs.append(x)
            zs.append(np.nan_to_num(f.z, nan=0.0))
            incs.append(np.full(len(f.z), f.inc))
            futs.append(f.scaled_future(f.fut))
            starts.append(offset)
            offset += len(f.z)
        self.X = np.concatenate(xs).astype(np.float32)
        self.Z = np.concatenate(zs)
        self.inc = np.concatenate(incs)
        self.fut = np.concatenate(futs).astype(np.float32) if futs[0].shape[1] else np.zeros((offset, 0), np.float32)
        self.starts = starts
        self.fitted = fitted

    def origins(self, lookback: int, horizon: int, val_size_of) -> tuple[np.ndarray, np.ndarray]:
        tr, va = [], []
        for f, start in zip(self.fitted, self.starts):
            n = len(f.z)
            t, v = split_origins(n, lookback + f.valid_start + 1, horizon, val_size_of(n))
            tr.append(t + start)
            va.append(v + start)
        return np.concatenate(tr), np.concatenate(va)

    def batch(self, g: np.ndarray, lookback: int, horizon: int, strategy: str) -> tuple[torch.Tensor, ...]:
        if strategy == "recursive":
            rows = g[:, None] + np.arange(-lookback, horizon - 1)
            x = self.X[rows]
            target = self.X[rows + 1, 0]
            weight = np.zeros(x.shape[1], np.float32)
            weight[lookback // 2:] = 1.0
            fut = self.fut[g[:, None] + np.arange(horizon)]
            return (torch.from_numpy(x), torch.from_numpy(fut), torch.from_numpy(target.astype(np.float32)),
                    torch.from_numpy(np.broadcast_to(weight, target.shape).copy()), torch.from_numpy(self._rel(g, horizon)))
        x = self.X[g[:, None] + np.arange(-lookback, 0)]
        fut = self.fut[g[:, None] + np.arange(horizon)]
        rel = torch.from_numpy(self._rel(g, horizon))
        return torch.from_numpy(x), torch.from_numpy(fut), rel, torch.ones_like(rel), rel

    def _rel(self, g: np.ndarray, horizon: int) -> np.ndarray:
        z = self.Z[g[:, None] + np.arange(horizon)]
        return ((z - self.Z[g - 1][:, None]) / self.inc[g][:, None]).astype(np.float32)


class Batches:
    """Random windows each epoch (``generator`` is reseeded per epoch by the Trainer)."""

    def __init__(self, windows: Windows, origins: np.ndarray, lookback: int, horizon: int, strategy: str,
                 batch_size: int, per_epoch: int, seed: int) -> None:
        self.w, self.origins, self.L, self.H, self.strategy = windows, origins, lookback, horizon, strategy
        self.batch_size, self.per_epoch = batch_size, min(per_epoch, len(origins))
        self.generator = torch.Generator()
        self.generator.manual_seed(seed)

    def __len__(self) -> int:
        return math.ceil(self.per_epoch / self.batch_size)

    def __iter__(self):
        perm = torch.randperm(len(self.origins), generator=self.generator).numpy()[: self.per_epoch]
        for i in range(0, len(perm), self.batch_size):
            yield self.w.batch(self.origins[perm[i:i + self.batch_size]], self.L, self.H, self.strategy)
