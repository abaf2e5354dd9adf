"""The band of a series too short for any validation window (session 35, issue 16 item 3): a normal error of the
seasonal naive's in-sample one-step size, growing with the seasons the forecast bridges, ceil(h / period) -- h for a
yearly series -- where it grew with sqrt(h). On the short M1 series held out (192, each alone; pre-registered in
helper F's DECISIONS.md) the 80% band's mean |coverage - level| over the steps fell 0.083 -> 0.044, the 90%'s
0.115 -> 0.079, CRPS/scale 1.667 -> 1.596; the 35 yearly series without a window covered 0.86 at step 1 and 0.46 at
step 6 (now 0.86, 0.77). The oracle here: the same normal band written out from the series' own one-step errors."""

from __future__ import annotations

import math
import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.probabilistic import FALLBACK_GROWTH, conformal_quantiles, fallback_growth

pytestmark = pytest.mark.usefixtures("one_thread")


def _half_widths(y, period, horizon, freq):
    from rnnkit.tasks.forecasting import Forecaster

    s = pd.Series(y, index=pd.date_range("2001-01-01", periods=len(y), freq=freq))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster("ets", horizon=horizon, period=period, quantiles=[0.1, 0.9]).fit(s)
    p = f.predict()
    assert f.summary()["report"]["validation_windows"] == 0        # too short for a window: the fallback band
    return (p["q0.9"] - p["q0.1"]).to_numpy() / 2


def test_a_yearly_series_without_a_window_gets_a_band_growing_like_h():
    y = np.array([3.0, 5, 4, 8, 9, 12, 11, 15, 18, 17, 21, 24])        # 12 values, horizon 6: no window
    scale = np.mean(np.abs(np.diff(y)))                                  # the naive's in-sample one-step error
    oracle = scale * math.sqrt(math.pi / 2) * NormalDist().inv_cdf(0.9) * np.arange(1, 7)
    np.testing.assert_allclose(_half_widths(y, 1, 6, "YS"), oracle, rtol=1e-9)


def test_a_quarterly_series_without_a_window_grows_by_seasons():
    y = 50 + np.tile([4.0, -2, 6, -8], 4)[:14] + np.arange(14) * 0.5    # 14 values, horizon 8: no window
    scale = np.mean(np.abs(y[4:] - y[:-4]))                              # the seasonal naive's (lag 4)
    steps = np.array([1, 1, 1, 1, 2, 2, 2, 2])
    oracle = scale * math.sqrt(math.pi / 2) * NormalDist().inv_cdf(0.9) * steps
    np.testing.assert_allclose(_half_widths(y, 4, 8, "QS"), oracle, rtol=1e-9)


def test_the_rule_its_option_and_a_set_saved_before(tmp_path):
    from rnnkit.tasks.forecasting.validation import ValidationSet

    assert FALLBACK_GROWTH == "seasons"
    assert fallback_growth(4, 1, "sqrt").tolist() == np.sqrt([1, 2, 3, 4]).tolist()
    assert fallback_growth(3, None).tolist() == np.sqrt([1, 2, 3]).tolist()         # period unknown: sqrt(h)
    args = (np.zeros((1, 3)), np.full((1, 0, 3), np.nan), np.full((1, 0), np.nan), np.ones(1), [0.1, 0.9])
    new = conformal_quantiles(*args, pooled=False, fallback_sd=1.0, periods=[1])
    old = conformal_quantiles(*args, pooled=False, fallback_sd=1.0, periods=[1], fallback="sqrt")
    assert np.allclose(new[0, :, 1] / new[0, 0, 1], [1, 2, 3]) and np.allclose(old[0, :, 1] / old[0, 0, 1], np.sqrt([1, 2, 3]))
    with pytest.raises(ConfigError, match=r"fallback: expected one of \['sqrt', 'seasons'\], got 'h'"):
        conformal_quantiles(*args, fallback_sd=1.0, fallback="h")
    v = ValidationSet(["a"], {}, np.zeros((1, 2, 3)), np.ones((1, 2)), {}, np.ones(1), periods=np.array([4]))
    v.save(tmp_path / "v.npz")
    assert ValidationSet.load(tmp_path / "v.npz").periods.tolist() == [4]
    ValidationSet(["a"], {}, np.zeros((1, 2, 3)), np.ones((1, 2)), {}, np.ones(1)).save(tmp_path / "old.npz")
    assert ValidationSet.load(tmp_path / "old.npz").periods is None      # saved before: sqrt(h), as it was
