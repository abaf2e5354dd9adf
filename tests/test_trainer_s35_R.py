"""Session 35, helper R: the Trainer's time budget expects a step to take the median of the recent steps (the fit's
first, a warm-up, left out), not the last step's time alone (a fake clock: no timing is asserted)."""

from __future__ import annotations

import types

import torch

from rnnkit.training import TrainConfig, Trainer
from rnnkit.training import trainer as trainer_module
from rnnkit.training.callbacks import TimeBudget


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def perf_counter(self) -> float:
        return self.now


def _fit(monkeypatch, step_seconds, max_seconds, batches=40, epochs=1):
    clock = FakeClock()
    monkeypatch.setattr(trainer_module, "time", types.SimpleNamespace(perf_counter=clock.perf_counter))
    torch.manual_seed(0)
    net = torch.nn.Linear(2, 1)
    seconds = iter(step_seconds)

    def loss_fn(model, batch):
        clock.now += next(seconds)          # the step's wall time
        return model(batch).pow(2).mean()

    data = [torch.randn(4, 2) for _ in range(batches)]
    result = Trainer(net, loss_fn=loss_fn, config=TrainConfig(epochs=epochs, max_seconds=max_seconds, quiet=True)
                     ).fit(data)
    return result, clock.now - 1000.0


def test_one_slow_step_does_not_end_a_budget_with_room_for_more(monkeypatch):
    # steps of 1 s with one of 4 s (a checkpoint written, a pause), a 9 s budget: at f7ce156 the fit stopped after
    # the slow step (7 s spent, + 4 s expected > 9) with 2 s of the budget left; the median of the recent steps
    # (1 s) lets the two steps that fit run, and no step ends past the budget
    result, spent = _fit(monkeypatch, [1.0, 1.0, 1.0, 4.0] + [1.0] * 40, 9.0)
    assert result.stop_reason == "max_seconds"
    assert result.global_step == 6 and spent == 9.0


def test_a_slow_warm_up_step_is_left_out_of_the_estimate(monkeypatch):
    # a first step of 3 s, then 1 s, then one of 2.5 s: the median of the steps after the first (1.75 s, not 2.5 s
    # as the last step, nor 2.5 with the warm-up counted) fits: 6.5 + 1.75 <= 8.5; then 7.5 s: median 1 -> 8.5 s
    result, spent = _fit(monkeypatch, [3.0, 1.0, 2.5] + [1.0] * 40, 8.5)
    assert result.global_step == 5 and spent == 8.5


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


def test_expected_step_is_the_median_after_the_first():
    tb = TimeBudget(10.0)
    assert tb.expected_step() == 0.0
    tb._steps = [5.0]
    assert tb.expected_step() == 5.0
    tb._steps = [5.0, 1.0, 3.0, 2.0]
    assert tb.expected_step() == 2.0
