"""torch.nn is the oracle: copy weights, compare outputs, final states and every gradient (float64)
over cell x num_layers x bidirectional x batch_first x bias x variable lengths, for each engine."""

import itertools

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnkit

T, B, I, H = 5, 3, 4, 5
CELLS = {
    "elman_tanh": lambda **kw: torch.nn.RNN(nonlinearity="tanh", **kw),
    "elman_relu": lambda **kw: torch.nn.RNN(nonlinearity="relu", **kw),
    "lstm": lambda **kw: torch.nn.LSTM(**kw),
    "gru": lambda **kw: torch.nn.GRU(**kw),
}
MATRIX = list(itertools.product(CELLS, (1, 2), (False, True), (False, True), (False, True), (False, True)))


def _as_tuple(s):
    return s if isinstance(s, tuple) else (s,)


def _torch_run(m, x, state, lengths, batch_first):
    if lengths is None:
        return m(x, state)
    packed = pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
    y, s = m(packed, state)
    y, _ = pad_packed_sequence(y, batch_first=batch_first, total_length=T)
    return y, s


@pytest.mark.parametrize("engine", ["bptt", "native", "reference"])
@pytest.mark.parametrize("cell,layers,bidir,batch_first,bias,varlen", MATRIX)
def test_matches_torch_nn(engine, cell, layers, bidir, batch_first, bias, varlen):
    ref = CELLS[cell](input_size=I, hidden_size=H, num_layers=layers, bidirectional=bidir,
                      batch_first=batch_first, bias=bias).double()
    ours = rnnkit.from_torch(ref)
    ours.engine = engine
    D = 2 if bidir else 1
    x = torch.randn((B, T, I) if batch_first else (T, B, I), dtype=torch.float64)
    n_state = 2 if cell == "lstm" else 1
    s0 = tuple(torch.randn(layers * D, B, H, dtype=torch.float64) for _ in range(n_state))
    lengths = torch.tensor([T, 2, 4]) if varlen else None

    def run(module, fn):
        xi = x.clone().requires_grad_()
        si = tuple(s.clone().requires_grad_() for s in s0)
        y, s = fn(module, xi, si if n_state > 1 else si[0], lengths, batch_first)
        torch.manual_seed(1)
        # weights drawn by shape (randn_like would follow the strides, which differ between layouts)
        loss = (y * torch.randn(y.shape, dtype=y.dtype)).sum() + sum(
            (a * torch.randn(a.shape, dtype=a.dtype)).sum() for a in _as_tuple(s))
        grads = torch.autograd.grad(loss, [xi, *si, *module.parameters()])
        names = ["x"] + [f"state{k}" for k in range(n_state)] + [n for n, _ in module.named_parameters()]
        return y, _as_tuple(s), dict(zip(names, grads))

    y_t, s_t, g_t = run(ref, _torch_run)
    y_o, s_o, g_o = run(ours, lambda m, xi, si, L, bf: m(xi, si, lengths=L))
    torch.testing.assert_close(y_o, y_t, msg="outputs")
    for a, b in zip(s_o, s_t):
        torch.testing.assert_close(a, b, msg="final state")
    assert g_o.keys() == g_t.keys()
    for name in g_t:
        torch.testing.assert_close(g_o[name], g_t[name], msg=lambda m, name=name: f"grad of {name}: {m}")
    if varlen:  # padded output steps are exactly zero
        pad = (y_o[1, 2:] if batch_first else y_o[2:, 1])
        assert torch.count_nonzero(pad) == 0


@pytest.mark.parametrize("cell", list(CELLS))
def test_state_dict_names_match_torch(cell):
    ref = CELLS[cell](input_size=I, hidden_size=H, num_layers=2, bidirectional=True)
    ours = rnnkit.from_torch(ref)
    assert list(ours.state_dict()) == list(ref.state_dict())
    back = ours.to_torch()
    assert type(back) is type(ref)
    for (n1, p1), (n2, p2) in zip(back.state_dict().items(), ref.state_dict().items()):
        assert n1 == n2 and torch.equal(p1, p2)
    x = torch.randn(T, B, I)
    torch.testing.assert_close(back(x)[0], ref(x)[0])


def test_float32_layers_default_dtype_and_unbatched():
    ref = torch.nn.GRU(I, H, num_layers=2)
    ours = rnnkit.from_torch(ref)
    x = torch.randn(T, I)
    for engine in ("native", "bptt"):
        ours.engine = engine
        y, h = ours(x)
        yt, ht = ref(x)
        assert y.shape == (T, H) and h.shape == (2, H)
        torch.testing.assert_close(y, yt, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(h, ht, rtol=1e-5, atol=1e-6)


def test_dropout_between_layers_train_and_eval():
    lstm = rnnkit.LSTM(I, H, num_layers=2, dropout=0.5, engine="bptt")
    x = torch.randn(T, B, I)
    lstm.train()
    y1, _ = lstm(x)
    y2, _ = lstm(x)
    assert not torch.allclose(y1, y2)  # masks sampled per call
    lstm.eval()
    y3, _ = lstm(x)
    y4, _ = lstm(x)
    torch.testing.assert_close(y3, y4)
    ref = lstm.to_torch().eval()
    torch.testing.assert_close(y3, ref(x)[0], rtol=1e-5, atol=1e-6)
