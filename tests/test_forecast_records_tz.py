"""Forecast records keep a zone-aware series' offset (R's request, session 6): ``time_text`` printed every
midnight as a bare date, so forecast.csv / ``--json`` / serve JSON of a +01:00 daily series lost it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.forecasting.records import forecast_records, time_text


def test_midnights_of_a_zoned_series_keep_their_offset_and_naive_ones_stay_dates():
    idx = pd.date_range("2021-01-01", periods=30, freq="D", tz="UTC+01:00")
    fc = Forecaster("seasonal_naive").fit(pd.Series(np.sin(np.arange(30.0)), index=idx), 2).predict()
    times = [r["time"] for r in forecast_records(fc)]
    assert times == [t.isoformat() for t in fc["time"]] and times[0].endswith("+01:00")
    assert pd.Timestamp(times[0]) == fc["time"].iloc[0]           # reads back as the same instant
    assert time_text(pd.Timestamp("2021-01-31")) == "2021-01-31"
    assert time_text(pd.Timestamp("2021-01-31 06:00")) == "2021-01-31T06:00:00"
