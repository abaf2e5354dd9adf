"""Session 29, helper M: a count store that only transforms (``evaluate``'s linear models, after their fit) keeps the
terms of the vocabularies asked for alone, and at most ``KEPT`` counts -- it kept every term of every text, and
``classify evaluate`` on 200k short texts peaked ~370 MB above ``classify predict`` (session 28's leftover). What
it gives is unchanged: the matrices of scikit-learn's ``CountVectorizer(vocabulary=...)``, the scores of the plain
pipelines."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.tasks import classify_counts
from rnnkit.tasks.classify_counts import shared_counts
from rnnkit.tasks.classify_linear import NbLogReg, TfidfLogReg


def _texts(n, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(400)]
    labels = rng.integers(0, 3, n)
    texts = [" ".join([f"c{y}"] + list(rng.choice(words, int(rng.integers(3, 12))))) for y in labels]
    return texts, [f"y{y}" for y in labels]


def _plain(model, texts):
    from sklearn.feature_extraction.text import CountVectorizer

    X = CountVectorizer(analyzer=model._analyze, vocabulary=model.vocabulary).transform(texts)
    X.sort_indices()
    return X


def _same(a, b):
    return a.shape == b.shape and all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("data", "indices", "indptr"))


@pytest.fixture(scope="module")
def fitted():
    texts, labels = _texts(300)
    return TfidfLogReg("words", True, C=1.0).fit(texts, labels), NbLogReg("words", True, C=1.0).fit(texts, labels)


def test_a_transform_only_store_keeps_the_vocabularys_terms_alone(fitted):
    tfidf, _ = fitted
    texts = _texts(200, seed=1)[0] + ["zzz unseen words only"]
    with shared_counts():
        store = tfidf._counts()
        X = store.transform(texts, tfidf.vocabulary)
        assert set(store.names) <= set(tfidf.vocabulary)            # every term of every text was kept
        assert _same(X, _plain(tfidf, texts))


def test_past_kept_counts_a_transform_analyses_for_itself_and_gives_the_same(fitted, monkeypatch):
    monkeypatch.setattr(classify_counts, "KEPT", 200)
    tfidf, nb = fitted
    texts = _texts(1000, seed=2)[0]
    first, rest = texts[:500], texts[500:]
    classes = ["y0", "y1", "y2"]
    want = [m.proba_for(part, classes) for part in (first, rest) for m in fitted]    # each analyses for itself
    with shared_counts():
        got = [m.proba_for(part, classes) for part in (first, rest) for m in fitted]
        store = tfidf._counts()
        kept = store._n_counts
        assert kept >= 200 and set(store.rows) == set(first)        # the first part's call passed KEPT: no more kept
        assert store.analysed == len(set(first)) + 2 * len(rest)    # the rest analysed by each model for itself
    assert all(np.array_equal(a, b) for a, b in zip(got, want))


def test_a_fit_after_transforms_keeps_every_term_and_is_the_plain_fit(fitted):
    tfidf, _ = fitted
    texts, labels = _texts(300, seed=3)
    plain = TfidfLogReg("words", True, C=1.0).fit(texts, labels)
    with shared_counts():
        tfidf._counts().transform(texts, tfidf.vocabulary)         # a transform first: only its vocabulary kept
        again = TfidfLogReg("words", True, C=1.0).fit(texts, labels)
        assert again._counts().only is None
    assert again.vocabulary == plain.vocabulary and np.array_equal(again.coef, plain.coef)


def test_a_wider_vocabulary_analyses_the_texts_again_and_gives_the_same(fitted):
    tfidf, _ = fitted
    texts, labels = _texts(300, seed=4)
    other = TfidfLogReg("words", True, C=1.0).fit(texts, labels)     # another vocabulary, the same analyser
    test = _texts(100, seed=5)[0]
    with shared_counts():
        store = tfidf._counts()
        store.transform(test, tfidf.vocabulary)
        X = store.transform(test, other.vocabulary)
        assert store.only == set(tfidf.vocabulary) | set(other.vocabulary)
    assert _same(X, _plain(other, test))
