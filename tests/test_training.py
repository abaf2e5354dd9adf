"""Trainer: truncated vs full BPTT, clipping, early stopping with best-weight restore, non-finite loss,
schedules, seeding, logs, progress output."""

import copy
import io
import json
import math
import sys
import time

import pytest
import torch
from torch import nn

import rnnkit
from rnnkit.errors import ConfigError, InputTypeError, NonFiniteLossError
from rnnkit.training import (
    EarlyStoppingConfig,
    OptimConfig,
    ScheduleConfig,
    TrainConfig,
    Trainer,
    load_checkpoint,
    seed_everything,
    split_time,
)


pytestmark = pytest.mark.usefixtures("one_thread_module")  # one torch thread (tests/conftest.py)


class Net(nn.Module):
    """Many-to-many: an rnnkit layer and a linear read-out; ``forward(x, state) -> (y, state)``."""

    def __init__(self, cell="LSTM", hidden=6, dropout=0.0, layers=1):
        super().__init__()
        self.rnn = getattr(rnnkit, cell)(3, hidden, num_layers=layers, dropout=dropout, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x, state=None):
        y, state = self.rnn(x, state)
        return self.head(y), state


def make_data(n_batches=3, B=4, T=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n_batches):
        x = torch.randn(B, T, 3, generator=g)
        out.append((x, x[..., :1].cumsum(1) * 0.2))
    return out


def loss_fn(model, batch):
    y, _ = model(batch[0])
    return nn.functional.mse_loss(y, batch[1])


def step_fn(model, chunk, state):
    y, state = model(chunk[0], state)
    return nn.functional.mse_loss(y, chunk[1]), state


def weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def assert_same(a, b, exact=True):
    assert a.keys() == b.keys()
    for k in a:
        if exact:
            assert torch.equal(a[k], b[k]), k
        else:
            torch.testing.assert_close(a[k], b[k], rtol=1e-6, atol=1e-7, msg=k)


QUIET = dict(quiet=True)


# ------------------------------------------------------------------------------------ truncated BPTT
@pytest.mark.parametrize("k", [12, 20])
def test_tbptt_with_k_at_least_T_equals_full_bptt(k):
    data = make_data()
    torch.manual_seed(1)
    m_full = Net()
    m_tb = copy.deepcopy(m_full)
    cfg = TrainConfig(epochs=2, optim=OptimConfig("adam", lr=1e-2), **QUIET)
    Trainer(m_full, loss_fn, config=cfg).fit(data)
    Trainer(m_tb, step_fn=step_fn, config=cfg.replace(tbptt_k=k)).fit(data)
    assert_same(weights(m_full), weights(m_tb))


def test_tbptt_with_small_k_matches_a_hand_written_truncated_loop():
    data = make_data(n_batches=2, T=10)
    torch.manual_seed(2)
    m = Net(cell="GRU")
    ref = copy.deepcopy(m)
    Trainer(m, step_fn=step_fn, config=TrainConfig(epochs=1, tbptt_k=4, optim=OptimConfig("sgd", lr=0.1), **QUIET)).fit(data)
    opt = torch.optim.SGD(ref.parameters(), lr=0.1)
    n_steps = 0
    for x, y in data:
        state = None
        for s in range(0, 10, 4):  # chunks 4, 4, 2; state detached between chunks
            out, state = ref(x[:, s:s + 4], state)
            loss = nn.functional.mse_loss(out, y[:, s:s + 4])
            opt.zero_grad()
            loss.backward()
            opt.step()
            state = state.detach()
            n_steps += 1
    assert n_steps == 6
    assert_same(weights(m), weights(ref), exact=False)


def test_tbptt_needs_step_fn_and_split_time_passes_labels_through():
    with pytest.raises(ConfigError, match="step_fn"):
        Trainer(Net(), loss_fn, config=TrainConfig(tbptt_k=3))
    x, lab = torch.zeros(2, 7, 3), torch.tensor([0, 1])
    chunks = split_time({"x": x, "label": lab}, 3)
    assert [c["x"].shape[1] for c in chunks] == [3, 3, 1]
    assert all(c["label"] is lab for c in chunks)


