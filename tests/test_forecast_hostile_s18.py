"""Hostile-input sweep of session 18 (helper R): forecasting's metrics, API, CLI and saved runs.
Each test fails on the code before its fix (2193376) unless it says it guards behaviour that was already right."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.errors import DataError


# ------------------------------------------------------------------ scores: crossing bands, infinite actuals
def test_coverage_of_a_crossing_band_is_refused_not_scored_zero():
    """lower 3 > upper 0 holds no actual: coverage() returned 0.0 as if the band had missed (left from session 17).
    A band in order is scored as before (oracle: counting the actuals inside by hand)."""
    from rnnkit.tasks.forecasting.metrics import coverage

    with pytest.raises(DataError, match=r"^upper: expected values at or above lower, got 0\.0 below 3\.0 at position 1 "
                                        r"\(1 crossing\)$"):
        coverage([1.0, 2.0], lower=[0.0, 3.0], upper=[5.0, 0.0])
    assert coverage([1.0, 2.0, 9.0], lower=[0.0, 2.0, 0.0], upper=[5.0, 2.0, 1.0]) == 2 / 3


def test_coverage_by_level_of_crossing_quantiles_is_refused():
    """A 0.9-quantile below the 0.1-quantile: the central 80% interval was scored 0.0, silently; quantile_metrics
    (the backtest's scores) reads it. Pinball loss scores each level alone and still takes them."""
    from rnnkit.tasks.forecasting.metrics import quantile_metrics
    from rnnkit.tasks.forecasting.probabilistic import coverage_by_level, pinball_loss

    q = np.array([[0.0, 1.0, 2.0], [3.0, 2.0, 0.0]])
    with pytest.raises(DataError, match=r"^qforecast: level 0\.9: expected values at or above level 0\.1, got 0\.0 "
                                        r"below 3\.0 at position 1 \(1 crossing\)$"):
        coverage_by_level(np.array([1.0, 2.0]), q, [0.1, 0.5, 0.9])
    with pytest.raises(DataError, match="level 0.9: expected values at or above level 0.1"):
        quantile_metrics([1.0, 2.0], q, [0.1, 0.5, 0.9])
    assert pinball_loss(np.array([1.0, 2.0]), q, [0.1, 0.5, 0.9])[0.1] == pytest.approx((0.1 * 1 + 0.9 * 1) / 2)
    assert coverage_by_level(np.array([1.0, 2.0]), np.sort(q, axis=1), [0.1, 0.5, 0.9]) == {0.8: 1.0}


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_pinball_loss_refuses_an_infinite_actual_it_left_out(bad):
    """Only NaN marks a missing actual (left out, as documented); an infinite one was left out too, silently, and the
    loss was that of the other rows. Oracle: the loss of the finite row alone, which a NaN there still gives."""
    from rnnkit.tasks.forecasting.probabilistic import coverage_by_level, pinball_loss

    q = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]])
    with pytest.raises(DataError, match=rf"^actual: expected finite values \(NaN marks a missing one\), got {bad} at "
                                        r"position 1$"):
        pinball_loss(np.array([1.5, bad]), q, [0.1, 0.5, 0.9])
    with pytest.raises(DataError, match="^actual: expected finite values"):
        coverage_by_level(np.array([1.5, bad]), q, [0.1, 0.5, 0.9])
    assert pinball_loss(np.array([1.5, np.nan]), q, [0.1, 0.5, 0.9]) == pinball_loss(np.array([1.5]), q[:1],
                                                                                      [0.1, 0.5, 0.9])
