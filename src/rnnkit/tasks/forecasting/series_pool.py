"""A process pool over series for the per-series statistical fits (ETS, Theta, the backtest's baselines).

A local candidate fits every series alone (:class:`.candidates.LocalCandidate`), so its forecasts do not depend on
which process computes them: inside :func:`series_pool` with ``workers`` > 1, :func:`map_series` hands the series to
forked worker processes (one torch thread each) and returns their results in order, the same numbers, bit for bit, as
the loop in this process (tests). The fits are most of the time of ``rnnkit forecast --id-col`` on many series with
the statistical candidates (100 monthly series, backtest 3: 584 auto-ETS calls, 1,972 statsmodels fits, session 19).

:meth:`.auto_model.AutoModel.fit`, ``backtest`` and ``update`` open the pool with ``ForecastConfig.threads`` (1, the
default, opens none). The workers are at most the CPUs this process may use and the series of a call. Only where
the ``fork`` start method exists (Linux): ``spawn`` would import the caller's script again in every worker; elsewhere
the series are fitted here, as before. A function that cannot be pickled (a lambda) is run here too. The pool is
its opening thread's: a block opened in another thread meanwhile (two forecasters fitted in two threads) fits its
series in its own thread, as with ``threads=1`` (the pool was shared, and the first block to end shut it down under
the other's running ``map_series``: a ``CancelledError``). A daemonic process (a ``multiprocessing.Pool`` worker) may
have no children: there too the series are fitted in the calling process.

Why ``fork`` is safe here (session 21; Python 3.11, torch's GNU OpenMP): a fork copies the forking thread alone, and
libgomp does not rebuild its thread pool in the child, so a forked child that enters an OpenMP region with more than
one thread hangs for ever (measured: after the parent's 2-thread matmuls, a child's ``torch.set_num_threads(2)`` and
one matmul stuck in futex_wait, bare or on this pool). The workers never do: ``_init_worker`` sets torch to one
thread, where torch runs its kernels inline, out of any OpenMP region (a worker's matmul, conv1d and LSTM forward
after the parent's 2-thread ones, then an ETS fit, 5 pools: no hang), and the statistical fits use numpy and scipy
(OpenBLAS's pthreads, which it stops before a fork). A function mapped here must not raise torch's threads. The
executor forks its workers before it starts its own threads; the child resets Python's import lock and logging's
locks; the CLI runs no other Python thread. A program mapping from one thread while others run (a server's update
with ``threads`` > 1) keeps a rare risk: a lock another thread holds at the fork (a module it is importing, a stream
it writes) stays held in the workers -- Python 3.12+ warns of it (``DeprecationWarning: This process is
multi-threaded, use of fork() may lead to deadlocks``: hidden by the default filters, not an error under the
project's pytest filter, which covers ``rnnkit.*``). ``forkserver`` and ``spawn`` would avoid it at the cost of the
workers' imports: on the loaded 2-core VM the first map of 2 Theta fits took 1.2 s with fork, 44 s with forkserver,
46 s with spawn (each worker imports torch, rnnkit and statsmodels again), and a forkserver worker's parent is not
the caller (``_die_with``).

>>> with series_pool(2):
...     map_series(pow, [(1, 2), (3, 4)])
[1, 81]
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterator, Sequence

from rnnkit._validate import is_int
from rnnkit.errors import ConfigError

__all__ = ["series_pool", "map_series", "pool_workers", "usable_cpus"]

_STATE: dict[str, Any] = {"workers": 1, "executor": None, "size": 0, "owner": None}
_LOCK = threading.Lock()   # the pool is opened by one thread at a time (its "owner")


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the system says, else ``os.cpu_count()``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def pool_workers() -> int:
    """The workers :func:`map_series` may use now, in this thread (1: no pool)."""
    return int(_STATE["workers"]) if _STATE["owner"] == threading.get_ident() else 1


@contextlib.contextmanager
def series_pool(workers: int | None) -> Iterator[None]:
    """Within the block, :func:`map_series` runs on up to ``workers`` processes (``None`` or 1: in this process; at
    most :func:`usable_cpus`); the processes start at the first call that uses them and stop at the end of the
    block. A block inside another keeps the outer one's pool."""
    if workers is not None and (not is_int(workers) or workers < 1):
        raise ConfigError(f"workers: expected an int >= 1 or None, got {workers!r}")
    # a daemonic process (a multiprocessing.Pool worker fitting a forecaster loaded with threads=2) may not have
    # children: ProcessPoolExecutor's bare AssertionError; its series are fitted in it, as with threads=1
    n = 1 if workers is None or "fork" not in multiprocessing.get_all_start_methods() \
        or multiprocessing.current_process().daemon else min(int(workers), usable_cpus())
    with _LOCK:    # nested, or opened by another thread: that block owns the pool (this one's series: in its thread)
        own = n > 1 and _STATE["owner"] is None
        if own:
            _STATE.update(workers=n, owner=threading.get_ident())
    if not own:
        yield
        return
    ended = False
    try:
        yield
        ended = True
    finally:
        with _LOCK:
            ex = _STATE["executor"]
            _STATE.update(workers=1, executor=None, size=0, owner=None)
        if ex is not None:
            if not ended:       # Ctrl-C, SIGTERM, an error: the running chunks' work is lost anyway, stop it now
                _kill_workers(ex)
            ex.shutdown(wait=True, cancel_futures=True)       # reaps them: no worker left, no zombie