# ------------------------------------------------------------------------------------ clipping
def _one_sgd_step(cfg_kw):
    torch.manual_seed(3)
    m = Net()
    before = weights(m)
    batch = make_data(n_batches=1)
    # the unclipped gradient, for comparison
    probe = copy.deepcopy(m)
    loss_fn(probe, batch[0]).backward()
    grads = {n: p.grad.clone() for n, p in probe.named_parameters()}
    Trainer(m, loss_fn, config=TrainConfig(epochs=1, optim=OptimConfig("sgd", lr=1.0), **cfg_kw, **QUIET)).fit(batch)
    deltas = {n: before[n] - p.detach() for n, p in m.named_parameters()}
    return grads, deltas


def test_clip_by_norm_scales_the_update_to_the_max_norm():
    grads, deltas = _one_sgd_step({"clip_norm": 0.05})
    gnorm = torch.cat([g.flatten() for g in grads.values()]).norm()
    assert gnorm > 0.05  # clipping is active
    dnorm = torch.cat([d.flatten() for d in deltas.values()]).norm()
    assert dnorm == pytest.approx(0.05, rel=1e-4)
    for n in grads:  # same direction, only shortened
        torch.testing.assert_close(deltas[n], grads[n] * (0.05 / gnorm), rtol=1e-4, atol=1e-7)


