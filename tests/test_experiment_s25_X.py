"""Session 25, helper X: ``rnnkit experiment ... --out DIR`` over an earlier run's folder keeps the earlier results
whole until the new ones are, as every task's save does (tasks.forecasting.save_backup). A full disk at the second
plot left the new curve.png beside the earlier result.json and gradflow.png; in a comparison, new cell folders beside
the earlier compare.json. Oracle: the bytes of the earlier run's files, read before the failed write."""

from __future__ import annotations

import errno
import json
import shutil

import pytest
from test_oserrors_s24_E import _fail_nth_fsync   # os.fsync raising ENOSPC at its nth call

pytestmark = pytest.mark.usefixtures("one_thread_module")

KW = dict(length=8, steps=4, hidden_size=8, batch_size=4, eval_size=8)


@pytest.fixture
def fast_training(monkeypatch):
    """The runner's training memoised by (cell, seed): each failed write below trains nothing again."""
    from rnnkit.experiments import runner

    real, memo = runner._train, {}

    def train(cfg, spec, task, bidirectional):
        key = (cfg.cell, cfg.seed, bidirectional)
        if key not in memo:
            memo[key] = real(cfg, spec, task, bidirectional=bidirectional)
        return memo[key]

    monkeypatch.setattr(runner, "_train", train)


def _files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_full_disk_in_a_run_over_an_earlier_one_leaves_the_earlier_results_whole(tmp_path, monkeypatch,
                                                                                     fast_training):
    """Fails at 77ec123: ENOSPC at gradflow.png's or result.json's write left the new curve.png in the folder."""
    from rnnkit.experiments import run_experiment

    out = tmp_path / "run"
    run_experiment("adding", cell="gru", seed=1, **KW, out=tmp_path / "new")
    new = _files(tmp_path / "new")
    run_experiment("adding", cell="gru", seed=0, **KW, out=out)
    old = _files(out)
    assert set(old) == {"result.json", "curve.png", "gradflow.png"} and old["curve.png"] != new["curve.png"]
    calls = _fail_nth_fsync(monkeypatch, 0)
    run_experiment("adding", cell="gru", seed=0, **KW, out=tmp_path / "probe")
    failed = 0
    for nth in range(1, calls[0] + 1):
        monkeypatch.undo()
        run_experiment("adding", cell="gru", seed=0, **KW, out=out)    # the earlier run, again
        before = _files(out)           # result.json's timings and load differ from run to run
        _fail_nth_fsync(monkeypatch, nth)
        try:
            run_experiment("adding", cell="gru", seed=1, **KW, out=out)
            got = _files(out)
            assert got["curve.png"] == new["curve.png"] and got["gradflow.png"] == new["gradflow.png"], nth
        except OSError as e:
            failed += 1
            assert e.errno == errno.ENOSPC and str(out) in str(e.filename), e
            assert _files(out) == before, nth         # every file the earlier run's, nothing else left
            assert sorted(p.name for p in out.iterdir()) == ["curve.png", "gradflow.png", "result.json"]
    assert failed >= 3                                  # each plot's and result.json's write failed once at least
    monkeypatch.undo()


def test_a_full_disk_at_a_comparisons_last_file_leaves_the_earlier_comparison_whole(tmp_path, monkeypatch,
                                                                                     fast_training):
    """Fails at 77ec123: each cell's folder was written as the cell finished, so a comparison stopped at its
    compare.json left both cells' new files beside the earlier compare.json."""
    from rnnkit.experiments import compare

    out = tmp_path / "cmp"
    compare("adding", ["gru", "elman"], seed=0, **KW, out=out)
    old = _files(out)
    assert {"compare.json", "gru/result.json", "elman/curve.png"} <= set(old)
    shutil.copytree(out, tmp_path / "probe")
    calls = _fail_nth_fsync(monkeypatch, 0)
    compare("adding", ["gru", "elman"], seed=1, **KW, out=tmp_path / "probe")     # the same write, counted
    writes = calls[0]            # ... compare.json's file, its folder's, the commit's (a folder's fsync fails quietly)
    for nth in (writes // 2, writes - 2):       # a cell's plot; compare.json, the last data written
        monkeypatch.undo()
        _fail_nth_fsync(monkeypatch, nth)
        with pytest.raises(OSError) as e:
            compare("adding", ["gru", "elman"], seed=1, **KW, out=out)
        monkeypatch.undo()
        assert e.value.errno == errno.ENOSPC
        assert _files(out) == old, nth
    compare("adding", ["gru", "elman"], seed=1, **KW, out=out)      # with room: the new comparison, whole
    got = json.loads((out / "compare.json").read_text())
    assert got["seed"] == 1 and json.loads((out / "gru" / "result.json").read_text())["config"]["seed"] == 1
