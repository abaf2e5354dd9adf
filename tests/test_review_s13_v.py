"""Session 13, helper V (review of the session's changes): edge cases the fixes missed. Each test fails on the
code before its fix (commit message names it)."""

import numpy as np
import pytest
import torch

from rnnkit.errors import DataError


# ------------------------------------------------------------------ gradient flow: summed records' lengths
def test_a_record_summed_with_another_reads_each_sequence_up_to_its_longer_length():
    """A layer recorded twice with one (T, B) (two backward passes, or one layer run on two padded inputs of one
    size) sums the norms; its lengths were the last record's alone, so a sequence valid 4 steps in the first
    and 2 in the second was read up to step 2 only ('ok' where the summed norms vanish over 4 steps), and a
    full-length record after a padded one kept the padded lengths. Oracle: summarize with the lengths given."""
    from rnnkit.diagnostics import summarize_gradient_flow
    from rnnkit.engine import gradflow
    from rnnkit.engine.gradflow import GradFlowRecorder

    first = torch.tensor([[1e-6, 1.0], [1e-4, 1.0], [1e-2, 0.0], [1.0, 0.0]])   # lengths 4, 2
    second = torch.tensor([[1e-9, 1.0], [1e-9, 1.0], [0.0, 1.0], [0.0, 1.0]])  # lengths 2, 4
    with GradFlowRecorder() as rec:
        gradflow.record("L", first, torch.tensor([4, 2]))
        gradflow.record("L", second, torch.tensor([2, 4]))
    assert rec.lengths["L"].tolist() == [4, 4]
    got = summarize_gradient_flow(rec.norms)["L"]
    want = summarize_gradient_flow({"L": first + second}, lengths=torch.tensor([4, 4]))["L"]
    assert got == want and got.flag == "vanishing"

    with GradFlowRecorder() as rec:   # a record without lengths is full length: the sum is too
        gradflow.record("L", first, torch.tensor([4, 2]))
        gradflow.record("L", torch.ones(4, 2))
    assert "L" not in rec.lengths and summarize_gradient_flow(rec.norms)["L"].steps == 4


# ------------------------------------------------------------------ labels: numbers compared exactly
def test_label_spelling_never_overflows_and_compares_integers_exactly():
    """check_label_spelling turned every label into a float: an int label beyond float's range (10**400) was a
    bare OverflowError out of evaluate, and 2**53 + 1 'was the same number' as the class '9007199254740992'
    (an unseen class, not another spelling). CSV labels: '9007199254740993' and '9007199254740992' were
    refused as one number written two ways."""
    from rnnkit.data.text import _one_spelling_per_number
    from rnnkit.tasks.common import check_label_spelling

    check_label_spelling([10 ** 400], [str(10 ** 400)], ["1", "2"], "y")             # unseen, no error
    check_label_spelling([2 ** 53 + 1], [str(2 ** 53 + 1)], [str(2 ** 53)], "y")      # another number
    check_label_spelling([np.int64(2 ** 53 + 1)], [str(2 ** 53 + 1)], [str(2 ** 53)], "y")
    _one_spelling_per_number([str(2 ** 53 + 1), str(2 ** 53)], "y")
    # still refused: one number written two ways (ints exactly, floats as floats)
    for lab, text, known in ((1, "1", ["1.0", "2.0"]), (np.int64(1), "1", ["1e0"]), (1.0, "1.0", ["1", "2"]),
                             (np.float32(0.5), "0.5", ["0.50"]), (0.1, "0.1", ["0.10"])):
        with pytest.raises(DataError, match=r"^y\[0\]: expected a label as training wrote it"):
            check_label_spelling([lab], [text], known, "y")
    with pytest.raises(DataError, match="each label written one way"):
        _one_spelling_per_number(["1", "1.0"], "y")
    for lab in (float("nan"), float("inf"), np.complex128(1 + 2j)):   # never a number here
        check_label_spelling([lab], [str(lab)], ["1", "nan", "inf", "1e400"], "y")
    for lab in (True, np.bool_(True)):   # True == 1: refused against the class '1' since session 23 (test_api_s23_V)
        with pytest.raises(DataError, match=r"^y\[0\]: expected a label as training wrote it, got (np\.)?True_? \(bool\)"):
            check_label_spelling([lab], [str(lab)], ["1", "nan", "inf", "1e400"], "y")


