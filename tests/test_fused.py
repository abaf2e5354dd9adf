"""The fused engine (each step compiled by torch.compile into one function each way) against the eager
hand engine, float64 on CPU: outputs, final states and every gradient, for every registered cell, the
variants, zoneout / recurrent dropout with fixed masks, lengths, checkpointing and gradient-flow records;
the eager fallback when compilation fails; the bounded cache.

Compilation costs seconds per (cell, options) on CPU, so each test uses a different combination and
small shapes; the compiled steps are cached for the whole session (module-level cache in
``rnnkit.engine.fused``)."""

from collections import OrderedDict

import pytest
import torch

import rnnkit
from rnnkit.cells import CellMath, register_cell
from rnnkit.cells.base import tanh_backward
from rnnkit.cells.variants import LayerNormRecurrent, LSTMVariantMath
from rnnkit.engine import BPTTFunction, LoopOptions, fused, gradflow, step_mask
from rnnkit.errors import ConfigError

D64 = torch.float64
T, B, I, H = 5, 3, 2, 4
LENGTHS = torch.tensor([5, 2, 4])
TOL = dict(rtol=1e-10, atol=1e-12)  # Inductor may reorder float work inside a kernel; nothing more


def _run(layer, engine, x, lengths, seed=7):
    layer.engine = engine
    torch.manual_seed(seed)  # the same zoneout / dropout masks for both engines
    xi = x.clone().requires_grad_()
    y, s = layer(xi, lengths=lengths)
    s = s if isinstance(s, tuple) else (s,)
    w = torch.linspace(-1, 1, y.numel(), dtype=D64).view_as(y)
    loss = (y * w).sum() + sum(a.pow(2).sum() for a in s)
    grads = torch.autograd.grad(loss, [xi, *layer.parameters()])
    return y, s, grads


def _assert_fused_equals_eager(layer, lengths=None, tol=TOL):
    x = torch.randn(T, B, layer.input_size, dtype=D64)
    y1, s1, g1 = _run(layer, "bptt", x, lengths)
    y2, s2, g2 = _run(layer, "fused", x, lengths)
    torch.testing.assert_close(y2, y1, **tol)
    for a, b in zip(s2, s1):
        torch.testing.assert_close(a, b, **tol)
    names = ["x"] + [n for n, _ in layer.named_parameters()]
    assert len(g1) == len(names)
    for n, a, b in zip(names, g2, g1):
        torch.testing.assert_close(a, b, **tol, msg=lambda m, n=n: f"grad of {n}: {m}")


