r"""Parallel scans over time for first-order linear recurrences :math:`h_t = a_t \odot h_{t-1} + b_t`.

This is the time loop of the minGRU / minLSTM cells (Feng et al. 2024, "Were RNNs All We Needed?"),
whose gates read only the input, so that every :math:`a_t, b_t` is known before the loop starts and the
recurrence can be solved for all steps at once instead of one step after another.

Tensors are time-major: ``a``, ``b`` are ``(T, *S)`` (usually ``S = (B, H)``), ``h0`` is ``S`` or
``None`` (zeros), the result is ``(T, *S)`` with row ``t`` holding :math:`h_t`.

Ways to compute the same numbers (``method=``):

``"chunked"`` (the default, fastest on CPU)
    Linear space, two levels. Time is cut into chunks of ``C`` steps. Sweep 1 runs the recurrence inside
    every chunk at once (``C`` vectorised steps over all chunks) from a zero start and multiplies each
    chunk's coefficients; the chunk-level recurrence (length ``T / C``) then gives the state entering
    every chunk (solved the same way, recursively); sweep 2 reruns each chunk from its true start and
    writes the output. Only products and sums of the given ``a``, ``b`` appear -- the same operations
    as the sequential recurrence, regrouped -- so it is exact for any real ``a``, ``b`` (no logarithms,
    no division). The backward pass is written by hand: the gradient obeys the same recurrence run
    backwards in time, :math:`g_t = \partial L/\partial h_t + a_{t+1} g_{t+1}`, solved by the same
    chunked scan; then :math:`\partial L/\partial b_t = g_t`, :math:`\partial L/\partial a_t = g_t
    h_{t-1}`, :math:`\partial L/\partial h_0 = a_0 g_0`.
``"log"``
    The paper's log-space scan (its appendix): with :math:`a^*_t = \sum_{k \le t} \log a_k`,
    :math:`h_t = \exp\big(a^*_t + \operatorname{logcumsumexp}_t(\log b_t - a^*_t)\big)`, one ``cumsum``
    and one ``logcumsumexp``, differentiated by autograd. Needs ``a > 0`` and ``b > 0`` (the cells give
    log-coefficients directly, see :func:`log_scan`); ``h0`` of any sign is added as
    :math:`\exp(a^*_t)\, h_0`.
``"sequential"``
    A plain loop over time under autograd: the reference the other two are tested against, and the
    "autograd loop" baseline in ``benchmarks/bench_scan.py``.
``"triton"`` (CUDA, optional ``triton`` package)
    The fused Triton kernels of :mod:`rnnkit.engine.triton_scan`: one forward and one backward kernel,
    each a single pass over the sequence (``tl.associative_scan`` inside tiles of time steps, the state
    carried between tiles), linear space like ``"chunked"``. ``"auto"`` picks ``"triton"`` for CUDA
    tensors when Triton is importable and ``"chunked"`` otherwise.

Variable lengths: ``mask`` (boolean, ``True`` on valid steps, broadcastable to ``a``, e.g. the
``(T, B, 1)`` of :func:`rnnkit.engine.masks.step_mask`) makes padded steps keep the state
(:math:`a = 1, b = 0`, i.e. :math:`\log a = 0`, :math:`\log b = -\infty`) and emit zeros; the state after
the last row is then each sequence's last valid state.

>>> a = torch.tensor([[0.5], [0.5], [0.5]]); b = torch.tensor([[1.0], [1.0], [1.0]])
>>> linear_scan(a, b).flatten()
tensor([1.0000, 1.5000, 1.7500])
>>> linear_scan(a, b, torch.tensor([4.0])).flatten()
tensor([3.0000, 2.5000, 2.2500])
>>> out, last = linear_scan(a, b, mask=torch.tensor([[True], [True], [False]]), return_last=True)
>>> out.flatten(), last
(tensor([1.0000, 1.5000, 0.0000]), tensor([1.5000]))
"""

from __future__ import annotations

import importlib.util
import math

import torch
from torch import Tensor

from rnnkit.cells.minimal import GateMath
from rnnkit.engine.first_order import (forward_ad_active, functorch_active, refuse_forward_ad, refuse_functorch,
                                      refuse_unsupported_backward)
