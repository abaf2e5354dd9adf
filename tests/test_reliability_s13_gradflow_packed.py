"""Session 13's reliability sweep (helper R), second part: PackedSequence input (against torch.nn.LSTM) and
the gradient-flow summaries per sequence. The first part is tests/test_reliability_s13_training.py.

Each test fails on the code before its fix (checked against ``git archive`` of the commit before).
"""

from __future__ import annotations

import pytest
import torch
from torch import nn


# ------------------------------------------------------------------ PackedSequence in, PackedSequence out (as torch.nn)
@pytest.mark.parametrize("batch_first,bidirectional,enforce_sorted", [(True, False, False), (False, True, False),
                                                                        (True, True, True)])
def test_a_packed_sequence_runs_as_torch_nn_runs_it(batch_first, bidirectional, enforce_sorted):
    """Oracle: torch.nn.LSTM on the same packed input -- packed outputs (data, batch_sizes, indices), final
    states in the caller's batch order, and the gradients of the packed data, h0 and every weight.
    Before: an InputTypeError (torch.nn users had to rewrite the call)."""
    import rnnkit
    from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

    torch.manual_seed(0)
    F64 = torch.float64
    m = nn.LSTM(2, 3, num_layers=2, batch_first=batch_first, bidirectional=bidirectional, dtype=F64)
    layer = rnnkit.from_torch(m)
    lens = [5, 2, 1] if enforce_sorted else [2, 5, 1]
    x = torch.randn(3, 5, 2, dtype=F64) if batch_first else torch.randn(5, 3, 2, dtype=F64)
    D = 2 if bidirectional else 1
    h0 = tuple(torch.randn(2 * D, 3, 3, dtype=F64, requires_grad=True) for _ in range(2))
    results = []
    for net in (m, layer):
        data = x.clone().requires_grad_()
        packed = pack_padded_sequence(data, lens, batch_first=batch_first, enforce_sorted=enforce_sorted)
        out, (h, c) = net(packed, h0)
        assert isinstance(out, PackedSequence)
        loss = (out.data ** 2).sum() + (h ** 3).sum() + c.sum()
        grads = torch.autograd.grad(loss, [data, *h0, *net.parameters()])
        results.append((out, h, c, grads))
    (a, h, c, ga), (b, h2, c2, gb) = results
    assert torch.allclose(a.data, b.data) and torch.equal(a.batch_sizes, b.batch_sizes)
    for i, j in ((a.sorted_indices, b.sorted_indices), (a.unsorted_indices, b.unsorted_indices)):
        assert (i is None and j is None) or torch.equal(i, j)
    assert torch.allclose(h, h2) and torch.allclose(c, c2)
    assert len(ga) == len(gb) and all(torch.allclose(p, q) for p, q in zip(ga, gb))


def test_packed_input_to_the_other_layers_and_its_errors():
    import rnnkit
    from rnnkit.errors import ConfigError
    from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

    torch.manual_seed(0)
    F64 = torch.float64
    x = torch.randn(3, 5, 2, dtype=F64)
    lens = torch.tensor([2, 5, 1])
    packed = pack_padded_sequence(x, lens, batch_first=True, enforce_sorted=False)
    for layer in (rnnkit.MinGRU(2, 3, batch_first=True, dtype=F64),
                  rnnkit.Bidirectional(rnnkit.GRU(2, 3, batch_first=True, dtype=F64), merge="none")):
        want, s_want = layer(x, lengths=lens)            # oracle: the padded call with the same lengths
        got, s_got = layer(packed)
        want = want if isinstance(want, tuple) else (want,)
        got = (got,) if isinstance(got, PackedSequence) else got     # (a PackedSequence is a tuple itself)
        assert len(got) == len(want) and all(isinstance(g, PackedSequence) for g in got)
        for w, g in zip(want, got):
            assert torch.allclose(pad_packed_sequence(g, batch_first=True)[0], w)
        assert torch.allclose(s_got, s_want)
        with pytest.raises(ConfigError, match=r"^lengths: expected None with a PackedSequence x \(it holds the "
                                              r"lengths\), got a value$"):
            layer(packed, lengths=lens)


# ------------------------------------------------------------------ gradient flow: the flag per sequence
def test_gradflow_flag_is_per_sequence_not_a_ratio_of_batch_means():
    from rnnkit.diagnostics import summarize_gradient_flow

    # two sequences of 3 steps: one whose first step gets a millionth of its last step's gradient, one healthy
    norms = {"t": torch.tensor([[1e-6, 1.0], [1e-3, 1.0], [1.0, 1.0]], dtype=torch.float64)}
    s = summarize_gradient_flow(norms)["t"]
    assert s.flag == "vanishing" and s.min_ratio == pytest.approx(1e-6) and s.max_ratio == 1.0   # was "ok" (0.5)
    assert s.ratio == pytest.approx((1e-6 + 1.0) / 2) and s.sequences == 2
    norms = {"t": torch.tensor([[1e4, 1.0], [1.0, 1.0], [1.0, 1.0]], dtype=torch.float64)}
    assert summarize_gradient_flow(norms)["t"].flag == "exploding"


