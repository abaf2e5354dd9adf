"""Session 17, helper S: hostile inputs to time-series classification (each test fails on the code before its
fix)."""

import numpy as np
import pytest

from rnnkit.data.tsc import read_long_csv
from rnnkit.errors import DataError


def _csv(tmp_path, body: str):
    path = tmp_path / "long.csv"
    path.write_text("id,time,v,label\n" + body, encoding="utf-8")
    return path


def test_long_csv_rows_without_an_id_are_refused_naming_the_row(tmp_path):
    path = _csv(tmp_path, "a,0,1,x\na,1,2,x\n,0,5,y\n,1,6,y\nb,0,1,y\nb,1,3,y\n")
    with pytest.raises(DataError, match=r"expected an id in column 'id' at row 4, got an empty one"):
        read_long_csv(path)   # was a series with id '' (labelled y), silently


def test_long_csv_ids_that_differ_only_in_white_space_are_refused(tmp_path):
    path = _csv(tmp_path, "a,0,1,x\na,1,2,x\n a,2,5,x\nb,0,1,y\nb,1,3,y\n")
    with pytest.raises(DataError, match=r"got 'a' and ' a' \(one series or two"):
        read_long_csv(path)   # was series 'a' = [1, 2] and a one-step series ' a' = [5], silently
    X, y, ids = read_long_csv(_csv(tmp_path, " a,0,1,x\n a,1,2,x\nb,0,1,y\nb,1,3,y\n"), return_ids=True)
    assert ids == [" a", "b"] and [x[:, 0].tolist() for x in X] == [[1, 2], [1, 3]]   # one spelling: as written
