"""What every stacked recurrent layer shares: :class:`StackedLayer` (constructor checks, the stack of
layers and directions, merging, layout, states, streaming checks, repr) and :func:`run_stack`.

A concrete layer (:class:`rnnkit.RecurrentLayer`, :class:`rnnkit.layers.minimal.MinimalRNN`) adds its
parameters and one method that runs one direction of one layer over a time-major sequence; the base
turns that into the PyTorch call ``outputs, state = layer(x, state=None, lengths=None)``:

* ``x`` ``(T, B, I)`` (``(B, T, I)`` with ``batch_first=True``) or unbatched ``(T, I)``; padded steps
  (beyond ``lengths``) are zeroed before anything reads them (:func:`~rnnkit.layers.inputs.prepare_sequence`);
* the reverse direction reads the valid part of each sequence reversed (:func:`run_stack`), and the
  returned state is each sequence's last valid step;
* between stacked layers the two directions are concatenated (torch.nn's layout, so weights keep
  torch.nn's shapes) and ``dropout`` applies in training; ``merge`` shapes only what the layer returns:
  ``(T, B, D*H)`` for ``"concat"``, ``(T, B, H)`` for ``"sum"``, ``"mul"``, ``"ave"``, a pair
  ``(forward, backward)`` for ``"none"``.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit._validate import check_bool, check_choice, check_int, check_rate
from rnnkit.engine.masks import flip_sequences
from rnnkit.errors import ConfigError, InputTypeError, ShapeError
from rnnkit.layers.inputs import allocate, check_factory, check_features, check_sequence_input, check_state_tensor, \
    refuse_inference_tensor, refuse_script, restore_layout

__all__ = ["MERGE_MODES", "merge_directions", "run_stack", "StackedLayer", "check_factory"]


MERGE_MODES = ("concat", "sum", "mul", "ave", "none")


def merge_directions(fwd: Tensor, bwd: Tensor, merge: str):
    """Combine the two directions' outputs (last dim ``H`` each) by ``merge``.

    >>> f, b = torch.ones(1, 2), torch.full((1, 2), 3.0)
    >>> merge_directions(f, b, "concat").tolist(), merge_directions(f, b, "ave").tolist()
    ([[1.0, 1.0, 3.0, 3.0]], [[2.0, 2.0]])
    """
    if merge == "concat":
        return torch.cat((fwd, bwd), -1)
    if merge == "sum":
        return fwd + bwd
    if merge == "mul":
        return fwd * bwd
    if merge == "ave":
        return (fwd + bwd) * 0.5
    return (fwd, bwd)


def run_stack(x: Tensor, lengths: Tensor | None, num_layers: int, num_directions: int,
              direction: Callable[[int, int, Tensor], tuple[Tensor, tuple[Tensor, ...]]],
              between: Callable[[Tensor, int], Tensor] | None = None) -> tuple[Tensor, tuple[Tensor, ...]]:
    """Run a stack of layers and directions over the time-major ``x`` ``(T, B, F)``.

    ``direction(layer, d, seq) -> (y, final_state)`` runs one direction of one layer; for ``d = 1`` it
    receives each sequence's valid part reversed (``lengths``) and its output is reversed back. The
    directions' outputs are concatenated as the next layer's input; ``between(inputs, layer)`` is applied
    after every layer but the last (dropout). Returns the last layer's outputs ``(T, B, D*S)`` and, per
    state tensor, the final states stacked ``(L*D, B, S)`` in torch.nn's order (layer-major).
    """
    finals: list[tuple[Tensor, ...]] = []
    inp = x
    for layer in range(num_layers):
        outs = []
        for d in range(num_directions):
            seq = flip_sequences(inp, lengths) if d else inp
            y, fin = direction(layer, d, seq)
            outs.append(flip_sequences(y, lengths) if d else y)
            finals.append(tuple(fin))
        inp = torch.cat(outs, -1) if num_directions > 1 else outs[0]
        if between is not None and layer < num_layers - 1:
            inp = between(inp, layer)
    return inp, tuple(torch.stack(parts, 0) for parts in zip(*finals))


class StackedLayer(nn.Module):
    """Base of the stacked, optionally bidirectional layers (see the module docstring).

    A subclass sets its parameters after ``super().__init__(...)`` and defines ``_state_sizes()`` (the
    feature size of each state tensor, the output's first), ``_weight()`` (a parameter whose dtype and
    device are the layer's) and runs directions through :func:`run_stack`.
    """

    #: ``(attribute, default)`` pairs shown by ``repr`` when not at their default.
    _repr_defaults: ClassVar[tuple[tuple[str, Any], ...]] = (
        ("bias", True), ("batch_first", False), ("dropout", 0.0), ("bidirectional", False), ("merge", "concat"))

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, bias: bool, batch_first: bool,
                 dropout: float, bidirectional: bool, merge: str) -> None:
        super().__init__()
        self.input_size = check_int("input_size", input_size)
        self.hidden_size = check_int("hidden_size", hidden_size)
        self.num_layers = check_int("num_layers", num_layers)
        bias, batch_first, bidirectional = (check_bool(name, flag) for name, flag in (   # np.True_ kept as True
            ("bias", bias), ("batch_first", batch_first), ("bidirectional", bidirectional)))
        self.dropout = check_rate("dropout", dropout, closed=True)  # torch.nn accepts 1.0: zeros between layers
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout > 0 applies between stacked layers; with num_layers=1 it does nothing",
                          stacklevel=4)
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.merge = check_choice("merge", merge, MERGE_MODES)
        if merge != "concat" and not bidirectional:   # merge="none" still returned one tensor, not a pair
            warnings.warn(f"merge={merge!r} combines the two directions; with bidirectional=False it does nothing "
                          "(wrap the layer in rnnkit.Bidirectional(layer, merge=...) to merge two stacks)",
                          stacklevel=4)

    def __prepare_scriptable__(self):
        refuse_script(self)     # torch.jit.script: a ConfigError naming the layer and what to use instead

    # ----------------------------------------------------------------- what a subclass declares
    def _state_sizes(self) -> tuple[int, ...]:
        """Feature size of each state tensor (the output's first)."""
        return (self.hidden_size,)

    def _weight(self) -> Tensor:  # pragma: no cover - declared by subclasses
        raise NotImplementedError

    def _repr_head(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"

    # ----------------------------------------------------------------- properties
    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:
        """Feature size of ``outputs`` (per direction for ``merge="none"``)."""
        return self._state_sizes()[0] * (self.num_directions if self.merge == "concat" else 1)

    @property
    def all_weights(self) -> list[list[Tensor]]:
        """torch.nn.RNNBase's ``all_weights``: one list per layer and direction (``l0``, ``l0_reverse``, ``l1``, ...)
        of its weights in torch.nn's order (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``, ``weight_hr``), as
        the layer reads them now (a parametrized or pruned weight's value). A layer with no torch.nn weights (MinGRU,
        MinLSTM) has none: AttributeError, as before session 35 for every rnnkit layer."""
        names = self.__dict__.get("_weight_names")
        if names is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'all_weights' (it has no torch.nn "
                                 "weights)")
        per = len(names) // (self.num_layers * (2 if self.bidirectional else 1))
        return [[getattr(self, n) for n in names[i:i + per]] for i in range(0, len(names), per)]

    def extra_repr(self) -> str:
        s = self._repr_head()
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for name, default in self._repr_defaults:
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)!r}"
        return s

    # ----------------------------------------------------------------- checks and layout
    def _check_input(self, x: Any) -> tuple[Tensor, bool]:
        """``x`` validated and time-major ``(T, B, I)``, and whether it was batched."""
        w = self._weight()
        return check_sequence_input(x, self.input_size, w.dtype, self.batch_first, w.device)

    def _check_states(self, state: Any, batch: int, batched: bool, ref: Tensor) -> tuple[Tensor, ...]:
        """The initial state as a tuple of ``(L*D, B, S)`` tensors (zeros for ``None``); one tensor for a
        one-state layer, a tuple of them in ``state_names`` order otherwise."""
        sizes = self._state_sizes()
        names = self._state_names()
        n, LD = len(sizes), self.num_layers * self.num_directions
        if state is None:
            return tuple(ref.new_zeros(LD, batch, S) for S in sizes)
        if n == 1 and not isinstance(state, Tensor):
            raise InputTypeError(f"state: expected a tensor of shape ({LD}, {batch}, {sizes[0]}), got {type(state).__name__}")
        if n > 1 and (not isinstance(state, (tuple, list)) or len(state) != n
                      or not all(isinstance(s, Tensor) for s in state)):
            got = type(state).__name__    # a tuple of arrays read 'got tuple': the kinds inside named
            if isinstance(state, (tuple, list)):
                got = f"a {got} of {len(state)}: ({', '.join(type(s).__name__ for s in state[:4])}" \
                      f"{', ...' if len(state) > 4 else ''})"
            raise InputTypeError(f"state: expected a tuple of {n} tensors {names}, got {got}")
        parts = (state,) if n == 1 else state
        label = (lambda name: "state") if n == 1 else (lambda name: f"state ({name})")
        checked = tuple(check_state_tensor(label(name), s, (LD, batch, S) if batched else (LD, S), ref, batched)
                        for name, s, S in zip(names, parts, sizes))
        for name, s in zip(names, parts):
            # autograd cannot save it; each engine failed differently (torch's RuntimeError, or none at all)
            refuse_inference_tensor(label(name), "state", s, self, ref)
        return checked

    def _state_names(self) -> tuple[str, ...]:
        return ("h",)

    def _between_layers(self, inp: Tensor, layer: int) -> Tensor:
        """Dropout between stacked layers, in training only."""
        if self.dropout > 0 and self.training:
            return F.dropout(inp, self.dropout, training=True)
        return inp

    def _finish(self, out: Tensor, finals: tuple[Tensor, ...], batched: bool):
        """Merge the directions, restore the caller's layout and the state's shape (one tensor or a tuple)."""
        if self.bidirectional:
            S = out.shape[-1] // 2
            out = merge_directions(out[..., :S], out[..., S:], self.merge)
        out = restore_layout(out, batched, self.batch_first)
        finals = tuple(s if batched else s.squeeze(1) for s in finals)
        return out, (finals if len(finals) > 1 else finals[0])

    def _check_step_input(self, x_t: Any) -> bool:
        """Checks of a streaming step's input ``(B, I)`` or ``(I,)``; returns whether it is batched."""
        if self.bidirectional:
            raise ConfigError("step: expected a unidirectional layer (the reverse direction needs the whole "
                              "sequence), got bidirectional=True")
        if not isinstance(x_t, Tensor):
            raise InputTypeError(f"x_t: expected a torch.Tensor, got {type(x_t).__name__}")
        if x_t.dim() not in (1, 2):
            raise ShapeError(f"x_t: expected shape (B, {self.input_size}) or ({self.input_size},), got {tuple(x_t.shape)}")
        w = self._weight()
        check_features(x_t, "x_t", self.input_size, w.dtype, w.device)
        refuse_inference_tensor("x_t", "x_t", x_t, self, x_t)
        return x_t.dim() == 2

    def _new_parameter(self, shape: tuple[int, ...], factory: dict[str, Any]) -> nn.Parameter:
        """An uninitialised parameter; a size that cannot be allocated is a ConfigError naming the sizes."""
        return allocate(lambda: nn.Parameter(torch.empty(*shape, **factory)), "hidden_size",
                        f"input_size={self.input_size}, hidden_size={self.hidden_size} (a weight of shape {shape})")

    def initial_state(self, batch_size: int, device=None, dtype=None):
        """Zeros in the layout ``forward`` takes and returns (``dtype``/``device`` default to the weights').

        ``batch_size`` is an int >= 0 (``2.0`` raised torch's TypeError, ``-1`` its RuntimeError and
        ``True`` gave a batch of one); ``dtype`` a floating dtype, as the layer's own."""
        check_int("batch_size", batch_size, low=0)
        factory = check_factory(device, dtype)
        device, dtype = factory["device"], factory["dtype"]
        w = self._weight()
        zs = tuple(torch.zeros(self.num_layers * self.num_directions, batch_size, S,
                               device=device or w.device, dtype=dtype or w.dtype)
                   for S in self._state_sizes())
        return zs[0] if len(zs) == 1 else zs
