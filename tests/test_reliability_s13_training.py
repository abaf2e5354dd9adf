"""Session 13's reliability sweep (helper R): training, checkpoints, bench (PackedSequence and gradient flow:
tests/test_reliability_s13_gradflow_packed.py).

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
    from typing import NamedTuple

    class Batch(NamedTuple):
        x: torch.Tensor
        lengths: torch.Tensor

    nested = split_time({"inputs": Batch(x, lengths), "y": torch.zeros(2, 30)}, 20)
    assert [c["inputs"].lengths.tolist() for c in nested] == [[20, 5], [10, 0]]
    assert [tuple(c["inputs"].x.shape) for c in nested] == [(2, 20, 3), (2, 10, 3)]


def test_split_time_refuses_lengths_it_cannot_cut():
    from rnnkit.errors import InputTypeError, ShapeError
    from rnnkit.training import split_time

    x = torch.zeros(2, 6, 3)
    with pytest.raises(ShapeError, match=r"^batch\['lengths'\]: expected values in \[0, 6\] .*got min 1, max 7$"):
        split_time({"x": x, "lengths": torch.tensor([7, 1])}, 4)
    with pytest.raises(InputTypeError, match=r"^batch\['lengths'\]: expected a 1-D integer tensor, numpy array or list of ints"):
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
    import shutil
    import signal
    import subprocess
    import sys

    from rnnkit.training.checkpoint import load_checkpoint, save_checkpoint

    run = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-c", _KILL_CHILD, str(run)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    shutil.copytree(run, tmp_path / "run2", symlinks=True)     # the folder as the kill left it, for the save below
    ck = load_checkpoint(run)                   # was CheckpointError: latest.json points to a missing step-00000003
    assert ck.step == 3 and ck.state["v"] in (1, 2) and ck.model_state["w"].tolist() == [float(ck.state["v"])] * 2
    assert (run / "checkpoints" / "step-00000003").is_dir()          # loading put the copy back
    save_checkpoint(run, step=4, model_state={"w": torch.zeros(2)}, state={"v": 4})
    assert load_checkpoint(run).state["v"] == 4
    assert not [p.name for p in (run / "checkpoints").iterdir() if p.name.startswith(".tmp")]
    # a save right after the kill, with no load between, puts the moved-aside copy back first
    run2 = tmp_path / "run2"
    save_checkpoint(run2, step=4, model_state={"w": torch.zeros(2)}, state={"v": 4})
    assert load_checkpoint(run2 / "checkpoints" / "step-00000003").state["v"] in (1, 2)
    assert not [p.name for p in (run2 / "checkpoints").iterdir() if p.name.startswith(".tmp")]


# ------------------------------------------------------------------ sweep: hostile inputs found in the hunt
def test_split_time_checks_its_arguments_and_refuses_a_batch_without_steps():
    """Before: k=0 was range()'s ValueError, k=2.5 a TypeError, time_dim=-1 cut the feature axis, and a batch
    with 0 time steps gave no chunk: truncated BPTT trained nothing on it without a word."""
    from rnnkit.errors import ConfigError, InputTypeError, ShapeError
    from rnnkit.training import TrainConfig, Trainer, split_time

    x = torch.zeros(2, 5, 3)
    with pytest.raises(ConfigError, match=r"^k: expected a positive int, got 0$"):
        split_time((x,), 0)
    with pytest.raises(InputTypeError, match=r"^k: expected a positive int, got 2\.5"):
        split_time((x,), 2.5)
    with pytest.raises(ConfigError, match=r"^time_dim: expected an int >= 0, got -1$"):
        split_time((x,), 2, -1)
    with pytest.raises(ShapeError, match=r"^batch: expected at least one time step along dim 1 \(config\.time_dim\), "
                                         r"got a tensor of shape \(2, 0, 3\)$"):
        Trainer(nn.Linear(3, 1), step_fn=lambda m, c, s: (m(c[0]).sum(), s),
                config=TrainConfig(epochs=1, tbptt_k=2, quiet=True)).fit([(torch.zeros(2, 0, 3),)])


def test_split_time_refuses_a_packed_sequence():
    """Before: torch's AssertionError "Expected data to be a list or tuple of length 2" (a PackedSequence
    rebuilt from sliced fields); its packed data has no time axis to cut."""
    from torch.nn.utils.rnn import pack_padded_sequence

    from rnnkit.errors import InputTypeError
    from rnnkit.training import split_time

    packed = pack_padded_sequence(torch.randn(2, 6, 3), [6, 2], batch_first=True)
    with pytest.raises(InputTypeError, match=r"^batch: expected padded tensors to cut into truncated-BPTT chunks, "
                                             r"got a PackedSequence; pass pad_packed_sequence's padded tensor"):
        split_time({"x": packed, "y": torch.zeros(2, 6)}, 4)


def test_an_lr_schedule_function_must_return_a_scheduler():
    """Before: a function returning None trained at a constant LR without a word (another object failed at
    the first epoch's end with an AttributeError)."""
    from rnnkit.errors import ConfigError
    from rnnkit.training import LRSchedule, TrainConfig, Trainer

    for bad in (lambda opt: None, lambda opt: "cosine"):
        with pytest.raises(ConfigError, match=r"^schedule: expected a function returning a torch LR scheduler"):
            Trainer(nn.Linear(3, 1), lambda m, b: m(b[0]).sum(), config=TrainConfig(epochs=1, quiet=True),
                    callbacks=[LRSchedule(bad)])
    ok = LRSchedule(lambda opt: torch.optim.lr_scheduler.StepLR(opt, 1, 0.5))
    res = Trainer(nn.Linear(3, 1), lambda m, b: m(b[0]).sum(), config=TrainConfig(epochs=2, quiet=True),
                  callbacks=[ok]).fit([(torch.ones(2, 3),)])
    assert [r["lr"] for r in res.history] == pytest.approx([1e-3, 5e-4])


def test_bench_refuses_a_device_it_cannot_time_on():
    """Before: 'meta' returned rows of timings of nothing, 'cuda' on a CPU-only torch was a bare
    AssertionError, an unknown name torch's RuntimeError."""
    from rnnkit.errors import ConfigError

    for device in ("meta", "mps", "xyz"):
        with pytest.raises(ConfigError, match=r"^device: expected 'cpu' or a CUDA device \('cuda', 'cuda:0'\), got "):
            suite.run_benchmarks(["lstm"], [(1, 2, 2, 2)], device=device, reps=1, budget_s=1e-3, autograd=False)
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match=r"^device: expected a device this torch can use, got 'cuda'"):
            suite.run_benchmarks(["lstm"], [(1, 2, 2, 2)], device="cuda", reps=1, budget_s=1e-3, autograd=False)


