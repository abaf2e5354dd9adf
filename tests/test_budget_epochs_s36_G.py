"""Session 36, helper G (review W4): the time budget checks the first step of an epoch too -- at the end of the epoch
before, after its validation, keeping that validation's duration in reserve as every other step's check does
(docs/training.md). The check ran after steps only, so after a validation the next epoch's first step was taken
unchecked and the fit ended past the budget. A fake clock (as tests/test_trainer_s34_R.py): no timing is asserted."""

from __future__ import annotations

import types

import numpy as np
import pytest
import torch

from rnnkit.training import TrainConfig, Trainer
from rnnkit.training import trainer as trainer_module

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _fit(monkeypatch, max_seconds, step=1.0, val_batch=1.0, batches=10, val_batches=5, epochs=4):
    clock = types.SimpleNamespace(now=1000.0)
    monkeypatch.setattr(trainer_module, "time", types.SimpleNamespace(perf_counter=lambda: clock.now))
    torch.manual_seed(0)
    net = torch.nn.Linear(2, 1)

    def loss_fn(model, batch):
        clock.now += step if model.training else val_batch     # a training step or a validation batch
        return model(batch).pow(2).mean()

    data, val = [torch.randn(4, 2) for _ in range(batches)], [torch.randn(4, 2) for _ in range(val_batches)]
    result = Trainer(net, loss_fn=loss_fn, config=TrainConfig(epochs=epochs, max_seconds=max_seconds, quiet=True)
                     ).fit(data, val)
    return result, clock.now - 1000.0


@pytest.mark.parametrize("step,val_batch", [(1.0, 1.0), (2.0, 0.5), (0.5, 3.0)])
def test_a_fit_with_validation_ends_within_its_budget_whatever_the_budget(monkeypatch, step, val_batch):
    # Oracle: the documented rule, computed here -- a step is taken only when its end plus the validation in reserve
    # fits. Epoch: 10 steps then 5 validation batches. Every budget from one epoch's length to past the whole fit:
    # the fit ends within it, and it stops only when one more step and a validation would not have fitted.
    epoch = 10 * step + 5 * val_batch
    for budget in np.arange(epoch + 0.25, 4 * epoch + 1, step / 2):
        result, spent = _fit(monkeypatch, float(budget), step, val_batch)
        assert spent <= budget, (budget, spent, result.global_step)
        if result.stop_reason == "max_seconds":
            assert spent + step + 5 * val_batch > budget, (budget, spent)     # not stopped early either
        else:
            assert result.global_step == 40 and spent == pytest.approx(4 * epoch)


def test_the_first_step_after_a_validation_is_checked(monkeypatch):
    # 10 steps of 1 s, validation 5 s: epoch 1 ends at 15 s; budget 20.5 -- step 11 would end at 16 s and its
    # validation at 21 s: not taken (it was: 21 s)
    result, spent = _fit(monkeypatch, 20.5)
    assert (result.global_step, spent, result.stop_reason) == (10, 15.0, "max_seconds")
    result, spent = _fit(monkeypatch, 21.0)          # ending exactly at the budget is within it: one more step
    assert (result.global_step, spent) == (11, 21.0)


@pytest.mark.parametrize("ckpt", [4.0, 0.5])
def test_a_fit_with_a_run_dir_keeps_its_checkpoint_writes_within_the_budget(monkeypatch, tmp_path, ckpt):
    # review W2-3: the epoch end's checkpoint (written after the epoch-end check) was in no step's time and in no
    # reserve, so the next epoch's first step ran unchecked (29 s of 21). Oracle: the fake clock's own sum -- every
    # budget from one epoch and its checkpoint on is kept, and the fit stops only when one more step, a validation
    # and a checkpoint would not fit.
    clock = types.SimpleNamespace(now=1000.0)
    monkeypatch.setattr(trainer_module, "time", types.SimpleNamespace(perf_counter=lambda: clock.now))
    save = Trainer.save_checkpoint

    def slow_save(self, *args, **kwargs):
        clock.now += ckpt
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "save_checkpoint", slow_save)

    def loss_fn(model, batch):
        clock.now += 1.0                         # a training step or a validation batch: 1 s
        return model(batch).pow(2).mean()

    epoch = 10 + 5 + ckpt
    for i, budget in enumerate(np.arange(epoch + 0.25, 3 * epoch + 1, 1.5)):
        clock.now = 1000.0
        torch.manual_seed(0)
        data, val = [torch.randn(4, 2) for _ in range(10)], [torch.randn(4, 2) for _ in range(5)]
        result = Trainer(torch.nn.Linear(2, 1), loss_fn=loss_fn, run_dir=tmp_path / f"r{i}",
                         config=TrainConfig(epochs=3, max_seconds=float(budget), quiet=True)).fit(data, val)
        spent = clock.now - 1000.0
        assert spent <= budget, (budget, spent, result.global_step)
        if result.stop_reason == "max_seconds":
            assert spent + 1 + 5 + ckpt > budget, (budget, spent)
        else:
            assert result.global_step == 30
