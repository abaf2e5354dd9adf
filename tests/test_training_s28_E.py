"""Training's leftover edges (session 28, helper E): no step at LR 0 once a schedule's deadline is spent.

Oracles: the weights before and after (a step at LR 0 leaves them as they were), the history's rows and the fit's
stop reason.
"""

from __future__ import annotations

import time
import warnings

import pytest
import torch

from rnnkit.training import EarlyStoppingConfig, ScheduleConfig, TrainConfig, Trainer
from rnnkit.training.callbacks import WarmupCosine

pytestmark = pytest.mark.usefixtures("one_thread")   # one torch thread (tests/conftest.py)


def _setup(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    net = torch.nn.Linear(3, 1)
    data = [(torch.randn(4, 3, generator=g), torch.randn(4, 1, generator=g)) for _ in range(5)]
    return net, data


def _loss(model, batch):
    return torch.nn.functional.mse_loss(model(batch[0]), batch[1])


def test_a_deadline_spent_before_the_fit_stops_it_before_a_step_at_lr_0():
    """A task whose data preparation spent its budget (the cosine's deadline counted from the task's start) trained
    one step at LR 0: the weights unchanged, a history row saying an epoch was trained at lr 0.0. Fails at 9e7b5a7
    (global_step 1, a row with lr 0.0)."""
    net, data = _setup()
    before = [p.detach().clone() for p in net.parameters()]
    cosine = WarmupCosine(10, deadline_seconds=1.0, start=time.perf_counter() - 5.0)
    result = Trainer(net, _loss, config=TrainConfig(epochs=2, quiet=True, max_seconds=1e-3),
                     callbacks=[cosine]).fit(data)
    assert (result.global_step, result.history, result.stop_reason) == (0, [], "max_seconds")
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


def test_a_deadline_passed_mid_fit_stops_it_instead_of_steps_at_lr_0():
    """Without a TimeBudget (or when the deadline passes between its check and the schedule's), every step after
    the deadline ran at LR 0. Fails at 9e7b5a7 (stop_reason 'epochs', rows with lr 0.0)."""
    net, data = _setup()

    def slow_loss(model, batch):
        time.sleep(0.03)
        return _loss(model, batch)

    result = Trainer(net, slow_loss, config=TrainConfig(epochs=6, quiet=True),
                     callbacks=[WarmupCosine(30, deadline_seconds=0.15)]).fit(data)
    assert result.stop_reason == "max_seconds"
    assert result.global_step < 30 and all(row["lr"] > 0 for row in result.history)


def test_a_deadline_with_a_floor_above_0_trains_on_at_it():
    """min_lr > 0: the LR is held there beyond the deadline (documented), the steps change the weights."""
    net, data = _setup()
    result = Trainer(net, _loss, config=TrainConfig(epochs=1, quiet=True),
                     callbacks=[WarmupCosine(5, deadline_seconds=1.0, min_lr=1e-3,
                                             start=time.perf_counter() - 5.0)]).fit(data)
    assert (result.global_step, result.stop_reason) == (5, "epochs")
    assert result.history[0]["lr"] == pytest.approx(1e-3)


def test_translate_whose_preparation_spent_the_budget_records_no_epoch_at_lr_0():
    """translate dict-pointer (its warm-up + cosine timed by the budget) with a spent budget logged one epoch
    trained at lr 0.0 (the network as built); now no epoch, the stop said, the network's note says none trains.
    Fails at 9e7b5a7 (epoch_log [{... 'lr': 0.0 ...}])."""
    from rnnkit.data.translation import num2words_pairs
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    pairs = num2words_pairs(30, seed=0, max_number=999)
    src, tgt = [p[0] for p in pairs], [p[1] for p in pairs]
    cfg = Seq2SeqConfig(model="dict-pointer", epochs=3, batch_size=16, val_fraction=0.0, progress=False,
                        max_seconds=1e-3)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        tr = Translator(cfg).fit(src, tgt, baselines=False)
    assert tr.epoch_log == [] and tr.history["stop_reason"] == "max_seconds"
    assert any("or none where its learning rate follows the budget" in str(w.message) for w in seen)


# ----------------------------------------------------------------------------- float16 overflow: what to do
def _overflowing(autocast_dtype=None, weights=torch.float32):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(8, 64), torch.nn.Linear(64, 1)).to(weights)
    data = [(torch.randn(16, 8) * 1e3, torch.randn(16, 1) * 1e3) for _ in range(2)]

    def loss_fn(model, batch):
        x, y = batch[0].to(weights), batch[1]
        with torch.autocast("cpu", dtype=autocast_dtype or torch.bfloat16, enabled=autocast_dtype is not None):
            out = model(x)
        return ((out.float() - y) ** 2).mean() * 1e4

    from rnnkit.training import OptimConfig

    cfg = TrainConfig(epochs=1, quiet=True, optim=OptimConfig("sgd", lr=1e-3))
    return Trainer(net, loss_fn, config=cfg), data


def test_a_float16_autocast_overflow_says_what_to_do():
    """A forward under torch.autocast(dtype=torch.float16) whose gradients overflow stopped training with
    'gradient: expected finite values, got NaN/inf' and no word of float16 (the Trainer never sees the autocast
    inside loss_fn). Fails at 9e7b5a7 (the message names neither bfloat16 nor GradScaler)."""
    from rnnkit.errors import NonFiniteLossError

    trainer, data = _overflowing(torch.float16)
    with pytest.raises(NonFiniteLossError, match=r"^gradient: expected finite values.*; the forward \(torch.autocast "
                                                 r"with dtype=torch.float16.*ran in float16.*bfloat16.*GradScaler"):
        trainer.fit(data)


def test_float16_weights_overflowing_say_so_and_float32_says_nothing_of_float16():
    from rnnkit.errors import NonFiniteLossError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # 16-bit weights' rounding warning (build_optimizer)
        trainer, data = _overflowing(weights=torch.float16)
        with pytest.raises(NonFiniteLossError, match=r"; the model's weights ran in float16.*bfloat16"):
            trainer.fit(data)
    net = torch.nn.Linear(2, 1)
    bad = Trainer(net, lambda m, b: m(b).sum() * float("nan"), config=TrainConfig(epochs=1, quiet=True))
    with pytest.raises(NonFiniteLossError) as err:
        bad.fit([torch.ones(1, 2)])
    assert "float16" not in str(err.value)


# ----------------------------------------------------------------------------- a floor above the LR
@pytest.mark.parametrize("make", [
    lambda: dict(config=TrainConfig(epochs=2, quiet=True, schedule=ScheduleConfig("cosine", min_lr=0.1))),
    lambda: dict(config=TrainConfig(epochs=2, quiet=True, schedule=ScheduleConfig("plateau", min_lr=0.1),
                                    early_stopping=EarlyStoppingConfig("train_loss"))),
    lambda: dict(config=TrainConfig(epochs=2, quiet=True), callbacks=[WarmupCosine(6, min_lr=0.1)]),
], ids=["cosine", "plateau", "warmup_cosine"])
def test_a_schedule_floor_above_the_learning_rate_is_refused(make):
    """min_lr=0.1 beside lr=1e-3: the cosine climbed 100x to 0.1 (the LR rose as the schedule 'decayed'), the
    plateau never lowered the LR; no word. Fails at 9e7b5a7 (the fit ran)."""
    from rnnkit.errors import ConfigError

    net, data = _setup()
    with pytest.raises(ConfigError, match=r"min_lr: expected at most the learning rate the .* schedule lowers "
                                          r"\(0.001\), got 0.1"):
        Trainer(net, _loss, **make()).fit(data)
