"""Recurrent layers users hold: ElmanRNN, LSTM, GRU (any registered cell), Bidirectional, Recurrent.

Symbols: ``T`` sequence length, ``B`` batch, ``I`` input size, ``H`` hidden size, ``L`` num_layers,
``D`` 2 if bidirectional else 1.

Every layer is called as ``outputs, state = layer(x, state=None, lengths=None)`` -- always this pair:

* ``x``: ``(T, B, I)`` (``(B, T, I)`` with ``batch_first=True``) or unbatched ``(T, I)``.
* ``state``: for one-state cells (Elman, GRU) a tensor ``(L*D, B, H)``; for LSTM a tuple ``(h, c)`` of
  such tensors -- the same layout as ``torch.nn``. ``None`` means zeros.
* ``lengths``: ``(B,)`` integers in ``[1, T]``; padded steps keep the state and emit zeros, the reverse
  direction reverses only the valid part, and the returned state is each sequence's last valid step.
* ``outputs``: ``(T, B, D*H)`` for ``merge="concat"`` (torch.nn's layout), ``(T, B, H)`` for
  ``"sum"``, ``"mul"``, ``"ave"``, and a pair ``(forward, backward)`` of ``(T, B, H)`` for ``"none"``.
  Between stacked layers the two directions are always concatenated, as in torch.nn, so weights keep
  torch.nn's shapes; ``merge`` shapes only what the layer returns.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.cells.base import CellMath, RecurrentCell, get_cell
from rnnkit.cells.variants import LayerNormRecurrent, LSTMVariantMath
from rnnkit.engine import gradflow
from rnnkit.engine.bptt import LoopOptions, run_bptt
from rnnkit._validate import check_bool, check_choice, check_int, check_rate
from rnnkit.engine.masks import check_lengths, flip_sequences, step_mask, zero_padding
from rnnkit.engine.native import run_native
from rnnkit.engine.reference import run_reference
from rnnkit.engine.scan import scan, tree_leaves, tree_map
from rnnkit.errors import ConfigError, InputTypeError, ShapeError
from rnnkit.layers.inputs import autocast_dtype, check_sequence_input, check_state_tensor, prepare_sequence, restore_layout

__all__ = ["RecurrentLayer", "ElmanRNN", "LSTM", "GRU", "Bidirectional", "Recurrent", "MERGE_MODES", "merge_directions"]

MERGE_MODES = ("concat", "sum", "mul", "ave", "none")
_ENGINES = ("auto", "native", "bptt", "fused", "reference")


def merge_directions(fwd: Tensor, bwd: Tensor, merge: str):
    """Combine the two directions' outputs (last dim ``H`` each) by ``merge``."""
    if merge == "concat":
        return torch.cat((fwd, bwd), -1)
    if merge == "sum":
        return fwd + bwd
    if merge == "mul":
        return fwd * bwd
    if merge == "ave":
        return (fwd + bwd) * 0.5
    return (fwd, bwd)


