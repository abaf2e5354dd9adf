"""Export-friendly twins of the recurrent layers: the same parameters, the same call and the same cell
math, with the time loop written as ``torch.scan`` (a higher-order op that ``torch.export`` keeps as one
node and the ONNX exporter turns into one ONNX ``Scan``), so the exported graph has a dynamic time axis.

Why a twin and not the layer itself: the layer's engines cannot be exported as they run.

* the hand engines (``bptt``, ``fused``) wrap the loop in a custom ``autograd.Function`` and loop in
  Python: tracing unrolls the loop, fixing the time axis to the example's length;
* the native path calls ``torch._VF.lstm``; the ONNX exporter maps it to ONNX ``LSTM`` with the time axis
  of the example baked into the graph (a bidirectional model then rejects any other length), and
  ``lengths`` go through ``pack_padded_sequence``, which reads the lengths on the host;
* ``check_lengths`` reads ``lengths.min()`` / ``.max()`` on the host (a data-dependent branch).

A twin calls the engine's own step function (:func:`rnnkit.engine.step.forward_step`: recurrent GEMM,
the cell's ``forward``, zoneout, the length mask) once per step inside the scan, so every cell and
variant the engine runs exports with no per-cell code; the stack of layers and directions, the input
projection, merge and layout are the layers' own (:func:`rnnkit.layers.base.run_stack`,
``project_inputs``, ``_finish``). Inference only: the twins run the evaluation
form (zoneout at its expected rate; dropout, recurrent dropout and DropConnect off). ``lengths`` are not
validated inside a graph (a graph cannot raise): values outside ``[0, T]`` give undefined outputs (0: as the
layer, zeros out and the given state back).

>>> import torch, rnnkit
>>> lstm = rnnkit.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True, layer_norm=True).eval()
>>> twin = exportable(lstm)
>>> x, lengths = torch.randn(4, 6, 3), torch.tensor([6, 2, 5, 1])
>>> y, (h, c) = lstm(x, lengths=lengths)
>>> y2, (h2, c2) = twin(x, lengths=lengths)
>>> bool(torch.allclose(y, y2, atol=1e-6) and torch.allclose(h, h2, atol=1e-6))
True
"""

from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch._higher_order_ops.scan import scan_op

from rnnkit.engine.masks import step_mask, zero_padding
from rnnkit.engine.step import LoopOptions, forward_step
from rnnkit.errors import ConfigError
from rnnkit.layers.base import merge_directions, run_stack
from rnnkit.layers.bidirectional import Bidirectional, _cat_states, _flip_layout, _split_state
from rnnkit.layers.interop import convert_torch
from rnnkit.layers.minimal import MinimalRNN
from rnnkit.layers.nested import Recurrent
from rnnkit.layers.recurrent import RecurrentLayer

__all__ = ["exportable", "baked_copy", "ScanLayer", "ScanMinimal", "ScanBidirectional", "unsupported_modules"]


def _scan(body, init: tuple[Tensor, ...], xs: tuple[Tensor, ...], consts: tuple[Tensor, ...]):
    """``torch.scan`` over dim 0 of ``xs``: ``body(carry, xs_t, consts) -> (carry, ys_t)`` (tuples).

    The scan op is called directly with the tensors the body reads passed in ``consts``: the public
    ``torch._higher_order_ops.scan.scan`` first compiles every call with Dynamo (seconds per layer and
    direction when exporting), which the op's own tracing under ``torch.export`` does not need."""
    n_init, n_xs = len(init), len(xs)

    def flat(*args):
        carry, ys = body(args[:n_init], args[n_init:n_init + n_xs], args[n_init + n_xs:])
        return (*carry, *ys)

    out = scan_op(flat, list(init), list(xs), tuple(consts))
    return tuple(out[:n_init]), tuple(out[n_init:])


def _lengths(lengths: Any, device) -> Tensor | None:
    """``lengths`` as an int64 tensor on ``device`` (no value checks: they would be host reads)."""
    if lengths is None:
        return None
    return torch.as_tensor(lengths).to(device=device, dtype=torch.long)