def test_a_file_where_the_run_folder_needs_a_subfolder_is_refused_before_training(tmp_path):
    """Before: a file named ``checkpoints`` (or ``gradflow``) in run_dir was a raw FileExistsError at the
    first checkpoint, after the first epoch's training."""
    from rnnkit.errors import CheckpointError, ConfigError
    from rnnkit.training import TrainConfig, Trainer
    from rnnkit.training.checkpoint import save_checkpoint

    for sub, cfg in (("checkpoints", {}), ("gradflow", {"gradflow_every": 1})):   # gradflow/: only the monitor's
        run = tmp_path / sub / "run"
        run.mkdir(parents=True)
        (run / sub).write_text("not a folder")
        with pytest.raises(ConfigError, match=rf"^run_dir: expected a folder, got '.*/{sub}' \(an existing file\)$"):
            Trainer(nn.Linear(3, 1), lambda m, b: m(b[0]).sum(), config=TrainConfig(epochs=1, quiet=True, **cfg),
                    run_dir=run)
    with pytest.raises(CheckpointError, match=r"^run_dir: expected '.*/checkpoints' to be a folder for checkpoints"):
        save_checkpoint(tmp_path / "checkpoints" / "run", step=1, model_state={}, state={})


def test_a_resume_refuses_a_warmup_cosine_with_other_settings(tmp_path):
    """Before: WarmupCosine kept no state, so a resume given total_steps=16 for an 8-step schedule moved the LR
    onto the other curve mid-run without a word (0.00069 -> 0.00078: it climbed back up)."""
    from rnnkit.errors import CheckpointError
    from rnnkit.training import TrainConfig, Trainer, WarmupCosine

    def fit(epochs, total, resume=False):
        torch.manual_seed(0)
        return Trainer(nn.Linear(3, 1), lambda m, b: m(b[0]).pow(2).mean(), config=TrainConfig(epochs=epochs, quiet=True),
                       run_dir=tmp_path, callbacks=[WarmupCosine(total)]).fit([(torch.randn(2, 3),)] * 2, resume=resume)

    fit(2, 8)
    with pytest.raises(CheckpointError, match=r"^callbacks: expected the WarmupCosine of the checkpointed fit, got "
                                              r"different settings \(total_steps: checkpoint 8, got 16\)"):
        fit(4, 16, resume=True)
    lrs = [row["lr"] for row in fit(4, 8, resume=True).history]
    assert lrs == sorted(lrs, reverse=True) and lrs[-1] < 1e-4      # the 8-step cosine continued to its end
