"""Gradient flow through time: the engine's recorded ‖∂L/∂h_t‖ against autograd's ∂L/∂h_t from an
explicit loop written here (independent of rnnkit's cells), plus flags and plots."""

import math

import pytest
import torch

import rnnkit
from rnnkit.diagnostics import (
    EXPLODING_RATIO,
    VANISHING_RATIO,
    GradFlowRecorder,
    plot_gradient_flow,
    summarize_gradient_flow,
)
from rnnkit.errors import InputTypeError, ShapeError


pytestmark = pytest.mark.usefixtures("one_thread_module")  # one torch thread (tests/conftest.py)


@pytest.fixture(autouse=True)
def _f64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # tight comparisons
    yield
    torch.set_default_dtype(old)


# ------------------------------------------------------------------------------------ explicit loops
def lstm_step(x, state, w_ih, w_hh, b_ih, b_hh):
    h, c = state
    i, f, g, o = (x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4, -1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def gru_step(x, state, w_ih, w_hh, b_ih, b_hh):
    h = state[0]
    xr, xz, xn = (x @ w_ih.T + b_ih).chunk(3, -1)
    hr, hz, hn = (h @ w_hh.T + b_hh).chunk(3, -1)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * hn)
    return ((1 - z) * n + z * h,)


def elman_step(x, state, w_ih, w_hh, b_ih, b_hh):
    return (torch.tanh(x @ w_ih.T + b_ih + state[0] @ w_hh.T + b_hh),)


STEPS = {"LSTM": lstm_step, "GRU": gru_step, "ElmanRNN": elman_step}


def explicit_direction(step, x, params, lengths=None):
    """Run one direction over time-major ``x``; returns (outputs (T,B,H), hs: list of h_t graph nodes)."""
    T, B, _ = x.shape
    H = params[1].shape[1]
    n_state = 2 if step is lstm_step else 1
    state = tuple(torch.zeros(B, H) for _ in range(n_state))
    hs, outs = [], []
    for t in range(T):
        new = step(x[t], state, *params)
        if lengths is not None:
            m = (t < lengths).unsqueeze(-1)
            new = tuple(torch.where(m, n, o) for n, o in zip(new, state))
            outs.append(new[0] * m)
        else:
            outs.append(new[0])
        hs.append(new[0])
        state = new
    return torch.stack(outs), hs


def flip_valid(x, lengths):
    if lengths is None:
        return x.flip(0)
    out = x.clone()
    for b, L in enumerate(lengths.tolist()):
        out[:L, b] = x[:L, b].flip(0)
    return out


