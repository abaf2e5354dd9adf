"""Session 13, lead: findings of the helpers applied to shared task code (helper G's proposal)."""

import numpy as np
import pytest

from rnnkit.errors import DataError
from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig


def test_an_evaluation_label_written_as_another_number_type_is_refused_not_an_unseen_class():
    """Before: fit with y = [1, 2, ...] (classes '1', '2'), evaluate with [1.0, 2.0, ...] (pandas' floats):
    every gold label an unseen class, accuracy 0.0, silently but for unseen_labels."""
    rng = np.random.default_rng(0)
    X = [np.sin(np.linspace(0, f, n))[:, None].astype("float32") for f, n in zip([1, 9] * 6, rng.integers(10, 20, 12))]
    m = TimeSeriesClassifier(TSCConfig(model="rnn", hidden_size=4, epochs=1, batch_size=4, patience=1,
                                       val_fraction=0, progress=False)).fit(X, [1, 2] * 6, baselines=False)
    same = m.evaluate(X, [1, 2] * 6, baselines=False)
    assert m.evaluate(X, ["1", "2"] * 6, baselines=False)["accuracy"] == same["accuracy"]   # text is text
    assert m.evaluate(X, np.array([1, 2] * 6), baselines=False)["accuracy"] == same["accuracy"]
    with pytest.raises(DataError, match=r"^y\[0\]: expected a label as training wrote it, got 1.0 \(float\) read as "
                                        r"'1.0', while the class '1' is the same number; convert them first$"):
        m.evaluate(X, [1.0, 2.0] * 6, baselines=False)
    assert m.evaluate(X, [3.0] * 12, baselines=False)["unseen_labels"] == 12      # another number: unseen
