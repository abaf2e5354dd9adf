r"""The Triton kernels of :mod:`rnnkit.engine.triton_scan` (the launch code, the autograd functions and
the public functions live there): the forward and backward passes of the scan
:math:`h_t = a_t \odot h_{t-1} + b_t` with the minGRU / minLSTM gates computed as the blocks load.

Parallelism. Programs own ``BLOCK_N`` adjacent lanes (grid axis 0) and, since the H200 run of
2026-12-04 showed one program per lane block leaving a small problem (B16, H128: 128 programs on 132
multiprocessors, 64 tiles in sequence each) latency-bound, a CHUNK of ``L`` time steps (grid axis 1).
With more than one chunk a pass is two launches (``PHASE``):

* ``PHASE=1``: each (lanes, chunk) program scans its chunk from a zero state and stores the chunk's
  composed map ``h_end = CA * h_start + CB`` (the product of its ``a`` and the scan of its ``b``);
* ``PHASE=2``: each program composes the maps of the chunks before it onto the initial state (``h0`` or
  0; backward: ``∂L/∂last`` or 0) to get its carry-in, then runs the chunk exactly as the one-chunk pass
  does (``PHASE=0``) and writes every output.

The backward chunks count from the END of the sequence (``r = T - 1 - t``), the order it visits time, so
its first chunk is the one holding ``∂L/∂last`` and its last the one holding ``t = 0`` (``∂L/∂h0``).
Rows past ``T`` in the last tile have ``a = 1, b = 0`` (the identity map), so tiles never need a partial
scan. The chunk maps multiply and add exactly as the sequential loop does, regrouped (like the tiles).
"""

import functools

try:  # optional dependency: pip install 'rnnkit[gpu]'
    import triton  # noqa: F401 - imported for its side effects on triton.language
    import triton.language as tl
    HAS_TRITON = True
except ImportError:  # pragma: no cover - depends on the environment
    tl = None
    HAS_TRITON = False

__all__ = ["HAS_TRITON", "kernels"]


# --------------------------------------------------------------------------- kernels
# Plain functions, wrapped below into compiled (JITFunction) and interpreted (InterpretedFunction)
# kernels, so one process can use both (CPU tensors in the interpreter, CUDA tensors compiled). They call
# no jitted function except the scan / reduce combine functions (which the interpreter calls as ``.fn``):
# not even triton.language's own jitted helpers (tl.zeros, tl.sum, tl.sigmoid, tl.cdiv), which the
# interpreter cannot run unless TRITON_INTERPRET was set before triton was imported; hence tl.full,
# tl.reduce with our own combine, and the gate math written out where it is needed.
def _combine_py(a1, b1, a2, b2):
    # (h -> a1 h + b1) then (h -> a2 h + b2)  =  h -> (a1 a2) h + (a2 b1 + b2)
    return a1 * a2, a2 * b1 + b2


def _add_py(x, y):
    return x + y


if HAS_TRITON:
    from triton.runtime.jit import JITFunction as _JITFunction

    # A JITFunction whatever TRITON_INTERPRET says (triton.jit would give an interpreted one under it),
    # since the compiled kernels need one; the interpreter calls its plain ``.fn``.
    _combine = _JITFunction(_combine_py)
    _add = _JITFunction(_add_py)
    constexpr = tl.constexpr
else:  # pragma: no cover - depends on the environment
    _combine = _add = None

    class constexpr:  # noqa: N801 - stands in for tl.constexpr in the annotations
        pass


