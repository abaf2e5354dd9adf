"""Session 14 (helper S): a sequence length of 0 -- a sequence that ended before a truncated-BPTT chunk.

Oracle: the same layer run on the sequences of length >= 1 alone. Fails on the code before (lengths of 0
were a ShapeError).
"""

from __future__ import annotations

import pytest
import torch

import rnnkit

ENDED, KEEP = torch.tensor([1, 3]), torch.tensor([0, 2])


def _tuple(s):
    return tuple(s) if isinstance(s, (tuple, list)) else (s,)


def _check(layer, bf: bool, state_given: bool) -> None:
    layer.eval().double()
    x = torch.randn((4, 5, 3) if bf else (5, 4, 3), dtype=torch.double, requires_grad=True)
    lens, bd = torch.tensor([5, 0, 3, 0]), 0 if bf else 1
    st0 = None
    if state_given:
        st0 = tuple(t.detach().requires_grad_() for t in _tuple(layer(x, lengths=[5, 2, 3, 1])[1]))
        st0 = st0 if len(st0) > 1 else st0[0]
    y, s = layer(x, st0, lengths=lens)
    sub = None if st0 is None else tuple(t.index_select(1, KEEP) for t in _tuple(st0))
    yo, so = layer(x.index_select(bd, KEEP), None if sub is None else (sub if len(sub) > 1 else sub[0]),
                   lengths=lens[KEEP])
    for a, b in zip(_tuple(y), _tuple(yo)):
        torch.testing.assert_close(a.index_select(bd, KEEP), b)
        assert not a.index_select(bd, ENDED).any()                     # an ended sequence emits zeros
    given = (None,) * len(_tuple(s)) if st0 is None else _tuple(st0)
    for a, b, c in zip(_tuple(s), _tuple(so), given):
        torch.testing.assert_close(a.index_select(1, KEEP), b)
        d = a.index_select(1, ENDED)                                  # ... and keeps its state
        assert torch.equal(d, torch.zeros_like(d) if c is None else c.index_select(1, ENDED))
    wrt = [x] + list(layer.parameters()) + ([] if st0 is None else list(_tuple(st0)))
    g = torch.autograd.grad(sum(t.sum() for t in _tuple(y)) + sum((t ** 2).sum() for t in _tuple(s)), wrt,
                            allow_unused=True)
    wrt_o = [x] + list(layer.parameters())
    go = torch.autograd.grad(sum(t.sum() for t in _tuple(yo)) + sum((t ** 2).sum() for t in _tuple(so)), wrt_o,
                             allow_unused=True)
    torch.testing.assert_close(g[0], go[0])   # x's rows of length 0 get no gradient (go[0] is 0 there)
    for (name, _), a, b in zip(layer.named_parameters(), g[1:], go[1:]):
        assert (a is None) == (b is None), name
        if a is not None:
            torch.testing.assert_close(a, b, msg=name)
    if st0 is not None:   # the given state of an ended sequence passes through: its gradient is the identity's
        for c, gc in zip(_tuple(st0), g[len(wrt_o):]):
            d = gc.index_select(1, ENDED)
            assert torch.equal(d, 2 * c.index_select(1, ENDED).detach())


CASES = [("lstm", {}), ("gru", {}), ("elman", {}), ("mingru", {}), ("minlstm", {}),
         ("lstm", {"bidirectional": True, "num_layers": 2}), ("gru", {"bidirectional": True, "merge": "none"}),
         ("lstm", {"proj_size": 2}), ("lstm", {"engine": "bptt", "layer_norm": True}), ("gru", {"engine": "reference"}),
         ("mingru", {"bidirectional": True})]


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{'-'.join(k) or 'plain'}" for n, k in CASES])
def test_a_sequence_of_length_0_reads_nothing_and_keeps_its_state(name, kw):
    torch.manual_seed(0)
    for bf in (True, False):
        for state_given in (False, True):
            _check(rnnkit.make_layer(name, 3, 4, batch_first=bf, **kw), bf, state_given)


