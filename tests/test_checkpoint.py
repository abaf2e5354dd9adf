"""Checkpoints: pickle-free round trips, exact resume after a real SIGKILL, atomic saves (a kill during
save leaves the previous checkpoint loadable), and clear errors for corrupt or mismatched checkpoints."""

import json
import math
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import rnnkit
from rnnkit.errors import CheckpointError
from rnnkit.training import (
    OptimConfig,
    ScheduleConfig,
    TrainConfig,
    Trainer,
    load_checkpoint,
    load_weights,
    save_checkpoint,
    save_weights,
)
from rnnkit.training import checkpoint as ck
from rnnkit.training.checkpoint import decode_state, encode_state, latest_checkpoint

from test_training import EpochOrdered  # data whose order follows set_epoch (the epoch data protocol)

SCRIPT = Path(__file__).parent / "helpers" / "train_script.py"


pytestmark = pytest.mark.usefixtures("one_thread_module")  # one torch thread (tests/conftest.py)


def _env(**extra):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONHASHSEED="0", **extra)
    src = str(Path(rnnkit.__file__).parents[1])
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _run(run_dir, mode="fresh", **extra):
    return subprocess.Popen([sys.executable, str(SCRIPT), str(run_dir), mode], env=_env(**extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc, timeout=120):
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def _same_files(a: Path, b: Path):
    wa, wb = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    assert wa.keys() == wb.keys()
    for k in wa:
        assert torch.equal(wa[k], wb[k]), f"weights differ at {k}"
    strip = lambda rows: [{k: v for k, v in r.items() if k != "time_s"} for r in rows]  # noqa: E731
    ra = [json.loads(x) for x in (a / "metrics.jsonl").read_text().splitlines()]
    rb = [json.loads(x) for x in (b / "metrics.jsonl").read_text().splitlines()]
    assert strip(ra) == strip(rb)


# ------------------------------------------------------------------------------------ resume after kill
def test_resume_after_sigkill_ends_with_identical_weights(tmp_path):
    ref_dir, run_dir = tmp_path / "ref", tmp_path / "killed"
    ref = _run(ref_dir)                                  # uninterrupted, in parallel
    victim = _run(run_dir, RNNKIT_TEST_SLEEP="0.08")     # slow enough to be killed mid-training
    deadline = time.time() + 90
    while time.time() < deadline:
        pointer = run_dir / "checkpoints" / "latest.json"
        if pointer.exists() and json.loads(pointer.read_text())["step"] >= 8:
            break
        assert victim.poll() is None, victim.communicate()[1][-2000:]
        time.sleep(0.02)
    assert victim.poll() is None, "the run finished before it could be killed"
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    killed_at = load_checkpoint(run_dir).step
    assert 8 <= killed_at < 30  # 5 epochs x 6 batches: killed mid-training
    assert not (run_dir / "model.safetensors").exists()
    done = _finish(_run(run_dir, "auto"))                # resume in a new process
    assert done["steps"] == 30
    assert _finish(ref)["steps"] == 30
    _same_files(ref_dir, run_dir)


class _Crash(Exception):
    pass


def _epoch_ordered_fit(run_dir, crash_at=None, resume=False):
    torch.manual_seed(0)
    net = rnnkit.LSTM(3, 6, num_layers=2, dropout=0.3, batch_first=True)  # dropout: the RNG must resume too
    g = torch.Generator().manual_seed(1)
    data = EpochOrdered([(torch.randn(4, 5, 3, generator=g), torch.randn(4, 5, 6, generator=g)) for _ in range(5)])
    calls = {"n": 0}

    def loss_fn(m, b):
        calls["n"] += 1
        if calls["n"] == crash_at:
            raise _Crash
        return torch.nn.functional.mse_loss(m(b[0])[0], b[1])

    cfg = TrainConfig(epochs=3, checkpoint_every=3, seed=2, quiet=True)
    Trainer(net, loss_fn, config=cfg, run_dir=run_dir).fit(data, resume=resume)
    return data.orders


def test_resume_with_epoch_ordered_data_is_bit_identical(tmp_path):
    ref, run = tmp_path / "ref", tmp_path / "run"
    orders = _epoch_ordered_fit(ref)
    assert orders[0] != orders[1] != orders[2]  # the data order changes every epoch
    with pytest.raises(_Crash):
        _epoch_ordered_fit(run, crash_at=9)  # in epoch 2; the latest checkpoint is step 6 (epoch 2, batch 1)
    assert load_checkpoint(run).step == 6
    resumed = _epoch_ordered_fit(run, resume=True)
    assert resumed == orders[1:]  # the interrupted epoch replays its order, then a new one
    _same_files(ref, run)


def test_kill_during_save_leaves_previous_checkpoint_loadable(tmp_path):
    run_dir, ref_dir = tmp_path / "run", tmp_path / "ref"
    ref = _run(ref_dir)                                  # uninterrupted, in parallel
    proc = _run(run_dir, RNNKIT_TEST_DIE_IN_SAVE="3")  # SIGKILL half-way through the 3rd checkpoint
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    stale = list((run_dir / "checkpoints").glob(".tmp-*"))
    assert stale, "the kill should have left a partial temp folder"
    ckpt = load_checkpoint(run_dir)  # the 2nd checkpoint, intact
    assert ckpt.step == 6
    # and the run resumes from it to the same end as an uninterrupted run
    _finish(_run(run_dir, "auto"))
    assert not list((run_dir / "checkpoints").glob(".tmp-*"))
    _finish(ref)
    _same_files(ref_dir, run_dir)


def test_failed_write_keeps_previous_checkpoint(tmp_path, monkeypatch):
    save_checkpoint(tmp_path, step=1, model_state={"w": torch.ones(3)}, state={"epoch": 1})

    def broken(path, data):
        raise OSError("disk full")

    monkeypatch.setattr(ck, "_write_file", broken)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(tmp_path, step=2, model_state={"w": torch.zeros(3)}, state={"epoch": 2})
    monkeypatch.undo()
    got = load_checkpoint(tmp_path)
    assert got.step == 1 and got.model_state["w"].tolist() == [1.0, 1.0, 1.0]
    assert not list((tmp_path / "checkpoints").glob(".tmp-*"))  # cleaned up on the error path


def test_atomic_write_replaces_only_when_complete(tmp_path, monkeypatch):
    p = tmp_path / "x.json"
    ck.atomic_write_json(p, {"a": 1})

    def fail_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(KeyboardInterrupt):
        ck.atomic_write_json(p, {"a": 2})
    monkeypatch.undo()
    assert json.loads(p.read_text()) == {"a": 1}
    assert [q.name for q in tmp_path.iterdir()] == ["x.json"]


# ------------------------------------------------------------------------------------ pickle-free state
def test_state_codec_round_trips_without_pickle(monkeypatch):
    state = {"t": torch.arange(6.0).view(2, 3), 3: "int key", "tup": (1, 2.5, None), "inf": math.inf,
             "ninf": -math.inf, "arr": np.arange(5, dtype=np.uint32), "nested": [{"x": (torch.ones(1),)}],
             "__tensor__": "looks like a marker"}
    js, tensors = encode_state(state)
    js = json.loads(json.dumps(js, allow_nan=False))
    got = decode_state(js, tensors)
    assert torch.equal(got["t"], state["t"]) and got[3] == "int key" and got["tup"] == (1, 2.5, None)
    assert got["inf"] == math.inf and got["ninf"] == -math.inf
    assert got["arr"].dtype == np.uint32 and got["arr"].tolist() == [0, 1, 2, 3, 4]
    assert torch.equal(got["nested"][0]["x"][0], torch.ones(1)) and got["__tensor__"] == "looks like a marker"
    with pytest.raises(CheckpointError, match="without pickle"):
        encode_state({"f": lambda: 0})


@pytest.mark.parametrize("opt,sched", [("adam", "cosine"), ("sgd", "step"), ("adamw", "none")])
def test_optimizer_and_scheduler_state_round_trip(tmp_path, opt, sched, monkeypatch):
    net = rnnkit.GRU(2, 3)
    cfg = TrainConfig(epochs=3, optim=OptimConfig(opt, lr=0.1, momentum=0.9 if opt == "sgd" else 0.0),
                      schedule=ScheduleConfig(sched, **({"step_size": 1} if sched == "step" else {})))
    from rnnkit.training.trainer import build_optimizer, build_scheduler

    o = build_optimizer(cfg.optim, net.parameters())
    s = build_scheduler(cfg, o)
    net(torch.randn(4, 2, 2))[0].sum().backward()
    o.step()
    if s is not None:
        s.step()
    save_checkpoint(tmp_path, step=1, model_state=net.state_dict(),
                    state={"opt": o.state_dict(), "sched": s.state_dict() if s else None})
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    monkeypatch.setattr(torch, "load", lambda *a, **k: pytest.fail("torch.load used"))
    got = load_checkpoint(tmp_path)
    o2 = build_optimizer(cfg.optim, net.parameters())
    o2.load_state_dict(got.state["opt"])
    a, b = o.state_dict(), o2.state_dict()
    assert a["param_groups"] == b["param_groups"]
    for i in a["state"]:
        for k, v in a["state"][i].items():
            assert torch.equal(v, b["state"][i][k]) if isinstance(v, torch.Tensor) else v == b["state"][i][k]
    if s is not None:
        assert got.state["sched"] == s.state_dict()


# ------------------------------------------------------------------------------------ corrupt / mismatched
@pytest.fixture
def saved(tmp_path):
    net = rnnkit.LSTM(2, 4)
    path = save_checkpoint(tmp_path, step=5, model_state=net.state_dict(), state={"x": torch.ones(2), "y": 1})
    return tmp_path, path, net


def test_truncated_weights_raise_checkpoint_error(saved):
    root, path, _ = saved
    f = path / "model.safetensors"
    f.write_bytes(f.read_bytes()[:40])
    with pytest.raises(CheckpointError, match="model.safetensors.*sha256"):
        load_checkpoint(root)


def test_truncated_file_without_hash_is_still_caught(tmp_path):
    net = rnnkit.GRU(2, 3)
    save_weights(net, tmp_path / "w.safetensors")
    (tmp_path / "w.safetensors").write_bytes((tmp_path / "w.safetensors").read_bytes()[:30])
    with pytest.raises(CheckpointError, match="corrupt"):
        load_weights(net, tmp_path / "w.safetensors")


def test_flipped_byte_is_detected(saved):
    root, path, _ = saved
    f = path / "state.safetensors"
    data = bytearray(f.read_bytes())
    data[-1] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="state.safetensors.*corrupt or was modified"):
        load_checkpoint(root)


