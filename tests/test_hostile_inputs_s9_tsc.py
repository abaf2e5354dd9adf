"""Hostile inputs for the session-9 time-series classifier (review V): UCR archive files written by other
tools (empty fields, decimal commas, integer labels beyond float precision), series longer than the old
2,000-step cap, and the auto model's reproducibility. Each test failed on the code before its fix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from rnnkit.data.tsc import read_ucr
from rnnkit.errors import DataError
from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("text, match", [
    ("1,0.5,,0.7\n", "an empty field at line 1"),           # was [0.5, 0.7]: the 0.7 moved one step earlier
    ("1\t0.5\t\t0.7\n", "an empty field at line 1"),
    ("1\t1,5\t2,5\n", "numbers after the label at line 1"),   # decimal commas: was the four values 1, 5, 2, 5
    ("1;0,5;0,7\n", "numbers after the label at line 1"),
])
def test_ucr_fields_are_never_dropped_or_split_silently(text, match):
    with pytest.raises(DataError, match=match):
        read_ucr(text=text)


def test_ucr_separators_still_read_and_labels_keep_their_digits():
    X, y = read_ucr(text="1, 0.5, 0.25\n2 \t 3\t4 \n-1  5   6\n12345678901234567890\t1\t2\n01\t3\t4\n1.5e0\t1\t2\n")
    assert [x[:, 0].tolist() for x in X] == [[0.5, 0.25], [3, 4], [5, 6], [1, 2], [3, 4], [1, 2]]
    # an integer label is the integer it writes (before: via float, '12345678901234567168'); 1.5e0 stays as written
    assert y == ["1", "2", "-1", "12345678901234567890", "1", "1.5e0"]


def _long_set(T: int, n: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = [rng.normal(0, 1, (T, 1)).astype("float32") for _ in range(n)]
    return X, ["a", "b"] * (n // 2)


def _fit(X, y, **kw):
    cfg = TSCConfig(**{"model": "rnn", "hidden_size": 4, "epochs": 1, "progress": False, **kw})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # 'did not learn' after one epoch
        return TimeSeriesClassifier(cfg).fit(X, y)


def test_series_longer_than_2000_steps_are_read_whole_by_default():
    X, y = _long_set(2100)
    clf = _fit(X, y)
    assert clf.config.max_len is None and clf.config.patch == 33          # ceil(2100 / 64): the whole series
    changed = [x.copy() for x in X]
    for x in changed:
        x[2050:] += 5.0                                                   # only steps past the old cap differ
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                   # no truncation warning either
        p, q = clf.predict_proba(X), clf.predict_proba(changed)
    assert not np.allclose(p, q)


def test_the_cap_is_never_reached_by_series_up_to_2000_steps():
    X, y = _long_set(300)
    a, b = _fit(X, y), _fit(X, y, max_len=2000)
    assert a.config.patch == b.config.patch == 5
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))


def test_auto_is_reproducible_and_validates_on_training_series_only():
    X, y = _long_set(30, n=24, seed=1)
    runs = [_fit(X[:16], y[:16], model="auto", epochs=3) for _ in range(2)]
    assert runs[0].history["auto"] == runs[1].history["auto"]
    assert np.array_equal(runs[0].predict_proba(X[16:]), runs[1].predict_proba(X[16:]))
    assert set(runs[0].split["validation"]["indices"]) <= set(range(16))
