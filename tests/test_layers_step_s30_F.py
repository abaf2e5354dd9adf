"""Session 30, helper F: ``layer.step`` runs torch's one-step cell kernel (``torch.gru_cell``, ``torch.rnn_tanh_cell``,
``torch.lstm_cell``) where it gives the bits the sequence kernel gives on that step: the step cost 1.2-3x more than
the cell at small sizes (torch's sequence call on one step). The result must stay the one of 8119a0d bit for bit:
the sequence call on the one step, which is what ``_old_step`` computes."""

from __future__ import annotations

import itertools

import pytest
import torch

import rnnkit
from rnnkit.engine import native

torch.set_num_threads(1)

LAYERS = {"gru": rnnkit.GRU, "lstm": rnnkit.LSTM, "elman": rnnkit.ElmanRNN}


def _old_step(layer, x_t, state):
    """``layer.step`` as at 8119a0d: the sequence call on one step."""
    batched = x_t.dim() == 2
    out, new = layer.forward(x_t.unsqueeze(1 if layer.batch_first and batched else 0), state)
    return out.squeeze(1 if layer.batch_first and batched else 0), new


def _flat(state):
    return state if isinstance(state, tuple) else (state,)


def _equal(a, b):
    (ya, sa), (yb, sb) = a, b
    return torch.equal(ya, yb) and len(_flat(sa)) == len(_flat(sb)) and all(
        torch.equal(p, q) for p, q in zip(_flat(sa), _flat(sb)))


CASES = list(itertools.product(("gru", "elman", "lstm"), (torch.float32, torch.float64), (1, 5), (1, 2),
                               (True, False), (True, False)))


@pytest.mark.parametrize("cell,dtype,B,L,batch_first,bias", CASES)
def test_step_is_bitwise_the_sequence_call_on_one_step(cell, dtype, B, L, batch_first, bias):
    """Over 6 steps from None and from a given state, batched and unbatched, strided and contiguous x_t: every
    output and state bit for bit what the sequence call on that step gives (``step`` at 8119a0d)."""
    torch.manual_seed(B + L)
    kw = {"nonlinearity": "relu"} if cell == "elman" and bias else {}
    layer = LAYERS[cell](7, 16, num_layers=L, batch_first=batch_first, bias=bias, **kw).to(dtype).eval()
    x = torch.randn(B, 6, 7, dtype=dtype)            # x[:, t] is strided, x[:, t].contiguous() is not
    with torch.no_grad():
        for given in (None, layer.initial_state(B)):
            s_new = s_old = given
            for t in range(6):
                for x_t in (x[:, t], x[:, t].contiguous(), x[0, t]):
                    state = s_new if x_t.dim() == 2 else None
                    new, old = layer.step(x_t, state), _old_step(layer, x_t, state)
                    assert _equal(new, old), (t, x_t.shape, x_t.is_contiguous())
                s_new, s_old = layer.step(x[:, t], s_new)[1], _old_step(layer, x[:, t], s_old)[1]
                assert all(torch.equal(p, q) for p, q in zip(_flat(s_new), _flat(s_old)))


def _sequence_calls(monkeypatch):
    calls = []
    real = native._run
    monkeypatch.setattr(native, "_run", lambda *a: calls.append(a[0]) or real(*a))
    return calls


@pytest.mark.parametrize("cell,dtype", [("gru", torch.float32), ("elman", torch.float32), ("lstm", torch.float64)])
def test_step_runs_the_cell_kernel_not_the_sequence_call(cell, dtype, monkeypatch):
    """The cost: a GRU/Elman step, and an LSTM's where torch's sequence kernel is not oneDNN's, no longer calls
    torch's sequence kernel (at 8119a0d it did, 1.2-3x the cell kernel's time at B1)."""
    layer = LAYERS[cell](4, 8, num_layers=2).to(dtype)
    calls = _sequence_calls(monkeypatch)
    with torch.no_grad():
        layer.step(torch.randn(3, 4, dtype=dtype))
    assert calls == []


@pytest.mark.skipif(not torch.backends.mkldnn.is_available(), reason="torch built without oneDNN")
def test_float32_lstm_step_stays_on_the_sequence_kernel(monkeypatch):
    """A float32 LSTM on CPU: torch's sequence kernel is oneDNN's, whose gates differ from ``torch.lstm_cell``'s in
    the last bit (up to ~6e-7 at H512), so step keeps calling it: equal to the sequence call, not faster."""
    layer = rnnkit.LSTM(4, 8)
    calls = _sequence_calls(monkeypatch)
    with torch.no_grad():
        layer.step(torch.randn(3, 4))
    assert calls == ["lstm"]


@pytest.mark.parametrize("setup", ["training_dropout", "proj", "bptt", "reference", "autocast", "subclass"])
def test_step_falls_back_where_the_cell_kernel_would_differ(setup, monkeypatch):
    """Dropout between layers in training, a projection, a hand engine, autocast, a subclass's own forward: the
    sequence path (the same bits as before), not the cell kernel."""
    kw = {"proj_size": 3} if setup == "proj" else {"dropout": 0.5} if setup == "training_dropout" else {}
    cls = rnnkit.LSTM if setup == "proj" else rnnkit.GRU
    if setup == "subclass":
        cls = type("Doubled", (rnnkit.GRU,), {"forward": lambda self, x, s=None: rnnkit.GRU.forward(self, 2 * x, s)})
    dtype = torch.float32 if setup == "autocast" else torch.float64
    layer = cls(4, 8, num_layers=2, **kw).to(dtype)
    if setup in ("bptt", "reference"):
        layer.engine = setup
    x = torch.randn(3, 4, dtype=dtype)
    calls = _sequence_calls(monkeypatch)
    results = []
    for step in (layer.step, lambda x_t: _old_step(layer, x_t, None)):
        torch.manual_seed(0)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=setup == "autocast"), torch.no_grad():
            results.append(step(x))
    assert _equal(*results)
    assert len(calls) == (0 if setup in ("bptt", "reference") else 2)   # the step's call, then _old_step's


def test_step_gradients_equal_the_sequence_calls():
    """Recorded (training, weights requiring grad): the gradients of two steps' outputs equal those through the
    sequence call on each step (float64, to rounding)."""
    torch.manual_seed(1)
    layer = rnnkit.GRU(4, 8, num_layers=2).double()
    xs = torch.randn(2, 3, 4, dtype=torch.float64)
    grads = []
    for step in (layer.step, lambda x, s: _old_step(layer, x, s)):
        layer.zero_grad()
        y1, s = step(xs[0], None)
        y2, s = step(xs[1], s)
        (y1.square().sum() + y2.sum() + s.sum()).backward()
        grads.append([p.grad.clone() for p in layer.parameters()])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("state", [torch.zeros(1, 3, 8), torch.zeros(2, 3, 8, dtype=torch.float64), [1.0],
                                   torch.zeros(2, 8), torch.zeros(2, 3, 8).to_sparse(), (torch.zeros(2, 3, 8),)])
def test_step_checks_unchanged(state):
    """The fast path checks the state as the sequence call does: the same typed error, word for word."""
    layer = rnnkit.GRU(4, 8, num_layers=2)
    errors = []
    for step in (layer.step, lambda x, s: _old_step(layer, x, s)):
        with pytest.raises(rnnkit.errors.RnnkitError) as e:
            step(torch.randn(3, 4), state)
        errors.append((type(e.value), str(e.value)))
    assert errors[0] == errors[1]
    assert errors[0][1].startswith("state")