from rnnkit._validate import is_bool
from rnnkit.errors import ConfigError, InputTypeError, ShapeError

__all__ = ["SCAN_METHODS", "linear_scan", "log_scan", "sequential_scan", "gated_scan", "GateMath", "chunk_size_for",
           "triton_available", "resolve_triton"]

SCAN_METHODS = ("chunked", "log", "sequential", "triton", "auto")


# --------------------------------------------------------------------------- Triton dispatch
def triton_available() -> bool:
    """Whether the optional ``triton`` package is installed (checked without importing it)."""
    return importlib.util.find_spec("triton") is not None


def resolve_triton(method: str, t: Tensor, label: str, fallback: str) -> str:
    """``"auto"`` -> ``"triton"`` for a CUDA tensor of a supported dtype when Triton is installed, else
    ``fallback``; ``"triton"`` is checked (typed error starting with ``label`` when it cannot run on
    ``t``); any other method is returned as is. Imports Triton only when it may be used."""
    if method == "auto":
        if not (t.is_cuda and triton_available()):
            return fallback
        from rnnkit.engine import triton_scan
        return "triton" if triton_scan.usable(t) else fallback
    if method == "triton":
        from rnnkit.engine import triton_scan
        triton_scan.require(label, t)
    return method


# --------------------------------------------------------------------------- the chunked kernel
def chunk_size_for(T: int) -> int:
    """Chunk length for a sequence of ``T`` steps: about ``sqrt(T)`` (between 8 and 64), which balances
    the ``2 C`` vectorised steps of the two sweeps against the ``T / C`` steps of the chunk level."""
    return max(8, min(64, int(math.sqrt(T))))


def _scan_into(a: Tensor, b: Tensor, h0: Tensor | None, out: Tensor, reverse: bool = False) -> None:
    """Solve ``out[t] = a[t] * out[t-1] + b[t]`` (``out[t+1]`` when ``reverse``) with ``out[-1] = h0``
    (``None``: zeros). ``a``, ``b``, ``out``: contiguous ``(T, N)``; ``h0``: ``(N,)``. Writes ``out``."""
    T = a.shape[0]
    C = chunk_size_for(T)
    order = range(T - 1, -1, -1) if reverse else range(T)
    if T < 2 * C:  # short: plain vectorised steps
        prev = h0
        for t in order:
            if prev is None:
                out[t].copy_(b[t])
            else:
                torch.addcmul(b[t], a[t], prev, out=out[t])
            prev = out[t]
        return
    n = T // C
    # Forward: chunks cover [0, nC), the remainder [nC, T) runs last. Reverse: chunks cover [T-nC, T),
    # the remainder [0, T-nC) runs last (it comes last in reverse time).
    lo = T - n * C if reverse else 0
    A, Bv, O = (t[lo: lo + n * C].view(n, C, -1) for t in (a, b, out))
    js = range(C - 1, -1, -1) if reverse else range(C)
    first, rest = js[0], js[1:]
    # Sweep 1: each chunk's end value from a zero start, all chunks at once; and each chunk's product.
    r = Bv[:, first].clone()
    for j in rest:
        r = torch.addcmul(Bv[:, j], A[:, j], r)
    P = A.prod(1)
    # Chunk level: state after each chunk, by the same recurrence over n chunks.
    ends = torch.empty_like(r)
    _scan_into(P, r, h0, ends, reverse)
    carry = torch.empty_like(r)  # state entering each chunk
    if reverse:
        carry[:-1] = ends[1:]
        carry[-1] = 0 if h0 is None else h0
    else:
        carry[1:] = ends[:-1]
        carry[0] = 0 if h0 is None else h0
    # Sweep 2: rerun every chunk from its true start, writing the output.
    prev = carry
    for j in js:
        torch.addcmul(Bv[:, j], A[:, j], prev, out=O[:, j])
        prev = O[:, j]
    # Remainder steps, one at a time.
    prev = ends[0] if reverse else ends[-1]
    for t in (range(lo - 1, -1, -1) if reverse else range(n * C, T)):
        torch.addcmul(b[t], a[t], prev, out=out[t])
        prev = out[t]


def _as_2d(t: Tensor) -> Tensor:
    return t.contiguous().view(t.shape[0], -1)


