"""Metamorphic relations of the time-series classifier (session 29, helper Z), on JapaneseVowels (variable length
7-29, 12 channels: the lengths are where batching could change a prediction).

- one series predicted alone = its row of a batch; the series shuffled = the predictions shuffled;
- every series times c or plus c (the channels are standardised with the training mean/std): the same predictions,
  probabilities to float32 rounding;
- evaluate's accuracy and macro F1 = scikit-learn's on predict's outputs;
- the 1-NN (Euclidean distance) model: the channels permuted in training and prediction alike give the same
  predictions exactly.

Measured in session 29 and NOT asserted: the network's predictions move when the channels are permuted (77-92%
agreement: its input weights are drawn in another order) or when the labels are renamed so that their order
changes (85%; classes of equal counts are ordered by name, so the output rows' draws move).
"""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from rnnkit import TimeSeriesClassifier, TSCConfig
from rnnkit.data.registry import load_dataset

pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.fixture(scope="module")
def vowels():
    data = load_dataset("japanese-vowels")
    keep = np.random.default_rng(0).permutation(len(data.X_train))[:120]
    X = [np.asarray(data.X_train[i]) for i in keep]
    y = [data.y_train[i] for i in keep]
    return X, y, [np.asarray(a) for a in data.X_test[:60]], list(data.y_test[:60])


def _fit(model, X, y):
    return TimeSeriesClassifier(TSCConfig(model=model, epochs=3, hidden_size=16, progress=False)).fit(X, y)


def test_network_alone_shuffled_shifted_scaled_and_scored(vowels):
    X, y, Xt, yt = vowels
    model = _fit("rnn", X, y)
    pred, proba = model.predict(Xt), model.predict_proba(Xt)
    for i in range(0, len(Xt), 6):
        np.testing.assert_allclose(model.predict_proba([Xt[i]])[0], proba[i], atol=1e-6)
    order = np.random.default_rng(1).permutation(len(Xt))
    assert model.predict([Xt[i] for i in order]) == [pred[i] for i in order]

    for change in (lambda a: a * 1e-3, lambda a: a * 1e4, lambda a: a + 100.0):
        other = _fit("rnn", [change(a) for a in X], y)
        assert other.predict([change(a) for a in Xt]) == pred
        np.testing.assert_allclose(other.predict_proba([change(a) for a in Xt]), proba, atol=1e-4)

    scores = model.evaluate(Xt, yt, baselines=False)
    assert scores["accuracy"] == pytest.approx(accuracy_score(yt, pred), abs=1e-12)
    assert scores["macro_f1"] == pytest.approx(f1_score(yt, pred, average="macro"), abs=1e-12)


def test_one_nn_channels_permuted(vowels):
    from rnnkit.tasks.tsc import OneNNEuclidean

    X, y, Xt, _ = vowels
    perm = np.random.default_rng(2).permutation(X[0].shape[1])
    base = OneNNEuclidean().fit(X, y).predict(Xt)
    assert OneNNEuclidean().fit([a[:, perm] for a in X], y).predict([a[:, perm] for a in Xt]) == base
