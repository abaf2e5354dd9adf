"""Sweep 9c (session 12, helper W): training loop, engines, scans, diagnostics. Each test fails on the
code before its fix."""

import sys
from pathlib import Path

import pytest
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from test_training import Net, assert_same, loss_fn, make_data, weights  # noqa: E402

from rnnkit.training import EarlyStoppingConfig, ScheduleConfig, TrainConfig, Trainer  # noqa: E402
from rnnkit.training.callbacks import Callback  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread_module")


class LimitAt(Callback):
    """Ends the fit at optimizer step ``at`` with a limit's reason, as TimeBudget does (deterministic)."""

    def __init__(self, at):
        self.at = at

    def on_step_end(self, trainer, step, loss, metrics):
        if step == self.at:
            trainer.request_stop("max_seconds")


def _fit(net, run_dir=None, resume=False, callbacks=(), **cfg):
    cfg = TrainConfig(**{"epochs": 3, "quiet": True, "early_stopping": EarlyStoppingConfig(patience=5),
                         "schedule": ScheduleConfig(name="plateau", patience=0, gamma=0.5), **cfg})
    loader = torch.utils.data.DataLoader(make_data(n_batches=4, B=2, T=6), batch_size=None, shuffle=True)
    val = make_data(n_batches=1, seed=1)
    return Trainer(net, loss_fn, config=cfg, run_dir=run_dir, callbacks=list(callbacks)).fit(loader, val, resume=resume)


@pytest.mark.parametrize("limit", ["max_steps", "max_seconds"])
def test_a_limit_mid_epoch_then_resume_equals_the_uninterrupted_run(tmp_path, limit):
    # A fit stopped by max_steps / max_seconds in the middle of an epoch ended that epoch (validation, row)
    # and checkpointed it as complete: the resume started the next epoch, the rest of the cut one was never
    # trained (7 steps instead of 9, other weights), silently.
    torch.manual_seed(0)
    a = Net(dropout=0.3, layers=2)
    ra = _fit(a)
    torch.manual_seed(0)
    b = Net(dropout=0.3, layers=2)
    first = dict(max_steps=6) if limit == "max_steps" else dict(callbacks=[LimitAt(6)])
    r1 = _fit(b, tmp_path, **first)
    assert r1.global_step == 6 and len(r1.history) == 2 and r1.stop_reason == limit  # this fit: as before
    torch.manual_seed(1)
    c = Net(dropout=0.3, layers=2)
    rc = _fit(c, tmp_path, resume=True)
    assert rc.global_step == ra.global_step == 12
    untimed = lambda rows: [{k: v for k, v in r.items() if k != "time_s"} for r in rows]  # noqa: E731
    assert untimed(rc.history) == untimed(ra.history)
    assert_same(weights(a), weights(c))


def test_a_resume_may_not_extend_a_cosine_schedule_past_its_span(tmp_path):
    # epochs is a resumable change, but the cosine scheduler's state keeps the checkpoint's span: a 4-epoch
    # run resumed with epochs=8 took LRs 0.0, 0.146, 0.5, 0.854 after epoch 4 (rising back to the peak)
    # where an 8-epoch run anneals 0.5 .. 0.038, silently. Fewer epochs (an earlier stop) stay allowed.
    from rnnkit.errors import CheckpointError
    from rnnkit.training import OptimConfig

    data = make_data(n_batches=1, T=4)
    cfg = dict(quiet=True, schedule=ScheduleConfig(name="cosine"), optim=OptimConfig(lr=1.0, name="sgd"))
    Trainer(Net(), loss_fn, config=TrainConfig(epochs=4, max_steps=2, **cfg), run_dir=tmp_path).fit(data)
    with pytest.raises(CheckpointError, match=r"^epochs: expected at most 4 .* got 8"):
        Trainer(Net(), loss_fn, config=TrainConfig(epochs=8, **cfg), run_dir=tmp_path).fit(data, resume=True)
    r = Trainer(Net(), loss_fn, config=TrainConfig(epochs=3, **cfg), run_dir=tmp_path).fit(data, resume=True)
    assert [round(h["lr"], 3) for h in r.history] == [1.0, 0.854, 0.5]
    plain = dict(cfg, schedule=ScheduleConfig(name="step", step_size=2))   # a span-free schedule may extend
    Trainer(Net(), loss_fn, config=TrainConfig(epochs=2, **plain), run_dir=tmp_path / "s").fit(data)
    r = Trainer(Net(), loss_fn, config=TrainConfig(epochs=4, **plain), run_dir=tmp_path / "s").fit(data, resume=True)
    assert r.epochs_run == 4


