"""The hand engines free each step's autograd graph: nothing of one train step (or of a forward whose
outputs are dropped) outlives it. Caught in the H200 run of 2026-12-04: the LayerNorm and peephole LSTM
kept every step's caches alive through a reference cycle (ctx -> last step's cache -> the returned final
state -> its grad_fn -> ctx), ~0.7 MB a step at (T50, B8, H32), and a captured train step then failed."""

import gc

import pytest
import torch

import rnnkit

pytestmark = pytest.mark.usefixtures("one_thread")

VARIANTS = {"plain": {}, "layer_norm": {"layer_norm": True}, "peephole": {"peephole": True},
            "zoneout": {"zoneout": 0.1}, "recurrent_dropout": {"recurrent_dropout": 0.2},
            "proj": {"proj_size": 3}, "gru": {}, "gru-layer_norm": {"layer_norm": True},
            "gru-zoneout": {"zoneout": 0.1}, "elman": {}}


def _live_tensors() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is torch.Tensor or isinstance(o, torch.nn.Parameter))


# The fused engine runs the same BPTTFunction with compiled steps (compiling costs seconds on CPU): one
# variant of it, the one that leaked.
@pytest.mark.parametrize("engine,variant", [("bptt", v) for v in VARIANTS] + [("fused", "peephole")])
def test_train_steps_leave_nothing_behind(engine, variant):
    torch.manual_seed(0)
    cls = rnnkit.GRU if variant.startswith("gru") else rnnkit.ElmanRNN if variant == "elman" else rnnkit.LSTM
    m = cls(4, 6, num_layers=1 if engine == "fused" else 2, **VARIANTS[variant])
    m.engine = engine
    x = torch.randn(7, 3, 4)
    lengths = torch.tensor([7, 4, 1])

    def step(**kw):
        m.zero_grad(set_to_none=True)
        out, state = m(x, **kw)
        (out.square().sum() + sum(s.sum() for s in state)).backward()

    for kw in ({}, {"lengths": lengths}):
        step(**kw)  # first call: lazy state (compiled steps, caches of the engine)
        before = _live_tensors()
        for _ in range(3):
            step(**kw)
        assert _live_tensors() == before, f"tensors survive the train steps ({variant}, {engine}, {kw and 'lengths'})"
        m(x, **kw)  # a forward under grad mode whose outputs are dropped (validation without no_grad)
        assert _live_tensors() == before
