"""Session 13's reliability sweep (helper R): training, engines, diagnostics, bench, PackedSequence.

Each test fails on the code before its fix (checked against ``git archive`` of the commit before).
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rnnkit.bench import harness, suite


# ------------------------------------------------------------------ bench: inference in eval mode
class _Probe(nn.Module):
    """Records the mode and grad mode of each forward."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, x):
        self.seen.append((self.training, torch.is_grad_enabled()))
        return self.lin(x), None


def test_infer_step_runs_in_eval_mode_without_grad_and_restores_the_mode():
    m = _Probe().train()
    harness.infer_step(m, torch.zeros(3, 2))
    assert m.seen == [(False, False)]     # was (True, False): dropout/zoneout masks drawn in "inference"
    assert m.training                      # the caller's mode is back
    m.eval()
    harness.infer_step(m, torch.zeros(3, 2))
    assert m.seen[-1] == (False, False) and not m.training


def test_bench_suite_times_inference_in_eval_and_training_in_train_mode(monkeypatch):
    modes = {"infer": set(), "train": set()}
    real_infer, real_train = suite.infer_step, suite.train_step

    def infer(m, x):
        modes["infer"].add(m.training)
        real_infer(m, x)

    def train(m, x):
        modes["train"].add(m.training)
        real_train(m, x)

    monkeypatch.setattr(suite, "infer_step", infer)
    monkeypatch.setattr(suite, "train_step", train)
    rows = suite.run_benchmarks(["lstm-zoneout"], [(2, 3, 4, 4)], reps=1, budget_s=1e-3, autograd=False)
    assert rows and modes == {"infer": {False}, "train": {True}}


# ------------------------------------------------------------------ truncated BPTT: lengths cut per chunk
def test_split_time_cuts_named_lengths_per_chunk():
    from rnnkit.training import split_time

    x, lengths = torch.zeros(2, 30, 3), torch.tensor([30, 5])
    for batch in ({"x": x, "lengths": lengths}, {"x": x, "lengths": [30, 5]}):
        chunks = split_time(batch, 20)
        got = [c["lengths"] if isinstance(c["lengths"], list) else c["lengths"].tolist() for c in chunks]
        assert got == [[20, 5], [10, 0]]     # was [[30, 5], [30, 5]]: 30 in a chunk of 20, and 5 read 5 padded steps


def test_split_time_refuses_lengths_it_cannot_cut():
    from rnnkit.errors import InputTypeError, ShapeError
    from rnnkit.training import split_time

    x = torch.zeros(2, 6, 3)
    with pytest.raises(ShapeError, match=r"^batch\['lengths'\]: expected values in \[0, 6\] .*got min 1, max 7$"):
        split_time({"x": x, "lengths": torch.tensor([7, 1])}, 4)
    with pytest.raises(InputTypeError, match=r"^batch\['lengths'\]: expected a 1-D integer tensor or a list of ints"):
        split_time({"x": x, "lengths": torch.tensor([6.0, 1.0])}, 4)


def test_split_time_warns_about_unnamed_lengths_in_a_plain_tuple():
    from rnnkit.training import split_time

    x = torch.zeros(2, 6, 3)
    with pytest.warns(UserWarning, match=r"^batch\[1\]: a 1-D integer tensor of batch size .*key 'lengths'"):
        split_time((x, torch.tensor([6, 2])), 4)


def test_tbptt_with_variable_lengths_equals_the_full_forward():
    """Oracle: truncated BPTT only detaches the state between chunks, so the chunks' outputs and the final
    state equal one call over the whole padded batch with its lengths."""
    import rnnkit
    from rnnkit.training import split_time

    torch.manual_seed(0)
    layer = rnnkit.LSTM(3, 4, batch_first=True, dtype=torch.float64)
    x = torch.randn(3, 30, 3, dtype=torch.float64)
    lengths = torch.tensor([30, 25, 21])
    want, (h_want, c_want) = layer(x, lengths=lengths)
    outs, state = [], None
    for chunk in split_time({"x": x, "lengths": lengths}, 20):
        out, state = layer(chunk["x"], state, lengths=chunk["lengths"])
        outs.append(out)
    assert torch.allclose(torch.cat(outs, 1), want) and torch.allclose(state[0], h_want) and torch.allclose(state[1], c_want)