def test_a_resume_without_a_checkpointed_callback_is_refused(tmp_path):
    # A checkpoint's callback state that no callback of the resumed Trainer takes was dropped: a fit with
    # callbacks=[EarlyStopping(...)] resumed without it ran on with no early stopping, FitResult.best None
    # and the best weights never restored, silently.
    from rnnkit.errors import CheckpointError
    from rnnkit.training.callbacks import EarlyStopping

    data, val = make_data(n_batches=2, T=4), make_data(n_batches=1, seed=3)
    r = Trainer(Net(), loss_fn, config=TrainConfig(epochs=2, quiet=True), run_dir=tmp_path,
                callbacks=[EarlyStopping(patience=3)]).fit(data, val)
    assert r.best is not None
    with pytest.raises(CheckpointError, match=r"^callbacks: expected a callback .* got none for \['EarlyStopping'\]"):
        Trainer(Net(), loss_fn, config=TrainConfig(epochs=3, quiet=True), run_dir=tmp_path).fit(data, val, resume=True)
    r = Trainer(Net(), loss_fn, config=TrainConfig(epochs=3, quiet=True), run_dir=tmp_path,
                callbacks=[EarlyStopping(patience=3)]).fit(data, val, resume=True)
    assert r.epochs_run == 3 and r.best is not None


@pytest.mark.parametrize("variant", ["lstm", "lstm-proj", "gru-zoneout"])
def test_bench_times_a_baseline_of_the_same_shapes(monkeypatch, variant):
    # lstm-proj's torch.nn arm was nn.LSTM(I, H) without proj_size: a bigger recurrence with outputs of
    # size H against the rnnkit arm's H // 2 (which runs torch's own projection kernel), so its ratio said
    # 2.6x slower than itself (B8 T100 H128 on CPU), silently.
    from rnnkit.bench import suite

    seen = {}

    def record(m, x):
        y, state = m(x)
        seen.setdefault(type(m).__module__.split(".")[0], (tuple(y.shape), sum(p.numel() for p in m.parameters())))

    monkeypatch.setattr(suite, "train_step", record)
    monkeypatch.setattr(suite, "time_interleaved", lambda fns, *a: {k: (fn(), 1.0)[1] for k, fn in fns.items()})
    suite._bench_one(variant, 2, 3, 4, 6, "cpu", torch.float32, "fp32", 1, 0.01, False, False, False)
    assert seen["torch"] == seen["rnnkit"]


def test_a_second_fit_of_one_trainer_is_refused():
    # fit() again on a Trainer that has trained returned at once with the first call's result (epochs
    # reached, stop reason kept): new data, or a call meant to train on, trained nothing, silently.
    from rnnkit.errors import ConfigError

    tr = Trainer(Net(), loss_fn, config=TrainConfig(epochs=1, quiet=True))
    tr.fit(make_data(n_batches=2, T=4))
    before = weights(tr.module)
    with pytest.raises(ConfigError, match=r"^fit: expected a Trainer that has not trained yet, got one that already "
                                          r"ran 1 epochs \(2 steps\)"):
        tr.fit(make_data(n_batches=2, T=4, seed=5))
    assert_same(before, weights(tr.module))


@pytest.mark.parametrize("make, field", [
    (lambda: __import__("rnnkit.training", fromlist=["x"]).OptimConfig("adam", momentum=0.9), "optim.momentum"),
    (lambda: __import__("rnnkit.training", fromlist=["x"]).OptimConfig("sgd", betas=(0.5, 0.9)), "optim.betas"),
    (lambda: ScheduleConfig("cosine", step_size=3), "schedule.step_size"),
    (lambda: ScheduleConfig("cosine", gamma=0.5), "schedule.gamma"),
    (lambda: ScheduleConfig("step", patience=4), "schedule.patience"),
    (lambda: ScheduleConfig("none", min_lr=1e-4), "schedule.min_lr"),
])
def test_a_setting_the_chosen_optimizer_or_schedule_does_not_read_is_refused(make, field):
    # OptimConfig('adam', momentum=0.9) trained plain Adam and ScheduleConfig('cosine', step_size=3) a
    # cosine over the epochs, the setting ignored without a word.
    from rnnkit.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"^{field}: expected the default .* got "):
        make()


