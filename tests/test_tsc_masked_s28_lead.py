"""numpy masked arrays given to the time-series classifier (helper A's sweep, session 28): ``np.asarray`` drops the
mask, so the values under it were read as data, silently; a NaN there is refused, so a masked value must be too."""
import numpy as np
import pytest

from rnnkit.errors import DataError
from rnnkit.tasks.tsc import TimeSeriesClassifier, check_series


def _data(n=12, t=10):
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(t, 2)).astype(np.float32) + (i % 2) for i in range(n)]
    return X, ["a" if i % 2 else "b" for i in range(n)]


def test_a_masked_value_is_refused_naming_the_series():
    x = np.ma.masked_array(np.arange(10.).reshape(5, 2), mask=[[0, 0], [1, 0], [0, 0], [0, 0], [0, 0]])
    with pytest.raises(DataError, match=r"^X\[0\]: expected values, got a masked array with 1 masked value"):
        check_series([x])
    X, y = _data()
    X[3] = np.ma.masked_array(X[3], mask=np.zeros_like(X[3], dtype=bool))
    X[3].mask[2, 1] = True
    with pytest.raises(DataError, match=r"^X\[3\]: expected values, got a masked array"):
        TimeSeriesClassifier().fit(X, y)


def test_a_masked_array_with_nothing_masked_reads_as_its_values():
    X, y = _data()
    plain = check_series(X)
    masked = check_series([np.ma.masked_array(x) for x in X])
    assert all(np.array_equal(a, b) for a, b in zip(plain, masked))
    stacked = np.ma.masked_array(np.stack(X), mask=np.zeros((len(X),) + X[0].shape, dtype=bool))
    stacked.mask[5, 0, 0] = True
    with pytest.raises(DataError, match=r"^X\[5\]: expected values, got a masked array"):
        check_series(stacked)
