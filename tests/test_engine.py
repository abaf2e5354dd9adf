"""The hand-written BPTT against gradcheck, the reference path, and the layer-level contracts."""

import pytest
import torch

import rnnkit
from rnnkit.cells import get_cell
from rnnkit.engine import BPTTFunction, LoopOptions, flip_sequences, gradflow, last_valid, step_mask

T, B, H, I = 4, 3, 3, 2


def _inputs(cell, masked, bias):
    G = cell.num_gates * H
    xp = torch.randn(T, B, G, dtype=torch.float64, requires_grad=True)
    w = (0.5 * torch.randn(G, H, dtype=torch.float64)).requires_grad_()
    b = torch.randn(G, dtype=torch.float64, requires_grad=True) if bias and not cell.additive else None
    mask = step_mask(torch.tensor([4, 1, 3]), T) if masked else None
    s0 = tuple(torch.randn(B, H, dtype=torch.float64, requires_grad=True) for _ in cell.state_names)
    return xp, w, b, mask, s0


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("name", ["elman_tanh", "elman_relu", "lstm", "gru"])
def test_gradcheck_hand_bptt(name, masked):
    cell = get_cell(name)
    xp, w, b, mask, s0 = _inputs(cell, masked, bias=True)
    if name == "elman_relu":  # keep pre-activations away from the kink at 0, where relu is not differentiable
        with torch.no_grad():
            xp.add_(torch.sign(xp) * 0.5)
            w.mul_(0.1)
    opts = LoopOptions(cell)
    fn = lambda xp, w, *rest: BPTTFunction.apply(opts, xp, w, rest[0] if b is not None else None, mask,  # noqa: E731
                                                 *(rest[1:] if b is not None else rest))
    args = (xp, w, *([b] if b is not None else []), *s0)
    assert torch.autograd.gradcheck(fn, args, eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", ["elman_tanh", "lstm", "gru"])
def test_gradcheck_catches_a_wrong_backward(name, monkeypatch):
    """The check can fail: corrupt the cell's backward and gradcheck must notice."""
    cell = get_cell(name)
    xp, w, b, mask, s0 = _inputs(cell, False, bias=True)
    real = type(cell).backward

    def wrong(self, d_state, saved, params=()):
        d_xp, d_hp, direct, d_params = real(self, d_state, saved, params)
        return d_xp * 1.01, d_hp, direct, d_params

    monkeypatch.setattr(type(cell), "backward", wrong)
    args = (xp, w, *([b] if b is not None else []), *s0)
    opts = LoopOptions(cell)
    fn = lambda xp, w, *rest: BPTTFunction.apply(opts, xp, w, rest[0] if b is not None else None, None,  # noqa: E731
                                                 *(rest[1:] if b is not None else rest))
    assert not torch.autograd.gradcheck(fn, args, eps=1e-6, atol=1e-5, raise_exception=False)


@pytest.mark.parametrize("cls", [rnnkit.ElmanRNN, rnnkit.LSTM, rnnkit.GRU])
@pytest.mark.parametrize("batch_first", [False, True])
def test_step_api_equals_full_sequence(cls, batch_first):
    layer = cls(I, H, num_layers=2, batch_first=batch_first).double()
    x = torch.randn((B, T, I) if batch_first else (T, B, I), dtype=torch.float64)
    y_full, s_full = layer(x)
    state, ys = None, []
    for t in range(T):
        y_t, state = layer.step(x[:, t] if batch_first else x[t], state)
        ys.append(y_t)
    y_steps = torch.stack(ys, 1 if batch_first else 0)
    torch.testing.assert_close(y_steps, y_full)
    for a, b in zip(state if isinstance(state, tuple) else (state,), s_full if isinstance(s_full, tuple) else (s_full,)):
        torch.testing.assert_close(a, b)


def test_truncated_bptt_chunks_equal_full_forward():
    lstm = rnnkit.LSTM(I, H, engine="bptt").double()
    x = torch.randn(8, B, I, dtype=torch.float64)
    y_full, _ = lstm(x)
    state, outs = None, []
    for chunk in x.split(3, 0):
        y, state = lstm(chunk, state)
        state = tuple(s.detach() for s in state)
        outs.append(y)
    torch.testing.assert_close(torch.cat(outs, 0), y_full)


@pytest.mark.parametrize("merge", ["concat", "sum", "mul", "ave", "none"])
@pytest.mark.parametrize("engine", ["native", "bptt"])
def test_bidirectional_merge_modes_vs_manual(merge, engine):
    layer = rnnkit.GRU(I, H, bidirectional=True, merge=merge, engine=engine).double()
    concat = rnnkit.GRU(I, H, bidirectional=True, engine=engine).double()
    concat.load_state_dict(layer.state_dict())
    x = torch.randn(T, B, I, dtype=torch.float64)
    lengths = torch.tensor([4, 2, 3])
    y, _ = layer(x, lengths=lengths)
    full, _ = concat(x, lengths=lengths)
    f, b = full[..., :H], full[..., H:]
    expected = {"concat": full, "sum": f + b, "mul": f * b, "ave": (f + b) / 2, "none": (f, b)}[merge]
    if merge == "none":
        assert isinstance(y, tuple) and len(y) == 2
        torch.testing.assert_close(y[0], f)
        torch.testing.assert_close(y[1], b)
    else:
        torch.testing.assert_close(y, expected)


def test_reverse_direction_reads_only_the_valid_part():
    """The backward direction of a bidirectional layer equals a forward layer run on each sequence's
    valid part reversed; its final state is the state after reading the first valid step."""
    bi = rnnkit.LSTM(I, H, bidirectional=True, engine="bptt").double()
    rev = rnnkit.LSTM(I, H).double()
    rev.load_state_dict({k.replace("_reverse", ""): v for k, v in bi.state_dict().items() if "_reverse" in k})
    x = torch.randn(T, B, I, dtype=torch.float64)
    lengths = [4, 2, 3]
    y, (h, c) = bi(x, lengths=torch.tensor(lengths))
    for b, L in enumerate(lengths):
        yr, (hr, cr) = rev(x[:L, b : b + 1].flip(0))
        torch.testing.assert_close(y[:L, b, H:], yr[:, 0].flip(0))
        torch.testing.assert_close(h[1, b], hr[0, 0])
        assert torch.count_nonzero(y[L:, b]) == 0


@pytest.mark.parametrize("merge", ["concat", "sum", "none"])
def test_bidirectional_wrapper_vs_manual(merge):
    fwd = rnnkit.LSTM(I, H, num_layers=2, batch_first=True).double()
    bi = rnnkit.Bidirectional(fwd, merge=merge)
    x = torch.randn(B, T, I, dtype=torch.float64)
    lengths = torch.tensor([4, 2, 3])
    y, (h, c) = bi(x, lengths=lengths)
    assert h.shape == (4, B, H)
    yf, (hf, _) = fwd(x, lengths=lengths)
    flip = lambda a: flip_sequences(a.transpose(0, 1), lengths).transpose(0, 1)  # noqa: E731
    yb, (hb, _) = bi.backward_layer(flip(x), lengths=lengths)
    yb = flip(yb)
    torch.testing.assert_close(h, torch.cat((hf, hb)))
    if merge == "none":
        torch.testing.assert_close(y[0], yf)
        torch.testing.assert_close(y[1], yb)
    else:
        torch.testing.assert_close(y, torch.cat((yf, yb), -1) if merge == "concat" else yf + yb)
    assert not torch.equal(fwd.weight_hh_l0, bi.backward_layer.weight_hh_l0)  # its own weights


def test_flip_and_last_valid():
    x = torch.arange(12.0).view(4, 3, 1)
    lengths = torch.tensor([4, 1, 2])
    f = flip_sequences(x, lengths)
    torch.testing.assert_close(flip_sequences(f, lengths), x)
    assert f[:, 1, 0].tolist() == [1.0, 4.0, 7.0, 10.0]  # length 1: unchanged
    assert f[:, 2, 0].tolist() == [5.0, 2.0, 8.0, 11.0]
    assert last_valid(x, lengths)[:, 0].tolist() == [9.0, 1.0, 5.0]


class Accumulate(rnnkit.RecurrentCell):
    """A nested-input cell: {"x", "mask"} in, {"h", "count"} state."""

    def __init__(self, n_in, n_hidden):
        super().__init__()
        self.lin = torch.nn.Linear(n_in + n_hidden, n_hidden)

    def initial_state(self, batch_size, device=None, dtype=None):
        return {"h": torch.zeros(batch_size, self.lin.out_features, device=device, dtype=dtype),
                "count": torch.zeros(batch_size, 1, device=device, dtype=dtype)}

    def forward(self, inp, state):
        cand = torch.tanh(self.lin(torch.cat((inp["x"], state["h"]), -1)))
        h = inp["mask"] * cand + (1 - inp["mask"]) * state["h"]
        return (h, inp["mask"]), {"h": h, "count": state["count"] + inp["mask"]}


def test_custom_nested_cell_matches_manual_loop_and_masks():
    cell = Accumulate(I, H).double()
    layer = rnnkit.Recurrent(cell, batch_first=True)
    x = {"x": torch.randn(B, T, I, dtype=torch.float64),
         "mask": torch.randint(0, 2, (B, T, 1)).double()}
    lengths = torch.tensor([4, 2, 3])
    (y, m), state = layer(x, lengths=lengths)
    assert y.shape == (B, T, H) and m.shape == (B, T, 1)
    for b, L in enumerate(lengths.tolist()):
        s = cell.initial_state(1, dtype=torch.float64)
        for t in range(L):
            (yt, _), s = cell({"x": x["x"][b : b + 1, t], "mask": x["mask"][b : b + 1, t]}, s)
            torch.testing.assert_close(y[b, t], yt[0])
        torch.testing.assert_close(state["h"][b], s["h"][0])
        torch.testing.assert_close(state["count"][b], s["count"][0])
        assert torch.count_nonzero(y[b, L:]) == 0
    # gradients flow through the nested path
    y.sum().backward()
    assert cell.lin.weight.grad is not None and cell.lin.weight.grad.abs().sum() > 0


def test_gradflow_recorder_switches_auto_to_hand_engine():
    lstm = rnnkit.LSTM(I, H)
    x = torch.randn(T, B, I)
    with gradflow.GradFlowRecorder() as rec:
        y, _ = lstm(x)
        y.sum().backward()
    assert set(rec.norms) == {"LSTM.l0.fwd"}
    assert rec.norms["LSTM.l0.fwd"].shape == (T, B)
