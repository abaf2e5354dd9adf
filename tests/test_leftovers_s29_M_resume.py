"""Session 29, helper M: a Trainer resume of a WarmupCosine timed by a deadline goes on where the schedule was
(session 28's leftover: the resumed fit counted the deadline's seconds from 0 again and warmed up a second time).
The deadline's seconds are read from a fake clock: each step takes one second of it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from rnnkit.training import OptimConfig, TrainConfig, Trainer
from rnnkit.training import checkpoint as ck
from rnnkit.training.callbacks import WarmupCosine, control

pytestmark = pytest.mark.usefixtures("one_thread")   # one torch thread (tests/conftest.py)


class _Crash(Exception):
    pass


def fit_on_fake_clock(run_dir, clock, callbacks, crash_at=None, resume=False, max_seconds=None):
    """``(LRs of the steps, FitResult)`` of a 5-epoch fit of 4 batches, each step one second of ``clock``, crashing
    before step ``crash_at`` (checkpoints every 3 steps). Session 30's tests/test_resume_s30_B.py uses it too."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    net = torch.nn.Linear(3, 1)
    data = [(torch.randn(4, 3, generator=g), torch.randn(4, 1, generator=g)) for _ in range(4)]
    lrs = []

    def loss(model, batch):
        if len(lrs) + 1 == crash_at:
            raise _Crash
        clock[0] += 1.0                               # a step: one second of the deadline
        lrs.append(trainer.optimizer.param_groups[0]["lr"])
        return torch.nn.functional.mse_loss(model(batch[0]), batch[1])

    cfg = TrainConfig(epochs=5, optim=OptimConfig("sgd", lr=0.1), checkpoint_every=3, seed=1, quiet=True,
                      max_seconds=max_seconds)
    trainer = Trainer(net, loss, config=cfg, run_dir=run_dir, callbacks=callbacks)
    return lrs, trainer.fit(data, resume=resume)


def _fit(run_dir, clock, crash_at=None, resume=False, **schedule):
    cosine = WarmupCosine(**{"deadline_seconds": 40.0, "warmup": 0.5, **schedule})
    return fit_on_fake_clock(run_dir, clock, [cosine], crash_at, resume)[0]


@pytest.fixture()
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(control, "time", SimpleNamespace(perf_counter=lambda: now[0]))
    return now


def test_a_resumed_deadline_schedule_goes_on_where_the_checkpoint_left_it(tmp_path, clock):
    ref = _fit(tmp_path / "ref", clock)                  # 20 steps, 20 of the 40 seconds: all in the warm-up
    assert len(ref) == 20 and ref == sorted(ref) and ref[-1] < 0.1
    with pytest.raises(_Crash):
        _fit(tmp_path / "run", clock, crash_at=15)        # the latest checkpoint: step 12
    assert ck.load_checkpoint(tmp_path / "run").step == 12
    clock[0] += 500.0                                    # the time between the crash and the resume is not the fit's
    resumed = _fit(tmp_path / "run", clock, resume=True)
    assert resumed == pytest.approx(ref[12:], rel=1e-6)  # was the warm-up's first LRs again: 0.005, 0.0074, ...


def test_a_checkpoint_without_the_deadlines_seconds_resumes_with_a_warning(tmp_path, clock):
    """Session 30 (helper B): it was refused (lost work after an upgrade); it resumes as before 6247eea, warned."""
    _fit(tmp_path / "run", clock)
    path = ck.latest_checkpoint(tmp_path / "run")
    old = ck.load_checkpoint(path)
    state = dict(old.state)
    state["callbacks"] = {"WarmupCosine": {k: v for k, v in state["callbacks"]["WarmupCosine"].items()
                                           if k != "seconds"}}     # as written before session 29
    ck.save_checkpoint(tmp_path / "run", step=old.step + 1, model_state=old.model_state, state=state)
    with pytest.warns(UserWarning, match=r"^WarmupCosine: the checkpoint was written before the deadline's seconds "
                                         r"were kept: deadline_seconds=40.0 is counted from 0 again"):
        _fit(tmp_path / "run", clock, resume=True)


def test_a_steps_only_schedule_keeps_no_seconds_and_still_resumes_exactly(tmp_path, clock):
    ref = _fit(tmp_path / "ref", clock, deadline_seconds=None, total_steps=20)
    with pytest.raises(_Crash):
        _fit(tmp_path / "run", clock, crash_at=15, deadline_seconds=None, total_steps=20)
    assert "seconds" not in ck.load_checkpoint(tmp_path / "run").state["callbacks"]["WarmupCosine"]
    assert _fit(tmp_path / "run", clock, resume=True, deadline_seconds=None, total_steps=20) == \
        pytest.approx(ref[12:], rel=1e-6)
