"""Session 34, helper R: the Trainer's time budget holds as a wall bound -- a step is taken only when the time it is
expected to take still fits (a fake clock: no timing is asserted)."""

from __future__ import annotations

import types

import pytest
import torch

from rnnkit.training import TrainConfig, Trainer
from rnnkit.training import trainer as trainer_module


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def perf_counter(self) -> float:
        return self.now


def _fit(monkeypatch, step_seconds, max_seconds, batches=30, epochs=1, val=None):
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
                     ).fit(data, val)
    return result, clock.now - 1000.0


def test_a_time_budget_takes_no_step_that_would_end_past_it(monkeypatch):
    # steps of 1 s, a 10.5 s budget: the check after step 10 (10 s) let step 11 run, ending at 11 s (past the
    # budget by the step); now 10 s + the last step's 1 s > 10.5: no eleventh step
    result, spent = _fit(monkeypatch, [1.0] * 40, 10.5)
    assert result.stop_reason == "max_seconds"
    assert result.global_step == 10 and spent <= 10.5


def test_a_time_budget_takes_the_steps_that_fit_and_at_least_one(monkeypatch):
    result, spent = _fit(monkeypatch, [1.0] * 40, 12.0)    # a step ending at the budget is taken: 12 steps, 12 s
    assert result.global_step == 12 and spent <= 12.0
    result, spent = _fit(monkeypatch, [5.0] * 40, 1.0)     # one step longer than the budget: a fit takes one
    assert result.global_step == 1 and result.stop_reason == "max_seconds"


def test_a_time_budget_reads_steps_slower_than_the_rest(monkeypatch):
    # the step time is measured, step by step: steps of 4 s after steps of 1 s are what the next is expected to take
    # (session 35: the median of the recent steps after the first, tests/test_trainer_s35_R.py -- one slow step
    # among fast ones no longer ends the budget)
    result, spent = _fit(monkeypatch, [1.0, 1.0, 4.0, 4.0, 4.0, 4.0], 13.0)
    assert result.global_step == 4 and spent == pytest.approx(10.0)    # 10 + 4 > 13: stop (it may take 4 s again)
