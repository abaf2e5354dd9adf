"""Session 10 review (helper V) of ``model="auto"``'s quantile bands: what the band of a series depends on.

- ``AutoForecaster.forecast_fitted`` on some of the series of the last ``forecast`` (the API allows any subset)
  gave them a band calibrated on the residuals of the subset only: a pooled batch's series asked alone got a
  per-series band, and since session 10 a symmetric one (``symmetric_alone``), though its choice was made
  over the batch. Oracle: the band the same series got from ``forecast`` over the whole batch, in the same test.
- ``conformal_quantiles(pooled=False)`` with a series without any finite residual before one with residuals
  read the later series' residuals from the normal quantiles of the earlier one's fallback (a traceback).
  Oracle: each series calibrated alone."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.probabilistic import conformal_quantiles
from rnnkit.tasks.forecasting.statistical import statistical_candidates

pytestmark = pytest.mark.usefixtures("one_thread_module")
H = 6


def pooled_batch():
    """Three 60-month stretches of the bundled electrical equipment index: one pooled choice."""
    from rnnkit.data.series import load_elec_equip

    y = load_elec_equip().to_numpy(dtype=float)
    return [SeriesInput(f"e{k}", y[60 * k:60 * (k + 1)], 12) for k in range(3)]


def test_a_subset_of_a_pooled_batch_keeps_the_band_of_the_batch():
    batch = pooled_batch()
    auto = AutoForecaster({k: v for k, v in statistical_candidates().items() if k in ("ets", "theta", "drift",
                                                                                      "seasonal_naive", "naive")})
    point = auto.forecast(batch, H)
    band = auto.quantiles_.copy()
    for rows in ([1], [2, 0]):
        got = auto.forecast_fitted([batch[i] for i in rows], H)
        np.testing.assert_allclose(got, point[rows])                    # the point forecast already matched
        np.testing.assert_allclose(auto.quantiles_, band[rows], rtol=1e-12)
        lo, hi = auto.quantiles_[..., 0] - got, auto.quantiles_[..., -1] - got
        assert not np.allclose(lo, -hi)                                 # the batch's signed band, not a centred one
    auto.forecast_fitted(batch, H)
    np.testing.assert_allclose(auto.quantiles_, band, rtol=1e-12)


def test_unpooled_quantiles_after_a_series_without_residuals():
    rng = np.random.default_rng(3)
    K, levels = 4, [0.05, 0.5, 0.95]
    resid = rng.normal(0, 1, (2, K, H))
    resid[0] = np.nan                                                   # too short for any validation window
    point, vscale, scale = rng.normal(0, 1, (2, H)), np.ones((2, K)), np.array([2.0, 3.0])
    both = conformal_quantiles(point, resid, vscale, scale, levels, pooled=False, fallback_sd=1.0)
    for i in range(2):
        alone = conformal_quantiles(point[i:i + 1], resid[i:i + 1], vscale[i:i + 1], scale[i:i + 1], levels,
                                    pooled=False, fallback_sd=1.0)
        np.testing.assert_allclose(both[i], alone[0])
