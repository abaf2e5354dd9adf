"""Session 20, helper C: what rnnkit writes when a folder already holds files, a disk fills or a process stops.

Each test fails on the code before its fix (ed90d6c)."""

import errno
import os
from dataclasses import dataclass

import pytest
import torch

import rnnkit
from rnnkit.errors import CheckpointError
from rnnkit.tasks.runs import load_run, save_run
from rnnkit.training import TrainConfig, Trainer, load_checkpoint, save_checkpoint

pytestmark = pytest.mark.usefixtures("one_thread_module")  # one torch thread (tests/conftest.py)


def _fit(run_dir, resume=False, data=None):
    torch.manual_seed(0)
    rnn = rnnkit.GRU(2, 3)

    def loss_fn(m, b):
        return m(b)[0].pow(2).mean()

    cfg = TrainConfig(epochs=1, quiet=True)
    return Trainer(rnn, loss_fn, config=cfg, run_dir=run_dir).fit(data or [torch.randn(3, 2, 2)], resume=resume)


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("resume", [False, "auto"])
def test_fit_keeps_a_projects_own_config_and_weights(tmp_path, resume):
    """Trainer(run_dir='.') in a project with its own config.json replaced it (and its model.safetensors)."""
    (tmp_path / "config.json").write_text('{"mine": 1}\n')
    (tmp_path / "model.safetensors").write_bytes(b"my weights")
    before = _files(tmp_path)
    with pytest.raises(CheckpointError, match=r"run_dir: expected an empty or new folder .*holding "
                                              r"\['config\.json', 'model\.safetensors'\] that a new fit would overwrite"):
        _fit(tmp_path, resume=resume)
    assert _files(tmp_path) == before and not (tmp_path / "checkpoints").exists()


@dataclass(frozen=True)
class _Cfg:
    size: int = 3


def test_fit_keeps_a_saved_task_run(tmp_path):
    """A task's saved run (save_run: config.json of schema 2, model, digests) was overwritten by a fresh fit."""
    net = torch.nn.Linear(2, 1)
    save_run(tmp_path, "demo", _Cfg(), net)
    before = _files(tmp_path)
    with pytest.raises(CheckpointError, match=r"holding \['config\.json', 'model\.safetensors', 'digests\.json'\]"):
        _fit(tmp_path)
    assert _files(tmp_path) == before
    assert load_run(tmp_path, "demo", _Cfg)["config"] == _Cfg()   # still whole


def test_fit_keeps_a_finished_run_whose_checkpoints_were_removed(tmp_path):
    import shutil

    _fit(tmp_path)
    shutil.rmtree(tmp_path / "checkpoints")
    before = _files(tmp_path)
    with pytest.raises(CheckpointError, match=r"holding \['config\.json', 'model\.safetensors', 'digests\.json'\]"):
        _fit(tmp_path, resume="auto")
    assert _files(tmp_path) == before


def test_fit_stopped_before_its_first_checkpoint_starts_anew(tmp_path):
    """Not refused: a Trainer's config.json alone is what a fit stopped before its first checkpoint leaves."""
    class Stop(Exception):
        pass

    def stopped():
        raise Stop
        yield  # pragma: no cover

    class Once:
        def __iter__(self):
            return stopped()

    with pytest.raises(Stop):
        _fit(tmp_path, data=Once())
    assert not {"model.safetensors", "digests.json", "checkpoints"} & {p.name for p in tmp_path.iterdir()}
    _fit(tmp_path / "fresh")
    _fit(tmp_path)                           # resume=False: a new fit, as in a new folder
    got, want = load_checkpoint(tmp_path), load_checkpoint(tmp_path / "fresh")
    assert got.step == want.step > 0
    assert all(torch.equal(got.model_state[k], v) for k, v in want.model_state.items())


