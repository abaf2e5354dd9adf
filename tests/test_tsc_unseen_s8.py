"""Time-series classification on sktime files the project had not used (session 8): the ``.ts`` reader
takes ARFF's ``%`` comment lines (sktime's own UnitTest files have them; the reader refused the file), and
a fit that learned nothing says so (on ArrowHead the default stopped after 16 optimizer steps with every
series given one class, and nothing in the run said so)."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.data.tsc import read_ts
from rnnkit.errors import DataError
from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

HAS_SKTIME = importlib.util.find_spec("sktime") is not None
needs_sktime = pytest.mark.skipif(not HAS_SKTIME, reason="sktime not installed")
pytestmark = pytest.mark.usefixtures("one_thread")


def _sktime_file(name: str, part: str) -> Path:
    import sktime

    return Path(sktime.__file__).parent / "datasets" / "data" / name / f"{name}_{part}.ts"


def test_percent_comment_lines_are_comments_anywhere():
    text = "% ARFF-style note\n%\n@problemName x\n@classLabel true a b\n% another\n@data\n1,2,3:a\n% mid-data note\n4,5,6:b\n"
    X, y = read_ts(text=text)
    assert y == ["a", "b"] and [x[:, 0].tolist() for x in X] == [[1, 2, 3], [4, 5, 6]]
    with pytest.raises(DataError, match="expected '@data' before the series"):  # data lines still need @data
        read_ts(text="@problemName x\n1,2,3:a\n")


@needs_sktime
def test_sktime_unit_test_files_read_as_sktime_reads_them():
    from sktime.datasets import load_from_tsfile

    for part in ("TRAIN", "TEST"):
        path = _sktime_file("UnitTest", part)
        X, y = read_ts(path)
        Xs, ys = load_from_tsfile(str(path), return_data_type="nested_univ")
        assert len(X) == len(Xs) and y == [str(v) for v in ys]
        for i in range(len(X)):
            np.testing.assert_allclose(X[i][:, 0], Xs.iloc[i, 0].to_numpy(), rtol=1e-6)


@needs_sktime
def test_the_not_learned_warning_fires_exactly_when_the_network_guesses_one_class():
    """ArrowHead (36 training series, 3 classes) with the default config: whatever the fit does, the warning
    must agree with what the network predicts on its own training series (one class for all, or no better
    than the majority share, <=> warned). On the old code the default predicted one class and stayed silent."""
    X, y = read_ts(_sktime_file("ArrowHead", "TRAIN"))
    torch.manual_seed(0)
    clf = TimeSeriesClassifier(TSCConfig(model="rnn", progress=False))   # the network's predictions, not auto's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y)
    warned = any("did not learn" in str(w.message) for w in caught)
    pred = clf.predict(X)
    majority = max(y.count(c) for c in set(y)) / len(y)
    acc = float(np.mean([p == t for p, t in zip(pred, y)]))
    guessing = len(set(pred)) == 1 or acc <= majority + 0.05
    assert warned == guessing, (warned, acc, majority, set(pred))
    assert clf.history["learned"] == (not warned)


def test_a_network_that_learns_does_not_warn():
    rng = np.random.default_rng(0)
    X, y = [], []
    for i in range(64):
        t = np.linspace(0, 1, 20)
        up = i % 2 == 0
        X.append((np.sin(np.pi * t) * (1 if up else -1))[:, None].astype(np.float32) + rng.normal(0, 0.2, (20, 1)).astype(np.float32))
        y.append("up" if up else "down")
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        clf = TimeSeriesClassifier(TSCConfig(hidden_size=16, epochs=20, batch_size=16, lr=1e-2, val_fraction=0.0,
                                             progress=False)).fit(X, y)
    assert clf.history["learned"] is True
    assert np.mean([p == t for p, t in zip(clf.predict(X), y)]) >= 0.9
