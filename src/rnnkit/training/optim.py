"""Optimizers and epoch LR schedulers from their configs (:class:`~rnnkit.training.OptimConfig`,
:class:`~rnnkit.training.ScheduleConfig`). Per-step schedules are callbacks
(:class:`~rnnkit.training.callbacks.WarmupCosine`)."""

from __future__ import annotations

import math
import warnings
from typing import Iterable

import torch
from torch import Tensor

from rnnkit.errors import ConfigError, NonFiniteLossError
from rnnkit.training.config import OptimConfig, ScheduleConfig, TrainConfig

__all__ = ["build_optimizer", "build_scheduler", "make_scheduler", "check_state_finite", "with_16bit_advice",
           "check_min_lr"]


def build_optimizer(cfg: OptimConfig, params: Iterable[Tensor]) -> torch.optim.Optimizer:
    """The optimizer an :class:`~rnnkit.training.OptimConfig` describes."""
    params = [p for p in params if p.requires_grad]
    if not params:
        raise ConfigError("model: expected parameters that require grad, got none")
    _check_weight_precision(cfg, params)
    if cfg.name == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay)
    if cfg.name == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay)
    return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)


def _check_weight_precision(cfg: OptimConfig, params: list[Tensor]) -> None:
    """16-bit weights updated in place. Adam/AdamW on float16 weights are a ConfigError: their ``eps`` (1e-8) is 0
    in float16 and ``(1 - beta2) g^2`` underflows to 0 for ``|g| < 5e-3``, so the step is ``m / 0``: every such
    weight was -inf/inf after the first step, and the run stopped one step later blaming a NaN loss. Other
    16-bit weights warn: an update smaller than half a weight's spacing (``|w| eps / 2``) is rounded away, so
    weights above about ``2 lr / eps`` never move (bfloat16 at lr=1e-3: above 0.26)."""
    low = sorted({p.dtype for p in params if p.dtype in (torch.float16, torch.bfloat16)}, key=str)
    if not low:
        return
    if torch.float16 in low and cfg.name in ("adam", "adamw"):
        raise ConfigError(f"model: expected float32, float64 or bfloat16 weights for optim.name={cfg.name!r}, got float16 "
                          f"(its eps=1e-8 is 0 in float16 and gradients below 5e-3 square to 0: the first step "
                          f"divides by zero and sets those weights to inf); keep the weights in float32 and run the "
                          f"forward under torch.autocast (bfloat16; float16 also needs torch.amp.GradScaler, in a "
                          f"loop of your own), or use bfloat16 weights")
    eps = max(torch.finfo(d).eps for d in low)
    warnings.warn(f"model: weights in {', '.join(str(d).replace('torch.', '') for d in low)} are updated in that "
                  f"dtype: an update below half a weight's spacing is rounded away, so at lr={cfg.lr:g} weights "
                  f"above about {2 * cfg.lr / eps:.3g} (2 lr / eps) never move; keep float32 weights and compute "
                  f"under torch.autocast for 16-bit speed", UserWarning, stacklevel=3)


def make_scheduler(schedule: ScheduleConfig, optimizer: torch.optim.Optimizer, *, epochs: int, mode: str = "min"):
    """The torch LR scheduler of ``schedule`` (stepped once per epoch; ``cosine`` over ``epochs``,
    ``plateau`` in ``mode``), or ``None`` for ``"none"``."""
    sched = torch.optim.lr_scheduler
    check_min_lr("schedule.min_lr", schedule.min_lr, max(g["lr"] for g in optimizer.param_groups), schedule.name)
    if schedule.name == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=epochs, eta_min=schedule.min_lr)
    if schedule.name == "step":
        return sched.StepLR(optimizer, step_size=schedule.step_size, gamma=schedule.gamma)
    if schedule.name == "plateau":
        return sched.ReduceLROnPlateau(optimizer, mode=mode, factor=schedule.gamma, patience=schedule.patience,
                                       min_lr=schedule.min_lr)
    return None


def check_min_lr(name: str, min_lr: float, lr: float, schedule: str) -> None:
    """ConfigError when the floor ``min_lr`` of a schedule that lowers the LR (``cosine``, ``plateau``, the
    warm-up + cosine) is above the LR it starts from: the cosine climbed from ``lr`` to it (``min_lr=0.1`` beside
    ``lr=1e-3``: a 100x larger LR at the end, the reverse of what was asked) and a plateau never lowered the LR,
    both without a word."""
    if schedule in ("cosine", "plateau", "warm-up + cosine") and min_lr > lr:
        raise ConfigError(f"{name}: expected at most the learning rate the {schedule} schedule lowers ({lr:g}), got "
                          f"{min_lr:g} (the LR would rise to it, or never fall); lower min_lr or raise lr")


