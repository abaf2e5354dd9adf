"""Layers under ``torch.autocast`` (bfloat16 on CPU): every engine runs, the hand engines compute in the
autocast dtype, gradients land on the float32 parameters and stay close to the float32 ones, and an
autocast state fed back into the next call is accepted (as torch.nn.LSTM accepts it)."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.errors import InputTypeError

BF16 = torch.bfloat16


def _run(layer, x, state=None, lengths=None):
    with torch.autocast("cpu", dtype=BF16):
        out, st = layer(x, state, lengths=lengths)
    return out, st


def _grads(layer):
    return {n: p.grad.detach().clone() for n, p in layer.named_parameters()}


CASES = [
    ("lstm", {}, "bptt"),
    ("gru", {}, "bptt"),
    ("elman_tanh", {}, "reference"),
    ("lstm", {"layer_norm": True, "peephole": True}, "bptt"),
    ("gru", {"zoneout": 0.2}, "bptt"),
    ("lstm", {}, "native"),
]


@pytest.mark.parametrize("cell,kw,engine", CASES)
def test_autocast_bf16_matches_float32(cell, kw, engine):
    torch.manual_seed(0)
    layer = rnnkit.RecurrentLayer(cell, 6, 16, num_layers=2, engine=engine, **kw).train(False)
    x = torch.randn(12, 4, 6)
    lengths = torch.tensor([12, 9, 5, 12]) if engine != "native" else None
    out32, st32 = layer(x, lengths=lengths)
    (out32.float().square().mean()).backward()
    g32 = _grads(layer)
    layer.zero_grad()
    out16, st16 = _run(layer, x, lengths=lengths)
    assert out16.dtype == BF16
    (out16.float().square().mean()).backward()
    for name, p in layer.named_parameters():
        assert p.grad is not None and p.grad.dtype == torch.float32, name
        scale = g32[name].abs().max().clamp_min(1e-3)
        assert (p.grad - g32[name]).abs().max() / scale < 0.1, name
    assert (out16.float() - out32).abs().max() < 0.05
    # feeding the bf16 state back under autocast works and continues the sequence
    state = st16 if isinstance(st16, tuple) else (st16,)
    assert all(s.dtype == BF16 for s in state)
    out_next, _ = _run(layer, x[:3], st16)
    ref_next, _ = layer(x[:3], st32)
    assert (out_next.float() - ref_next).abs().max() < 0.1


def test_autocast_state_outside_autocast_is_a_dtype_error():
    layer = rnnkit.LSTM(3, 5, engine="bptt")
    x = torch.randn(4, 2, 3)
    _, st = _run(layer, x)
    with pytest.raises(InputTypeError, match="state"):
        layer(x, st)


def test_autocast_backward_through_bptt_returns_float32_input_grad():
    layer = rnnkit.GRU(3, 8, engine="bptt")
    x = torch.randn(7, 2, 3, requires_grad=True)
    out, _ = _run(layer, x)
    out.float().sum().backward()
    assert x.grad is not None and x.grad.dtype == torch.float32 and torch.isfinite(x.grad).all()


@pytest.mark.parametrize("cls", [rnnkit.MinGRU, rnnkit.MinLSTM])
def test_autocast_scan_layers(cls):
    torch.manual_seed(0)
    layer = cls(6, 16, num_layers=2)
    x = torch.randn(40, 3, 6)
    lengths = torch.tensor([40, 17, 33])
    out32, st32 = layer(x, lengths=lengths)
    out32.square().mean().backward()
    g32 = _grads(layer)
    layer.zero_grad()
    out16, st16 = _run(layer, x, lengths=lengths)
    assert out16.dtype == BF16 and st16.dtype == BF16
    out16.float().square().mean().backward()
    for name, p in layer.named_parameters():
        assert p.grad.dtype == torch.float32
        assert (p.grad - g32[name]).abs().max() / g32[name].abs().max().clamp_min(1e-3) < 0.1, name
    assert (out16.float() - out32).abs().max() < 0.05
    out_next, _ = _run(layer, x[:5], st16)  # the bf16 state is accepted under autocast
    assert (out_next.float() - layer(x[:5], st32)[0]).abs().max() < 0.1