def test_clip_by_value_bounds_every_element():
    grads, deltas = _one_sgd_step({"clip_value": 1e-3})
    assert max(g.abs().max() for g in grads.values()) > 1e-3
    for n in grads:
        torch.testing.assert_close(deltas[n], grads[n].clamp(-1e-3, 1e-3), rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------------------------------ early stopping
def test_early_stopping_restores_the_best_weights(tmp_path):
    data = make_data()
    script = iter([3.0, 1.0, 2.0, 4.0, 5.0, 6.0])  # best at epoch 2, then worse

    def eval_fn(model, val):
        return {"score": next(script)}

    torch.manual_seed(4)
    m = Net()
    m2 = copy.deepcopy(m)
    cfg = TrainConfig(epochs=6, optim=OptimConfig(lr=1e-2),
                      early_stopping=EarlyStoppingConfig(monitor="val_score", mode="min", patience=2), **QUIET)
    result = Trainer(m, loss_fn, config=cfg, eval_fn=eval_fn, run_dir=tmp_path / "run").fit(data, [None])
    assert result.stopped_early and len(result.history) == 4  # epochs 3 and 4 did not improve
    assert result.best == {"monitor": "val_score", "value": 1.0, "epoch": 2}
    # the weights after exactly two epochs, trained again independently
    Trainer(m2, loss_fn, config=TrainConfig(epochs=2, optim=OptimConfig(lr=1e-2), **QUIET)).fit(data)
    assert_same(weights(m), weights(m2))
    from rnnkit.training import load_weights

    m3 = Net()
    load_weights(m3, tmp_path / "run" / "model.safetensors")
    assert_same(weights(m3), weights(m2))


def test_early_stopping_max_mode_and_missing_monitor():
    data = make_data(n_batches=1)
    vals = iter([0.1, 0.5, 0.4, 0.3])
    cfg = TrainConfig(epochs=4, early_stopping=EarlyStoppingConfig(monitor="val_acc", mode="max", patience=2), **QUIET)
    r = Trainer(Net(), loss_fn, config=cfg, eval_fn=lambda m, d: {"acc": next(vals)}).fit(data, [None])
    assert r.best["epoch"] == 2 and r.stopped_early
    bad = TrainConfig(epochs=2, early_stopping=EarlyStoppingConfig(monitor="val_nope"), **QUIET)
    with pytest.raises(ConfigError, match="val_nope"):
        Trainer(Net(), loss_fn, config=bad).fit(data, data)
    with pytest.raises(ConfigError, match="val_data"):
        Trainer(Net(), loss_fn, config=bad).fit(data)


# ------------------------------------------------------------------------------------ non-finite loss
def test_non_finite_loss_names_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    data = make_data(n_batches=3)
    calls = {"n": 0}

    def nan_at_5(model, batch):
        calls["n"] += 1
        loss = loss_fn(model, batch)
        return loss * float("nan") if calls["n"] == 5 else loss

    cfg = TrainConfig(epochs=3, checkpoint_every=2, **QUIET)
    with pytest.raises(NonFiniteLossError, match=r"step 5 \(epoch 2, batch 2\)") as exc:
        Trainer(Net(), nan_at_5, config=cfg, run_dir=tmp_path).fit(data)
    assert "step-00000004" in str(exc.value)
    ck = load_checkpoint(tmp_path)
    assert ck.step == 4
    assert all(torch.isfinite(v).all() for v in ck.model_state.values())


def test_non_finite_gradient_norm_is_caught_when_clipping():
    class Boom(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(1))

    def loss(m, b):
        return (m.w * 0 + torch.sqrt(m.w - 1)).sum()  # finite value 0, infinite gradient

    with pytest.raises(NonFiniteLossError, match="gradient norm.*step 1"):
        Trainer(Boom(), loss, config=TrainConfig(epochs=1, clip_norm=1.0, **QUIET)).fit([0])


class _BadGrad(torch.autograd.Function):
    """Identity forward; the backward returns ``fill`` (NaN or inf) everywhere: a finite loss whose
    gradient is not finite."""

    @staticmethod
    def forward(ctx, x, fill):
        ctx.fill = fill
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return torch.full_like(g, ctx.fill), None


def _finite_checkpoints(run_dir):
    folders = sorted((run_dir / "checkpoints").glob("step-*"))
    return {p.name: all(torch.isfinite(v).all() for v in load_checkpoint(p).model_state.values()) for p in folders}


@pytest.mark.parametrize("fill", [float("nan"), float("inf")])
@pytest.mark.parametrize("clip", [{}, {"clip_norm": 1.0}, {"clip_value": 0.5}, {"clip_value": 0.5, "clip_norm": 1.0}])
def test_non_finite_gradient_stops_before_the_optimizer_step(tmp_path, fill, clip):
    data = make_data(n_batches=3)
    calls = {"n": 0}
    before = {}

    def bad_grad_at_5(model, batch):
        calls["n"] += 1
        y, _ = model(batch[0])
        if calls["n"] == 5:
            before.update(weights(model))
            y = _BadGrad.apply(y, fill)
        return nn.functional.mse_loss(y, batch[1])  # finite at every step

    net = Net()
    cfg = TrainConfig(epochs=3, checkpoint_every=2, **clip, **QUIET)
    with pytest.raises(NonFiniteLossError, match=r"gradient.*step 5 \(epoch 2, batch 2\).*step was not taken") as exc:
        Trainer(net, bad_grad_at_5, config=cfg, run_dir=tmp_path).fit(data)
    assert_same(weights(net), before)  # no optimizer step with the bad gradient
    assert "step-00000004" in str(exc.value)
    assert _finite_checkpoints(tmp_path) == {"step-00000003": True, "step-00000004": True}  # keep=2
    if not clip:
        assert "'head.weight'" in str(exc.value) or "'rnn." in str(exc.value)  # names a parameter


def test_checkpoint_is_never_written_with_non_finite_weights(tmp_path):
    class Lin(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(3))

    def loss(m, batch):  # finite loss and gradient (10 per element)
        return (m.w * 10).sum()

    cfg = TrainConfig(epochs=2, optim=OptimConfig("sgd", lr=1e38), **QUIET)
    with pytest.raises(NonFiniteLossError, match=r"weights: expected finite values, got NaN/inf in 'w' after step 1; "
                                                 r"training stopped, no checkpoint written; last good checkpoint: none"):
        Trainer(Lin(), loss, config=cfg, run_dir=tmp_path).fit([0])  # 1 - 1e39 overflows float32
    assert _finite_checkpoints(tmp_path) == {}
    assert not (tmp_path / "model.safetensors").exists()


# ------------------------------------------------------------------------------------ epoch data protocol
class EpochOrdered:
    """Batches in an order picked by the epoch the trainer tells it (``set_epoch``); records each order."""

    def __init__(self, batches):
        self.batches, self.epoch, self.orders = batches, 0, []

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        order = torch.randperm(len(self.batches), generator=torch.Generator().manual_seed(100 + self.epoch)).tolist()
        self.orders.append(order)
        return iter([self.batches[i] for i in order])


def test_trainer_tells_epoch_data_its_epoch():
    data = EpochOrdered(make_data(n_batches=6))
    Trainer(Net(), loss_fn, config=TrainConfig(epochs=3, **QUIET)).fit(data)
    want = [torch.randperm(6, generator=torch.Generator().manual_seed(100 + e)).tolist() for e in range(3)]
    assert data.orders == want and want[0] != want[1]  # a new order every epoch


def test_distributed_sampler_still_gets_set_epoch_once_per_epoch():
    ds = torch.utils.data.TensorDataset(*map(torch.stack, zip(*make_data(n_batches=8, B=1))))
    sampler = torch.utils.data.DistributedSampler(ds, num_replicas=1, rank=0, shuffle=True, seed=0)
    calls = []
    real = sampler.set_epoch
    sampler.set_epoch = lambda e: (calls.append(e), real(e))
    loader = torch.utils.data.DataLoader(ds, batch_size=2, sampler=sampler)
    seen = []
    Trainer(Net(), lambda m, b: (seen.append(b[0][:, 0, 0].clone()), loss_fn(m, (b[0][:, 0], b[1][:, 0])))[1],
            config=TrainConfig(epochs=2, **QUIET)).fit(loader)
    assert calls == [0, 1]
    assert not torch.equal(torch.cat(seen[:4]), torch.cat(seen[4:]))


# ------------------------------------------------------------------------------------ schedules, optimizers
@pytest.mark.parametrize("name,expected", [
    ("cosine", [0.1 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(4)]),
    ("step", [0.1, 0.1, 0.05, 0.05]),
    ("none", [0.1, 0.1, 0.1, 0.1]),
])
def test_lr_schedules_step_per_epoch(name, expected):
    cfg = TrainConfig(epochs=4, optim=OptimConfig("sgd", lr=0.1, momentum=0.9),
                      schedule=ScheduleConfig(name, **({"step_size": 2, "gamma": 0.5} if name == "step" else {})), **QUIET)
    r = Trainer(Net(), loss_fn, config=cfg).fit(make_data(n_batches=1))
    assert [row["lr"] for row in r.history] == pytest.approx(expected, abs=1e-12)


def test_plateau_schedule_reads_the_monitored_metric():
    vals = iter([1.0, 2.0, 2.0, 2.0, 2.0])
    cfg = TrainConfig(epochs=5, optim=OptimConfig("adamw", lr=0.1), schedule=ScheduleConfig("plateau", patience=1, gamma=0.5),
                      early_stopping=EarlyStoppingConfig(monitor="val_m", patience=10), **QUIET)
    r = Trainer(Net(), loss_fn, config=cfg, eval_fn=lambda m, d: {"m": next(vals)}).fit(make_data(n_batches=1), [0])
    assert [row["lr"] for row in r.history] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05])
    with pytest.raises(ConfigError, match="plateau"):
        TrainConfig(schedule=ScheduleConfig("plateau"))


