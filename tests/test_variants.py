"""Cell variants: gradcheck of each hand-written backward (with and without lengths), the hand engine
against the autograd reference on every option, neutral settings equal to the plain cells, proj_size
equal to torch.nn.LSTM, and the variants' semantics against loops written out here."""

import itertools

import pytest
import torch
import torch.nn.functional as F

import rnnkit
from rnnkit.cells import get_cell
from rnnkit.cells.variants import LayerNormRecurrent, LSTMVariantMath
from rnnkit.engine import BPTTFunction, LoopOptions, step_mask

T, B, H = 4, 3, 3
D64 = torch.float64

VARIANT_CELLS = {
    "peephole": lambda: LSTMVariantMath(peephole=True),
    "proj": lambda: LSTMVariantMath(proj_size=2),
    "lncell": lambda: LSTMVariantMath(layer_norm_cell=True),
    "all_lstm": lambda: LayerNormRecurrent(LSTMVariantMath(peephole=True, proj_size=2, layer_norm_cell=True)),
    "ln_gru": lambda: LayerNormRecurrent(get_cell("gru")),
    "ln_elman": lambda: LayerNormRecurrent(get_cell("elman_tanh")),
}


def _param(shape, init):
    if init == "ones":
        return (1 + 0.1 * torch.randn(*shape, dtype=D64)).requires_grad_()
    return (0.5 * torch.randn(*shape, dtype=D64)).requires_grad_()


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("state_opts", ["plain", "zoneout_train", "zoneout_eval", "recurrent_dropout"])
@pytest.mark.parametrize("name", list(VARIANT_CELLS))
def test_gradcheck_variant(name, state_opts, masked):
    cell = VARIANT_CELLS[name]()
    sizes = cell.state_sizes(H)
    G = cell.num_gates * H
    xp = torch.randn(T, B, G, dtype=D64, requires_grad=True)
    w = (0.5 * torch.randn(G, sizes[0], dtype=D64)).requires_grad_()
    b = None if cell.additive else torch.randn(G, dtype=D64, requires_grad=True)
    params = [_param(shape, init) for _, shape, init in cell.param_specs(H)]
    s0 = [torch.randn(B, S, dtype=D64, requires_grad=True) for S in sizes]
    mask = step_mask(torch.tensor([4, 1, 3]), T) if masked else None
    keep = h_mask = None
    if state_opts == "zoneout_train":
        keep = tuple(torch.bernoulli(torch.full((T, B, S), 0.3, dtype=D64)) for S in sizes)
    elif state_opts == "zoneout_eval":
        keep = tuple(0.3 for _ in sizes)
    elif state_opts == "recurrent_dropout":
        h_mask = torch.bernoulli(torch.full((B, sizes[0]), 0.7, dtype=D64)) / 0.7
    opts = LoopOptions(cell, n_params=len(params), keep=keep, h_mask=h_mask)
    args = (xp, w, *([b] if b is not None else []), *params, *s0)

    def fn(xp, w, *rest):
        bias, rest = (rest[0], rest[1:]) if b is not None else (None, rest)
        return BPTTFunction.apply(opts, xp, w, bias, mask, *rest)

    assert torch.autograd.gradcheck(fn, args, eps=1e-6, atol=1e-5)


LAYER_OPTIONS = [
    {"peephole": True}, {"proj_size": 2}, {"layer_norm": True}, {"zoneout": 0.3},
    {"recurrent_dropout": 0.3}, {"dropconnect": 0.3},
    {"layer_norm": True, "peephole": True, "proj_size": 2, "zoneout": 0.2, "recurrent_dropout": 0.2, "dropconnect": 0.2},
]


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("opts", LAYER_OPTIONS, ids=lambda o: "+".join(o))
def test_hand_engine_equals_reference_for_lstm_options(opts, bidirectional, train):
    _compare_engines(rnnkit.LSTM, opts, bidirectional, train)


@pytest.mark.parametrize("cls", [rnnkit.GRU, rnnkit.ElmanRNN])
@pytest.mark.parametrize("opts", [{"layer_norm": True}, {"zoneout": 0.3}, {"recurrent_dropout": 0.3},
                                  {"layer_norm": True, "zoneout": 0.2, "recurrent_dropout": 0.2, "dropconnect": 0.2}],
                         ids=lambda o: "+".join(o))
def test_hand_engine_equals_reference_for_other_cells(cls, opts):
    _compare_engines(cls, opts, True, True)


