"""Session 24, helper E: when the operating system says no in the middle of a save -- a full disk (ENOSPC), a
read-only folder, a process killed outright. Oracle: the run saved there before, loaded and predicted before the
failed save; the same save into a folder with room."""

import errno
import os
import random
import signal
import time

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import CheckpointError
from rnnkit.tasks.forecasting import Forecaster


def _two_forecasters():
    t = np.arange(60)
    y = pd.Series(50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 7), index=pd.date_range("2020-01-01", periods=60))
    a = Forecaster("ets", horizon=3).fit(y)
    b = Forecaster("ets", horizon=3).fit(80 - 0.5 * (y - 50))
    return a, b


def _values(model):
    return model.predict()["value"].to_numpy()


def _fail_nth_fsync(monkeypatch, nth):
    """``os.fsync`` raising ENOSPC (as a full disk does when the data reaches it) at its ``nth`` call."""
    real, calls = os.fsync, [0]

    def fsync(fd):
        calls[0] += 1
        if calls[0] == nth:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return calls


def test_a_forecaster_save_over_a_run_that_fails_on_a_full_disk_leaves_the_earlier_run_whole(tmp_path, monkeypatch):
    # 'rnnkit forecast --out RUN' over a saved run with a few KB free stopped at config.json after auto/'s files were
    # replaced: the earlier run failed every load after ('auto/digests.json: expected sha256 ..., the file is corrupt
    # or was modified'). Oracle: A's forecast before the failed save of B; B's once there is room.
    a, b = _two_forecasters()
    want_a, want_b = _values(a), _values(b)
    calls = _fail_nth_fsync(monkeypatch, 0)
    b.save(tmp_path / "probe")
    writes = calls[0]            # the fsyncs of one save of B into a new folder
    assert writes >= 4
    failed = 0
    for nth in range(1, writes + 1):
        folder = tmp_path / f"run{nth}"
        monkeypatch.undo()
        a.save(folder)
        _fail_nth_fsync(monkeypatch, nth)
        try:
            b.save(folder)
        except OSError as e:
            failed += 1
            assert e.errno == errno.ENOSPC and e.filename is not None and str(folder) in str(e.filename), e
        monkeypatch.undo()
        got = _values(Forecaster.load(folder))
        assert np.allclose(got, want_a) or np.allclose(got, want_b), nth
        if not np.allclose(got, want_b):   # the failed save: the earlier run, and nothing of the save left behind
            assert not [p.name for p in folder.iterdir() if p.name.startswith(".")], nth
        b.save(folder)                     # the same save once there is room
        assert np.allclose(_values(Forecaster.load(folder)), want_b)
    assert failed >= 4


