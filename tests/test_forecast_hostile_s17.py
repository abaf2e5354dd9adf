"""Hostile-input sweep of session 17 (helper R): forecasting's API, CLI and saved runs.
Each test fails on the code before its fix (23fec2f) unless it says it guards behaviour that was already right."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError


def _panel(n=36):
    rng = np.random.default_rng(0)
    t = pd.date_range("2018-01-01", periods=n, freq="MS").strftime("%Y-%m-%d")
    y = 100 + 10 * np.sin(np.arange(n) * 2 * np.pi / 12) + rng.normal(0, 1, n)
    return pd.concat([pd.DataFrame({"date": t, "y": y, "store": "a"}),
                      pd.DataFrame({"date": t, "y": 2 * y, "store": "b"})], ignore_index=True)


@pytest.fixture(scope="module")
def panel_fit():
    from rnnkit.tasks.forecasting import Forecaster

    return Forecaster("seasonal_naive", horizon=2).fit(_panel(), target="y", time_col="date", id_col="store")


# ------------------------------------------------------------------ update: a new row without an id
@pytest.mark.parametrize("missing", [None, np.nan])
def test_update_row_without_an_id_is_refused_not_dropped(panel_fit, missing):
    """pandas' groupby dropped the rows whose id is missing, so 'a' was updated with its first row and the second
    observation (an empty id cell of `forecast update --csv`) vanished silently. A fit refuses such a row; now
    so does update, and nothing is appended (oracle: the forecast before the call)."""
    before = panel_fit.predict()
    new = pd.DataFrame({"date": ["2021-01-01", "2021-02-01"], "y": [1.0, 2.0], "store": ["a", missing]})
    with pytest.raises(DataError, match=r"^new_points: id_col 'store': expected an id on every row, got 1 missing "
                                        r"\(first in data row 2\)$"):
        panel_fit.update(new)
    pd.testing.assert_frame_equal(panel_fit.predict(), before)