class _ChunkedScan(torch.autograd.Function):
    """``h = scan(a, b, h0)`` with the hand-written backward described in the module docstring."""

    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor, h0: Tensor | None) -> Tensor:
        a2, b2 = _as_2d(a), _as_2d(b)
        h0f = None if h0 is None else h0.contiguous().view(-1)
        out = torch.empty_like(b2)
        _scan_into(a2, b2, h0f, out)
        ctx.save_for_backward(a2, out, h0f)
        ctx.shape, ctx.h0_shape = a.shape, (None if h0 is None else h0.shape)
        return out.view(a.shape)

    @staticmethod
    def backward(ctx, gh: Tensor):
        refuse_unsupported_backward("method", "chunked", "'sequential'", (gh,))
        a, h, h0 = ctx.saved_tensors
        T = a.shape[0]
        gh = _as_2d(gh)
        # g_t = gh_t + a_{t+1} g_{t+1}: a reverse scan over steps 0..T-2 with coefficients a[1:].
        g = torch.empty_like(gh)
        g[-1] = gh[-1]
        if T > 1:
            _scan_into(a[1:], gh[:-1], g[-1], g[:-1], reverse=True)
        da = db = dh0 = None
        if ctx.needs_input_grad[0]:
            da = torch.empty_like(a)
            torch.mul(g[1:], h[:-1], out=da[1:])
            if h0 is None:
                da[0] = 0
            else:
                torch.mul(g[0], h0, out=da[0])
            da = da.view(ctx.shape)
        if ctx.needs_input_grad[1]:
            db = g.view(ctx.shape)
        if h0 is not None and ctx.needs_input_grad[2]:
            dh0 = (a[0] * g[0]).view(ctx.h0_shape)
        return da, db, dh0


# --------------------------------------------------------------------------- fused gated scan
class _GatedScan(torch.autograd.Function):
    """Projection GEMM + gate math + chunked scan + their hand-written backward, in one Function.

    Forward: ``P = x W^T + b`` (one batched GEMM, block-major so every block is contiguous), ``a, g``
    from the gate math, padded steps get ``a = 1`` (so ``b = (1 - a) g = 0``), ``h`` by the chunked
    scan. Backward: ``G`` by the reverse chunked scan, the gate math's local backward into ``dP``, then
    ``dW = dPᵀ x`` (one batched GEMM), ``db = Σ dP``, ``dx = Σ_blocks dP_j W_j``.
    """

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor | None, h0: Tensor | None,
                pad: Tensor | None, math: GateMath, need_grad: bool):
        T, B, I = x.shape
        n = math.num_blocks
        H = weight.shape[0] // n
        x2 = x.reshape(T * B, I)
        wb = weight.view(n, H, I).transpose(1, 2)
        if bias is None:
            P = torch.matmul(x2, wb)
        else:
            P = torch.baddbmm(bias.view(n, 1, H), x2.expand(n, T * B, I), wb)
        a, g, saved = math.forward(P, need_grad)
        # b = (1 - a) g, not g - a g: with g = inf (an inf input) and 0 < a < 1 that was inf - inf = NaN where the
        # sequential scan and the log scan give inf; 1 - a is exact for a >= 1/2, so it also rounds less
        b = torch.rsub(a, 1.0).mul_(g)
        if pad is not None:  # padded steps keep the state: a = 1, b = 0 (0 * g was NaN for g = inf there)
            a.view(T, B, H).masked_fill_(pad, 1.0)
            b.view(T, B, H).masked_fill_(pad, 0.0)
        h = torch.empty_like(b)
        h0f = None if h0 is None else h0.contiguous().view(-1)
        _scan_into(a.view(T, -1), b.view(T, -1), h0f, h.view(T, -1))
        h = h.view(T, B, H)
        last = h[-1].clone()
        y = h if pad is None else h.masked_fill(pad, 0.0)
        if need_grad:
            ctx.save_for_backward(x2, weight, h, h0, a, g, *saved)
            ctx.math, ctx.pad, ctx.has_bias, ctx.shape = math, pad, bias is not None, (T, B, I, H, n)
        return y, last

    @staticmethod
    def backward(ctx, gy: Tensor | None, glast: Tensor | None):
        refuse_unsupported_backward("scan", "chunked", "'log' or 'sequential'", (gy, glast))
        x2, weight, h, h0, a, g, *saved = ctx.saved_tensors
        T, B, I, H, n = ctx.shape
        pad = ctx.pad
        # G_t = ∂L/∂h_t: the output's gradient (zero on padded steps, whose output is a constant 0),
        # plus a_{t+1} G_{t+1} carried back through time (the reverse chunked scan).
        gh = torch.zeros(T, B, H, dtype=h.dtype, device=h.device) if gy is None else gy
        if pad is not None and gy is not None:
            gh = gh.masked_fill(pad, 0.0)
        gh = gh.contiguous().view(T, -1)
        G = torch.empty_like(gh)
        G[-1] = gh[-1] if glast is None else gh[-1] + glast.reshape(-1)
        if T > 1:
            _scan_into(a.view(T, -1)[1:], gh[:-1], G[-1], G[:-1], reverse=True)
        # D = G ⊙ (g_t - h_{t-1}) = -∂L/∂a_t.
        hv, gv = h.view(T, -1), g.view(T, -1)
        D = torch.empty_like(G)
        torch.sub(gv[1:], hv[:-1], out=D[1:])
        if h0 is None:
            D[0] = gv[0]
        else:
            torch.sub(gv[0], h0.reshape(-1), out=D[0])
        D.mul_(G)
        dP = torch.empty(n, T * B, H, dtype=h.dtype, device=h.device)
        ctx.math.backward(D.view(T * B, H), G.view(T * B, H), a, g, saved, dP)
        dx = dw = db = dh0 = None
        wv = weight.view(n, H, I)
        if ctx.needs_input_grad[0]:
            dx = torch.mm(dP[0], wv[0])
            for j in range(1, n):
                dx.addmm_(dP[j], wv[j])
            dx = dx.view(T, B, I)
        if ctx.needs_input_grad[1]:
            dw = torch.bmm(dP.transpose(1, 2), x2.expand(n, T * B, I)).view(n * H, I)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            db = dP.sum(1).view(n * H)
        if h0 is not None and ctx.needs_input_grad[3]:
            dh0 = (a.view(T, -1)[0] * G[0]).view(h0.shape)
        return dx, dw, db, dh0, None, None, None


