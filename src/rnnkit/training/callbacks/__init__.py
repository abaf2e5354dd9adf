"""Trainer callbacks: how a task changes training without reaching into the loop.

:class:`Callback` (the hooks, in :mod:`~rnnkit.training.callbacks.base`) and the built-ins:

* :class:`EarlyStopping` -- patience / target on a logged metric, restores the best weights;
* :class:`LRSchedule` -- an epoch LR scheduler (cosine, step, plateau or any torch scheduler);
* :class:`WarmupCosine` -- per-step linear warm-up + cosine decay over a step count or a wall-clock deadline;
* :class:`TimeBudget` -- stops when ``max_seconds`` have passed, checked after every step;
* :class:`Checkpointer` -- checkpoints at epoch ends and every N steps (exact resume);
* :class:`ProgressBar` -- a tqdm bar per epoch and one kept summary line per epoch;
* :class:`MetricLogger` -- ``metrics.jsonl`` / ``.csv`` (optionally TensorBoard);
* :class:`GradientFlowMonitor` -- ‖∂L/∂h_t‖ through time via :mod:`rnnkit.diagnostics`.

``Trainer(..., callbacks=[...])`` runs them with the ones its :class:`~rnnkit.training.TrainConfig` asks
for (a callback you pass replaces the config's callback of the same class). See docs/training.md.
"""

from rnnkit.training.callbacks.base import Callback, CallbackList
from rnnkit.training.callbacks.control import (
    Checkpointer,
    EarlyStopping,
    LRSchedule,
    TimeBudget,
    WarmupCosine,
    warmup_cosine_lr,
)
from rnnkit.training.callbacks.logs import GradientFlowMonitor, MetricLogger, ProgressBar, epoch_summary

__all__ = ["Callback", "CallbackList", "EarlyStopping", "LRSchedule", "WarmupCosine", "warmup_cosine_lr",
           "TimeBudget", "Checkpointer", "ProgressBar", "MetricLogger", "GradientFlowMonitor", "epoch_summary"]
