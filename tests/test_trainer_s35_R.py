"""Session 35, helper R and the lead: the Trainer's time budget expects a step to take the larger of the last step's
time and the median of the recent steps (the fit's first, a warm-up, left out of it) -- a fast step after slow ones
is not the pace, and a lasting slowdown's first slow step is (review W2); a fake clock: no timing is asserted."""

from __future__ import annotations

from test_trainer_s34_R import _fit  # a Trainer fit on a fake clock, each step's wall time given

from rnnkit.training.callbacks import TimeBudget


def test_a_lasting_slowdown_is_not_run_past_the_budget(monkeypatch):
    # review W2 (session 35): steps of 1 s, then 10 s ones, a 17 s budget -- the median alone (1 s after the first
    # slow step) ran an 8th step to 26 s; the last step's 10 s is what the next is expected to take: stop at 16 s
    result, spent = _fit(monkeypatch, [1.0] * 6 + [10.0] * 40, 17.0)
    assert result.stop_reason == "max_seconds"
    assert result.global_step == 7 and spent == 16.0


def test_one_slow_step_near_the_end_ends_the_budget_early_not_late(monkeypatch):
    # steps of 1 s with one of 4 s (a checkpoint written, a pause), a 9 s budget: it may be a lasting slowdown, so
    # 7 + 4 > 9 stops with 2 s left (the budget is a bound, not a target)
    result, spent = _fit(monkeypatch, [1.0, 1.0, 1.0, 4.0] + [1.0] * 40, 9.0)
    assert result.stop_reason == "max_seconds"
    assert result.global_step == 4 and spent == 7.0


def test_a_fast_step_after_slow_ones_is_not_taken_for_the_pace(monkeypatch):
    # 2 s steps, then one of 0.5 s at 6.5 s: the last step's time alone (session 34) expected 0.5 s and ran a 2 s
    # step past an 8.2 s budget (to 8.5 s); the median of the recent steps (2 s) stops at 6.5 s
    result, spent = _fit(monkeypatch, [2.0, 2.0, 2.0, 0.5] + [2.0] * 40, 8.2)
    assert result.global_step == 4 and spent == 6.5


def test_a_slow_warm_up_step_is_left_out_of_the_median(monkeypatch):
    # a first step of 3 s, then 1 s steps: the median after the first (1 s, not 2 s with the warm-up counted) lets
    # the 1 s steps that fit run: 3 + 1 + 1 + 1 + 1 = 7 <= 7.5, an 8th second would end past it
    result, spent = _fit(monkeypatch, [3.0] + [1.0] * 40, 7.5)
    assert result.global_step == 5 and spent == 7.0


def test_the_budget_still_holds_as_a_bound(monkeypatch):
    # uniform steps: the median is the step; 1 s steps and a 10.5 s budget take 10 steps, never an 11th
    result, spent = _fit(monkeypatch, [1.0] * 40, 10.5)
    assert result.global_step == 10 and spent <= 10.5
    # a first step over half the budget: only it is known, so the second is expected as long -- one step
    result, spent = _fit(monkeypatch, [3.0] + [0.1] * 40, 5.0)
    assert result.global_step == 1 and spent == 3.0
    # steps that get slower for good: the median follows within the window, and no step ends past the budget
    result, spent = _fit(monkeypatch, [1.0] * 3 + [2.0] * 40, 20.0)
    assert spent <= 20.0 and result.global_step == 11      # 3 + 2 * 8 = 19 s, a ninth 2 s step would end at 21


def test_expected_step_is_the_larger_of_the_last_and_the_median_after_the_first():
    tb = TimeBudget(10.0)
    assert tb.expected_step() == 0.0
    tb._steps = [5.0]
    assert tb.expected_step() == 5.0
    tb._steps = [5.0, 1.0, 3.0, 2.0]
    assert tb.expected_step() == 2.0
    tb._steps = [5.0, 1.0, 1.0, 3.0]
    assert tb.expected_step() == 3.0
