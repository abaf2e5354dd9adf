"""A single method's report names it as the only candidate, not as "the mean of all candidates" (session 15, found
by helper D: `rnnkit forecast --model theta` printed 'theta chose theta (the mean of all candidates)')."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnnkit.forecast import Forecaster


def _daily(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = 10 + np.sin(np.arange(n) * 2 * np.pi / 7) + rng.normal(0, 0.3, n)
    return pd.Series(y, index=pd.date_range("2020-01-01", periods=n, freq="D"))


def test_a_single_method_is_the_only_candidate():
    why = Forecaster("theta", horizon=7).fit(_daily()).summary()["report"]["why"]
    assert why.startswith("theta (the only candidate): validation MASE "), why
    assert "mean of all" not in why


def test_a_pool_still_names_the_mean_of_all_candidates():
    report = Forecaster("auto", horizon=7, candidates=("ets", "theta", "seasonal_naive")).fit(_daily(seed=2)).summary()["report"]
    assert "+" in report["chosen"], report          # the mean of the members won on this series (seed 2)
    assert report["why"].startswith(f"{report['chosen']} (the mean of all candidates): "), report["why"]
