"""Hostile-input sweep of session 20 (helper R): forecasting's scores, update's date flags and list settings.
Each test fails on the code before its fix (ed90d6c) unless it says it guards behaviour that was already right."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from rnnkit.tasks.forecasting import metrics


# ------------------------------------------------------------------ RMSE near float64's limit
def test_rmse_of_values_near_float64s_limit_is_their_scale_free_value():
    """RMSE of [1e308, 0] against [-1e308, 0] is sqrt(2) * 1e308, within float64; the plain difference 2e308
    overflowed and RMSE was inf with numpy's 'overflow encountered in subtract' (MAE gave 1e308, its right value).
    Oracle: the same values in units of 1e300 (RMSE is homogeneous), and numpy's plain formula on ordinary values."""
    y, f = np.array([1e308, 0.0]), np.array([-1e308, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no numpy overflow warning
        got = metrics.rmse(y, f)
        beyond = metrics.rmse([1.5e308, 1.5e308], [-1e308, -1e308])   # 2.5e308: beyond float64 itself
    assert got == pytest.approx(metrics.rmse(y / 1e300, f / 1e300) * 1e300, rel=1e-12)
    assert got == pytest.approx(math.sqrt(2) * 1e308, rel=1e-12)
    assert beyond == math.inf
    a, b = np.array([1.0, -3.5, 2e5]), np.array([0.5, 4.0, -1e5])
    assert metrics.rmse(a, b) == pytest.approx(float(np.sqrt(np.mean((a - b) ** 2))), rel=1e-15)
