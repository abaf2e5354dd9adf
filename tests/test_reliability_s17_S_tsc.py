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


def _sktime_ts(name: str):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("sktime")
    path = None if spec is None or spec.origin is None else Path(spec.origin).parent / "datasets" / "data" / name
    if path is None or not path.is_file():
        pytest.skip(f"sktime's {name} not installed (pip install --no-deps sktime==1.2.0 scikit-base==1.1.1)")
    return path


def test_a_regression_ts_file_is_refused_not_read_as_one_class_per_target():
    from rnnkit.data.tsc import read_ts

    # sktime's Tecator (fat content per meat sample, '@targetLabel true'): its 172 training targets were read as
    # 124 class labels ('22.5', '40.1', ...) and a classifier trained on them, silently
    with pytest.raises(DataError, match=r"expected a classification file \(@classLabel\), got '@targetLabel true'"):
        read_ts(_sktime_ts("Tecator/Tecator_TRAIN.ts"))
    X, y = read_ts(_sktime_ts("BasicMotions/BasicMotions_TRAIN.ts"))   # a classification file still reads
    assert len(X) == 40 and X[0].shape == (100, 6) and sorted(set(y)) == ["Badminton", "Running", "Standing",
                                                                            "Walking"]


@pytest.mark.parametrize("head, body, said", [
    ("@univariate true", "1,2:3,4:a\n5,6:7,8:b", r"expected 1 channels in every series \(line 1: '@univariate true'\), "
                                                 r"got 2 in series 1"),
    ("@dimensions 3", "1,2:3,4:a\n5,6:7,8:b", r"expected 3 channels .*got 2 in series 1"),
    ("@equalLength true", "1,2,3:a\n5,6:b", r"expected 3 steps \(as series 1\) .*got 2 in series 2"),
    ("@equalLength true\n@seriesLength 3", "1,2:a\n5,6:b", r"expected 3 steps in every series \(line 2: "
                                                           r"'@seriesLength 3'\), got 2 in series 1"),
])
def test_a_ts_file_that_contradicts_its_header_is_refused(head, body, said):
    from rnnkit.data.tsc import read_ts

    with pytest.raises(DataError, match=said):   # was read as its lines say, silently
        read_ts(text=f"{head}\n@classLabel true a b\n@data\n{body}\n")
    X, _ = read_ts(text=f"@univariate false\n@dimensions 2\n@equalLength true\n@seriesLength 2\n@classLabel true a b\n"
                        f"@data\n1,2:3,4:a\n5,6:7,8:b\n")
    assert [x.tolist() for x in X] == [[[1, 3], [2, 4]], [[5, 7], [6, 8]]]


def test_a_ts_file_without_class_labels_or_classlabel_line_is_refused():
    from rnnkit.data.tsc import read_ts

    # no @classLabel line: the last channel of each series was read as its 'label' ('3,4', '7,8'), silently
    with pytest.raises(DataError, match=r"got values '3,4' and no @classLabel line; unlabelled series need "):
        read_ts(text="@problemName x\n@data\n1,2:3,4\n5,6:7,8\n")
    X, y = read_ts(text="@problemName x\n@classLabel false\n@data\n1,2:3,4\n5,6:7,8\n")
    assert [x.shape for x in X] == [(2, 2), (2, 2)] and y == ["", ""]
    X, y = read_ts(text="@problemName x\n@data\n1,2:3,4:a\n5,6:7,8:b\n")   # labels, no @classLabel line: as before
    assert y == ["a", "b"]
