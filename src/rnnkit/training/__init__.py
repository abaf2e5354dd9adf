"""Training: the :class:`Trainer` (the loop: full and truncated BPTT, clipping, exact resume) with its
callbacks (early stopping, LR schedules, progress, metric logs, gradient flow, checkpoints, time budget),
the epoch-data protocol, checkpoints (safetensors + JSON, atomic, exact resume), seeding, and DDP helpers.

See docs/training.md for a walk-through. The names load on first use (PEP 562): :mod:`rnnkit.training.stages`
(read by the task commands' parsers) imports no torch through this package.
"""

from rnnkit._lazy import lazy_names

__all__ = [
    "Trainer",
    "FitResult",
    "TrainConfig",
    "OptimConfig",
    "ScheduleConfig",
    "EarlyStoppingConfig",
    "SCHEMA_VERSION",
    "Callback",
    "EarlyStopping",
    "LRSchedule",
    "WarmupCosine",
    "TimeBudget",
    "Checkpointer",
    "ProgressBar",
    "MetricLogger",
    "GradientFlowMonitor",
    "EpochBatches",
    "split_time",
    "detach_state",
    "seed_everything",
    "derive_seed",
    "get_rng_state",
    "set_rng_state",
    "Checkpoint",
    "save_checkpoint",
    "load_checkpoint",
    "save_weights",
    "load_weights",
    "write_config",
    "read_config",
    "distributed",
]

_FROM = {
    "callbacks": ("Callback", "Checkpointer", "EarlyStopping", "GradientFlowMonitor", "LRSchedule", "MetricLogger",
                  "ProgressBar", "TimeBudget", "WarmupCosine"),
    "checkpoint": ("Checkpoint", "load_checkpoint", "load_weights", "read_config", "save_checkpoint", "save_weights",
                   "write_config"),
    "config": ("SCHEMA_VERSION", "EarlyStoppingConfig", "OptimConfig", "ScheduleConfig", "TrainConfig"),
    "data": ("EpochBatches", "detach_state", "split_time"),
    "seed": ("derive_seed", "get_rng_state", "seed_everything", "set_rng_state"),
    "trainer": ("FitResult", "Trainer"),
}

__getattr__, __dir__ = lazy_names(__name__, {
    "distributed": ("rnnkit.training.distributed", None),
    **{name: (f"rnnkit.training.{module}", name) for module, names in _FROM.items() for name in names}}, globals())