@pytest.mark.parametrize("bad,match", [
    (dict(epochs=0), "epochs"), (dict(optim="adam"), "optim"),
    (dict(clip_norm=-1.0), "clip_norm"), (dict(tbptt_k=0), "tbptt_k"), (dict(log_format="xml"), "log_format"),
    (dict(seed=-1), "seed"), (dict(epochs=True), "epochs"), (dict(clip_value=float("nan")), "clip_value"),
])
def test_config_validation(bad, match):
    with pytest.raises(ConfigError, match=match):
        TrainConfig(**bad)
    with pytest.raises(ConfigError, match="optim.name"):
        OptimConfig(name="rmsprop")
    with pytest.raises(ConfigError, match="optim.lr"):
        OptimConfig(lr=0)


def test_config_round_trip_and_unknown_keys():
    cfg = TrainConfig(epochs=3, optim=OptimConfig("sgd", lr=0.5, momentum=0.9), tbptt_k=7,
                      early_stopping=EarlyStoppingConfig(monitor="val_acc", mode="max"))
    d = json.loads(json.dumps(cfg.to_dict()))
    assert TrainConfig.from_dict(d) == cfg
    d["optim"]["lrr"] = 1
    with pytest.raises(ConfigError, match="lrr"):
        TrainConfig.from_dict(d)


