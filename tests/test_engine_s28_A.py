"""Session 28, helper A: torch.compile of a layer whose engine is "fused" (the step itself compiled), a case of
helper A's torch.compile sweep (every engine and scan x backend x lengths x state, against eager outputs and
gradients)."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.engine import fused


@pytest.fixture
def eager_fused(monkeypatch):
    """The fused engine's own step compile with the eager backend (no inductor compile in tests), its cache clean."""
    monkeypatch.setattr(fused, "_compile", lambda fn: torch.compile(fused._fresh(fn), fullgraph=True, dynamic=False,
                                                                    backend="eager"))
    fused.clear_cache()
    yield
    fused.clear_cache()
    torch._dynamo.reset()


@pytest.mark.parametrize("backend", ["aot_eager"])
@pytest.mark.parametrize("make", [lambda: rnnkit.GRU(3, 4, engine="fused", dtype=torch.float64),
                                  lambda: rnnkit.ElmanRNN(3, 4, bidirectional=True, engine="fused",
                                                          dtype=torch.float64)], ids=["gru", "elman_bi"])
def test_compiling_a_fused_layer_after_an_eager_call_equals_eager(eager_fused, make, backend):
    """torch.compile(layer) of an engine="fused" layer that had run once was dynamo's InternalTorchDynamoError ("An
    intermediate tensor 'w_hh' created inside a higher-order op subgraph aliases an input or output") at 9e7b5a7: the
    cached compiled step was called inside the outer trace. Now the outer compile traces the eager step."""
    torch.manual_seed(0)
    layer = make()
    x = torch.randn(6, 3, 3, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([6, 2, 4])
    want = layer(x, lengths=lengths)[0]
    g_want = torch.autograd.grad(want.square().sum(), [x, *layer.parameters()])
    got = torch.compile(layer, backend=backend)(x, lengths=lengths)[0]
    g_got = torch.autograd.grad(got.square().sum(), [x, *layer.parameters()])
    assert torch.allclose(got, want, atol=1e-12)
    for a, b in zip(g_got, g_want):
        assert torch.allclose(a, b, atol=1e-10)
    assert fused.cache_info()["fallbacks"] == 0
