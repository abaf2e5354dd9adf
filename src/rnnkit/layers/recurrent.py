"""Recurrent layers users hold: :class:`RecurrentLayer` over any registered cell, and its named forms
:class:`ElmanRNN`, :class:`LSTM`, :class:`GRU` (torch.nn's computation, names and gate order).

Symbols: ``T`` sequence length, ``B`` batch, ``I`` input size, ``H`` hidden size, ``L`` num_layers,
``D`` 2 if bidirectional else 1. The call, shared by every rnnkit layer (:mod:`rnnkit.layers.base`):
``outputs, state = layer(x, state=None, lengths=None)``, where ``state`` is a tensor ``(L*D, B, H)``
for one-state cells (Elman, GRU) and a tuple ``(h, c)`` of such tensors for LSTM -- torch.nn's layout;
``None`` means zeros.
"""

from __future__ import annotations

import itertools
from functools import partial
import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit._validate import check_bool, check_choice, check_int, check_rate
from rnnkit.cells.base import CellMath, get_cell
from rnnkit.cells.norm import layer_norm
from rnnkit.cells.variants import LayerNormRecurrent, LSTMVariantMath
from rnnkit.engine import gradflow
from rnnkit.engine.bptt import run_bptt
from rnnkit.engine.first_order import (forward_ad_active, functorch_active, refuse_forward_ad, refuse_functorch,
                                      run_native_transformed)
from rnnkit.engine.native import run_native
from rnnkit.engine.reference import run_reference
from rnnkit.engine.step import LoopOptions
from rnnkit.errors import ConfigError
from rnnkit.layers.base import StackedLayer, check_factory, run_stack
from rnnkit.layers.inputs import (CheckedLengths, accepts_packed, autocast_dtype, base_weight_name, check_plain_weights,
                                  passes_ended, prepare_sequence, weight_meta)
from rnnkit.layers.step_hooks import hooked_step

__all__ = ["RecurrentLayer", "ElmanRNN", "LSTM", "GRU", "ENGINES"]

ENGINES = ("auto", "native", "bptt", "fused", "reference")
_TORCH_MODULES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn_tanh": nn.RNN, "rnn_relu": nn.RNN}


