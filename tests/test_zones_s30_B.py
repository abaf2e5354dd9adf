"""Session 30, helper B (helper E's findings, LEAD_NOW items 3-4): two of pandas' bare ValueErrors through a time a
named zone skips, in the forecaster's own files.

* Forecast times through a skipped local time (daily readings at 02:30 in Berlin ending 2024-03-29, horizon 5: the
  31st has no 02:30) were ``ValueError: 2024-03-31 02:30:00 is a nonexistent time ...`` from pd.date_range at the
  fit: a DataError naming horizon, the time and the zone now (frequency.clock_change_error, E's message).
* A message naming a time on a day whose midnight the zone skips (Sao Paulo's 2018-11-04) raised the same
  ValueError building its text (input_values.time_label's normalize()): the inf's DataError, or the lone value's
  warning, was lost. The wall clock is compared now.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.forecasting.input_values import time_label


def test_forecast_times_through_a_skipped_local_time_are_a_data_error():
    idx = pd.date_range("2024-03-01 02:30", "2024-03-29 02:30", freq="D", tz="Europe/Berlin")
    with pytest.raises(DataError, match=r"^horizon: expected a D grid of forecast times of local times from "
                                        r"2024-03-29 02:30:00\+01:00, got one through 2024-03-31 02:30:00, which the "
                                        r"zone Europe/Berlin skips"):
        Forecaster("seasonal_naive").fit(pd.Series(np.arange(29) % 7 + 10.0, index=idx), horizon=5)


def test_an_inf_on_a_day_whose_midnight_the_zone_skips_is_named():
    idx = pd.date_range("2018-11-01", "2018-11-05", freq="h", tz="America/Sao_Paulo")
    y = np.arange(len(idx)) % 24 + 10.0
    y[list(idx).index(pd.Timestamp("2018-11-04 01:00", tz="America/Sao_Paulo"))] = np.inf
    with pytest.raises(DataError, match=r"got inf at time 2018-11-04T01:00:00-02:00 \(1 infinite\)"):
        Forecaster("seasonal_naive").fit(pd.Series(y, index=idx), horizon=3)


def test_time_label_keeps_its_two_forms():
    assert time_label(pd.Timestamp("2024-03-31", tz="Europe/Berlin")) == "time 2024-03-31"     # guards
    assert time_label(pd.Timestamp("2024-03-31 03:00", tz="Europe/Berlin")) == "time 2024-03-31T03:00:00+02:00"
    assert time_label(7) == "step 7"
