"""Hostile inputs, session 6 sweep: the defects left open by the earlier sweeps (ids of mixed types,
CoNLL-U files, numpy lengths, Hopfield patterns near the float range). Each test failed before its fix
or is the oracle of one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.errors import DataError, InputTypeError, ShapeError


# ------------------------------------------------------------------------------------ forecasting ids
def test_ids_that_differ_only_in_type_are_a_data_error_naming_the_id_column():
    # 1 (int) and "1" (str) in one id column were merged into series '1', then refused as "duplicate
    # timestamps", which named neither the id column nor the cause
    from rnnkit.tasks.forecasting.inputs import parse_series

    t = list(pd.date_range("2021-01-01", periods=6, freq="D").astype(str))
    y = list(np.sin(np.arange(6.0)))
    df = pd.DataFrame({"id": [1] * 6 + ["1"] * 6 + ["a"] * 6, "t": t * 3, "y": y * 3})
    with pytest.raises(DataError, match=r"^id_col 'id': expected ids of one type .* got 1 \(int\) and '1' \(str\)"):
        parse_series(df, target="y", time_col="t", id_col="id")
    # True and 'True' collide the same way
    df["id"] = [True] * 6 + ["True"] * 6 + ["a"] * 6
    with pytest.raises(DataError, match=r"^id_col 'id': .* got True \(bool\) and 'True' \(str\)"):
        parse_series(df, target="y", time_col="t", id_col="id")
    # numpy and Python ints are one kind: the same id, so here the rows really are duplicates
    df["id"] = [1] * 6 + [np.int64(1)] * 6 + ["a"] * 6
    with pytest.raises(DataError, match=r"^t: expected unique timestamps in series '1', got 6 duplicate"):
        parse_series(df, target="y", time_col="t", id_col="id")
    # the oracle: ids of one kind each (all int, all text, or mixed but distinct) split as before
    df["id"] = [1] * 6 + [2] * 6 + ["a"] * 6
    got = parse_series(df, target="y", time_col="t", id_col="id")
    assert [s.id for s in got] == ["1", "2", "a"]
    for s in got:
        np.testing.assert_allclose(s.y, y)
