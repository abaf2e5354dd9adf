"""Training: the :class:`Trainer` (the loop: full and truncated BPTT, clipping, exact resume) with its
callbacks (early stopping, LR schedules, progress, metric logs, gradient flow, checkpoints, time budget),
the epoch-data protocol, checkpoints (safetensors + JSON, atomic, exact resume), seeding, and DDP helpers.

See docs/training.md for a walk-through.
"""

from rnnkit.training import distributed
from rnnkit.training.callbacks import (
    Callback,
    Checkpointer,
    EarlyStopping,
    GradientFlowMonitor,
    LRSchedule,
    MetricLogger,
    ProgressBar,
    TimeBudget,
    WarmupCosine,
)
from rnnkit.training.checkpoint import (
    Checkpoint,
    load_checkpoint,
    load_weights,
    read_config,
    save_checkpoint,
    save_weights,
    write_config,
)
from rnnkit.training.config import (
    SCHEMA_VERSION,
    EarlyStoppingConfig,
    OptimConfig,
    ScheduleConfig,
    TrainConfig,
)
from rnnkit.training.data import EpochBatches, detach_state, split_time
from rnnkit.training.seed import derive_seed, get_rng_state, seed_everything, set_rng_state
from rnnkit.training.trainer import FitResult, Trainer

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
