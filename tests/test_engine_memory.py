"""The hand engines free each step's autograd graph: nothing of one train step (or of a forward whose
outputs are dropped) outlives it. Caught in the H200 run of 2026-12-04: the LayerNorm and peephole LSTM
kept every step's caches alive through a reference cycle (ctx -> last step's cache -> the returned final
state -> its grad_fn -> ctx), ~0.7 MB a step at (T50, B8, H32). The check: weak references to every
tensor BPTTFunction returned must be dead once the step's frames are gone (the cycle ran through a C++
node, so not even gc.collect() freed them)."""

import gc
import weakref

import pytest
import torch

import rnnkit
from rnnkit.engine.bptt import BPTTFunction

pytestmark = pytest.mark.usefixtures("one_thread")

VARIANTS = {"plain": {}, "layer_norm": {"layer_norm": True}, "peephole": {"peephole": True},
            "zoneout": {"zoneout": 0.1}, "recurrent_dropout": {"recurrent_dropout": 0.2},
            "proj": {"proj_size": 3}, "gru": {}, "gru-layer_norm": {"layer_norm": True},
            "gru-zoneout": {"zoneout": 0.1}, "elman": {}}


# The fused engine runs the same BPTTFunction with compiled steps (compiling costs seconds on CPU): one
# variant of it, the one that leaked.
@pytest.mark.parametrize("engine,variant", [("bptt", v) for v in VARIANTS] + [("fused", "peephole")])
def test_train_steps_leave_nothing_behind(engine, variant, monkeypatch):
    returned = []
    apply = BPTTFunction.apply

    def spy(*args):  # weak references to what the Function hands back (the layer stacks or copies some)
        out = apply(*args)
        returned.extend(weakref.ref(t) for t in out if isinstance(t, torch.Tensor))
        return out

    monkeypatch.setattr(BPTTFunction, "apply", spy)
    torch.manual_seed(0)
    cls = rnnkit.GRU if variant.startswith("gru") else rnnkit.ElmanRNN if variant == "elman" else rnnkit.LSTM
    m = cls(4, 6, num_layers=1 if engine == "fused" else 2, **VARIANTS[variant])
    m.engine = engine
    x = torch.randn(7, 3, 4)
    lengths = torch.tensor([7, 4, 1])

    def step(backward=True, **kw):
        m.zero_grad(set_to_none=True)
        out, state = m(x, **kw)
        if backward:
            (out.square().sum() + sum(s.sum() for s in state)).backward()

    for kw in ({}, {"lengths": lengths}):
        returned.clear()
        for _ in range(2):
            step(**kw)
        step(backward=False, **kw)  # a forward whose outputs are dropped (validation without no_grad)
        gc.collect()
        alive = sum(r() is not None for r in returned)
        assert returned and alive == 0, (f"{alive} of {len(returned)} tensors BPTTFunction returned outlive their "
                                         f"step ({variant}, {engine}, {kw and 'lengths'})")
