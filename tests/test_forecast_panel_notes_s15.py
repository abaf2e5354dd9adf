"""A panel whose series each miss their last (or first) values warns once per kind, not once per series (session 15,
found by helper R: statsmodels' fertility table, 210 countries missing their last two years, printed 210 lines).
Up to three series keep their own warnings; the forecasts are those of the series read one by one."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from rnnkit.forecast import Forecaster


def _panel(n_ids: int, tail: int = 2, head: int = 0) -> pd.DataFrame:
    rows = []
    for k in range(n_ids):
        y = 10.0 + k + np.sin(np.arange(24) / 2.0)
        y[len(y) - tail:] = np.nan
        y[:head] = np.nan
        rows += [{"id": f"c{k}", "date": d, "y": v}
                 for d, v in zip(pd.date_range("1990-01-01", periods=24, freq="YS"), y)]
    return pd.DataFrame(rows)


def _messages(frame: pd.DataFrame) -> list[str]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        Forecaster("theta", horizon=2).fit(frame, target="y", time_col="date", id_col="id")
    return [str(w.message) for w in seen if "value(s) are missing" in str(w.message)]


def test_many_series_missing_their_last_values_warn_once():
    got = _messages(_panel(9))
    assert len(got) == 1, got
    assert got[0].startswith("target 'y' in series 'c0': the last 2 value(s) are missing (after time 2011-01-01)")
    assert got[0].endswith("-- and so for 8 more series (each its own count): 'c1', 'c2', 'c3', 'c4', 'c5', 'c6' ...")


def test_first_and_last_values_are_two_kinds_and_few_series_keep_their_warnings():
    got = _messages(_panel(5, tail=1, head=3))
    assert len(got) == 2 and "the first 3 value(s)" in got[0] + got[1] and "the last 1 value(s)" in got[0] + got[1]
    few = _messages(_panel(3))
    assert len(few) == 3 and [m.split("'")[3] for m in few] == ["c0", "c1", "c2"]