# One combination per test: every registered cell, every variant, with and without lengths.
LAYERS = {
    "elman_tanh+lengths+bidir": (lambda: rnnkit.ElmanRNN(I, H, num_layers=2, bidirectional=True), True),
    "elman_relu": (lambda: rnnkit.ElmanRNN(I, H, nonlinearity="relu", num_layers=2), False),
    "lstm+lengths+bidir": (lambda: rnnkit.LSTM(I, H, num_layers=2, bidirectional=True), True),
    "gru+zoneout+lengths": (lambda: rnnkit.GRU(I, H, num_layers=2, zoneout=0.3), True),
    "ln_lstm+peephole+lengths": (lambda: rnnkit.LSTM(I, H, layer_norm=True, peephole=True, bidirectional=True), True),
    "ln_gru+recurrent_dropout": (lambda: rnnkit.GRU(I, H, num_layers=2, layer_norm=True, recurrent_dropout=0.3), False),
    "lstm_proj+zoneout_eval": (lambda: rnnkit.LSTM(I, H, proj_size=2, zoneout=0.2), False),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_fused_layer_equals_eager_engine(name):
    build, with_lengths = LAYERS[name]
    layer = build().double()
    if name.startswith("lstm_proj"):
        layer.eval()  # zoneout by its rate: a float keep, specialised into the compiled step
    _assert_fused_equals_eager(layer, LENGTHS if with_lengths else None)


def test_fused_checkpointing_equals_eager():
    """checkpoint_steps recomputes segments through the same compiled forward."""
    layer = rnnkit.LSTM(I, H, num_layers=2, bidirectional=True, checkpoint_steps=2).double()
    _assert_fused_equals_eager(layer, LENGTHS)


def test_fused_bptt_function_with_fixed_masks():
    """Zoneout keep-masks (a tensor per state) and a recurrent-dropout mask given as tensors, with
    lengths, straight through BPTTFunction: fused vs eager, outputs, final states and all gradients."""
    cell = LayerNormRecurrent(LSTMVariantMath(peephole=True, layer_norm_cell=True))
    G = cell.num_gates * H
    g = torch.Generator().manual_seed(1)
    xp = torch.randn(T, B, G, dtype=D64, generator=g)
    w = 0.5 * torch.randn(G, H, dtype=D64, generator=g)
    b = torch.randn(G, dtype=D64, generator=g)
    params = [0.5 * torch.randn(*shape, dtype=D64, generator=g) + (1 if init == "ones" else 0)
              for _, shape, init in cell.param_specs(H)]
    s0 = [torch.randn(B, H, dtype=D64, generator=g) for _ in range(2)]
    keep = tuple(torch.bernoulli(torch.full((T, B, H), 0.3, dtype=D64), generator=g) for _ in range(2))
    h_mask = torch.bernoulli(torch.full((B, H), 0.7, dtype=D64), generator=g) / 0.7
    mask = step_mask(LENGTHS, T)
    results = []
    for use in (False, True):
        opts = LoopOptions(cell, n_params=len(params), keep=keep, h_mask=h_mask, fused=use)
        leaves = [t.clone().requires_grad_() for t in (xp, w, b, *params, *s0)]
        out = BPTTFunction.apply(opts, leaves[0], leaves[1], leaves[2], mask, *leaves[3:])
        loss = sum((o * torch.cos(torch.arange(o.numel(), dtype=D64).view_as(o))).sum() for o in out)
        results.append((out, torch.autograd.grad(loss, leaves)))
    (o1, g1), (o2, g2) = results
    for a, b_ in zip(o2 + g2, o1 + g1):
        torch.testing.assert_close(a, b_, **TOL)


class ScaledElman(CellMath):
    """A user cell (not additive, with its own parameter): ``h' = tanh(xp + a ⊙ hp)``."""

    name = "test_scaled_elman"
    num_gates = 1
    additive = False

    def param_specs(self, hidden_size):
        return [("scale", (hidden_size,), "uniform")]

    def forward(self, xp, hp, state, params=()):
        (a,) = params
        h = torch.tanh(torch.addcmul(xp, a, hp))
        return (h,), (h, hp)

    def backward(self, d_state, saved, params=()):
        h, hp = saved
        (a,) = params
        d_pre = tanh_backward(d_state[0], h)
        return d_pre, d_pre * a, (None,), ((d_pre * hp).sum(0),)


def test_fused_user_registered_cell():
    register_cell(ScaledElman())
    layer = rnnkit.RecurrentLayer("test_scaled_elman", I, H, num_layers=2).double()
    _assert_fused_equals_eager(layer, LENGTHS)


def test_fused_gradient_flow_records_equal_eager():
    layer = rnnkit.ElmanRNN(I, H, num_layers=2, bidirectional=True).double()
    x = torch.randn(T, B, I, dtype=D64)
    recs = []
    for engine in ("bptt", "fused"):
        layer.engine = engine
        with gradflow.GradFlowRecorder() as rec:
            y, _ = layer(x, lengths=LENGTHS)
            y.pow(2).sum().backward()
        recs.append(rec.norms)
    assert sorted(recs[0]) == sorted(recs[1]) and len(recs[0]) == 4
    for tag in recs[0]:
        torch.testing.assert_close(recs[1][tag], recs[0][tag], **TOL)


# ---------------------------------------------------------------------------------------------- fallback
@pytest.fixture
def fresh_cache(monkeypatch):
    """An empty compiled-step cache for this test only (the session's cache is restored after)."""
    monkeypatch.setattr(fused, "_CACHE", OrderedDict())
    monkeypatch.setattr(fused, "_WARNED", set())
    monkeypatch.setattr(fused, "_STATS", dict.fromkeys(fused._STATS, 0))
    yield


def _gru_pair():
    layer = rnnkit.GRU(I, H, zoneout=0.2, layer_norm=True).double()
    return layer, torch.randn(T, B, I, dtype=D64)


def test_compile_failure_warns_once_and_equals_eager(fresh_cache, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("no C++ compiler found (simulated)")

    monkeypatch.setattr(torch, "compile", refuse)
    layer, x = _gru_pair()
    y1, s1, g1 = _run(layer, "bptt", x, LENGTHS)
    with pytest.warns(fused.FusedFallbackWarning) as caught:
        y2, s2, g2 = _run(layer, "fused", x, LENGTHS)
    assert sorted(str(w.message).split(" (")[0] for w in caught) == [
        "rnnkit fused step: could not compile the backward step of cell 'ln_gru'",
        "rnnkit fused step: could not compile the forward step of cell 'ln_gru'"]
    assert "(RuntimeError: no C++ compiler found (simulated)); running it eagerly" in str(caught[0].message)
    for a, b in zip((y2, *s2, *g2), (y1, *s1, *g1)):
        assert torch.equal(a, b)  # the fallback runs the very same eager step functions
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once: a second call is silent
        _run(layer, "fused", x, LENGTHS)
    assert fused.cache_info()["fallbacks"] == 2


def test_failure_at_first_call_falls_back(fresh_cache, monkeypatch):
    """Inductor errors surface when the compiled function first runs, not at torch.compile."""
    def broken(fn, **kwargs):
        def run(*args):
            raise NotImplementedError("op not supported by the backend (simulated)")
        return run

    monkeypatch.setattr(torch, "compile", broken)
    layer, x = _gru_pair()
    y1, _, g1 = _run(layer, "bptt", x, None)
    with pytest.warns(fused.FusedFallbackWarning) as caught:
        y2, _, g2 = _run(layer, "fused", x, None)
    assert len(caught) == 2 and all("NotImplementedError: op not supported" in str(w.message) for w in caught)
    for a, b in zip((y2, *g2), (y1, *g1)):
        assert torch.equal(a, b)


def test_cache_is_bounded_and_keyed_by_math(fresh_cache, monkeypatch):
    monkeypatch.setattr(torch, "compile", lambda fn, **kw: fn)  # no real compilation needed here
    monkeypatch.setattr(fused, "_MAX_CACHED", fused._MAX_CACHED)
    x = torch.randn(T, B, I, dtype=D64)
    a = rnnkit.GRU(I, H, layer_norm=True, engine="fused").double()
    b = rnnkit.GRU(I, H, layer_norm=True, engine="fused").double()  # another LayerNormRecurrent instance
    a(x)
    b(x)
    info = fused.cache_info()
    assert (info["size"], info["misses"], info["hits"]) == (1, 1, 1)  # equal math shares one entry
    assert fused.cell_key(a.cell) == fused.cell_key(b.cell)
    fused.set_cache_size(2)
    for batch in (1, 2, 4):  # new shapes: new entries; the oldest go
        a(torch.randn(T, batch, I, dtype=D64))
    info = fused.cache_info()
    assert info["size"] == 2 and info["evictions"] == 2 and info["max_size"] == 2
    with pytest.raises(ConfigError, match="n: expected a positive int"):
        fused.set_cache_size(0)


def test_cell_key_distinguishes_configurations():
    k = fused.cell_key
    assert k(LSTMVariantMath(peephole=True)) == k(LSTMVariantMath(peephole=True))
    assert k(LSTMVariantMath(peephole=True)) != k(LSTMVariantMath(proj_size=2))
    assert k(LayerNormRecurrent(LSTMVariantMath(peephole=True))) != k(LayerNormRecurrent(LSTMVariantMath()))
    odd = ScaledElman()
    odd.table = [1, 2]  # unhashable attribute: keyed by identity
    assert k(odd) != k(ScaledElman()) and k(odd) == k(odd)


def test_fused_engine_name_is_validated():
    with pytest.raises(ConfigError, match=r"engine: expected one of \['auto', 'native', 'bptt', 'fused', "
                                          r"'reference'\], got 'fast'"):
        rnnkit.LSTM(2, 3, engine="fast")
    assert rnnkit.LSTM(2, 3, engine="fused")._pick_engine() == "fused"
