"""minGRU / minLSTM and the parallel scans: oracles are the sequential recurrence and the paper's
equations unrolled by hand (float64), plus gradcheck for every hand-written backward."""

from __future__ import annotations

import itertools

import pytest
import torch

from rnnkit.engine.masks import step_mask
from rnnkit.engine.pscan import _scan_into, gated_scan, linear_scan, log_scan, sequential_scan
from rnnkit.errors import ConfigError, InputTypeError, ShapeError
from rnnkit.layers.minimal import MinGRU, MinGRUMath, MinLSTM, MinLSTMMath

f64 = torch.float64
LAYERS = {"mingru": MinGRU, "minlstm": MinLSTM}


def loop(a, b, h0=None, reverse=False):
    """The recurrence one step at a time, in plain Python over t (the oracle)."""
    h = torch.zeros_like(b[0]) if h0 is None else h0
    out = torch.empty_like(b)
    for t in (range(a.shape[0] - 1, -1, -1) if reverse else range(a.shape[0])):
        h = a[t] * h + b[t]
        out[t] = h
    return out


# --------------------------------------------------------------------------- scans
@pytest.mark.parametrize("T", [1, 2, 7, 15, 16, 17, 33, 64, 65, 130, 300, 1000])
@pytest.mark.parametrize("reverse", [False, True])
def test_chunked_kernel_equals_loop(T, reverse):
    a = torch.rand(T, 6, dtype=f64) * 1.1  # some |a| > 1 too: the kernel is exact for any real a
    b, h0 = torch.randn(T, 6, dtype=f64), torch.randn(6, dtype=f64)
    for init in (None, h0):
        out = torch.empty_like(b)
        _scan_into(a, b, init, out, reverse)
        torch.testing.assert_close(out, loop(a, b, init, reverse), rtol=1e-12, atol=1e-12)


def _lengths_mask(T, lengths):
    return step_mask(torch.tensor(lengths), T)


@pytest.mark.parametrize("with_h0", [False, True])
@pytest.mark.parametrize("with_lengths", [False, True])
def test_scans_equal_sequential(with_h0, with_lengths):
    T, B, H = 70, 3, 4
    a = torch.rand(T, B, H, dtype=f64)
    b = torch.rand(T, B, H, dtype=f64) + 0.01  # positive, for the log-space scan
    h0 = torch.randn(B, H, dtype=f64) if with_h0 else None  # any sign
    lengths = [70, 33, 1]
    mask = _lengths_mask(T, lengths) if with_lengths else None
    # oracle: each sequence on its own, only its valid steps
    want = torch.zeros(T, B, H, dtype=f64)
    want_last = torch.empty(B, H, dtype=f64)
    for j in range(B):
        L = lengths[j] if with_lengths else T
        hj = loop(a[:L, j], b[:L, j], None if h0 is None else h0[j])
        want[:L, j] = hj
        want_last[j] = hj[-1]
    for method in ("chunked", "sequential"):
        got, last = linear_scan(a, b, h0, mask=mask, method=method, return_last=True)
        torch.testing.assert_close(got, want)
        torch.testing.assert_close(last, want_last)
    got, last = log_scan(a.log(), b.log(), h0, mask=mask, return_last=True)
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(last, want_last)
    torch.testing.assert_close(sequential_scan(a, b, h0), loop(a, b, h0))


def test_gradcheck_linear_scan():
    T = 37  # > 2 chunks of 8: exercises both sweeps, the chunk level and the remainder
    a = torch.rand(T, 2, 2, dtype=f64, requires_grad=True)
    b = torch.randn(T, 2, 2, dtype=f64, requires_grad=True)
    h0 = torch.randn(2, 2, dtype=f64, requires_grad=True)
    mask = _lengths_mask(T, [37, 20])
    assert torch.autograd.gradcheck(lambda a, b: linear_scan(a, b), (a, b))
    assert torch.autograd.gradcheck(lambda a, b, h: linear_scan(a, b, h), (a, b, h0))
    assert torch.autograd.gradcheck(lambda a, b, h: linear_scan(a, b, h, mask=mask, return_last=True), (a, b, h0))