def test_gradflow_reads_each_sequence_up_to_its_length():
    from rnnkit.diagnostics import summarize_gradient_flow
    from rnnkit.errors import ShapeError

    # sequence 1 is 2 steps long: its steps 2..3 are padding with no gradient (a loss on the outputs)
    norms = {"t": torch.tensor([[1e-6, 0.5], [1e-3, 1.0], [1e-1, 0.0], [1.0, 0.0]], dtype=torch.float64)}
    s = summarize_gradient_flow(norms, lengths=torch.tensor([4, 2]))["t"]
    assert (s.flag, s.min_ratio, s.max_ratio, s.steps) == ("vanishing", pytest.approx(1e-6), 0.5, 4)
    assert s.mean_norms[2:] == pytest.approx([1e-1, 1.0])     # the padded zeros are not averaged in
    assert s.last == pytest.approx((1.0 + 1.0) / 2)           # each sequence's own last valid step
    by_tag = summarize_gradient_flow(norms, lengths={"t": [4, 2]})["t"]
    assert by_tag == s
    # 0 is taken: a sequence that ended before a truncated-BPTT chunk (session 15)
    with pytest.raises(ShapeError, match=r"^lengths: expected values in \[0, 4\]"):
        summarize_gradient_flow(norms, lengths=torch.tensor([5, 2]))


def test_gradflow_flag_of_a_batch_is_the_worst_of_its_sequences_run_alone():
    """Oracle: each sequence run alone (one sequence: the old and new formulas agree). Before, the batch's
    long vanishing sequence was hidden behind the short healthy one ("ok")."""
    import rnnkit
    from rnnkit.diagnostics import GradFlowRecorder, summarize_gradient_flow

    torch.manual_seed(0)
    layer = rnnkit.ElmanRNN(2, 8, engine="bptt", dtype=torch.float64)
    with torch.no_grad():
        layer.weight_hh_l0.mul_(0.3)
    x, lengths = torch.randn(40, 2, 2, dtype=torch.float64), torch.tensor([40, 3])

    def summary(x, lengths=None):
        with GradFlowRecorder() as rec:
            layer(x, lengths=lengths)[1].pow(2).sum().backward()
        return summarize_gradient_flow(rec.norms)["ElmanRNN.l0.fwd"]

    alone = [summary(x[:L, b:b + 1]) for b, L in enumerate(lengths.tolist())]
    assert [a.flag for a in alone] == ["vanishing", "ok"]
    batch = summary(x, lengths)
    assert batch.flag == "vanishing"
    assert batch.min_ratio == pytest.approx(min(a.ratio for a in alone), rel=1e-6)
    assert batch.max_ratio == pytest.approx(max(a.ratio for a in alone), rel=1e-6)


def test_the_gradflow_recorder_keeps_lengths_and_the_monitor_joins_chunks():
    from rnnkit.diagnostics import GradFlowRecorder
    from rnnkit.engine import gradflow
    from rnnkit.training import GradientFlowMonitor, TrainConfig, Trainer

    with GradFlowRecorder() as rec:
        gradflow.record("t", torch.ones(3, 2), torch.tensor([3, 1]))
        gradflow.record("t", torch.ones(5, 2))
    assert list(rec.lengths) == ["t"] and rec.lengths["t"].tolist() == [3, 1] and set(rec.norms) == {"t", "t#2"}
    with GradFlowRecorder() as rec:       # a loss on outputs: padded steps of sequence 1 get no gradient
        gradflow.record("t", torch.tensor([[1e-6, 0.5], [1e-3, 0.0], [1.0, 0.0]]), torch.tensor([3, 1]))
    from rnnkit.diagnostics import summarize_gradient_flow
    s = summarize_gradient_flow(rec.norms)["t"]            # the recorder's lengths are used
    assert (s.sequences, s.max_ratio) == (2, 1.0) and s == summarize_gradient_flow(dict(rec.norms), lengths=[3, 1])["t"]
    rec.clear()
    assert not rec.norms and not rec.lengths and rec.norms.lengths is rec.lengths

    # truncated BPTT, chunks of 2 over 4 steps, sequence lengths 4 and 3: a norm record per chunk as the
    # engine makes it (valid lengths with a padded one); the joined record reads sequence 1 up to step 2
    model = nn.Linear(1, 1)
    chunks = iter([(torch.tensor([[1e-6, 1.0], [1e-3, 1.0]]), None),
                   (torch.tensor([[1e-1, 2.0], [1.0, 0.0]]), torch.tensor([2, 1]))])

    def step_fn(m, chunk, state):
        norms, lens = next(chunks)
        gradflow.record("L.l0.fwd", norms, lens)
        return m(chunk["x"]).sum(), None

    monitor = GradientFlowMonitor(plots=False)
    batch = {"x": torch.ones(1, 4, 1)}
    res = Trainer(model, step_fn=step_fn, config=TrainConfig(epochs=1, tbptt_k=2, quiet=True),
                  callbacks=[monitor]).fit([batch])
    assert monitor.last_lengths["L.l0.fwd"].tolist() == [4, 3]
    row = res.history[0]
    assert row["gradflow/L.l0.fwd/flag"] == "vanishing" and row["gradflow/L.l0.fwd/max_ratio"] == 0.5


