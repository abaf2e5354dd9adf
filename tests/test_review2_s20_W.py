"""Session 20, helper W: second review of the session's deepest changes (lean ETS log-likelihood, series pool with
SIGTERM, the Han prefix cut)."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

pytest.importorskip("statsmodels")

from rnnkit.tasks.forecasting.series_pool import usable_cpus  # noqa: E402

# the series pool runs on Linux (fork) with at least two usable CPUs; elsewhere its series are fitted in-process
pooled = pytest.mark.skipif(not sys.platform.startswith("linux") or usable_cpus() < 2,
                            reason="the series pool needs fork and two usable CPUs")


def _series() -> np.ndarray:
    rng = np.random.default_rng(7)
    t = np.arange(60)
    y = 10 + 0.1 * t + np.sin(t * 2 * np.pi / 12) + 0.3 * rng.standard_normal(60)
    y[[20, 41]] += 6.0                      # two outliers: a clipped residual reads them otherwise
    return y


def _fit(cls, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(y, error="add", trend="add", damped_trend=True, seasonal="add", seasonal_periods=12).fit(disp=False)


def test_lean_loglike_keeps_a_subclass_loglike_of_the_same_signature():
    """point_ets's lean log-likelihood repeats statsmodels 0.15's arithmetic; a base with the same signature but other
    arithmetic (another statsmodels, or an ETSModel subclass) must keep its own -- before, only the signature was
    compared and the copy silently computed the old formula. Oracle: the base's own fit."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    from rnnkit.tasks.forecasting.statistical import point_ets

    class Penalised(ETSModel):
        def _loglike_internal(self, params, yhat, xhat, is_fixed=None, fixed_values=None, use_beta_star=False,
                              use_gamma_star=False):
            ll = super()._loglike_internal(params, yhat, xhat, is_fixed, fixed_values, use_beta_star, use_gamma_star)
            return ll - 40.0 * (params[0] - 0.9) ** 2

    class Clipped(ETSModel):
        def _residuals(self, yhat, data=None):
            return np.clip((self.endog if data is None else data) - yhat, -1.0, 1.0)

    y = _series()
    for base in (Penalised, Clipped):
        want, got = _fit(base, y), _fit(point_ets(base), y)
        assert np.array_equal(got.params, want.params), base.__name__
        assert np.array_equal(got.forecast(6), want.forecast(6)), base.__name__
    # statsmodels' own ETSModel: the lean fit equals the plain one bit for bit
    want, got = _fit(ETSModel, y), _fit(point_ets(ETSModel), y)
    assert np.array_equal(got.params, want.params) and got.llf == want.llf


POOL_CHILD = r'''
import os, sys, time
from rnnkit.tasks.forecasting.series_pool import map_series, series_pool
with series_pool(2):
    pids = set(map_series(os.getpid, [()] * 8))
    print(" ".join(map(str, sorted(pids - {os.getpid()}))), flush=True)
    time.sleep(120)
'''


from toy_data import proc_alive as _alive


@pooled
def test_pool_workers_end_when_their_parent_is_killed_outright():
    """kill -9 (the OOM killer, a scheduler's hard stop) of a process holding the series pool ends no pool: its
    workers waited on their queue for ever, orphans, each a forked copy of it. Oracle: the processes' own state in
    /proc, compared with the parent's (gone at once)."""
    child = subprocess.Popen([sys.executable, "-c", POOL_CHILD], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "OMP_NUM_THREADS": "1"})
    workers: list[int] = []
    try:
        workers = [int(p) for p in child.stdout.readline().split()]
        assert workers, "no worker process answered"
        assert all(_alive(p) for p in workers)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(p) for p in workers):
            time.sleep(0.1)
        left = [p for p in workers if _alive(p)]
    finally:
        child.kill()
        for p in workers:
            with contextlib.suppress(ProcessLookupError):
                if _alive(p):
                    os.kill(p, signal.SIGKILL)
    assert left == [], f"workers {left} outlived their killed parent"


class TwoArgError(Exception):
    """An exception whose class cannot be rebuilt from its pickle (two required arguments)."""

    def __init__(self, series, why):
        super().__init__(f"series {series}: {why}")


class FormattedError(Exception):
    """Rebuilt from its pickle with another message: its __init__ formats the one argument it gets back."""

    def __init__(self, series):
        super().__init__(f"series {series}: no season")


def _fails_oddly(i):
    if i == 1:
        raise TwoArgError(i, "no fit")
    if i == 4:
        raise ValueError(f"series {i}: bad")
    return i * 2


@pooled
def test_an_exception_that_cannot_travel_back_is_the_loops_own():
    """A series function raising an exception whose class cannot be unpickled broke the pool: 'BrokenProcessPool:
    A process in the process pool was terminated abruptly', where the loop raised the function's own error.
    Oracle: the same call in one process (threads=1)."""
    from rnnkit.tasks.forecasting.series_pool import map_series, pool_workers, series_pool

    got = []
    for n in (1, 2):
        with series_pool(n):
            assert pool_workers() == n
            with pytest.raises(Exception) as e:
                map_series(_fails_oddly, [(i,) for i in range(8)])
            got.append((type(e.value), str(e.value)))
            assert map_series(_fails_oddly, [(i,) for i in (0, 2, 3)]) == [0, 4, 6]   # the pool still works
    assert got[1] == got[0] == (TwoArgError, "series 1: no fit")


@pooled
def test_an_exception_rebuilt_with_another_message_is_the_loops_own():
    """An exception whose __init__ formats its argument came back from a worker as 'series series 2: no season:
    no season' where the loop said 'series 2: no season'. Oracle: the same call with threads=1."""
    from rnnkit.tasks.forecasting.series_pool import map_series, pool_workers, series_pool

    def run(n):
        with series_pool(n):
            assert pool_workers() == n
            with pytest.raises(FormattedError) as e:
                map_series(_fails_formatted, [(i,) for i in range(8)])
        return str(e.value)

    assert run(2) == run(1) == "series 2: no season"


def _fails_formatted(i):
    if i == 2:
        raise FormattedError(i)
    return i