def build_scheduler(config: TrainConfig, optimizer: torch.optim.Optimizer):
    """The LR scheduler of ``config.schedule`` (stepped once per epoch) or ``None``."""
    mode = config.early_stopping.mode if config.early_stopping is not None else "min"
    return make_scheduler(config.schedule, optimizer, epochs=config.epochs, mode=mode)


def check_state_finite(optimizer: torch.optim.Optimizer, named: list[tuple[str, Tensor]], where: str,
                       last_good: str) -> None:
    """:class:`~rnnkit.errors.NonFiniteLossError` when the state an optimizer step left for one of the ``named``
    parameters holds NaN/inf. Adam's second moment of a finite gradient whose square overflows (``|g| > 1.8e19``
    in float32: a loss of size 1e30) is inf, and every later step of that weight is ``m / inf = 0``: the
    gradient checks passed, training ran on and ended as a success with weights that never moved again."""
    entries = [(name, key, t) for name, p in named for key, t in optimizer.state.get(p, {}).items()
               if isinstance(t, Tensor) and t.is_floating_point()]
    if not entries:
        return
    def stacked(values: list[Tensor]) -> Tensor:
        return torch.stack([v.to(values[0].device) for v in values])   # Adam's 'step' may live on the CPU

    # a sum holding NaN/inf is NaN/inf: one reduction per tensor, 30x cheaper than isfinite().all() (1 ms vs 30
    # per step of a 3.7M-parameter LSTM here); only a sum that is not finite is looked at entry by entry (a sum
    # of finite entries near the dtype's largest value overflows too)
    if bool(torch.isfinite(stacked([t.sum() for _, _, t in entries])).all()):
        return
    finite = stacked([torch.isfinite(t).all() for _, _, t in entries])
    if bool(finite.all()):
        return
    name, key, t = entries[int((~finite).nonzero()[0])]
    raise NonFiniteLossError(
        f"optimizer state: expected finite values, got NaN/inf in {key!r} of {name!r} after {where} (a gradient "
        f"whose square overflows {t.dtype}, |g| > {math.sqrt(torch.finfo(t.dtype).max):.1e}: that weight would not "
        f"move again; scale the loss down, set clip_norm or lower optim.weight_decay); training stopped; {last_good}")


#: What to do about a float16 overflow, said where training stops on a NaN/inf (:func:`with_16bit_advice`).
FLOAT16_ADVICE = ("ran in float16, whose largest value is 65504 (a larger activation or gradient is inf): run the "
                  "forward under torch.autocast with dtype=torch.bfloat16 (float32's range), or in float32, or scale "
                  "the loss with torch.amp.GradScaler (in a loop of your own: the Trainer calls backward unscaled)")


def with_16bit_advice(error: BaseException, module: torch.nn.Module, loss: Tensor | None) -> None:
    """Add to a :class:`~rnnkit.errors.NonFiniteLossError` what to do when the step that made it ran in float16:
    the model's weights, or the forward of ``loss`` (``torch.autocast(dtype=torch.float16)`` inside a ``loss_fn``,
    which the Trainer cannot see: read from the autograd graph, whose nodes keep their outputs' dtypes after
    backward). A float16 overflow stopped training with 'gradient: expected finite values, got NaN/inf', nothing
    said of the cause. Looked at only on that error: the float32 path pays nothing."""
    if not isinstance(error, NonFiniteLossError) or len(error.args) != 1 or not isinstance(error.args[0], str):
        return
    if any(p.dtype == torch.float16 for p in module.parameters()):
        what = "the model's weights"
    elif _float16_graph(loss):
        what = "the forward (torch.autocast with dtype=torch.float16, or float16 tensors)"
    else:
        return
    error.args = (f"{error.args[0]}; {what} {FLOAT16_ADVICE}",)


def _float16_graph(loss: Tensor | None, limit: int = 1_000_000) -> bool:
    """Whether the autograd graph of ``loss`` holds a float16 result (``Node._input_metadata``: the dtype of the
    gradient each node takes, its forward output's; torch's private field, so anything else reads as no)."""
    todo, seen = [getattr(loss, "grad_fn", None)], set()
    while todo and len(seen) < limit:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        try:
            if any(getattr(m, "dtype", None) == torch.float16 for m in node._input_metadata):
                return True
            todo += [f for f, _ in node.next_functions]
        except (AttributeError, RuntimeError, TypeError):
            return False
    return False
