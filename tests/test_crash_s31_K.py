"""Session 31, helper K: crash consistency -- a process killed at any point of a save leaves the earlier run or the
new one, never files of both.

The kill points are injected (a function of the save made to stop the process there), not raced with a timer."""

import shutil

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.main import main
from rnnkit.tasks.forecasting import Forecaster, save_backup
from rnnkit.tasks.forecasting.run_files import outputs_beside

pytestmark = pytest.mark.usefixtures("one_thread_module")  # one torch thread (tests/conftest.py)

OUTPUTS = ("forecast.csv", "metrics.json", "metrics.jsonl", "forecast.png")


class Killed(BaseException):
    """Stands for the process dying where it is raised: nothing the save does after that point runs."""


def _csv(tmp_path):
    t = pd.date_range("2019-01-01", periods=40, freq="MS")
    y = 50 + 10 * np.sin(np.arange(40) / 2) + 0.3 * np.arange(40)
    path = tmp_path / "s.csv"
    pd.DataFrame({"date": t.strftime("%Y-%m-%d"), "y": y.round(3)}).to_csv(path, index=False)
    return path


def _forecast(csv, out, horizon):
    return main(["forecast", "--csv", str(csv), "--target", "y", "--time-col", "date", "--model", "theta", "--horizon",
                 str(horizon), "--out", str(out), "--quiet", "--threads", "1"])


def _outputs(run):
    return {n: (run / n).read_bytes() for n in OUTPUTS if (run / n).is_file()}


