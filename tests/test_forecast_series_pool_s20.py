"""Session 20 (helper F): the per-series statistical fits on a process pool when ``threads`` > 1
(:mod:`rnnkit.tasks.forecasting.series_pool`) and auto's ETS log-likelihood without statsmodels' per-call checks.
Oracle: the same run in one process / statsmodels' own ETSModel; the numbers must be equal bit for bit."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.candidates import LocalCandidate, SeriesInput
from rnnkit.tasks.forecasting.fitting import threads
from rnnkit.tasks.forecasting.series_pool import map_series, pool_workers, series_pool, usable_cpus
from rnnkit.tasks.forecasting.statistical import statistical_candidates

fork_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool needs the fork start method")


def _batch(n: int = 6, seed: int = 0) -> list[SeriesInput]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        L = int(rng.integers(40, 80))
        t = np.arange(L)
        y = 50 + 0.2 * t + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, L)
        out.append(SeriesInput(f"s{i}", y, 12, pd.date_range("2001-01-01", periods=L, freq="MS")))
    return out


def _pid(_: int) -> int:
    return os.getpid()


@fork_only
def test_pool_runs_elsewhere_and_in_order():
    if usable_cpus() < 2:
        pytest.skip("one CPU: the pool has one worker, so none")
    with series_pool(2):
        assert pool_workers() == 2
        pids = map_series(_pid, [(k,) for k in range(8)])
        assert map_series(pow, [(k, 2) for k in range(20)]) == [k * k for k in range(20)]
    assert os.getpid() not in pids and pool_workers() == 1


@fork_only
@pytest.mark.parametrize("name", ["ets", "theta", "drift"])
def test_local_candidates_equal_on_the_pool(name):
    cand = statistical_candidates()[name]
    batch = _batch()
    alone = cand.forecast(batch, 12)
    with threads(2):
        pooled = cand.forecast(batch, 12)
    np.testing.assert_array_equal(pooled, alone)


@fork_only
def test_auto_backtest_with_threads_equals_one_process():
    """Forecasts, bands, metrics of auto and its baselines (the Holt-Winters ets baseline runs: ets is no candidate)."""
    from rnnkit.tasks.forecasting.auto_model import AutoModel
    from rnnkit.tasks.forecasting.config import ForecastConfig

    frame = pd.concat([pd.DataFrame({"id": s.id, "date": s.index, "y": s.y}) for s in _batch(5, 3)])
    runs = []
    for n in (1, 2):
        m = AutoModel(config=ForecastConfig(horizon=6, candidates=("theta", "drift", "naive", "seasonal_naive"),
                                            threads=n))
        bt = m.backtest(frame, folds=2, target="y", time_col="date", id_col="id")
        m.fit(frame, target="y", time_col="date", id_col="id")
        runs.append((bt, m.predict()))
    (bt1, fc1), (bt2, fc2) = runs
    assert "ets" in bt1.metrics
    pd.testing.assert_frame_equal(pd.DataFrame(bt1.metrics), pd.DataFrame(bt2.metrics), check_exact=True)   # NaN == NaN
    assert [r["model"] for r in bt1.per_fold] == [r["model"] for r in bt2.per_fold]
    pd.testing.assert_frame_equal(bt1.forecasts, bt2.forecasts, check_exact=True)
    pd.testing.assert_frame_equal(fc1, fc2, check_exact=True)


def test_a_lambda_is_fitted_here():
    cand = LocalCandidate("last", lambda y, h, m: np.full(h, y[-1]))
    with series_pool(2):
        out = cand.forecast(_batch(4), 3)
    np.testing.assert_array_equal(out, [[s.y[-1]] * 3 for s in _batch(4)])


def test_one_buffer_returned_every_call_is_read_at_once():
    buf = np.zeros(3)

    def shared(y, h, m):
        buf[:] = y[-1]
        return buf

    out = LocalCandidate("shared", shared).forecast(_batch(3), 3)
    np.testing.assert_array_equal(out[:, 0], [s.y[-1] for s in _batch(3)])


def _boom(x: int) -> int:
    if x == 3:
        raise ValueError("series 3 failed")
    return x


@fork_only
def test_an_error_in_a_worker_is_raised_here():
    with series_pool(2):
        with pytest.raises(ValueError, match="series 3 failed"):
            map_series(_boom, [(k,) for k in range(6)])
        assert map_series(_boom, [(1,), (2,)]) == [1, 2]       # the pool still works


@pytest.mark.parametrize("bad", [0, -1, 2.0, "2", True])
def test_workers_typed_error(bad):
    with pytest.raises(ConfigError, match="workers: expected an int >= 1 or None"):
        with series_pool(bad):
            pass


def test_numpy_int_workers_accepted():
    with series_pool(np.int64(1)):
        assert pool_workers() == 1


def test_lean_loglike_is_statsmodels_own_bit_for_bit():
    """The ETS fits auto makes (the lean log-likelihood since session 20) against statsmodels' plain ETSModel."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    from rnnkit.tasks.forecasting.statistical import point_ets

    Lean = point_ets(ETSModel)                                           # noqa: N806
    assert Lean._loglike_internal is not ETSModel._loglike_internal     # the lean copy is the one fitted
    for s in _batch(3, 7):
        y = s.y / 10
        for kw in ({"trend": "add", "damped_trend": True}, {"trend": None},
                   {"trend": "add", "damped_trend": True, "seasonal": "add", "seasonal_periods": 12},
                   {"trend": "add", "damped_trend": True, "seasonal": "mul", "seasonal_periods": 12}):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = ETSModel(y, error="add", **kw).fit(disp=False)
                got = Lean(y, error="add", **kw).fit(disp=False)
            np.testing.assert_array_equal(got.params, ref.params)
            np.testing.assert_array_equal(got.forecast(12), ref.forecast(12))
            assert got.aicc == ref.aicc
            params = np.asarray(ref.params)
            assert Lean(y, error="add", **kw).loglike(params) == ETSModel(y, error="add", **kw).loglike(params)


def test_lean_loglike_only_for_the_signature_it_was_written_for():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    from rnnkit.tasks.forecasting.statistical import point_ets

    class Other(ETSModel):
        def _loglike_internal(self, params, yhat, xhat, is_fixed=None, fixed_values=None, use_beta_star=False,
                              use_gamma_star=False, extra=None):
            return super()._loglike_internal(params, yhat, xhat, is_fixed, fixed_values, use_beta_star, use_gamma_star)

    assert point_ets(Other)._loglike_internal is Other._loglike_internal
