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
import warnings
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit._validate import check_bool, check_choice, check_int, check_rate
from rnnkit.engine.masks import flip_sequences
from rnnkit.engine.pscan import SCAN_METHODS, GateMath, gated_scan, linear_scan, log_scan, resolve_triton, triton_available
from rnnkit.errors import ConfigError, InputTypeError, ShapeError
from rnnkit.layers.inputs import autocast_dtype, check_sequence_input, check_state_tensor, prepare_sequence, restore_layout
from rnnkit.layers.recurrent import MERGE_MODES, merge_directions

__all__ = ["MinGRU", "MinLSTM", "MinimalRNN", "MinGRUMath", "MinLSTMMath"]


# --------------------------------------------------------------------------- gate math
def candidate(v: Tensor) -> Tensor:
    """``g(v) = v + 0.5`` for ``v >= 0`` else ``σ(v)``, written as ``max(v + 0.5, σ(v))`` (equal: the
    sigmoid lies above its tangent ``0.5 + v/4`` for ``v < 0`` and below it for ``v > 0``)."""
    return torch.maximum(v + 0.5, torch.sigmoid(v))


def log_candidate(v: Tensor) -> Tensor:
    """``log g(v)`` as in the paper: ``log(v + 0.5)`` for ``v >= 0`` else ``-softplus(-v)``."""
    return torch.where(v >= 0, (F.relu(v) + 0.5).log(), -F.softplus(-v))


def _candidate_inplace(u: Tensor, need_grad: bool):
    """Overwrite ``u`` with ``g(u)``; return ``(g, g'(u) or None)``."""
    s = torch.sigmoid(u)
    nonneg = (u >= 0) if need_grad else None
    g = torch.maximum(u.add_(0.5), s, out=u)
    if not need_grad:
        return g, None
    gp = torch.addcmul(s, s, s, value=-1.0, out=s)  # σ'(u) = σ(1 - σ)
    return g, gp.masked_fill_(nonneg, 1.0)


class MinGRUMath(GateMath):
    """minGRU's gate math for :func:`rnnkit.engine.pscan.gated_scan`: blocks ``(k, u)``,
    ``a = 1 - σ(k) = σ(-k)``, ``g = g(u)``. Backward: ``dk = D a (1 - a)``, ``du = G (1 - a) g'(u)``."""

    name = "mingru"
    num_blocks = 2

    def forward(self, P, need_grad):
        a = P[0].neg_().sigmoid_()
        g, gp = _candidate_inplace(P[1], need_grad)
        return a, g, (() if gp is None else (gp,))

    def backward(self, D, G, a, g, saved, dP):
        (gp,) = saved
        Da = D.mul_(a)
        torch.addcmul(Da, Da, a, value=-1.0, out=dP[0])  # D a (1 - a)
        torch.addcmul(G, G, a, value=-1.0, out=dP[1]).mul_(gp)  # G (1 - a) g'

    def coefficients(self, P: Tensor):
        """Differentiable ``(a, g)`` from the projection ``P`` (``(..., 2H)``), for reference paths."""
        k, u = P.chunk(2, -1)
        return torch.sigmoid(-k), candidate(u)

    def log_coefficients(self, P: Tensor):
        """``(log a, log b)`` with ``b = (1 - a) g``, by softplus identities (the paper's log-space form)."""
        k, u = P.chunk(2, -1)
        return -F.softplus(k), -F.softplus(-k) + log_candidate(u)


class MinLSTMMath(GateMath):
    """minLSTM's gate math: blocks ``(kf, ki, u)``, ``f = σ(kf)``, ``i = σ(ki)``, ``a = f / (f + i)``.
    Backward with ``W = D a (1 - a)``: ``dkf = -W (1 - f)``, ``dki = W (1 - i)``, ``du = G (1 - a) g'``."""

    name = "minlstm"
    num_blocks = 3

    def forward(self, P, need_grad):
        f, i = P[0].sigmoid_(), P[1].sigmoid_()
        a = torch.add(f, i)
        torch.div(f, a, out=a)
        g, gp = _candidate_inplace(P[2], need_grad)
        return a, g, (() if gp is None else (f, i, gp))

    def backward(self, D, G, a, g, saved, dP):
        f, i, gp = saved
        Da = D.mul_(a)
        W = torch.addcmul(Da, Da, a, value=-1.0, out=Da)  # D a (1 - a)
        torch.mul(W, f, out=dP[0]).sub_(W)  # -W (1 - f)
        torch.addcmul(W, W, i, value=-1.0, out=dP[1])  # W (1 - i)
        torch.addcmul(G, G, a, value=-1.0, out=dP[2]).mul_(gp)

    def coefficients(self, P: Tensor):
        kf, ki, u = P.chunk(3, -1)
        f, i = torch.sigmoid(kf), torch.sigmoid(ki)
        return f / (f + i), candidate(u)

    def log_coefficients(self, P: Tensor):
        kf, ki, u = P.chunk(3, -1)
        diff = F.softplus(-kf) - F.softplus(-ki)  # log i - log f
        return -F.softplus(diff), -F.softplus(-diff) + log_candidate(u)


