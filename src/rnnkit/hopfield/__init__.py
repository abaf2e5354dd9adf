"""Hopfield memory: classical binary networks (Hebbian, Storkey) and modern continuous ones.

* :class:`HopfieldNetwork` -- binary ``{-1, +1}`` patterns, Hebbian or Storkey learning, energy, async and
  sync recall with a convergence record (:class:`RecallResult`).
* :class:`ModernHopfield` -- real-valued patterns, :math:`\\xi \\leftarrow X^\\top\\operatorname{softmax}(\\beta X\\xi)`.
* :class:`HopfieldLayer`, :class:`HopfieldPooling` -- the modern update as ``nn.Module`` layers (stored
  patterns learned or given as input), e.g. on top of :class:`rnnkit.LSTM` outputs.
* :mod:`rnnkit.hopfield.experiments` -- capacity, robustness, digits and modern-vs-classical studies
  (also ``rnnkit hopfield ...`` on the command line); :mod:`rnnkit.hopfield.plots` draws their results.
"""

from rnnkit.hopfield.classical import LEARNING_RULES, RECALL_MODES, HopfieldNetwork, RecallResult, overlap
from rnnkit.hopfield.modern import (
    HopfieldLayer,
    HopfieldPooling,
    ModernHopfield,
    ModernRecallResult,
    hopfield_update,
)

__all__ = [
    "HopfieldNetwork",
    "RecallResult",
    "LEARNING_RULES",
    "RECALL_MODES",
    "overlap",
    "ModernHopfield",
    "ModernRecallResult",
    "HopfieldLayer",
    "HopfieldPooling",
    "hopfield_update",
]
