"""Training configuration: frozen dataclasses, one per concern, validated on construction.

The fully resolved :class:`TrainConfig` is written to ``config.json`` in every run folder together with
:data:`SCHEMA_VERSION`; :meth:`TrainConfig.from_dict` reads it back (unknown keys or a different schema
version raise :class:`~rnnkit.errors.ConfigError`).

>>> from rnnkit.training import TrainConfig, OptimConfig
>>> cfg = TrainConfig(epochs=3, optim=OptimConfig(name="adamw", lr=3e-3), clip_norm=1.0)
>>> TrainConfig.from_dict(cfg.to_dict()) == cfg
True
>>> TrainConfig(epochs=0)
Traceback (most recent call last):
...
rnnkit.errors.ConfigError: epochs: expected a positive int, got 0
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnkit._validate import check_seed, is_int, is_real, plain_fields
from rnnkit.errors import ConfigError

__all__ = ["SCHEMA_VERSION", "OptimConfig", "ScheduleConfig", "EarlyStoppingConfig", "TrainConfig"]

#: Version of the layout of ``config.json`` / checkpoint state. Bump when either changes incompatibly.
SCHEMA_VERSION = 1

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("none", "cosine", "step", "plateau")
LOG_FORMATS = ("jsonl", "csv")


def _pos_int(name: str, v: Any, allow_none: bool = False) -> None:
    if v is None and allow_none:
        return
    if not is_int(v) or v < 1:
        raise ConfigError(f"{name}: expected a positive int{' or None' if allow_none else ''}, got {v!r}")


def _nonneg_int(name: str, v: Any) -> None:
    if not is_int(v) or v < 0:
        raise ConfigError(f"{name}: expected an int >= 0, got {v!r}")


def _number(name: str, v: Any, *, lo: float = -math.inf, hi: float = math.inf, lo_open: bool = False,
            allow_none: bool = False) -> None:
    if v is None and allow_none:
        return
    if not is_real(v) or not math.isfinite(v):
        raise ConfigError(f"{name}: expected a finite number{' or None' if allow_none else ''}, got {v!r}")
    if v < lo or (lo_open and v == lo) or v > hi:
        lb, rb = "(" if lo_open else "[", "]" if math.isfinite(hi) else ")"   # inf is refused above: never "inf]"
        raise ConfigError(f"{name}: expected a number in {lb}{lo}, {hi}{rb}, got {v!r}")


#: field -> the optimizer / schedule names that read it (a field set away from its default under another name is
#: a ConfigError; a resume compares a checkpoint's unread fields as their defaults)
OPTIM_READERS = {"momentum": ("sgd",), "betas": ("adam", "adamw")}
SCHEDULE_READERS = {"step_size": ("step",), "gamma": ("step", "plateau"), "patience": ("plateau",),
                    "min_lr": ("cosine", "plateau")}


def _unread(where: str, cfg: Any, readers: dict[str, tuple[str, ...]]) -> None:
    """A ConfigError for a field set away from its default that ``cfg.name`` does not read (``readers``:
    field -> the names that read it): SGD's momentum under Adam, a step size under cosine, were ignored."""
    for f in dataclasses.fields(cfg):
        if f.name in readers and cfg.name not in readers[f.name] and getattr(cfg, f.name) != f.default:
            raise ConfigError(f"{where}.{f.name}: expected the default {f.default!r} with {where}.name "
                              f"{cfg.name!r} (only {' / '.join(map(repr, readers[f.name]))} read it), got "
                              f"{getattr(cfg, f.name)!r}")


def _choice(name: str, v: Any, choices: tuple[str, ...]) -> None:
    if v not in choices:
        raise ConfigError(f"{name}: expected one of {list(choices)}, got {v!r}")


@dataclass(frozen=True)
class OptimConfig:
    """Optimizer settings."""

    name: str = "adam"                   # adam | adamw | sgd
    lr: float = 1e-3                     # learning rate
    weight_decay: float = 0.0            # L2 (adam, sgd) or decoupled (adamw) weight decay
    momentum: float = 0.0                # sgd only
    betas: tuple[float, float] = (0.9, 0.999)  # adam / adamw

    def __post_init__(self) -> None:
        plain_fields(self)   # np.int64(3) is 3, np.True_ True: stored as Python values (JSON numbers)
        _choice("optim.name", self.name, OPTIMIZERS)
        _number("optim.lr", self.lr, lo=0.0, lo_open=True)
        _number("optim.weight_decay", self.weight_decay, lo=0.0)
        _number("optim.momentum", self.momentum, lo=0.0, hi=1.0)
        betas = self.betas
        if isinstance(betas, np.ndarray) and betas.ndim == 1 and betas.dtype.kind in "iuf":
            betas = tuple(betas.tolist())   # np.array([0.9, 0.99]): a pair read from an array, as its numbers are
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ConfigError(f"optim.betas: expected a pair of numbers in [0, 1), got {self.betas!r}")
        for b in betas:
            _number("optim.betas", b, lo=0.0, hi=1.0)
            if b == 1.0:
                raise ConfigError(f"optim.betas: expected numbers in [0, 1), got {self.betas!r}")
        object.__setattr__(self, "betas", tuple(float(b) for b in betas))
        _unread("optim", self, OPTIM_READERS)


