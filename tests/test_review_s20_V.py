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
