"""Session 31, helper S: dates before the year 1000 in messages are written as the files write them ('0760-01-01').

Session 30 (8b548b4) made forecast.csv, --json and the service write ISO's four-digit year; the warnings and errors still
formatted dates with strftime's %Y, which glibc does not pad: '760-01-01' in a message beside '0760-01-01' in the file
(and a date pandas' ISO 8601 reader refuses, if copied from the message)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.series import parse_dates
from rnnkit.errors import DataError
from rnnkit.forecast import Forecaster

YEARS = [f"{y:04d}-01-01" for y in range(700, 760)]
VALUES = np.arange(60.0) % 5 + np.arange(60.0)


def test_an_outlier_warning_names_its_time_with_four_digits():
    y = VALUES.copy()
    y[30] = 1e6
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        Forecaster("seasonal_naive").fit(pd.DataFrame({"year": YEARS, "y": y}), horizon=2, time_col="year", target="y")
    said = [str(w.message) for w in seen if "farther from the median" in str(w.message)]
    assert said and "at time 0730-01-01)" in said[0]


def test_a_gap_error_names_the_missing_date_with_four_digits():
    df = pd.DataFrame({"year": YEARS[:10] + YEARS[11:], "y": np.r_[VALUES[:10], VALUES[11:]]})
    with pytest.raises(DataError, match=r"first missing 0710-01-01;"):
        Forecaster("seasonal_naive").fit(df, horizon=2, time_col="year", target="y")


def test_an_ambiguous_column_names_both_readings_with_four_digits():
    with pytest.raises(DataError, match=re.escape("('01/02/0760' is 0760-02-01 or 0760-01-02)")):
        parse_dates(pd.Series(["01/02/0760", "01/03/0760", "01/04/0760"]), "date")
