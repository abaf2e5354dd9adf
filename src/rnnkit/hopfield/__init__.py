"""Hopfield memory: classical binary networks (Hebbian, Storkey) and modern continuous ones.

* :class:`HopfieldNetwork` -- binary ``{-1, +1}`` patterns, Hebbian or Storkey learning, energy, async and
  sync recall with a convergence record (:class:`RecallResult`).
* :class:`ModernHopfield` -- real-valued patterns, :math:`\\xi \\leftarrow X^\\top\\operatorname{softmax}(\\beta X\\xi)`.
* :class:`HopfieldLayer`, :class:`HopfieldPooling` -- the modern update as ``nn.Module`` layers (stored
  patterns learned or given as input), e.g. on top of :class:`rnnkit.LSTM` outputs.
* :mod:`rnnkit.hopfield.experiments` -- capacity, robustness, digits and modern-vs-classical studies
  (also ``rnnkit hopfield ...`` on the command line); :mod:`rnnkit.hopfield.plots` draws their results.

The names load on first use (PEP 562): ``rnnkit hopfield --help`` reads the flags' checks
(:mod:`rnnkit.hopfield._checks`) and defaults (:mod:`rnnkit.hopfield.defaults`) without torch.
"""

from rnnkit._lazy import lazy_names

_CLASSICAL = ("HopfieldNetwork", "RecallResult", "LEARNING_RULES", "RECALL_MODES", "overlap")
_MODERN = ("ModernHopfield", "ModernRecallResult", "HopfieldLayer", "HopfieldPooling", "hopfield_update")

__all__ = [*_CLASSICAL, *_MODERN]

__getattr__, __dir__ = lazy_names(__name__, {
    **{name: ("rnnkit.hopfield.classical", name) for name in _CLASSICAL},
    **{name: ("rnnkit.hopfield.modern", name) for name in _MODERN}}, globals())
