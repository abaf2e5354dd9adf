"""The fused Triton scan kernels (rnnkit.engine.triton_scan) against the sequential recurrence.

Without a GPU the kernels run in Triton's interpreter (``TRITON_INTERPRET=1``, set per test by a
fixture and read at launch, so no other test sees it): the same kernel source, executed with numpy on
CPU tensors -- this checks the indexing, masking, tiling, gate math and gradients, not the compiled
code, which the CUDA tests at the end (skipped without a GPU) compare against the chunked scan.
The interpreter is slow, so the shapes are tiny; tiles of 4 steps x 4 lanes make them cross tile
boundaries (time and lanes) and end in partial tiles.
"""

from __future__ import annotations

import functools

import pytest
import torch

from rnnkit.engine import pscan
from rnnkit.engine.masks import step_mask
from rnnkit.engine.pscan import gated_scan, linear_scan, log_scan, sequential_scan
from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.layers import minimal
from rnnkit.layers.minimal import MinGRU, MinGRUMath, MinLSTM, MinLSTMMath

ts = pytest.importorskip("rnnkit.engine.triton_scan")
if ts.HAS_TRITON:
    import triton
    import triton.language as tl
needs_triton = pytest.mark.skipif(not ts.HAS_TRITON, reason="triton is not installed (pip install 'rnnkit[gpu]')")
needs_cuda = pytest.mark.skipif(not (ts.HAS_TRITON and torch.cuda.is_available()),
                                reason="needs a CUDA GPU and triton (compiled kernels)")
f64 = torch.float64
MATHS = {"mingru": MinGRUMath(), "minlstm": MinLSTMMath()}
LAYERS = {"mingru": MinGRU, "minlstm": MinLSTM}
TILE = {"block_t": 4, "block_n": 4}


def _loop_probe(out, n):
    # tl is resolved from this module's globals at launch; a loop with a runtime bound, like the kernels'
    acc = tl.full([1], 0, tl.int32)
    for _ in range(0, n, 1):
        acc += 1
    tl.store(out + tl.arange(0, 1), acc)


@functools.lru_cache(maxsize=1)
def _interpreter_problem() -> str | None:
    """Why this Triton's interpreter cannot run kernels like ours, or None. (Triton 3.6's interpreter
    fails on ``range`` over a runtime argument with numpy 2.x: it calls int() on a 1-element array.)
    A probe kernel of its own, so a bug in rnnkit's kernels is never mistaken for it."""
    from triton.runtime.interpreter import InterpretedFunction
    out = torch.zeros(1, dtype=torch.int32)
    try:
        InterpretedFunction(_loop_probe)[(1,)](out, 3)
    except Exception as e:  # noqa: BLE001 - any failure of the probe means the interpreter is unusable
        return f"triton {triton.__version__}'s interpreter cannot run a loop with a runtime bound here: {e!r}"[:300]
    return None if int(out[0]) == 3 else f"triton {triton.__version__}'s interpreter miscounted a loop"


@pytest.fixture
def interpret(monkeypatch):
    problem = _interpreter_problem()
    if problem:
        pytest.skip(problem)
    monkeypatch.setenv("TRITON_INTERPRET", "1")


def loop(a, b, h0=None):
    h = torch.zeros_like(b[0]) if h0 is None else h0
    out = []
    for t in range(a.shape[0]):
        h = a[t] * h + b[t]
        out.append(h)
    return torch.stack(out)


def _grads(out, inputs, seed=1):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(out.shape, generator=g, dtype=out.dtype).to(out.device)
    return torch.autograd.grad((out * w).sum(), inputs)


# --------------------------------------------------------------------------- interpreter: plain scans
@needs_triton
@pytest.mark.parametrize("dtype,tol", [(f64, 1e-12), (torch.float32, 2e-6)])
@pytest.mark.parametrize("T,S", [(1, (3,)), (11, (2, 3)), (16, (5,))])
def test_linear_scan_forward_and_grads(interpret, dtype, tol, T, S):
    torch.manual_seed(0)
    a = (torch.rand(T, *S, dtype=dtype) * 2.2 - 1.1).requires_grad_()  # any real a, |a| > 1 too
    b = torch.randn(T, *S, dtype=dtype, requires_grad=True)
    h0 = torch.randn(S, dtype=dtype, requires_grad=True)
    for init in (None, h0):
        got = ts.triton_linear_scan(a, b, init, **TILE)
        want = sequential_scan(a, b, init)
        torch.testing.assert_close(got, want, rtol=tol, atol=tol)
        inputs = (a, b) if init is None else (a, b, h0)
        for g, w in zip(_grads(got, inputs), _grads(want, inputs)):
            torch.testing.assert_close(g, w, rtol=tol, atol=tol)