@pytest.mark.parametrize("nth, name", [(1, "model.safetensors"), (3, "state.json"), (4, "digests.json")])
def test_checkpoint_on_a_full_disk_names_its_file(tmp_path, monkeypatch, nth, name):
    """'OSError: [Errno 28] No space left on device' named no file (write()/fsync() errors carry none), or the
    temporary folder the save removed; the previous checkpoint stays the loadable one, nothing half-written."""
    save_checkpoint(tmp_path, step=1, model_state={"w": torch.ones(2)}, state={"a": 1})
    real, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == nth:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError) as info:
        save_checkpoint(tmp_path, step=2, model_state={"w": torch.zeros(2)}, state={"a": 2})
    monkeypatch.setattr(os, "fsync", real)
    assert info.value.errno == errno.ENOSPC
    assert info.value.filename == str(tmp_path / "checkpoints" / "step-00000002" / name)
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["latest.json", "step-00000001"]
    ck = load_checkpoint(tmp_path)
    assert ck.step == 1 and ck.state == {"a": 1} and ck.model_state["w"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize("stop", [OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), KeyboardInterrupt()])
@pytest.mark.parametrize("nth", [2, 3])   # vocab.json (after model.safetensors), config.json (after both)
def test_a_failed_save_leaves_a_new_folder_as_it_found_it(tmp_path, monkeypatch, stop, nth):
    """A save into a new folder stopped by a full disk or Ctrl-C left model.safetensors (no digest map lists it):
    the same save once there was space was refused ('holding ['model.safetensors'] that no run there wrote')."""
    from rnnkit.tasks import runs

    real, calls = runs.atomic_write_bytes, []

    def write(path, data):
        calls.append(path)
        if len(calls) == nth:
            raise stop
        return real(path, data)

    run = tmp_path / "run"
    net = torch.nn.Linear(2, 1)
    monkeypatch.setattr(runs, "atomic_write_bytes", write)
    with pytest.raises(type(stop)):
        save_run(run, "demo", _Cfg(), net, vocabs={"words": {"a": 0}})
    monkeypatch.setattr(runs, "atomic_write_bytes", real)
    assert list(run.iterdir()) == []
    save_run(run, "demo", _Cfg(), net, vocabs={"words": {"a": 0}})
    got = load_run(run, "demo", _Cfg)
    assert got["vocabs"] == {"words": {"a": 0}}
    assert all(torch.equal(got["weights"][k], v) for k, v in net.state_dict().items())


def test_a_failed_save_keeps_the_files_it_did_not_create(tmp_path, monkeypatch):
    """Only what the failed save created is removed: a file of the folder before it (the CLI's live metrics log)
    stays."""
    from rnnkit.tasks import runs

    (tmp_path / "metrics.jsonl").write_text('{"epoch": 1}\n')
    real = runs.atomic_write_bytes

    def write(path, data):
        if path.name == "config.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, data)

    monkeypatch.setattr(runs, "atomic_write_bytes", write)
    with pytest.raises(OSError, match="config.json"):
        save_run(tmp_path, "demo", _Cfg(), torch.nn.Linear(2, 1), epochs=[{"epoch": 1, "loss": 0.5}])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.jsonl"]


@pytest.mark.parametrize("stop", [OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), KeyboardInterrupt()])
def test_a_failed_forecaster_save_leaves_a_new_folder_as_it_found_it(tmp_path, monkeypatch, stop):
    """Forecaster.save stopped at its last file (digests.json) left config.json and auto/ listed by no map: the same
    save once there was space was refused ('holding ['config.json'] that no run there wrote')."""
    import numpy as np

    import rnnkit._io as io
    from rnnkit.tasks.forecasting import Forecaster

    y = np.sin(np.arange(60) / 3) + 0.1 * np.arange(60)
    f = Forecaster(horizon=4, model="theta").fit(y)
    run = tmp_path / "run"
    run.mkdir()
    (run / "notes.txt").write_text("mine")
    real = io.atomic_write_bytes

    def write(path, data):
        if path == run / "digests.json":
            raise stop
        return real(path, data)

    monkeypatch.setattr(io, "atomic_write_bytes", write)
    with pytest.raises(type(stop)):
        f.save(run)
    monkeypatch.setattr(io, "atomic_write_bytes", real)
    assert [p.name for p in run.iterdir()] == ["notes.txt"]   # only what was there before
    f.save(run)
    back = Forecaster.load(run)
    assert np.array_equal(back.predict()["value"].to_numpy(), f.predict()["value"].to_numpy())


