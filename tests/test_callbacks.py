"""Trainer callbacks: hook order, per-step warm-up + cosine against its formula (and the SGD update it
drives), one kept progress line per epoch, metric log rows, request_stop reasons, a time budget that stops
mid-epoch, and callback state that resumes exactly."""

import io
import json
import math

import pytest
import torch
from torch import nn

from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.training import (
    Callback,
    EarlyStopping,
    EpochBatches,
    GradientFlowMonitor,
    LRSchedule,
    MetricLogger,
    OptimConfig,
    ProgressBar,
    ScheduleConfig,
    TimeBudget,
    TrainConfig,
    Trainer,
    WarmupCosine,
    load_checkpoint,
)
from rnnkit.training import checkpoint as ck
from rnnkit.training.callbacks import control, epoch_summary, warmup_cosine_lr

from test_training import Net, assert_same, loss_fn, make_data, step_fn, weights

pytestmark = pytest.mark.usefixtures("one_thread_module")  # one torch thread (tests/conftest.py)

QUIET = dict(quiet=True)


class Recorder(Callback):
    """Logs every hook call; its state (a step counter) must survive a resume."""

    def __init__(self):
        self.calls, self.steps = [], 0

    def __getattribute__(self, name):
        attr = object.__getattribute__(self, name)
        if name.startswith("on_") or name == "setup":
            calls = object.__getattribute__(self, "calls")

            def logged(*args):
                calls.append(name)
                return attr(*args)
            return logged
        return attr

    def on_step_end(self, trainer, step, loss, metrics):
        self.steps += 1

    def state_dict(self):
        return {"steps": self.steps}

    def load_state_dict(self, state):
        self.steps = state["steps"]


# ------------------------------------------------------------------------------------ hooks
def test_hooks_run_in_order_once_per_batch_step_and_epoch():
    rec = Recorder()
    cfg = TrainConfig(epochs=1, tbptt_k=6, **QUIET)   # T=12: two chunks -> two optimizer steps per batch
    Trainer(Net(), step_fn=step_fn, config=cfg, callbacks=[rec]).fit(make_data(n_batches=2), make_data(n_batches=1))
    batch = ["on_batch_start", "on_step_end", "on_step_end", "on_batch_end"]
    assert rec.calls == ["setup", "on_fit_start", "on_epoch_start", *batch, *batch, "on_validation_end",
                         "on_epoch_end", "on_fit_end"]
    assert rec.steps == 4

    rec = Recorder()

    def boom(m, b):
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"):
        Trainer(Net(), boom, config=TrainConfig(epochs=1, **QUIET), callbacks=[rec]).fit(make_data())
    assert rec.calls[-2:] == ["on_batch_start", "on_exception"]
    with pytest.raises(InputTypeError, match=r"callbacks\[0\]"):
        Trainer(Net(), loss_fn, callbacks=[lambda: None])


def test_validation_end_may_add_row_keys_and_epoch_end_sees_the_full_row():
    seen = []

    class AddF1(Callback):
        def on_validation_end(self, trainer, epoch, metrics):
            metrics["val_double"] = 2 * metrics["val_loss"]

        def on_epoch_end(self, trainer, epoch, row):
            seen.append((epoch, trainer.epoch, dict(row)))

    r = Trainer(Net(), loss_fn, config=TrainConfig(epochs=2, **QUIET), callbacks=[AddF1()]).fit(make_data(), make_data())
    assert [h["val_double"] for h in r.history] == [2 * h["val_loss"] for h in r.history]
    assert [(e, done) for e, done, _ in seen] == [(0, 1), (1, 2)] and seen[-1][2] == r.history[-1]


# ------------------------------------------------------------------------------------ per-step LR
def _formula(base, frac, warmup, floor=0.05):
    if frac < warmup:
        return base * max(frac / warmup, floor)
    return base * 0.5 * (1 + math.cos(math.pi * min(1.0, (frac - warmup) / (1 - warmup))))


def test_warmup_cosine_sets_every_steps_lr_and_sgd_uses_it():
    total, base = 10, 0.2
    lrs, updates = [], []

    class Watch(Callback):
        def on_batch_start(self, trainer, i):
            self.before = {n: p.detach().clone() for n, p in trainer.module.named_parameters()}
            lrs.append(trainer.lr)

        def on_step_end(self, trainer, step, loss, metrics):   # SGD: w_before - w_after == lr * grad
            p = dict(trainer.module.named_parameters())
            updates.append(max(float(((self.before[n] - p[n].detach()) - lrs[-1] * p[n].grad).abs().max()) for n in p))

    cfg = TrainConfig(epochs=3, optim=OptimConfig("sgd", lr=base), **QUIET)
    order = [WarmupCosine(total_steps=total, warmup=0.3), Watch()]   # WarmupCosine runs first (given first)
    r = Trainer(Net(), loss_fn, config=cfg, callbacks=order).fit(make_data(n_batches=4))
    assert r.global_step == 12
    assert lrs == pytest.approx([_formula(base, s / total, 0.3) for s in range(12)], abs=1e-12)
    assert lrs[0] == pytest.approx(base * 0.05) and lrs[3] == pytest.approx(base) and lrs[-1] == 0.0
    assert max(updates) < 1e-6
    assert [h["lr"] for h in r.history] == pytest.approx([lrs[3], lrs[7], lrs[11]])  # the row: the epoch's last LR


