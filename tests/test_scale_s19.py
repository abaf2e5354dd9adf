"""Session 19 (helper P): what changed for scale keeps behaviour. Behaviour only, never timings (the timings are
benchmarks/bench_scale.py's)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.tasks.forecasting.inputs import parse_series


def _panel(n_series: int = 7, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(n_series):
        n = int(rng.integers(5, 30))
        parts.append(pd.DataFrame({"id": f"s{(i * 7919) % 97}", "t": pd.date_range("2020-01-01", periods=n, freq="MS")
                                   + pd.DateOffset(months=int(rng.integers(0, 12))),
                                   "y": rng.normal(size=n), "x": rng.normal(size=n)}))
    return pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=seed)   # rows of the ids interleaved


def test_panel_split_by_one_sort_equals_each_series_parsed_alone():
    """parse_series splits a panel by one stable sort (was a mask per id, quadratic in the series): every series
    is the one its rows give alone (the oracle: parse_series of that id's rows without id_col), ids in sorted order."""
    df = _panel()
    got = parse_series(df, "y", "t", "id", past_covariates="x")
    want_ids = sorted(df["id"].unique())
    assert [s.id for s in got] == want_ids
    for s in got:
        alone = parse_series(df[df["id"] == s.id].drop(columns="id"), "y", "t", past_covariates="x")[0]
        assert type(s.id) is str
        np.testing.assert_array_equal(s.y, alone.y)
        np.testing.assert_array_equal(s.past, alone.past)
        pd.testing.assert_index_equal(s.index, alone.index)
        assert s.freq == alone.freq and s.reordered == alone.reordered


def test_panel_split_keeps_each_series_rows_in_file_order():
    """Within a series the rows keep the order of the table: a duplicate time stamp is still reported, and the
    rows out of time order are counted as before (the stable sort, not an unstable one, keeps them)."""
    df = pd.DataFrame({"id": ["b", "a", "b", "a", "b", "a", "b"], "t": [3, 1, 1, 2, 2, 3, 4],
                       "y": [3.0, 1.0, 1.0, 2.5, 2.0, 3.5, 4.0]})
    got = {s.id: s for s in parse_series(df, "y", "t", "id")}
    np.testing.assert_array_equal(got["b"].y, [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(got["a"].y, [1.0, 2.5, 3.5])
    assert got["b"].reordered > 0 and got["a"].reordered == 0


@pytest.mark.parametrize("kind", ["int", "category"])
def test_panel_split_ids_of_other_types_are_their_text(kind):
    df = _panel(5, seed=3)
    codes = {v: i * 11 for i, v in enumerate(sorted(df["id"].unique()))}
    df["id"] = df["id"].map(codes) if kind == "int" else df["id"].astype("category")
    got = parse_series(df, "y", "t", "id")
    want = sorted({str(v) for v in df["id"].astype(str)})
    assert [s.id for s in got] == want and all(type(s.id) is str for s in got)
