"""Missing target values at the END of a series are held at the last observed value and the forecast
starts after them: that must not pass without a word (session 11: a file that left the forecast period's
rows in with an empty target got a forecast from the held value, silently)."""
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.tasks.forecasting.inputs import parse_series


def _frame(tail_missing: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    y = 10 + rng.normal(0, 0.3, 30)
    y[-1] = 6.1
    y = np.concatenate([y, np.full(tail_missing, np.nan)])
    return pd.DataFrame({"date": pd.date_range("2021-01-01", periods=len(y), freq="D"), "y": y})


def test_missing_values_at_the_end_warn_naming_the_series_and_the_last_observed_time():
    with pytest.warns(UserWarning, match=r"series .*last 5 value\(s\) are missing \(after time 2021-01-30\)"):
        parse_series(_frame(5), time_col="date", target="y")


def test_missing_values_inside_a_series_do_not_warn():
    df = _frame(0)
    df.loc[10, "y"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (s,) = parse_series(df, time_col="date", target="y")
    assert s.missing == 1


def test_update_with_missing_values_at_the_end_warns_as_a_fit_does():
    # Session 12 (helper S's finding): `forecast update --csv` with a trailing empty target held the last value
    # and started the forecast one step later without the warning a fit gives.
    from rnnkit.tasks.forecasting import Forecaster

    fitted = Forecaster(horizon=2, model="theta").fit(_frame(0), time_col="date", target="y")
    new = pd.DataFrame({"date": pd.date_range("2021-01-31", periods=3, freq="D"), "y": [6.3, np.nan, np.nan]})
    with pytest.warns(UserWarning, match=r"new_points of series .*last 2 value\(s\) are missing "
                                         r"\(after time 2021-01-31\)"):
        fitted.update(new)
    inside = pd.DataFrame({"date": pd.date_range("2021-02-03", periods=3, freq="D"), "y": [6.0, np.nan, 6.2]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted.update(inside)                 # a gap inside new points is interpolated, as in a fit: no warning
