r"""Fused Triton kernels for the minGRU / minLSTM time scan :math:`h_t = a_t \odot h_{t-1} + b_t`.

One forward kernel and one backward kernel (source: :mod:`rnnkit.engine.triton_scan_kernels`), each a
pass over the sequence, parallel over the ``N = B * H`` lanes (a program owns ``BLOCK_N`` adjacent
lanes), over chunks of time where the lanes alone are too few to fill the GPU (two launches: each
chunk's composed map, then each chunk from its carry-in; see that module) and over time inside tiles
of ``BLOCK_T`` steps (``tl.associative_scan`` of the affine maps ``h -> a h + b``), the tiles of a
chunk visited in order with the state carried in registers from one tile to the next:

* forward: load the tile's pre-activations, compute the gates (``MODE`` below), set padded steps to
  ``a = 1, b = 0``, scan the tile, apply the carried state, store ``h``; the state after the last
  row is each sequence's last valid state.
* backward: visit the tiles from the end, rows in reverse time. With ``G_t = ∂L/∂h_t``,
  ``G_t = gy_t + a_{t+1} G_{t+1}`` (``G_T`` = the gradient of the returned last state) is the same
  scan over the pairs ``(a_{t+1}, gy_t)``; the kernel recomputes the gates from the saved
  pre-activations (nothing but ``P`` and ``h`` is saved), reads ``h_{t-1}`` and writes the gradient
  of every pre-activation block, and ``∂L/∂h_0 = a_0 G_0``.

So a minGRU / minLSTM direction is one GEMM + one kernel forward, one kernel + two GEMMs (+ a column
sum for the bias) backward. The kernels work in linear space, in float32 for float16 / bfloat16 /
float32 tensors (loads are upcast, the state is carried in float32 registers) and in float64 for
float64: the associative scan only multiplies and adds the coefficients (no division, no logarithm),
exactly the operations of the sequential loop, regrouped.

``MODE`` (what the loaded blocks mean):

==========  ==========================  ========================================================
``0``       ``a``, ``b``                :func:`triton_linear_scan`
``1``       ``k``, ``u`` (minGRU)       ``a = σ(-k)``, ``b = (1 - a) g(u)``
``2``       ``kf``, ``ki``, ``u``       ``f = σ(kf)``, ``i = σ(ki)``, ``a = f / (f + i)``, ``b = (1 - a) g(u)``
``3``       ``log a``, ``log b``        ``a = exp(log a)``, ``b = exp(log b)`` (:func:`triton_log_scan`)
==========  ==========================  ========================================================

``g(u) = max(u + 0.5, σ(u))`` is the paper's positive candidate (see :mod:`rnnkit.layers.minimal`).

Where it runs: on CUDA tensors with Triton compiled kernels; on any tensor in Triton's interpreter
(``TRITON_INTERPRET=1`` in the environment when the kernels are launched; slow, numpy, for testing on
a machine without a GPU). Callers choose it with ``scan="triton"`` (or ``"auto"``: Triton on CUDA
when it is importable, the chunked scan otherwise) -- see :func:`usable`.
"""

# No ``from __future__ import annotations`` here: Triton finds the constexpr parameters of a kernel by
# its annotations, kept as the ``tl.constexpr`` objects themselves (not strings) for the compiler and
# the interpreter alike.

import functools
import os

import torch
from torch import Tensor

from rnnkit._validate import is_int
from rnnkit.engine.first_order import refuse_unsupported_backward
from rnnkit.engine.triton_scan_kernels import kernels
from rnnkit.errors import ConfigError, InputTypeError, ShapeError

try:  # optional dependency: pip install 'rnnkit[gpu]'
    import triton
    import triton.language as tl
    HAS_TRITON = True
except ImportError:  # pragma: no cover - depends on the environment
    triton = None
    tl = None
    HAS_TRITON = False

