"""Reliability sweep, session 12 (helper R): the library -- data readers, the tagger, time-series inputs and
metrics. Each case says what happened before the fix; oracles are computed in the test."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest


# ---------------------------------------------------------------- forecasting metrics and frequencies
def test_mase_of_a_noise_free_seasonal_series_is_nan_with_a_warning():
    """A seasonal series that repeats itself exactly (up to rounding) has no seasonal naive error: the
    scale was 6e-15 (rounding noise) and MASE 2e14; exact zero already gave NaN -- now both do."""
    from rnnkit.tasks.forecasting.metrics import mae, mase, mase_scale

    t = np.arange(48)
    y = 100 + 10 * np.sin(2 * np.pi * t / 12)
    exact = np.tile(y[:12].round(3), 4)                       # the same series, repeating exactly
    assert np.isnan(mase_scale(exact, 12))                    # the oracle: no error at the lag
    assert np.isnan(mase_scale(y, 12))
    with pytest.warns(RuntimeWarning, match="MASE"):
        assert np.isnan(mase(y[36:] + 1, y[36:], y[:36], 12))
    # a real scale, however small in absolute terms, is kept (relative, not an absolute floor)
    rng = np.random.default_rng(0)
    tiny = 1e-11 * (1 + 0.01 * rng.normal(size=50))
    d = np.abs(np.diff(tiny)).mean()
    assert mase_scale(tiny) == pytest.approx(d)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mase(tiny[:5], tiny[:5] + d, tiny) == pytest.approx(mae(tiny[:5], tiny[:5] + d) / d)


@pytest.mark.parametrize("freq", ["SMS", "SME"])
def test_semi_monthly_dates_get_their_frequency(freq):
    """pandas' infer_freq never names the semi-month frequencies: the modal step '14D' was taken, with
    21 'missing' and 20 'off-grid' stamps for a perfectly regular series (an error without --resample,
    a 14-day resampling with it)."""
    from rnnkit.data.timeseries.frequency import infer_frequency
    from rnnkit.data.timeseries.seasonality import seasonal_candidates

    idx = pd.date_range("2020-01-01", periods=24, freq=freq)
    assert infer_frequency(idx).freq == freq
    gap = infer_frequency(idx.delete(5))
    assert (gap.freq, gap.missing_stamps, gap.off_grid) == (freq, 1, 0)
    assert seasonal_candidates(freq) == [24]                 # 24 half-months a year
    # monthly dates (all on the SMS grid too) keep their own frequency
    assert infer_frequency(pd.date_range("2020-01-01", periods=24, freq="MS").delete(5)).freq == "MS"