def gated_scan(x: Tensor, weight: Tensor, bias: Tensor | None, math: GateMath, h0: Tensor | None = None,
               mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
    r"""``h_t = a_t ⊙ h_{t-1} + (1 - a_t) ⊙ g_t`` with ``a, g`` from ``math`` applied to the projection
    ``x Wᵀ + b`` of the time-major input ``x`` ``(T, B, I)`` (``weight`` ``(n*H, I)``, ``bias``
    ``(n*H,)``), solved by the chunked scan, forward and backward written by hand.

    ``h0``: ``(B, H)`` or ``None``; ``mask``: bool ``(T, B, 1)``, ``True`` on valid steps. Returns
    ``(y, last)``: ``y`` ``(T, B, H)`` with zeros on padded steps, ``last`` ``(B, H)`` each sequence's
    last valid state.
    """
    pad = None if mask is None else ~mask
    # Inference (no_grad, or nothing requires grad) skips what only the backward needs.
    need_grad = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in (x, weight, bias, h0))
    return _GatedScan.apply(x, weight, bias, h0, pad, math, need_grad)


# --------------------------------------------------------------------------- public API
def _dense(name: str, t: Tensor) -> None:
    """A sparse or nested tensor was torch's 'unsupported memory format', NotImplementedError or 'Internal error'."""
    if t.is_nested or t.layout != torch.strided:
        raise InputTypeError(f"{name}: expected a dense tensor, got "
                             f"{'a nested tensor' if t.is_nested else f'layout {t.layout}'}; call {name}.to_dense()")