def _compare_engines(cls, opts, bidirectional, train):
    layer = cls(2, H, num_layers=2, bidirectional=bidirectional, batch_first=True, **opts).double()
    layer.train(train)
    x = torch.randn(B, T, 2, dtype=D64)
    lengths = torch.tensor([4, 2, 3])
    results = {}
    for engine in ("bptt", "reference"):
        layer.engine = engine
        torch.manual_seed(7)  # the same masks for both engines
        xi = x.clone().requires_grad_()
        y, s = layer(xi, lengths=lengths)
        s = s if isinstance(s, tuple) else (s,)
        loss = (y * torch.linspace(-1, 1, y.numel(), dtype=D64).view_as(y)).sum() + sum(a.pow(2).sum() for a in s)
        grads = torch.autograd.grad(loss, [xi, *layer.parameters()])
        results[engine] = (y, s, grads)
    (y1, s1, g1), (y2, s2, g2) = results["bptt"], results["reference"]
    torch.testing.assert_close(y1, y2)
    for a, b in zip(s1, s2):
        torch.testing.assert_close(a, b)
    names = ["x"] + [n for n, _ in layer.named_parameters()]
    for n, a, b in zip(names, g1, g2):
        torch.testing.assert_close(a, b, msg=lambda m, n=n: f"grad of {n}: {m}")


@pytest.mark.parametrize("cls", [rnnkit.LSTM, rnnkit.GRU, rnnkit.ElmanRNN])
def test_neutral_settings_equal_plain_cell(cls):
    plain = cls(2, H, num_layers=2).double()
    x = torch.randn(T, B, 2, dtype=D64)
    y0, _ = plain(x)
    for opts in ({"zoneout": 0.0, "recurrent_dropout": 0.0, "dropconnect": 0.0},):
        v = cls(2, H, num_layers=2, engine="bptt", **opts).double()
        v.load_state_dict(plain.state_dict())
        torch.testing.assert_close(v(x)[0], y0)
    if cls is rnnkit.LSTM:  # peepholes at zero weight are no peepholes
        v = rnnkit.LSTM(2, H, num_layers=2, peephole=True).double()
        sd = {k: (torch.zeros_like(p) if k.startswith("weight_c") else plain.state_dict()[k])
              for k, p in v.state_dict().items()}
        v.load_state_dict(sd)
        torch.testing.assert_close(v(x)[0], y0)
        assert not v.native_ok and v._pick_engine() == "bptt"


def test_eval_mode_zoneout_is_the_expectation_and_dropouts_are_off():
    layer = rnnkit.GRU(2, H, zoneout=0.25, recurrent_dropout=0.5, dropconnect=0.5).double().eval()
    plain = rnnkit.GRU(2, H).double()
    plain.load_state_dict(layer.state_dict())
    x = torch.randn(T, B, 2, dtype=D64)
    y, _ = layer(x)
    h = torch.zeros(B, H, dtype=D64)
    for t in range(T):  # s_t = 0.25 s_{t-1} + 0.75 s̃_t
        _, cand = plain.step(x[t], h.unsqueeze(0))
        h = 0.25 * h + 0.75 * cand[0]
        torch.testing.assert_close(y[t], h)


def test_recurrent_dropout_uses_one_mask_per_sequence(monkeypatch):
    layer = rnnkit.LSTM(2, H, recurrent_dropout=0.5).double()
    mask = torch.tensor([[2.0, 0.0, 2.0]] * B, dtype=D64)
    monkeypatch.setattr(layer, "_recurrent_mask", lambda B_, S, ref: mask)
    x = torch.randn(T, B, 2, dtype=D64)
    y, _ = layer(x)
    w_ih, w_hh, b = layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0 + layer.bias_hh_l0
    h = c = torch.zeros(B, H, dtype=D64)
    for t in range(T):
        i, f, g, o = (x[t] @ w_ih.T + (h * mask) @ w_hh.T + b).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        torch.testing.assert_close(y[t], h)


def test_layer_norm_lstm_against_a_loop_written_here():
    layer = rnnkit.LSTM(2, H, layer_norm=True).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.add_(0.1 * torch.randn_like(p))
    x = torch.randn(T, B, 2, dtype=D64)
    y, (hT, cT) = layer(x)
    P = dict(layer.named_parameters())
    h = c = torch.zeros(B, H, dtype=D64)
    G = 4 * H
    for t in range(T):
        xi = F.layer_norm(x[t] @ P["weight_ih_l0"].T + P["bias_ih_l0"], (G,), P["ln_ih_weight_l0"], P["ln_ih_bias_l0"])
        hh = F.layer_norm(h @ P["weight_hh_l0"].T + P["bias_hh_l0"], (G,), P["ln_hh_weight_l0"], P["ln_hh_bias_l0"])
        i, f, g, o = (xi + hh).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(F.layer_norm(c, (H,), P["ln_c_weight_l0"], P["ln_c_bias_l0"]))
        torch.testing.assert_close(y[t], h)
    torch.testing.assert_close(cT[0], c)