# ------------------------------------------------------------------ gradient flow monitor: rows left out
def test_the_gradient_flow_monitor_survives_a_chunk_that_leaves_ended_sequences_out():
    """training.md: rnnkit layers refuse a length of 0, so a sequence that ends before a later truncated-BPTT
    chunk needs a step_fn that runs only the rows still going. With TrainConfig(gradflow_every=1) the monitor
    joined the chunks' records with torch.cat: (3, 3) and (3, 1) -- a RuntimeError that ended the fit. Now it
    keeps the chunks that ran the first chunk's sequences (here the first) and says so.
    Oracle: the same first chunk run alone through a recorder."""
    import rnnkit
    from rnnkit.engine.gradflow import GradFlowRecorder
    from rnnkit.training import TrainConfig, Trainer
    from rnnkit.training.callbacks import GradientFlowMonitor
    from rnnkit.training.data import split_time

    def step_fn(model, chunk, state):
        lengths = chunk["lengths"]
        rows = (lengths > 0).nonzero().squeeze(1)
        out, h = model(chunk["x"][rows], None if state is None else state[:, rows], lengths=lengths[rows])
        full = torch.zeros(1, 3, 4) if state is None else state.clone()
        return out.sum(), full.index_copy(1, rows, h)

    torch.manual_seed(0)
    layer = rnnkit.GRU(2, 4, batch_first=True)
    batch = {"x": torch.randn(3, 6, 2), "lengths": torch.tensor([6, 3, 2])}
    start = {k: v.clone() for k, v in layer.state_dict().items()}
    monitor = GradientFlowMonitor(every=1, plots=False)
    with pytest.warns(UserWarning, match=r"record joins the first 1 of 2 truncated-BPTT chunks: chunk 2 ran 1 "
                                         r"sequences, not 3"):
        Trainer(layer, step_fn=step_fn, config=TrainConfig(tbptt_k=3, epochs=1, quiet=True),
                callbacks=[monitor]).fit([batch])
    layer.load_state_dict(start)
    first = split_time(batch, 3)[0]
    with GradFlowRecorder() as rec:
        step_fn(layer, first, None)[0].backward()
    (tag,) = rec.norms
    assert torch.equal(monitor.last_norms[tag], rec.norms[tag])
    assert monitor.last_lengths[tag].tolist() == rec.lengths[tag].tolist() == [3, 3, 2]


# ------------------------------------------------------------------ checkpoint: a copy moved aside, put back
def test_latest_checkpoint_with_a_copy_moved_aside_returns_where_it_is(tmp_path, monkeypatch):
    """A save killed between its two renames leaves step-N under .tmp-old-step-N-*: latest_checkpoint puts it
    back (one helper with the next save's recovery now), reads it aside when the folder cannot be written, and
    -- when the rename worked but the folder's fsync failed -- returns the folder where it now is (it returned
    the aside path, which no longer existed)."""
    import os

    from rnnkit.training import checkpoint
    from rnnkit.training.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint

    run = tmp_path / "run"
    save_checkpoint(run, step=3, model_state={"w": torch.ones(2)}, state={"v": 1})
    root = run / "checkpoints"
    final, aside = root / "step-00000003", root / ".tmp-old-step-00000003-0123abcd"

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    os.replace(final, aside)
    with monkeypatch.context() as m:   # a folder that cannot be written: read the copy where it is
        m.setattr(checkpoint.os, "replace", refuse)
        assert latest_checkpoint(run) == aside and load_checkpoint(aside).state["v"] == 1
    with monkeypatch.context() as m:   # renamed back, then the fsync of the folder failed
        m.setattr(checkpoint, "_fsync_dir", refuse)
        assert latest_checkpoint(run) == final and final.is_dir() and not aside.exists()
    os.replace(final, aside)
    assert latest_checkpoint(run) == final and load_checkpoint(run).state["v"] == 1 and not aside.exists()
