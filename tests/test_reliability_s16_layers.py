"""Session 16's reliability sweep (helper S): layers, engines, training, bench.

Each test fails on the code before its fix (checked with ``git archive 9c8588f src``, PYTHONPATH).
"""

from __future__ import annotations

import warnings

import pytest
import torch

import rnnkit
from rnnkit.errors import InputTypeError

LAYER_KWARGS = [("lstm", {"engine": "bptt"}), ("lstm", {"engine": "fused"}), ("lstm", {"engine": "reference"}),
                ("lstm", {}), ("gru", {"engine": "bptt"}), ("gru", {}), ("elman", {"engine": "bptt"}),
                ("mingru", {}), ("minlstm", {"scan": "chunked"}), ("lstm", {"engine": "bptt", "proj_size": 2})]


def _inference_state(layer, batch):
    with torch.inference_mode():
        st = layer.initial_state(batch)
        return tuple(torch.randn_like(s) for s in st) if isinstance(st, tuple) else torch.randn_like(st)


# ------------------------------------------------------------------ a state made under torch.inference_mode()
def _layer_input_and_inference_state(name, kw):
    """A float64 layer, an input (T5, B2, I3) and a state made under inference mode, from seed 0."""
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = rnnkit.make_layer(name, 3, 4, dtype=torch.float64, **kw)
    return layer, torch.randn(5, 2, 3, dtype=torch.float64), _inference_state(layer, 2)


@pytest.mark.parametrize("name,kw", LAYER_KWARGS)
def test_a_state_made_in_inference_mode_is_refused_in_training_by_every_engine(name, kw):
    """torch.nn refuses it ("Inference tensors cannot be saved for backward"); ours failed so in some engines
    (native, reference, the scans) and silently ran in others (bptt, fused, native with lengths): the same
    call passed or failed by engine. Now every engine raises one InputTypeError naming `state`."""
    layer, x, st = _layer_input_and_inference_state(name, kw)
    for lengths in (None, torch.tensor([5, 3])):
        with pytest.raises(InputTypeError, match=r"^state( \(h\))?: expected a tensor autograd can record.*inference"):
            layer(x, state=st, lengths=lengths)
    if hasattr(layer, "step"):
        with pytest.raises(InputTypeError, match=r"^state( \(h\))?: expected"):
            layer.step(x[0], st)


@pytest.mark.parametrize("name,kw", [LAYER_KWARGS[i] for i in (0, 2, 7)])   # (fused: bptt compiled, 15 s)
def test_a_state_made_in_inference_mode_still_serves_calls_autograd_does_not_record(name, kw):
    """Where torch.nn takes it -- under no_grad, in inference mode, a frozen layer on an input without grad --
    ours takes it too, with the outputs of the same state as an ordinary tensor."""
    layer, x, st = _layer_input_and_inference_state(name, kw)
    plain = tuple(s.clone() for s in st) if isinstance(st, tuple) else st.clone()
    with torch.no_grad():
        want = layer(x, state=plain)[0]
        assert torch.equal(layer(x, state=st)[0], want)
    with torch.inference_mode():
        assert torch.equal(layer(x, state=st)[0], want)
    layer.requires_grad_(False)
    assert torch.equal(layer(x, state=st)[0], want)


# ------------------------------------------------------------------ the autograd loops are linear in T
class _CountWrites:
    """Elements of every tensor the aten ops write while open (a dispatch mode): the work of a backward."""

    def __enter__(self):
        from torch.utils._python_dispatch import TorchDispatchMode

        counter = self

        class Mode(TorchDispatchMode):
            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                out = func(*args, **(kwargs or {}))
                for t in (out if isinstance(out, (tuple, list)) else (out,)):
                    if isinstance(t, torch.Tensor):
                        counter.elements += t.numel()
                return out

        self.elements, self._mode = 0, Mode()
        self._mode.__enter__()
        return self

    def __exit__(self, *exc):
        self._mode.__exit__(*exc)


def _backward_writes(run, T):
    """Elements written by the backward of ``run(x)`` with ``x`` of T steps, per element of x."""
    torch.manual_seed(0)
    x = torch.randn(T, 2, 3, dtype=torch.float64, requires_grad=True)
    loss = run(x).pow(2).sum()
    with _CountWrites() as c:
        loss.backward()
    return c.elements / x.numel()


class _Tanh(rnnkit.RecurrentCell):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(7, 4, dtype=torch.float64)

    def initial_state(self, batch_size, device=None, dtype=None):
        return torch.zeros(batch_size, 4, device=device, dtype=dtype)

    def forward(self, x_t, h):
        h = torch.tanh(self.lin(torch.cat([x_t, h], -1)))
        return h, h