def _check(name_a: str, a: Tensor, name_b: str, b: Tensor, h0: Tensor | None, mask: Tensor | None,
           return_last: bool = False) -> None:
    if not is_bool(return_last):   # return_last="no" returned the pair
        raise InputTypeError(f"return_last: expected a bool, got {type(return_last).__name__} {return_last!r}")
    for name, t in ((name_a, a), (name_b, b), ("h0", h0), ("mask", mask)):
        if isinstance(t, Tensor):
            _dense(name, t)
    for name, t in ((name_a, a), (name_b, b)):
        if not isinstance(t, Tensor):
            raise InputTypeError(f"{name}: expected a torch.Tensor, got {type(t).__name__}")
        if not t.is_floating_point():
            raise InputTypeError(f"{name}: expected a floating-point tensor, got dtype {t.dtype}")
    if a.dim() < 1 or a.shape[0] == 0:
        raise ShapeError(f"{name_a}: expected a time-major tensor (T, ...) with T >= 1, got shape {tuple(a.shape)}")
    if a.shape != b.shape:
        raise ShapeError(f"{name_b}: expected the shape of {name_a} {tuple(a.shape)}, got {tuple(b.shape)}")
    if a.dtype != b.dtype:
        raise InputTypeError(f"{name_b}: expected the dtype of {name_a} ({a.dtype}), got {b.dtype}")
    if h0 is not None:
        if not isinstance(h0, Tensor):
            raise InputTypeError(f"h0: expected a torch.Tensor or None, got {type(h0).__name__}")
        if h0.shape != a.shape[1:]:
            raise ShapeError(f"h0: expected shape {tuple(a.shape[1:])} (one step of {name_a}), got {tuple(h0.shape)}")
        if h0.dtype != a.dtype:
            raise InputTypeError(f"h0: expected dtype {a.dtype}, got {h0.dtype}")
    if mask is not None:
        if not isinstance(mask, Tensor) or mask.dtype != torch.bool:
            raise InputTypeError(f"mask: expected a bool tensor, got {getattr(mask, 'dtype', type(mask).__name__)}")
        if mask.dim() != a.dim() or mask.shape[0] != a.shape[0]:
            raise ShapeError(f"mask: expected shape (T, ...) broadcastable to {tuple(a.shape)}, got {tuple(mask.shape)}")
        try:
            torch.broadcast_shapes(mask.shape, a.shape)
        except RuntimeError:
            raise ShapeError(f"mask: expected shape broadcastable to {tuple(a.shape)}, got {tuple(mask.shape)}") from None


def _finish(h: Tensor, mask: Tensor | None, return_last: bool):
    last = h[-1]
    if mask is not None:   # padded steps emit 0 (h * mask was NaN there once a sequence held NaN/inf: NaN * 0)
        h = h.masked_fill(~mask, 0.0)
    return (h, last) if return_last else h


def linear_scan(a: Tensor, b: Tensor, h0: Tensor | None = None, *, mask: Tensor | None = None,
                method: str = "chunked", return_last: bool = False):
    r"""Solve :math:`h_t = a_t \odot h_{t-1} + b_t` for all ``t`` (``h_{-1} = h0``, zeros if ``None``).

    ``a``, ``b``: ``(T, *S)``; ``h0``: ``S``; ``mask``: bool, broadcastable to ``a``, ``True`` on valid
    steps (padded steps keep the state and emit zeros). ``method``: ``"chunked"`` (any real ``a``, ``b``),
    ``"sequential"``, ``"triton"`` (the fused kernel; CUDA) or ``"auto"`` (``"triton"`` on CUDA when
    Triton is installed, else ``"chunked"``; ``"sequential"`` under ``torch.func`` transforms and forward-mode
    AD, where an explicit ``"chunked"``/``"triton"`` is a ConfigError: their derivatives are hand-written,
    reverse-mode); for the log-space scan use :func:`log_scan`. Returns ``h``
    ``(T, *S)``, or ``(h, last)`` with ``return_last=True``, ``last`` being the state after the final
    step (each sequence's last valid state under ``mask``).
    """
    _check("a", a, "b", b, h0, mask, return_last)
    if method not in ("chunked", "sequential", "triton", "auto"):
        raise ConfigError(f"method: expected 'chunked', 'sequential', 'triton' or 'auto' (log space: use log_scan), got {method!r}")
    if method == "auto" and (functorch_active() or forward_ad_active((a, b, h0))):
        method = "sequential"       # as a scan layer's "auto": the hand-written scans cannot run there
    method = resolve_triton(method, a, "method", "chunked")
    if mask is not None:
        a = torch.where(mask, a, torch.ones((), dtype=a.dtype, device=a.device))
        b = torch.where(mask, b, torch.zeros((), dtype=b.dtype, device=b.device))
    if method != "sequential":      # the chunked and Triton scans' derivatives are hand-written, reverse-mode
        refuse_forward_ad("method", method, "'sequential'", (a, b, h0))
        refuse_functorch("method", method, "'sequential'")   # torch's 'must override the setup_context' before
    if method == "sequential":
        h = sequential_scan(a, b, h0)
    elif method == "triton":
        from rnnkit.engine.triton_scan import triton_linear_scan
        h = triton_linear_scan(a, b, h0)
    else:
        h = _ChunkedScan.apply(a, b, h0)
    return _finish(h, mask, return_last)


