"""What a task's ``loss_fn`` / ``step_fn`` return, checked and read: ``loss`` or ``(loss, metrics)``, and
``(loss, state)`` or ``(loss, metrics, state)``; the running means of an epoch; the warnings a fit gives once."""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from typing import Any, Iterator

from torch import Tensor

from rnnkit._validate import is_real
from rnnkit.errors import ConfigError, InputTypeError, ShapeError
from rnnkit.training import distributed as dist

__all__ = ["as_float", "parse_loss", "parse_step", "Accumulator", "FitWarnings", "across_ranks"]


def as_float(name: str, v: Any) -> float:
    """A metric value (number or one-element tensor) as a float."""
    if isinstance(v, Tensor):
        if v.numel() != 1:
            raise ShapeError(f"{name}: expected a scalar metric, got a tensor of shape {tuple(v.shape)}")
        return float(v.detach())
    if not is_real(v):
        raise InputTypeError(f"{name}: expected a number or scalar tensor, got {type(v).__name__}")
    return float(v)


def _metrics(metrics: dict) -> dict[str, float]:
    for k in metrics:
        if not isinstance(k, str) or k == "loss":   # 'loss' was averaged into the loss's own mean silently
            raise ConfigError(f"metrics: expected str names other than 'loss' (the loss itself is the first "
                              f"value returned), got {k!r}")
    out = {k: as_float(f"metrics[{k!r}]", v) for k, v in metrics.items()}
    n = out.get("n", 1.0)
    if not (math.isfinite(n) and n >= 0):   # a negative or NaN weight dropped the epoch's loss from its row
        raise ConfigError(f"metrics['n']: expected a finite number >= 0 (the batch's weight in the means), got {n}")
    return out


def _check_loss(loss: Any, where: str) -> Tensor:
    if not isinstance(loss, Tensor):
        raise InputTypeError(f"{where}: expected the loss as a scalar tensor, got {type(loss).__name__}")
    if loss.numel() != 1:
        raise ShapeError(f"{where}: expected a scalar loss, got a tensor of shape {tuple(loss.shape)}")
    if not loss.is_floating_point():   # a complex loss was torch's "grad can be implicitly created only for real"
        raise InputTypeError(f"{where}: expected a real floating-point loss, got dtype {loss.dtype}")
    return loss


def reached_parameters(module: Any) -> list[tuple[str, Tensor]]:
    """The ``(name, parameter)`` pairs of ``module`` that the loss's backward gave a gradient. None is an
    InputTypeError: a loss that requires grad without reaching this model's weights (computed with another
    model -- a copy, a closure over an earlier instance -- or from a tensor of its own) trained nothing, and
    the fit ran to its end, the loss flat and the untrained weights saved as the result."""
    named = [(n, p) for n, p in module.named_parameters() if p.grad is not None]
    if not named:
        raise InputTypeError("loss: expected a loss computed from the trained model's parameters, got one whose "
                             f"gradient reaches none of the {type(module).__name__}'s weights (computed with another "
                             "model, e.g. a copy or an earlier instance, or from tensors of its own); nothing would train")
    return named


def parse_loss(out: Any) -> tuple[Tensor, dict[str, float]]:
    """``loss_fn``'s ``loss`` or ``(loss, metrics)`` as ``(loss, metrics)``."""
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict):
        loss, metrics = out
    else:
        loss, metrics = out, {}
    return _check_loss(loss, "loss_fn"), _metrics(metrics)


def parse_step(out: Any) -> tuple[Tensor, dict[str, float], Any]:
    """``step_fn``'s ``(loss, state)`` or ``(loss, metrics, state)`` as ``(loss, metrics, state)``."""
    if not isinstance(out, tuple) or len(out) not in (2, 3):
        raise InputTypeError(f"step_fn: expected (loss, state) or (loss, metrics, state), got {type(out).__name__}")
    if len(out) == 2:
        loss, metrics, state = out[0], {}, out[1]
    else:
        loss, metrics, state = out
        if not isinstance(metrics, dict):
            raise InputTypeError(f"step_fn: expected metrics as a dict, got {type(metrics).__name__}")
    return _check_loss(loss, "step_fn"), _metrics(metrics), state