def test_trainer_argument_errors():
    with pytest.raises(InputTypeError, match="model"):
        Trainer("not a model", loss_fn)
    with pytest.raises(ConfigError, match="loss_fn"):
        Trainer(Net())
    with pytest.raises(InputTypeError, match="loss_fn: expected the loss as a scalar tensor"):
        Trainer(Net(), lambda m, b: 1.0, config=TrainConfig(epochs=1, **QUIET)).fit([0])
    with pytest.raises(ConfigError, match="empty"):
        Trainer(Net(), loss_fn, config=TrainConfig(epochs=1, **QUIET)).fit([])


# ------------------------------------------------------------------------------------ seeding, logs
def _seeded_run(seed, tmp=None, fmt="jsonl"):
    seed_everything(seed)
    m = Net(dropout=0.3, layers=2)
    X = torch.randn(24, 8, 3)
    ds = torch.utils.data.TensorDataset(X, X[..., :1].cumsum(1))
    loader = torch.utils.data.DataLoader(ds, batch_size=6, shuffle=True, generator=torch.Generator())
    cfg = TrainConfig(epochs=2, seed=seed, log_format=fmt, **QUIET)
    r = Trainer(m, loss_fn, config=cfg, run_dir=tmp).fit(loader)
    return weights(m), r


def test_same_seed_same_run_different_seed_different_run(tmp_path):
    a, ra = _seeded_run(5)
    b, rb = _seeded_run(5, tmp_path / "b", fmt="csv")
    assert_same(a, b)
    assert [r["train_loss"] for r in ra.history] == [r["train_loss"] for r in rb.history]
    c, _ = _seeded_run(6)
    assert not torch.equal(a["rnn.weight_hh_l0"], c["rnn.weight_hh_l0"])
    text = (tmp_path / "b" / "metrics.csv").read_text().splitlines()
    assert text[0].startswith("epoch,step,lr,train_loss") and len(text) == 3


