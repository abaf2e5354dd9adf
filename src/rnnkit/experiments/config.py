"""What one experiment run depends on (:class:`ExperimentConfig`) and how options become one
(:func:`resolve_config`: checked, with the experiment's defaults filled in)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import torch

from rnnkit.errors import ConfigError, InputTypeError
from rnnkit._validate import check_seed, plain
from rnnkit.experiments.models import _forget_bias, _spec, check_init, has_keep_gate
from rnnkit.experiments.tasks import EXPERIMENTS, LOOKAHEAD

__all__ = ["ExperimentConfig", "resolve_config", "resolve_configs"]


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything one run depends on (``None`` fields take the experiment's default; see
    :func:`resolve_config`). Saved in each run's ``result.json``."""

    experiment: str
    cell: str = "lstm"
    length: int | None = None         # T: sequence length (adding, tagging) or delay (copy); 64 for digits
    steps: int | None = None          # optimizer steps
    seed: int = 0
    batch_size: int = 64
    hidden_size: int = 128
    lr: float | None = None           # Adam learning rate (default per experiment: 1e-2 adding, else 1e-3)
    clip_norm: float | None = 1.0     # global gradient-norm clipping (None: off)
    init: str = "default"             # recurrent init: default (the cell's own) | orthogonal | identity
    forget_bias: float | None = 1.0   # LSTM forget / GRU update gate bias at init (None: torch's init; resolved
                                      # to None for cells without such a gate, where a changed value is refused)
    eval_every: int | None = None     # steps between evaluations (default: steps // 20, at least 1)
    eval_size: int | None = None      # held-out sequences (default per experiment; digits: its test split)
    stop_when_solved: bool = False    # stop at the first evaluation that meets the solve criterion
    max_seconds: float | None = None  # stop at the first evaluation after this much wall time (None: off)
    device: str = "cpu"               # cpu | cuda | auto

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


_FORGET_BIAS = ExperimentConfig.forget_bias   # the default


def _check_int(name: str, v: Any, minimum: int = 1, allow_none: bool = False) -> None:
    if v is None and allow_none:
        return
    if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
        raise ConfigError(f"{name}: expected an int >= {minimum}{' or None' if allow_none else ''}, got {v!r}")


def _check_float(name: str, v: Any, allow_none: bool = False, positive: bool = True) -> None:
    if v is None and allow_none:
        return
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or (positive and v <= 0):
        what = "a positive number" if positive else "a finite number"
        raise ConfigError(f"{name}: expected {what}{' or None' if allow_none else ''}, got {v!r}")


