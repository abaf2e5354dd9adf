"""Session 11 (helper Q) reliability sweep of forecasting on hostile inputs: each test fails on the code
before its fix (e6231f5) and checks against an oracle computed in the test."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate, input_window
from rnnkit.tasks.forecasting.statistical import seasonal_naive_point


def _ramp(n: int, seed: int = 0) -> np.ndarray:
    return 10 + np.arange(n, dtype=float) + np.random.default_rng(seed).normal(0, 0.3, n)


def test_esrnn_never_forecasts_steps_no_training_window_reached() -> None:
    # 20 days, horizon 16: the input window is 8, so no window of the fit part reached steps 13..16 and
    # they came from an untrained head (a clean ramp forecast 46 then fell to 23, under its last value)
    y, h = _ramp(20), 16
    assert len(y) < input_window(1, h) + h
    cand = ESRNNCandidate(steps=30, hidden=8)
    fc = cand.forecast([SeriesInput("a", y)], h)[0]
    assert np.isfinite(fc).all()
    np.testing.assert_allclose(fc, seasonal_naive_point(y, h, 1))   # the fallback of a series too short


def test_esrnn_with_one_full_window_still_fits_its_network() -> None:
    y, h = _ramp(40), 16
    fc = ESRNNCandidate(steps=30, hidden=8).forecast([SeriesInput("a", y)], h)[0]
    assert np.isfinite(fc).all() and not np.allclose(fc, seasonal_naive_point(y, h, 1))