def _scan_fwd(X0, X1, X2, H0, PAD, HOUT, LAST, CA, CB,
              T, N, HD, ROW, LANE_B, PB, L, NCH,
              MODE: constexpr, HAS_H0: constexpr,
              HAS_PAD: constexpr, PHASE: constexpr, COMPUTE: constexpr,
              BLOCK_T: constexpr, BLOCK_N: constexpr):
    # X*: coefficient blocks, element (t, lane) at t*ROW + (lane // HD)*LANE_B + lane % HD.
    # HOUT: (T, N) contiguous; LAST, H0: (N,); PAD: uint8 (T, PB), 1 on padded steps of batch lane // HD.
    # CA, CB: (NCH, N) chunk maps (PHASE 1 writes, PHASE 2 reads); chunk c holds steps [c L, c L + L).
    pid = tl.program_id(0)
    chunk = tl.program_id(1)
    lanes = pid * BLOCK_N + tl.arange(0, BLOCK_N)
    lmask = lanes < N
    bidx = lanes // HD
    xoff = bidx.to(tl.int64) * LANE_B + (lanes % HD)
    rows = tl.arange(0, BLOCK_T)
    aprod = tl.full([BLOCK_N], 1.0, COMPUTE)
    if HAS_H0 and PHASE != 1:
        carry = tl.load(H0 + lanes, mask=lmask, other=0.0).to(COMPUTE)
    else:
        carry = tl.full([BLOCK_N], 0.0, COMPUTE)
    if PHASE == 2:  # carry-in: the maps of the chunks before this one, composed onto h0
        for j in range(0, chunk):
            ca = tl.load(CA + j * N + lanes, mask=lmask, other=1.0)
            cb = tl.load(CB + j * N + lanes, mask=lmask, other=0.0)
            carry = ca * carry + cb
    t_lo = chunk * L
    t_hi = tl.minimum(T, t_lo + L)
    for t0 in range(t_lo, t_hi, BLOCK_T):
        t = (t0 + rows).to(tl.int64)
        m2 = (t < T)[:, None] & lmask[None, :]
        xo = t[:, None] * ROW + xoff[None, :]
        if MODE == 0:
            a = tl.load(X0 + xo, mask=m2, other=1.0).to(COMPUTE)
            b = tl.load(X1 + xo, mask=m2, other=0.0).to(COMPUTE)
        elif MODE == 3:
            a = tl.exp(tl.load(X0 + xo, mask=m2, other=0.0).to(COMPUTE))
            b = tl.exp(tl.load(X1 + xo, mask=m2, other=0.0).to(COMPUTE))
        else:
            if MODE == 1:
                k = tl.load(X0 + xo, mask=m2, other=0.0).to(COMPUTE)
                a = 1.0 / (1.0 + tl.exp(k))  # σ(-k)
                u = tl.load(X1 + xo, mask=m2, other=0.0).to(COMPUTE)
            else:
                kf = tl.load(X0 + xo, mask=m2, other=0.0).to(COMPUTE)
                ki = tl.load(X1 + xo, mask=m2, other=0.0).to(COMPUTE)
                # a = f / (f + i) as σ(softplus(-ki) - softplus(-kf)): the quotient is 0 / 0 where both
                # gates underflow (cells/minimal.stable_quotient)
                sp_f = tl.maximum(-kf, 0.0) + tl.log(1.0 + tl.exp(-tl.abs(kf)))  # softplus(-kf)
                sp_i = tl.maximum(-ki, 0.0) + tl.log(1.0 + tl.exp(-tl.abs(ki)))
                a = 1.0 / (1.0 + tl.exp(sp_f - sp_i))
                u = tl.load(X2 + xo, mask=m2, other=0.0).to(COMPUTE)
            g = tl.maximum(u + 0.5, 1.0 / (1.0 + tl.exp(-u)))
            b = (1.0 - a) * g  # not g - a * g: inf - inf = NaN for g = inf (pscan.gated_scan)
        valid = m2
        if HAS_PAD:
            p = tl.load(PAD + t[:, None] * PB + bidx[None, :], mask=m2, other=1)
            valid = m2 & (p == 0)
        a = tl.where(valid, a, 1.0)
        b = tl.where(valid, b, 0.0)
        A, Bc = tl.associative_scan((a, b), 0, _combine)
        h = A * carry[None, :] + Bc
        if PHASE == 1:
            aprod = aprod * tl.reduce(tl.where(rows[:, None] == BLOCK_T - 1, A, 0.0), 0, _add)
        else:
            tl.store(HOUT + t[:, None] * N + lanes[None, :], h.to(HOUT.dtype.element_ty), mask=m2)
        # rows past T have a = 1, b = 0: the tile's last row holds the state after its last valid step
        carry = tl.reduce(tl.where(rows[:, None] == BLOCK_T - 1, h, 0.0), 0, _add)
    if PHASE == 1:
        tl.store(CA + chunk * N + lanes, aprod, mask=lmask)
        tl.store(CB + chunk * N + lanes, carry, mask=lmask)
    else:
        tl.store(LAST + lanes, carry.to(LAST.dtype.element_ty), mask=lmask & (lanes * 0 + chunk == NCH - 1))