def test_settings_the_chosen_optimizer_or_schedule_reads_are_kept():
    from rnnkit.training import OptimConfig

    assert OptimConfig("sgd", momentum=0.9).momentum == 0.9 and OptimConfig("adamw", betas=(0.8, 0.9)).betas == (0.8, 0.9)
    s = ScheduleConfig("plateau", gamma=0.5, patience=1, min_lr=1e-5)
    assert (s.gamma, s.patience, s.min_lr) == (0.5, 1, 1e-5) and ScheduleConfig("step", step_size=3, gamma=0.2).step_size == 3


@pytest.mark.parametrize("kw, name", [(dict(checkpoint_every=5), "config.checkpoint_every"),
                                      (dict(keep_checkpoints=4), "config.keep_checkpoints"),
                                      (dict(log_format="csv"), "config.log_format")])
def test_run_folder_settings_without_a_run_dir_are_refused(kw, name):
    # Trainer(run_dir=None) with checkpoint_every=5 trained without a checkpoint, and log_format='csv'
    # wrote no log, without a word.
    from rnnkit.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"^{name}: expected the default .* without a run_dir"):
        Trainer(Net(), loss_fn, config=TrainConfig(quiet=True, **kw))


def test_truncation_settings_without_tbptt_are_refused():
    # time_dim and split_fn are read only by truncated BPTT: set without tbptt_k they were ignored.
    from rnnkit.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^time_dim: expected the default 1 without tbptt_k"):
        TrainConfig(time_dim=0)
    with pytest.raises(ConfigError, match=r"^split_fn: expected None without truncated BPTT"):
        Trainer(Net(), loss_fn, config=TrainConfig(quiet=True), split_fn=lambda b, k, d: [b])
    assert TrainConfig(tbptt_k=4, time_dim=0).time_dim == 0


@pytest.mark.parametrize("keep", [0, -1, True, 2.0])
def test_checkpoint_keep_must_be_a_positive_int(tmp_path, keep):
    # Trainer.save_checkpoint(keep=0) kept config.keep_checkpoints; save_checkpoint(keep=0 or -1) kept every one.
    from rnnkit.errors import CheckpointError, ConfigError
    from rnnkit.training.checkpoint import save_checkpoint

    with pytest.raises(CheckpointError, match=r"^keep: expected a positive int, got "):
        save_checkpoint(tmp_path, step=1, model_state={"w": torch.ones(1)}, state={}, keep=keep)
    with pytest.raises(ConfigError, match=r"^keep: expected a positive int or None, got "):
        Trainer(Net(), loss_fn, config=TrainConfig(quiet=True), run_dir=tmp_path / "r").save_checkpoint(keep=keep)


def test_a_one_shot_validation_generator_is_named_as_such():
    # A generator as val_data was read whole by epoch 1; epoch 2 said 'expected at least one batch, got an
    # empty iterable' about data that had batches.
    from rnnkit.errors import ConfigError

    val = (b for b in make_data(n_batches=1, T=4))
    with pytest.raises(ConfigError, match=r"^val_data: expected an iterable that starts again .* one-shot generator"):
        Trainer(Net(), loss_fn, config=TrainConfig(epochs=2, quiet=True)).fit(make_data(n_batches=1, T=4), val)


def test_clip_norm_rescues_finite_gradients_whose_norm_overflows():
    # float32 gradients of 1e20 are finite, but their squares overflow: clip_grad_norm_ returned inf (and
    # zeroed them), and the Trainer stopped with 'gradient norm: expected a finite value, got inf', the
    # case clip_norm exists for. Oracle: the same step with the gradients scaled down by 1e20 first (the
    # clipped gradient is the same direction at length clip_norm).
    from rnnkit.training import OptimConfig

    def run(scale):
        torch.manual_seed(0)
        net = nn.Linear(3, 2)
        def lossf(m, b):
            return m(b).pow(2).sum() * scale
        cfg = TrainConfig(epochs=1, quiet=True, clip_norm=0.5, optim=OptimConfig("sgd", lr=0.1))
        Trainer(net, lossf, config=cfg).fit([torch.ones(4, 3)])
        return weights(net)

    huge, plain = run(1e20), run(1.0)
    assert all(torch.isfinite(v).all() for v in huge.values())
    assert_same(huge, plain, exact=False)


