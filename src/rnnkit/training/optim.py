"""Optimizers and epoch LR schedulers from their configs (:class:`~rnnkit.training.OptimConfig`,
:class:`~rnnkit.training.ScheduleConfig`). Per-step schedules are callbacks
(:class:`~rnnkit.training.callbacks.WarmupCosine`)."""

from __future__ import annotations

from typing import Iterable

import torch
from torch import Tensor

from rnnkit.errors import ConfigError
from rnnkit.training.config import OptimConfig, ScheduleConfig, TrainConfig

__all__ = ["build_optimizer", "build_scheduler", "make_scheduler"]


def build_optimizer(cfg: OptimConfig, params: Iterable[Tensor]) -> torch.optim.Optimizer:
    """The optimizer an :class:`~rnnkit.training.OptimConfig` describes."""
    params = [p for p in params if p.requires_grad]
    if not params:
        raise ConfigError("model: expected parameters that require grad, got none")
    if cfg.name == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay)
    if cfg.name == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay)
    return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)


def make_scheduler(schedule: ScheduleConfig, optimizer: torch.optim.Optimizer, *, epochs: int, mode: str = "min"):
    """The torch LR scheduler of ``schedule`` (stepped once per epoch; ``cosine`` over ``epochs``,
    ``plateau`` in ``mode``), or ``None`` for ``"none"``."""
    sched = torch.optim.lr_scheduler
    if schedule.name == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=epochs, eta_min=schedule.min_lr)
    if schedule.name == "step":
        return sched.StepLR(optimizer, step_size=schedule.step_size, gamma=schedule.gamma)
    if schedule.name == "plateau":
        return sched.ReduceLROnPlateau(optimizer, mode=mode, factor=schedule.gamma, patience=schedule.patience,
                                       min_lr=schedule.min_lr)
    return None


def build_scheduler(config: TrainConfig, optimizer: torch.optim.Optimizer):
    """The LR scheduler of ``config.schedule`` (stepped once per epoch) or ``None``."""
    mode = config.early_stopping.mode if config.early_stopping is not None else "min"
    return make_scheduler(config.schedule, optimizer, epochs=config.epochs, mode=mode)