def _kill_while_saving(save, after_s: float) -> None:
    """A forked child calls ``save(0)``, ``save(1)``, ... until it is killed (SIGKILL) ``after_s`` seconds after it
    started: a save cut at a random point."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:     # the child: saves until it is killed
        try:
            os.close(r)
            os.write(w, b"x")
            i = 0
            while True:
                save(i)
                i += 1
        finally:
            os._exit(0)
    os.close(w)
    assert os.read(r, 1) == b"x"
    os.close(r)
    time.sleep(after_s)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def test_a_forecaster_save_killed_at_random_points_leaves_one_run_whole(tmp_path):
    # kill -9 (the OOM killer, a scheduler's timeout) of a process saving over a run: the folder must load as the old
    # run or the new one, never refuse a mixture of the two (nor load one). A child saves A and B in turn; it is
    # killed at a random moment, 20 times; after each kill the folder loads as A or B and takes a save.
    a, b = _two_forecasters()
    want = [_values(a), _values(b)]
    folder = tmp_path / "run"
    a.save(folder)
    rng = random.Random(0)
    for _ in range(20):
        _kill_while_saving(lambda i: (b if i % 2 == 0 else a).save(folder), rng.uniform(0.0, 0.25))
        got = _values(Forecaster.load(folder))
        assert any(np.allclose(got, v) for v in want)
        assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]
    a.save(folder)
    assert np.allclose(_values(Forecaster.load(folder)), want[0])


def test_weights_saved_on_a_full_disk_name_the_file_and_keep_the_earlier_weights(tmp_path, monkeypatch):
    # a Trainer's final save (and a resumed fit's config, a network forecaster's pair) goes through the certified
    # replacement, whose staged write's ENOSPC reached the CLI as 'OSError: [Errno 28] No space left on device' naming
    # nothing ('rnnkit classify train --out RUN' with 4.6 MB free). Oracle: the earlier weights, loaded before.
    import torch

    from rnnkit.training.checkpoint import load_weights, save_weights

    old, new = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    path = save_weights(old, tmp_path / "run" / "model.safetensors")
    _fail_nth_fsync(monkeypatch, 1)
    with pytest.raises(OSError) as info:
        save_weights(new, path)
    monkeypatch.undo()
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(path)
    got = load_weights(torch.nn.Linear(3, 2), path)
    assert torch.equal(got.weight, old.weight)
    assert not [p.name for p in path.parent.iterdir() if p.name.startswith(".")]


def test_a_task_save_over_a_run_that_fails_on_a_full_disk_leaves_the_earlier_run_whole(tmp_path, monkeypatch):
    # a task's save writes model.safetensors, vocab.json, baseline files, split.json, metrics.jsonl, config.json, then
    # digests.json, each replaced in place: a full disk at the second left the new weights under the earlier run's
    # map, and the run failed every load after ('model.safetensors: expected sha256 ..., the file is corrupt or was
    # modified'). Oracle: A's bits per character loaded before the failed save of B; B's once there is room.
    from toy_data import tiny_char_lm

    from rnnkit.tasks.generation import CharLM

    a, b = tiny_char_lm("abcabcabd " * 40), tiny_char_lm("xyzzy wxyz " * 40)

    folder = tmp_path / "probe"
    calls = _fail_nth_fsync(monkeypatch, 0)
    b.save(folder)
    writes = calls[0]
    monkeypatch.undo()
    assert writes >= 4
    want_a = CharLM.load(_saved(a, tmp_path / "a")).bits_per_char("abcab abd ")
    want_b = CharLM.load(_saved(b, tmp_path / "b")).bits_per_char("xyzzy wxy ")
    failed = 0
    for nth in range(1, writes + 1):
        folder = tmp_path / f"run{nth}"
        a.save(folder)
        _fail_nth_fsync(monkeypatch, nth)
        try:
            b.save(folder)
        except OSError as e:    # (a folder's fsync that fails is not an error of the save: it went through)
            failed += 1
            assert e.errno == errno.ENOSPC and str(folder) in str(e.filename), e
            monkeypatch.undo()
            assert CharLM.load(folder).bits_per_char("abcab abd ") == want_a, nth
            assert not [p.name for p in folder.iterdir() if p.name.startswith(".")], nth
        monkeypatch.undo()
        b.save(folder)                     # the same save once there is room
        assert CharLM.load(folder).bits_per_char("xyzzy wxy ") == want_b
    assert failed >= 4


def _saved(model, folder):
    model.save(folder)
    return folder


def test_a_killed_save_on_a_folder_that_became_read_only_is_refused_naming_it(tmp_path, monkeypatch):
    # a save killed after it moved the earlier run's files aside, the disk then mounted read-only (a backup copy, a
    # full file system remounted ro by the kernel): the load cannot put them back and must not read what is there.
    # Oracle: the same folder writable again loads the earlier run.
    from rnnkit.tasks.forecasting.run_files import SAVE_NAMES, saved_files
    from rnnkit.tasks.forecasting.save_backup import RECORD, begin

    a, _ = _two_forecasters()
    folder = tmp_path / "run"
    a.save(folder)
    begin(folder, saved_files, SAVE_NAMES)     # what a kill -9 right after it leaves
    assert (folder / RECORD).is_file() and not (folder / "config.json").exists()
    real = os.replace

    def read_only(src, dst):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dst))

    monkeypatch.setattr(os, "replace", read_only)
    with pytest.raises(CheckpointError, match="save was interrupted") as info:
        Forecaster.load(folder)
    assert str(folder) in str(info.value) and "\n" not in str(info.value)
    monkeypatch.setattr(os, "replace", real)
    assert np.allclose(_values(Forecaster.load(folder)), _values(a))
    assert not (folder / RECORD).exists()


def test_a_task_save_killed_at_random_points_leaves_one_run_whole(tmp_path):
    # the same for a task's run folder (save_run): a child saves run A and run B in turn (other weights, other
    # config, B without A's split.json) and is killed at a random moment, 20 times; each time the folder loads as A
    # or as B -- its config and weights together -- and takes a save.
    import dataclasses

    import torch

    from rnnkit.tasks.runs import load_run, save_run

    @dataclasses.dataclass
    class Cfg:
        a: int = 1

    torch.manual_seed(0)
    nets = {1: torch.nn.Linear(40, 30), 2: torch.nn.Linear(40, 30)}
    folder = tmp_path / "run"

    def save(k):
        save_run(folder, "classify", Cfg(k), nets[k], split={"test": {"n": k}} if k == 1 else None)

    save(1)
    rng = random.Random(1)
    for _ in range(20):
        _kill_while_saving(lambda i: save(2 if i % 2 == 0 else 1), rng.uniform(0.0, 0.1))
        run = load_run(folder, "classify", Cfg)
        k = run["config"].a
        assert torch.equal(run["weights"]["weight"], nets[k].weight.detach()), k
        assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]
    save(2)
    assert load_run(folder, "classify", Cfg)["config"].a == 2


def test_forecast_out_over_a_run_that_cannot_be_saved_leaves_its_files_as_they_were(tmp_path, monkeypatch, capsys):
    # 'rnnkit forecast --out RUN' wrote forecast.csv, metrics.json and metrics.jsonl of the new fit, then saved the
    # model: a full disk at the save left the earlier run's model beside the new fit's forecast and metrics (exit 1).
    # The model is saved first now. Oracle: the earlier run's files, byte for byte; one stderr line naming the path.
    from toy_data import run_cli, write_frame

    t = np.arange(60)
    days = pd.date_range("2020-01-01", periods=60).strftime("%Y-%m-%d")
    a = write_frame(tmp_path / "a.csv", pd.DataFrame({"date": days, "y": 50 + 3 * np.sin(2 * np.pi * t / 7)}))
    b = write_frame(tmp_path / "b.csv", pd.DataFrame({"date": days, "y": 90 - 0.3 * t}))
    out = tmp_path / "run"
    argv = ["forecast", "--time-col", "date", "--target", "y", "--horizon", "3", "--model", "ets", "--quiet",
            "--out", str(out)]
    assert run_cli([*argv, "--csv", a], capsys)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def full(self, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(Forecaster, "save", full)
    code, _, err = run_cli([*argv, "--csv", b], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "No space left" in err and str(out) in err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_a_service_starts_on_a_run_whose_save_was_killed_serving_the_earlier_run(tmp_path):
    # a scheduler's 'forecast update --out RUN' killed during its save, then the service restarted: open_service read
    # config.json (moved aside by the killed save) before any load rolled it back, and refused to start ('run:
    # expected a run folder with config.json'). Oracle: the earlier run's forecast.
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting.run_files import SAVE_NAMES, saved_files
    from rnnkit.tasks.forecasting.save_backup import begin

    a, _ = _two_forecasters()
    run = tmp_path / "run"
    a.save(run)
    begin(run, saved_files, SAVE_NAMES)     # what a kill -9 right after it leaves
    service = open_service(run, tmp_path / "state")
    try:
        import json

        served = [r["value"] for r in json.loads(service.forecast())["forecast"]]
    finally:
        service.close()
    assert np.allclose(served, _values(a))