def params_of(layer, l, rev=False):
    s = "_reverse" if rev else ""
    return [getattr(layer, f"{n}_l{l}{s}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def reference_grad_norms(layer, kind, x, R, lengths=None):
    """{tag: (T, B) ‖∂L/∂h_t‖} by autograd through the explicit loop, ``L = Σ outputs ⊙ R``."""
    step = STEPS[kind]
    inp, tags, nodes = x, [], []
    for l in range(layer.num_layers):
        y_f, hs_f = explicit_direction(step, inp, params_of(layer, l), lengths)
        tags.append(f"{kind}.l{l}.fwd")
        nodes.append(hs_f)
        if layer.bidirectional:
            y_b, hs_b = explicit_direction(step, flip_valid(inp, lengths), params_of(layer, l, True), lengths)
            tags.append(f"{kind}.l{l}.bwd")
            nodes.append(hs_b)  # processing order, as the engine records it
            inp = torch.cat((y_f, flip_valid(y_b, lengths)), -1)
        else:
            inp = y_f
    loss = (inp * R).sum()
    flat = [h for hs in nodes for h in hs]
    grads = torch.autograd.grad(loss, flat)
    out, i = {}, 0
    for tag, hs in zip(tags, nodes):
        out[tag] = torch.stack([g.norm(dim=-1) for g in grads[i:i + len(hs)]])
        i += len(hs)
    return out


def recorded_norms(layer, x, R, lengths=None):
    with GradFlowRecorder() as rec:
        y, _ = layer(x, lengths=lengths)
        (y * R).sum().backward()
    return rec


CASES = [
    ("LSTM", dict(num_layers=2), None),
    ("GRU", dict(bidirectional=True), None),
    ("ElmanRNN", dict(), None),
    ("LSTM", dict(bidirectional=True), [9, 6, 2]),
]


@pytest.mark.parametrize("kind,kw,lengths", CASES)
def test_recorded_norms_equal_autograd_dL_dh(kind, kw, lengths):
    torch.manual_seed(0)
    T, B, I, H = 9, 3, 4, 5
    layer = getattr(rnnkit, kind)(I, H, **kw)  # engine="auto": switched to the hand BPTT while recording
    lengths = torch.tensor(lengths) if lengths is not None else None
    x = torch.randn(T, B, I)
    R = torch.randn(T, B, layer.output_size)
    R[-1] *= 5  # a heavier loss at the end, so gradients flowing back from the future dominate
    expected = reference_grad_norms(layer, kind, x, R, lengths)
    rec = recorded_norms(layer, x, R, lengths)
    got = rec.norms
    assert sorted(got) == sorted(expected)
    valid = torch.ones(T, B, dtype=torch.bool) if lengths is None else torch.arange(T).unsqueeze(1) < lengths
    for tag in expected:
        assert got[tag].shape == (T, B)
        torch.testing.assert_close(got[tag][valid], expected[tag][valid], rtol=1e-9, atol=1e-12, msg=tag)
        # the comparison is sharp: the gradient of the step's own output alone, or a shift by one
        # step, would not pass it
        assert not torch.allclose(got[tag][:-1], expected[tag][1:], rtol=1e-3)
    fwd = f"{kind}.l0.fwd"
    local = R[..., :H].norm(dim=-1)
    assert not torch.allclose(got[fwd][valid], local[valid], rtol=1e-3)
    if layer.bidirectional:  # time order: the backward direction flipped back (valid part only)
        ordered = rec.time_ordered(lengths)
        bwd = f"{kind}.l0.bwd"
        torch.testing.assert_close(ordered[bwd][valid], flip_valid(got[bwd].unsqueeze(-1), lengths).squeeze(-1)[valid])
        torch.testing.assert_close(ordered[fwd], got[fwd])


def test_gradflow_name_sets_the_tag_and_nothing_is_recorded_outside():
    layer = rnnkit.GRU(2, 3)
    layer.gradflow_name = "encoder"
    x = torch.randn(4, 2, 2)
    with GradFlowRecorder() as rec:
        layer(x)[0].sum().backward()
    assert list(rec.norms) == ["encoder.l0.fwd"]
    rec2 = GradFlowRecorder()
    layer(x)[0].sum().backward()  # not inside: native engine, nothing recorded
    assert rec2.norms == {}


def test_recorder_sees_backward_run_in_another_thread():
    # CUDA runs backward in a device thread; the recorder must not be thread-local
    import threading

    layer = rnnkit.LSTM(2, 3)
    with GradFlowRecorder() as rec:
        y, _ = layer(torch.randn(5, 2, 2))
        t = threading.Thread(target=lambda: y.sum().backward())
        t.start()
        t.join()
    assert rec.norms["LSTM.l0.fwd"].shape == (5, 2)


# ------------------------------------------------------------------------------------ flags
def _last_step_norms(layer, T=40):
    x = torch.rand(T, 2, layer.input_size)
    with GradFlowRecorder() as rec:
        y, _ = layer(x)
        y[-1].sum().backward()  # many-to-one: the loss sits at the last step
    return rec.norms


def test_vanishing_flag_on_a_contracting_elman_rnn():
    torch.manual_seed(1)
    rnn = rnnkit.ElmanRNN(3, 8)
    with torch.no_grad():
        rnn.weight_hh_l0.mul_(0.3)
    s = summarize_gradient_flow(_last_step_norms(rnn))["ElmanRNN.l0.fwd"]
    assert s.flag == "vanishing" and s.ratio < VANISHING_RATIO and s.decay_per_step < 1


def test_exploding_flag_on_an_expanding_relu_rnn():
    rnn = rnnkit.ElmanRNN(3, 4, nonlinearity="relu")
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(1.5 * torch.eye(4))
        rnn.weight_ih_l0.fill_(0.5)
        rnn.bias_ih_l0.fill_(0.1)
    s = summarize_gradient_flow(_last_step_norms(rnn, T=30))["ElmanRNN.l0.fwd"]
    assert s.flag == "exploding" and s.ratio > EXPLODING_RATIO
    assert s.ratio == pytest.approx(1.5 ** 29, rel=1e-6)  # ReLU active everywhere: ‖∂L/∂h_0‖ = 1.5^29 ‖∂L/∂h_29‖


def test_summary_edge_cases_and_errors():
    s = summarize_gradient_flow({"a": torch.tensor([2.0, 2.0]), "b": torch.zeros(3, 2), "c": torch.ones(1, 4)})
    assert s["a"].flag == "ok" and s["a"].ratio == 1.0 and s["a"].decay_per_step == 1.0
    assert s["b"].flag == "no-gradient" and s["b"].to_dict()["ratio"] is None
    assert s["c"].steps == 1 and s["c"].decay_per_step == 1.0
    with pytest.raises(InputTypeError, match="norms"):
        summarize_gradient_flow([1, 2])
    with pytest.raises(ShapeError, match=r"norms\['x'\]"):
        summarize_gradient_flow({"x": torch.zeros(2, 2, 2)})


def test_plot_writes_a_png(tmp_path):
    layer = rnnkit.LSTM(2, 4, bidirectional=True)
    rec = recorded_norms(layer, torch.randn(6, 3, 2), torch.randn(6, 3, 8))
    path = plot_gradient_flow(rec.norms, tmp_path / "sub" / "flow.png", title="test")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    assert math.isfinite(summarize_gradient_flow(rec.norms)["LSTM.l0.bwd"].ratio)
