"""Session 34 (helper G, review W's note on 4ac103eb): hourly times of a named zone across the autumn clock change,
each a few microseconds off the second (float noise), are named as float noise like the same times on any other
night -- the wall clock's repeated hour made the rounding raise, and the old "at most one a clock hour at varying
minutes" was said instead."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries.frequency import infer_frequency, regularize_index
from rnnkit.errors import DataError


@pytest.mark.parametrize("start", ["2021-10-30", "2021-03-27", "2021-06-05"])
def test_float_noise_of_aware_hourly_times_is_named_across_a_clock_change(start):
    grid = pd.date_range(start, periods=72, freq="h", tz="Europe/Berlin")
    stamps = grid + pd.to_timedelta(np.random.default_rng(0).integers(-2000, 2001, 72), unit="ns")
    info = infer_frequency(stamps)
    with pytest.raises(DataError, match="microseconds off whole seconds"):
        regularize_index(pd.DataFrame({"y": np.arange(72.0)}, index=stamps), info, resample=False)
    out = regularize_index(pd.DataFrame({"y": np.arange(72.0)}, index=stamps), info, resample=True)
    assert list(out.index) == list(grid) and out["y"].tolist() == list(range(72))    # each value on its own hour