_KILLED_SAVE = r'''
import os, sys, time, torch
from dataclasses import dataclass
from rnnkit.tasks import runs
real = os.replace
def held(src, dst, *a, **k):            # the weights' temporary file is written whole; the process dies before its
    if not os.path.basename(src).startswith(".tmp-model.safetensors-"):      # rename (the save's record goes first)
        return real(src, dst, *a, **k)
    print("written", os.path.basename(src), flush=True)
    time.sleep(60)
os.replace = held
@dataclass(frozen=True)
class _Cfg:
    size: int = 3
runs.save_run(sys.argv[1], "demo", _Cfg(), torch.nn.Linear(2, 1))
'''


def test_a_save_removes_the_temporary_files_a_killed_save_left(tmp_path):
    """A save killed outright (SIGKILL) between writing a temporary file and its rename left '.tmp-model.safetensors-
    <hex>' (the weights' size) in the folder for good: the next load or save now rolls the killed save back (its
    record, session 31) and a save removes the temporary files of its own names. Another file named like one (a
    user's, the live metrics log's) is kept."""
    import signal
    import subprocess
    import sys

    run = tmp_path / "run"
    child = subprocess.Popen([sys.executable, "-c", _KILLED_SAVE, str(run)], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "OMP_NUM_THREADS": "1"})
    try:
        line = child.stdout.readline()
        child.send_signal(signal.SIGKILL)
        child.wait(60)
    finally:
        child.kill()
    assert line.startswith("written .tmp-model.safetensors-")
    left = sorted(p.name for p in run.iterdir())
    assert len(left) == 2 and left[0] == ".saving.json" and left[1].startswith(".tmp-model.safetensors-")
    mine = [".tmp-mine", ".tmp-notes.txt-0123abcd"]      # a user's, made after the kill: the roll back keeps them
    for name in mine:
        (run / name).write_text("x")
    with pytest.raises(CheckpointError, match="got no config.json"):       # never read as a run
        load_run(run, "demo", _Cfg)
    assert sorted(p.name for p in run.iterdir()) == mine
    keep = [".tmp-metrics.jsonl-0123abcd", *mine]
    (run / keep[0]).write_text("x")         # the live metrics log's (a training's, not under the folder's lock)
    net = torch.nn.Linear(2, 1)
    save_run(run, "demo", _Cfg(), net)
    assert sorted(p.name for p in run.iterdir() if p.name.startswith(".tmp-")) == keep
    assert all(torch.equal(load_run(run, "demo", _Cfg)["weights"][k], v) for k, v in net.state_dict().items())


@pytest.mark.parametrize("name, what", [("journal.jsonl", "the journal"), ("meta.json", "the run's digest")])
def test_a_state_folder_whose_journal_is_a_folder_is_named_and_left_unlocked(tmp_path, name, what):
    """A folder named journal.jsonl or meta.json in the service's state folder was a raw IsADirectoryError (meta's
    naming a temporary file), and the state folder's lock stayed held: once fixed, the same process was refused
    as 'locked by another process'."""
    from rnnkit.serve.journal import Journal

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text("{}")
    (run / "model.safetensors").write_bytes(b"weights")
    state = tmp_path / "state"
    (state / name).mkdir(parents=True)
    with pytest.raises(CheckpointError, match=rf"state: expected '{state / name}' to be a file \({what}\), got a folder"):
        Journal(state, run)
    (state / name).rmdir()
    journal = Journal(state, run)
    journal.append({"n": 1})
    journal.close()
    again = Journal(state, run)
    assert again.entries == [{"n": 1}]
    again.close()