def _scan_bwd(X0, X1, X2, H0, PAD, HS, GY, GLAST, D0, D1, D2, DH0, DB, CA, CB,
              T, N, HD, ROW, LANE_B, PB, L, NCH,
              MODE: constexpr, HAS_H0: constexpr,
              HAS_PAD: constexpr, HAS_GY: constexpr,
              HAS_GLAST: constexpr, HAS_DB: constexpr, PHASE: constexpr, COMPUTE: constexpr,
              BLOCK_T: constexpr, BLOCK_N: constexpr):
    # HS: the forward's h (T, N); GY: ∂L/∂h (T, N) or unused; GLAST: ∂L/∂last (N,); D*: gradients of the
    # X* blocks, same layout as X*; DH0: (N,).
    # DB (gated modes, HAS_DB): (blocks, NCH, N) in COMPUTE, each chunk's sum over its steps of every D*
    # block, so the bias gradient is a sum over NCH*B rows instead of a column sum over all T*B rows of dP
    # (that column sum was 80 µs of a 0.7 ms MinGRU train step at B16, T4096, H128 on the H200).
    # CA, CB: (NCH, N) chunk maps of G; chunk c holds the steps r = T - 1 - t in [c L, c L + L).
    pid = tl.program_id(0)
    chunk = tl.program_id(1)
    lanes = pid * BLOCK_N + tl.arange(0, BLOCK_N)
    lmask = lanes < N
    bidx = lanes // HD
    xoff = bidx.to(tl.int64) * LANE_B + (lanes % HD)
    rows = tl.arange(0, BLOCK_T)
    aprod = tl.full([BLOCK_N], 1.0, COMPUTE)
    if HAS_GLAST and PHASE != 1:
        carry = tl.load(GLAST + lanes, mask=lmask, other=0.0).to(COMPUTE)
    else:
        carry = tl.full([BLOCK_N], 0.0, COMPUTE)
    if PHASE == 2:  # carry-in: the maps of the (later in time) chunks before this one
        for j in range(0, chunk):
            ca = tl.load(CA + j * N + lanes, mask=lmask, other=1.0)
            cb = tl.load(CB + j * N + lanes, mask=lmask, other=0.0)
            carry = ca * carry + cb
    if HAS_H0:
        h0 = tl.load(H0 + lanes, mask=lmask, other=0.0).to(COMPUTE)
    dh0 = tl.full([BLOCK_N], 0.0, COMPUTE)
    db0 = tl.full([BLOCK_N], 0.0, COMPUTE)
    db1 = tl.full([BLOCK_N], 0.0, COMPUTE)
    db2 = tl.full([BLOCK_N], 0.0, COMPUTE)
    r_lo = chunk * L
    r_hi = tl.minimum(T, r_lo + L)
    for t0 in range(r_lo, r_hi, BLOCK_T):
        t = (T - 1 - t0 - rows).to(tl.int64)  # rows run backwards in time
        m2 = (t >= 0)[:, None] & lmask[None, :]
        xo = t[:, None] * ROW + xoff[None, :]
        m2n = (t + 1 < T)[:, None] & m2  # step t + 1 exists
        xon = xo + ROW
        # this step's coefficients, recomputed from the pre-activations
        if MODE == 0:
            a = tl.load(X0 + xo, mask=m2, other=1.0).to(COMPUTE)
            an = tl.load(X0 + xon, mask=m2n, other=1.0).to(COMPUTE)
        elif MODE == 3:
            a = tl.exp(tl.load(X0 + xo, mask=m2, other=0.0).to(COMPUTE))
            b = tl.exp(tl.load(X1 + xo, mask=m2, other=0.0).to(COMPUTE))
            an = tl.exp(tl.load(X0 + xon, mask=m2n, other=0.0).to(COMPUTE))
        else:
            if MODE == 1:
                a = 1.0 / (1.0 + tl.exp(tl.load(X0 + xo, mask=m2, other=0.0).to(COMPUTE)))
                an = 1.0 / (1.0 + tl.exp(tl.load(X0 + xon, mask=m2n, other=0.0).to(COMPUTE)))
                u = tl.load(X1 + xo, mask=m2, other=0.0).to(COMPUTE)
            else:
                kf = tl.load(X0 + xo, mask=m2, other=0.0).to(COMPUTE)
                ki = tl.load(X1 + xo, mask=m2, other=0.0).to(COMPUTE)
                f = 1.0 / (1.0 + tl.exp(-kf))
                i = 1.0 / (1.0 + tl.exp(-ki))
                sp_f = tl.maximum(-kf, 0.0) + tl.log(1.0 + tl.exp(-tl.abs(kf)))  # softplus(-kf)
                sp_i = tl.maximum(-ki, 0.0) + tl.log(1.0 + tl.exp(-tl.abs(ki)))
                a = 1.0 / (1.0 + tl.exp(sp_f - sp_i))  # f / (f + i), as in the forward
                kfn = tl.load(X0 + xon, mask=m2n, other=0.0).to(COMPUTE)
                kin = tl.load(X1 + xon, mask=m2n, other=0.0).to(COMPUTE)
                sp_f = tl.maximum(-kfn, 0.0) + tl.log(1.0 + tl.exp(-tl.abs(kfn)))  # softplus(-kfn)
                sp_i = tl.maximum(-kin, 0.0) + tl.log(1.0 + tl.exp(-tl.abs(kin)))
                an = 1.0 / (1.0 + tl.exp(sp_f - sp_i))
                u = tl.load(X2 + xo, mask=m2, other=0.0).to(COMPUTE)
            s = 1.0 / (1.0 + tl.exp(-u))
            g = tl.maximum(u + 0.5, s)
            gp = tl.where(u >= 0, 1.0, s * (1.0 - s))  # g'(u)
        valid = m2
        valid_n = m2n
        if HAS_PAD:
            p = tl.load(PAD + t[:, None] * PB + bidx[None, :], mask=m2, other=1)
            valid = m2 & (p == 0)
            pn = tl.load(PAD + (t[:, None] + 1) * PB + bidx[None, :], mask=m2n, other=1)
            valid_n = m2n & (pn == 0)
        a = tl.where(valid, a, 1.0)
        an = tl.where(valid_n, an, 1.0)  # a_{t+1}; 1 at t = T - 1 (G_T is ∂L/∂last)
        if HAS_GY:
            gh = tl.load(GY + t[:, None] * N + lanes[None, :], mask=valid, other=0.0).to(COMPUTE)
        else:
            gh = tl.full([BLOCK_T, BLOCK_N], 0.0, COMPUTE)
        gh = tl.where(valid, gh, 0.0)  # padded outputs are constant zeros
        A, Bc = tl.associative_scan((an, gh), 0, _combine)
        G = A * carry[None, :] + Bc
        carry = tl.reduce(tl.where(rows[:, None] == BLOCK_T - 1, G, 0.0), 0, _add)
        if PHASE == 1:
            aprod = aprod * tl.reduce(tl.where(rows[:, None] == BLOCK_T - 1, A, 0.0), 0, _add)
        else:
            dh0 += tl.reduce(tl.where(t[:, None] == 0, a * G, 0.0), 0, _add)
            # h_{t-1}: the forward's output one row earlier, h0 (or 0) before the first step
            hp = tl.load(HS + (t[:, None] - 1) * N + lanes[None, :], mask=m2 & (t >= 1)[:, None], other=0.0).to(COMPUTE)
            if HAS_H0:
                hp = tl.where(t[:, None] == 0, h0[None, :], hp)
            if MODE == 0:
                tl.store(D0 + xo, (G * hp).to(D0.dtype.element_ty), mask=m2)
                tl.store(D1 + xo, G.to(D1.dtype.element_ty), mask=m2)
            elif MODE == 3:
                tl.store(D0 + xo, (G * hp * a).to(D0.dtype.element_ty), mask=m2)
                tl.store(D1 + xo, (G * b).to(D1.dtype.element_ty), mask=m2)
            else:
                W = G * (g - hp) * a * (1.0 - a)  # -∂L/∂a · a (1 - a); 0 on padded steps (a = 1)
                du = G * (1.0 - a) * gp
                if MODE == 1:
                    tl.store(D0 + xo, W.to(D0.dtype.element_ty), mask=m2)
                    tl.store(D1 + xo, du.to(D1.dtype.element_ty), mask=m2)
                    if HAS_DB:
                        db0 += tl.reduce(tl.where(m2, W, 0.0), 0, _add)
                        db1 += tl.reduce(tl.where(m2, du, 0.0), 0, _add)
                else:
                    tl.store(D0 + xo, (W * (f - 1.0)).to(D0.dtype.element_ty), mask=m2)
                    tl.store(D1 + xo, (W * (1.0 - i)).to(D1.dtype.element_ty), mask=m2)
                    tl.store(D2 + xo, du.to(D2.dtype.element_ty), mask=m2)
                    if HAS_DB:
                        db0 += tl.reduce(tl.where(m2, W * (f - 1.0), 0.0), 0, _add)
                        db1 += tl.reduce(tl.where(m2, W * (1.0 - i), 0.0), 0, _add)
                        db2 += tl.reduce(tl.where(m2, du, 0.0), 0, _add)
    if PHASE == 1:
        tl.store(CA + chunk * N + lanes, aprod, mask=lmask)
        tl.store(CB + chunk * N + lanes, carry, mask=lmask)
    else:
        if HAS_H0:  # only the chunk holding t = 0 adds to dh0
            tl.store(DH0 + lanes, dh0.to(DH0.dtype.element_ty), mask=lmask & (lanes * 0 + chunk == NCH - 1))
        if HAS_DB:
            tl.store(DB + chunk * N + lanes, db0, mask=lmask)
            tl.store(DB + (NCH + chunk) * N + lanes, db1, mask=lmask)
            if MODE == 2:
                tl.store(DB + (2 * NCH + chunk) * N + lanes, db2, mask=lmask)


@functools.lru_cache(maxsize=2)
def kernels(interpret: bool):
    """``(forward, backward)`` kernels, interpreted or compiled (each built once)."""
    if interpret:
        from triton.runtime.interpreter import InterpretedFunction
        return InterpretedFunction(_scan_fwd), InterpretedFunction(_scan_bwd)
    return _JITFunction(_scan_fwd), _JITFunction(_scan_bwd)