def resolve_config(experiment: str, **options: Any) -> ExperimentConfig:
    """Validate ``options`` and fill the experiment's defaults; raises :class:`~rnnkit.errors.ConfigError`.

    >>> resolve_config("adding", cell="gru", steps=300).eval_every
    15
    >>> resolve_config("adding", length=0)
    Traceback (most recent call last):
    ...
    rnnkit.errors.ConfigError: length: expected an int >= 2 or None, got 0
    """
    if not isinstance(experiment, str) or experiment not in EXPERIMENTS:   # a list was a bare 'unhashable' TypeError
        error = ConfigError if isinstance(experiment, str) or experiment is None else InputTypeError
        raise error(f"experiment: expected one of {list(EXPERIMENTS)}, got {experiment!r}")
    known = {f.name for f in dataclasses.fields(ExperimentConfig)} - {"experiment"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(f"options: unknown {unknown}; expected a subset of {sorted(known)}")
    cfg = ExperimentConfig(plain(experiment), **{k: plain(v) for k, v in options.items()})   # np.str_ too
    spec = EXPERIMENTS[experiment]
    _spec(cfg.cell)                                   # unknown cell -> ConfigError
    if spec.fixed_length:
        if cfg.length not in (None, spec.default_length):
            raise ConfigError(f"length: expected {spec.default_length} for {experiment} (8x8 pixels) or None, "
                              f"got {cfg.length!r}")
    else:
        minimum = {"adding": 2, "bidirectional": LOOKAHEAD + 1}.get(experiment, 1)
        _check_int("length", cfg.length, minimum, allow_none=True)
    _check_int("steps", cfg.steps, allow_none=True)
    check_seed(cfg.seed)   # 2**70 passed here and failed when training began
    _check_int("batch_size", cfg.batch_size)
    _check_int("hidden_size", cfg.hidden_size)
    _check_float("lr", cfg.lr, allow_none=True)
    _check_float("clip_norm", cfg.clip_norm, allow_none=True)
    check_init(cfg.init, cfg.cell)
    _check_float("forget_bias", cfg.forget_bias, allow_none=True, positive=False)
    _forget_bias(cfg.forget_bias)   # within the model's dtype (1e308 failed in torch once the model was built)
    forget_bias = cfg.forget_bias
    if not has_keep_gate(cfg.cell):   # nothing to set: a changed value would be dropped silently
        if forget_bias not in (None, _FORGET_BIAS):
            raise ConfigError(f"forget_bias: cell {cfg.cell!r} has no forget or update gate to set; expected the "
                              f"default {_FORGET_BIAS} or None, got {forget_bias!r}")
        forget_bias = None
    _check_int("eval_every", cfg.eval_every, allow_none=True)
    _check_int("eval_size", cfg.eval_size, allow_none=True)
    _check_float("max_seconds", cfg.max_seconds, allow_none=True)
    if not isinstance(cfg.stop_when_solved, bool):
        raise ConfigError(f"stop_when_solved: expected a bool, got {cfg.stop_when_solved!r}")
    if cfg.device not in ("cpu", "cuda", "auto"):
        raise ConfigError(f"device: expected 'cpu', 'cuda' or 'auto', got {cfg.device!r}")
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device: expected a visible CUDA device for 'cuda', got none (use 'cpu' or 'auto')")
    length = spec.default_length if cfg.length is None else cfg.length
    steps = spec.default_steps if cfg.steps is None else cfg.steps
    eval_every = max(1, steps // 20) if cfg.eval_every is None else min(cfg.eval_every, steps)
    eval_size = (None if spec.fixed_length else spec.default_eval_size) if cfg.eval_size is None else cfg.eval_size
    device = ("cuda" if torch.cuda.is_available() else "cpu") if cfg.device == "auto" else cfg.device
    lr = spec.default_lr if cfg.lr is None else cfg.lr
    return dataclasses.replace(cfg, length=length, steps=steps, lr=lr, eval_every=eval_every, eval_size=eval_size,
                               device=device, forget_bias=forget_bias)


def check_cells(cells: Any) -> list[str]:
    """``cells`` of a comparison as a non-empty list (its names are checked by the configs): a str was read as its
    letters ("cell: expected one of [...], got 'l'"), an int or None was a bare "'int' object is not iterable"."""
    if isinstance(cells, str):
        raise InputTypeError(f"cells: expected a list of cell names, got the str {cells!r} (pass [{cells!r}])")
    if isinstance(cells, dict) or not hasattr(cells, "__iter__"):
        raise InputTypeError(f"cells: expected a list of cell names, got {type(cells).__name__} {cells!r}"[:200])
    cells = list(cells)
    if not cells:                # an empty grid was [] (nothing to run), silently
        raise ConfigError("cells: expected at least one cell name, got an empty list")
    return cells


def resolve_configs(experiment: str, cells: list[str], **options: Any) -> list[ExperimentConfig]:
    """One :func:`resolve_config` per cell of a comparison, with the shared ``options``. ``forget_bias``
    acts on the cells that have a forget or update gate; the others (Elman) run as they would alone (their
    config records ``None``), unless no cell has one: a changed value is then refused as for one run.

    >>> [c.forget_bias for c in resolve_configs("adding", ["elman", "lstm"], forget_bias=5.0)]
    [None, 5.0]
    """
    cells = check_cells(cells)
    gated = [has_keep_gate(c) for c in cells]
    return [resolve_config(experiment, cell=c, **options) if g or not any(gated)
            else resolve_config(experiment, cell=c, **{**options, "forget_bias": None}) for c, g in zip(cells, gated)]
