"""Snapshot ensemble of the text classifier's network: the mean of the class probabilities given by the
weights after each of the last ``k`` epochs of one fit, ending at the early-stopping best (Huang et al.
2017, "Snapshot ensembles: train 1, get M for free"; here consecutive epochs of the ordinary schedule, no
cyclic learning rate). Unlike checkpoint averaging (:mod:`rnnkit.tasks.seq2seq_average`, the mean of the
weights) the members' *outputs* are averaged, so they need not lie in one basin.

:class:`EpochWeights` is a :class:`rnnkit.training.callbacks.Callback` that copies the network's weights
after every epoch and drops those that can no longer be among the ``k`` epochs ending at the best one (it
reads the Trainer's :class:`~rnnkit.training.callbacks.EarlyStopping`; without one the best is the last
epoch): at most ``k + patience`` copies are held. :meth:`EpochWeights.ensemble` builds the
:class:`SnapshotEnsemble` of the network (its weights: the best epoch's, restored by early stopping) and the
kept earlier epochs. Its ``forward`` returns the log of the members' mean probability, so
``softmax(forward(...))`` is that mean: the classifier's ``predict_proba``, the combination and the
exported graph use it unchanged. Its weights are those of the run folder's ``model.safetensors``
(``members.<i>.<name>``; digests as for any weights).

>>> import torch
>>> a, b = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
>>> x = torch.randn(4, 3)
>>> mean = (torch.softmax(a(x), -1) + torch.softmax(b(x), -1)) / 2
>>> torch.allclose(torch.softmax(SnapshotEnsemble([a, b])(x), -1), mean, atol=1e-6)
True
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.training.callbacks import Callback, EarlyStopping
from rnnkit.training.checkpoint import copy_weights

__all__ = ["EpochWeights", "SnapshotEnsemble", "snapshot_net"]


class SnapshotEnsemble(nn.Module):
    """Networks with the same inputs and class outputs; ``forward`` = log of their mean softmax."""

    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)

    @property
    def embed(self) -> nn.Module:
        """The first member's embedding (what an export reads the vocabulary size from)."""
        return self.members[0].embed

    def forward(self, *args: Any) -> Tensor:
        logp = torch.stack([F.log_softmax(m(*args), -1) for m in self.members])
        return torch.logsumexp(logp, 0) - math.log(len(self.members))


def snapshot_net(build: Any, n: int) -> nn.Module:
    """The network of a run with ``n`` snapshots: ``build()`` itself when ``n == 1`` (runs saved before
    snapshots, or whose best epoch was the first), else a :class:`SnapshotEnsemble` of ``n`` of them."""
    return build() if n == 1 else SnapshotEnsemble([build() for _ in range(n)])


class EpochWeights(Callback):
    """The weights after each epoch that may end up among the ``k`` ending at the best (module doc)."""

    order = 10      # after EarlyStopping (order 0) has updated its best epoch

    def __init__(self, k: int) -> None:
        self.k = k
        self.weights: dict[int, dict[str, Tensor]] = {}    # epoch (1-based) -> weights after it

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        self.weights[epoch + 1] = copy_weights(trainer.module)
        best = self._best(trainer, epoch + 1)
        for e in [e for e in self.weights if e <= best - self.k]:
            del self.weights[e]

    def state_dict(self) -> dict:    # in every checkpoint: a resumed fit keeps the epochs before it (training.stages)
        return {"weights": dict(self.weights)}

    def load_state_dict(self, state: dict) -> None:
        self.weights = {int(e): w for e, w in state["weights"].items()}

    @staticmethod
    def _best(trainer, last: int) -> int:
        es = trainer.callbacks.first(EarlyStopping)
        return es.best_epoch if es is not None and es.best_epoch is not None else last

    def epochs(self, best: int | None) -> list[int]:
        """The kept epochs among the ``k`` ending at ``best`` (``None``: the last one), oldest first."""
        best = max(self.weights, default=0) if best is None else best
        return [e for e in range(best - self.k + 1, best + 1) if e in self.weights]

    def ensemble(self, net: nn.Module, best: int | None) -> tuple[nn.Module, list[int]]:
        """``(network, epochs)``: ``net`` (holding the best epoch's weights) with the kept earlier epochs'
        copies before it as a :class:`SnapshotEnsemble`, or ``net`` alone when there are none."""
        epochs = self.epochs(best)
        if len(epochs) <= 1:
            return net, epochs
        members = []
        for e in epochs[:-1]:
            m = copy.deepcopy(net)
            m.load_state_dict(self.weights[e])
            members.append(m)
        self.weights = {}
        return SnapshotEnsemble(members + [net]).eval(), epochs