# ------------------------------------------------------------------ resume: an LR schedule given in callbacks=
def _lr_fit(run_dir, epochs, gamma, resume=False):
    from rnnkit.training import LRSchedule, ScheduleConfig, TrainConfig, Trainer

    torch.manual_seed(0)
    m = nn.Linear(3, 1)
    data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(2)]
    cbs = [] if gamma is None else [LRSchedule(ScheduleConfig("step", step_size=1, gamma=gamma))]
    return Trainer(m, lambda m, b: ((m(b[0]) - b[1]) ** 2).mean(), config=TrainConfig(epochs=epochs, quiet=True),
                   run_dir=run_dir, callbacks=cbs).fit(data, resume=resume)


def test_a_resume_refuses_an_lr_schedule_with_other_settings(tmp_path):
    from rnnkit.errors import CheckpointError

    _lr_fit(tmp_path, 2, 0.5)
    with pytest.raises(CheckpointError, match=r"^callbacks: expected the LRSchedule of the checkpointed fit \(StepLR "
                                              r"settings as saved\), got different settings \(gamma: checkpoint 0\.5, "
                                              r"got 0\.1\)"):
        _lr_fit(tmp_path, 4, 0.1, resume=True)      # ran on with gamma 0.5, the 0.1 dropped without a word
    lrs = [row["lr"] for row in _lr_fit(tmp_path, 4, 0.5, resume=True).history]   # the same schedule resumes
    assert lrs == pytest.approx([1e-3 * 0.5 ** e for e in range(4)])


def test_an_lr_schedule_added_on_resume_warns_that_it_starts_over(tmp_path):
    _lr_fit(tmp_path, 2, None)
    with pytest.warns(UserWarning, match=r"^LRSchedule: the checkpoint holds no LR schedule .* at epoch 3$"):
        _lr_fit(tmp_path, 3, 0.5, resume=True)


# ------------------------------------------------------------------ checkpoints: a kill while the same step is saved again
_KILL_CHILD = r"""
import os, signal, sys
from pathlib import Path
import torch
from rnnkit.training import checkpoint as ck

run = sys.argv[1]
ck.save_checkpoint(run, step=3, model_state={"w": torch.ones(2)}, state={"v": 1})
real = os.replace

def replace(src, dst):   # SIGKILL as the new copy of step 3 is moved into place (after the old one moved aside)
    if Path(src).name.startswith(".tmp-step-"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)

os.replace = replace
ck.save_checkpoint(run, step=3, model_state={"w": torch.full((2,), 2.0)}, state={"v": 2})
"""


def test_a_kill_while_a_step_is_saved_again_leaves_a_loadable_checkpoint(tmp_path):
    """Before: the old step-3 folder was moved aside and deleted before the new one was renamed in, so a
    kill there left latest.json pointing at nothing: no loadable checkpoint (a resume failed)."""
    import signal
    import subprocess
    import sys

    from rnnkit.training.checkpoint import load_checkpoint, save_checkpoint

    run = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-c", _KILL_CHILD, str(run)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    ck = load_checkpoint(run)                   # was CheckpointError: latest.json points to a missing step-00000003
    assert ck.step == 3 and ck.state["v"] in (1, 2) and ck.model_state["w"].tolist() == [float(ck.state["v"])] * 2
    save_checkpoint(run, step=4, model_state={"w": torch.zeros(2)}, state={"v": 4})   # the next save recovers
    assert load_checkpoint(run).state["v"] == 4
    assert load_checkpoint(run / "checkpoints" / "step-00000003").state["v"] in (1, 2)
    assert not [p.name for p in (run / "checkpoints").iterdir() if p.name.startswith(".tmp")]