class RecurrentLayer(nn.Module):
    """A stacked, optionally bidirectional recurrent layer over any registered cell.

    Parameters are named as in ``torch.nn`` (``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
    ``bias_hh_l{k}``, with ``_reverse`` for the backward direction) with the same gate order, so
    ``state_dict`` s move between the two.

    ``engine`` picks the time loop: ``"auto"`` (torch's fused kernels when the cell has one, else the
    hand-written BPTT), ``"native"``, ``"bptt"`` (hand-written backward), ``"fused"`` (the hand-written
    BPTT with each step's GEMM + pointwise work compiled by ``torch.compile`` into one function each way,
    :mod:`rnnkit.engine.fused`; falls back to ``"bptt"`` with a warning if compilation fails),
    ``"reference"`` (plain autograd loop over the same math; for tests and baselines).
    :func:`rnnkit.accelerate` switches every layer of a model to ``"fused"``.
    """

    def __init__(self, cell: str | CellMath, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, merge: str = "concat", engine: str = "auto",
                 device=None, dtype=None, *, layer_norm: bool = False, peephole: bool = False,
                 proj_size: int = 0, recurrent_dropout: float = 0.0, zoneout: float = 0.0,
                 dropconnect: float = 0.0, checkpoint_steps: int = 0) -> None:
        super().__init__()
        base = get_cell(cell)
        self.input_size = check_int("input_size", input_size)
        self.hidden_size = check_int("hidden_size", hidden_size)
        self.num_layers = check_int("num_layers", num_layers)
        for name, flag in (("bias", bias), ("batch_first", batch_first), ("bidirectional", bidirectional),
                           ("layer_norm", layer_norm), ("peephole", peephole)):
            check_bool(name, flag)
        dropout = check_rate("dropout", dropout, closed=True)  # torch.nn accepts 1.0: zeros between layers
        rates = [check_rate(n, p) for n, p in (("recurrent_dropout", recurrent_dropout), ("zoneout", zoneout),
                                               ("dropconnect", dropconnect))]
        check_int("proj_size", proj_size, low=0, high=self.hidden_size,
                  what=f"an int in [0, hidden_size={hidden_size})")
        self.checkpoint_steps = check_int("checkpoint_steps", checkpoint_steps, low=0,
                                          what="an int >= 0 (0 = keep every step's activations)")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout > 0 applies between stacked layers; with num_layers=1 it does nothing",
                          stacklevel=2)
        if peephole or proj_size or (layer_norm and base.name == "lstm"):
            if base.name != "lstm":
                what = "peephole" if peephole else "proj_size"
                raise ConfigError(f"{what}: expected an LSTM cell, got cell {base.name!r}")
            base = LSTMVariantMath(peephole=peephole, proj_size=proj_size, layer_norm_cell=layer_norm)
        self.cell = LayerNormRecurrent(base) if layer_norm else base
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.layer_norm, self.peephole, self.proj_size = layer_norm, peephole, proj_size
        self.dropout = dropout
        self.recurrent_dropout, self.zoneout, self.dropconnect = rates
        self.merge = check_choice("merge", merge, MERGE_MODES)
        self.engine = check_choice("engine", engine, _ENGINES)
        if engine == "native" and not self.native_ok:
            raise ConfigError(f"engine: 'native' needs a configuration torch.nn computes, got cell "
                              f"{self.cell.name!r} with {self._variant_summary() or 'no variants'}")
        self.gradflow_name: str | None = None
        factory = {"device": device, "dtype": dtype}
        G = self.cell.num_gates * hidden_size
        S = self.cell.state_sizes(hidden_size)[0]
        self._weight_names: list[str] = []  # torch.nn's flat-weights order (the native kernels take these)
        self._inits: dict[str, str] = {}
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else S * self.num_directions
            for suffix in ("", "_reverse")[: self.num_directions]:
                specs = [("weight_ih", (G, in_size), "uniform"), ("weight_hh", (G, S), "uniform")]
                if bias:
                    specs += [("bias_ih", (G,), "uniform"), ("bias_hh", (G,), "uniform")]
                specs += self.cell.param_specs(hidden_size)
                if layer_norm:
                    specs += [("ln_ih_weight", (G,), "ones"), ("ln_ih_bias", (G,), "zeros")]
                for n, shape, init in specs:
                    full = f"{n}_l{layer}{suffix}"
                    setattr(self, full, nn.Parameter(torch.empty(*shape, **factory)))
                    self._inits[full] = init
                    if n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"):
                        self._weight_names.append(full)
        self.reset_parameters()

    @property
    def native_ok(self) -> bool:
        """Whether torch.nn computes exactly this configuration (so the fused kernels can run it)."""
        return (self.cell.native is not None and not self.recurrent_dropout and not self.zoneout
                and not self.dropconnect and not self.checkpoint_steps)

    def _variant_summary(self) -> str:
        on = [f"{n}={getattr(self, n)!r}" for n, off in (("layer_norm", False), ("peephole", False),
              ("proj_size", 0), ("recurrent_dropout", 0.0), ("zoneout", 0.0), ("dropconnect", 0.0),
              ("checkpoint_steps", 0))
              if getattr(self, n) != off]
        return ", ".join(on)

    # ----------------------------------------------------------------- properties
    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:
        """Feature size of ``outputs`` (per direction for ``merge="none"``)."""
        S = self.cell.state_sizes(self.hidden_size)[0]
        return S * (self.num_directions if self.merge == "concat" else 1)

    def flatten_parameters(self) -> None:
        """On CUDA with cuDNN, lay the weights out in one contiguous buffer (as torch.nn does) so the
        native path does not copy them on every call. A no-op elsewhere, for non-native cells, and (as in
        torch.nn) while a weight is missing or not a tensor (deleted, or being replaced by a reparametrisation
        such as weight norm), so ``.to()`` / ``.double()`` still work then."""
        flat = [getattr(self, n, None) for n in self._weight_names]
        native = self.cell.native
        if native is None or not all(isinstance(w, Tensor) for w in flat):
            return
        if not all(w.is_cuda and torch.backends.cudnn.is_acceptable(w) for w in flat):
            return
        if len({w.dtype for w in flat}) != 1 or len({w.data_ptr() for w in flat}) != len(flat):
            return
        import torch.backends.cudnn.rnn as cudnn_rnn

        mode = {"lstm": "LSTM", "gru": "GRU", "rnn_tanh": "RNN_TANH", "rnn_relu": "RNN_RELU"}[native]
        with torch.cuda.device_of(flat[0]), torch.no_grad():
            if torch._use_cudnn_rnn_flatten_weight():
                n_w = (4 if self.bias else 2) + (1 if self.proj_size else 0)
                torch._cudnn_rnn_flatten_weight(flat, n_w, self.input_size,
                                                cudnn_rnn.get_cudnn_mode(mode), self.hidden_size, self.proj_size,
                                                self.num_layers, self.batch_first, self.bidirectional)

    def _apply(self, fn, recurse=True):
        result = super()._apply(fn, recurse)
        self.flatten_parameters()
        return result

    def reset_parameters(self) -> None:
        """torch.nn's initialisation: every weight uniform in ``±1/sqrt(hidden_size)``; LayerNorm gains
        one and shifts zero."""
        k = 1.0 / math.sqrt(self.hidden_size)
        with torch.no_grad():
            for name, p in self.named_parameters():
                init = self._inits[name]
                if init == "uniform":
                    nn.init.uniform_(p, -k, k)
                else:
                    p.fill_(1.0 if init == "ones" else 0.0)

    def _params(self, layer: int, direction: int, cast: torch.dtype | None = None):
        """``(w_ih, w_hh, b_ih, b_hh, cell_params, ln_ih)`` of one layer and direction (as ``cast``
        copies when given: autocast)."""
        s = "_reverse" if direction else ""
        if cast is None:
            get = lambda n: getattr(self, f"{n}_l{layer}{s}")  # noqa: E731
        else:
            get = lambda n: getattr(self, f"{n}_l{layer}{s}").to(cast)  # noqa: E731
        b_ih, b_hh = (get("bias_ih"), get("bias_hh")) if self.bias else (None, None)
        cell_params = tuple(get(n) for n, _, _ in self.cell.param_specs(self.hidden_size))
        ln_ih = (get("ln_ih_weight"), get("ln_ih_bias")) if self.layer_norm else None
        return get("weight_ih"), get("weight_hh"), b_ih, b_hh, cell_params, ln_ih

    def project_inputs(self, seq: Tensor, w_ih: Tensor, b_ih: Tensor | None, b_hh: Tensor | None, ln_ih):
        """The input projection of every step at once (one GEMM), as ``(xp, recurrent_bias)``: for
        additive cells ``b_hh`` is folded into ``xp`` (recurrent bias ``None``); with ``layer_norm`` the
        projection is layer-normalised (``ln_ih`` = gain, shift). Arguments as :meth:`_params` returns."""
        if ln_ih is not None:
            return F.layer_norm(F.linear(seq, w_ih, b_ih), (w_ih.shape[0],), ln_ih[0], ln_ih[1]), b_hh
        if self.cell.additive:
            return F.linear(seq, w_ih, None if b_ih is None else b_ih + b_hh), None
        return F.linear(seq, w_ih, b_ih), b_hh

    def extra_repr(self) -> str:
        s = f"cell={self.cell.name}, {self.input_size}, {self.hidden_size}"
        if self._variant_summary():
            s += ", " + self._variant_summary()
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False), ("merge", "concat"), ("engine", "auto")):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)!r}"
        return s

    # ----------------------------------------------------------------- input checks
    def _check_input(self, x: Any) -> tuple[Tensor, bool]:
        return check_sequence_input(x, self.input_size, self.weight_ih_l0.dtype, self.batch_first)

    def _check_state(self, state: Any, batch: int, batched: bool, ref: Tensor) -> tuple[Tensor, ...]:
        n = len(self.cell.state_names)
        LD = self.num_layers * self.num_directions
        sizes = self.cell.state_sizes(self.hidden_size)
        if state is None:
            return tuple(ref.new_zeros(LD, batch, S) for S in sizes)
        parts = (state,) if n == 1 else state
        if n == 1 and not isinstance(state, Tensor):
            raise InputTypeError(f"state: expected a tensor of shape ({LD}, {batch}, {sizes[0]}), got {type(state).__name__}")
        if n > 1 and (not isinstance(state, (tuple, list)) or len(state) != n
                      or not all(isinstance(s, Tensor) for s in state)):
            raise InputTypeError(f"state: expected a tuple of {n} tensors {self.cell.state_names}, got {type(state).__name__}")
        return tuple(check_state_tensor(f"state ({name})", s, (LD, batch, S) if batched else (LD, S), ref, batched)
                     for name, s, S in zip(self.cell.state_names, parts, sizes))

    def _pick_engine(self) -> str:
        if self.engine != "auto":
            return self.engine
        if self.native_ok and not gradflow.active():
            return "native"
        return "bptt"

    # ----------------------------------------------------------------- forward
    def forward(self, x: Tensor, state: Any = None, lengths: Any = None):
        """``outputs, state = layer(x, state=None, lengths=None)`` (see the module docstring)."""
        x, batched, lengths, mask = prepare_sequence(x, lengths, self.input_size, self.weight_ih_l0.dtype,
                                                     self.batch_first)
        state0 = self._check_state(state, x.shape[1], batched, x)
        cast = autocast_dtype(x)
        engine = self._pick_engine()
        if cast is not None and (engine != "native" or x.device.type == "cpu"):
            # Under autocast the hand engines run wholly in the autocast dtype (inputs, states and a
            # differentiable copy of every parameter), with autocast off inside: the backward of a
            # custom autograd Function does not run under autocast, so mixed dtypes would meet there.
            # On CPU the native kernels are called the same way: torch's CPU autocast picks oneDNN's
            # LSTM from the float32 input and then casts it to bf16, which fails on CPUs without
            # AVX512-BF16 ("could not create a primitive descriptor"); given bf16 tensors, torch itself
            # picks a kernel the CPU can run. On CUDA, autocast's own cuDNN rules apply.
            with torch.autocast(x.device.type, enabled=False):
                out, new_state = self._run(engine, x.to(cast), tuple(s.to(cast) for s in state0), lengths, mask,
                                           cast)
        else:
            out, new_state = self._run(engine, x, state0, lengths, mask)
        if self.bidirectional:
            S = out.shape[-1] // 2
            out = merge_directions(out[..., :S], out[..., S:], self.merge)
        out = restore_layout(out, batched, self.batch_first)
        new_state = tuple(s if batched else s.squeeze(1) for s in new_state)
        return out, (new_state if len(new_state) > 1 else new_state[0])

    def _run(self, engine: str, x: Tensor, state0: tuple[Tensor, ...], lengths: Tensor | None,
             mask: Tensor | None, cast: torch.dtype | None = None):
        if engine == "native":
            flat = [getattr(self, n) if cast is None else getattr(self, n).to(cast) for n in self._weight_names]
            return run_native(self.cell.native, x, state0, flat, bias=self.bias, num_layers=self.num_layers,
                              dropout=self.dropout, training=self.training,
                              bidirectional=self.bidirectional, lengths=lengths)
        loop = run_reference if engine == "reference" else run_bptt
        T, B = x.shape[0], x.shape[1]
        D = self.num_directions
        sizes = self.cell.state_sizes(self.hidden_size)
        finals: list[list[Tensor]] = [[] for _ in self.cell.state_names]
        prefix = self.gradflow_name or type(self).__name__
        train = self.training
        inp = x
        for layer in range(self.num_layers):
            dir_outs = []
            for d in range(D):
                w_ih, w_hh, b_ih, b_hh, cell_params, ln_ih = self._params(layer, d, cast)
                seq = flip_sequences(inp, lengths) if d else inp
                if self.dropconnect and train:  # DropConnect: one mask on W_hh per forward call
                    w_hh = F.dropout(w_hh, self.dropconnect, training=True)
                xp, rec_bias = self.project_inputs(seq, w_ih, b_ih, b_hh, ln_ih)
                opts = LoopOptions(self.cell, n_params=len(cell_params), keep=self._zoneout_keep(T, B, sizes, x),
                                   h_mask=self._recurrent_mask(B, sizes[0], x),
                                   tag=f"{prefix}.l{layer}.{'bwd' if d else 'fwd'}",
                                   checkpoint_steps=self.checkpoint_steps, fused=engine == "fused")
                s0 = tuple(s[layer * D + d] for s in state0)
                y, fin = loop(opts, xp, w_hh, rec_bias, mask, cell_params, s0)
                dir_outs.append(flip_sequences(y, lengths) if d else y)
                for lst, f in zip(finals, fin):
                    lst.append(f)
            inp = torch.cat(dir_outs, -1) if D > 1 else dir_outs[0]
            if self.dropout > 0 and train and layer < self.num_layers - 1:
                inp = F.dropout(inp, self.dropout, training=True)
        return inp, tuple(torch.stack(lst, 0) for lst in finals)

    def _zoneout_keep(self, T: int, B: int, sizes, ref: Tensor):
        """Zoneout: per state tensor, Bernoulli(zoneout) keep-masks for every step in training; the rate
        itself (the expectation) in evaluation; ``None`` when off."""
        if not self.zoneout:
            return None
        if not self.training:
            return tuple(self.zoneout for _ in sizes)
        return tuple(torch.bernoulli(ref.new_full((T, B, S), self.zoneout)) for S in sizes)

    def _recurrent_mask(self, B: int, S: int, ref: Tensor):
        """Variational dropout on h: one mask per sequence, scaled by 1/(1-p); ``None`` when off or in eval."""
        if not self.recurrent_dropout or not self.training:
            return None
        keep = 1.0 - self.recurrent_dropout
        return torch.bernoulli(ref.new_full((B, S), keep)) / keep

    # ----------------------------------------------------------------- streaming
    def step(self, x_t: Tensor, state: Any = None):
        """Advance one step: ``y_t, state = layer.step(x_t, state)`` with ``x_t`` of shape ``(B, I)``
        (or ``(I,)``). Equal to the full-sequence call, one step at a time. Unidirectional only."""
        if self.bidirectional:
            raise ConfigError("step: expected a unidirectional layer (the reverse direction needs the whole sequence), got bidirectional=True")
        if not isinstance(x_t, Tensor):
            raise InputTypeError(f"x_t: expected a torch.Tensor, got {type(x_t).__name__}")
        if x_t.dim() not in (1, 2):
            raise ShapeError(f"x_t: expected shape (B, {self.input_size}) or ({self.input_size},), got {tuple(x_t.shape)}")
        seq = x_t.unsqueeze(1 if self.batch_first and x_t.dim() == 2 else 0)
        out, new_state = self.forward(seq, state)
        return out.squeeze(1 if self.batch_first and x_t.dim() == 2 else 0), new_state

    def initial_state(self, batch_size: int, device=None, dtype=None):
        """Zeros in the layout ``forward`` takes and returns."""
        w = self.weight_ih_l0
        zs = tuple(torch.zeros(self.num_layers * self.num_directions, batch_size, S,
                               device=device or w.device, dtype=dtype or w.dtype)
                   for S in self.cell.state_sizes(self.hidden_size))
        return zs[0] if len(zs) == 1 else zs

    # ----------------------------------------------------------------- interop
    def to_torch(self) -> nn.Module:
        """The equivalent ``torch.nn.RNN/LSTM/GRU`` with copied weights (see :func:`rnnkit.to_torch`)."""
        from rnnkit.layers.interop import to_torch

        return to_torch(self)


