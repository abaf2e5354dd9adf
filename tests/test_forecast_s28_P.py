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


# ------------------------------------------------------------------ a covariate joined one step off the target
def _joined_one_step_off(n: int = 40):
    idx = pd.date_range("2020-01-01", periods=n, freq="D")
    y = pd.Series(np.sin(np.arange(n) / 3) + np.arange(n) * 0.05, index=idx, name="y")
    x = pd.Series(np.cos(np.arange(n) / 3), index=idx + pd.Timedelta(days=1), name="x")   # a day late
    return y.to_frame().join(x)          # pandas' left join: x's first row is empty


@pytest.mark.parametrize("role", ["past_covariates", "future_covariates"])
def test_a_covariate_whose_first_values_are_missing_is_warned(role):
    """A covariate column starting with missing values was filled with its first observed value without a word (the
    target's first missing values are noted, a covariate's last ones warned): a covariate joined a day off the target
    left its first row empty, and the column's misalignment went unnoticed. Now a warning names the column, the count
    and the first observed time."""
    frame = _joined_one_step_off()
    f = Forecaster("lstm", horizon=2, epochs=1, windows_per_epoch=16, hidden_size=4, lookback=6)
    with pytest.warns(UserWarning, match=r"covariate 'x' in series 'y': the first 1 value\(s\) are missing \(before "
                                         r"time 2020-01-02\); they are filled with its first observed value"):
        f.fit(frame, target="y", **{role: ["x"]})


def test_a_covariate_observed_from_the_first_row_is_not_warned():
    """Guards what was right: an aligned covariate (a missing value inside it is interpolated, as before) says
    nothing about its first values."""
    import warnings

    frame = _joined_one_step_off().dropna()
    frame.iloc[5, 1] = np.nan
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        Forecaster("lstm", horizon=2, epochs=1, windows_per_epoch=16, hidden_size=4, lookback=6).fit(
            frame, target="y", past_covariates=["x"])
    assert not [w for w in seen if "first" in str(w.message)]


def test_a_panel_sums_up_the_covariates_first_values_in_one_line():
    """Several series of a panel each missing a covariate's first value: one line naming the others (the panel's
    notes, as for the last values)."""
    frames = []
    for k in range(5):
        d = _joined_one_step_off().reset_index(names="time")
        frames.append(d.assign(id=f"s{k}", y=d.y + k))
    panel = pd.concat(frames, ignore_index=True)
    f = Forecaster("lstm", horizon=2, epochs=1, windows_per_epoch=16, hidden_size=4, lookback=6)
    with pytest.warns(UserWarning) as seen:
        f.fit(panel, target="y", time_col="time", id_col="id", past_covariates=["x"])
    first = [str(w.message) for w in seen if "the first 1 value(s) are missing" in str(w.message)]
    assert len(first) == 1 and "and so for 4 more series" in first[0]


# ------------------------------------------------------------------ a RangeIndex with a step of 2
@pytest.mark.parametrize("start, step", [(0, 2), (100, 5)])
def test_integer_steps_of_one_stride_are_not_called_irregular(start, step):
    """A Series on RangeIndex(0, 60, 2) -- every step 2 -- was refused as 'got irregular gaps (steps [2])', though
    nothing in it is irregular; now 'got steps of 2 throughout', the cause and the fix as before. (Steps of one stride
    stay refused: resampling to steps of 1 would invent the values between, docs/forecasting.md.)"""
    s = pd.Series(np.arange(30.0), index=pd.RangeIndex(start, start + 30 * step, step))
    with pytest.raises(DataError, match=rf"expected consecutive integer steps in series 'series', got steps of {step} "
                                        rf"throughout; every step is a multiple of {step} .*\(t - {start}\) // {step}"):
        Forecaster("seasonal_naive", horizon=2).fit(s)
    gaps = pd.Series(np.arange(4.0), index=pd.Index([0, 2, 4, 7]))          # mixed steps: still 'irregular gaps'
    with pytest.raises(DataError, match=r"got irregular gaps \(steps \[2, 3\]\)"):
        Forecaster("seasonal_naive", horizon=2).fit(gaps)


# ------------------------------------------------------------------ future covariates under other ids
def test_future_covariates_under_ids_the_fit_never_saw_name_those_ids():
    """Future covariates whose id column pandas read as floats (1.0, 2.0: an int column with an empty cell) for a
    model fitted on ids 1, 2: 'expected rows for the next 2 times of series '1' ..., got none for [...]' -- though
    rows were given, and the ids they were under never named (the unused-ids warning comes after the error). Now
    the ids the frame holds are named."""
    n = 30
    idx = pd.date_range("2020-01-01", periods=n, freq="D")
    rng = np.random.default_rng(0)
    d = pd.concat([pd.DataFrame({"id": i, "t": idx, "y": np.arange(n) + 10.0 * i + rng.normal(0, 1, n),
                                 "x": rng.normal(size=n)}) for i in (1, 2)], ignore_index=True)
    f = Forecaster("lstm", horizon=2, epochs=1, windows_per_epoch=16, hidden_size=4, lookback=6)
    f.fit(d, target="y", time_col="t", id_col="id", future_covariates=["x"])
    times = pd.date_range("2020-01-31", periods=2, freq="D")
    fut = pd.DataFrame({"id": [1.0, 1.0, 2.0, 2.0], "t": list(times) * 2, "x": 0.5})
    with pytest.raises(DataError, match=r"got none for \['2020-01-31 00:00:00', '2020-02-01 00:00:00'\] \(no row of id "
                                        r"'1': 'id' holds \['1.0', '2.0'\]; ids are kept as text\)$"):
        f.predict(future_covariates=fut)
    fut["id"] = fut["id"].astype(int)        # the fit's ids: forecast
    assert f.predict(future_covariates=fut)["id"].tolist() == ["1", "1", "2", "2"]