def test_clip_norm_still_stops_on_a_nan_or_inf_gradient():
    from rnnkit.errors import NonFiniteLossError

    for inner in (lambda w: w, lambda w: w * 0):   # sqrt'(0) = inf: an inf gradient; times 0: NaN
        net = nn.Linear(3, 2)
        nn.init.zeros_(net.weight)
        lossf = lambda m, b, f=inner: m(b).sum() + f(m.weight).sqrt().sum()  # noqa: E731  (a finite loss)
        with pytest.raises(NonFiniteLossError, match=r"^gradient norm: expected a finite value"):
            Trainer(net, lossf, config=TrainConfig(epochs=1, quiet=True, clip_norm=1.0)).fit([torch.ones(2, 3)])


def test_a_resume_into_data_with_fewer_batches_is_refused_with_skip_too(tmp_path):
    # Data with skip() (EpochBatches, the task adapters) and fewer batches than the checkpoint's position:
    # the skip ran past the end, the epoch ended with no batch, silently; a plain list was already refused.
    from rnnkit.errors import CheckpointError
    from rnnkit.training import EpochBatches

    data = make_data(n_batches=4, T=4)
    Trainer(Net(), loss_fn, config=TrainConfig(epochs=2, max_steps=3, quiet=True), run_dir=tmp_path).fit(data)
    for short in (EpochBatches(lambda e: data[:2], length=2), data[:2]):
        with pytest.raises(CheckpointError, match=r"^train_data: the checkpoint is at batch 3 of epoch 1, expected "
                                                  r"at least that many batches, got 2"):
            Trainer(Net(), loss_fn, config=TrainConfig(epochs=2, quiet=True), run_dir=tmp_path).fit(short, resume=True)


def test_a_task_config_with_tuples_resumes(tmp_path):
    # config.json reads a tuple back as a list, and the comparison refused every resume of such a run:
    # "expected the same task config ..., got {'shape': (1, 2)} (checkpoint: {'shape': [1, 2]})".
    from rnnkit.errors import CheckpointError

    data, tc = make_data(n_batches=2, T=4), {"shape": (1, 2), "nested": {"k": (3,)}}
    Trainer(Net(), loss_fn, config=TrainConfig(epochs=1, quiet=True), run_dir=tmp_path, task_config=tc).fit(data)
    r = Trainer(Net(), loss_fn, config=TrainConfig(epochs=2, quiet=True), run_dir=tmp_path, task_config=tc).fit(
        data, resume=True)
    assert r.epochs_run == 2
    with pytest.raises(CheckpointError, match=r"^resume: expected the same task config"):   # a real change still is one
        Trainer(Net(), loss_fn, config=TrainConfig(epochs=3, quiet=True), run_dir=tmp_path,
                task_config={"shape": (1, 3), "nested": {"k": (3,)}}).fit(data, resume=True)


def test_a_resumed_early_stopping_must_watch_the_same_metric(tmp_path):
    # EarlyStopping passed in callbacks= is outside the config comparison: resumed with monitor='val_m'
    # (mode max) it took the checkpoint's best val_loss (min) as its best val_m, silently.
    from rnnkit.errors import CheckpointError
    from rnnkit.training.callbacks import EarlyStopping

    def lossm(m, b):
        return loss_fn(m, b), {"m": 1.0}

    data, val = make_data(n_batches=2, T=4), make_data(n_batches=1, seed=3)
    Trainer(Net(), lossm, config=TrainConfig(epochs=1, quiet=True), run_dir=tmp_path,
            callbacks=[EarlyStopping("val_loss")]).fit(data, val)
    for es, key in ((EarlyStopping("val_m", mode="min"), "monitor"), (EarlyStopping("val_loss", mode="max"), "mode")):
        with pytest.raises(CheckpointError, match=rf"^early_stopping.{key}: expected "):
            Trainer(Net(), lossm, config=TrainConfig(epochs=2, quiet=True), run_dir=tmp_path, callbacks=[es]).fit(
                data, val, resume=True)
