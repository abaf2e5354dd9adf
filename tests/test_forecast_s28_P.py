"""Session 28, helper P: the Forecaster's Python API with the pandas inputs users pass (nullable dtypes holding
pd.NA, ...). Each test fails at 9e7b5a7 unless it says it guards behaviour that was already right."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError
from rnnkit.tasks.forecasting import Forecaster


def _int64_steps(missing_at: int, n: int = 12) -> pd.arrays.IntegerArray:
    steps = pd.array(list(range(n)), dtype="Int64")
    steps[missing_at] = pd.NA
    return steps


# ------------------------------------------------------------------ integer steps in pandas' nullable Int64
@pytest.mark.parametrize("where", ["time_col", "index"])
def test_a_missing_step_in_an_int64_time_column_is_named_by_its_row(where):
    """pandas' Int64 holding <NA> among integer steps: the missing step was cast to -2**63 (numpy's 'invalid value
    encountered in cast') and the series refused as 'irregular gaps (steps [-9223372036854775808, 1, 2]); --resample
    would interpolate 9223372036854775808 of the 9223372036854775832 values' -- now the CSV reader's error for an
    empty step cell: the row named."""
    steps = _int64_steps(5)
    y = np.arange(12.0)
    if where == "time_col":
        data, kw, what = pd.DataFrame({"t": steps, "y": y}), {"time_col": "t", "target": "y"}, r"time_col 't'"
    else:
        data, kw, what = pd.Series(y, index=pd.Index(steps)), {}, r"time \(index\)"
    with pytest.raises(DataError, match=what + r": expected a time step on every row, got 1 missing \(first in data "
                                               r"row 6\)$"):
        Forecaster("seasonal_naive", horizon=2).fit(data, **kw)


def test_a_missing_step_in_new_points_int64_is_named_too():
    f = Forecaster("seasonal_naive", horizon=2).fit(pd.DataFrame({"t": range(12), "y": np.arange(12.0)}),
                                                   time_col="t", target="y")
    new = pd.DataFrame({"t": pd.array([12, None], dtype="Int64"), "y": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"new_points: time_col 't': expected a time step on every row, got 1 missing "
                                        r"\(first in data row 2\)"):
        f.update(new)


def test_int64_steps_without_missing_read_as_int64_steps():
    """Guards what was right: an Int64 column of whole steps forecasts the next steps as an int64 one does."""
    y = 100 + np.arange(12.0) % 4
    a = Forecaster("seasonal_naive", horizon=3).fit(pd.DataFrame({"t": pd.array(range(12), dtype="Int64"), "y": y}),
                                                   time_col="t", target="y").predict()
    b = Forecaster("seasonal_naive", horizon=3).fit(pd.DataFrame({"t": np.arange(12), "y": y}),
                                                   time_col="t", target="y").predict()
    assert a["time"].tolist() == [12, 13, 14]
    pd.testing.assert_frame_equal(a, b)
