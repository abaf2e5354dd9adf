"""Session 29, helper P: the hand-written BPTT engine's forward without autograd's bookkeeping where no gradient can
flow (torch.no_grad(), inference mode, nothing requiring grad) -- the same numbers, bit for bit, as the recorded call,
and no BPTTFunction built (each step's cache was taken apart and saved for a backward that could not come)."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.cells.base import CellMath
from rnnkit.engine import bptt

torch.set_num_threads(1)

CASES = [
    ("lstm", {}),
    ("gru", {}),
    ("elman", {}),
    ("elman_relu", {"num_layers": 2, "bidirectional": True}),
    ("lstm", {"layer_norm": True}),
    ("lstm", {"peephole": True, "proj_size": 3}),
    ("gru", {"zoneout": 0.3}),                       # eval: the rate as the keep fraction
    ("lstm", {"recurrent_dropout": 0.2, "checkpoint_steps": 2}),
    ("gru", {"layer_norm": True, "bidirectional": True, "merge": "sum"}),
]


def _pair(cell, kw, dtype):
    torch.manual_seed(0)
    layer = rnnkit.make_layer(cell, 4, 5, engine="bptt", dtype=dtype, **kw).eval()
    x = torch.randn(6, 3, 4, dtype=dtype)
    return layer, x


def _flat(out, state):
    out = out if isinstance(out, tuple) else (out,)
    state = state if isinstance(state, tuple) else (state,)
    return [t.detach() for t in (*out, *state)]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("cell,kw", CASES)
def test_no_grad_forward_equals_the_recorded_call_bit_for_bit(cell, kw, dtype):
    layer, x = _pair(cell, kw, dtype)
    lengths = torch.tensor([6, 2, 4])
    for lens in (None, lengths):
        recorded = _flat(*layer(x.clone().requires_grad_(), lengths=lens))
        assert recorded[0].requires_grad is False   # detached copies
        with torch.no_grad():
            plain = _flat(*layer(x, lengths=lens))
        with torch.inference_mode():
            inference = _flat(*layer(x, lengths=lens))
        for a, b, c in zip(recorded, plain, inference):
            assert a.dtype == b.dtype == c.dtype
            assert torch.equal(a, b) and torch.equal(a, c)


@pytest.fixture
def no_function(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("BPTTFunction built for a call no gradient can flow from")
    monkeypatch.setattr(bptt.BPTTFunction, "apply", refuse)


def test_no_grad_call_builds_no_autograd_function(no_function):
    layer, x = _pair("lstm", {"zoneout": 0.1}, torch.float32)
    h0 = layer.initial_state(3)
    with torch.no_grad():
        y, (h, c) = layer(x, (h0[0], h0[1]))
        y_t, _ = layer.step(x[0], (h, c))
    assert y.shape == (6, 3, 5) and y_t.shape == (3, 5)


def test_frozen_layer_on_plain_input_builds_no_autograd_function(no_function):
    layer, x = _pair("gru", {"layer_norm": True}, torch.float32)
    layer.requires_grad_(False)
    y, h = layer(x)                    # grad mode on, nothing requires grad
    assert not y.requires_grad and not h.requires_grad


def test_a_call_that_records_still_goes_through_the_function(monkeypatch):
    calls = []
    apply = bptt.BPTTFunction.apply

    def counting(*args):
        calls.append(1)
        return apply(*args)
    monkeypatch.setattr(bptt.BPTTFunction, "apply", counting)
    layer, x = _pair("gru", {}, torch.float32)
    layer.requires_grad_(False)
    y, _ = layer(x.requires_grad_())   # only the input requires grad: its gradient must still come back
    y.sum().backward()
    assert calls and x.grad is not None and torch.isfinite(x.grad).all()


def test_the_no_grad_state_is_not_the_callers_tensor():
    """A final state handed back must never be the caller's h0 (an in-place change of one would change the other);
    the Function cloned it, the plain loop does too."""
    class Identity(CellMath):
        name, num_gates, state_names, additive = "identity_s29_p", 1, ("h",), False

        def forward(self, xp, hp, state, params=()):
            return state, ()

    from rnnkit.engine.step import LoopOptions
    h0 = torch.randn(2, 3)
    xp = torch.randn(4, 2, 3)
    with torch.no_grad():
        out, (h,) = bptt.run_bptt(LoopOptions(Identity()), xp, torch.zeros(3, 3), torch.zeros(3), None, (), (h0,))
    assert h is not h0 and torch.equal(h, h0) and h.data_ptr() != h0.data_ptr()


def test_fused_no_grad_forward_equals_its_recorded_call():
    """The fused engine's compiled step, called outside the Function (inputs detached as inside it): the same bits as
    the recorded call."""
    torch.manual_seed(0)
    layer = rnnkit.LSTM(4, 8, engine="fused", zoneout=0.1).eval()
    x = torch.randn(5, 3, 4)
    recorded = _flat(*layer(x.clone().requires_grad_()))
    with torch.no_grad():
        plain = _flat(*layer(x))
    assert all(torch.equal(a, b) for a, b in zip(recorded, plain))