__all__ = ["HAS_TRITON", "SUPPORTED_DTYPES", "available", "interpret_mode", "usable", "require", "triton_linear_scan",
           "triton_log_scan", "triton_gated_scan", "CELL_MODES"]

SUPPORTED_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
CELL_MODES = {"mingru": 1, "minlstm": 2}


def available() -> bool:
    """Whether the ``triton`` package is importable (it is an optional dependency)."""
    return HAS_TRITON


def interpret_mode() -> bool:
    """Whether Triton's interpreter is asked for (``TRITON_INTERPRET`` set to a true value): kernels then
    run on the host with numpy, on CPU tensors too. Read at every launch, like Triton itself does."""
    return os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "on", "yes")


def usable(t: Tensor) -> bool:
    """Whether the kernels can run on ``t``: Triton importable, a supported dtype, and ``t`` on CUDA
    (compiled kernels) or the interpreter asked for (any device)."""
    return HAS_TRITON and t.dtype in SUPPORTED_DTYPES and (t.is_cuda or interpret_mode())


def require(label: str, t: Tensor) -> None:
    """Raise a typed error, starting with ``label`` (the option or argument at fault), unless the kernels
    can run on ``t`` (see :func:`usable`)."""
    if not HAS_TRITON:
        raise ConfigError(f"{label}: the Triton scan needs the triton package, which is not importable "
                          "(pip install 'rnnkit[gpu]'); use the chunked scan (or 'auto') instead")
    if t.dtype not in SUPPORTED_DTYPES:
        raise InputTypeError(f"{label}: the Triton scan supports dtypes {[str(d) for d in SUPPORTED_DTYPES]}, got {t.dtype}")
    if not (t.is_cuda or interpret_mode()):
        raise ConfigError(f"{label}: the Triton scan runs on CUDA tensors, got device {t.device} (use the "
                          "chunked scan or 'auto' off CUDA; TRITON_INTERPRET=1 runs the kernels in Triton's "
                          "CPU interpreter, for testing)")


_kernels = kernels  # the name the tests and older callers use