@needs_triton
def test_linear_scan_default_tiles_and_method_dispatch(interpret):
    """Default tile sizes (BLOCK_T 16..64), and ``linear_scan(method="triton")`` with a mask."""
    torch.manual_seed(1)
    T, B, H = 70, 2, 3
    a, b = torch.rand(T, B, H, dtype=f64), torch.randn(T, B, H, dtype=f64)
    h0 = torch.randn(B, H, dtype=f64)
    torch.testing.assert_close(ts.triton_linear_scan(a, b, h0), loop(a, b, h0))
    mask = step_mask(torch.tensor([70, 9]), T)
    got = linear_scan(a, b, h0, mask=mask, method="triton", return_last=True)
    want = linear_scan(a, b, h0, mask=mask, method="chunked", return_last=True)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w)


@needs_triton
def test_log_scan_forward_and_grads(interpret):
    torch.manual_seed(2)
    T, B, H = 9, 2, 3
    log_a = torch.rand(T, B, H, dtype=f64).log().requires_grad_()
    log_b = torch.randn(T, B, H, dtype=f64, requires_grad=True)
    h0 = torch.randn(B, H, dtype=f64, requires_grad=True)  # any sign
    mask = step_mask(torch.tensor([9, 4]), T)
    got, last = log_scan(log_a, log_b, h0, mask=mask, method="triton", return_last=True)
    want, wlast = log_scan(log_a, log_b, h0, mask=mask, return_last=True)
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(last, wlast)
    inputs = (log_a, log_b, h0)
    for g, w in zip(_grads(got + last.sum(), inputs), _grads(want + wlast.sum(), inputs)):
        torch.testing.assert_close(g, w)


# --------------------------------------------------------------------------- interpreter: fused cells
def _reference(cell, x, weight, bias, h0, lengths):
    """Each sequence alone over its valid steps, by the sequential loop of the paper's equations."""
    T, B, _ = x.shape
    a, g = MATHS[cell].coefficients(torch.nn.functional.linear(x, weight, bias))
    ys, lasts = [], []
    for j in range(B):
        L = T if lengths is None else int(lengths[j])
        hj = sequential_scan(a[:L, j], ((1 - a) * g)[:L, j], None if h0 is None else h0[j])
        ys.append(torch.cat([hj, hj.new_zeros(T - L, hj.shape[1])]))
        lasts.append(hj[-1])
    return torch.stack(ys, 1), torch.stack(lasts)


@needs_triton
@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
@pytest.mark.parametrize("with_h0,with_lengths,bias", [(False, False, True), (True, True, True), (True, False, False)])
def test_gated_scan_equals_sequential(interpret, cell, with_h0, with_lengths, bias):
    torch.manual_seed(3)
    T, B, I, H = 11, 3, 2, 2  # N = 6 lanes: a 4-lane tile spans two sequences
    n = MATHS[cell].num_blocks
    x = torch.randn(T, B, I, dtype=f64, requires_grad=True)
    weight = (torch.randn(n * H, I, dtype=f64) * 2).requires_grad_()  # wide pre-activations: both branches of g
    b = torch.randn(n * H, dtype=f64, requires_grad=True) if bias else None
    h0 = torch.randn(B, H, dtype=f64, requires_grad=True) if with_h0 else None
    lengths = torch.tensor([11, 6, 1]) if with_lengths else None
    mask = None if lengths is None else step_mask(lengths, T)
    y, last = ts.triton_gated_scan(x, weight, b, cell, h0, mask, **TILE)
    wy, wlast = _reference(cell, x, weight, b, h0, lengths)
    torch.testing.assert_close(y, wy)
    torch.testing.assert_close(last, wlast)
    inputs = tuple(t for t in (x, weight, b, h0) if t is not None)
    got = _grads(y.square().sum(-1) + last.sum(), inputs)  # both outputs carry gradient
    want = _grads(wy.square().sum(-1) + wlast.sum(), inputs)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w)
    # and the same as the chunked fused Function (hand backward)
    cy, clast = gated_scan(x, weight, b, MATHS[cell], h0, mask)
    torch.testing.assert_close(y, cy)
    torch.testing.assert_close(last, clast)


