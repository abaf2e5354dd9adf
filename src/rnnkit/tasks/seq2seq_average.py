"""Checkpoint averaging for the translators: the mean of the weights after each of the last ``k`` epochs
(Vaswani et al. 2017; Junczys-Dowmunt et al. 2016), kept only if it scores better on the validation pairs.

:class:`LastEpochs` is a :class:`rnnkit.training.callbacks.Callback` that keeps a copy of the network's
weights after each of the last ``k`` epochs; :meth:`LastEpochs.mean` is their element-wise mean (floating
point tensors; any other tensor -- a step counter -- is the last epoch's). :func:`keep_better` loads the
mean into the network, scores it, and restores the weights it had (the early-stopping best) unless the
mean scores higher: the choice is made on the validation pairs, never on the test pairs.
"""

from __future__ import annotations

from collections import deque
from typing import Callable

import torch
from torch import Tensor, nn

from rnnkit.training.callbacks import Callback
from rnnkit.training.checkpoint import copy_weights

__all__ = ["LastEpochs", "keep_better"]


class LastEpochs(Callback):
    """The weights after each of the last ``k`` epochs (module docstring)."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.snapshots: deque[dict[str, Tensor]] = deque(maxlen=k)

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        self.snapshots.append(copy_weights(trainer.module))

    def state_dict(self) -> dict:     # in every checkpoint: a resumed fit averages the epochs before it too
        return {"snapshots": list(self.snapshots)}

    def load_state_dict(self, state: dict) -> None:
        self.snapshots = deque(state["snapshots"], maxlen=self.k)

    def mean(self) -> dict[str, Tensor]:
        """The element-wise mean of the kept snapshots."""
        last = self.snapshots[-1]
        return {n: torch.stack([s[n] for s in self.snapshots]).mean(0) if t.is_floating_point() else t
                for n, t in last.items()}


def keep_better(net: nn.Module, averaged: dict[str, Tensor], score: Callable[[], float],
                current: float | None = None) -> dict[str, float]:
    """Load ``averaged`` into ``net`` if ``score()`` (higher is better) is above that of the weights ``net``
    has now (``current``, else scored here); otherwise leave them. Returns both scores and the choice."""
    before = copy_weights(net)
    current = score() if current is None else current
    net.load_state_dict(averaged)
    avg = score()
    if avg <= current:
        net.load_state_dict(before)
    return {"best_epoch": current, "averaged": avg, "kept_average": float(avg > current)}