@dataclass(frozen=True)
class ScheduleConfig:
    """Learning-rate schedule, stepped once per epoch (``plateau`` reads the monitored metric)."""

    name: str = "none"                   # none | cosine | step | plateau
    step_size: int = 10                  # step: epochs between decays
    gamma: float = 0.1                   # step/plateau: multiplicative decay
    patience: int = 2                    # plateau: epochs without improvement before a decay
    min_lr: float = 0.0                  # cosine: final lr; plateau: lower bound

    def __post_init__(self) -> None:
        plain_fields(self)   # np.int64(3) is 3, np.True_ True: stored as Python values (JSON numbers)
        _choice("schedule.name", self.name, SCHEDULES)
        _pos_int("schedule.step_size", self.step_size)
        _number("schedule.gamma", self.gamma, lo=0.0, hi=1.0, lo_open=True)
        if self.name == "plateau" and self.gamma == 1:   # torch's ReduceLROnPlateau: a bare 'Factor should be < 1.0.'
            raise ConfigError("schedule.gamma: expected a number in (0, 1) with name='plateau' (the factor the lr is "
                              "multiplied by when it stalls: 1 never lowers it), got 1.0")
        _nonneg_int("schedule.patience", self.patience)
        _number("schedule.min_lr", self.min_lr, lo=0.0)
        _unread("schedule", self, SCHEDULE_READERS)


@dataclass(frozen=True)
class EarlyStoppingConfig:
    """Stop when ``monitor`` has not improved for ``patience`` epochs, or as soon as it reaches ``target``
    (``<= target`` in ``min`` mode, ``>= target`` in ``max`` mode); optionally restore the best weights.

    ``monitor`` names a logged metric: validation metrics are prefixed ``val_`` (``val_loss``), training
    ones ``train_`` (``train_loss``).
    """

    monitor: str = "val_loss"
    mode: str = "min"                    # min | max
    patience: int = 5                    # epochs without improvement (> min_delta) before stopping
    min_delta: float = 0.0
    restore_best: bool = True
    target: float | None = None          # stop at the first epoch whose monitored value reaches this

    def __post_init__(self) -> None:
        plain_fields(self)   # np.int64(3) is 3, np.True_ True: stored as Python values (JSON numbers)
        if not isinstance(self.monitor, str) or not self.monitor:
            raise ConfigError(f"early_stopping.monitor: expected a metric name, got {self.monitor!r}")
        _choice("early_stopping.mode", self.mode, ("min", "max"))
        _nonneg_int("early_stopping.patience", self.patience)
        _number("early_stopping.min_delta", self.min_delta, lo=0.0)
        if not isinstance(self.restore_best, bool):
            raise ConfigError(f"early_stopping.restore_best: expected a bool, got {self.restore_best!r}")
        _number("early_stopping.target", self.target, allow_none=True)