@needs_triton
@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
@pytest.mark.parametrize("chunks", [2, 3, 5, 40])
def test_time_chunks_equal_the_sequential_loop(interpret, cell, chunks):
    """The chunked pass (each chunk's composed map, then every chunk from its carry-in; forward and
    backward) against the loop of the paper's equations: h0, lengths ending inside different chunks,
    gradients through y and last. T = 23 with 4-step tiles: 6 tiles, the last one partial; chunks=40 is
    clamped to one tile a chunk."""
    torch.manual_seed(6)
    T, B, I, H = 23, 3, 2, 3
    n = MATHS[cell].num_blocks
    x = torch.randn(T, B, I, dtype=f64, requires_grad=True)
    weight = (torch.randn(n * H, I, dtype=f64) * 2).requires_grad_()
    b = torch.randn(n * H, dtype=f64, requires_grad=True)
    h0 = torch.randn(B, H, dtype=f64, requires_grad=True)
    lengths = torch.tensor([23, 9, 2])
    mask = step_mask(lengths, T)
    y, last = ts.triton_gated_scan(x, weight, b, cell, h0, mask, chunks=chunks, **TILE)
    wy, wlast = _reference(cell, x, weight, b, h0, lengths)
    torch.testing.assert_close(y, wy)
    torch.testing.assert_close(last, wlast)
    inputs = (x, weight, b, h0)
    for g, w in zip(_grads(y.square().sum(-1) + last.sum(), inputs), _grads(wy.square().sum(-1) + wlast.sum(), inputs)):
        torch.testing.assert_close(g, w)


@needs_triton
def test_time_chunks_linear_and_log_scans(interpret):
    torch.manual_seed(7)
    T, S = 19, (2, 3)
    a = (torch.rand(T, *S, dtype=f64) * 2.2 - 1.1).requires_grad_()
    b = torch.randn(T, *S, dtype=f64, requires_grad=True)
    h0 = torch.randn(S, dtype=f64, requires_grad=True)
    for chunks in (2, 4):
        got = ts.triton_linear_scan(a, b, h0, chunks=chunks, **TILE)
        want = sequential_scan(a, b, h0)
        torch.testing.assert_close(got, want)
        for g, w in zip(_grads(got, (a, b, h0)), _grads(want, (a, b, h0))):
            torch.testing.assert_close(g, w)
    log_a = torch.rand(T, *S, dtype=f64).log().requires_grad_()
    got = ts.triton_log_scan(log_a, b, h0, chunks=3, **TILE)
    want = sequential_scan(log_a.exp(), b.exp(), h0)
    torch.testing.assert_close(got, want)
    for g, w in zip(_grads(got, (log_a, b, h0)), _grads(want, (log_a, b, h0))):
        torch.testing.assert_close(g, w)


def test_time_chunking_covers_the_sequence_in_whole_tiles():
    for T, bt, chunks in [(1, 16, 1), (23, 4, 5), (4096, 64, 9), (4096, 64, 1000), (100, 16, 3)]:
        L, nch = ts._chunking(T, 8, torch.device("cpu"), bt, 8, chunks)
        assert L % bt == 0 and 1 <= nch <= chunks and (nch - 1) * L < T <= nch * L
    assert ts._chunking(4096, 8, torch.device("cpu"), 64, 8, None) == (4096, 1)  # one chunk off CUDA
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ConfigError, match="chunks: expected a positive int"):
            ts._chunking(10, 8, torch.device("cpu"), 4, 8, bad)


