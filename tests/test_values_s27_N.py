"""Session 27, helper N: values at their edges, second pass (reduced precision, unusual inputs).

Oracles: the sequential autograd loop over the same gate math (minGRU/minLSTM), torch.nn under the same
precision, and the same series scaled by a constant (forecasting)."""

from __future__ import annotations

import pytest
import torch

from rnnkit.cells.minimal import MinGRUMath, MinLSTMMath
from rnnkit.engine.pscan import gated_scan
from rnnkit.layers.minimal import MinGRU, MinLSTM
from test_triton_scan import interpret  # noqa: F401  (the Triton interpreter fixture: skips where it cannot run)


def _same_pattern(got: torch.Tensor, want: torch.Tensor, what: str) -> None:
    """NaN where ``want`` is NaN, the same infinities, and the finite values within float32 rounding."""
    assert torch.equal(got.isnan(), want.isnan()), f"{what}: NaN at other places"
    both = torch.isfinite(want)
    assert torch.equal(got.isinf(), want.isinf()), f"{what}: inf at other places"
    assert torch.equal(got[got.isinf()], want[want.isinf()]), f"{what}: inf of another sign"
    torch.testing.assert_close(got[both], want[both], rtol=1e-5, atol=1e-6, msg=what)


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
@pytest.mark.parametrize("T", [5, 300])          # 300 steps: the chunked path (chunks of 17), not the short loop
@pytest.mark.parametrize("value", [float("inf"), -float("inf")])
def test_chunked_scan_gives_inf_where_the_sequential_scan_does(cls, T, value):
    # An inf input makes the candidate g = inf; with 0 < a < 1 the state is (1 - a) g = inf. The chunked scan
    # computed b = g - a g = inf - inf = NaN (fails at 9a58fdf: MinLSTM NaN where sequential and log give inf).
    torch.manual_seed(0)
    layer = cls(3, 8)
    x = torch.randn(T, 4, 3)
    x[T // 2, 0, 1] = value
    x[T // 3, 2, :] = value
    outs = {}
    for scan in ("sequential", "chunked", "log"):
        layer.scan = scan
        with torch.no_grad():
            outs[scan] = layer(x)
    assert outs["sequential"][0].isinf().any()        # the case is one where an inf state arises
    for scan in ("chunked", "log"):
        _same_pattern(outs[scan][0], outs["sequential"][0], f"{cls.__name__} {scan} outputs")
        _same_pattern(outs[scan][1], outs["sequential"][1], f"{cls.__name__} {scan} state")


@pytest.mark.parametrize("math", [MinGRUMath(), MinLSTMMath()])
def test_gated_scan_inf_candidate_on_a_padded_step_leaves_the_state(math):
    # gated_scan takes its padding mask from the caller: a padded step keeps the state (a = 1, b = 0) even
    # when its candidate is inf (0 * inf was NaN there).
    torch.manual_seed(1)
    T, B, I, H = 6, 2, 3, 4
    x = torch.randn(T, B, I)
    w = torch.randn(math.num_blocks * H, I)
    x[4:, 1] = float("inf")                        # only in row 1's padding
    valid = torch.ones(T, B, 1, dtype=torch.bool)
    valid[4:, 1] = False
    y, last = gated_scan(x, w, None, math, None, valid)
    y_ref, last_ref = gated_scan(x[:4, 1:], w, None, math, None, None)
    assert torch.equal(y[4:, 1], torch.zeros(2, H))
    torch.testing.assert_close(last[1], last_ref[0])
    torch.testing.assert_close(y[:4, 1], y_ref[:, 0])


@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_triton_gated_scan_inf_input_as_the_sequential_scan(cell, interpret):
    # The Triton kernel's b = g - a g had the same inf - inf as the chunked scan (interpreter: the same
    # kernel source, on CPU); fails at 9a58fdf.
    ts = pytest.importorskip("rnnkit.engine.triton_scan")
    if not ts.HAS_TRITON:
        pytest.skip("triton is not installed")
    math = {"mingru": MinGRUMath(), "minlstm": MinLSTMMath()}[cell]
    torch.manual_seed(2)
    T, B, I, H = 9, 3, 2, 5
    x = torch.randn(T, B, I)
    x[3, 1, 0] = float("inf")
    w = torch.randn(math.num_blocks * H, I)
    y, last = ts.triton_gated_scan(x, w, None, cell, None, None, block_t=4, block_n=4)
    P = torch.nn.functional.linear(x, w)
    a, g = math.coefficients(P)
    want = torch.stack([h for h in _sequential(a, g)])
    assert want.isinf().any()
    _same_pattern(y, want, f"triton {cell}")


def _sequential(a, g):
    h = torch.zeros_like(g[0])
    for t in range(a.shape[0]):
        h = a[t] * h + (1 - a[t]) * g[t]
        yield h


@pytest.mark.parametrize("cell", ["lstm", "elman_tanh", "gru"])
@pytest.mark.parametrize("engine", ["bptt", "reference"])
def test_layer_norm_layers_in_bfloat16_finite_at_inputs_float32_handles(cell, engine):
    # bfloat16 has float32's range; torch's layer_norm sums squares in float32, which overflow for rows near 1e19.
    # The float32 path scales such rows first; bfloat16 went straight to torch's kernel: an LN-LSTM's outputs were
    # all NaN at inputs of 1e30 (fails at 9a58fdf for lstm and elman_tanh). Oracle: the float32 layer on the same
    # bfloat16-rounded input, within bfloat16's rounding (u = 2^-8; |h| <= 1 so a few u absolute).
    import rnnkit
    torch.manual_seed(0)
    layer = rnnkit.RecurrentLayer(cell, 5, 8, num_layers=2, layer_norm=True, engine=engine)
    x = (torch.randn(6, 3, 5) * 1e30).to(torch.bfloat16)
    y32, _ = layer(x.float())
    assert torch.isfinite(y32).all()
    y, _ = layer.to(torch.bfloat16)(x)
    assert y.dtype == torch.bfloat16
    assert torch.isfinite(y).all()
    torch.testing.assert_close(y.float(), y32, rtol=0, atol=16 * 2.0 ** -8)


def test_layer_norm_scale_of_bfloat16_rows_is_a_power_of_two_into_range():
    from rnnkit.cells.norm import layer_norm
    torch.manual_seed(3)
    x = torch.randn(50, 7, dtype=torch.float64) * torch.logspace(10, 37, 50, dtype=torch.float64).unsqueeze(1)
    w, b = torch.rand(7, dtype=torch.float64) + 0.5, torch.randn(7, dtype=torch.float64)
    xb = x.to(torch.bfloat16)
    want = torch.nn.functional.layer_norm(xb.double(), (7,), w, b, 1e-5)   # float64: no overflow
    got = layer_norm(xb, w.to(torch.bfloat16), b.to(torch.bfloat16))
    assert got.dtype == torch.bfloat16
    torch.testing.assert_close(got.double(), want, rtol=0, atol=8 * 2.0 ** -8 * float(want.abs().max()))