@dataclass(frozen=True)
class TrainConfig:
    """Everything the :class:`~rnnkit.training.Trainer` needs besides the model, data and loss.

    ``tbptt_k``: ``None`` for full BPTT; an int ``k`` for truncated BPTT over chunks of ``k`` steps (state
    carried forward, detached; one optimizer step per chunk). ``time_dim``: the time axis of the batch
    tensors the default chunk splitter slices (1 for batch-first ``(B, T, ...)``).
    ``max_steps`` is checked between batches: with truncated BPTT every chunk of the batch that reaches it
    still runs (``max_steps=4`` with 3 chunks a batch ends at step 6), so that a fit resumed with a larger
    ``max_steps`` continues exactly as an uninterrupted one.
    ``checkpoint_every``: also checkpoint every N optimizer steps (at batch boundaries) besides each
    epoch end (``None``: epoch ends only). ``gradflow_every``: record ‖∂L/∂h_t‖ on the first batch of
    every N-th epoch (``None``: never). ``max_seconds``: a wall-clock budget for one ``fit`` call
    (training and validation), checked after every optimizer step: the epoch in progress ends there
    (validated, its row logged). A limit that ends an epoch with batches left (``max_steps``,
    ``max_seconds``) leaves the checkpoint of its last batch, so a resumed fit finishes that epoch.
    ``checkpoint_every``, ``keep_checkpoints`` and ``log_format`` need a ``run_dir``; ``time_dim`` a ``tbptt_k``.
    """

    epochs: int = 10
    max_steps: int | None = None         # stop after the batch that reaches this many optimizer steps (None: epochs)
    max_seconds: float | None = None     # stop at the optimizer step that passes this wall-clock budget
    optim: OptimConfig = field(default_factory=OptimConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    early_stopping: EarlyStoppingConfig | None = None
    tbptt_k: int | None = None
    time_dim: int = 1
    clip_norm: float | None = None       # clip the global gradient norm to this
    clip_value: float | None = None      # clip every gradient element to [-v, v]
    seed: int = 0
    checkpoint_every: int | None = None
    keep_checkpoints: int = 2            # how many checkpoint folders to keep
    log_format: str = "jsonl"            # jsonl | csv (metrics.jsonl / metrics.csv in the run folder)
    gradflow_every: int | None = None
    quiet: bool = False                  # no progress bar (also off when stderr is not a TTY)

    def __post_init__(self) -> None:
        plain_fields(self)   # np.int64(3) is 3, np.True_ True: stored as Python values (JSON numbers)
        _pos_int("epochs", self.epochs)
        _pos_int("max_steps", self.max_steps, allow_none=True)
        _number("max_seconds", self.max_seconds, lo=0.0, lo_open=True, allow_none=True)
        for name, cls in (("optim", OptimConfig), ("schedule", ScheduleConfig)):
            if not isinstance(getattr(self, name), cls):
                raise ConfigError(f"{name}: expected a {cls.__name__}, got {type(getattr(self, name)).__name__}")
        if self.early_stopping is not None and not isinstance(self.early_stopping, EarlyStoppingConfig):
            raise ConfigError(f"early_stopping: expected an EarlyStoppingConfig or None, got {type(self.early_stopping).__name__}")
        _pos_int("tbptt_k", self.tbptt_k, allow_none=True)
        _nonneg_int("time_dim", self.time_dim)
        if self.tbptt_k is None and self.time_dim != 1:   # only truncated BPTT cuts batches along it
            raise ConfigError(f"time_dim: expected the default 1 without tbptt_k (only truncated BPTT splits a batch "
                              f"along it), got {self.time_dim!r}")
        _number("clip_norm", self.clip_norm, lo=0.0, lo_open=True, allow_none=True)
        _number("clip_value", self.clip_value, lo=0.0, lo_open=True, allow_none=True)
        check_seed(self.seed)
        _pos_int("checkpoint_every", self.checkpoint_every, allow_none=True)
        _pos_int("keep_checkpoints", self.keep_checkpoints)
        _choice("log_format", self.log_format, LOG_FORMATS)
        _pos_int("gradflow_every", self.gradflow_every, allow_none=True)
        if not isinstance(self.quiet, bool):
            raise ConfigError(f"quiet: expected a bool, got {self.quiet!r}")
        if self.schedule.name == "plateau" and self.early_stopping is None:
            raise ConfigError("schedule.name: 'plateau' reads the monitored metric; expected early_stopping "
                              "to be set (its monitor/mode), got early_stopping=None")

    # ------------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict:
        """Plain JSON-able dict (nested dataclasses become dicts, tuples lists)."""
        return _to_plain(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        """Inverse of :meth:`to_dict`; unknown keys raise ConfigError (a typo never passes silently)."""
        if not isinstance(data, dict):
            raise ConfigError(f"config: expected a dict, got {type(data).__name__}")
        kw = dict(data)
        _check_keys("config", kw, cls)
        for name, sub in (("optim", OptimConfig), ("schedule", ScheduleConfig), ("early_stopping", EarlyStoppingConfig)):
            if name in kw and isinstance(kw[name], dict):
                _check_keys(name, kw[name], sub)
                kw[name] = sub(**kw[name])
        return cls(**kw)

    def replace(self, **changes: Any) -> "TrainConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _check_keys(where: str, data: dict, cls) -> None:
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}; expected a subset of {sorted(known)}")


def _to_plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_plain(v) for v in obj]
    return obj