def test_warmup_cosine_to_a_deadline_and_argument_errors(monkeypatch):
    cb = WarmupCosine(deadline_seconds=10.0, warmup=0.1, lr=1.0, start=100.0)
    for now, want in ((100.0, 0.05), (100.5, 0.5), (101.0, 1.0), (105.5, 0.5), (110.0, 0.0), (130.0, 0.0)):
        monkeypatch.setattr(control.time, "perf_counter", lambda now=now: now)
        assert cb.lr_at(cb.frac(None)) == pytest.approx(want, abs=1e-12) == pytest.approx(_formula(1.0, (now - 100) / 10, 0.1))
    assert warmup_cosine_lr(1.0, 1.0, 0.0, min_lr=0.1) == pytest.approx(0.1)
    for kw, match in ((dict(), "got neither"),    # both: the limit that ends first (tests/test_budget_s27_B2.py)
                      (dict(total_steps=0), "total_steps"), (dict(total_steps=5, warmup=1.0), "warmup"),
                      (dict(deadline_seconds=-1.0), "deadline_seconds")):
        with pytest.raises(ConfigError, match=match):
            WarmupCosine(**kw)


# ------------------------------------------------------------------------------------ progress, logs
def test_progress_keeps_one_summary_line_per_epoch(capsys):
    r = Trainer(Net(), loss_fn, config=TrainConfig(epochs=3)).fit(make_data(), make_data(n_batches=1))
    err = capsys.readouterr().err.splitlines()   # captured stderr is not a TTY: no bar, only the kept lines
    assert err == [epoch_summary(h, 3) for h in r.history]
    assert err[1].startswith("epoch 2/3  train_loss ") and " val_loss " in err[1]
    Trainer(Net(), loss_fn, config=TrainConfig(epochs=2, quiet=True)).fit(make_data())
    assert capsys.readouterr().err == ""
    buf = io.StringIO()   # a ProgressBar passed in replaces the config's (no second line per epoch)
    Trainer(Net(), loss_fn, config=TrainConfig(epochs=2), callbacks=[ProgressBar(stream=buf)]).fit(make_data())
    assert capsys.readouterr().err == "" and len(buf.getvalue().splitlines()) == 2


def test_metric_logger_rows_jsonl_and_csv(tmp_path):
    vals = iter([0.5, float("nan"), 0.25])
    logs = [MetricLogger(tmp_path / "m.jsonl"), MetricLogger(tmp_path / "m.csv", format="csv")]
    r = Trainer(Net(), loss_fn, config=TrainConfig(epochs=3, **QUIET), callbacks=logs,
                eval_fn=lambda m, d: {"acc": next(vals)}).fit(make_data(), [None])
    rows = [json.loads(x) for x in (tmp_path / "m.jsonl").read_text().splitlines()]
    assert rows == r.history and [x["val_acc"] for x in rows] == [0.5, None, 0.25]   # NaN -> null
    lines = (tmp_path / "m.csv").read_text().splitlines()
    assert lines[0] == "epoch,step,lr,train_loss,val_acc,time_s" and len(lines) == 4
    assert lines[2].split(",")[4] == "" and float(lines[1].split(",")[3]) == pytest.approx(rows[0]["train_loss"])
    with pytest.raises(ConfigError, match="format"):
        MetricLogger(format="xml")
    try:
        import torch.utils.tensorboard  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match="tensorboard"):
            MetricLogger(tensorboard=True)


# ------------------------------------------------------------------------------------ stopping
def test_request_stop_reasons():
    class StopAt(Callback):
        def __init__(self, step=None, epoch=None, reason="enough"):
            self.step, self.epoch, self.reason = step, epoch, reason

        def on_step_end(self, trainer, step, loss, metrics):
            if step == self.step:
                trainer.request_stop(self.reason)

        def on_epoch_end(self, trainer, epoch, row):
            if epoch == self.epoch:
                trainer.request_stop(self.reason)

    fit = lambda cb: Trainer(Net(), loss_fn, config=TrainConfig(epochs=5, **QUIET), callbacks=[cb]).fit(make_data())  # noqa: E731
    r = fit(StopAt(step=5))          # mid-epoch: the epoch ends after that batch, with its row
    assert (r.global_step, r.epochs_run, r.stop_reason, r.stopped_early) == (5, 2, "enough", True)
    assert r.history[-1]["step"] == 5
    r = fit(StopAt(epoch=2))         # at an epoch end: no further epoch
    assert (r.global_step, r.epochs_run, r.stop_reason) == (9, 3, "enough")
    r = fit(StopAt(step=2, reason="max_seconds"))   # a limit is not an early stop
    assert (r.epochs_run, r.stop_reason, r.stopped_early) == (1, "max_seconds", False)
    assert fit(StopAt()).stop_reason == "epochs"
    with pytest.raises(InputTypeError, match="reason"):
        fit(StopAt(step=1, reason=""))