class _ScanStack(nn.Module):
    """What both twins share: the layer's own stack of layers and directions (:func:`run_stack`: the
    reverse direction reads the valid part of each sequence reversed), dropout-free between layers, and
    its merge and layout (``_finish``). A subclass runs one direction of one layer:
    ``_direction(k, d, seq, mask, state0) -> (y, finals)``."""

    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.layer = layer  # parameters shared, not copied
        self.batch_first = layer.batch_first

    def forward(self, x: Tensor, state: Any = None, lengths: Any = None):
        L = self.layer
        x, batched = L._check_input(x)
        state0 = self._state0(state, x.shape[1], batched, x)
        lengths = _lengths(lengths, x.device)
        mask = None if lengths is None else step_mask(lengths, x.shape[0])
        if mask is not None:  # padded steps never reach a projection (NaN padding stays out), as the layer
            x = zero_padding(x, mask)
        D = L.num_directions

        def direction(k: int, d: int, seq: Tensor):
            return self._direction(k, d, seq, mask, tuple(s[k * D + d] for s in state0))

        out, finals = run_stack(x, lengths, L.num_layers, D, direction)
        return L._finish(out, finals, batched)

    def _state0(self, state: Any, B, batched: bool, ref: Tensor) -> tuple[Tensor, ...]:
        raise NotImplementedError

    def _direction(self, k: int, d: int, seq: Tensor, mask: Tensor | None, s0: tuple[Tensor, ...]):
        raise NotImplementedError


class ScanLayer(_ScanStack):
    """Export-friendly twin of a :class:`rnnkit.RecurrentLayer` (any registered cell and variant)."""

    def _state0(self, state, B, batched, ref):
        return self.layer._check_state(state, B, batched, ref)

    def _direction(self, k, d, seq, mask, s0):
        L = self.layer
        w_ih, w_hh, b_ih, b_hh, cell_params, ln_ih = L._params(k, d)
        xp, rec_bias = L.project_inputs(seq, w_ih, b_ih, b_hh, ln_ih)
        sizes = L.cell.state_sizes(L.hidden_size)
        keep = tuple(L.zoneout for _ in sizes) if L.zoneout else None  # zoneout in evaluation: the rate
        spec = LoopOptions(L.cell, n_params=len(cell_params), keep=keep).spec(mask is not None, rec_bias is not None)
        keep_t = () if keep is None else (None,) * len(keep)
        has_bias = rec_bias is not None
        consts = (w_hh, *cell_params) + ((rec_bias,) if has_bias else ())

        def body(state, xs, c):
            m_t = xs[1] if len(xs) > 1 else None
            bias = c[-1] if has_bias else None
            params = c[1:len(c) - has_bias]
            new, out, _, _ = forward_step(spec, xs[0], state[0], c[0].t(), bias, None, m_t, keep_t, params, state)
            return tuple(new), (out.clone(),)  # the output must not alias the carry

        final, (ys,) = _scan(body, tuple(s0), (xp,) if mask is None else (xp, mask), consts)
        return ys, final


class ScanMinimal(_ScanStack):
    """Export-friendly twin of :class:`rnnkit.MinGRU` / :class:`rnnkit.MinLSTM`: the linear recurrence
    ``h_t = a_t ⊙ h_{t-1} + (1 - a_t) ⊙ g_t`` stepped by ``torch.scan`` (gates from one GEMM first)."""

    def _state0(self, state, B, batched, ref):
        L = self.layer
        h = L._check_state(state, B, batched, ref)
        if h is None:
            h = ref.new_zeros(L.num_layers * L.num_directions, B, L.hidden_size)
        return (h,)

    def _direction(self, k, d, seq, mask, s0):
        L = self.layer
        a, g = L.math.coefficients(F.linear(seq, *L._params(k, d)))
        b = (1 - a) * g

        def body(carry, xs, _):
            h = carry[0]
            new = xs[0] * h + xs[1]
            if len(xs) > 2:  # padded steps keep the state and emit zeros
                new = torch.where(xs[2], new, h)
                return (new,), (new * xs[2],)
            return (new,), (new.clone(),)

        final, (ys,) = _scan(body, (s0[0],), (a, b) if mask is None else (a, b, mask), ())
        return ys, final


class ScanBidirectional(nn.Module):
    """Export-friendly twin of :class:`rnnkit.Bidirectional` (two whole stacks, right to left second)."""

    def __init__(self, bi: Bidirectional) -> None:
        super().__init__()
        self.forward_layer, self.backward_layer = _twin(bi.forward_layer), _twin(bi.backward_layer)
        self.merge, self.batch_first = bi.merge, bi.batch_first
        self.num_layers = bi.forward_layer.num_layers

    def forward(self, x: Tensor, state: Any = None, lengths: Any = None):
        s_f, s_b = _split_state(state, self.num_layers)
        y_f, st_f = self.forward_layer(x, s_f, lengths)
        lens = _lengths(lengths, x.device)
        rev = lambda a: _flip_layout(a, lens, self.batch_first and a.dim() == 3)  # noqa: E731
        y_b, st_b = self.backward_layer(rev(x), s_b, lengths)
        return merge_directions(y_f, rev(y_b), self.merge), _cat_states(st_f, st_b)