def test_gradflow_summaries_refuse_what_cannot_be_norms():
    """Before: complex norms were cast (imaginary part dropped), bools read as 1.0, and negative values (raw
    gradients, not norms) were summarised -- flagged "vanishing"."""
    from rnnkit.diagnostics import summarize_gradient_flow
    from rnnkit.errors import InputTypeError, ShapeError

    with pytest.raises(ShapeError, match=r"^norms\['t'\]: expected norms >= 0 \(or NaN/inf\), got min -1\.0$"):
        summarize_gradient_flow({"t": torch.tensor([[-1.0], [1.0]])})
    for dtype in (torch.complex64, torch.bool):
        with pytest.raises(InputTypeError, match=r"^norms\['t'\]: expected real norms \(a floating tensor\), got dtype"):
            summarize_gradient_flow({"t": torch.ones(2, 2, dtype=dtype)})
    assert summarize_gradient_flow({"t": torch.tensor([[float("nan")], [1.0]])})["t"].flag == "non-finite"


def test_time_ordered_checks_lengths_as_a_layer_does():
    """Before: a list was an AttributeError, a wrong size / too long / float lengths torch's RuntimeErrors."""
    from rnnkit.diagnostics import GradFlowRecorder
    from rnnkit.errors import InputTypeError, ShapeError

    rec = GradFlowRecorder()
    rec.norms = {"L.l0.bwd": torch.arange(6.0).view(3, 2), "L.l0.fwd": torch.arange(6.0).view(3, 2)}
    want = rec.time_ordered(torch.tensor([3, 1]))
    assert want["L.l0.bwd"][:, 0].tolist() == [4.0, 2.0, 0.0] and want["L.l0.bwd"][:, 1].tolist() == [1.0, 3.0, 5.0]
    assert all(torch.equal(a, b) for a, b in zip(rec.time_ordered([3, 1]).values(), want.values()))
    with pytest.raises(ShapeError, match=r"^lengths: expected shape \(2,\) to match the batch, got \(3,\)$"):
        rec.time_ordered(torch.tensor([3, 1, 2]))
    with pytest.raises(ShapeError, match=r"^lengths: expected values in \[0, 3\]"):   # 0: ended (session 15)
        rec.time_ordered(torch.tensor([5, 1]))
    with pytest.raises(InputTypeError, match=r"^lengths: expected an integer tensor, got dtype torch.float32$"):
        rec.time_ordered(torch.tensor([3.0, 1.0]))


def test_plotting_no_record_says_so_without_a_warning(tmp_path, recwarn):
    """Before: an empty frame and matplotlib's "No artists with labels found to put in legend" warning for a
    recorder that recorded nothing (a native-engine layer); the experiments' reports plot such records too,
    so it is a PNG that says why, not an error."""
    from rnnkit.diagnostics import plot_gradient_flow

    assert plot_gradient_flow({}, tmp_path / "g.png").stat().st_size > 0
    assert plot_gradient_flow({"t": torch.ones(3, 2)}, tmp_path / "h.png").stat().st_size > 0
    assert not [w for w in recwarn if "legend" in str(w.message)]


def test_a_packed_sequence_into_a_nested_cell_runner():
    """rnnkit.Recurrent takes a PackedSequence too (oracle: the padded call with its lengths); before it was
    read as a nest of its four fields ("expected every leaf to have time and batch dims")."""
    import rnnkit
    from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

    class Tanh(rnnkit.RecurrentCell):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2 + 3, 3, dtype=torch.float64)

        def initial_state(self, batch_size, device=None, dtype=None):
            return torch.zeros(batch_size, 3, device=device, dtype=dtype)

        def forward(self, x, h):
            h = torch.tanh(self.lin(torch.cat((x, h), -1)))
            return h, h

    torch.manual_seed(0)
    runner = rnnkit.Recurrent(Tanh(), batch_first=True)
    x, lens = torch.randn(3, 5, 2, dtype=torch.float64), torch.tensor([2, 5, 1])
    want, s_want = runner(x, lengths=lens)
    got, s_got = runner(pack_padded_sequence(x, lens, batch_first=True, enforce_sorted=False))
    assert isinstance(got, PackedSequence)
    assert torch.allclose(pad_packed_sequence(got, batch_first=True)[0], want) and torch.allclose(s_got, s_want)
