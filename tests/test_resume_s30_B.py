"""Session 30, helper B: resuming a Trainer's time-bounded fit.

* A checkpoint written before 6247eea with a deadline-timed WarmupCosine (no ``seconds`` in its state) was refused
  on resume: an interrupted long fit could not be resumed after an upgrade. It resumes now as it did before 6247eea
  (the deadline counted afresh), with one warning line; a corrupt ``seconds`` is still refused.
* ``max_seconds`` (TimeBudget) restarted on each resume while the schedule's deadline went on: a fit cut at 6 of its
  10 seconds and resumed trained 10 more, the last at min_lr. It now counts the checkpoint's seconds as the deadline
  does (as Lightning's Timer keeps its elapsed time): the resumed run stops where the uninterrupted one did.

Both clocks are fakes: each optimizer step takes one second of them.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import pytest

from rnnkit.errors import CheckpointError
from rnnkit.training import checkpoint as ck
from rnnkit.training import trainer as trainer_module
from rnnkit.training.callbacks import WarmupCosine, control
from test_leftovers_s29_M_resume import _Crash, fit_on_fake_clock

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture()
def clock(monkeypatch):
    now = [1000.0]
    fake = SimpleNamespace(perf_counter=lambda: now[0])
    monkeypatch.setattr(control, "time", fake)
    monkeypatch.setattr(trainer_module, "time", fake)
    return now


def _fit(run_dir, clock, crash_at=None, resume=False, max_seconds=None, deadline=None, min_lr=0.0):
    cbs = [] if deadline is None else [WarmupCosine(deadline_seconds=deadline, warmup=0.5, min_lr=min_lr)]
    return fit_on_fake_clock(run_dir, clock, cbs, crash_at, resume, max_seconds)


def _rewrite_latest(run_dir, edit):
    """The latest checkpoint with its state edited, saved as a newer step (as an older rnnkit would have written)."""
    old = ck.load_checkpoint(run_dir)
    state = edit(dict(old.state))
    ck.save_checkpoint(run_dir, step=old.step + 1, model_state=old.model_state, state=state)


def _without_deadline_seconds(state):
    cos = {k: v for k, v in state["callbacks"]["WarmupCosine"].items() if k != "seconds"}
    return {**state, "callbacks": {**state["callbacks"], "WarmupCosine": cos}}


def test_a_checkpoint_from_before_the_deadlines_seconds_resumes_with_one_warning(tmp_path, clock):
    ref, _ = _fit(tmp_path / "ref", clock, deadline=40.0)
    with pytest.raises(_Crash):
        _fit(tmp_path / "run", clock, crash_at=15, deadline=40.0)
    _rewrite_latest(tmp_path / "run", _without_deadline_seconds)
    clock[0] += 500.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resumed, result = _fit(tmp_path / "run", clock, resume=True, deadline=40.0)   # was a CheckpointError
    ours = [str(w.message) for w in caught if "WarmupCosine" in str(w.message)]
    assert len(ours) == 1 and "\n" not in ours[0]
    assert ours[0].startswith("WarmupCosine: the checkpoint was written before the deadline's seconds were kept: "
                              "deadline_seconds=40.0 is counted from 0 again")
    assert result.global_step == 20
    # as 435b85f resumed it: the checkpoint's LR for the first step, then the warm-up from the deadline's start
    assert resumed[0] == pytest.approx(ref[12]) and resumed[1:] == pytest.approx(ref[1:8], rel=1e-6)


@pytest.mark.parametrize("bad", [-1.0, "10", float("nan"), True])
def test_a_corrupt_deadline_seconds_is_still_refused(tmp_path, clock, bad):
    _fit(tmp_path / "run", clock, deadline=40.0)

    def edit(state):
        cos = {**state["callbacks"]["WarmupCosine"], "seconds": bad}
        return {**state, "callbacks": {**state["callbacks"], "WarmupCosine": cos}}

    _rewrite_latest(tmp_path / "run", edit)
    with pytest.raises(CheckpointError, match=r"^callbacks: expected the seconds the WarmupCosine's deadline "):
        _fit(tmp_path / "run", clock, resume=True, deadline=40.0)


def test_max_seconds_goes_on_from_the_checkpoints_seconds(tmp_path, clock):
    ref, r = _fit(tmp_path / "ref", clock, max_seconds=10.0)
    assert (r.global_step, r.stop_reason) == (10, "max_seconds")
    with pytest.raises(_Crash):
        _fit(tmp_path / "run", clock, crash_at=8, max_seconds=10.0)        # the latest checkpoint: step 6, 6 s
    assert ck.load_checkpoint(tmp_path / "run").step == 6
    clock[0] += 500.0                                                     # not the fit's time
    resumed, r = _fit(tmp_path / "run", clock, resume=True, max_seconds=10.0)
    assert (r.global_step, r.stop_reason) == (10, "max_seconds")         # was 16: 10 s more after the resume
    assert len(resumed) == 4


def test_max_seconds_and_a_deadline_schedule_resume_the_same_way(tmp_path, clock):
    both = dict(max_seconds=10.0, deadline=10.0, min_lr=1e-3)              # min_lr > 0: the schedule does not stop it
    ref, r = _fit(tmp_path / "ref", clock, **both)
    with pytest.raises(_Crash):
        _fit(tmp_path / "run", clock, crash_at=8, **both)
    resumed, r2 = _fit(tmp_path / "run", clock, resume=True, **both)
    assert r2.global_step == r.global_step == 10
    assert resumed == pytest.approx(ref[6:], rel=1e-6)                   # no steps past the deadline at min_lr


def test_a_resume_whose_budget_is_spent_takes_no_step_and_a_raised_budget_goes_on(tmp_path, clock):
    with pytest.raises(_Crash):
        _fit(tmp_path / "run", clock, crash_at=8, max_seconds=100.0)      # checkpoint: step 6, 6 s spent
    none, r = _fit(tmp_path / "run", clock, resume=True, max_seconds=5.0)   # lowered below what was spent
    assert (none, r.global_step, r.stop_reason) == ([], 6, "max_seconds")
    more, r = _fit(tmp_path / "run", clock, resume=True, max_seconds=9.0)   # raised: 3 more seconds
    assert (len(more), r.global_step, r.stop_reason) == (3, 9, "max_seconds")


def test_a_trainer_checkpoint_from_before_its_seconds_counts_the_budget_afresh(tmp_path, clock):
    with pytest.raises(_Crash):
        _fit(tmp_path / "run", clock, crash_at=8, max_seconds=10.0)
    _rewrite_latest(tmp_path / "run", lambda s: {k: v for k, v in s.items() if k != "seconds"})
    resumed, r = _fit(tmp_path / "run", clock, resume=True, max_seconds=10.0)
    assert (len(resumed), r.global_step) == (10, 16)     # as before: a guard that such a checkpoint still resumes


@pytest.mark.parametrize("bad", [-1.0, "6", float("inf"), None])
def test_a_corrupt_trainer_seconds_is_a_checkpoint_error(tmp_path, clock, bad):
    with pytest.raises(_Crash):
        _fit(tmp_path / "run", clock, crash_at=8, max_seconds=10.0)
    _rewrite_latest(tmp_path / "run", lambda s: {**s, "seconds": bad})
    with pytest.raises(CheckpointError, match=r"expected the training seconds the checkpoint had spent \(a number "
                                              r">= 0\), got "):
        _fit(tmp_path / "run", clock, resume=True, max_seconds=10.0)
