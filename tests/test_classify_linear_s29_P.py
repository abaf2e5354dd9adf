"""Session 29, helper P: TfidfLogReg (the text classifier's linear member and baseline) keeps the vectorizer of its
fitted vocabulary -- each call built a new one, which validated the whole vocabulary again (a Python loop over every
index: 11.8 ms of a one-text predict at 88,599 terms); a loaded state's vocabulary is validated at the load."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from rnnkit.tasks.classify_linear import NbLogReg, TfidfLogReg

TEXTS = ["good movie great plot", "bad film awful acting", "great acting good fun", "awful plot bad movie",
         "fine film nice cast", "poor story terrible end", "nice fun great cast", "terrible acting poor plot"] * 3
LABELS = ["pos", "neg", "pos", "neg", "pos", "neg", "pos", "neg"] * 3
PROBE = ["good fun", "terrible film", "a plot never seen", "great great great", "?"]


@pytest.fixture
def validations(monkeypatch):
    calls = []
    validate = CountVectorizer._validate_vocabulary

    def counting(self):
        calls.append(1)
        return validate(self)
    monkeypatch.setattr(CountVectorizer, "_validate_vocabulary", counting)
    return calls


@pytest.mark.parametrize("kind", [TfidfLogReg, NbLogReg])
def test_the_vocabulary_is_validated_once_not_per_call(kind, validations):
    m = kind(C=1.0).fit(TEXTS, LABELS)
    first = [np.asarray(m._text_scores([t])) for t in PROBE]
    before = len(validations)
    again = [np.asarray(m._text_scores([t])) for t in PROBE]
    m.predict(PROBE)
    assert len(validations) - before == 0      # at 435b85f: one per call (11 here)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))


def test_the_kept_vectorizer_counts_what_a_new_one_counts():
    m = TfidfLogReg(C=1.0).fit(TEXTS, LABELS)
    fresh = CountVectorizer(analyzer=m._analyze, vocabulary=m.vocabulary)
    for t in PROBE + [TEXTS[0] + " " + TEXTS[1]]:
        a, b = m._vectorizer().transform([t]), fresh.transform([t])
        assert a.shape == b.shape and a.dtype == b.dtype and (a != b).nnz == 0


def test_a_new_fit_gets_the_new_vocabulary():
    m = TfidfLogReg(C=1.0).fit(TEXTS, LABELS)
    m.predict(PROBE)
    other_texts = [t.replace("good", "splendid").replace("bad", "dreadful") for t in TEXTS]
    m.fit(other_texts, LABELS)
    fresh = TfidfLogReg(C=1.0).fit(other_texts, LABELS)
    assert "splendid" in m.vocabulary
    assert np.array_equal(np.asarray(m._text_scores(PROBE + ["splendid"])),
                          np.asarray(fresh._text_scores(PROBE + ["splendid"])))


def test_a_pickle_holds_no_vectorizer_and_predicts_the_same():
    m = TfidfLogReg(C=1.0).fit(TEXTS, LABELS)
    scores = np.asarray(m._text_scores(PROBE))
    copy = pickle.loads(pickle.dumps(m))
    assert "_kept_vectorizer" not in copy.__dict__
    assert np.array_equal(np.asarray(copy._text_scores(PROBE)), scores)


def test_a_state_round_trip_predicts_the_same():
    m = NbLogReg(C=1.0).fit(TEXTS, LABELS)
    back = NbLogReg.from_state(m.state())
    assert np.array_equal(np.asarray(back._text_scores(PROBE)), np.asarray(m._text_scores(PROBE)))


@pytest.mark.parametrize("change", ["repeated", "missing"])
def test_a_broken_saved_vocabulary_is_refused_at_load(change):
    """Another program's state (baseline.json with its digest made again): before, from_state took it and the first
    predict failed inside scikit-learn; the run loader turns this ValueError into a CheckpointError naming the file."""
    tensors, meta = TfidfLogReg(C=1.0).fit(TEXTS, LABELS).state()
    vocab = dict(meta["vocabulary"])
    a, b = sorted(vocab)[:2]
    if change == "repeated":
        vocab[b] = vocab[a]
    else:
        vocab[a] = len(vocab) + 5
    with pytest.raises(ValueError, match="Vocabulary"):
        TfidfLogReg.from_state((tensors, {**meta, "vocabulary": vocab}))