def test_bidirectional_wrapper_and_nested_recurrent_take_length_0():
    torch.manual_seed(0)
    for bf in (True, False):
        _check(rnnkit.Bidirectional(rnnkit.make_layer("gru", 3, 4, batch_first=bf, num_layers=2)), bf, True)

    class Sum(rnnkit.RecurrentCell):   # a nested cell: state leaves lead with the batch
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(3, 4).double()

        def initial_state(self, batch_size, device=None, dtype=None):
            return {"total": torch.ones(batch_size, 4, device=device, dtype=dtype)}

        def forward(self, x_t, state):
            total = state["total"] + torch.tanh(self.proj(x_t))
            return total, {"total": total}

    layer = rnnkit.Recurrent(Sum())
    x = torch.randn(5, 4, 3, dtype=torch.double)
    y, s = layer(x, lengths=torch.tensor([5, 0, 3, 0]))
    yo, so = layer(x[:, KEEP], lengths=torch.tensor([5, 3]))
    torch.testing.assert_close(y[:, KEEP], yo)
    torch.testing.assert_close(s["total"][KEEP], so["total"])
    assert not y[:, ENDED].any() and torch.equal(s["total"][ENDED], torch.ones(2, 4, dtype=torch.double))


def test_negative_lengths_are_still_refused_with_the_range():
    from rnnkit.errors import ShapeError
    with pytest.raises(ShapeError, match=r"^lengths: expected values in \[0, 5\] \(the sequence length\), got min -1"):
        rnnkit.LSTM(3, 4)(torch.randn(5, 2, 3), lengths=[-1, 5])


def test_truncated_bptt_with_the_default_splitter_runs_sequences_that_ended():
    """A chunk after a sequence ended has length 0 there (split_time's clamp): it was the layer's ShapeError,
    so a step_fn had to leave those rows out by hand (the old advice, the oracle here)."""
    from rnnkit.training import TrainConfig, Trainer

    torch.manual_seed(0)
    x, target = torch.randn(3, 6, 2), torch.randn(3, 6, 4)
    batch = {"x": x, "y": target, "lengths": torch.tensor([6, 2, 4])}

    def masked_loss(out, y, lens):
        valid = (torch.arange(out.shape[1]) < lens[:, None]).unsqueeze(-1)
        return (((out - y) ** 2) * valid).sum() / 6.0

    def direct(model, chunk, state):
        out, state = model(chunk["x"], state, lengths=chunk["lengths"])
        return masked_loss(out, chunk["y"], chunk["lengths"]), state

    def by_hand(model, chunk, state):   # run the rows with length > 0 only, keep the others' state
        keep = (chunk["lengths"] > 0).nonzero().squeeze(1)
        sub = None if state is None else tuple(s.index_select(1, keep) for s in state)
        out, new = model(chunk["x"][keep], sub, lengths=chunk["lengths"][keep])
        if state is None:
            state = tuple(torch.zeros(1, 3, 4) for _ in new)
        state = tuple(s.index_copy(1, keep, n) for s, n in zip(state, new))
        return masked_loss(out, chunk["y"][keep], chunk["lengths"][keep]), state

    weights = []
    for step_fn in (direct, by_hand):
        torch.manual_seed(1)
        model = rnnkit.LSTM(2, 4, batch_first=True)
        Trainer(model, step_fn=step_fn, config=TrainConfig(epochs=2, tbptt_k=3, quiet=True)).fit([batch])
        weights.append(model.state_dict())
    for k in weights[0]:
        torch.testing.assert_close(weights[0][k], weights[1][k], msg=k)


def test_export_twins_run_lengths_of_0_as_the_layer():
    from rnnkit.export.graph import exportable

    torch.manual_seed(0)
    for name, kw in [("lstm", dict(num_layers=2, bidirectional=True, layer_norm=True)), ("mingru", dict(bidirectional=True))]:
        layer = rnnkit.make_layer(name, 3, 5, batch_first=True, **kw).eval()
        x, lens = torch.randn(4, 6, 3), torch.tensor([6, 0, 5, 0])
        (y, s), (y2, s2) = layer(x, lengths=lens), exportable(layer)(x, lengths=lens)
        torch.testing.assert_close(y2, y)
        for a, b in zip(_tuple(s2), _tuple(s)):
            torch.testing.assert_close(a, b)


@pytest.mark.parametrize("name", ["mingru", "minlstm"])
def test_scan_layer_step_takes_a_batch_of_0_as_the_stacked_layers_do(name):
    """Before: MinGRU/MinLSTM.step on a (0, I) input of a time-major layer said 'x: expected at least one time
    step, got sequence length 0' (its check read (B, 1, I) as B steps); LSTM/GRU returned (0, H)."""
    for bf in (False, True):
        layer = rnnkit.make_layer(name, 3, 4, batch_first=bf)
        y, s = layer.step(torch.zeros(0, 3))
        ref_y, ref_s = rnnkit.make_layer("gru", 3, 4, batch_first=bf).step(torch.zeros(0, 3))
        assert y.shape == ref_y.shape == (0, 4) and s.shape == ref_s.shape == (1, 0, 4)
