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
    ("gru", {}, "native"),
    ("elman_relu", {}, "native"),
]


@pytest.mark.parametrize("cell,kw,engine", CASES)
def test_autocast_bf16_matches_float32(cell, kw, engine):
    torch.manual_seed(0)
    layer = rnnkit.RecurrentLayer(cell, 6, 16, num_layers=2, engine=engine, **kw).train(False)
    x = torch.randn(12, 4, 6)
    lengths = torch.tensor([12, 9, 5, 12])
    out32, st32 = layer(x, lengths=lengths)
    (out32.float().square().mean()).backward()
    g32 = _grads(layer)
    layer.zero_grad()
    out16, st16 = _run(layer, x, lengths=lengths)
    # torch.nn.GRU on CPU keeps the input's dtype under autocast (session 28); the other cells compute in bf16
    want = torch.float32 if cell == "gru" else BF16
    assert out16.dtype == want
    (out16.float().square().mean()).backward()
    for name, p in layer.named_parameters():
        assert p.grad is not None and p.grad.dtype == torch.float32, name
        scale = g32[name].abs().max().clamp_min(1e-3)
        assert (p.grad - g32[name]).abs().max() / scale < 0.1, name
    assert (out16.float() - out32).abs().max() < 0.05
    # feeding the bf16 state back under autocast works and continues the sequence
    state = st16 if isinstance(st16, tuple) else (st16,)
    assert all(s.dtype == want for s in state)
    out_next, _ = _run(layer, x[:3], st16)
    ref_next, _ = layer(x[:3], st32)
    assert (out_next.float() - ref_next).abs().max() < 0.1


@pytest.mark.parametrize("with_lengths", [False, True], ids=["full", "lengths"])
@pytest.mark.parametrize("kind", ["LSTM", "RNN"])   # GRU: tests/test_layers_s28_A.py (torch keeps float32)
def test_native_cpu_autocast_is_torch_kernel_on_bf16_copies(kind, with_lengths):
    """On CPU, engine "native" under autocast runs torch's own kernel on bf16 copies of the input, state
    and weights -- whichever kernel torch picks for bf16 tensors on this CPU (oneDNN where it has
    AVX512-BF16, ATen's elsewhere; ``torch.nn.LSTM`` itself under CPU autocast fails without it). So the
    result is exactly a bf16 torch.nn module's, on every CPU, with float32 gradients on the parameters."""
    torch.manual_seed(0)
    ref = getattr(torch.nn, kind)(6, 16, num_layers=2)
    layer = rnnkit.from_torch(ref)
    assert layer._pick_engine() == "native"
    bf = getattr(torch.nn, kind)(6, 16, num_layers=2).to(BF16)
    bf.load_state_dict({k: v.to(BF16) for k, v in ref.state_dict().items()})
    x = torch.randn(12, 4, 6)
    lengths = torch.tensor([12, 9, 5, 12]) if with_lengths else None
    out, st = _run(layer, x, lengths=lengths)
    xb = x.to(BF16)
    if lengths is None:
        want, want_st = bf(xb)
    else:
        packed = torch.nn.utils.rnn.pack_padded_sequence(xb, lengths, enforce_sorted=False)
        want, want_st = bf(packed)
        want = torch.nn.utils.rnn.pad_packed_sequence(want, total_length=12)[0]
    for a, b in zip((out, *(st if isinstance(st, tuple) else (st,))),
                    (want, *(want_st if isinstance(want_st, tuple) else (want_st,)))):
        assert a.dtype == BF16 and torch.equal(a, b)
    out.float().square().mean().backward()
    want.float().square().mean().backward()
    for (name, p), q in zip(layer.named_parameters(), bf.parameters()):
        assert p.grad.dtype == torch.float32 and torch.equal(p.grad, q.grad.float()), name


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