def test_gradcheck_log_scan():
    T = 20
    la = torch.rand(T, 2, 3, dtype=f64).log().requires_grad_()
    lb = torch.randn(T, 2, 3, dtype=f64).requires_grad_()
    h0 = torch.randn(2, 3, dtype=f64, requires_grad=True)
    mask = _lengths_mask(T, [20, 9])
    assert torch.autograd.gradcheck(lambda a, b, h: log_scan(a, b, h, mask=mask, return_last=True), (la, lb, h0))


@pytest.mark.parametrize("math", [MinGRUMath(), MinLSTMMath()], ids=["mingru", "minlstm"])
@pytest.mark.parametrize("with_lengths", [False, True])
def test_gradcheck_gated_scan(math, with_lengths):
    T, B, I, H = 17, 3, 2, 2  # T > 2 chunks of 8: both sweeps, the chunk level and the remainder run
    n = math.num_blocks
    x = torch.randn(T, B, I, dtype=f64, requires_grad=True)
    w = torch.randn(n * H, I, dtype=f64, requires_grad=True)
    bias = torch.randn(n * H, dtype=f64, requires_grad=True)
    h0 = torch.randn(B, H, dtype=f64, requires_grad=True)
    mask = _lengths_mask(T, [17, 10, 1]) if with_lengths else None
    fn = lambda x, w, bias, h0: gated_scan(x, w, bias, math, h0, mask)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (x, w, bias, h0))
    assert torch.autograd.gradcheck(lambda x, w: gated_scan(x, w, None, math), (x, w))


# --------------------------------------------------------------------------- reference layer
def _g(v):
    return torch.where(v >= 0, v + 0.5, torch.sigmoid(v))


def ref_cell_seq(kind, x, w, b, h0):
    """The paper's equations, one step at a time, for one sequence ``x`` ``(L, I)``; returns ``(L, H)``."""
    H = w.shape[0] // (2 if kind == "mingru" else 3)
    h = h0
    out = []
    for t in range(x.shape[0]):
        p = w @ x[t] + (0 if b is None else b)
        if kind == "mingru":
            z = torch.sigmoid(p[:H])
            h = (1 - z) * h + z * _g(p[H:])
        else:
            f, i = torch.sigmoid(p[:H]), torch.sigmoid(p[H:2 * H])
            h = f / (f + i) * h + i / (f + i) * _g(p[2 * H:])
        out.append(h)
    return torch.stack(out)


def ref_layer(layer, x, h0, lengths):
    """Hand-unrolled stacked/bidirectional layer over time-major ``x`` (T, B, I): per sequence, the
    valid part only; returns ``(fwd, bwd or None)`` outputs of the last layer (T, B, H) and final states."""
    kind = "mingru" if isinstance(layer, MinGRU) else "minlstm"
    T, B, _ = x.shape
    H, D = layer.hidden_size, layer.num_directions
    lengths = [T] * B if lengths is None else list(lengths)
    inp = x
    finals = torch.zeros(layer.num_layers * D, B, H, dtype=x.dtype)
    for k in range(layer.num_layers):
        outs = [torch.zeros(T, B, H, dtype=x.dtype) for _ in range(D)]
        for d in range(D):
            w, b = layer._params(k, d)
            for j in range(B):
                L = lengths[j]
                seq = inp[:L, j] if d == 0 else inp[:L, j].flip(0)
                s0 = torch.zeros(H, dtype=x.dtype) if h0 is None else h0[k * D + d, j]
                y = ref_cell_seq(kind, seq, w, b, s0)
                outs[d][:L, j] = y if d == 0 else y.flip(0)
                finals[k * D + d, j] = y[-1]
        inp = torch.cat(outs, -1)
    return outs, finals