@pytest.fixture(scope="module")
def _saved(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("saved")
    csv, run = _csv(tmp), tmp / "run"
    assert _forecast(csv, run, 3) == 0
    assert sorted(_outputs(run)) == sorted(OUTPUTS)
    return csv, run


@pytest.fixture()
def earlier(_saved, tmp_path):
    """A forecast run folder (horizon 3, with its forecast.csv, metrics and plot) and its files' bytes."""
    csv, saved = _saved
    run = tmp_path / "run"
    shutil.copytree(saved, run)
    return csv, run, {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}


def test_a_kill_just_after_the_save_commits_leaves_no_output_of_the_earlier_fit(earlier, monkeypatch):
    """``rnnkit forecast --out RUN`` over a forecast run saved the new model (its commit point), then removed the
    earlier fit's forecast.csv, metrics and plot: killed in between (kill -9 at any of the ~9 file operations there),
    the folder held the new model with the earlier model's forecast.csv and forecast.png -- a forecast of another
    model, read as this one's. Fails at dfd260d (forecast.csv is the earlier fit's)."""
    csv, run, before = earlier
    real = save_backup.commit

    def commit_then_die(folder, record):
        if folder != run or record is None:       # a candidate's save inside the run (auto/candidates/...)
            return real(folder, record)
        (folder / save_backup.RECORD).unlink()    # the commit point passed; the process dies right after it
        raise Killed

    monkeypatch.setattr(save_backup, "commit", commit_then_die)
    with pytest.raises(Killed):
        _forecast(csv, run, 5)
    monkeypatch.setattr(save_backup, "commit", real)
    left = _outputs(run)
    assert not any(left.get(n) == before[n] for n in OUTPUTS), sorted(left)   # none of the earlier fit's outputs
    f = Forecaster.load(run)          # the new model, whole; the earlier run's files (moved aside) are removed
    assert len(f.predict()) == 5
    assert not [p.name for p in run.iterdir() if p.name.startswith(".tmp-old-save-")]
    assert _forecast(csv, run, 5) == 0 and sorted(_outputs(run)) == sorted(OUTPUTS)


def test_a_kill_before_the_save_commits_gives_back_the_earlier_run_with_its_outputs(earlier, monkeypatch):
    """Killed before its commit point, the save's record stays; the next load puts the earlier run back: its model
    and the forecast.csv, metrics and plot that describe it (they were moved aside with it), byte for byte."""
    csv, run, before = earlier
    real = save_backup.commit

    def die(folder, record):
        if folder != run or record is None:
            return real(folder, record)
        raise Killed                              # the record stays, as after a kill -9

    monkeypatch.setattr(save_backup, "commit", die)
    with pytest.raises(Killed):
        _forecast(csv, run, 5)
    monkeypatch.undo()
    assert (run / save_backup.RECORD).is_file()
    assert "forecast.csv" not in _outputs(run)    # aside with the earlier model, not beside the new one
    assert len(Forecaster.load(run).predict()) == 3
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before


def test_a_failed_save_keeps_the_earlier_outputs(earlier, monkeypatch):
    """A save that raises (a full disk at the new model's config) moves the earlier run back with its outputs."""
    csv, run, before = earlier
    import rnnkit._io as io
    real = io.stage_bytes

    def full(path, data):
        if path == run / "config.json":
            raise OSError(28, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(io, "stage_bytes", full)
    assert _forecast(csv, run, 5) == 1
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before


def test_a_library_save_moves_only_the_outputs_it_is_told_are_the_runs(tmp_path):
    """Within ``outputs_beside``, a save over a run removes the named output with the earlier run and keeps a file
    the caller did not name; a save into a folder without a saved run touches neither."""
    f = Forecaster(horizon=2, model="theta").fit(np.arange(30.0))
    run = tmp_path / "r"
    run.mkdir()
    (run / "forecast.csv").write_text("not a run's")
    with outputs_beside(("forecast.csv",)):
        f.save(run)
    assert (run / "forecast.csv").read_text() == "not a run's"   # no run was saved there before
    (run / "notes.csv").write_text("mine")
    with outputs_beside(("forecast.csv",)):
        f.save(run)
    assert (run / "notes.csv").read_text() == "mine" and not (run / "forecast.csv").exists()
    (run / "forecast.csv").write_text("kept")
    f.save(run)                          # outside the block: nothing but the run's own files
    assert (run / "forecast.csv").read_text() == "kept"


def test_checkpoints_removed_meanwhile_by_another_process_are_no_error(tmp_path, monkeypatch):
    """Two processes finishing one checkpointed training (``train --resume`` run while the first one saved its run)
    both remove ``--out/training``: the one that came second failed after its run was saved, exit 1 with
    'FileNotFoundError: [Errno 2] ... training/stage-00 -> ... training/.removing-stage-00' (found with the first
    process paused at that rename while the second ran whole). Fails at dfd260d."""
    import pathlib

    from rnnkit.training import stages

    root = tmp_path / "training"
    (root / "stage-00" / "checkpoints").mkdir(parents=True)
    (root / "stage-00" / "checkpoints" / "latest.json").write_text("{}")
    (root / "stage-01").mkdir()
    stages.write_manifest(root, {"task": "classify"})
    real = pathlib.Path.rename

    def raced(self, target):
        shutil.rmtree(self)                   # the other process removed it first
        return real(self, target)

    monkeypatch.setattr(pathlib.Path, "rename", raced)
    stages.remove_checkpoints(root)
    assert not root.exists()


_KILLED_FIRST_SAVE = r'''
import os, signal, sys
import numpy as np
folder = os.path.abspath(sys.argv[1])
real = os.replace
def replace(src, dst, *a, **k):          # killed just before the folder's digest map is renamed into place
    if os.path.abspath(os.fsdecode(dst)) == os.path.join(folder, "digests.json"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst, *a, **k)
os.replace = replace
if sys.argv[2] == "forecaster":
    from rnnkit.tasks.forecasting import Forecaster
    Forecaster(horizon=2, model="theta").fit(np.arange(30.0)).save(folder)
else:
    import torch
    from rnnkit.tasks.runs import save_run
    save_run(folder, "demo", {"size": 3}, torch.nn.Linear(2, 1))
'''


@pytest.mark.parametrize("kind", ["forecaster", "task"])
def test_a_first_save_killed_before_its_map_is_rolled_back(tmp_path, kind):
    """The first save into a new folder, killed (SIGKILL) after its files and before its digests.json: the folder held
    config.json (and auto/ or model.safetensors) that no map listed, and every later save there -- the same command
    run again -- was refused ('holding ['config.json'] that no run there wrote: choose another folder'). The first
    save is now recorded as a save over a run is; the next save rolls it back and saves. Fails at dfd260d."""
    import os
    import signal
    import subprocess
    import sys

    import torch

    from rnnkit.tasks.runs import save_run

    run = tmp_path / "run"
    p = subprocess.run([sys.executable, "-c", _KILLED_FIRST_SAVE, str(run), kind], capture_output=True,
                       env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=300)
    assert p.returncode == -signal.SIGKILL, p.stderr.decode()[-2000:]
    assert (run / "config.json").is_file() and not (run / "digests.json").exists()
    if kind == "forecaster":
        f = Forecaster(horizon=2, model="theta").fit(np.arange(30.0))
        f.save(run)
        assert Forecaster.load(run).predict().equals(f.predict())
    else:
        save_run(run, "demo", {"size": 3}, torch.nn.Linear(2, 1))
    assert not (run / save_backup.RECORD).exists()


def test_a_training_whose_partial_log_another_process_removed_is_no_error(tmp_path, capsys, monkeypatch):
    """'tag train --out RUN' over a saved run logs into RUN/metrics.partial.jsonl and removes it after its save; a
    'train --resume' of the same --out that finished meanwhile (accepted: no stage lock is held while a run is saved)
    had removed it already: the first process, its run saved, exited 1 with a bare 'FileNotFoundError: ...
    metrics.partial.jsonl'. Now its removal tolerates that. Fails at dfd260d."""
    from rnnkit.cli.main import main
    from rnnkit.tasks import base

    conll = tmp_path / "d.conll"
    conll.write_text("Anna\tB-per\nlebt\tO\n\nBob\tB-per\nmag\tO\n\n" * 4, encoding="utf-8")
    run = tmp_path / "run"
    tiny = ["--hidden-size", "4", "--word-dim", "4", "--char-dim", "2", "--char-hidden", "2", "--quiet",
            "--no-baseline", "--conll", str(conll), "--out", str(run), "--epochs", "1"]
    assert main(["tag", "train", *tiny]) == 0
    real = base.save_run

    def raced(path, *a, **k):
        out = real(path, *a, **k)
        (run / "metrics.partial.jsonl").unlink()      # the other process's save removed it first
        return out

    monkeypatch.setattr(base, "save_run", raced)
    assert main(["tag", "train", *tiny]) == 0, capsys.readouterr().err
    assert sorted(p.name for p in run.iterdir() if "metrics" in p.name) == ["metrics.jsonl"]