class Accumulator:
    """Weighted running means of the loss and metrics (serialisable for mid-epoch checkpoints).

    >>> acc = Accumulator()
    >>> acc.add(1.0, {"acc": 0.5}, 1.0); acc.add(3.0, {"acc": 1.0}, 3.0)
    >>> acc.means()
    {'loss': 2.5, 'acc': 0.875}
    """

    def __init__(self, state: dict | None = None) -> None:
        self.sums: dict[str, float] = dict(state["sums"]) if state else {}
        self.weights: dict[str, float] = dict(state["weights"]) if state else {}

    def add(self, loss: float, metrics: dict[str, float], n: float) -> None:
        for k, v in (("loss", loss), *metrics.items()):
            self.sums[k] = self.sums.get(k, 0.0) + v * n
            self.weights[k] = self.weights.get(k, 0.0) + n

    def means(self) -> dict[str, float]:
        return {k: self.sums[k] / self.weights[k] for k in self.sums if self.weights[k] > 0}

    def weightless(self) -> list[str]:
        """The names added with a total weight of 0 (every batch's ``n`` was 0): :meth:`means` leaves them out."""
        return [k for k in self.sums if not self.weights[k] > 0]

    def state(self) -> dict:
        return {"sums": dict(self.sums), "weights": dict(self.weights)}


class FitWarnings:
    """The Trainer's RuntimeWarnings given once per kind in a run: a ``fit`` call, or an ``evaluate`` called on
    its own (:meth:`scope`; an evaluate inside a fit is part of it). Before, the record of what was warned lived
    as long as the Trainer, so a fit continued with ``resume=True`` on the same Trainer (after Ctrl-C or an error)
    was silent where a new Trainer resuming the same run_dir warned, and a second ``evaluate`` too."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._depth = 0

    @contextmanager
    def scope(self) -> Iterator[None]:
        """One run: the outermost scope starts with nothing warned."""
        if self._depth == 0:
            self._seen.clear()
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def _warn(self, key: str, message: str) -> None:
        if key not in self._seen:
            self._seen.add(key)
            warnings.warn(message, RuntimeWarning, stacklevel=4)   # the Trainer's method that asked

    def nonfinite(self, kind: str, metrics: dict[str, Any], e: int, where: str) -> None:
        """Once a run per kind: a NaN/inf mean was a silent null in the row (train metrics: a mean over 0 items)."""
        bad = [f"{k}={v}" for k, v in metrics.items() if k.startswith(f"{kind}_") and not math.isfinite(v)]
        if bad:
            self._warn(kind, f"{kind}_data: expected finite {'validation' if kind == 'val' else 'training'} metrics, "
                       f"got {', '.join(bad)} at epoch {e + 1} (NaN or inf {where}); the rows hold null there, and "
                       "early stopping and the best weights cannot use them")

    def means(self, kind: str, acc: Accumulator, e: int) -> dict[str, float]:
        """``acc``'s means; warns once a run per kind where every batch weighed ``metrics['n'] = 0`` (no mean)."""
        gone = acc.weightless()
        if gone:
            self._warn(f"{kind}_n", f"{kind}_data: expected a batch weight metrics['n'] > 0 in some batch, got 0 in "
                       f"every batch at epoch {e + 1}: the row holds no {', '.join(f'{kind}_{k}' for k in gone)} (a "
                       "mean over no weight)")
        return acc.means()


def across_ranks(acc: Accumulator) -> Accumulator:
    """``acc`` with every process's sums and weights added (under DDP; itself otherwise): the epoch's
    ``train_*`` and ``val_*`` means over all ranks' batches. Before, ``train_*`` metrics other than the loss
    were rank 0's batches only while ``val_*`` were every rank's."""
    if not dist.is_distributed():
        return acc
    keys = sorted(acc.sums)
    red = dist.all_reduce_sum([acc.sums[k] for k in keys] + [acc.weights[k] for k in keys])
    return Accumulator({"sums": dict(zip(keys, red[: len(keys)])), "weights": dict(zip(keys, red[len(keys):]))})
