"""Session 33 review (helper W): F's one-reading-a-unit rule (8779f54, 5008235) for a tz-aware series across the
autumn clock change. Its check floored the wall clock, where the repeated hour (02:00-03:00 twice) holds two hourly
readings: no unit fitted, and hourly readings at :00-:14 in Europe/Berlin were a '59min' grid (the first forecast
time drifting, one reading lost under --resample) -- the same readings in UTC, naive, or across the spring change
were 'h'. Units shorter than a day are now checked in absolute time, as _unit_start already bins them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries.frequency import infer_frequency, regularize_index


def _hourly(start: str, tz: str | None) -> pd.DatetimeIndex:
    rng = np.random.default_rng(0)
    base = pd.date_range(start, periods=40, freq="h", tz=tz)
    return pd.DatetimeIndex([t + pd.Timedelta(minutes=int(m)) for t, m in zip(base, rng.integers(0, 15, 40))])


@pytest.mark.parametrize("start, tz", [("2024-10-26 12:00", "Europe/Berlin"), ("2024-03-30 12:00", "Europe/Berlin"),
                                       ("2024-10-26 12:00", "UTC"), ("2024-10-26 12:00", None)])
def test_hourly_readings_at_varying_minutes_are_hourly_across_a_clock_change(start, tz):
    idx = _hourly(start, tz)
    info = infer_frequency(idx)
    assert info.freq == "h"                       # 8779f54: '59min' for Europe/Berlin in October
    out = regularize_index(pd.DataFrame({"y": np.arange(40.0)}, index=idx), info, True)
    assert len(out) == 40 and out["y"].notna().sum() == 40       # every reading kept, one an hour
    assert (out.index.minute == 0).all() and (out.index[1:] - out.index[:-1] == pd.Timedelta(hours=1)).all()