def log_scan(log_a: Tensor, log_b: Tensor, h0: Tensor | None = None, *, mask: Tensor | None = None,
             return_last: bool = False, method: str = "logcumsumexp"):
    r"""The paper's log-space scan: :math:`h_t = a_t \odot h_{t-1} + b_t` given :math:`\log a_t` and
    :math:`\log b_t` (so ``b > 0``; ``h0`` may have any sign).

    :math:`h_t = e^{a^*_t} h_0 + \exp(a^*_t + \operatorname{logcumsumexp}_t(\log b_t - a^*_t))` with
    :math:`a^*_t = \sum_{k\le t} \log a_k`. Arguments and result as in :func:`linear_scan`.
    ``method``: ``"logcumsumexp"`` (the formula above, autograd), ``"triton"`` (the fused kernel, which
    exponentiates the coefficients as it loads them and scans in linear space; CUDA) or ``"auto"``.
    Inputs are scanned in float64 (float32 on MPS, which has no float64) and ``h`` is returned in their dtype:
    ``a*`` grows like ``t`` and cancels in ``h``, so the error of a scan in the inputs' own dtype grows with
    ``T`` (in float32, 2.5% at ``T = 10^5`` with ``a = 0.01``; the chunked scan's does not).

    >>> log_scan(torch.log(torch.tensor([[0.5], [0.5]])), torch.zeros(2, 1)).flatten()
    tensor([1.0000, 1.5000])
    """
    _check("log_a", log_a, "log_b", log_b, h0, mask, return_last)
    if method not in ("logcumsumexp", "triton", "auto"):
        raise ConfigError(f"method: expected 'logcumsumexp', 'triton' or 'auto', got {method!r}")
    method = resolve_triton(method, log_a, "method", "logcumsumexp")
    if mask is not None:
        log_a = torch.where(mask, log_a, torch.zeros((), dtype=log_a.dtype, device=log_a.device))
        log_b = torch.where(mask, log_b, torch.full((), -math.inf, dtype=log_b.dtype, device=log_b.device))
    if method == "triton":
        refuse_forward_ad("method", method, "'logcumsumexp'", (log_a, log_b, h0))
        from rnnkit.engine.triton_scan import triton_log_scan
        return _finish(triton_log_scan(log_a, log_b, h0), mask, return_last)
    # a*_t and the logcumsumexp grow like t and cancel in h, with a rounding error of about |a*_t| eps: in
    # bfloat16 (8 bits) h was wrong by more than its size after ~200 steps (1.7 on outputs of size 1.8; 54 at
    # T=2000); in float32 by 1e-3 at T = 10^4 and 2.5% at T = 10^5 (a = 0.01; float32's sequential loop: 8e-8).
    # So the inputs are scanned in float64 (|a*| eps stays under float32's rounding to T ~ 10^6 at a = 0.01) and
    # h is rounded once, as the chunked scan's error is; CPU fwd + bwd cost +35% (2000 x 512).
    dtype = log_a.dtype
    work = torch.float32 if log_a.device.type == "mps" else torch.float64
    # A log a_t below log(the dtype's smallest subnormal) - 1 is an a_t of exactly 0 in it: h_t = b_t, and every
    # exp(a*_t - a*_s) across that step is 0. Kept at that floor, a* stays a sum of moderate terms: a log a_t of
    # -1e20 (minGRU with |input| 1e20) swallowed every later step of a* (h = 1 everywhere), -inf (a = 0 given as
    # log 0) made -inf + inf = NaN, -1e4 left 1e-3 of rounding in every later exponent.
    a_star = log_a.to(work).clamp(min=_LOG_ZERO[work]).cumsum(0)
    tangents = functorch_active() or forward_ad_active((log_a, log_b))
    h = (a_star + (_LogCumSumExpJvp if tangents else _LogCumSumExp).apply(log_b.to(work) - a_star)).exp()
    if h0 is not None:
        h = h + a_star.exp() * h0.to(work)
    return _finish(h.to(dtype), mask, return_last)