def test_bad_json_and_schema_version(saved):
    root, path, _ = saved
    meta = json.loads((path / "state.json").read_text())
    (path / "state.json").write_text(json.dumps({**meta, "epoch": 7}))
    with pytest.raises(CheckpointError, match=r"state\.json: expected sha256 .*corrupt or was modified"):
        load_checkpoint(root)  # state.json is covered by the step folder's digests.json too
    (path / "state.json").write_text(json.dumps({**meta, "schema_version": 99}))
    ck.write_digests(path, ["model.safetensors", "state.safetensors", "state.json"])  # digests re-recorded
    with pytest.raises(CheckpointError, match="schema_version 1.*got 99"):
        load_checkpoint(root)
    (path / "state.json").write_text("{not json")
    ck.write_digests(path, ["model.safetensors", "state.safetensors", "state.json"])
    with pytest.raises(CheckpointError, match="valid JSON"):
        load_checkpoint(root)
    (path / "digests.json").unlink()
    with pytest.raises(CheckpointError, match="digests.json: expected a digest map.*missing"):
        load_checkpoint(root)
    (root / "checkpoints" / "latest.json").write_text('{"name": "step-00000099"}')
    with pytest.raises(CheckpointError, match="step-00000099"):
        load_checkpoint(root)
    with pytest.raises(CheckpointError, match="found none"):
        load_checkpoint(root / "checkpoints")  # a folder without checkpoints inside