def _next_pow2(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


@functools.lru_cache(maxsize=8)
def _sm_count(index: int) -> int:
    return torch.cuda.get_device_properties(index).multi_processor_count


def _config(T: int, N: int, device: torch.device, block_t: int | None, block_n: int | None):
    """Tile sizes: ``BLOCK_T`` 64 time steps (fewer for short sequences); ``BLOCK_N`` 64, 32 or 16 lanes,
    the widest that still gives about one program per multiprocessor from the lanes alone (time chunks,
    :func:`_chunking`, add programs where the lanes are few)."""
    if block_t is None:
        block_t = min(64, max(16, _next_pow2(T)))
    if block_n is None:
        sms = _sm_count(device.index if device.index is not None else torch.cuda.current_device()) if device.type == "cuda" else 1
        block_n = 64 if N >= 64 * 2 * sms else 32 if N >= 32 * sms else 16
    for name, v in (("block_t", block_t), ("block_n", block_n)):
        if v < 1 or v & (v - 1):
            raise ConfigError(f"{name}: expected a power of two, got {v}")
    return block_t, block_n


def _chunking(T: int, N: int, device: torch.device, bt: int, bn: int, chunks: int | None) -> tuple[int, int]:
    """``(L, NCH)``: chunks of ``L`` steps (a whole number of tiles) and how many. ``chunks=None``: enough
    chunks for about 8 programs per multiprocessor (each chunk at least 2 tiles; one chunk off CUDA and
    when the lanes alone fill the GPU). Measured on an H200 (docs/benchmarks.md, 2026-12-04): one
    program per lane block left B16, H128 latency-bound."""
    tiles = -(-T // bt)
    if chunks is None:
        chunks = 1
        if device.type == "cuda":
            programs = -(-N // bn)
            sms = _sm_count(device.index if device.index is not None else torch.cuda.current_device())
            chunks = max(1, min(-(-8 * sms // programs), tiles // 2))
    elif not is_int(chunks) or chunks < 1:
        raise ConfigError(f"chunks: expected a positive int (time chunks scanned in parallel), got {chunks!r}")
    per = -(-tiles // min(chunks, tiles))
    return per * bt, -(-tiles // per)


def _launch_args(dtype, block_t, block_n):
    # FMA contraction on (Triton's default so far; said explicitly, which also silences Triton 3.9's
    # warning that the default will change).
    compute = tl.float64 if dtype == torch.float64 else tl.float32
    return dict(COMPUTE=compute, BLOCK_T=block_t, BLOCK_N=block_n, num_warps=4, enable_fp_fusion=True)


def _chunk_maps(nch: int, N: int, dtype, device):
    """The (CA, CB) buffers of the chunk maps, in the kernels' compute precision."""
    cdt = torch.float64 if dtype == torch.float64 else torch.float32
    return torch.empty(nch, N, dtype=cdt, device=device), torch.empty(nch, N, dtype=cdt, device=device)


class _Geometry:
    """Where the kernels find element ``(t, lane)`` of a coefficient block: ``t*row + (lane // hd)*lane_b
    + lane % hd``; ``T`` steps, ``N`` lanes, ``pb`` batch rows of the pad mask."""

    def __init__(self, T, N, hd, row, lane_b, pb):
        self.T, self.N, self.hd, self.row, self.lane_b, self.pb = T, N, hd, row, lane_b, pb

    def args(self):
        return (self.T, self.N, self.hd, self.row, self.lane_b, self.pb)


def _phases(kernel, lane_blocks: int, nch: int, ca, cb, args: tuple, geo: _Geometry, L: int, flags: dict) -> None:
    """One launch (one chunk), or the two launches of the chunked pass (maps, then outputs)."""
    if nch == 1:
        kernel[(lane_blocks, 1)](*args, ca, cb, *geo.args(), L, 1, PHASE=0, **flags)
        return
    kernel[(lane_blocks, nch)](*args, ca, cb, *geo.args(), L, nch, PHASE=1, **flags)
    kernel[(lane_blocks, nch)](*args, ca, cb, *geo.args(), L, nch, PHASE=2, **flags)


def _forward(blocks, geo: _Geometry, mode: int, h0, pad, out_dtype, device, block_t, block_n, chunks=None):
    """Run the forward kernel(s): returns ``(h (T, N), last (N,))``."""
    fwd, _ = _kernels(interpret_mode())
    bt, bn = _config(geo.T, geo.N, device, block_t, block_n)
    L, nch = _chunking(geo.T, geo.N, device, bt, bn, chunks)
    h = torch.empty(geo.T, geo.N, dtype=out_dtype, device=device)
    last = torch.empty(geo.N, dtype=out_dtype, device=device)
    ca, cb = _chunk_maps(nch, geo.N, out_dtype, device) if nch > 1 else (h, h)
    X0, X1 = blocks[0], blocks[1]
    X2 = blocks[2] if len(blocks) > 2 else X1
    args = (X0, X1, X2, h if h0 is None else h0, h if pad is None else pad, h, last)
    _phases(fwd, triton.cdiv(geo.N, bn), nch, ca, cb, args, geo, L,
            dict(MODE=mode, HAS_H0=h0 is not None, HAS_PAD=pad is not None, **_launch_args(out_dtype, bt, bn)))
    return h, last


def _backward(blocks, geo: _Geometry, mode: int, h0, pad, h, gy, glast, grads, device, block_t, block_n,
              chunks=None, bias_sums: bool = False):
    """Run the backward kernel(s), writing the coefficient gradients into ``grads`` (views laid out as
    ``blocks``); returns ``(∂L/∂h0 (N,) or None, sums)``: with ``bias_sums`` (gated modes) ``sums`` is
    ``(len(blocks), N)``, each block's gradient summed over time (in the kernels' compute precision),
    else ``None``."""
    _, bwd = _kernels(interpret_mode())
    bt, bn = _config(geo.T, geo.N, device, block_t, block_n)
    L, nch = _chunking(geo.T, geo.N, device, bt, bn, chunks)
    X0, X1 = blocks[0], blocks[1]
    X2 = blocks[2] if len(blocks) > 2 else X1
    D0, D1 = grads[0], grads[1]
    D2 = grads[2] if len(grads) > 2 else D1
    dh0 = None if h0 is None else torch.empty(geo.N, dtype=h0.dtype, device=device)
    ca, cb = _chunk_maps(nch, geo.N, h.dtype, device) if nch > 1 else (h, h)
    db = _chunk_maps(len(blocks) * nch, geo.N, h.dtype, device)[0] if bias_sums else None
    args = (X0, X1, X2, h if h0 is None else h0, h if pad is None else pad, h,
            h if gy is None else gy, h if glast is None else glast, D0, D1, D2, h if dh0 is None else dh0,
            h if db is None else db)
    _phases(bwd, triton.cdiv(geo.N, bn), nch, ca, cb, args, geo, L,
            dict(MODE=mode, HAS_H0=h0 is not None, HAS_PAD=pad is not None, HAS_GY=gy is not None,
                 HAS_GLAST=glast is not None, HAS_DB=bias_sums, **_launch_args(h.dtype, bt, bn)))
    sums = None if db is None else db.view(len(blocks), nch, geo.N).sum(1)
    return dh0, sums


# --------------------------------------------------------------------------- plain and log-space scans
class _TritonScan(torch.autograd.Function):
    """``h = scan(a, b, h0)`` (MODE 0) or ``scan(exp(log_a), exp(log_b), h0)`` (MODE 3), ``(T, N)``."""

    @staticmethod
    def forward(ctx, x0: Tensor, x1: Tensor, h0: Tensor | None, mode: int, block_t, block_n, chunks):
        T = x0.shape[0]
        x0c, x1c = x0.contiguous().view(T, -1), x1.contiguous().view(T, -1)
        N = x0c.shape[1]
        geo = _Geometry(T, N, N, N, 0, 1)
        h0f = None if h0 is None else h0.contiguous().view(-1)
        h, last = _forward((x0c, x1c), geo, mode, h0f, None, x0.dtype, x0.device, block_t, block_n, chunks)
        ctx.save_for_backward(x0c, x1c, h0f, h)
        ctx.geo, ctx.mode, ctx.blocks = geo, mode, (block_t, block_n, chunks)
        ctx.shape, ctx.h0_shape = x0.shape, (None if h0 is None else h0.shape)
        return h.view(x0.shape)

    @staticmethod
    def backward(ctx, gh: Tensor):
        refuse_unsupported_backward("method", "triton", "'sequential' (linear_scan) or 'logcumsumexp' (log_scan)", (gh,))
        x0, x1, h0, h = ctx.saved_tensors
        geo = ctx.geo
        d0, d1 = torch.empty_like(x0), torch.empty_like(x1)
        gy = gh.contiguous().view(geo.T, geo.N)
        dh0, _ = _backward((x0, x1), geo, ctx.mode, h0, None, h, gy, None, (d0, d1), x0.device, *ctx.blocks)
        return (d0.view(ctx.shape), d1.view(ctx.shape), None if dh0 is None else dh0.view(ctx.h0_shape),
                None, None, None, None)


def _check_pair(name_a: str, a: Tensor, name_b: str, b: Tensor, h0: Tensor | None) -> None:
    for name, t in ((name_a, a), (name_b, b)):
        if not isinstance(t, Tensor):
            raise InputTypeError(f"{name}: expected a torch.Tensor, got {type(t).__name__}")
    if a.dim() < 1 or a.shape[0] == 0:
        raise ShapeError(f"{name_a}: expected a time-major tensor (T, ...) with T >= 1, got shape {tuple(a.shape)}")
    if a.shape != b.shape:
        raise ShapeError(f"{name_b}: expected the shape of {name_a} {tuple(a.shape)}, got {tuple(b.shape)}")
    if a.dtype != b.dtype or a.device != b.device:
        raise InputTypeError(f"{name_b}: expected dtype {a.dtype} on {a.device}, got {b.dtype} on {b.device}")
    if h0 is not None and (h0.shape != a.shape[1:] or h0.dtype != a.dtype):
        raise ShapeError(f"h0: expected shape {tuple(a.shape[1:])} and dtype {a.dtype}, got {tuple(h0.shape)} {h0.dtype}")
    require(name_a, a)


def triton_linear_scan(a: Tensor, b: Tensor, h0: Tensor | None = None, *, block_t: int | None = None,
                       block_n: int | None = None, chunks: int | None = None) -> Tensor:
    r""":math:`h_t = a_t \odot h_{t-1} + b_t` by the fused kernel (differentiable in ``a``, ``b``, ``h0``).
    ``a``, ``b``: ``(T, *S)``; ``h0``: ``S`` or ``None``. ``block_t``/``block_n`` override the tile sizes
    (powers of two), ``chunks`` the number of time chunks scanned in parallel (see :func:`_chunking`). Masks: see :func:`rnnkit.engine.pscan.linear_scan`, which applies them around this."""
    _check_pair("a", a, "b", b, h0)
    return _TritonScan.apply(a, b, h0, 0, block_t, block_n, chunks)


def triton_log_scan(log_a: Tensor, log_b: Tensor, h0: Tensor | None = None, *, block_t: int | None = None,
                    block_n: int | None = None, chunks: int | None = None) -> Tensor:
    r"""The log-space interface (:func:`rnnkit.engine.pscan.log_scan`) on the fused kernel: the kernel
    exponentiates the log-coefficients as it loads them and scans in linear space (exact products and
    sums, where the paper's ``cumsum`` + ``logcumsumexp`` loses ~1e-4 in float32 at T = 2048).
    Gradients: ``∂L/∂log a_t = G_t h_{t-1} a_t``, ``∂L/∂log b_t = G_t b_t``."""
    _check_pair("log_a", log_a, "log_b", log_b, h0)
    return _TritonScan.apply(log_a, log_b, h0, 3, block_t, block_n, chunks)


# --------------------------------------------------------------------------- fused minGRU / minLSTM
class _TritonGatedScan(torch.autograd.Function):
    """Projection GEMM + the fused gate-and-scan kernel forward; the fused backward kernel + GEMMs.

    ``P = x Wᵀ + b`` is one GEMM into ``(T*B, n*H)`` (row-major, the ``n`` blocks side by side: the
    kernel reads each block with a stride, so no block-major copy is needed and the backward GEMMs
    are one each): ``dx = dP W``, ``dW = dPᵀ x``, ``db = Σ_rows dP``.
    """

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor | None, h0: Tensor | None, pad: Tensor | None,
                mode: int, n: int, need_grad: bool, block_t, block_n, chunks):
        T, B, I = x.shape
        H = weight.shape[0] // n
        x2 = x.reshape(T * B, I)
        P = torch.nn.functional.linear(x2, weight, bias)  # (T*B, n*H)
        blocks = [P[:, j * H:(j + 1) * H] for j in range(n)]
        geo = _Geometry(T, B * H, H, B * n * H, n * H, B)
        h0f = None if h0 is None else h0.contiguous().view(-1)
        padu = None if pad is None else pad.reshape(T, B).to(torch.uint8).contiguous()
        h, last = _forward(blocks, geo, mode, h0f, padu, P.dtype, x.device, block_t, block_n, chunks)
        h = h.view(T, B, H)
        y = h if pad is None else h.masked_fill(pad, 0.0)
        if need_grad:
            ctx.save_for_backward(x2, weight, P, h, h0f, padu)
            ctx.geo, ctx.mode, ctx.n, ctx.blocks = geo, mode, n, (block_t, block_n, chunks)
            ctx.has_bias, ctx.shape = bias is not None, (T, B, I, H)
            ctx.h0_shape = None if h0 is None else h0.shape
        return y, last.view(B, H)

    @staticmethod
    def backward(ctx, gy: Tensor | None, glast: Tensor | None):
        refuse_unsupported_backward("scan", "triton", "'log' or 'sequential'", (gy, glast))
        x2, weight, P, h, h0f, padu = ctx.saved_tensors
        T, B, I, H = ctx.shape
        n, geo = ctx.n, ctx.geo
        dP = torch.empty_like(P)
        blocks = [P[:, j * H:(j + 1) * H] for j in range(n)]
        grads = [dP[:, j * H:(j + 1) * H] for j in range(n)]
        gyf = None if gy is None else gy.contiguous().view(T, B * H)
        glf = None if glast is None else glast.contiguous().view(-1)
        want_db = ctx.has_bias and ctx.needs_input_grad[2]
        dh0, sums = _backward(blocks, geo, ctx.mode, h0f, padu, h.view(T, B * H), gyf, glf, grads, x2.device,
                              *ctx.blocks, bias_sums=want_db)
        dx = dw = db = None
        # Under autocast P (and so dP) is in the autocast dtype while x and W are not: the gradient GEMMs
        # run in W's dtype, and each gradient comes back in its input's dtype.
        dPw = dP.to(weight.dtype)
        if ctx.needs_input_grad[0]:
            dx = torch.mm(dPw, weight).view(T, B, I).to(x2.dtype)
        if ctx.needs_input_grad[1]:
            dw = torch.mm(dPw.t(), x2.to(weight.dtype))
        if want_db:  # the kernel's per-lane sums over time, summed over the batch: (n, B*H) -> (n*H,)
            db = sums.view(n, B, H).sum(1).reshape(n * H).to(weight.dtype)
        if dh0 is not None and ctx.needs_input_grad[3]:
            dh0 = dh0.view(ctx.h0_shape)
        else:
            dh0 = None
        return dx, dw, db, dh0, None, None, None, None, None, None, None


def triton_gated_scan(x: Tensor, weight: Tensor, bias: Tensor | None, cell: str, h0: Tensor | None = None,
                      mask: Tensor | None = None, *, block_t: int | None = None,
                      block_n: int | None = None, chunks: int | None = None) -> tuple[Tensor, Tensor]:
    r"""minGRU (``cell="mingru"``) or minLSTM (``"minlstm"``) over the time-major input ``x`` ``(T, B, I)``
    with ``weight`` ``(n*H, I)``, ``bias`` ``(n*H,)`` (blocks as in :mod:`rnnkit.layers.minimal`),
    ``h0`` ``(B, H)``, ``mask`` bool ``(T, B, 1)`` ``True`` on valid steps. Returns ``(y, last)`` as
    :func:`rnnkit.engine.pscan.gated_scan`: same numbers, one GEMM + one fused kernel each way (two
    launches each way when time is split into ``chunks``; ``None`` picks them, see :func:`_chunking`)."""
    if cell not in CELL_MODES:
        raise ConfigError(f"cell: expected one of {list(CELL_MODES)}, got {cell!r}")
    require("x", x)
    n = 2 if cell == "mingru" else 3
    T, B = x.shape[0], x.shape[1]
    if weight.shape[0] % n:
        raise ShapeError(f"weight: expected {n}*H rows for {cell}, got {weight.shape[0]}")
    if mask is not None and tuple(mask.shape) != (T, B, 1):
        raise ShapeError(f"mask: expected shape {(T, B, 1)}, got {tuple(mask.shape)}")
    pad = None if mask is None else ~mask
    need_grad = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in (x, weight, bias, h0))
    return _TritonGatedScan.apply(x, weight, bias, h0, pad, CELL_MODES[cell], n, need_grad, block_t, block_n, chunks)
