"""Edge cases from PyTorch's own RNN tests (test_nn.py, test_modules.py), with torch.nn as the oracle:
an empty batch, deleted / reparametrised weights and ``.to()``, ``dropout=1.0``, second derivatives,
and wrong-typed constructor arguments."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

import rnnkit
from rnnkit.engine.pscan import linear_scan, log_scan
from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.layers.minimal import MinGRU, MinLSTM

pytestmark = pytest.mark.usefixtures("one_thread")

f64 = torch.float64
T, B, I, H = 5, 3, 4, 4  # B, H as tests/test_fused.py and tests/test_padding.py: one compiled LSTM step
TORCH = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
HAND = ["bptt", "reference", "fused"]


def _torch_layer(kind, **kw):
    torch.manual_seed(0)
    return TORCH[kind](I, H, dtype=f64, **kw)


def _call(layer, x, state=(), lengths=None):
    """Outputs, final states and gradients (input, initial state, every parameter) of a weighted loss."""
    x = x.clone().requires_grad_()
    states = tuple(s.clone().requires_grad_() for s in state)
    hx = (states if len(states) > 1 else states[0]) if states else None
    torch.manual_seed(3)  # the same dropout draws in both layers
    out, fin = layer(x, hx) if lengths is None else layer(x, hx, lengths=lengths)
    fin = fin if isinstance(fin, tuple) else (fin,)
    g = torch.Generator().manual_seed(5)
    loss = sum((t * torch.randn(t.shape, generator=g, dtype=t.dtype)).sum() for t in (out, *fin))
    grads = torch.autograd.grad(loss, (x, *states, *layer.parameters()))
    return (out, *fin), grads


def _assert_same(got, want, exact=False):
    for a, b in zip(got, want, strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
        if exact:
            assert torch.equal(a, b)
        else:
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- (a) batch size 0
@pytest.mark.parametrize("engine", HAND + ["native"])
@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_empty_batch_matches_torch(kind, engine):
    """torch.nn returns empty outputs, an empty state and zero gradients for a batch of 0 sequences."""
    if engine == "fused" and kind != "lstm":
        pytest.skip("one compiled configuration is enough for the shared BPTT backward")
    ref = _torch_layer(kind, num_layers=2, bidirectional=True)
    layer = rnnkit.from_torch(ref)
    layer.engine = engine
    x = torch.randn(T, 0, I, dtype=f64)
    state = tuple(torch.zeros(4, 0, H, dtype=f64) for _ in range(2 if kind == "lstm" else 1))
    want = _call(ref, x, state)
    for lengths in (None, torch.zeros(0, dtype=torch.long)):
        got = _call(layer, x, state, lengths=lengths)
        _assert_same(got[0], want[0], exact=True)
        _assert_same(got[1], want[1], exact=True)  # all zeros, as torch's


@pytest.mark.parametrize("kw", [{"layer_norm": True}, {"peephole": True, "proj_size": 2}, {"zoneout": 0.2},
                                {"recurrent_dropout": 0.2}, {"dropconnect": 0.2}, {"checkpoint_steps": 2}],
                         ids=lambda kw: ",".join(kw))
@pytest.mark.parametrize("engine", ["bptt", "reference"])
def test_empty_batch_variants(kw, engine):
    layer = rnnkit.LSTM(I, H, num_layers=2, bidirectional=True, engine=engine, dtype=f64, **kw).train()
    out, grads = _call(layer, torch.randn(T, 0, I, dtype=f64))
    assert [tuple(t.shape) for t in out] == [(T, 0, layer.output_size)] + [(4, 0, s) for s in layer.cell.state_sizes(H)]
    assert all(torch.equal(g, torch.zeros_like(g)) for g in grads)


@pytest.mark.parametrize("scan", ["chunked", "log", "sequential"])
@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
def test_empty_batch_scan_layers(cls, scan):
    layer = cls(I, H, num_layers=2, bidirectional=True, scan=scan, dtype=f64)
    (out, h), grads = _call(layer, torch.randn(T, 0, I, dtype=f64), (torch.zeros(4, 0, H, dtype=f64),))
    assert out.shape == (T, 0, 2 * H) and h.shape == (4, 0, H)
    assert all(torch.equal(g, torch.zeros_like(g)) for g in grads)


# --------------------------------------------------------------------------- (b) deleted weights, .to()
@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_deleted_weight_then_to_as_torch(kind):
    """torch.nn allows ``del rnn.weight_hh_l0`` and then ``.double()`` / ``.to()`` (its
    flatten_parameters skips while a weight is missing); so does rnnkit, and forward works again once
    the weight is set back."""
    ref = _torch_layer(kind)
    layer = rnnkit.from_torch(ref)
    w = ref.weight_hh_l0.detach().clone()
    for m in (ref, layer):
        del m.weight_hh_l0
        m.float()
        m.to(torch.float64)
        m.weight_hh_l0 = nn.Parameter(w.clone())
    x = torch.randn(T, B, I, dtype=f64)
    _assert_same(_call(layer, x)[0], _call(ref, x)[0])


def test_weight_norm_parametrization_as_torch():
    """A reparametrised weight (here weight norm) removes the parameter and recomputes it on access:
    ``.to()`` works and the layer computes what torch.nn.LSTM computes with the same reparametrisation."""
    ref = _torch_layer("lstm", num_layers=2)
    layer = rnnkit.from_torch(ref)
    for m in (ref, layer):
        nn.utils.parametrizations.weight_norm(m, "weight_hh_l1")
        m.float().double()
    x = torch.randn(T, B, I, dtype=f64)
    out, grads = _call(layer, x)
    want_out, want_grads = _call(ref, x)
    _assert_same(out, want_out)
    _assert_same(grads, want_grads)


# --------------------------------------------------------------------------- (c) dropout = 1.0
@pytest.mark.parametrize("engine", ["bptt", "reference", "native"])
@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_dropout_one_as_torch(kind, engine):
    """torch.nn accepts ``dropout=1.0`` (every layer after the first reads zeros in training); so
    ``from_torch`` works and in training mode the outputs and gradients are torch's (deterministic: the
    dropped input is all zeros whatever the random draw)."""
    ref = _torch_layer(kind, num_layers=3, dropout=1.0).train()
    layer = rnnkit.from_torch(ref)
    assert layer.dropout == 1.0 and layer.training
    layer.engine = engine
    x = torch.randn(T, B, I, dtype=f64)
    got, want = _call(layer, x), _call(ref, x)
    _assert_same(got[0], want[0])
    _assert_same(got[1], want[1])
    ref.eval()
    layer.eval()  # no dropout in evaluation
    _assert_same(_call(layer, x)[0], _call(ref, x)[0])


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
def test_dropout_one_scan_layers(cls):
    """dropout=1.0 between scan layers: the second layer reads zeros in training."""
    torch.manual_seed(0)
    layer = cls(I, H, num_layers=2, dropout=1.0, dtype=f64).train()
    top = cls(H, H, dtype=f64)
    with torch.no_grad():
        top.weight_l0.copy_(layer.weight_l1)
        top.bias_l0.copy_(layer.bias_l1)
    out, _ = layer(torch.randn(T, B, I, dtype=f64))
    torch.testing.assert_close(out, top(torch.zeros(T, B, H, dtype=f64))[0], rtol=0, atol=0)


# --------------------------------------------------------------------------- (d) second derivatives
def _second_derivatives(layer, x, last_only=False):
    """d/dθ ‖∂L/∂x‖² for every parameter θ, with L = Σ outputs (or the last step's: many output
    gradients exactly zero) -- a gradient penalty."""
    x = x.clone().requires_grad_()
    out, _ = layer(x, lengths=torch.tensor([5, 2, 4]))
    (gx,) = torch.autograd.grad((out[-1] if last_only else out).sum(), x, create_graph=True)
    return torch.autograd.grad(gx.square().sum(), list(layer.parameters()), allow_unused=True)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_second_derivatives_match_torch_or_raise(kind):
    """engine "reference" and "native" (autograd paths) give torch.nn's second derivatives; the hand
    BPTT engines refuse with a ConfigError naming the engine and what to use -- never a wrong number."""
    ref = _torch_layer(kind)
    x = torch.randn(T, B, I, dtype=f64)
    lengths = torch.tensor([5, 2, 4])
    xr = x.clone().requires_grad_()
    packed = nn.utils.rnn.pack_padded_sequence(xr, lengths, enforce_sorted=False)
    out = nn.utils.rnn.pad_packed_sequence(ref(packed)[0], total_length=T)[0]
    (gx,) = torch.autograd.grad(out.sum(), xr, create_graph=True)
    want = torch.autograd.grad(gx.square().sum(), list(ref.parameters()))
    assert all(w.abs().sum() > 0 for w in want)
    layer = rnnkit.from_torch(ref)
    for engine in ("reference", "native"):
        layer.engine = engine
        _assert_same(_second_derivatives(layer, x), want)
    for engine in ("bptt", "fused") if kind == "lstm" else ("bptt",):
        layer.engine = engine
        with pytest.raises(ConfigError, match=f"^engine: expected 'reference' .* got '{engine}', whose backward "
                                              "is hand-written and first-order only"):
            _second_derivatives(layer, x)
        out, _ = layer(x.clone().requires_grad_())
        out.sum().backward()  # first derivatives (no create_graph) are unaffected


@pytest.mark.parametrize("last_only", [False, True], ids=["all-steps", "last-step"])
@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
def test_second_derivatives_scan_layers(cls, last_only):
    """scan "log" and "sequential" (autograd) agree, with lengths and with a loss that leaves output
    gradients at exactly zero (torch's own logcumsumexp gives NaN there); "chunked" raises a ConfigError."""
    torch.manual_seed(0)
    layer = cls(I, H, num_layers=2, bidirectional=True, dtype=f64)
    x = torch.randn(T, B, I, dtype=f64)
    res = {}
    for scan in ("log", "sequential"):
        layer.scan = scan
        res[scan] = _second_derivatives(layer, x, last_only)
    assert all(g.abs().sum() > 0 for g in res["sequential"])
    _assert_same(res["log"], res["sequential"])
    layer.scan = "chunked"
    with pytest.raises(ConfigError, match="^scan: expected 'log' or 'sequential' .* got 'chunked'"):
        _second_derivatives(layer, x, last_only)


def test_second_derivatives_linear_and_log_scan():
    a = torch.rand(6, 2, dtype=f64, requires_grad=True)
    b = torch.rand(6, 2, dtype=f64, requires_grad=True)
    mask = torch.tensor([True] * 4 + [False] * 2).view(6, 1).expand(6, 2).contiguous()
    mask[:, 0] = True

    def penalty(scan):
        (ga,) = torch.autograd.grad(scan(a, b)[-1].square().sum(), a, create_graph=True)
        return torch.autograd.grad(ga.square().sum(), b)[0]

    want = penalty(lambda a, b: linear_scan(a, b, mask=mask, method="sequential"))
    assert want.abs().sum() > 0
    torch.testing.assert_close(penalty(lambda a, b: log_scan(a.log(), b.log(), mask=mask)), want)
    with pytest.raises(ConfigError, match="^method: expected 'sequential' .* got 'chunked'"):
        penalty(lambda a, b: linear_scan(a, b, mask=mask))
    x = torch.randn(5, 3, dtype=f64, requires_grad=True)
    assert torch.autograd.gradgradcheck(lambda v: log_scan(v, v.flip(0), mask=mask[:5, :1].expand(5, 3)), (x,))


# --------------------------------------------------------------------------- (e) wrong-typed arguments
LAYERS = {
    "RecurrentLayer": lambda **kw: rnnkit.RecurrentLayer(kw.pop("cell", "lstm"), **{"input_size": 3, "hidden_size": 4, **kw}),
    "ElmanRNN": lambda **kw: rnnkit.ElmanRNN(**{"input_size": 3, "hidden_size": 4, **kw}),
    "LSTM": lambda **kw: rnnkit.LSTM(**{"input_size": 3, "hidden_size": 4, **kw}),
    "GRU": lambda **kw: rnnkit.GRU(**{"input_size": 3, "hidden_size": 4, **kw}),
    "MinGRU": lambda **kw: MinGRU(**{"input_size": 3, "hidden_size": 4, **kw}),
    "MinLSTM": lambda **kw: MinLSTM(**{"input_size": 3, "hidden_size": 4, **kw}),
}
COMMON = [("bias", 0), ("batch_first", "False"), ("bidirectional", None), ("input_size", 3.0),
          ("hidden_size", "4"), ("num_layers", 2.0), ("num_layers", True), ("dropout", "0.1"), ("dropout", True),
          ("merge", 1)]
EXTRA = {
    "RecurrentLayer": [("cell", 3), ("engine", None), ("layer_norm", 1), ("checkpoint_steps", "2"),
                       ("zoneout", [0.1])],
    "ElmanRNN": [("nonlinearity", 1), ("recurrent_dropout", "0"), ("dropconnect", None)],
    "LSTM": [("proj_size", 1.0), ("peephole", "yes"), ("engine", 2)],
    "GRU": [("layer_norm", "True"), ("checkpoint_steps", 1.5)],
    "MinGRU": [("scan", 0)],
    "MinLSTM": [("scan", None)],
}
CASES = [(cls, name, value) for cls in LAYERS for name, value in COMMON + EXTRA[cls]]


@pytest.mark.parametrize("cls,name,value", CASES, ids=[f"{c}-{n}={v!r}" for c, n, v in CASES])
def test_wrong_typed_argument_is_input_type_error(cls, name, value):
    with pytest.raises(InputTypeError, match=f"^{name}: expected .*got {re.escape(repr(value))} \\({type(value).__name__}\\)"):
        LAYERS[cls](**{name: value})


@pytest.mark.parametrize("cls", list(LAYERS))
def test_wrong_value_is_still_config_error(cls):
    for name, value in (("hidden_size", 0), ("num_layers", -1), ("dropout", 1.5), ("merge", "max")):
        with pytest.raises(ConfigError, match=f"^{name}: expected"):
            LAYERS[cls](**{name: value})
    LAYERS[cls](dropout=1.0, num_layers=2)  # the closed interval [0, 1], as torch.nn


def test_wrappers_and_interop_wrong_types():
    with pytest.raises(InputTypeError, match="^layer: expected an rnnkit recurrent layer, got str"):
        rnnkit.Bidirectional("gru")
    with pytest.raises(InputTypeError, match="^merge: expected one of"):
        rnnkit.Bidirectional(rnnkit.GRU(3, 4), merge=0)
    with pytest.raises(InputTypeError, match="^cell: expected an rnnkit.RecurrentCell, got Linear"):
        rnnkit.Recurrent(nn.Linear(2, 2))

    class Cell(rnnkit.RecurrentCell):
        pass

    with pytest.raises(InputTypeError, match="^batch_first: expected a bool, got 'no'"):
        rnnkit.Recurrent(Cell(), batch_first="no")
    with pytest.raises(InputTypeError, match="^module: expected torch.nn.RNN, LSTM or GRU, got Linear"):
        rnnkit.from_torch(nn.Linear(2, 2))
    with pytest.raises(InputTypeError, match="^cell: expected a CellMath instance, got str"):
        rnnkit.register_cell("lstm")
    assert issubclass(InputTypeError, TypeError)
