"""Session 33 (F): quantile levels beyond what the validation residuals resolve are named, not clamped silently."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.forecasting.fitting import residual_offsets
from rnnkit.tasks.forecasting.probabilistic import conformal_quantiles


def _said(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(w.message) for w in caught if "validation residuals resolve" in str(w.message)]


def _walk(n: int = 120) -> pd.Series:
    rng = np.random.default_rng(0)
    return pd.Series(50 + np.cumsum(rng.normal(size=n)), index=pd.date_range("2020-01-01", periods=n, freq="D"),
                     name="y")


def test_extreme_levels_of_one_series_ets_are_named():
    # fails at 1fbed06: q0.001 was the 0.01-quantile's value (the extreme of 28 residuals), without a word
    f = Forecaster(model="ets", horizon=7, quantiles=[0.001, 0.01, 0.5, 0.99, 0.999])
    fc, said = _said(lambda: (f.fit(_walk()), f.predict())[1])
    assert len(said) == 1
    assert "0.001, 0.01, 0.99, 0.999" in said[0] and "28 validation residuals" in said[0]
    assert fc["q0.001"].iloc[0] - fc["q0.01"].iloc[0] > -0.2      # still the clamped value: named, not changed


def test_levels_the_residuals_resolve_say_nothing():
    f = Forecaster(model="ets", horizon=7, quantiles=[0.1, 0.5, 0.9], level=0.8)
    _, said = _said(lambda: (f.fit(_walk()), f.predict()))
    assert said == []


def test_the_checked_default_levels_say_nothing_even_from_few_residuals():
    # the 90% interval's 0.05 / 0.95 and quantiles 0.1 / 0.9 (their coverage was checked on unseen series) are left
    f = Forecaster(model="ets", horizon=3)
    _, said = _said(lambda: (f.fit(_walk(60)), f.predict()))
    assert said == []
    _, said = _said(lambda: conformal_quantiles(np.zeros((1, 2)), np.ones((1, 2, 2)), np.ones((1, 2)), np.ones(1),
                                                [0.05, 0.1, 0.9, 0.95]))
    assert said == []


@pytest.mark.parametrize("K, H, symmetric, n", [(2, 7, True, 28), (2, 7, False, 14), (30, 2, False, 60)])
def test_the_count_is_the_sample_the_quantile_reads(K, H, symmetric, n):
    rng = np.random.default_rng(1)
    resid = rng.normal(size=(1, K, H))
    q, said = _said(lambda: conformal_quantiles(np.zeros((1, H)), resid, np.ones((1, K)), np.ones(1),
                                                [0.5 / (n + 1), 0.5, 1 - 0.5 / (n + 1)], symmetric=symmetric))
    assert len(said) == 1 and f"{n} validation residuals" in said[0]
    _, quiet = _said(lambda: conformal_quantiles(np.zeros((1, H)), resid, np.ones((1, K)), np.ones(1),
                                                 [1.5 / (n + 1), 0.5, 1 - 1.5 / (n + 1)], symmetric=symmetric))
    assert quiet == []


def test_per_step_quantiles_count_each_step_and_the_network_offsets_too():
    rng = np.random.default_rng(2)
    resid = rng.normal(size=(50, 3))                    # 50 >= MIN_PER_STEP: each step's own 50
    _, said = _said(lambda: residual_offsets(resid, [0.01, 0.5]))
    assert len(said) == 1 and "0.01 lie beyond what 50 validation residuals" in said[0]
    _, quiet = _said(lambda: residual_offsets(resid, [0.05, 0.5]))
    assert quiet == []


def test_no_residuals_warn_nothing():
    # a series too short for a validation window gets the normal fallback band: no residual count to name
    _, said = _said(lambda: conformal_quantiles(np.zeros((1, 3)), np.full((1, 0, 3), np.nan), np.full((1, 0), np.nan),
                                                np.ones(1), [0.001, 0.5], fallback_sd=1.0))
    assert said == []
