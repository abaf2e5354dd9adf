"""Session 21, helper X: leftovers of session 20 -- the series pool's workers and signals; forecast ids of
invisible characters alone (at the end of the file).

The pool (:mod:`rnnkit.tasks.forecasting.series_pool`) forks its workers from the command's process, so they kept its
handlers: the CLI raises SIGTERM as KeyboardInterrupt, which a worker sent back as its chunk's result (a SIGTERM to one
worker made the command say 'terminated'), and Ctrl-C, which a terminal sends to the whole process group, ended idle
workers with a traceback each. On an interrupt the command then waited for every chunk running or queued before it
could exit (17.8 s measured in session 20; a chunk of slow fits: minutes). Oracle: the processes' own state in /proc,
the exit codes the CLI documents (130, 143, 1), and the run folder of the same interrupt without a pool (none)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from rnnkit.tasks.forecasting.series_pool import usable_cpus
from test_forecast_series_pool_s20 import _batch

pooled = pytest.mark.skipif(not sys.platform.startswith("linux") or usable_cpus() < 2,
                            reason="the series pool needs fork and two usable CPUs")

CHUNK_S = 600           # a worker's chunk sleeps this long: the code before waited for it
EXIT_WITHIN_S = 60      # a generous bound on the interrupt-to-exit time (interpreter teardown on a loaded machine)

# the CLI with a statistical fit that says which worker runs it and then takes CHUNK_S seconds
CLI_CHILD = r'''
import os, sys, time
from rnnkit.tasks.forecasting import candidates
real = candidates._local_point
def slow(fn, y, horizon, period):
    os.write(1, f"fit {os.getpid()}\n".encode())
    time.sleep(%d)
    return real(fn, y, horizon, period)
candidates._local_point = slow
from rnnkit.cli.main import main
sys.exit(main(sys.argv[1:]))
''' % CHUNK_S

# the pool held open with idle workers (the command trains its networks meanwhile), interrupted there
IDLE_CHILD = r'''
import multiprocessing, os, sys, time
from rnnkit.tasks.forecasting.series_pool import map_series, series_pool
try:
    with series_pool(2):
        assert map_series(pow, [(k, 2) for k in range(8)]) == [k * k for k in range(8)]
        pids = [p.pid for p in multiprocessing.active_children()]       # the pool's workers, idle now
        os.write(1, (" ".join(map(str, sorted(pids))) + "\n").encode())
        time.sleep(%d)
except KeyboardInterrupt:
    sys.exit(130)
''' % CHUNK_S


from toy_data import proc_alive as _alive


def _gone(pids, within: float = 15.0) -> list[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


def _terminal_signals() -> None:
    """SIGINT as a terminal's job has it: a suite started in the background by a non-interactive shell (`cmd &`,
    `nohup`) runs with SIGINT ignored, inherited through exec, and Python installs no KeyboardInterrupt handler then:
    the Ctrl-C tests failed under such a CI launch (session 22), not for the code they test."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def _group(script: str, *argv: str):
    """The child in a process group of its own (as a terminal's job), all of it killed at the end whatever happens."""
    child = subprocess.Popen([sys.executable, "-c", script, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, start_new_session=True,
                             preexec_fn=_terminal_signals)
    try:
        yield child
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(30)
        child.stdout.close()
        child.stderr.close()


def _wait(child, within: float):
    try:
        return child.wait(within)
    except subprocess.TimeoutExpired:
        return None


@pooled
@pytest.mark.slow
@pytest.mark.parametrize("how, rc, said", [
    ("ctrl-c", 130, "rnnkit forecast: interrupted\n"),          # a terminal's Ctrl-C: SIGINT to the whole group
    ("sigterm", 143, "rnnkit forecast: terminated\n"),          # kill PID
    ("group-sigterm", 143, "rnnkit forecast: terminated\n"),    # kill -- -PGID, systemd's stop
    ("worker-sigterm", 1, "rnnkit forecast: error: BrokenProcessPool: "),   # one worker killed: a runtime error
])
def test_an_interrupt_stops_the_running_fits_at_once(tmp_path, how, rc, said):
    """Exit within EXIT_WITHIN_S of the signal while each worker's chunk would take CHUNK_S, one stderr line and no
    traceback, no worker left, no run folder (as the same interrupt with --workers 1 leaves: it came before the
    save). The code before waited for the chunks (and said 'terminated' for a SIGTERM to one worker)."""
    frame = pd.concat([pd.DataFrame({"id": s.id, "date": s.index, "y": s.y}) for s in _batch(4, 5)])
    frame.to_csv(tmp_path / "p.csv", index=False)
    run = tmp_path / "run"
    argv = ["forecast", "--csv", str(tmp_path / "p.csv"), "--target", "y", "--time-col", "date", "--id-col", "id",
            "--horizon", "6", "--model", "theta", "--workers", "2", "--quiet", "--out", str(run)]
    with _group(CLI_CHILD, *argv) as child:
        workers = sorted({int(child.stdout.readline().split()[1]) for _ in range(2)})    # both fitting
        assert len(workers) == 2 and child.pid not in workers
        sent = time.monotonic()
        if how == "ctrl-c":
            os.killpg(child.pid, signal.SIGINT)
        elif how == "sigterm":
            child.send_signal(signal.SIGTERM)
        elif how == "group-sigterm":
            os.killpg(child.pid, signal.SIGTERM)
        else:
            os.kill(workers[0], signal.SIGTERM)
        got = _wait(child, EXIT_WITHIN_S)
        took = time.monotonic() - sent
        err = child.stderr.read() if got is not None else ""
        left = _gone(workers)
    assert got == rc, f"exit {got} after {took:.1f} s (None: still running), expected {rc}"
    assert err.startswith(said) and err.count("\n") == 1 and "Traceback" not in err, err
    assert left == [], f"workers {left} outlived the command"
    assert not run.exists()


@pooled
@pytest.mark.slow
def test_ctrl_c_to_the_group_leaves_idle_workers_quiet(tmp_path):
    """Idle workers (the pool open while the command trains its networks) got the terminal's SIGINT too and each
    ended with 'Process ForkProcess-1: Traceback ... KeyboardInterrupt' on stderr. Now they ignore it and their parent
    stops them: its own exit code, nothing on stderr, none left."""
    with _group(IDLE_CHILD) as child:
        workers = [int(p) for p in child.stdout.readline().split()]
        assert len(workers) == 2
        os.killpg(child.pid, signal.SIGINT)
        got = _wait(child, EXIT_WITHIN_S)
        err = child.stderr.read() if got is not None else ""
        left = _gone(workers)
    assert got == 130 and err == "" and left == [], (got, err, left)


# ----------------------------------------------------------------------------- ids of invisible characters alone
def _panel(ids, n=30):
    days = pd.date_range("2021-01-01", periods=n, freq="D")
    return pd.DataFrame({"day": list(days) * len(ids), "store": [s for s in ids for _ in range(n)],
                         "y": [50.0 + (k + 1) * ((t % 7) - 3) for k in range(len(ids)) for t in range(n)]})


@pytest.mark.parametrize("hidden", ["\u200b", "\ufeff", "\u200f\u200e", "\u2060\u00ad", "\x07", "\u200d", " \u200b\t"])
def test_an_id_of_invisible_characters_alone_is_refused_as_a_blank_one(tmp_path, hidden):
    """A zero-width space, a BOM, bidi marks, a soft hyphen or a control character alone showed as no id at all, yet
    a frame and a CSV file fitted a series named so, where an empty or white-space id is refused. Oracle: the same
    rule and message as the blank id (tests/test_leftovers_s20_X.py) and as a label of them alone
    (label_text.invisible_only); an id with a joiner inside a visible word stays an id."""
    from rnnkit.data.series import read_series_csv
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting import Forecaster

    want = (rf"^{{}}id_col 'store': expected an id on every row, got {{}} blank \({re.escape(repr(hidden))}: "
            r"invisible or control characters \(zero-width, bidi marks, BOM, soft hyphens, BEL, \.\.\.\) alone, no id "
            r"on screen; first in data row {}\)$")
    df = _panel(("a", hidden))
    with pytest.raises(DataError, match=want.format("", 30, 31)):
        Forecaster(model="seasonal_naive", horizon=3).fit(df, target="y", time_col="day", id_col="store")
    df.to_csv(tmp_path / "p.csv", index=False)
    frame = read_series_csv(tmp_path / "p.csv", "day", id_col="store")      # the CLI's reader (--csv) keeps the cell
    with pytest.raises(DataError, match=want.format("", 30, 31)):
        Forecaster(model="seasonal_naive", horizon=3).fit(frame, target="y", time_col="day", id_col="store")
    fitted = Forecaster(model="seasonal_naive", horizon=3).fit(_panel(("a", "b")), target="y", time_col="day",
                                                               id_col="store")
    new = pd.DataFrame({"day": ["2021-01-31", "2021-01-31"], "store": ["a", hidden], "y": [50.0, 51.0]})
    with pytest.raises(DataError, match=want.format("new_points: ", 1, 2)):
        fitted.update(new)
    visible = ["\U0001F469\u200d\U0001F4BB", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"]   # ZWJ emoji, ZWNJ
    ids = Forecaster(model="seasonal_naive", horizon=3).fit(_panel(visible), target="y", time_col="day",
                                                            id_col="store").predict()["id"].unique().tolist()
    assert sorted(ids) == sorted(visible)


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()      # asked, not used: a worker at 2 threads would hang in its first matmul


@pooled
def test_workers_forked_after_torch_ran_two_threads_run_one():
    """The series_pool docstring's fork-safety argument: libgomp's pool does not survive a fork (a child entering a
    2-thread region hangs), so a worker must run torch at one thread, inline, whatever the parent ran. A guard (it
    passes on the code before too): the workers run at 1 thread after the parent's 2-thread matmuls."""
    import torch

    from rnnkit.tasks.forecasting.series_pool import map_series, series_pool

    old = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        (torch.ones(512, 512) @ torch.ones(512, 512)).sum()      # the parent's OpenMP threads are alive now
        with series_pool(2):
            assert map_series(_torch_threads, [()] * 4) == [1] * 4
    finally:
        torch.set_num_threads(old)


@pytest.mark.parametrize("other", ["a\u200b", "\u200ba", "a\u00ad", "a\x07"])
def test_ids_differing_only_by_invisible_or_control_characters_are_refused(tmp_path, capsys, other):
    """'a' and 'a\\u200b' were two series that both print as 'a' (while 'a' and 'a ' were refused): the same rule
    as labels (label_text.label_spelling), through a frame and the CLI's CSV reader alike."""
    import pandas as pd
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting import Forecaster

    t = pd.date_range("2024-01-01", periods=12, freq="D")
    df = pd.DataFrame({"id": ["a"] * 12 + [other] * 12, "date": list(t) * 2, "y": np.arange(24.0)})
    with pytest.raises(DataError, match=r"expected each id written one way, got 'a' and .*differ only by "
                                        r"(invisible|control) characters"):
        Forecaster("seasonal_naive", horizon=2).fit(df, id_col="id", time_col="date", target="y")
    csv = tmp_path / "p.csv"
    df.to_csv(csv, index=False)
    from rnnkit.cli.main import main
    code = main(["forecast", "--csv", str(csv), "--target", "y", "--time-col", "date", "--id-col", "id",
                 "--model", "seasonal_naive", "--horizon", "2", "--out", str(tmp_path / "run"), "--no-plot"])
    assert code == 1 and not (tmp_path / "run" / "forecast.csv").exists()
    assert "--id-col 'id': expected each id written one way" in capsys.readouterr().err
