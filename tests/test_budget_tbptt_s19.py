"""Session 19: max_seconds is honoured between the chunks of one truncated-BPTT batch (helper D's finding).

The contract (TrainConfig.max_seconds, TimeBudget, docs/training.md): the budget is checked after every optimizer
step. With tbptt_k one batch holds many steps; the whole batch ran (`rnnkit generate train` feeds one round as one
batch, so --max-seconds 40 recorded 55.9 s, the steps past the deadline at a cosine lr of 0)."""

import time

import torch

import rnnkit
from rnnkit.training import TrainConfig, Trainer


def _step(model, chunk, state):
    y, state = model(chunk, state)
    return y.pow(2).mean(), state


def _slow_step(model, chunk, state):
    time.sleep(0.02)
    return _step(model, chunk, state)


def test_a_time_budget_cuts_a_long_truncated_bptt_batch_and_says_so():
    torch.manual_seed(0)
    net = rnnkit.LSTM(1, 4, batch_first=True)
    x = torch.randn(2, 1000, 1)   # one batch of 100 chunks of 10 steps, >= 2 s of steps
    r = Trainer(net, step_fn=_slow_step, config=TrainConfig(epochs=1, tbptt_k=10, max_seconds=0.3, quiet=True)).fit([x])
    assert r.global_step < 100
    assert r.stop_reason == "max_seconds"


def test_max_steps_keeps_its_batch_level_rule():
    torch.manual_seed(0)
    net = rnnkit.LSTM(1, 4, batch_first=True)
    x = torch.randn(2, 100, 1)
    r = Trainer(net, step_fn=_step, config=TrainConfig(epochs=1, tbptt_k=10, max_steps=3, quiet=True)).fit([x])
    assert r.global_step == 10 and r.stop_reason == "max_steps"   # documented: the batch reaching it ends