@pytest.mark.parametrize("kind", ["reference", "reference-lengths", "nested"])
def test_the_autograd_loops_backward_is_linear_in_the_number_of_steps(kind):
    """engine='reference' (the oracle and the benchmarks' 'autograd loop') and Recurrent read step t as xp[t]:
    autograd's backward of indexing writes a zero tensor of the whole sequence's size for every step, so the
    backward was quadratic in T (LSTM H=32 B=16: T=500 1.4 s, T=2000 35 s; T=20000 with lengths all 1: 720 s).
    Measured as work, not time: the elements the backward writes per element of x, at T=50 and T=200, must stay
    the same (linear), not grow with T (quadratic: x3.4 here before). Gradients are checked against torch.nn /
    bptt elsewhere."""
    if kind == "nested":
        layer = rnnkit.Recurrent(_Tanh())
        run = lambda x: layer(x)[0]   # noqa: E731
    else:
        layer = rnnkit.LSTM(3, 4, engine="reference", dtype=torch.float64)
        lengths = (lambda x: torch.tensor([x.shape[0], 1])) if kind.endswith("lengths") else (lambda x: None)
        run = lambda x: layer(x, lengths=lengths(x))[0]   # noqa: E731
    short, long = _backward_writes(run, 50), _backward_writes(run, 200)
    assert long / short < 1.3, (short, long)


# ------------------------------------------------------------------ rnnkit bench's memory estimate
_PEAK = r"""
import json, sys, warnings
import torch
warnings.simplefilter("ignore")
torch.set_num_threads(1)
from rnnkit.bench.harness import train_step
from rnnkit.bench.suite import VARIANTS

def status(key):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith(key))

variant, columns = sys.argv[1], sys.argv[2].split(",")
B, T, I, H = map(int, sys.argv[3].split(","))
v = VARIANTS[variant]
warm = [v.build_baseline(I, H) if c == "torch.nn" else v.build(I, H, c) for c in columns]
for m in warm:   # lazy initialisation (oneDNN, autograd) is no part of what a step keeps
    train_step(m, torch.randn(2, B, I))
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
base = status("VmRSS")
torch.manual_seed(0)
models = [v.build_baseline(I, H) if c == "torch.nn" else v.build(I, H, c) for c in columns]
x = torch.randn(T, B, I)
for m in models:
    train_step(m.train(), x)
print(json.dumps(status("VmHWM") - base))
"""


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/clear_refs"), reason="needs Linux /proc")
@pytest.mark.parametrize("variant,columns,shape", [
    ("lstm-layernorm", "torch.nn,auto,reference", "1,800,3,4"),     # each step's Python objects
    ("lstm-layernorm", "torch.nn,auto,reference", "16,200,32,32"),   # the numbers a step keeps
    ("gru", "torch.nn,auto,bptt,reference", "1,800,3,4"),
])
def test_the_bench_memory_estimate_covers_what_a_run_takes(variant, columns, shape):
    """`rnnkit bench --shapes 1,99999999,3,4` passed the memory check (an LSTM's B*T*(I+6H) floats: 10.8 GB) and
    then failed a 57.6 GB allocation. Oracle: the peak RSS the bench's models and train steps add, measured in a
    fresh process; the estimate must cover it without refusing runs that fit (at most 4x)."""
    import argparse
    import json
    import subprocess
    import sys

    from rnnkit.cli.bench import _memory_need

    out = subprocess.run([sys.executable, "-c", _PEAK, variant, columns, shape], capture_output=True, text=True,
                         timeout=120, check=True, env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    measured = json.loads(out.stdout)
    B, T, I, H = map(int, shape.split(","))
    args = argparse.Namespace(cells=[variant], shapes=[[(B, T, I, H)]], fused="bptt" in columns, no_autograd=False)
    estimate = _memory_need(args)
    assert measured <= estimate <= 4 * measured, (measured, estimate)


# ------------------------------------------------------------------ Bidirectional.initial_state
@pytest.mark.parametrize("make", [lambda: rnnkit.LSTM(3, 4, num_layers=2, dtype=torch.float64),
                                  lambda: rnnkit.GRU(3, 4, dtype=torch.float64), lambda: rnnkit.MinGRU(3, 4, dtype=torch.float64)])
def test_the_bidirectional_wrapper_gives_its_initial_state_as_every_stacked_layer(make):
    """Every stacked layer has initial_state(batch); the wrapper had none (AttributeError), so carrying its state
    (truncated BPTT, streaming a chunk) meant building both halves and joining them by hand. Oracle: the call
    with that state equals the call with state=None, and the state has the shape the call returns."""
    bi = rnnkit.Bidirectional(make())
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    st = bi.initial_state(2)
    y0, s0 = bi(x, lengths=torch.tensor([5, 2]))
    y1, s1 = bi(x, st, lengths=torch.tensor([5, 2]))
    flat = lambda s: s if isinstance(s, tuple) else (s,)   # noqa: E731
    assert torch.equal(y0, y1) and all(torch.equal(a, b) for a, b in zip(flat(s0), flat(s1)))
    assert [t.shape for t in flat(st)] == [t.shape for t in flat(s0)] and all(t.dtype == torch.float64 for t in flat(st))