def _twin(module: nn.Module) -> nn.Module:
    if isinstance(module, RecurrentLayer):
        return ScanLayer(module)
    if isinstance(module, MinimalRNN):
        return ScanMinimal(module)
    if isinstance(module, Bidirectional):
        return ScanBidirectional(module)
    if isinstance(module, (nn.LSTM, nn.GRU, nn.RNN)):  # torch.nn's own: same weights, exportable loop (a subclass's
        return ScanLayer(convert_torch(module, own_forward=True))   # own forward: the parity check against it decides)
    return module


def unsupported_modules(model: nn.Module) -> list[str]:
    """Names of submodules whose time loop cannot be exported with a dynamic time axis (a Python loop:
    :class:`rnnkit.Recurrent` over a user cell)."""
    return [name or type(model).__name__ for name, m in model.named_modules() if isinstance(m, Recurrent)]


def exportable(model: nn.Module) -> nn.Module:
    """A copy of ``model`` in evaluation mode with every recurrent layer (rnnkit's ``RecurrentLayer``,
    ``MinGRU``/``MinLSTM``, ``Bidirectional``, and ``torch.nn.RNN/LSTM/GRU``) replaced by its
    export-friendly twin; parameters are copied and frozen (``requires_grad=False``: the scan's autograd
    form cannot be exported with a dynamic batch), ``model`` itself is untouched."""
    if not isinstance(model, nn.Module):
        raise ConfigError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    try:
        model = copy.deepcopy(model).eval()
    except RuntimeError as e:   # torch.nn.utils.weight_norm's weights (not graph leaves): torch's bare RuntimeError
        raise ConfigError(f"model: expected a module copy.deepcopy can copy (export works on a copy, the model stays "
                          f"untouched), got a {type(model).__name__} it cannot ({' '.join(str(e).split())[:160]}...); "
                          "for torch.nn.utils.weight_norm (deprecated) use torch.nn.utils.parametrizations.weight_norm, "
                          "which exports") from None
    _bake(model)
    root = _twin(model)
    if root is model:
        _swap(model)
    _freeze(root)
    return root.eval()


def _bake(model: nn.Module) -> None:
    """Every weight ``torch.nn.utils.parametrize`` computes in the copy ``model`` (in evaluation mode) replaced by its
    value: the graph holds the weight, not the computation of it -- an orthogonal weight's matrix exponential has no
    ONNX form (torch's many-line ConversionError), and every call of the graph would compute it again. Not by
    ``remove_parametrizations``: the class torch made for a parametrized module is shared by its deep copy, and
    removing the last parametrization deletes the weight's property from that class -- the caller's model too."""
    from torch.nn.utils import parametrize

    for m in [m for m in model.modules() if parametrize.is_parametrized(m)]:
        with torch.no_grad():
            values = {name: getattr(m, name).detach().clone() for name in m.parametrizations}
        del m._modules["parametrizations"]
        m.__class__ = m.__class__.__bases__[0]      # the module's own class, as remove_parametrizations restores it
        for name, value in values.items():
            m.register_parameter(name, nn.Parameter(value, requires_grad=False))


def baked_copy(module: nn.Module) -> nn.Module:
    """A copy of ``module`` in evaluation mode whose parametrized weights are plain, holding their values
    (:func:`_bake`): what :func:`rnnkit.from_torch` converts of a torch.nn RNN exported alone, whose parametrized weight
    it refuses (its advice, remove_parametrizations, would change the caller's layer)."""
    copied = copy.deepcopy(module).eval()
    _bake(copied)
    return copied


def _freeze(module: nn.Module) -> None:
    """Turn every parameter into a buffer holding the same tensor (after the swap: torch.nn layers became
    new rnnkit layers). Exported programs then carry constants, not trainable weights: tracing never
    builds the scan's autograd form (seconds per scan, and it fails with a dynamic batch)."""
    for m in module.modules():
        for name, p in list(m._parameters.items()):
            del m._parameters[name]       # a None parameter (Linear(bias=False)'s bias) stays a None attribute
            m.register_buffer(name, None if p is None else p.detach())


def _swap(module: nn.Module) -> None:
    for name, child in list(module.named_children()):
        twin = _twin(child)
        if twin is child:
            _swap(child)
        else:
            setattr(module, name, twin.eval())
