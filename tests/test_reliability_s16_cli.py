"""Session 16's reliability sweep (helper S): the CLI's shared flags.

Each test fails on the code before its fix (checked with ``git archive 9c8588f src``, PYTHONPATH).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def max_threads():   # imported on use: each test fails on its own on code without it
    from rnnkit.cli.common import max_threads

    return max_threads()


@pytest.mark.skipif(not os.path.exists("/proc/sys/kernel/threads-max"), reason="no thread limits to read (not Linux)")
@pytest.mark.parametrize("above", ["limit", "pid_max_limit"])
def test_threads_beyond_what_the_system_lets_a_process_start_is_a_usage_error(above):
    """`rnnkit bench --threads 99999` died of a segmentation fault (exit 139, 'libgomp: Thread creation failed')
    at the first parallel operation: past vm.max_map_count / 2 (32765 here) no thread stack can be mapped. The
    value is refused before any work, naming --threads, exit 2, in a fresh process (a regression would crash)."""
    n = 5_000_000 if above == "pid_max_limit" else max_threads() + 1   # 5e6: above Linux's PID_MAX_LIMIT anywhere
    argv = [sys.executable, "-m", "rnnkit", "bench", "--threads", str(n), "--cells", "lstm", "--shapes", "1,2,2,2",
            "--reps", "1", "--no-autograd", "--budget-s", "0.01"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert out.returncode == 2, (out.returncode, out.stderr[-300:])
    assert out.stderr.strip().splitlines() == [f"rnnkit bench: error: --threads: expected an int in [1, {max_threads()}] "
                                               f"(the threads this system lets a process start), got {n}"]


def test_max_threads_is_at_most_each_limit_it_reads():
    limit = max_threads()
    for path, per in (("/proc/sys/kernel/threads-max", 1), ("/proc/sys/vm/max_map_count", 2)):
        if os.path.exists(path) and limit is not None:
            assert limit <= int(open(path).read()) // per
