"""Session 20 (helper V): hostile review of the session's own changes -- regressions of its new pools, checks
and cleanups. Each test fails on the code before its fix."""

from __future__ import annotations

import os
import threading
import time

import pytest

from rnnkit.tasks.forecasting.series_pool import map_series, pool_workers, series_pool, usable_cpus

fork_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool needs the fork start method")


def _pid_slow(k: int) -> tuple[int, int]:
    time.sleep(0.05)
    return k, os.getpid()


@fork_only
def test_series_pool_of_another_thread_is_not_shared():
    """44ecce5's pool was one process-wide state: a block opened in a second thread (two forecasters fitted in two
    threads with threads=2) ran its series on the first thread's workers, and the first block to end shut the pool
    down under the other's running map_series (CancelledError). Oracle: the plain loop ([fn(*a) for a in args])."""
    if usable_cpus() < 2:
        pytest.skip("one CPU: the pool has one worker, so none")
    opened, b_mapping, out, errors = threading.Event(), threading.Event(), {}, []

    def first():
        try:
            with series_pool(2):
                out["a"] = map_series(_pid_slow, [(k,) for k in range(4)])    # the workers exist now
                opened.set()
                b_mapping.wait(30)
                time.sleep(0.3)                                             # the block ends under the other's map
        except BaseException as e:  # noqa: BLE001
            errors.append(("a", repr(e)))
            opened.set()

    def second():
        opened.wait(30)
        try:
            with series_pool(2):
                out["b_workers"] = pool_workers()
                b_mapping.set()
                out["b"] = map_series(_pid_slow, [(k,) for k in range(24)])
        except BaseException as e:  # noqa: BLE001
            errors.append(("b", repr(e)))
            b_mapping.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert [k for k, _ in out["a"]] == list(range(4)) and os.getpid() not in {p for _, p in out["a"]}
    assert out["b_workers"] == 1                                   # the series of the second block: in its thread
    assert out["b"] == [(k, os.getpid()) for k in range(24)]
    assert pool_workers() == 1
    with series_pool(2):                                           # the pool opens again once both blocks ended
        assert pool_workers() == 2 and os.getpid() not in {p for _, p in map_series(_pid_slow, [(k,) for k in range(4)])}


def test_a_failed_forecaster_save_keeps_what_another_program_wrote_meanwhile(tmp_path, monkeypatch):
    """f033ac4 removed every entry new at the top of the folder when a save failed: in a folder given with files
    already there (save('.') in a project, a notebook's folder) a file or folder another program wrote during the
    save (a notebook's first autosave: .ipynb_checkpoints/) was deleted with the save's own. Oracle: the listing
    before the save plus what the other program wrote; the save's own files go, and the retried save loads."""
    import numpy as np

    import rnnkit._io as io
    from rnnkit.tasks.forecasting import Forecaster

    y = np.sin(np.arange(60) / 3) + 0.1 * np.arange(60)
    f = Forecaster(horizon=4, model="theta").fit(y)
    run = tmp_path / "project"
    run.mkdir()
    (run / "notes.txt").write_text("mine")
    real = io.atomic_write_bytes

    def write(path, data):
        if path == run / "digests.json":       # meanwhile, another program writes into the same folder
            (run / ".ipynb_checkpoints").mkdir()
            (run / ".ipynb_checkpoints" / "analysis-checkpoint.ipynb").write_text("{}")
            (run / "train.log").write_text("epoch 1\n")
            raise KeyboardInterrupt
        return real(path, data)

    monkeypatch.setattr(io, "atomic_write_bytes", write)
    with pytest.raises(KeyboardInterrupt):
        f.save(run)
    monkeypatch.setattr(io, "atomic_write_bytes", real)
    assert sorted(p.name for p in run.iterdir()) == [".ipynb_checkpoints", "notes.txt", "train.log"]
    assert (run / ".ipynb_checkpoints" / "analysis-checkpoint.ipynb").read_text() == "{}"
    f.save(run)
    assert np.array_equal(Forecaster.load(run).predict()["value"].to_numpy(), f.predict()["value"].to_numpy())