def test_missing_run_dir(tmp_path):
    with pytest.raises(CheckpointError, match="existing"):
        load_checkpoint(tmp_path / "nope")


def test_shape_and_key_mismatch_name_the_tensor(tmp_path):
    save_weights(rnnkit.LSTM(2, 4), tmp_path / "w.safetensors")
    with pytest.raises(CheckpointError, match=r"weight_ih_l0.*expected shape \(32, 2\).*got \(16, 2\)"):
        load_weights(rnnkit.LSTM(2, 8), tmp_path / "w.safetensors")
    with pytest.raises(CheckpointError, match="missing.*weight_ih_l1"):
        load_weights(rnnkit.LSTM(2, 4, num_layers=2), tmp_path / "w.safetensors")
    with pytest.raises(CheckpointError, match="dtype"):
        load_weights(rnnkit.LSTM(2, 4, dtype=torch.float64), tmp_path / "w.safetensors")


def _tiny_fit(run_dir, resume=False, hidden=4, **cfg_kw):
    torch.manual_seed(0)
    rnn = rnnkit.GRU(2, hidden)

    def loss_fn(m, b):
        return m(b)[0].pow(2).mean()

    cfg = TrainConfig(**{"epochs": 2, "quiet": True, **cfg_kw})
    return Trainer(rnn, loss_fn, config=cfg, run_dir=run_dir, task_config={"hidden": hidden}).fit(
        [torch.randn(3, 2, 2)], resume=resume)


def test_resume_checks_config_model_and_folder(tmp_path):
    _tiny_fit(tmp_path)
    with pytest.raises(CheckpointError, match="already holds checkpoints"):
        _tiny_fit(tmp_path)
    with pytest.raises(CheckpointError, match="clip_norm: checkpoint has None, got 1.0"):
        _tiny_fit(tmp_path, resume=True, clip_norm=1.0)
    with pytest.raises(CheckpointError, match="task config"):
        _tiny_fit(tmp_path, resume=True, hidden=5)
    with pytest.raises(CheckpointError, match="found none"):
        _tiny_fit(tmp_path / "empty", resume=True)
    r = _tiny_fit(tmp_path, resume=True, epochs=3)  # more epochs is a legal change
    assert r.epochs_run == 3 and len(r.history) == 3
    cfg = json.loads((tmp_path / "config.json").read_text())
    assert cfg["train"]["epochs"] == 3 and cfg["task"] == {"hidden": 4}


def test_keep_prunes_old_checkpoints(tmp_path):
    for s in range(5):
        save_checkpoint(tmp_path, step=s, model_state={"w": torch.ones(1) * s}, state={}, keep=2)
    names = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert names == ["latest.json", "step-00000003", "step-00000004"]
    assert latest_checkpoint(tmp_path).name == "step-00000004"
    # saving the same step again replaces it
    save_checkpoint(tmp_path, step=4, model_state={"w": torch.zeros(1)}, state={}, keep=2)
    assert load_checkpoint(tmp_path).model_state["w"].item() == 0.0
