"""The frequency guess of short series with gaps (session 36, helper F; issue 16 hostile leftovers).

- 5-10 working-day stamps (Monday to Friday) with a day missing were read as daily 'D' (infer_freq gives up on a
  gap; a 5-stamp stretch inside one week, or the modal step, said 'D'): every weekend became two invented missing
  days. Oracle: pandas' infer_freq of the business-day grid from the first stamp to the last ('B').
- 3 short half-monthly series (1st and 15th, two missing), naive or aware, were a fixed '14D' / '15D' / '17D' / '372h'
  grid (helper W's sweep, session 35): no fixed step holds stamps on the 1st and the 15th. Oracle: infer_freq of the
  grid they were cut from ('SMS-15', pandas' own name of the date_range; infer_freq names none).
- `_few_off_months` was computed twice on the way to the modal step (cost only)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

import rnnkit.data.timeseries.frequency as F
from rnnkit.data.timeseries.frequency import infer_frequency, regularize_index


def _pandas_name(grid: pd.DatetimeIndex) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = pd.infer_freq(grid)
    return getattr(f, "freqstr", f)


@pytest.mark.parametrize("tz", [None, "Europe/Berlin", "America/New_York"])
@pytest.mark.parametrize("n,gaps", [(5, (2,)), (5, (1, 3)), (6, (3,)), (7, (4,)), (9, (2,)), (10, (3,)), (8, (2, 5))])
def test_working_days_with_a_gap_are_business_days(n, gaps, tz):
    full = pd.bdate_range("2024-01-01", periods=n + len(gaps), tz=tz)
    idx = full.delete(list(gaps))
    oracle = _pandas_name(pd.bdate_range(idx[0].tz_localize(None), idx[-1].tz_localize(None)))
    assert oracle == "B"
    info = infer_frequency(idx)
    assert info.freq == oracle
    out = regularize_index(pd.DataFrame({"y": np.arange(float(idx.size))}, index=idx), info, resample=True)
    assert len(out) == full.size and int(out["y"].isna().sum()) == len(gaps)       # only the missing days
    assert (out.index.day_of_week < 5).all()


def test_guards_a_working_week_without_a_gap_and_daily_stamps_with_a_weekend_stay_daily():
    week = pd.date_range("2024-01-01", periods=5, freq="D")           # Mon..Fri: pandas says 'D'
    assert infer_frequency(week).freq == _pandas_name(week) == "D"
    daily = pd.date_range("2024-01-01", periods=10, freq="D").delete(3)   # a Saturday in it: daily with a gap
    assert infer_frequency(daily).freq == "D"


@pytest.mark.parametrize("tz", [None, "Europe/Berlin", "America/New_York", "UTC", "Australia/Sydney"])
def test_short_half_monthly_series_with_two_gaps_are_half_monthly(tz):
    grid = pd.date_range("2019-01-01", periods=7, freq="SMS", tz=tz)
    made = pd.tseries.frequencies.to_offset(grid.freqstr)     # the grid they are cut from (infer_freq names no SMS)
    for gone in itertools.combinations(range(1, 6), 2):
        idx = grid.delete(list(gone))
        info = infer_frequency(idx)
        assert pd.tseries.frequencies.to_offset(info.freq) == made, (gone, info.freq)
        out = regularize_index(pd.DataFrame({"y": np.arange(5.0)}, index=idx), info, resample=True)
        assert len(out) == 7 and int(out["y"].isna().sum()) == 2


def test_few_off_months_is_asked_once_on_the_way_to_the_modal_step(monkeypatch):
    calls = []
    real = F._few_off_months
    monkeypatch.setattr(F, "_few_off_months", lambda index: calls.append(1) or real(index))
    rng = np.random.default_rng(0)
    t = pd.date_range("2024-01-01 08:00", periods=30, freq="D") + pd.to_timedelta(rng.integers(0, 120, 30), unit="min")
    assert infer_frequency(t).freq == "D"
    assert len(calls) == 1


def test_weekday_stamps_a_coarse_step_misses_are_no_business_days_when_most_days_would_be_missing():
    from rnnkit.data.timeseries.jitter import weekday_grid

    # on the 1st and the 15th, every one a weekday (Tue, Fri, Fri, Fri, Mon): 5 stamps of a 65-day business grid
    idx = pd.DatetimeIndex(["2019-01-01", "2019-02-01", "2019-03-01", "2019-03-15", "2019-04-01"])
    assert (idx.day_of_week < 5).all()
    assert weekday_grid(idx, "14D") == "14D"            # it said 'B': 60 of 65 days missing (review s36 W's guard)
    assert weekday_grid(pd.bdate_range("2024-01-01", periods=8).delete([2, 5]), "D") == "B"
