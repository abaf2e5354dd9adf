r"""minGRU and minLSTM (Feng et al. 2024, "Were RNNs All We Needed?"): gated RNNs whose gates read only
the input, trained with a parallel scan over time and stepped in O(1) per token for streaming.

Symbols: ``T`` sequence length, ``B`` batch, ``I`` input size, ``H`` hidden size, ``L`` num_layers,
``D`` 2 if bidirectional else 1. Both cells are the gated recurrence

.. math::
    h_t = a_t \odot h_{t-1} + (1 - a_t) \odot \tilde h_t, \qquad
    \tilde h_t = g(W_h x_t + b_h), \quad g(v) = \begin{cases} v + 0.5 & v \ge 0 \\ \sigma(v) & v < 0
    \end{cases}

(the paper's log-space candidate, always positive; note :math:`g(v) = \max(v + 0.5, \sigma(v))`) with

* minGRU: :math:`z_t = \sigma(W_z x_t + b_z)`, :math:`a_t = 1 - z_t` (so
  :math:`h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t`);
* minLSTM: :math:`f_t = \sigma(W_f x_t + b_f)`, :math:`i_t = \sigma(W_i x_t + b_i)`,
  :math:`a_t = f_t / (f_t + i_t)` (so :math:`h_t = f'_t \odot h_{t-1} + i'_t \odot \tilde h_t` with the
  normalised gates :math:`f' = f/(f+i)`, :math:`i' = i/(f+i)`).

Because :math:`a_t` and :math:`\tilde h_t` depend on :math:`x_t` alone, the whole sequence is solved by
:mod:`rnnkit.engine.pscan` at once. The call matches the other rnnkit layers:
``outputs, state = layer(x, state=None, lengths=None)``, state ``(L*D, B, H)`` (a single tensor: these
cells have no cell state), ``merge`` for bidirectional outputs, ``dropout`` between stacked layers,
padded steps keep the state and emit zeros, the reverse direction reverses only the valid part.

Parameters, per layer ``k`` (``_reverse`` appended for the backward direction): ``weight_l{k}``
``(n*H, in)`` and ``bias_l{k}`` ``(n*H,)``, the gate and candidate projections stacked in the order
minGRU ``(z, h̃)``, minLSTM ``(f, i, h̃)``; ``in`` is ``I`` for layer 0 and ``D*H`` above.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit._validate import check_choice
from rnnkit.cells.minimal import GateMath, MinGRUMath, MinLSTMMath
from rnnkit.engine.first_order import forward_ad_active, functorch_active, refuse_forward_ad, refuse_functorch
from rnnkit.engine.pscan import SCAN_METHODS, gated_scan, linear_scan, log_scan, resolve_triton, triton_available
from rnnkit.errors import ConfigError
from rnnkit.layers.base import StackedLayer, check_factory, run_stack
from rnnkit.layers.inputs import accepts_packed, passes_ended, autocast_dtype, prepare_sequence, weight_meta
from rnnkit.layers.step_hooks import hooked_step

# MinGRUMath / MinLSTMMath (the gate math) live in rnnkit.cells.minimal; named here too, beside their layers.
__all__ = ["MinGRU", "MinLSTM", "MinimalRNN", "MinGRUMath", "MinLSTMMath"]


class MinimalRNN(StackedLayer):
    """A stacked, optionally bidirectional layer of a gated scan cell (:class:`MinGRU`, :class:`MinLSTM`).

    ``scan`` picks how the time recurrence is solved (the same numbers up to rounding; the log scan's
    rounding grows with ``T`` and with the size of the pre-activations, see
    :func:`rnnkit.engine.pscan.log_scan`):
    ``"auto"`` (default: ``"triton"`` for CUDA inputs when Triton is installed, ``"chunked"`` otherwise,
    ``"sequential"`` under ``torch.func`` transforms such as ``grad`` and ``vmap`` and for dual tensors of
    forward-mode AD; on an H200 the Triton kernels ran 3-5.6x faster than the chunked scan, docs/benchmarks.md),
    ``"chunked"`` (the fused projection + gates + chunked linear scan with a hand-written backward),
    ``"log"`` (the paper's log-space scan, cumsum + logcumsumexp, under autograd), ``"sequential"`` (a
    plain autograd loop over time; the reference) or ``"triton"`` (one GEMM + one fused Triton
    gate-and-scan kernel each way, :mod:`rnnkit.engine.triton_scan`; CUDA tensors, needs the optional
    ``triton`` package).
    """

    math: GateMath
    _repr_defaults = StackedLayer._repr_defaults + (("scan", "auto"),)

    def __init__(self, math: GateMath, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, merge: str = "concat", scan: str = "auto",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, merge)
        self.math = math
        self.scan = scan                    # checked by the property's setter
        factory = check_factory(device, dtype)
        rows = math.num_blocks * hidden_size
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in ("", "_reverse")[: self.num_directions]:
                setattr(self, f"weight_l{layer}{suffix}", self._new_parameter((rows, in_size), factory))
                if bias:
                    setattr(self, f"bias_l{layer}{suffix}", self._new_parameter((rows,), factory))
        self.reset_parameters()

    @property
    def scan(self) -> str:
        """How the recurrence is solved (see the class docstring); checked when set after construction
        too (before, an unknown name ran the sequential loop)."""
        return self._scan

    @scan.setter
    def scan(self, value: str) -> None:
        value = check_choice("scan", value, SCAN_METHODS)    # np.str_ stored as str
        if value == "triton" and not triton_available():
            raise ConfigError("scan: 'triton' needs the triton package, which is not installed "
                              "(pip install 'rnnkit[gpu]'); use scan='auto' to fall back to 'chunked' without it")
        self._scan = value

    def __setstate__(self, state: dict) -> None:
        if "scan" in state:                 # pickled before ``scan`` was a property
            state["_scan"] = state.pop("scan")
        super().__setstate__(state)

    def _weight(self) -> Tensor:
        return weight_meta(self, "weight_l0")   # dtype, device: a parametrized weight not computed for them

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in ``±1/sqrt(hidden_size)`` (torch.nn's recurrent init)."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -k, k)

    def _params(self, layer: int, direction: int) -> tuple[Tensor, Tensor | None]:
        s = "_reverse" if direction else ""
        return getattr(self, f"weight_l{layer}{s}"), (getattr(self, f"bias_l{layer}{s}") if self.bias else None)

    def _check_state(self, state: Any, batch: int, batched: bool, ref: Tensor) -> Tensor | None:
        """The initial state ``(L*D, B, H)``, or ``None`` (zeros, which the scans take without a tensor)."""
        return None if state is None else self._check_states(state, batch, batched, ref)[0]

    def _check_real(self) -> None:
        """Weights made complex (``layer.to(torch.complex64)``, which ``nn.Module.to`` allows) are a ConfigError:
        the candidate ``g(v)`` compares ``v`` with 0 and has no complex form (each scan failed in torch with
        another untyped error: 'ge_cpu' / 'softplus_cpu' not implemented, 'maximum not implemented')."""
        w = self._weight()
        if w.is_complex():
            raise ConfigError(f"layer: expected real weights (the minGRU/minLSTM candidate g(v) = max(v + 0.5, "
                              f"sigmoid(v)) has no complex form), got dtype {w.dtype}")

    # ----------------------------------------------------------------- forward
    @accepts_packed
    @passes_ended
    def forward(self, x: Tensor, state: Tensor | None = None, lengths: Any = None):
        """``outputs, state = layer(x, state=None, lengths=None)`` (see :mod:`rnnkit.layers.base`)."""
        self._check_real()
        w = self._weight()
        x, batched, lengths, mask = prepare_sequence(x, lengths, self.input_size, w.dtype, self.batch_first, w.device)
        state0 = self._check_state(state, x.shape[1], batched, x)
        D = self.num_directions

        def direction(layer: int, d: int, seq: Tensor):
            h0 = None if state0 is None else state0[layer * D + d]
            y, last = self._run_direction(seq, *self._params(layer, d), h0, mask)
            return y, (last,)

        out, finals = run_stack(x, lengths, self.num_layers, D, direction, self._between_layers)
        return self._finish(out, finals, batched)

    def _run_direction(self, seq: Tensor, weight: Tensor, bias: Tensor | None, h0: Tensor | None,
                       mask: Tensor | None) -> tuple[Tensor, Tensor]:
        scan = self.scan
        if scan in ("chunked", "triton"):
            refuse_functorch("scan", scan, "'auto', 'log' or 'sequential'")
            refuse_forward_ad("scan", scan, "'auto', 'log' or 'sequential'", (seq, weight, bias, h0))
        elif scan == "auto" and (functorch_active() or forward_ad_active((seq, weight, bias, h0))):
            scan = "sequential"             # the chunked and Triton backwards cannot run there (nor have a jvp)
        scan = resolve_triton(scan, seq, "scan", "chunked")
        if scan == "triton":
            from rnnkit.engine.triton_scan import triton_gated_scan
            return triton_gated_scan(seq, weight, bias, self.math.name, h0, mask)
        if scan == "chunked":
            cast = autocast_dtype(seq)
            if cast is not None:  # autocast: run the hand-written Function wholly in the autocast dtype
                with torch.autocast(seq.device.type, enabled=False):
                    return gated_scan(seq.to(cast), weight.to(cast), None if bias is None else bias.to(cast),
                                      self.math, None if h0 is None else h0.to(cast), mask)
            return gated_scan(seq, weight, bias, self.math, h0, mask)
        P = F.linear(seq, weight, bias)
        if scan == "log":
            log_a, log_b = self.math.log_coefficients(P)
            return log_scan(log_a, log_b, h0, mask=mask, return_last=True)
        a, g = self.math.coefficients(P)
        return linear_scan(a, (1 - a) * g, h0, mask=mask, method="sequential", return_last=True)

    # ----------------------------------------------------------------- streaming
    @hooked_step
    def step(self, x_t: Tensor, state: Tensor | None = None):
        """Advance one step in O(1): ``y_t, state = layer.step(x_t, state)`` with ``x_t`` ``(B, I)`` (or
        ``(I,)``) and ``state`` ``(L, B, H)`` (or ``(L, H)``; ``None``: zeros), using the sequential form
        ``h = a ⊙ h + (1 - a) ⊙ g``. Equal to the full-sequence call one step at a time.
        Unidirectional only; dropout between layers is applied in training mode, as in ``forward``. The layer's
        forward pre-hooks run first and its forward hooks after, as in a call (:mod:`rnnkit.layers.step_hooks`)."""
        self._check_real()
        batched = self._check_step_input(x_t)
        # dtype and size checked on the one-step sequence in the layer's layout (unsqueeze(1) with time-major
        # layers read (B, 1, I) as B steps: a batch of 0 was 'expected at least one time step')
        self._check_input(x_t.unsqueeze(1 if self.batch_first and batched else 0))
        x = x_t if batched else x_t.unsqueeze(0)
        h_all = self._check_state(state, x.shape[0], batched, x)
        inp, news = x, []
        for layer in range(self.num_layers):
            weight, bias = self._params(layer, 0)
            a, g = self.math.coefficients(F.linear(inp, weight, bias))
            h = g * (1 - a) if h_all is None else torch.lerp(g, h_all[layer], a)
            news.append(h)
            inp = self._between_layers(h, layer) if layer < self.num_layers - 1 else h
        new_state = torch.stack(news, 0)
        if not batched:
            return inp[0], new_state[:, 0]
        return inp, new_state


class MinGRU(MinimalRNN):
    r"""minGRU layer (Feng et al. 2024): :math:`z_t = \sigma(W_z x_t + b_z)`,
    :math:`\tilde h_t = g(W_h x_t + b_h)`, :math:`h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t`,
    solved over time by a parallel scan (see :mod:`rnnkit.layers.minimal`).

    >>> import torch, rnnkit.layers.minimal as m
    >>> gru = m.MinGRU(4, 8, num_layers=2, batch_first=True)
    >>> y, h = gru(torch.randn(3, 5, 4), lengths=torch.tensor([5, 3, 1]))
    >>> y.shape, h.shape
    (torch.Size([3, 5, 8]), torch.Size([2, 3, 8]))
    >>> y_t, h = gru.step(torch.randn(3, 4), h)   # streaming: one more step, O(1)
    >>> y_t.shape
    torch.Size([3, 8])
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 merge: str = "concat", scan: str = "auto", device=None, dtype=None) -> None:
        super().__init__(MinGRUMath(), input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, merge, scan, device, dtype)


class MinLSTM(MinimalRNN):
    r"""minLSTM layer (Feng et al. 2024): :math:`f_t = \sigma(W_f x_t + b_f)`, :math:`i_t = \sigma(W_i x_t
    + b_i)`, :math:`\tilde h_t = g(W_h x_t + b_h)`, :math:`h_t = \frac{f_t}{f_t + i_t} \odot h_{t-1} +
    \frac{i_t}{f_t + i_t} \odot \tilde h_t`; no cell state, so ``state`` is one tensor ``(L*D, B, H)``.

    >>> import torch, rnnkit.layers.minimal as m
    >>> lstm = m.MinLSTM(4, 8, bidirectional=True, merge="sum")
    >>> y, h = lstm(torch.randn(6, 2, 4))
    >>> y.shape, h.shape
    (torch.Size([6, 2, 8]), torch.Size([2, 2, 8]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 merge: str = "concat", scan: str = "auto", device=None, dtype=None) -> None:
        super().__init__(MinLSTMMath(), input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, merge, scan, device, dtype)