# exp(v) rounds to 0 for every v at or below this (log of the smallest subnormal, less 1), per working dtype
_LOG_ZERO = {dt: math.log(torch.finfo(dt).smallest_normal * torch.finfo(dt).eps) - 1.0
             for dt in (torch.float32, torch.float64)}


class _LogCumSumExp(torch.autograd.Function):
    """``logcumsumexp`` over dim 0 with torch's backward formula written in differentiable ops, except
    that zero entries of the incoming gradient are kept out of its ``log |g|``. torch's own formula takes
    ``log |g|`` of every entry and masks the zeros afterwards, so its second derivative is ``0 / 0`` = NaN
    wherever ``g`` is 0 -- at every padded step, and wherever the loss ignores an output (a loss on the
    last step only). With this, second derivatives through :func:`log_scan` are finite and exact."""

    generate_vmap_rule = True   # forward and backward are torch ops: torch.func.vmap / grad run it as is

    @staticmethod
    def forward(x: Tensor) -> Tensor:
        return x.logcumsumexp(0)

    @staticmethod
    def setup_context(ctx, inputs: tuple[Tensor], output: Tensor) -> None:
        ctx.save_for_backward(inputs[0], output)
        # jvp cannot read saved tensors when nothing requires grad (pure forward mode): kept for it then,
        # and only then (with a graph, the output held here would be a cycle through this node)
        ctx.jvp_inputs = None if output.requires_grad else (inputs[0], output)

    @staticmethod
    def backward(ctx, g: Tensor) -> Tensor:
        # dx_i = Σ_{j >= i} g_j exp(x_i - y_j), split by the sign of g_j and summed in log space.
        x, y = ctx.saved_tensors
        lowest = torch.finfo(g.dtype).min
        log_abs = torch.where(g != 0, g, 1).abs().log()
        out = []
        for sign in (g > 0, g < 0):
            v = torch.where(sign, log_abs, lowest) - y
            out.append((v.flip(0).logcumsumexp(0).flip(0) + x).exp())
        return out[0] - out[1]


class _LogCumSumExpJvp(_LogCumSumExp):
    """:class:`_LogCumSumExp` with forward-mode derivatives, used where a tangent can reach it (a dual level with a
    dual input, a ``torch.func`` transform): dynamo cannot trace a Function defining ``jvp`` ("Unsupported custom
    jvp"), so ``torch.compile(fullgraph=True)`` of every log-scan layer failed while the one class had it."""

    generate_vmap_rule = True

    @staticmethod
    def jvp(ctx, t: Tensor) -> Tensor:
        # Forward-mode AD (dual tensors, torch.func.jvp): dy_i = Σ_{j <= i} t_j exp(x_j - y_i), split by the
        # sign of t_j and summed in log space as the backward is (a Function without it: NotImplementedError).
        x, y = ctx.jvp_inputs or ctx.saved_tensors
        lowest = torch.finfo(t.dtype).min
        log_abs = torch.where(t != 0, t, 1).abs().log()
        out = [(torch.where(sign, log_abs, lowest) + x).logcumsumexp(0).sub(y).exp() for sign in (t > 0, t < 0)]
        return out[0] - out[1]


def sequential_scan(a: Tensor, b: Tensor, h0: Tensor | None = None) -> Tensor:
    """The recurrence one step at a time under autograd (the reference for the parallel scans)."""
    # unbind, not a[t]: autograd's backward of indexing would write a full-size zero tensor per step
    # (quadratic in T); unbind's backward stacks the step gradients once.
    h = torch.zeros_like(b[0]) if h0 is None else h0
    out = []
    for a_t, b_t in zip(a.unbind(0), b.unbind(0)):
        h = torch.addcmul(b_t, a_t, h)
        out.append(h)
    return torch.stack(out, 0)
