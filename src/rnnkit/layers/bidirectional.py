"""Bidirectional: a whole stack read left to right and a fresh copy of it read right to left, merged."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize

from rnnkit._validate import check_choice
from rnnkit.engine.masks import flip_sequences
from rnnkit.errors import ConfigError, InputTypeError, ShapeError
from rnnkit.layers.base import MERGE_MODES, StackedLayer, merge_directions
from rnnkit.layers.inputs import accepts_packed, check_dense, passes_ended, run_lengths

__all__ = ["Bidirectional"]


class Bidirectional(nn.Module):
    """Run a unidirectional layer forwards and a fresh copy of it backwards, then merge.

    ``layer``: any unidirectional rnnkit stacked layer (:class:`rnnkit.RecurrentLayer` and its named
    forms, :class:`rnnkit.MinGRU`, :class:`rnnkit.MinLSTM`). The backward copy has the same
    configuration and its own, newly initialised weights (available as ``.forward_layer`` /
    ``.backward_layer``). State is the two layers' states concatenated along the first dimension
    (forward first). Unlike ``bidirectional=True`` on a stacked layer (directions joined at every layer,
    as torch.nn does), this wraps the whole stack: the forward stack reads the sequence left to right,
    the backward stack right to left (only the valid part of each sequence, with ``lengths``).

    >>> import torch, rnnkit
    >>> bi = rnnkit.Bidirectional(rnnkit.GRU(4, 6, batch_first=True), merge="ave")
    >>> y, h = bi(torch.randn(2, 7, 4), lengths=torch.tensor([7, 4]))
    >>> y.shape, h.shape
    (torch.Size([2, 7, 6]), torch.Size([2, 2, 6]))
    """

    def __init__(self, layer: StackedLayer, merge: str = "concat") -> None:
        super().__init__()
        if not isinstance(layer, StackedLayer):
            raise InputTypeError(f"layer: expected an rnnkit recurrent layer, got {type(layer).__name__}")
        if layer.bidirectional:
            raise ConfigError("layer: expected a unidirectional layer, got bidirectional=True")
        self.merge = check_choice("merge", merge, MERGE_MODES)
        self.forward_layer = layer
        try:
            self.backward_layer = copy.deepcopy(layer)
        except RuntimeError as e:   # a weight a forward pre-hook computes (prune, the legacy weight_norm): torch's error
            raise ConfigError(f"layer: expected a layer copy.deepcopy can copy (the backward stack starts as a copy), got "
                              f"one it cannot ({' '.join(str(e).split())[:100]}...); wrap the layer first, then prune or "
                              "normalise it, or use torch.nn.utils.parametrizations.weight_norm") from None
        _own_classes(self.backward_layer)
        self.backward_layer.reset_parameters()
        frozen = [n for n, p in self.backward_layer.named_parameters() if not p.requires_grad]
        if frozen:   # the copy keeps the flags: newly drawn weights that never train, without a word
            names = ", ".join(frozen[:3]) + (", ..." if len(frozen) > 3 else "")
            warnings.warn("Bidirectional: the backward copy's newly initialised weights are frozen as the layer's "
                          f"are ({names}: requires_grad=False), so they stay random; call "
                          ".backward_layer.requires_grad_(True) to train them", stacklevel=2)
        if hasattr(layer, "gradflow_reversed"):   # its gradient-flow records are a backward direction's
            self.backward_layer.gradflow_reversed = True
        self.batch_first = layer.batch_first

    @property
    def output_size(self) -> int:
        """Feature size of ``outputs`` (per direction for ``merge="none"``)."""
        return self.forward_layer.output_size * (2 if self.merge == "concat" else 1)

    def initial_state(self, batch_size: int, device=None, dtype=None):
        """Zeros in the layout ``forward`` takes and returns: the two stacks' initial states joined (forward
        first), as every stacked layer's ``initial_state`` (the wrapper had none: a caller carrying state had to
        build both halves and join them by hand)."""
        return _cat_states(self.forward_layer.initial_state(batch_size, device, dtype),
                           self.backward_layer.initial_state(batch_size, device, dtype))

    def step(self, x_t: Any, state: Any = None):
        """Not defined: the backward direction reads the sequence from its end, so a stream cannot be advanced
        one step (a ConfigError, as for a layer built with ``bidirectional=True``; it was an AttributeError)."""
        raise ConfigError("step: expected a unidirectional layer (the reverse direction needs the whole sequence), "
                          "got a Bidirectional wrapper")

    @accepts_packed
    @passes_ended
    def forward(self, x: Tensor, state: Any = None, lengths: Any = None):
        n = self.forward_layer.num_layers
        _check_both(state, 2 * n)
        s_f, s_b = _split_state(state, n)
        y_f, st_f = self.forward_layer(x, s_f, lengths)
        x_t, lens = self.forward_layer._check_input(x)[0], None
        if lengths is not None:
            lens = run_lengths(lengths, x_t.shape[1], x_t.shape[0], x_t.device)
        rev = lambda a: _flip_layout(a, lens, self.batch_first and a.dim() == 3)  # noqa: E731
        y_b, st_b = self.backward_layer(rev(x), s_b, lengths)
        return merge_directions(y_f, rev(y_b), self.merge), _cat_states(st_f, st_b)


def _own_classes(copied: nn.Module) -> None:
    """Give every parametrized module of ``copied`` (a deep copy) a class of its own. ``torch.nn.utils.parametrize``
    makes one class per parametrized module and keeps each weight as a property of it; a deep copy shares that class,
    and ``remove_parametrizations`` on either stack deleted the property from both: the other stack then had no
    weight (AttributeError: 'ParametrizedGRU' object has no attribute 'weight_hh_l0')."""
    for m in copied.modules():
        if parametrize.is_parametrized(m):
            cls = type(m)
            m.__class__ = type(cls.__name__, cls.__bases__, dict(cls.__dict__))


def _cat_states(a, b):
    """Two layers' states (a tensor or a tuple of them) joined along the first (layer) dimension."""
    if isinstance(a, Tensor):
        return torch.cat((a, b), 0)
    return tuple(torch.cat((x, y), 0) for x, y in zip(a, b))


