"""An initial state modified in place after the call, before the backward (session 25, T).

Before: the hand-written BPTT (engine ``"bptt"`` / ``"fused"``) kept the initial state in step 0's cache (a ctx
attribute, which autograd's version check does not see), so ``h0.mul_(3)`` between the forward and the backward
(a state buffer reused, an RL reset of a row) gave other weight gradients, silently (GRU's h0: 4-13 off, LSTM's
c0: 0.2-1.9). torch.nn and the autograd loop raise autograd's "modified by an inplace operation" there; the hand
engine now computes the gradients of the call that ran (it reads a copy). Oracle: the same call's gradients
without the modification, which equal torch.nn's (``to_torch``).
"""

import pytest
import torch

import rnnkit

torch.set_num_threads(1)

CASES = [("gru", 0, {}), ("gru", 0, {"checkpoint_steps": 2}), ("lstm", 1, {}), ("lstm", 1, {"checkpoint_steps": 2}),
         ("lstm", 0, {}), ("elman", 0, {})]
KINDS = {"lstm": rnnkit.LSTM, "gru": rnnkit.GRU, "elman": rnnkit.ElmanRNN}


def _grads(layer, x, state, lengths, modify=None):
    y, final = layer(x, state, lengths=lengths)
    finals = final if isinstance(final, tuple) else (final,)
    loss = y.pow(2).sum() + sum(f.pow(2).sum() for f in finals)
    if modify is not None:
        with torch.no_grad():
            modify.mul_(3.0)
    return torch.autograd.grad(loss, list(layer.parameters()))


@pytest.mark.parametrize("engine", ["bptt", "fused"])
@pytest.mark.parametrize("lengths", [None, [5, 2]], ids=["full", "lengths"])
@pytest.mark.parametrize("kind,which,kw", CASES, ids=[f"{k}-s{w}-{'ckpt' if kw else 'plain'}" for k, w, kw in CASES])
def test_the_gradients_are_those_of_the_call_that_ran(kind, which, kw, engine, lengths):
    torch.manual_seed(0)
    layer = KINDS[kind](3, 4, num_layers=2, bidirectional=True, engine=engine, **kw)
    lens = None if lengths is None else torch.tensor(lengths)
    x = torch.randn(5, 2, 3)
    parts = [torch.randn(4, 2, 4) for _ in range(2 if kind == "lstm" else 1)]
    pack = lambda ps: tuple(ps) if kind == "lstm" else ps[0]  # noqa: E731
    want = _grads(layer, x, pack(parts), lens)
    if not kw:
        module = layer.to_torch()
        y, final = module(x, pack(parts)) if lens is None else (None, None)
        if y is not None:
            finals = final if isinstance(final, tuple) else (final,)
            ref = torch.autograd.grad(y.pow(2).sum() + sum(f.pow(2).sum() for f in finals), list(module.parameters()))
            assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(want, ref))
    mine = [p.clone() for p in parts]
    got = _grads(layer, x, pack(mine), lens, modify=mine[which])
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(got, want))
