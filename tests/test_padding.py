"""Padding never leaks: values beyond ``lengths`` change no output, final state or gradient.

The oracle is the same batch with zero padding. Every case runs the layer twice from the same seed (so
dropout, zoneout and DropConnect draw the same masks), once with zeros and once with NaN, Inf or 1e30
in the padded steps, and compares the outputs, the final state and the gradient of a weighted loss with
respect to the input, the initial state and every parameter -- bit for bit (``torch.equal``): the
layers zero the padded steps before anything reads them, so both runs compute on identical tensors.
"""

from __future__ import annotations

import math

import pytest
import torch

import rnnkit
from rnnkit.layers.minimal import MinGRU, MinLSTM

pytestmark = pytest.mark.usefixtures("one_thread")

f64 = torch.float64
T, B, I, H = 6, 3, 4, 4  # B, H as in tests/test_fused.py: the compiled LSTM step is shared in one process
LENGTHS = torch.tensor([6, 2, 4])  # one full row, two padded ones
PADS = [math.nan, math.inf, 1e30]


def _flat(x):
    if isinstance(x, (tuple, list)):
        return [t for item in x for t in _flat(item)]
    return [x]


def _run(layer, pad: float, batch_first: bool, with_state: bool) -> dict[str, torch.Tensor]:
    """Outputs, final state and every gradient of one call with ``pad`` in the padded steps."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(B, T, I, generator=g, dtype=f64)
    for b, n in enumerate(LENGTHS.tolist()):
        x[b, n:] = pad
    if not batch_first:
        x = x.transpose(0, 1)
    x = x.contiguous().requires_grad_()
    state = None
    if with_state:  # the layer's own zero state, perturbed, as the initial state
        zeros = layer.initial_state(B, dtype=f64)
        state = tuple(z + torch.randn(z.shape, generator=g, dtype=f64) for z in _flat(zeros))
        state = tuple(s.requires_grad_() for s in state)
        state = state if len(state) > 1 else state[0]
    torch.manual_seed(7)  # the same dropout / zoneout / DropConnect masks in both runs
    out, final = layer(x, state, lengths=LENGTHS)
    results = {f"output{i}": o for i, o in enumerate(_flat(out))}
    results.update({f"final state{i}": s for i, s in enumerate(_flat(final))})
    loss = sum((t * torch.randn(t.shape, generator=g, dtype=f64)).sum() for t in results.values())
    named = [("x", x)] + [(f"initial state{i}", s) for i, s in enumerate(_flat(state) if with_state else [])]
    named += [(n, p) for n, p in layer.named_parameters()]
    grads = torch.autograd.grad(loss, [t for _, t in named], allow_unused=True)
    results.update({f"grad {n}": gr for (n, _), gr in zip(named, grads)})
    return results


def check_padding_never_leaks(make, batch_first: bool = False, with_state: bool = True, pads=PADS) -> None:
    for pad in pads:
        want = _run(make(), 0.0, batch_first, with_state)
        got = _run(make(), pad, batch_first, with_state)
        assert want.keys() == got.keys()
        assert all(w is None or torch.isfinite(w).all() for w in want.values())
        differ = [k for k in want if (want[k] is None) != (got[k] is None)
                  or (want[k] is not None and not torch.equal(want[k], got[k]))]
        assert not differ, f"padding {pad!r} changed: {differ}"


def _layer(cls, *args, seed=0, **kw):
    def make():
        torch.manual_seed(seed)  # the same weights in both runs
        return cls(*args, dtype=f64, **kw)
    return make


# --------------------------------------------------------------------------- RecurrentLayer: engines
@pytest.mark.parametrize("engine", ["bptt", "reference", "native"])
@pytest.mark.parametrize("cell", ["lstm", "gru", "elman_tanh", "elman_relu"])
def test_engines_stacked_bidirectional(engine, cell):
    check_padding_never_leaks(_layer(rnnkit.RecurrentLayer, cell, I, H, num_layers=2, bidirectional=True,
                                     engine=engine))


@pytest.mark.parametrize("engine", ["bptt", "reference", "native"])
def test_batch_first_train_mode_dropout_between_layers(engine):
    def make():
        torch.manual_seed(0)
        return rnnkit.LSTM(I, H, num_layers=2, dropout=0.4, batch_first=True, engine=engine, dtype=f64).train()
    check_padding_never_leaks(make, batch_first=True)


def test_fused_engine():
    """One compiled configuration (compiling is the slow part), every padding value."""
    check_padding_never_leaks(_layer(rnnkit.LSTM, I, H, num_layers=2, bidirectional=True, engine="fused"))


# --------------------------------------------------------------------------- RecurrentLayer: variants
VARIANTS = {
    "layer_norm lstm": ("lstm", {"layer_norm": True}),
    "layer_norm gru": ("gru", {"layer_norm": True}),
    "peephole": ("lstm", {"peephole": True}),
    "proj_size": ("lstm", {"proj_size": 3}),
    "peephole proj layer_norm": ("lstm", {"peephole": True, "proj_size": 3, "layer_norm": True}),
    "zoneout": ("gru", {"zoneout": 0.3}),
    "recurrent_dropout": ("lstm", {"recurrent_dropout": 0.3}),
    "dropconnect": ("elman_tanh", {"dropconnect": 0.3}),
    "checkpoint_steps": ("lstm", {"checkpoint_steps": 2}),
    "merge none": ("gru", {"merge": "none"}),
}


@pytest.mark.parametrize("engine", ["bptt", "reference"])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_variants(variant, train, engine):
    cell, kw = VARIANTS[variant]

    def make():
        torch.manual_seed(0)
        layer = rnnkit.RecurrentLayer(cell, I, H, num_layers=2, bidirectional=True, engine=engine, dtype=f64, **kw)
        return layer.train(train)
    check_padding_never_leaks(make)


def test_bidirectional_wrapper():
    check_padding_never_leaks(_layer(lambda *a, **k: rnnkit.Bidirectional(rnnkit.GRU(*a, **k)), I, H,
                                     num_layers=2, batch_first=True), batch_first=True, with_state=False)


def test_nested_cell_runner():
    class Cell(rnnkit.RecurrentCell):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(I + H, H, dtype=f64)

        def initial_state(self, batch_size, device=None, dtype=None):
            return torch.zeros(batch_size, H, device=device, dtype=dtype)

        def forward(self, x_t, h):
            h = torch.tanh(self.lin(torch.cat((x_t["x"], h), -1)))
            return h, h

    class Wrap(torch.nn.Module):  # the runner takes a nest: {"x": x}
        def __init__(self, dtype):
            super().__init__()
            self.inner = rnnkit.Recurrent(Cell())

        def initial_state(self, batch_size, dtype=None):
            return self.inner.cell.initial_state(batch_size, dtype=dtype)

        def forward(self, x, state=None, lengths=None):
            out, h = self.inner({"x": x}, state, lengths=lengths)
            return out, h

    check_padding_never_leaks(_layer(Wrap))


# --------------------------------------------------------------------------- MinGRU / MinLSTM
@pytest.mark.parametrize("scan", ["chunked", "log", "sequential"])
@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
def test_scan_layers(cls, scan):
    def make():
        torch.manual_seed(0)
        return cls(I, H, num_layers=2, bidirectional=True, batch_first=True, dropout=0.3, scan=scan,
                   dtype=f64).train()
    check_padding_never_leaks(make, batch_first=True)


@pytest.fixture
def triton_interpreter(monkeypatch):
    """The Triton kernels in Triton's interpreter on CPU, as tests/test_triton_scan.py runs them."""
    ts = pytest.importorskip("rnnkit.engine.triton_scan")
    if not ts.HAS_TRITON:
        pytest.skip("triton is not installed (pip install 'rnnkit[gpu]')")
    from test_triton_scan import _interpreter_problem

    problem = _interpreter_problem()
    if problem:
        pytest.skip(problem)
    monkeypatch.setenv("TRITON_INTERPRET", "1")


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
def test_scan_layers_triton(triton_interpreter, cls):
    check_padding_never_leaks(_layer(cls, I, H, bidirectional=True, scan="triton"))