@pytest.mark.parametrize("engine", ["native", "bptt", "reference"])
@pytest.mark.parametrize("bidirectional,batch_first,varlen", list(itertools.product((False, True), (False, True), (False, True))))
def test_proj_size_equals_torch_lstm(engine, bidirectional, batch_first, varlen):
    ref = torch.nn.LSTM(3, 5, num_layers=2, proj_size=2, bidirectional=bidirectional, batch_first=batch_first).double()
    ours = rnnkit.from_torch(ref)
    ours.engine = engine
    assert list(ours.state_dict()) == list(ref.state_dict())
    x = torch.randn((B, T, 3) if batch_first else (T, B, 3), dtype=D64)
    lengths = torch.tensor([4, 2, 3]) if varlen else None
    w = None
    grads = []
    for m in (ref, ours):
        xi = x.clone().requires_grad_()
        if m is ref and varlen:
            packed = torch.nn.utils.rnn.pack_padded_sequence(xi, lengths, batch_first=batch_first, enforce_sorted=False)
            y, (h, c) = m(packed)
            y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, batch_first=batch_first, total_length=T)
        else:
            y, (h, c) = m(xi, lengths=lengths) if m is ours else m(xi)
        w = torch.randn(y.shape, dtype=D64, generator=torch.Generator().manual_seed(3))
        loss = (y * w).sum() + h.sum() + c.pow(2).sum()
        grads.append((y, h, c, torch.autograd.grad(loss, [xi, *m.parameters()])))
    (y1, h1, c1, g1), (y2, h2, c2, g2) = grads
    assert h2.shape == (2 * (2 if bidirectional else 1), B, 2) and c2.shape[-1] == 5
    torch.testing.assert_close(y2, y1)
    torch.testing.assert_close(h2, h1)
    torch.testing.assert_close(c2, c1)
    for a, b in zip(g2, g1):
        torch.testing.assert_close(a, b)
    back = ours.to_torch()
    assert back.proj_size == 2


def test_variant_errors():
    from rnnkit.errors import ConfigError

    with pytest.raises(ConfigError, match="peephole: expected an LSTM cell, got cell 'gru'"):
        rnnkit.RecurrentLayer("gru", 2, 3, peephole=True)
    with pytest.raises(ConfigError, match=r"proj_size: expected an int in \[0, hidden_size=3\), got 3"):
        rnnkit.LSTM(2, 3, proj_size=3)
    with pytest.raises(ConfigError, match=r"zoneout: expected a number in \[0, 1\), got 1.5"):
        rnnkit.GRU(2, 3, zoneout=1.5)
    with pytest.raises(ConfigError, match="engine: 'native' needs a configuration torch.nn computes"):
        rnnkit.LSTM(2, 3, layer_norm=True, engine="native")
    with pytest.raises(ConfigError, match="has no torch.nn equivalent"):
        rnnkit.LSTM(2, 3, zoneout=0.1).to_torch()


@pytest.mark.parametrize("k", [1, 3, 4, 10])
@pytest.mark.parametrize("opts", [{}, {"zoneout": 0.3, "layer_norm": True}], ids=["plain", "zoneout+ln"])
def test_checkpoint_steps_recompute_gives_identical_gradients(k, opts):
    layer = rnnkit.LSTM(2, H, num_layers=2, bidirectional=True, engine="bptt", **opts).double()
    ck = rnnkit.LSTM(2, H, num_layers=2, bidirectional=True, checkpoint_steps=k, **opts).double()
    ck.load_state_dict(layer.state_dict())
    assert ck._pick_engine() == "bptt"
    x = torch.randn(7, B, 2, dtype=D64)
    lengths = torch.tensor([7, 3, 5])
    out = []
    for m in (layer, ck):
        torch.manual_seed(5)
        xi = x.clone().requires_grad_()
        y, (h, c) = m(xi, lengths=lengths)
        out.append((y, torch.autograd.grad(y.pow(2).sum() + c.sum(), [xi, *m.parameters()])))
    torch.testing.assert_close(out[1][0], out[0][0], rtol=0, atol=0)
    for a, b in zip(out[1][1], out[0][1]):
        torch.testing.assert_close(a, b)


def test_checkpoint_gradcheck():
    cell = get_cell("gru")
    xp = torch.randn(6, 2, 9, dtype=D64, requires_grad=True)
    w = (0.5 * torch.randn(9, 3, dtype=D64)).requires_grad_()
    b = torch.randn(9, dtype=D64, requires_grad=True)
    h0 = torch.randn(2, 3, dtype=D64, requires_grad=True)
    opts = LoopOptions(cell, checkpoint_steps=4)
    mask = step_mask(torch.tensor([6, 5]), 6)
    assert torch.autograd.gradcheck(lambda xp, w, b, h0: BPTTFunction.apply(opts, xp, w, b, mask, h0),
                                    (xp, w, b, h0), eps=1e-6, atol=1e-5)