def test_time_budget_stops_in_the_middle_of_an_epoch():
    import time

    def slow(m, b):
        time.sleep(0.05)
        return loss_fn(m, b)

    data = make_data(n_batches=1) * 40          # 40 batches of >= 0.05 s: 2 s per epoch, far over the budget
    r = Trainer(Net(), slow, config=TrainConfig(epochs=3, max_seconds=0.2, **QUIET)).fit(data)
    assert 1 <= r.global_step < 40 and r.epochs_run == 1
    assert r.stop_reason == "max_seconds" and not r.stopped_early and r.history[-1]["step"] == r.global_step
    with pytest.raises(ConfigError, match="max_seconds"):
        TimeBudget(0)


# ------------------------------------------------------------------------------------ exact resume
class _Crash(Exception):
    pass


class Skipping(EpochBatches):
    skips: list = []

    def skip(self, n):
        Skipping.skips.append((self.epoch, n))
        super().skip(n)


def _fit(run_dir, crash_at=None, resume=False):
    torch.manual_seed(0)
    net = Net(dropout=0.3, layers=2)
    batches = make_data(n_batches=5, seed=3)
    data = Skipping(lambda e: [batches[i] for i in torch.randperm(5, generator=torch.Generator().manual_seed(e))], 5)
    calls = {"n": 0}

    def lf(m, b):
        calls["n"] += 1
        if calls["n"] == crash_at:
            raise _Crash
        return loss_fn(m, b)

    rec = Recorder()   # early stopping on the *highest* train loss: it restores an early epoch's weights
    cbs = [EarlyStopping("train_loss", mode="max", patience=10), WarmupCosine(total_steps=20, warmup=0.2),
           GradientFlowMonitor(every=2, plots=False), LRSchedule(ScheduleConfig("step", step_size=1, gamma=0.7)), rec]
    cfg = TrainConfig(epochs=4, optim=OptimConfig("adamw", lr=0.02), checkpoint_every=3, seed=1, **QUIET)
    Trainer(net, lf, config=cfg, run_dir=run_dir, callbacks=cbs).fit(data, resume=resume)
    return weights(net), rec.steps


def test_callback_state_resumes_exactly(tmp_path):
    ref_w, ref_steps = _fit(tmp_path / "ref")
    Skipping.skips.clear()
    with pytest.raises(_Crash):
        _fit(tmp_path / "run", crash_at=14)          # in epoch 3; the latest checkpoint is step 12 (epoch 3, batch 2)
    saved = load_checkpoint(tmp_path / "run")
    assert saved.step == 12 and set(saved.state["callbacks"]) == {"EarlyStopping", "GradientFlowMonitor",
                                                                   "LRSchedule", "Recorder", "WarmupCosine"}
    assert saved.state["callbacks"]["Recorder"] == {"steps": 12}
    assert any(k.startswith("gradflow/") for k in saved.state["callbacks"]["GradientFlowMonitor"]["pending"])
    w, steps = _fit(tmp_path / "run", resume=True)
    assert Skipping.skips == [(2, 2)]                  # the data skipped the two batches done (no replay)
    assert steps == ref_steps == 20
    assert_same(w, ref_w)
    rows = lambda d: [{k: v for k, v in json.loads(x).items() if k != "time_s"}  # noqa: E731
                      for x in (d / "metrics.jsonl").read_text().splitlines()]
    assert rows(tmp_path / "run") == rows(tmp_path / "ref") and "gradflow/LSTM.l0.fwd/ratio" in rows(tmp_path / "ref")[2]


def test_checkpoints_from_before_callbacks_still_resume(tmp_path):
    """A checkpoint whose state has the old keys (scheduler, early, best_weights, epoch_extra) resumes."""
    ref_w, _ = _fit(tmp_path / "ref")
    with pytest.raises(_Crash):
        _fit(tmp_path / "run", crash_at=14)
    path = ck.latest_checkpoint(tmp_path / "run")
    old = load_checkpoint(path)
    state = dict(old.state)
    cbs = state.pop("callbacks")
    state.update(scheduler=cbs["LRSchedule"], epoch_extra=cbs["GradientFlowMonitor"]["pending"],
                 early={k: v for k, v in cbs["EarlyStopping"].items() if k != "best_weights"},
                 best_weights=cbs["EarlyStopping"]["best_weights"])
    ck.save_checkpoint(tmp_path / "run", step=old.step, model_state=old.model_state, state=state)
    w, _ = _fit(tmp_path / "run", resume=True)
    assert_same(w, ref_w)