def _check_both(state: Any, rows: int) -> None:
    """The state's tensors must hold both stacks' layers (``rows`` along the first dim) before they are
    split: otherwise the backward half is reported with a shape the caller never passed (``(0, B, H)``)."""
    if state is not None and not isinstance(state, (Tensor, tuple, list)):   # 0 was a bare 'int is not iterable'
        raise InputTypeError(f"state: expected None, a tensor or a tuple of tensors (both stacks' layers), got "
                             f"{type(state).__name__}")
    parts = state if isinstance(state, (tuple, list)) else (state,)
    bad = next((s for s in parts if not isinstance(s, Tensor)), None) if isinstance(state, (tuple, list)) else None
    if bad is not None:   # a string was cut into the two halves as if it were a tensor
        raise InputTypeError(f"state: expected a tuple of tensors, got one holding {type(bad).__name__}")
    for s in parts:
        if isinstance(s, Tensor):   # a sparse state failed in the split below (torch's NotImplementedError)
            check_dense("state", s)
        if isinstance(s, Tensor) and (s.dim() == 0 or s.shape[0] != rows):
            raise ShapeError(f"state: expected {rows} layers along the first dim (the forward stack's, then the "
                             f"backward stack's), got shape {tuple(s.shape)}")


def _split_state(state, n: int):
    """Inverse of :func:`_cat_states`: the first ``n`` layers' state and the rest (``None`` twice for ``None``)."""
    if state is None:
        return None, None
    if isinstance(state, Tensor):
        return state[:n], state[n:]
    return tuple(s[:n] for s in state), tuple(s[n:] for s in state)


def _flip_layout(a: Tensor, lengths: Tensor | None, batch_first: bool) -> Tensor:
    """Reverse the valid part of each sequence of ``a`` in the caller's layout (unbatched ``(T, F)``,
    ``(B, T, F)`` with ``batch_first``, else time-major)."""
    if a.dim() == 2:  # unbatched (T, F)
        return a.flip(0)
    if batch_first:
        return flip_sequences(a.transpose(0, 1), lengths).transpose(0, 1)
    return flip_sequences(a, lengths)