@needs_triton
@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_gated_scan_float32_and_only_last_used(interpret, cell):
    """float32 against float64; a loss on ``last`` alone (no gradient for ``y``: the kernel's HAS_GY off)."""
    torch.manual_seed(4)
    T, B, I, H = 13, 2, 3, 3
    n = MATHS[cell].num_blocks
    x = torch.randn(T, B, I, dtype=f64, requires_grad=True)
    weight = torch.randn(n * H, I, dtype=f64, requires_grad=True)
    y64, last64 = ts.triton_gated_scan(x, weight, None, cell, **TILE)
    x32, w32 = x.detach().float().requires_grad_(), weight.detach().float().requires_grad_()
    y32, last32 = ts.triton_gated_scan(x32, w32, None, cell, **TILE)
    torch.testing.assert_close(y32.double(), y64, rtol=1e-5, atol=1e-6)
    g64 = torch.autograd.grad(last64.sum(), (x, weight))
    g32 = torch.autograd.grad(last32.sum(), (x32, w32))
    want = torch.autograd.grad(_reference(cell, x, weight, None, None, None)[1].sum(), (x, weight))
    for a, b, c in zip(g64, g32, want):
        torch.testing.assert_close(a, c)
        torch.testing.assert_close(b.double(), c, rtol=1e-4, atol=1e-5)


@needs_triton
@pytest.mark.parametrize("kind", ["mingru", "minlstm"])
def test_layer_triton_equals_sequential(interpret, kind):
    """2 layers, bidirectional, lengths, an initial state: outputs, state and every gradient."""
    torch.manual_seed(5)
    T, B, I, H = 7, 3, 3, 2
    m = LAYERS[kind](I, H, num_layers=2, bidirectional=True, batch_first=True, dtype=f64)
    x = torch.randn(B, T, I, dtype=f64)
    lengths = torch.tensor([7, 2, 5])
    state = torch.randn(4, B, H, dtype=f64)
    res = {}
    for scan in ("sequential", "triton"):
        m.scan = scan
        m.zero_grad()
        xi, si = x.clone().requires_grad_(), state.clone().requires_grad_()
        y, h = m(xi, si, lengths=lengths)
        (y.square().sum() + h.sum()).backward()
        res[scan] = [y, h, xi.grad, si.grad] + [p.grad for p in m.parameters()]
    for g, w in zip(res["triton"], res["sequential"]):
        torch.testing.assert_close(g, w)


@needs_triton
def test_bfloat16_runs_in_float32_inside(interpret):
    """Half-precision tensors are upcast in the kernel: the result is the float32 scan, rounded once."""
    try:
        ts.triton_linear_scan(torch.rand(2, 1, dtype=torch.bfloat16), torch.rand(2, 1, dtype=torch.bfloat16))
    except Exception as e:  # the interpreter (numpy) may lack bfloat16
        pytest.skip(f"Triton's interpreter cannot run bfloat16 here: {type(e).__name__}")
    torch.manual_seed(6)
    a, b = torch.rand(40, 4).bfloat16(), torch.randn(40, 4).bfloat16()
    want = loop(a.double(), b.double())
    got = ts.triton_linear_scan(a, b, **TILE)
    assert got.dtype == torch.bfloat16
    torch.testing.assert_close(got.double(), want, rtol=1e-2, atol=1e-2)