def _merge(fwd, bwd, merge):
    return {"concat": lambda: torch.cat((fwd, bwd), -1), "sum": lambda: fwd + bwd, "mul": lambda: fwd * bwd,
            "ave": lambda: (fwd + bwd) / 2, "none": lambda: (fwd, bwd)}[merge]()


CASES = list(itertools.product(["mingru", "minlstm"], [1, 2], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize("kind,num_layers,bidirectional,batch_first,var_lengths", CASES)
def test_layer_equals_hand_unrolled_reference(kind, num_layers, bidirectional, batch_first, var_lengths):
    T, B, I, H = 19, 3, 4, 5
    layer = LAYERS[kind](I, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
                         bias=not var_lengths, dtype=f64)
    D = layer.num_directions
    x = torch.randn(T, B, I, dtype=f64)
    h0 = torch.randn(num_layers * D, B, H, dtype=f64)
    lengths = torch.tensor([19, 11, 1]) if var_lengths else None
    outs, finals = ref_layer(layer, x, h0, lengths)
    want = outs[0] if D == 1 else torch.cat(outs, -1)
    xin = x.transpose(0, 1) if batch_first else x
    for scan in ("chunked", "log", "sequential"):
        layer.scan = scan
        y, h = layer(xin, h0, lengths=lengths)
        y = y.transpose(0, 1) if batch_first else y
        torch.testing.assert_close(y, want, msg=f"outputs ({scan})")
        torch.testing.assert_close(h, finals, msg=f"final state ({scan})")


@pytest.mark.parametrize("kind", ["mingru", "minlstm"])
@pytest.mark.parametrize("merge", ["concat", "sum", "mul", "ave", "none"])
def test_bidirectional_merges(kind, merge):
    T, B, I, H = 9, 2, 3, 4
    layer = LAYERS[kind](I, H, bidirectional=True, merge=merge, dtype=f64)
    x = torch.randn(T, B, I, dtype=f64)
    lengths = torch.tensor([9, 5])
    outs, finals = ref_layer(layer, x, None, lengths)
    y, h = layer(x, lengths=lengths)
    want = _merge(outs[0], outs[1], merge)
    if merge == "none":
        for got, w in zip(y, want):
            torch.testing.assert_close(got, w)
    else:
        torch.testing.assert_close(y, want)
    torch.testing.assert_close(h, finals)
    assert layer.output_size == (2 * H if merge == "concat" else H)


@pytest.mark.parametrize("kind", ["mingru", "minlstm"])
def test_gradients_equal_across_scans(kind):
    """Every parameter's, the input's and the initial state's gradient: chunked (hand backward) and
    log-space (autograd) against the sequential autograd loop."""
    T, B, I, H = 40, 3, 4, 5
    layer = LAYERS[kind](I, H, num_layers=2, bidirectional=True, dtype=f64)
    x = torch.randn(T, B, I, dtype=f64)
    h0 = torch.randn(4, B, H, dtype=f64)
    lengths = torch.tensor([40, 17, 3])
    dy = torch.randn(T, B, 2 * H, dtype=f64)
    dh = torch.randn(4, B, H, dtype=f64)

    def grads(scan):
        layer.scan = scan
        layer.zero_grad(set_to_none=True)
        xi, hi = x.clone().requires_grad_(), h0.clone().requires_grad_()
        y, h = layer(xi, hi, lengths=lengths)
        ((y * dy).sum() + (h * dh).sum()).backward()
        out = {n: p.grad.clone() for n, p in layer.named_parameters()}
        out.update(x=xi.grad, h0=hi.grad)
        return out

    want = grads("sequential")
    for scan in ("chunked", "log"):
        got = grads(scan)
        for name in want:
            torch.testing.assert_close(got[name], want[name], msg=f"{scan}: d{name}")


@pytest.mark.parametrize("kind", ["mingru", "minlstm"])
def test_float32_long_sequence_matches_float64(kind):
    T, B, I, H = 2048, 2, 8, 16
    layer = LAYERS[kind](I, H, num_layers=2, dtype=f64)
    x = torch.randn(T, B, I, dtype=f64)
    want, _ = layer(x)
    layer32 = LAYERS[kind](I, H, num_layers=2)
    layer32.load_state_dict({k: v.float() for k, v in layer.state_dict().items()})
    # The chunked scan multiplies and adds like the sequential loop: float32 rounding only (measured
    # max error 2e-7 here). The log-space scan goes through exp/log of cumulative sums and loses more
    # (measured 2e-4 at T=2048), hence its looser bound.
    for scan, tol in (("chunked", 2e-6), ("sequential", 2e-6), ("log", 2e-3)):
        layer32.scan = scan
        got, _ = layer32(x.float())
        torch.testing.assert_close(got.double(), want, rtol=tol, atol=tol, msg=scan)


# --------------------------------------------------------------------------- streaming, padding
@pytest.mark.parametrize("kind", ["mingru", "minlstm"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_streaming_step_equals_scan(kind, batch_first):
    T, B, I, H = 12, 3, 4, 5
    layer = LAYERS[kind](I, H, num_layers=3, batch_first=batch_first, dtype=f64)
    x = torch.randn(B, T, I, dtype=f64) if batch_first else torch.randn(T, B, I, dtype=f64)
    h0 = torch.randn(3, B, H, dtype=f64)
    for start in (None, h0):
        y, h = layer(x, start)
        state, steps = start, []
        for t in range(T):
            y_t, state = layer.step(x[:, t] if batch_first else x[t], state)
            steps.append(y_t)
        torch.testing.assert_close(torch.stack(steps, 1 if batch_first else 0), y)
        torch.testing.assert_close(state, h)
    # unbatched
    y, h = layer(x[0] if batch_first else x[:, 0])
    state = None
    for t in range(T):
        y_t, state = layer.step((x[0] if batch_first else x[:, 0])[t], state)
    torch.testing.assert_close(y_t, y[-1])
    torch.testing.assert_close(state, h)


@pytest.mark.parametrize("kind", ["mingru", "minlstm"])
def test_padding_invariance(kind):
    """A padded batch gives each sequence exactly what it gives alone; padding values never matter."""
    T, I, H = 30, 3, 4
    layer = LAYERS[kind](I, H, num_layers=2, bidirectional=True, dtype=f64)
    lengths = [30, 12, 1, 29]
    seqs = [torch.randn(L, 1, I, dtype=f64) for L in lengths]
    x = torch.full((T, len(lengths), I), 1e3, dtype=f64)
    for j, s in enumerate(seqs):
        x[: lengths[j], j] = s[:, 0]
    y, h = layer(x, lengths=torch.tensor(lengths))
    for j, s in enumerate(seqs):
        yj, hj = layer(s)
        torch.testing.assert_close(y[: lengths[j], j], yj[:, 0])
        assert torch.all(y[lengths[j]:, j] == 0)
        torch.testing.assert_close(h[:, j], hj[:, 0])


def test_dropout_between_layers_only_in_training():
    layer = MinGRU(3, 4, num_layers=2, dropout=0.5, dtype=f64)
    x = torch.randn(6, 2, 3, dtype=f64)
    layer.eval()
    y1, _ = layer(x)
    y2, _ = layer(x)
    torch.testing.assert_close(y1, y2)
    layer.train()
    torch.manual_seed(1)
    y3, _ = layer(x)
    assert not torch.allclose(y1, y3)
    with pytest.warns(UserWarning, match="dropout"):
        MinGRU(3, 4, dropout=0.5)


def test_parameter_names_and_shapes():
    layer = MinLSTM(3, 4, num_layers=2, bidirectional=True)
    shapes = {n: tuple(p.shape) for n, p in layer.named_parameters()}
    assert shapes == {"weight_l0": (12, 3), "bias_l0": (12,), "weight_l0_reverse": (12, 3),
                      "bias_l0_reverse": (12,), "weight_l1": (12, 8), "bias_l1": (12,),
                      "weight_l1_reverse": (12, 8), "bias_l1_reverse": (12,)}
    assert [n for n, _ in MinGRU(3, 4, bias=False).named_parameters()] == ["weight_l0"]


# --------------------------------------------------------------------------- errors
def test_bad_configuration_raises_config_error():
    for kwargs, match in [({"hidden_size": 0}, "hidden_size"), ({"scan": "fft"}, "scan"), ({"merge": "max"}, "merge"),
                          ({"dropout": 1.5}, "dropout")]:
        args = {"input_size": 3, "hidden_size": 4, **kwargs}
        with pytest.raises(ConfigError, match=match):
            MinGRU(**args)
    for kwargs, match in [({"num_layers": 1.5}, "num_layers"), ({"bidirectional": 1}, "bidirectional"),
                          ({"scan": None}, "scan")]:  # wrong types: InputTypeError
        args = {"input_size": 3, "hidden_size": 4, **kwargs}
        with pytest.raises(InputTypeError, match=match):
            MinGRU(**args)
    with pytest.raises(ConfigError, match="step"):
        MinLSTM(3, 4, bidirectional=True).step(torch.randn(2, 3))


def test_bad_inputs_raise_typed_errors():
    layer = MinGRU(3, 4, num_layers=2)
    x = torch.randn(5, 2, 3)
    cases = [
        (lambda: layer([[1.0, 2.0, 3.0]]), InputTypeError, "x: expected a torch.Tensor"),
        (lambda: layer(x.double()), InputTypeError, "x: expected dtype"),
        (lambda: layer(torch.randn(5, 2, 7)), ShapeError, "feature size"),
        (lambda: layer(torch.randn(5)), ShapeError, "x: expected a 3-D"),
        (lambda: layer(torch.randn(0, 2, 3)), ShapeError, "sequence length 0"),
        (lambda: layer(x, torch.zeros(1, 2, 4)), ShapeError, r"state: expected shape \(2, 2, 4\)"),
        (lambda: layer(x, (torch.zeros(2, 2, 4),)), InputTypeError, "state: expected a tensor"),
        (lambda: layer(x, torch.zeros(2, 2, 4, dtype=f64)), InputTypeError, "state: expected dtype"),
        (lambda: layer(x, lengths=torch.tensor([5, 6])), ShapeError, "lengths"),
        (lambda: layer(x, lengths=torch.tensor([5.0, 2.0])), InputTypeError, "lengths"),
        (lambda: layer(x[:, 0], lengths=torch.tensor([5])), ShapeError, "lengths: expected None"),
        (lambda: layer.step(torch.randn(2, 5)), ShapeError, "feature size"),
        (lambda: layer.step("x"), InputTypeError, "x_t"),
        (lambda: linear_scan(torch.rand(3, 2), torch.rand(3, 4)), ShapeError, "b: expected the shape"),
        (lambda: linear_scan(torch.rand(3, 2), torch.rand(3, 2), torch.rand(3)), ShapeError, "h0"),
        (lambda: linear_scan(torch.rand(3, 2), torch.rand(3, 2), mask=torch.ones(3, 2)), InputTypeError, "mask"),
        (lambda: linear_scan(torch.rand(3, 2), torch.rand(3, 2), method="log"), ConfigError, "method"),
        (lambda: log_scan(torch.rand(3, 2), torch.rand(3, 2, dtype=f64)), InputTypeError, "log_b"),
        (lambda: linear_scan(torch.arange(3), torch.arange(3)), InputTypeError, "floating-point"),
    ]
    for fn, err, match in cases:
        with pytest.raises(err, match=match):
            fn()