# --------------------------------------------------------------------------- layers
class MinimalRNN(nn.Module):
    """A stacked, optionally bidirectional layer of a gated scan cell (:class:`MinGRU`, :class:`MinLSTM`).

    ``scan`` picks how the time recurrence is solved (all give the same numbers):
    ``"chunked"`` (default; the fused projection + gates + chunked linear scan with a hand-written
    backward), ``"log"`` (the paper's log-space scan, cumsum + logcumsumexp, under autograd),
    ``"sequential"`` (a plain autograd loop over time; the reference), ``"triton"`` (one GEMM + one fused
    Triton gate-and-scan kernel each way, :mod:`rnnkit.engine.triton_scan`; CUDA tensors, needs the
    optional ``triton`` package) or ``"auto"`` (``"triton"`` for CUDA inputs when Triton is installed,
    ``"chunked"`` otherwise).
    """

    math: GateMath

    def __init__(self, math: GateMath, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, merge: str = "concat", scan: str = "chunked",
                 device=None, dtype=None) -> None:
        super().__init__()
        self.math = math
        self.input_size = check_int("input_size", input_size)
        self.hidden_size = check_int("hidden_size", hidden_size)
        self.num_layers = check_int("num_layers", num_layers)
        for name, flag in (("bias", bias), ("batch_first", batch_first), ("bidirectional", bidirectional)):
            check_bool(name, flag)
        dropout = check_rate("dropout", dropout, closed=True)  # as torch.nn and RecurrentLayer: [0, 1]
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout > 0 applies between stacked layers; with num_layers=1 it does nothing",
                          stacklevel=3)
        check_choice("scan", scan, SCAN_METHODS)
        if scan == "triton" and not triton_available():
            raise ConfigError("scan: 'triton' needs the triton package, which is not installed "
                              "(pip install 'rnnkit[gpu]'); use scan='auto' to fall back to 'chunked' without it")
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.dropout = dropout
        self.merge = check_choice("merge", merge, MERGE_MODES)
        self.scan = scan
        factory = {"device": device, "dtype": dtype}
        rows = math.num_blocks * hidden_size
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in ("", "_reverse")[: self.num_directions]:
                setattr(self, f"weight_l{layer}{suffix}", nn.Parameter(torch.empty(rows, in_size, **factory)))
                if bias:
                    setattr(self, f"bias_l{layer}{suffix}", nn.Parameter(torch.empty(rows, **factory)))
        self.reset_parameters()

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:
        """Feature size of ``outputs`` (per direction for ``merge="none"``)."""
        return self.hidden_size * (self.num_directions if self.merge == "concat" else 1)

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in ``±1/sqrt(hidden_size)`` (torch.nn's recurrent init)."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -k, k)

    def _params(self, layer: int, direction: int) -> tuple[Tensor, Tensor | None]:
        s = "_reverse" if direction else ""
        return getattr(self, f"weight_l{layer}{s}"), (getattr(self, f"bias_l{layer}{s}") if self.bias else None)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False), ("merge", "concat"), ("scan", "chunked")):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)!r}"
        return s

    # ----------------------------------------------------------------- input checks
    def _check_input(self, x: Any) -> tuple[Tensor, bool]:
        return check_sequence_input(x, self.input_size, self.weight_l0.dtype, self.batch_first)

    def _check_state(self, state: Any, batch: int, batched: bool, ref: Tensor) -> Tensor | None:
        if state is None:
            return None
        LD, H = self.num_layers * self.num_directions, self.hidden_size
        expected = (LD, batch, H) if batched else (LD, H)
        if not isinstance(state, Tensor):
            raise InputTypeError(f"state: expected a tensor of shape {expected}, got {type(state).__name__}")
        return check_state_tensor("state", state, expected, ref, batched)

    # ----------------------------------------------------------------- forward
    def forward(self, x: Tensor, state: Tensor | None = None, lengths: Any = None):
        """``outputs, state = layer(x, state=None, lengths=None)`` (see the module docstring)."""
        x, batched, lengths, mask = prepare_sequence(x, lengths, self.input_size, self.weight_l0.dtype,
                                                     self.batch_first)
        state0 = self._check_state(state, x.shape[1], batched, x)
        D = self.num_directions
        finals: list[Tensor] = []
        inp = x
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                seq = flip_sequences(inp, lengths) if d else inp
                h0 = None if state0 is None else state0[layer * D + d]
                y, last = self._run_direction(seq, *self._params(layer, d), h0, mask)
                outs.append(flip_sequences(y, lengths) if d else y)
                finals.append(last)
            inp = torch.cat(outs, -1) if D > 1 else outs[0]
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                inp = F.dropout(inp, self.dropout, training=True)
        out = inp
        if self.bidirectional:
            H = self.hidden_size
            out = merge_directions(out[..., :H], out[..., H:], self.merge)
        out = restore_layout(out, batched, self.batch_first)
        new_state = torch.stack(finals, 0)
        return out, (new_state if batched else new_state.squeeze(1))

    def _run_direction(self, seq: Tensor, weight: Tensor, bias: Tensor | None, h0: Tensor | None,
                       mask: Tensor | None) -> tuple[Tensor, Tensor]:
        scan = resolve_triton(self.scan, seq, "scan", "chunked")
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
        if self.scan == "log":
            log_a, log_b = self.math.log_coefficients(P)
            return log_scan(log_a, log_b, h0, mask=mask, return_last=True)
        a, g = self.math.coefficients(P)
        return linear_scan(a, (1 - a) * g, h0, mask=mask, method="sequential", return_last=True)

    # ----------------------------------------------------------------- streaming
    def step(self, x_t: Tensor, state: Tensor | None = None):
        """Advance one step in O(1): ``y_t, state = layer.step(x_t, state)`` with ``x_t`` ``(B, I)`` (or
        ``(I,)``) and ``state`` ``(L, B, H)`` (or ``(L, H)``; ``None``: zeros), using the sequential form
        ``h = a ⊙ h + (1 - a) ⊙ g``. Equal to the full-sequence call one step at a time.
        Unidirectional only; dropout between layers is applied in training mode, as in ``forward``."""
        if self.bidirectional:
            raise ConfigError("step: expected a unidirectional layer (the reverse direction needs the whole sequence), got bidirectional=True")
        if not isinstance(x_t, Tensor):
            raise InputTypeError(f"x_t: expected a torch.Tensor, got {type(x_t).__name__}")
        if x_t.dim() not in (1, 2):
            raise ShapeError(f"x_t: expected shape (B, {self.input_size}) or ({self.input_size},), got {tuple(x_t.shape)}")
        batched = x_t.dim() == 2
        x, _ = self._check_input(x_t.unsqueeze(1 if batched else 0))  # dtype and size checked
        x = x_t if batched else x_t.unsqueeze(0)
        h_all = self._check_state(state, x.shape[0], batched, x)
        inp, news = x, []
        for layer in range(self.num_layers):
            weight, bias = self._params(layer, 0)
            a, g = self.math.coefficients(F.linear(inp, weight, bias))
            h = g * (1 - a) if h_all is None else torch.lerp(g, h_all[layer], a)
            news.append(h)
            inp = h
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                inp = F.dropout(inp, self.dropout, training=True)
        new_state = torch.stack(news, 0)
        if not batched:
            return inp[0], new_state[:, 0]
        return inp, new_state

    def initial_state(self, batch_size: int, device=None, dtype=None) -> Tensor:
        """Zeros in the layout ``forward`` takes and returns."""
        w = self.weight_l0
        return torch.zeros(self.num_layers * self.num_directions, batch_size, self.hidden_size,
                           device=device or w.device, dtype=dtype or w.dtype)


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
                 merge: str = "concat", scan: str = "chunked", device=None, dtype=None) -> None:
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
                 merge: str = "concat", scan: str = "chunked", device=None, dtype=None) -> None:
        super().__init__(MinLSTMMath(), input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, merge, scan, device, dtype)
