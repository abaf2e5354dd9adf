"""Epoch weight averaging of the text classifier's network: its weights = the element-wise mean of the weights
after the epochs ``best - r .. best + r`` of one fit (``r`` = ``(k - 1) // 2``; those that ran), where
``best`` is the early-stopping best epoch -- a centred checkpoint average (Izmailov et al. 2018 average
along the trajectory; :mod:`rnnkit.tasks.seq2seq_average` averages the last epochs of a translator). Unlike
the snapshot ensemble (:mod:`rnnkit.tasks.classify_snapshot`, the mean of the epochs' *probabilities*) the
result is one network of the ordinary shape: it saves, loads and exports as any run does.

:class:`CentredEpochs` is a :class:`~rnnkit.training.callbacks.Callback` (a
:class:`~rnnkit.tasks.classify_snapshot.EpochWeights` that keeps the ``r`` epochs before the best and every
one after it: at most ``r + 1 + patience`` copies); :meth:`CentredEpochs.mean` is the mean of the kept
epochs within ``r`` of the best (float tensors; any other tensor is the best epoch's) and
:meth:`CentredEpochs.apply` loads it into the network. :func:`centred_epochs` resolves the classifier's
``epoch_average`` setting for one fit: ``"on"`` averages the :data:`AVERAGE_EPOCHS` epochs around the best,
``"off"`` does not, ``"auto"`` does where the network reads words (the tokenizer "words", or the pretrained
wordpieces) and its fit part (the training texts less the validation split) has at least
:data:`AVERAGE_MIN_FIT` texts.

Off by default: "auto" was rejected by a rule written before its figures (scratch s15/T/DECISIONS.md, run once): on a
corpus no development had seen, health-tweets' validation split (4,813 tweets; 43,313 fit texts, MiniLM wordpieces),
the averaged network alone gained (0.6854 -> 0.6983) but the three-member combination, cross-fitted, only +0.25 points
(0.7287 -> 0.7311; the rule asked +0.5 on it and on the tweets'), so the tweets' arm was not run and no test scored.
In development (session 14, training parts only) it gained on the tweets (+0.76 combined) and lost on rt-snippets
(-0.78): like the seed ensemble (session 13), a better network that the linear members already make up for.

>>> import torch
>>> keep = CentredEpochs(3)
>>> keep.weights = {e: {"w": torch.tensor([float(e)])} for e in (3, 4, 5, 6)}
>>> keep.epochs_around(5), keep.mean(5)["w"].item()
([4, 5, 6], 5.0)
>>> keep.epochs_around(6), keep.mean(6)["w"].item()    # no epoch 7 ran: the mean of 5 and 6
([5, 6], 5.5)
>>> net = torch.nn.Linear(1, 1, bias=False)
>>> keep.weights = {e: {"weight": torch.tensor([[float(e)]])} for e in (1, 2)}
>>> keep.apply(net, None), net.weight.item(), keep.weights     # no early stopping: around the last epoch
([1, 2], 1.5, {})
>>> keep.apply(net, None)                                      # nothing kept: the network as it is
[]
"""

from __future__ import annotations

from torch import Tensor, nn

from rnnkit.tasks.classify_config import AVERAGES
from rnnkit.tasks.classify_snapshot import EpochWeights
from rnnkit.tasks.seq2seq_average import LastEpochs

__all__ = ["CentredEpochs", "centred_epochs", "AVERAGES", "AVERAGE_EPOCHS", "AVERAGE_MIN_FIT", "WORD_UNITS"]

#: How many epochs, centred on the early-stopping best, ``epoch_average`` averages.
AVERAGE_EPOCHS = 3
#: ``epoch_average="auto"`` averages only where the network's fit part has at least this many texts: the
#: tweets' (27,474) gained, the film snippets' (9,182) lost in development (session 14, training parts only).
AVERAGE_MIN_FIT = 15000
#: The units ``"auto"`` counts as words: the word tokenizer's, and the pretrained table's wordpieces of words.
WORD_UNITS = ("words", "wordpiece")


class CentredEpochs(EpochWeights):
    """The weights after the epochs within ``(k - 1) // 2`` of the best (module docstring); ``k`` odd, >= 3."""

    def __init__(self, k: int) -> None:
        super().__init__((k - 1) // 2 + 1)    # EpochWeights keeps the epochs > best - that: r before the best
        self.radius = (k - 1) // 2

    def epochs_around(self, best: int) -> list[int]:
        """The kept epochs in ``best - r .. best + r``, oldest first."""
        return [e for e in range(best - self.radius, best + self.radius + 1) if e in self.weights]

    def mean(self, best: int) -> dict[str, Tensor]:
        """The element-wise mean of :meth:`epochs_around` ``(best)``'s weights (the best epoch's non-float tensors)."""
        epochs = self.epochs_around(best)
        if best not in epochs:
            raise ValueError(f"best: expected a kept epoch ({sorted(self.weights)}), got {best}")
        last = LastEpochs(len(epochs))          # one mean of weights in the library: seq2seq_average's
        last.snapshots.extend(self.weights[e] for e in epochs if e != best)
        last.snapshots.append(self.weights[best])   # the last snapshot gives the non-float tensors
        return last.mean()

    def apply(self, net: nn.Module, best: int | None) -> list[int]:
        """Load :meth:`mean` ``(best)`` into ``net`` (``best`` ``None``: no early stopping, the last epoch) and
        return the epochs averaged; the kept copies are dropped. No epoch ended (a time budget spent during the
        first): ``net`` is left as it is and ``[]`` returned."""
        if not self.weights:
            return []
        best = max(self.weights) if best is None else best
        epochs = self.epochs_around(best)
        net.load_state_dict(self.mean(best))
        self.weights = {}
        return epochs


def centred_epochs(setting: str, units: str, n_fit: int, snapshots: int = 1) -> list[CentredEpochs]:
    """``[CentredEpochs(AVERAGE_EPOCHS)]`` when this fit averages (``setting`` "on"; "auto" for
    :data:`WORD_UNITS` with ``n_fit >= AVERAGE_MIN_FIT`` and no snapshot ensemble), else ``[]``.

    >>> [len(centred_epochs("auto", u, n)) for u, n in (("wordpiece", 20000), ("words", 14999), ("chars", 20000))]
    [1, 0, 0]
    """
    on = setting == "on" or (setting == "auto" and units in WORD_UNITS and n_fit >= AVERAGE_MIN_FIT
                             and snapshots == 1)
    return [CentredEpochs(AVERAGE_EPOCHS)] if on else []