def _kill_workers(ex: ProcessPoolExecutor) -> None:
    """SIGKILL to ``ex``'s live workers (the executor then finds them gone, breaks and joins them): its ``shutdown``
    waited for the chunks running and queued (17.8 s after a SIGTERM in session 20; a chunk of slow fits: minutes)
    before the command could exit. Python 3.14's ``kill_workers`` does the same."""
    for proc in list((getattr(ex, "_processes", None) or {}).values()):
        with contextlib.suppress(ValueError, ProcessLookupError, OSError):   # closed, or ended meanwhile
            if proc.is_alive():
                proc.kill()


_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _init_worker(parent: int) -> None:
    _STATE.update(workers=1, executor=None, size=0, owner=None)      # the parent's pool is not this process's
    # the parent's handlers are not a worker's: the CLI raises SIGTERM as KeyboardInterrupt, which a worker sent back
    # as its chunk's result (a SIGTERM to one worker made the command say 'terminated', exit 143), and Ctrl-C, which a
    # terminal sends to the whole process group, ended idle workers with a traceback each. A worker ignores SIGINT
    # (its parent stops it), and SIGTERM ends it, as any process (its parent: BrokenProcessPool, exit 1). Forked with
    # both blocked (map_series), so none comes between the fork and these lines.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    _die_with(parent)
    os.environ["OMP_NUM_THREADS"] = "1"
    import sys

    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _die_with(parent: int) -> None:
    """Linux: this worker gets SIGKILL when the process that forked it ends -- a parent killed outright (kill -9,
    the OOM killer, a scheduler's hard stop after its grace time) ends no pool, and its idle workers waited on
    their queue for ever, each a forked copy of it. Elsewhere: nothing."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)                    # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:                                          # the parent ended before the call
        os._exit(1)


class _RaiseHere:
    """A worker's answer for a call whose exception cannot travel back (its class cannot be rebuilt from a pickle,
    e.g. an ``__init__`` with two required arguments: the parent's pool broke, ``BrokenProcessPool``; or it is
    rebuilt with another message, an ``__init__`` that formats its one argument): the parent runs that call itself
    and so raises the loop's own exception."""


def _call(job: tuple[Callable, tuple]) -> Any:
    fn, args = job
    try:
        return fn(*args)
    except Exception as e:
        try:
            back = pickle.loads(pickle.dumps(e))
        except Exception:  # noqa: BLE001 - not rebuildable: raised in the parent instead
            return _RaiseHere()
        if type(back) is not type(e) or str(back) != str(e):     # rebuilt as another error or message
            return _RaiseHere()
        raise


def _picklable(fn: Callable) -> bool:
    try:
        pickle.dumps(fn)
    except Exception:  # noqa: BLE001 - a lambda, a local function: run in this process
        return False
    return True


def map_series(fn: Callable, args: Sequence[tuple]) -> list:
    """``[fn(*a) for a in args]``, on the pool of :func:`series_pool` when one is open and ``fn`` can be sent to
    it; the results in the order of ``args``. An exception of ``fn`` is raised here, as in the loop."""
    args = list(args)
    n = min(pool_workers(), len(args))
    if n < 2 or not _picklable((fn, args[0])):
        return [fn(*a) for a in args]
    ex, new = _STATE["executor"], _STATE["executor"] is None
    if new:
        ex = ProcessPoolExecutor(max_workers=_STATE["workers"], mp_context=multiprocessing.get_context("fork"),
                                 initializer=_init_worker, initargs=(os.getpid(),))
        _STATE["executor"], _STATE["size"] = ex, _STATE["workers"]
    chunk = max(1, len(args) // (4 * _STATE["size"]))
    # the first map forks the workers and starts the executor's threads, with SIGINT and SIGTERM blocked: the workers
    # start with them blocked until _init_worker has set their handlers, and the threads never take them (Linux gives
    # a process's signal to any thread not blocking it; taken by another thread, it reached a main thread waiting on
    # a lock only when the lock was released). Held back for the milliseconds of the forks, a signal comes after them.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS) if new else None
    try:
        results = ex.map(_call, [(fn, a) for a in args], chunksize=chunk)
    finally:
        if held is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
    # read in order, so the first failing series raises first, as in the loop
    return [fn(*a) if isinstance(r, _RaiseHere) else r for r, a in zip(results, args)]
