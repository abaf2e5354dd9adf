"""Helper W, session 29: update's lone new value under outliers='missing' is one warning, as at fit. 7f3b9db set the
value missing before warn_missing_tail read the new points, so a typo as the last new point also warned 'the last 1
value(s) are missing ... drop those rows' -- of a value the user gave -- where the fit's reading (warn_missing_tail
before screen) says it once."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit import Forecaster


def _series(n: int = 100) -> pd.Series:
    t = np.arange(n)
    y = 100 + 10 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(0).normal(0, 2, n)
    return pd.Series(y, index=pd.date_range("2000-01-01", periods=n, freq="MS"))


@pytest.mark.parametrize("outliers", ["warn", "missing"])
def test_a_lone_last_new_value_is_one_warning(outliers):
    s = _series()
    f = Forecaster("seasonal_naive", outliers=outliers).fit(s, horizon=3)
    new = pd.Series([101.0, 1e12], index=pd.date_range(s.index[-1] + pd.offsets.MonthBegin(), periods=2, freq="MS"))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        f.update(new)
    said = [str(w.message) for w in seen]
    assert len(said) == 1 and said[0].startswith("new_points of series 'series': one value (1e+12 at time 2008-06-01)")


def test_a_missing_last_new_value_is_still_warned_about_under_missing():
    s = _series()
    f = Forecaster("seasonal_naive", outliers="missing").fit(s, horizon=3)
    new = pd.Series([101.0, np.nan], index=pd.date_range(s.index[-1] + pd.offsets.MonthBegin(), periods=2, freq="MS"))
    with pytest.warns(UserWarning, match=r"new_points of series 'series': the last 1 value\(s\) are missing"):
        f.update(new)


def test_a_level_shift_streamed_a_point_an_update_is_read_as_missing_once_not_for_ever():
    """outliers='missing' (the default): a series that moves to a new level, given one point per update (the service's
    POST /observations), had every new point read as missing -- each was lone among a history whose earlier new
    points were missing -- so the forecast stayed at the old level for ever, where the same points in one update were
    all taken. The rule reads the series as given: the first point of the new level only."""
    s = _series()
    f = Forecaster("ets").fit(s, horizon=3)
    times = pd.date_range(s.index[-1] + pd.offsets.MonthBegin(), periods=6, freq="MS")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in times:
            f.update(pd.Series([1e6], index=pd.DatetimeIndex([t], freq="MS")))
    assert [o["value"] for o in f.summary()["series"][0]["outliers_missing"]] == [1e6]
    assert (f.predict()["value"] > 1e5).all()