@needs_triton
def test_kernels_compile_for_an_h100(monkeypatch, tmp_path):
    """The compiled (not interpreted) kernels go through Triton's whole compiler -- Triton IR, GPU IR,
    PTX and ptxas -- for sm_90 without a GPU: catches what the interpreter lets pass (loop-carried
    types, unsupported ops, float64 math). Says nothing about speed or results on the device."""
    try:
        from triton.backends.compiler import GPUTarget
        from triton.compiler import ASTSource
    except ImportError as e:
        pytest.skip(f"this triton has no ahead-of-time compile API: {e}")
    import triton
    import triton.language as tl
    monkeypatch.setenv("TRITON_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    fwd, bwd = ts._kernels(False)
    pointers = {"X0", "X1", "X2", "H0", "HOUT", "LAST", "HS", "GY", "GLAST", "D0", "D1", "D2", "DH0", "DB", "CA", "CB"}

    def build(kernel, dt, consts):
        names = kernel.arg_names
        sig = {n: "constexpr" if n in consts else "*u8" if n == "PAD" else f"*{dt}" if n in pointers else "i32"
               for n in names}
        src = ASTSource(fn=kernel, signature=sig, constexprs={(names.index(k),): v for k, v in consts.items()})
        return triton.compile(src, target=GPUTarget("cuda", 90, 32), options={"enable_fp_fusion": True})

    for dt, compute, mode in (("fp32", tl.float32, 2), ("fp64", tl.float64, 1)):
        for phase in ((0, 1, 2) if dt == "fp32" else (0,)):  # one pass; the chunked pass's maps, then its outputs
            flags = dict(MODE=mode, HAS_H0=True, HAS_PAD=mode in (1, 2), PHASE=phase, COMPUTE=compute, BLOCK_T=64,
                         BLOCK_N=32)
            for kernel, consts in ((fwd, flags), (bwd, dict(flags, HAS_GY=True, HAS_GLAST=True, HAS_DB=True))):
                compiled = build(kernel, dt, consts)
                assert "tt.scan" in compiled.asm["ttir"] and len(compiled.asm["cubin"]) > 0


@needs_triton
def test_layer_under_autocast(interpret):
    """Mixed precision: under autocast the projection (and so the kernels) run in bfloat16 while the
    parameters stay float32; the gradients come back in float32, close to the float32 run's."""
    torch.manual_seed(10)
    m = MinGRU(3, 4, scan="triton")
    x = torch.randn(9, 2, 3)
    y32, _ = m(x)
    want = torch.autograd.grad(y32.sum(), tuple(m.parameters()))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y, h = m(x)
    assert y.dtype == torch.bfloat16
    got = torch.autograd.grad(y.float().sum(), tuple(m.parameters()))
    for g, w in zip(got, want):
        assert g.dtype == torch.float32
        torch.testing.assert_close(g, w, rtol=5e-2, atol=5e-2)


# --------------------------------------------------------------------------- dispatch and errors (no kernels run)
def test_auto_falls_back_to_chunked_off_cuda(monkeypatch):
    """``"auto"`` on CPU tensors is the chunked scan and never touches Triton, even under the interpreter."""
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    monkeypatch.setattr(ts, "triton_gated_scan", lambda *a, **k: pytest.fail("the Triton kernel was called"))
    monkeypatch.setattr(ts, "triton_linear_scan", lambda *a, **k: pytest.fail("the Triton kernel was called"))
    torch.manual_seed(7)
    x = torch.randn(20, 2, 3, dtype=f64)
    m = MinGRU(3, 4, dtype=f64)
    assert m.scan == "auto" and MinLSTM(3, 4).scan == "auto"  # the default since the H200 run
    m.scan = "chunked"
    want = m(x)
    m.scan = "auto"
    for g, w in zip(m(x), want):
        torch.testing.assert_close(g, w)
    a, b = torch.rand(20, 3, dtype=f64), torch.randn(20, 3, dtype=f64)
    torch.testing.assert_close(linear_scan(a, b, method="auto"), loop(a, b))
    torch.testing.assert_close(log_scan(a.log(), b.abs().log(), method="auto"), loop(a, b.abs()))
    assert pscan.resolve_triton("auto", a, "scan", "chunked") == "chunked"


@needs_triton
def test_triton_off_cuda_without_interpreter_raises(monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    m = MinGRU(3, 4, scan="triton")
    with pytest.raises(ConfigError, match=r"^scan: .*CUDA"):
        m(torch.randn(5, 2, 3))
    with pytest.raises(ConfigError, match=r"^method: .*CUDA"):
        linear_scan(torch.rand(5, 2), torch.rand(5, 2), method="triton")
    with pytest.raises(InputTypeError, match=r"^a: .*dtypes"):
        ts.triton_linear_scan(torch.rand(5, 2, dtype=torch.complex64), torch.rand(5, 2, dtype=torch.complex64))


def test_triton_missing_is_a_config_error(monkeypatch):
    monkeypatch.setattr(minimal, "triton_available", lambda: False)
    with pytest.raises(ConfigError, match=r"^scan: 'triton' needs the triton package"):
        MinLSTM(3, 4, scan="triton")
    assert MinLSTM(3, 4, scan="auto").scan == "auto"  # auto never needs it
    monkeypatch.setattr(ts, "HAS_TRITON", False)
    with pytest.raises(ConfigError, match=r"^x: the Triton scan needs the triton package"):
        ts.triton_gated_scan(torch.randn(2, 1, 3), torch.randn(8, 3), None, "mingru")


def test_bad_options_raise_typed_errors():
    with pytest.raises(ConfigError, match="^scan:"):
        MinGRU(3, 4, scan="cuda")
    with pytest.raises(ConfigError, match="^method:"):
        linear_scan(torch.rand(3, 1), torch.rand(3, 1), method="log")
    with pytest.raises(ConfigError, match="^method:"):
        log_scan(torch.rand(3, 1), torch.rand(3, 1), method="chunked")
    with pytest.raises(ConfigError, match="^cell:"):
        ts.triton_gated_scan(torch.randn(2, 1, 3), torch.randn(8, 3), None, "lstm")


# --------------------------------------------------------------------------- CUDA: the compiled kernels
@needs_cuda
@pytest.mark.parametrize("kind", ["mingru", "minlstm"])
@pytest.mark.parametrize("dtype,tol", [(f64, 1e-10), (torch.float32, 1e-4)])
def test_cuda_layer_triton_equals_chunked(kind, dtype, tol, monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    torch.manual_seed(8)
    T, B, I, H = 1000, 4, 5, 33  # N = 132 lanes: a partial lane tile; T not a multiple of 64
    m = LAYERS[kind](I, H, num_layers=2, bidirectional=True, dtype=dtype).cuda()
    x = torch.randn(T, B, I, dtype=dtype, device="cuda")
    lengths = torch.tensor([1000, 999, 64, 1])
    state = torch.randn(4, B, H, dtype=dtype, device="cuda")
    res = {}
    for scan in ("chunked", "triton"):
        m.scan = scan
        m.zero_grad()
        xi, si = x.clone().requires_grad_(), state.clone().requires_grad_()
        y, h = m(xi, si, lengths=lengths)
        (y.square().mean() + h.sum()).backward()
        res[scan] = [y, h, xi.grad, si.grad] + [p.grad for p in m.parameters()]
    for g, w in zip(res["triton"], res["chunked"]):
        torch.testing.assert_close(g, w, rtol=tol, atol=tol)


@needs_cuda
@pytest.mark.parametrize("chunks", [1, 7, 64])
def test_cuda_time_chunks_equal_the_chunked_scan(chunks, monkeypatch):
    """The compiled kernels with one chunk (one pass) and with 7 / 64 time chunks (two launches each way)
    against the chunked PyTorch scan in float64: h0, lengths, every gradient."""
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    torch.manual_seed(9)
    T, B, I, H = 4096, 3, 4, 40
    x = torch.randn(T, B, I, dtype=f64, device="cuda", requires_grad=True)
    weight = torch.randn(2 * H, I, dtype=f64, device="cuda", requires_grad=True)
    b = torch.randn(2 * H, dtype=f64, device="cuda", requires_grad=True)
    h0 = torch.randn(B, H, dtype=f64, device="cuda", requires_grad=True)
    mask = step_mask(torch.tensor([4096, 3000, 65]), T).cuda()
    y, last = ts.triton_gated_scan(x, weight, b, "mingru", h0, mask, chunks=chunks)
    wy, wlast = gated_scan(x, weight, b, MATHS["mingru"], h0, mask)
    torch.testing.assert_close(y, wy, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(last, wlast, rtol=1e-10, atol=1e-10)
    inputs = (x, weight, b, h0)
    for g, w in zip(_grads(y.sum(-1) + last.sum(), inputs), _grads(wy.sum(-1) + wlast.sum(), inputs)):
        torch.testing.assert_close(g, w, rtol=1e-9, atol=1e-9)


@needs_cuda
@pytest.mark.parametrize("T", [1, 63, 4096])
def test_cuda_linear_and_log_scan(T, monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    torch.manual_seed(9)
    a = torch.rand(T, 16, 128, dtype=f64, device="cuda", requires_grad=True)
    b = torch.randn(T, 16, 128, dtype=f64, device="cuda", requires_grad=True)
    h0 = torch.randn(16, 128, dtype=f64, device="cuda", requires_grad=True)
    got = linear_scan(a, b, h0, method="triton")
    want = linear_scan(a, b, h0, method="chunked")
    torch.testing.assert_close(got, want)
    for g, w in zip(_grads(got, (a, b, h0)), _grads(want, (a, b, h0))):
        torch.testing.assert_close(g, w)
    la, lb = a.detach().log(), b.detach().abs().log()
    torch.testing.assert_close(log_scan(la, lb, method="triton"), linear_scan(la.exp(), lb.exp()))
    assert pscan.resolve_triton("auto", a, "method", "chunked") == "triton"
