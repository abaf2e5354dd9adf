"""Session 12 review (helper V): fixes to this session's changes, each test failing on the code before it."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.mark.parametrize("freq, half_freq", [("MS", "SMS"), ("ME", "SME")])
def test_a_monthly_series_with_one_stray_15th_stays_monthly(freq, half_freq):
    """The semi-month inference (08c6756) took any mix of month ends and 15ths as half-monthly: 24 monthly
    stamps and one stray 15th became 'SMS' with 22 'missing' half-months (resampled: 22 invented values,
    a seasonal period of 24). The monthly reading -- one off-grid stamp -- is what it was before."""
    from rnnkit.data.timeseries.frequency import infer_frequency

    monthly = pd.date_range("2020-01-01", periods=24, freq=freq)
    stray = monthly.append(pd.DatetimeIndex(["2021-03-15"])).sort_values()
    info = infer_frequency(stray)
    assert (info.freq, info.missing_stamps, info.off_grid) == (freq, 0, 1)
    # a half-monthly series with a few gaps is still half-monthly (the halves explain it)
    half = pd.date_range("2020-01-01", periods=24, freq=half_freq).delete([3, 9, 10])
    info = infer_frequency(half)
    assert (info.freq, info.missing_stamps, info.off_grid) == (half_freq, 3, 0)