def test_metrics_log_jsonl_one_row_per_epoch(tmp_path):
    _, r = _seeded_run(1, tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert rows == r.history and [row["epoch"] for row in rows] == [1, 2]
    cfg = json.loads((tmp_path / "config.json").read_text())
    assert cfg["schema_version"] == 1 and cfg["train"]["seed"] == 1 and cfg["train"]["epochs"] == 2


def test_max_steps_stops_mid_epoch():
    r = Trainer(Net(), loss_fn, config=TrainConfig(epochs=10, max_steps=4, **QUIET)).fit(make_data(n_batches=3))
    assert r.global_step == 4 and len(r.history) == 2


def test_progress_bar_only_on_a_tty_and_one_kept_line_per_epoch(monkeypatch):
    class TTY(io.StringIO):
        def isatty(self):
            return True

    def slow_loss(m, b):  # slower than tqdm's refresh interval, so the postfix is drawn
        time.sleep(0.12)
        return loss_fn(m, b)

    for stream, quiet in ((io.StringIO(), False), (TTY(), True), (TTY(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        r = Trainer(Net(), slow_loss, config=TrainConfig(epochs=2, quiet=quiet)).fit(make_data(n_batches=3))
        out = stream.getvalue()
        if quiet:
            assert out == ""
            continue
        bar = stream.isatty()
        assert ("loss=" in out) == bar and ("\r" in out) == bar, out   # the bar (with running means) only on a TTY
        kept = [line for line in out.replace("\r", "\n").splitlines() if line.startswith("epoch ") and line.endswith("s")
                and "train_loss" in line and "/3" not in line]
        assert kept == [f"epoch {h['epoch']}/2  train_loss {h['train_loss']:.4g}  {h['time_s']:.1f}s" for h in r.history]


def test_metrics_from_loss_fn_are_weighted_by_n():
    data = make_data(n_batches=2)
    ns = iter([1.0, 3.0, 1.0, 3.0])
    vals = iter([2.0, 4.0, 2.0, 4.0])

    def lf(m, b):
        return loss_fn(m, b), {"m": next(vals), "n": next(ns)}

    r = Trainer(Net(), lf, config=TrainConfig(epochs=1, **QUIET)).fit(data, data)
    assert r.history[0]["train_m"] == pytest.approx((2 * 1 + 4 * 3) / 4)
    assert r.history[0]["val_m"] == pytest.approx((2 * 1 + 4 * 3) / 4)
    assert "train_n" not in r.history[0]


def test_gradient_flow_logging(tmp_path):
    cfg = TrainConfig(epochs=2, gradflow_every=1, **QUIET)
    tr = Trainer(Net(layers=2), loss_fn, config=cfg, run_dir=tmp_path)
    r = tr.fit(make_data(n_batches=2))
    row = r.history[-1]
    assert {"gradflow/LSTM.l0.fwd/ratio", "gradflow/LSTM.l1.fwd/flag"} <= set(row)
    assert tr.last_gradflow["LSTM.l0.fwd"].shape == (12, 4)
    png = tmp_path / "gradflow" / "epoch-0002.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((tmp_path / "gradflow" / "epoch-0002.json").read_text())
    assert summary["LSTM.l1.fwd"]["steps"] == 12 and math.isfinite(summary["LSTM.l1.fwd"]["ratio"])
    # truncated BPTT: chunks follow each other in time
    tr = Trainer(Net(), step_fn=step_fn, config=TrainConfig(epochs=1, tbptt_k=5, gradflow_every=1, **QUIET))
    tr.fit(make_data(n_batches=1))
    assert tr.last_gradflow["LSTM.l0.fwd"].shape == (12, 4)


# ------------------------------------------------------------------------------------ wall-clock budget
def test_max_seconds_ends_training_at_the_step_that_crosses_it():
    torch.manual_seed(0)
    budget = Trainer(Net(), loss_fn, config=TrainConfig(epochs=50, max_seconds=1e-9, **QUIET))
    result = budget.fit(make_data())
    # at least one step, then the budget (checked per step: the first epoch ends after its first batch)
    assert (result.global_step, result.epochs_run, result.stop_reason) == (1, 1, "max_seconds")
    assert not result.stopped_early
    roomy = Trainer(Net(), loss_fn, config=TrainConfig(epochs=3, max_seconds=3600.0, **QUIET))
    assert roomy.fit(make_data()).epochs_run == 3
    with pytest.raises(ConfigError, match="max_seconds"):
        TrainConfig(max_seconds=0)


def test_early_stopping_target_and_stop_reason():
    import torch
    from torch import nn

    from rnnkit.errors import ConfigError
    from rnnkit.training import EarlyStoppingConfig, OptimConfig, TrainConfig, Trainer

    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    model = nn.Linear(3, 1)
    loss_fn = lambda m, batch: nn.functional.mse_loss(m(batch[0]), batch[1])  # noqa: E731
    seen = []

    def eval_fn(m, _val):
        v = float(loss_fn(m, (x, y)))
        seen.append(v)
        return {"mse": v}

    def fit(**es):
        cfg = TrainConfig(epochs=200, optim=OptimConfig("adam", lr=0.05), quiet=True,
                          early_stopping=EarlyStoppingConfig(monitor="val_mse", patience=500, restore_best=False, **es)
                          if es else None)
        seen.clear()
        return Trainer(model, loss_fn, config=cfg, eval_fn=eval_fn).fit([(x, y)], [None])

    res = fit(target=0.05)
    assert res.stop_reason == "target" and res.stopped_early
    assert seen[-1] <= 0.05 and all(v > 0.05 for v in seen[:-1])   # stopped at the first epoch that reached it
    assert res.epochs_run == len(seen) < 200
    assert fit().stop_reason == "epochs"
    with pytest.raises(ConfigError, match="early_stopping.target"):
        EarlyStoppingConfig(target=float("nan"))