class RecurrentLayer(StackedLayer):
    """A stacked, optionally bidirectional recurrent layer over any registered cell.

    Parameters are named as in ``torch.nn`` (``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
    ``bias_hh_l{k}``, with ``_reverse`` for the backward direction) with the same gate order, so
    ``state_dict`` s move between the two (:func:`rnnkit.from_torch`, :meth:`to_torch`).

    ``engine`` picks the time loop: ``"auto"`` (torch's fused kernels when the cell has one, else the
    hand-written BPTT; the autograd loop under ``torch.func`` transforms such as ``grad`` and ``vmap``,
    which the hand-written backward cannot run in, and for dual tensors of forward-mode AD, for which it has
    no ``jvp``), ``"native"``, ``"bptt"`` (hand-written backward),
    ``"fused"`` (the hand-written BPTT with each step's GEMM + pointwise work compiled by
    ``torch.compile`` into one function each way, :mod:`rnnkit.engine.fused`; falls back to ``"bptt"``
    with a warning if compilation fails), ``"reference"`` (plain autograd loop over the same math; for
    tests and baselines).
    :func:`rnnkit.accelerate` switches every layer of a model to ``"fused"``.

    >>> import torch, rnnkit
    >>> layer = rnnkit.RecurrentLayer("elman_relu", 3, 4, num_layers=2, zoneout=0.1)
    >>> y, h = layer(torch.randn(6, 2, 3))
    >>> y.shape, h.shape, layer.native_ok
    (torch.Size([6, 2, 4]), torch.Size([2, 2, 4]), False)
    """

    _repr_defaults = StackedLayer._repr_defaults + (("engine", "auto"),)

    def __init__(self, cell: str | CellMath, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, merge: str = "concat", engine: str = "auto",
                 device=None, dtype=None, *, layer_norm: bool = False, peephole: bool = False,
                 proj_size: int = 0, recurrent_dropout: float = 0.0, zoneout: float = 0.0,
                 dropconnect: float = 0.0, checkpoint_steps: int = 0) -> None:
        base = get_cell(cell)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, merge)
        layer_norm, peephole = check_bool("layer_norm", layer_norm), check_bool("peephole", peephole)
        rates = [check_rate(n, p) for n, p in (("recurrent_dropout", recurrent_dropout), ("zoneout", zoneout),
                                               ("dropconnect", dropconnect))]
        check_int("proj_size", proj_size, low=0, high=self.hidden_size,
                  what=f"an int in [0, hidden_size={hidden_size})")
        self.checkpoint_steps = check_int("checkpoint_steps", checkpoint_steps, low=0,
                                          what="an int >= 0 (0 = keep every step's activations)")
        if peephole or proj_size or (layer_norm and base.name == "lstm"):
            if base.name != "lstm":
                what = "peephole" if peephole else "proj_size"
                raise ConfigError(f"{what}: expected an LSTM cell, got cell {base.name!r}")
            base = LSTMVariantMath(peephole=peephole, proj_size=proj_size, layer_norm_cell=layer_norm)
        self.cell = LayerNormRecurrent(base) if layer_norm else base
        self.layer_norm, self.peephole, self.proj_size = layer_norm, peephole, proj_size
        self.recurrent_dropout, self.zoneout, self.dropconnect = rates
        self.engine = engine                # checked by the property's setter
        self.gradflow_name: str | None = None
        #: the layer reads each sequence reversed (rnnkit.Bidirectional's backward stack): records say ``bwd``
        self.gradflow_reversed = False
        factory = check_factory(device, dtype)
        G = self.cell.num_gates * hidden_size
        S = self._state_sizes()[0]
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
                    setattr(self, full, self._new_parameter(shape, factory))
                    self._inits[full] = init
                    if n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"):
                        self._weight_names.append(full)
        self.reset_parameters()

    # ----------------------------------------------------------------- declarations for the base
    def _state_sizes(self) -> tuple[int, ...]:
        return self.cell.state_sizes(self.hidden_size)

    def _state_names(self) -> tuple[str, ...]:
        return self.cell.state_names

    def _weight(self) -> Tensor:
        return weight_meta(self, "weight_ih_l0")   # dtype, device: a parametrized weight not computed for them

    def _repr_head(self) -> str:
        s = f"cell={self.cell.name}, {self.input_size}, {self.hidden_size}"
        return s + (", " + self._variant_summary() if self._variant_summary() else "")

    @property
    def native_ok(self) -> bool:
        """Whether torch.nn computes exactly this configuration (so the fused kernels can run it)."""
        return (self.cell.native is not None and not self.recurrent_dropout and not self.zoneout
                and not self.dropconnect and not self.checkpoint_steps)

    @property
    def engine(self) -> str:
        """The time loop (see the class docstring); checked when set after construction too (before, an
        unknown name ran ``"bptt"`` and ``"native"`` ran torch's kernel without the layer's zoneout,
        recurrent dropout or DropConnect)."""
        return self._engine

    @engine.setter
    def engine(self, value: str) -> None:
        value = check_choice("engine", value, ENGINES)    # np.str_ stored as str
        if value == "native":
            self._check_native()
        self._engine = value

    def __setstate__(self, state: dict) -> None:
        if "engine" in state:               # pickled before ``engine`` was a property
            state["_engine"] = state.pop("engine")
        state.setdefault("gradflow_reversed", False)   # pickled before session 15
        super().__setstate__(state)

    def _check_native(self) -> None:
        if not self.native_ok:
            raise ConfigError(f"engine: 'native' needs a configuration torch.nn computes, got cell "
                              f"{self.cell.name!r} with {self._variant_summary() or 'no variants'}")

    def _variant_summary(self) -> str:
        on = [f"{n}={getattr(self, n)!r}" for n, off in (("layer_norm", False), ("peephole", False),
              ("proj_size", 0), ("recurrent_dropout", 0.0), ("zoneout", 0.0), ("dropconnect", 0.0),
              ("checkpoint_steps", 0))
              if getattr(self, n) != off]
        return ", ".join(on)

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
        one and shifts zero. A weight parametrized, pruned or weight-normed: its parameters get its init, as torch.nn
        initialises its own (a KeyError naming 'parametrizations.weight_ih_l0.original' before)."""
        k = 1.0 / math.sqrt(self.hidden_size)
        with torch.no_grad():
            for name, p in self.named_parameters():
                init = self._inits.get(name) or self._inits.get(base_weight_name(name), "uniform")
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
            return layer_norm(F.linear(seq, w_ih, b_ih), ln_ih[0], ln_ih[1]), b_hh   # finite at inputs ~1e20
        if self.cell.additive:
            return F.linear(seq, w_ih, None if b_ih is None else b_ih + b_hh), None
        return F.linear(seq, w_ih, b_ih), b_hh

    def _check_state(self, state: Any, batch: int, batched: bool, ref: Tensor) -> tuple[Tensor, ...]:
        """The initial state as a tuple of ``(L*D, B, S)`` tensors, one per ``cell.state_names`` (zeros for ``None``)."""
        return self._check_states(state, batch, batched, ref)

    def _pick_engine(self, *tensors: Tensor, lengths: Any = None) -> str:
        """The engine this call runs (``tensors``: the call's input and state, read for forward-mode AD)."""
        engine = self.engine
        if engine == "native":              # an option may have been switched on since the engine was set
            self._check_native()
        duals = itertools.chain(tensors, (getattr(self, n) for n in self._inits))   # read only under forward AD
        if (packed_fwd := lengths is not None and forward_ad_active(tensors[:1])) and engine == "native":   # packed x
            raise ConfigError("engine: expected 'auto' or 'reference' with lengths under forward-mode AD (torch's "
                              "packed sequences have no forward derivative), got 'native'")
        complex_ = self._weight().is_complex()   # layer.to(torch.complex64), as torch.nn allows
        if complex_ and self.layer_norm:   # torch's layer norm has no complex kernel: its NotImplementedError came out
            raise ConfigError(f"layer_norm: expected real weights (layer normalisation has no complex form), got dtype "
                              f"{self._weight().dtype}")
        if complex_ and engine in ("bptt", "fused"):   # its gradients were wrong, silently (no conjugation)
            raise ConfigError(f"engine: expected 'auto', 'native' or 'reference' for complex weights (the hand-written "
                              f"backward is real-only), got {engine!r}")
        if engine in ("bptt", "fused"):
            refuse_functorch("engine", engine, "'auto' or 'reference' (or 'native' for a configuration torch.nn "
                             "computes, under torch.func.grad)")
            refuse_forward_ad("engine", engine, "'auto', 'reference' or 'native'", duals)
        if engine != "auto":
            return engine
        if functorch_active():              # the hand engines cannot run there; torch's kernels cannot vmap
            return "reference"
        if complex_:
            return "native" if self.native_ok else "reference"
        if self.native_ok and not gradflow.active() and not packed_fwd:
            return "native"
        return "reference" if forward_ad_active(duals) else "bptt"   # the hand backward has no jvp

    # ----------------------------------------------------------------- forward
    @accepts_packed
    @passes_ended
    def forward(self, x: Tensor, state: Any = None, lengths: Any = None):
        """``outputs, state = layer(x, state=None, lengths=None)`` (see :mod:`rnnkit.layers.base`)."""
        w = self._weight()
        own = lengths.own if isinstance(lengths, CheckedLengths) else None   # gradient-flow records keep a 0
        x, batched, lengths, mask = prepare_sequence(x, lengths, self.input_size, w.dtype, self.batch_first, w.device)
        state0 = self._check_state(state, x.shape[1], batched, x)
        cast = autocast_dtype(x)
        engine = self._pick_engine(x, *state0, lengths=lengths)
        cast, cell_dtype = self._cpu_autocast(cast, engine, x, state0)
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
                                           cast, own)
        else:
            out, new_state = self._run(engine, x, state0, lengths, mask, own=own)
        if cell_dtype is not None:
            new_state = (new_state[0], new_state[1].to(cell_dtype), *new_state[2:])
        return self._finish(out, new_state, batched)

    def _cpu_autocast(self, cast: torch.dtype | None, engine: str, x: Tensor, state0: tuple[Tensor, ...]):
        """``(cast, cell_dtype)`` of a call under CPU autocast: torch's CPU autocast casts the matmuls, not the
        recurrent cells that run outside oneDNN, so torch.nn keeps their state in the state's dtype (zeros in the
        input's dtype when none is given; rnnkit returned bfloat16 before session 28):

        * a GRU computes -- and returns its outputs and state -- in that dtype (float32 for a float32 input);
        * an LSTM with ``proj_size`` returns its cell state ``c`` in that dtype, ``h`` (a projection: a matmul)
          and the outputs in the autocast dtype.

        The native engine then runs torch's own call under autocast (torch.nn's result exactly: ``cast`` None);
        the hand engines compute in that dtype (GRU) or return ``c`` cast to it (``cell_dtype``)."""
        if cast is None or x.device.type != "cpu":
            return cast, None
        if getattr(self.cell, "base", self.cell).name == "gru":
            return (None if engine == "native" else state0[0].dtype), None
        if self.proj_size:
            return (None, None) if engine == "native" else (cast, state0[1].dtype)
        return cast, None

    def _run(self, engine: str, x: Tensor, state0: tuple[Tensor, ...], lengths: Tensor | None,
             mask: Tensor | None, cast: torch.dtype | None = None, own: Tensor | None = None):
        if engine == "native":
            flat = [getattr(self, n) if cast is None else getattr(self, n).to(cast) for n in self._weight_names]
            run = partial(run_native, self.cell.native, x, state0, flat, bias=self.bias, num_layers=self.num_layers,
                          dropout=self.dropout, training=self.training, bidirectional=self.bidirectional, lengths=lengths)
            return run_native_transformed(run, lengths) if functorch_active() else run()   # vmap: a typed error
        T, B = x.shape[0], x.shape[1]
        if lengths is not None and engine in ("bptt", "reference") and not gradflow.active() \
                and not torch.jit.is_tracing():   # a trace would keep this batch's longest for every later one
            # Steps past the longest sequence are padding in every row: run up to it, emit zeros after (as over
            # any padded step). Every step was run before: lengths all 1 at T=20000 took 8 s, not 2 ms.
            longest = int(lengths.max())
            if longest < T:
                out, finals = self._run(engine, x[:longest], state0, lengths, mask[:longest], cast, own)
                return torch.cat([out, out.new_zeros(T - longest, *out.shape[1:])]), finals
        loop = run_reference if engine == "reference" else run_bptt
        D = self.num_directions
        sizes = self._state_sizes()
        prefix = self.gradflow_name or type(self).__name__

        def direction(layer: int, d: int, seq: Tensor):
            w_ih, w_hh, b_ih, b_hh, cell_params, ln_ih = self._params(layer, d, cast)
            if self.dropconnect and self.training:  # DropConnect: one mask on W_hh per forward call (drawn real:
                w_hh = (F.dropout(w_hh, self.dropconnect, training=True) if not w_hh.is_complex() else   # no complex
                        w_hh * F.dropout(torch.ones_like(w_hh.real), self.dropconnect, training=True))    # bernoulli)
            xp, rec_bias = self.project_inputs(seq, w_ih, b_ih, b_hh, ln_ih)
            opts = LoopOptions(self.cell, n_params=len(cell_params), keep=self._zoneout_keep(T, B, sizes, x),
                               h_mask=self._recurrent_mask(B, sizes[0], x),
                               tag=f"{prefix}.l{layer}.{'bwd' if d or self.gradflow_reversed else 'fwd'}",
                               owner=id(self),   # two layers with one tag: records kept apart
                               checkpoint_steps=self.checkpoint_steps, fused=engine == "fused", record_lengths=own)
            return loop(opts, xp, w_hh, rec_bias, mask, cell_params, tuple(s[layer * D + d] for s in state0))

        return run_stack(x, lengths, self.num_layers, D, direction, self._between_layers)

    def _zoneout_keep(self, T: int, B: int, sizes, ref: Tensor):
        """Zoneout: per state tensor, Bernoulli(zoneout) keep-masks for every step in training; the rate
        itself (the expectation) in evaluation; ``None`` when off."""
        if not self.zoneout:
            return None
        if not self.training:
            return tuple(self.zoneout for _ in sizes)
        return tuple(torch.bernoulli(ref.real.new_full((T, B, S), self.zoneout)) for S in sizes)   # real for complex

    def _recurrent_mask(self, B: int, S: int, ref: Tensor):
        """Variational dropout on h: one mask per sequence, scaled by 1/(1-p); ``None`` when off or in eval."""
        if not self.recurrent_dropout or not self.training:
            return None
        keep = 1.0 - self.recurrent_dropout
        return torch.bernoulli(ref.real.new_full((B, S), keep)) / keep   # real: torch has no complex bernoulli

    # ----------------------------------------------------------------- streaming
    @hooked_step
    def step(self, x_t: Tensor, state: Any = None):
        """Advance one step: ``y_t, state = layer.step(x_t, state)`` with ``x_t`` of shape ``(B, I)``
        (or ``(I,)``). Equal to the full-sequence call, one step at a time. Unidirectional only. The layer's
        forward pre-hooks run first and its forward hooks after, as in a call (:mod:`rnnkit.layers.step_hooks`)."""
        batched = self._check_step_input(x_t)
        if self._cell_kernel(x_t) is not None:
            fast = self._cell_step(x_t if batched else x_t.unsqueeze(0), state, batched)
            if fast is not None:
                return fast
        seq = x_t.unsqueeze(1 if self.batch_first and batched else 0)
        out, new_state = self.forward(seq, state)
        return out.squeeze(1 if self.batch_first and batched else 0), new_state

    def _cell_kernel(self, x_t: Tensor):
        """torch's one-step kernel (``torch.gru_cell``, ...) for a step of this layer where it gives the bits the
        sequence kernel gives at that step, else ``None``. torch's sequence call on one step costs 2-25x the cell
        kernel at small batch (its setup; float32 LSTMs on CPU run oneDNN's RNN, whose per-call setup is ~6 ms
        at H512, B1). Only for a contiguous ``x_t`` (a strided one reaches the sequence kernel's ``mm`` + bias,
        not the cell's ``addmm``: other last bits), on CPU, float32/float64, no projection or dropout between layers,
        plain ``forward``/``_run``; an LSTM only where torch does not pick oneDNN (float64, or oneDNN switched off):
        oneDNN's gates differ from ``torch.lstm_cell``'s in the last bit, and ``step`` equals the sequence call."""
        kernel = _CELL_KERNELS.get(self.cell.native)
        w = self._weight()
        if (kernel is None or not x_t.is_contiguous() or w.device.type != "cpu"
                or w.dtype not in (torch.float32, torch.float64) or self.proj_size or (self.dropout and self.training and self.num_layers > 1)
                or type(self).forward is not RecurrentLayer.forward or type(self)._run is not RecurrentLayer._run
                or not {"forward", "_run"}.isdisjoint(vars(self))    # wrapped on the instance (accelerate's hooks)
                or torch.compiler.is_compiling() or functorch_active() or autocast_dtype(x_t) is not None):
            return None
        if self.cell.native == "lstm" and w.dtype != torch.float64 and torch.backends.mkldnn.is_available() \
                and torch._C._get_mkldnn_enabled():
            return None
        return kernel

    def _cell_step(self, x: Tensor, state: Any, batched: bool):
        """``(y_t, state)`` by the cell kernel (``x``: ``(B, I)``; state checked as in ``forward``), or ``None``
        where the call would not run the native engine (the sequence path runs it then)."""
        state0 = self._check_state(state, x.shape[0], batched, x)
        if self._pick_engine(x, *state0) != "native" or not all(s.is_contiguous() for s in state0):
            return None     # a strided state (a transposed view): the sequence kernel's bits differ (GRU L2 B3, W2)
        kernel, n = _CELL_KERNELS[self.cell.native], len(self._weight_names) // self.num_layers
        finals = []
        for layer in range(self.num_layers):
            weights = [getattr(self, name) for name in self._weight_names[layer * n:(layer + 1) * n]]
            if self.cell.native == "lstm":
                h, c = kernel(x, (state0[0][layer], state0[1][layer]), *weights)
                finals.append((h, c))
            else:
                h = kernel(x, state0[0][layer], *weights)
                finals.append((h,))
            x = h
        stacked = tuple(torch.stack(parts if batched else [p[0] for p in parts]) for parts in zip(*finals))
        return (x if batched else x[0]), (stacked if len(stacked) > 1 else stacked[0])

    # ----------------------------------------------------------------- interop
    def to_torch(self) -> nn.Module:
        """The ``torch.nn.RNN/LSTM/GRU`` computing exactly what this layer computes, with its weights
        copied, on the same device and dtype, in the same training mode and with the same parameters frozen;
        a ConfigError for a configuration torch.nn has no equivalent of (variants, a merge other than concat,
        other cells).

        >>> import torch, rnnkit
        >>> layer = rnnkit.GRU(3, 4, num_layers=2, batch_first=True)
        >>> m = layer.to_torch()
        >>> x = torch.randn(2, 5, 3)
        >>> type(m).__name__, torch.allclose(m(x)[0], layer(x)[0])
        ('GRU', True)
        """
        if not self.native_ok or self.layer_norm or self.peephole:
            raise ConfigError(f"layer: {self._variant_summary()} has no torch.nn equivalent")
        if self.merge != "concat" and self.bidirectional:
            raise ConfigError(f"layer: merge={self.merge!r} has no torch.nn equivalent (torch concatenates directions)")
        native = self.cell.native
        if native not in _TORCH_MODULES:
            raise ConfigError(f"layer: cell {self.cell.name!r} has no torch.nn equivalent")
        check_plain_weights("layer", self, self._weight_names)   # torch's multi-line load_state_dict error before
        extra = {"nonlinearity": native[4:]} if native.startswith("rnn_") else {}
        if self.proj_size:
            extra["proj_size"] = self.proj_size
        w = self.weight_ih_l0
        module = _TORCH_MODULES[native](self.input_size, self.hidden_size, num_layers=self.num_layers,
                                        bias=self.bias, batch_first=self.batch_first, dropout=self.dropout,
                                        bidirectional=self.bidirectional, device=w.device, dtype=w.dtype, **extra)
        with torch.no_grad():
            module.load_state_dict(self.state_dict())
        module.train(self.training)
        for name, p in module.named_parameters():   # a frozen weight stays frozen (as from_torch)
            p.requires_grad_(self.get_parameter(name).requires_grad)
        return module


#: torch's one-step kernels by ``cell.native`` (the kernel ``run_native`` calls for a sequence).
_CELL_KERNELS = {"lstm": torch.lstm_cell, "gru": torch.gru_cell, "rnn_tanh": torch.rnn_tanh_cell,
                 "rnn_relu": torch.rnn_relu_cell}


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