class ElmanRNN(RecurrentLayer):
    r"""Elman recurrent layer, :math:`h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`
    (or ReLU with ``nonlinearity="relu"``); the same computation as ``torch.nn.RNN``.

    >>> import torch, rnnkit
    >>> rnn = rnnkit.ElmanRNN(4, 8, num_layers=2, batch_first=True)
    >>> y, h = rnn(torch.randn(3, 5, 4), lengths=torch.tensor([5, 3, 1]))
    >>> y.shape, h.shape
    (torch.Size([3, 5, 8]), torch.Size([2, 3, 8]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, merge: str = "concat", engine: str = "auto",
                 device=None, dtype=None, *, layer_norm: bool = False, recurrent_dropout: float = 0.0,
                 zoneout: float = 0.0, dropconnect: float = 0.0, checkpoint_steps: int = 0) -> None:
        self.nonlinearity = check_choice("nonlinearity", nonlinearity, ("tanh", "relu"))
        super().__init__(f"elman_{nonlinearity}", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, merge, engine, device, dtype, layer_norm=layer_norm,
                         recurrent_dropout=recurrent_dropout, zoneout=zoneout, dropconnect=dropconnect,
                         checkpoint_steps=checkpoint_steps)


class LSTM(RecurrentLayer):
    r"""Long short-term memory layer; the same computation, parameter names and gate order (i, f, g, o)
    as ``torch.nn.LSTM``. State is the pair ``(h, c)``.

    .. math::
        i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \quad
        f_t = \sigma(\cdot) \quad g_t = \tanh(\cdot) \quad o_t = \sigma(\cdot) \\
        c_t = f_t \odot c_{t-1} + i_t \odot g_t \qquad h_t = o_t \odot \tanh(c_t)

    Variants (hand-BPTT engine; composable): ``proj_size`` (as torch.nn.LSTM; still native),
    ``layer_norm`` (LN of input and recurrent pre-activations and of the cell state, Ba et al. 2016),
    ``peephole``, ``recurrent_dropout`` (one mask on h per sequence), ``zoneout``, ``dropconnect``
    (on ``W_hh``).

    >>> import torch, rnnkit
    >>> lstm = rnnkit.LSTM(4, 8, bidirectional=True, merge="sum")
    >>> y, (h, c) = lstm(torch.randn(5, 3, 4))
    >>> y.shape, h.shape, c.shape
    (torch.Size([5, 3, 8]), torch.Size([2, 3, 8]), torch.Size([2, 3, 8]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 merge: str = "concat", engine: str = "auto", device=None, dtype=None, *,
                 proj_size: int = 0, layer_norm: bool = False, peephole: bool = False,
                 recurrent_dropout: float = 0.0, zoneout: float = 0.0, dropconnect: float = 0.0,
                 checkpoint_steps: int = 0) -> None:
        super().__init__("lstm", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, merge, engine, device, dtype, layer_norm=layer_norm, peephole=peephole,
                         proj_size=proj_size, recurrent_dropout=recurrent_dropout, zoneout=zoneout,
                         dropconnect=dropconnect, checkpoint_steps=checkpoint_steps)


class GRU(RecurrentLayer):
    r"""Gated recurrent unit layer; the same computation, names and gate order (r, z, n, reset applied
    after the recurrent matmul) as ``torch.nn.GRU``.

    .. math::
        r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \quad z_t = \sigma(\cdot) \\
        n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})) \qquad
        h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    >>> import torch, rnnkit
    >>> gru = rnnkit.GRU(4, 8)
    >>> y, h = gru(torch.randn(5, 2, 4))
    >>> y_t, h_t = gru.step(torch.randn(2, 4), h)   # streaming: one more step
    >>> y_t.shape, h_t.shape
    (torch.Size([2, 8]), torch.Size([1, 2, 8]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 merge: str = "concat", engine: str = "auto", device=None, dtype=None, *,
                 layer_norm: bool = False, recurrent_dropout: float = 0.0, zoneout: float = 0.0,
                 dropconnect: float = 0.0, checkpoint_steps: int = 0) -> None:
        super().__init__("gru", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, merge, engine, device, dtype, layer_norm=layer_norm,
                         recurrent_dropout=recurrent_dropout, zoneout=zoneout, dropconnect=dropconnect,
                         checkpoint_steps=checkpoint_steps)


def _cat_states(a, b):
    if isinstance(a, Tensor):
        return torch.cat((a, b), 0)
    return tuple(torch.cat((x, y), 0) for x, y in zip(a, b))


def _split_state(state, n: int):
    if state is None:
        return None, None
    if isinstance(state, Tensor):
        return state[:n], state[n:]
    return tuple(s[:n] for s in state), tuple(s[n:] for s in state)


class Bidirectional(nn.Module):
    """Run a unidirectional layer forwards and a fresh copy of it backwards, then merge.

    The backward copy has the same configuration and its own, newly initialised weights (available as
    ``.forward_layer`` / ``.backward_layer``). State is the two layers' states concatenated along the
    first dimension (forward first). Unlike ``bidirectional=True`` on a stacked layer (directions joined
    at every layer, as torch.nn does), this wraps the whole stack: the forward stack reads the sequence
    left to right, the backward stack right to left.

    >>> import torch, rnnkit
    >>> bi = rnnkit.Bidirectional(rnnkit.GRU(4, 6, batch_first=True), merge="ave")
    >>> y, h = bi(torch.randn(2, 7, 4), lengths=torch.tensor([7, 4]))
    >>> y.shape, h.shape
    (torch.Size([2, 7, 6]), torch.Size([2, 2, 6]))
    """

    def __init__(self, layer: RecurrentLayer, merge: str = "concat") -> None:
        super().__init__()
        if not isinstance(layer, RecurrentLayer):
            raise InputTypeError(f"layer: expected an rnnkit recurrent layer, got {type(layer).__name__}")
        if layer.bidirectional:
            raise ConfigError("layer: expected a unidirectional layer, got bidirectional=True")
        import copy

        self.merge = check_choice("merge", merge, MERGE_MODES)
        self.forward_layer = layer
        self.backward_layer = copy.deepcopy(layer)
        self.backward_layer.reset_parameters()
        self.batch_first = layer.batch_first

    @property
    def output_size(self) -> int:
        return self.forward_layer.hidden_size * (2 if self.merge == "concat" else 1)

    def forward(self, x: Tensor, state: Any = None, lengths: Any = None):
        n = self.forward_layer.num_layers
        s_f, s_b = _split_state(state, n)
        y_f, st_f = self.forward_layer(x, s_f, lengths)
        x_t, lens = self.forward_layer._check_input(x)[0], None
        if lengths is not None:
            lens = check_lengths(lengths, x_t.shape[1], x_t.shape[0], device=x_t.device)
        rev = lambda a: _flip_layout(a, lens, self.batch_first and a.dim() == 3)  # noqa: E731
        y_b, st_b = self.backward_layer(rev(x), s_b, lengths)
        return merge_directions(y_f, rev(y_b), self.merge), _cat_states(st_f, st_b)


def _flip_layout(a: Tensor, lengths: Tensor | None, batch_first: bool) -> Tensor:
    if a.dim() == 2:  # unbatched (T, F)
        return a.flip(0)
    if batch_first:
        return flip_sequences(a.transpose(0, 1), lengths).transpose(0, 1)
    return flip_sequences(a, lengths)


class Recurrent(nn.Module):
    """Run any :class:`rnnkit.RecurrentCell` (nested inputs/states allowed) over time, with autograd.

    ``outputs, state = layer(x, state=None, lengths=None)`` where ``x`` is a tensor or a nest
    (tuple/list/dict) of tensors shaped ``(T, B, ...)`` (``(B, T, ...)`` with ``batch_first``); outputs
    follow the same layout. See :class:`rnnkit.RecurrentCell` for an example.
    """

    def __init__(self, cell: RecurrentCell, batch_first: bool = False) -> None:
        super().__init__()
        if not isinstance(cell, RecurrentCell):
            raise InputTypeError(f"cell: expected an rnnkit.RecurrentCell, got {type(cell).__name__}")
        self.cell = cell
        self.batch_first = check_bool("batch_first", batch_first)

    def forward(self, x: Any, state: Any = None, lengths: Any = None):
        leaves = tree_leaves(x)
        if not leaves:
            raise ShapeError("x: expected at least one tensor, got an empty structure")
        for leaf in leaves:
            if leaf.dim() < 2:
                raise ShapeError(f"x: expected every leaf to have time and batch dims, got shape {tuple(leaf.shape)}")
        tdim, bdim = (1, 0) if self.batch_first else (0, 1)
        T, B = leaves[0].shape[tdim], leaves[0].shape[bdim]
        for leaf in leaves:
            if leaf.shape[tdim] != T or leaf.shape[bdim] != B:
                raise ShapeError(f"x: expected every leaf to share (time, batch) = ({T}, {B}), got {tuple(leaf.shape)}")
        if T == 0:
            raise ShapeError("x: expected at least one time step, got sequence length 0")
        xt = tree_map(lambda a: a.transpose(0, 1), x) if self.batch_first else x
        lengths = check_lengths(lengths, B, T, device=leaves[0].device)
        if state is None:
            state = self.cell.initial_state(B, device=leaves[0].device, dtype=leaves[0].dtype)
        mask = None
        if lengths is not None:  # padded steps of every leaf are zeroed, as in the other layers
            mask = step_mask(lengths, T)
            xt = tree_map(lambda a: zero_padding(a, mask), xt)
        out, state = scan(self.cell, xt, state, mask)
        if self.batch_first:
            out = tree_map(lambda a: a.transpose(0, 1), out)
        return out, state

    def step(self, x_t: Any, state: Any = None):
        """One step: ``y_t, state = layer.step(x_t, state)``."""
        if state is None:
            leaf = tree_leaves(x_t)[0]
            state = self.cell.initial_state(leaf.shape[0], device=leaf.device, dtype=leaf.dtype)
        return self.cell(x_t, state)
