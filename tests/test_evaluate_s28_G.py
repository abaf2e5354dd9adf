"""evaluate's targets given another way (session 28, helper G): the same data as a list, a one-shot iterator
(a generator), a numpy array or a pandas Series gives the same figures and the same checks.

Oracle: the list's result (its DataError, its metrics).
"""

from __future__ import annotations

import random

import pytest
import torch

from rnnkit.errors import DataError
from rnnkit.tasks import classify_unknown
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

torch.set_num_threads(1)
WORDS = ["good", "bad", "fine", "poor", "movie", "plot", "the", "was", "so", "lovely", "dull"]


def _data(n: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6))) for _ in range(n)]
    return texts, ["pos" if ("good" in t or "lovely" in t) else "neg" for t in texts]


@pytest.fixture(scope="module")
def clf():
    X, Y = _data(80, 0)
    cfg = TextClassifierConfig(min_freq=1, embed_dim=4, hidden_size=4, epochs=1, val_fraction=0.0, progress=False,
                               combine=False, seed=0)
    return TextClassifier(cfg).fit(X, Y, baselines=False)


def test_evaluate_generator_targets_get_the_spelling_check(clf):
    """``evaluate(texts, (y for y in labels))`` with 'pos ' for 'pos': the list gives the DataError naming the
    spelling, the generator scored every 'pos ' an unseen label (accuracy 0.27 where the list refuses), silently:
    check_known read the generator check_targets had consumed. Fails at 9e7b5a7."""
    X, Y = _data(30, 1)
    bad = ["pos " if y == "pos" else y for y in Y]
    with pytest.raises(DataError, match=r"labels\[\d+\]: expected a label as training wrote it") as listed:
        clf.evaluate(X, bad)
    with pytest.raises(DataError, match=r"labels\[\d+\]: expected a label as training wrote it") as generated:
        clf.evaluate(X, (y for y in bad))
    assert str(generated.value) == str(listed.value)


def test_evaluate_generator_targets_score_as_the_list(clf):
    """A guard: well-spelled labels as a generator give the list's metrics."""
    X, Y = _data(30, 2)
    assert clf.evaluate(X, iter(Y)) == clf.evaluate(X, Y)


def test_fit_generator_val_targets_get_the_spelling_check():
    """``fit(..., val_inputs, (y for y in val_labels))`` with 'pos ' for 'pos': the list is a DataError naming
    val_labels; the generator was read up by the check, so the spelling check saw none and each such item scored 0
    every epoch. Fails at 9e7b5a7."""
    X, Y = _data(60, 3)
    vx, vy = _data(20, 4)
    bad = ["pos " if y == "pos" else y for y in vy]
    cfg = TextClassifierConfig(min_freq=1, embed_dim=4, hidden_size=4, epochs=1, progress=False, combine=False)
    with pytest.raises(DataError, match=r"val_labels\[\d+\]: expected a label as training wrote it") as listed:
        TextClassifier(cfg).fit(X, Y, vx, bad, baselines=False)
    with pytest.raises(DataError, match=r"val_labels\[\d+\]: expected a label as training wrote it") as generated:
        TextClassifier(cfg).fit(X, Y, vx, (y for y in bad), baselines=False)
    assert str(generated.value) == str(listed.value)


# ------------------------------------------------------------------ the network scored by parts
def _long_data(n: int, seed: int) -> tuple[list[str], list[str]]:
    """Texts of 1 to 9 words: with max_len=4 about half are cut."""
    rng = random.Random(seed)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 9))) for _ in range(n)]
    return texts, ["pos" if ("good" in t or "lovely" in t) else "neg" for t in texts]


def _scored(model, call, chunk, monkeypatch):
    """``call()``'s result, its warnings (category, text, items, lengths) and the largest number of texts encoded at
    once, with the network scoring ``chunk`` texts a part."""
    import warnings

    monkeypatch.setattr(classify_unknown, "CHUNK", chunk)
    sizes, encode = [], type(model)._encode

    def spy(self, texts, place=None):
        sizes.append(len(texts))
        return encode(self, texts, place)

    monkeypatch.setattr(type(model), "_encode", spy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = call()
        except DataError as e:
            out = ("DataError", str(e))
    seen = [(w.category.__name__, str(w.message), getattr(w.message, "items", None),
             [int(k) for k in getattr(w.message, "lengths", [])]) for w in caught]
    return out, seen, max(sizes)


@pytest.fixture()
def cut_model(clf):
    """``clf`` reading at most 4 tokens a text (``on_long`` set by the test), put back after."""
    from dataclasses import replace

    config = clf.config
    clf.config = replace(config, max_len=4)
    yield clf
    clf.config = config


def test_evaluate_scores_the_network_by_parts_with_one_calls_figures(cut_model, monkeypatch):
    """``classify evaluate`` on 200k texts peaked ~330 MB above ``classify predict``: the network's probabilities
    were made in one call, every text's tokens held at once. By parts the metrics and the truncation warning
    (count, positions, longest) are one call's. Fails at 9e7b5a7 (all 60 texts encoded at once)."""
    X, Y = _long_data(60, 5)
    whole = _scored(cut_model, lambda: cut_model.evaluate(X, Y), 10 ** 6, monkeypatch)
    parts = _scored(cut_model, lambda: cut_model.evaluate(X, Y), 7, monkeypatch)
    assert whole[2] == 60 and parts[2] <= 7
    assert parts[0] == whole[0]
    assert parts[1] == whole[1] and any(w[0] == "TruncationWarning" for w in whole[1])


def test_predict_proba_by_parts_is_one_calls(cut_model, monkeypatch):
    """The probabilities by parts equal one call's (the class of each text, the numbers within float32 rounding:
    a part's batches hold other texts). Fails at 9e7b5a7 (one call)."""
    import numpy as np

    X, _ = _long_data(60, 6)
    whole = _scored(cut_model, lambda: cut_model.predict_proba(X), 10 ** 6, monkeypatch)
    parts = _scored(cut_model, lambda: cut_model.predict_proba(X), 7, monkeypatch)
    assert parts[2] <= 7 and parts[1] == whole[1]
    assert np.array_equal(parts[0].argmax(1), whole[0].argmax(1))
    np.testing.assert_allclose(parts[0], whole[0], rtol=0, atol=1e-6)


def test_on_long_error_by_parts_names_one_calls_count(cut_model, monkeypatch):
    """``on_long="error"``: the DataError counts every long text (first index, longest) as one call does, not the
    first part's. Fails at 9e7b5a7 (one call: all 60 texts encoded at once)."""
    from dataclasses import replace

    cut_model.config = replace(cut_model.config, on_long="error")
    X, Y = _long_data(60, 7)
    whole = _scored(cut_model, lambda: cut_model.evaluate(X, Y), 10 ** 6, monkeypatch)
    parts = _scored(cut_model, lambda: cut_model.evaluate(X, Y), 7, monkeypatch)
    assert whole[0][0] == "DataError" and "expected at most max_len=4 tokens" in whole[0][1]
    assert parts[0] == whole[0] and parts[1] == whole[1] and parts[2] <= 7


def test_tagger_evaluate_still_refuses_a_generator_of_tag_lists():
    """A guard of the classifier's replay: the tagger's check refuses a one-shot iterator of tag lists (fit and
    evaluate alike, helper A's 0f7dec3); evaluate must not read it into a list first."""
    from rnnkit.errors import InputTypeError
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    rng = random.Random(0)
    kind = {"the": "DET", "dog": "NOUN", "cat": "NOUN", "runs": "VERB"}
    sents = [[rng.choice(list(kind)) for _ in range(rng.randint(1, 5))] for _ in range(30)]
    tags = [[kind[w] for w in s] for s in sents]
    model = SequenceTagger(TaggerConfig(epochs=1, progress=False, val_fraction=0.0)).fit(sents, tags, baselines=False)
    with pytest.raises(InputTypeError, match=r"^tags: expected a list of tag lists \(one per sentence\), got generator$"):
        model.evaluate(sents, (t for t in tags))


def test_a_sentences_tags_as_a_generator_are_refused():
    """A sentence's tags as a one-shot iterator were read up by the check: evaluate's spelling check then saw none
    ('DET ' for 'DET' scored as unseen tags, token accuracy 0.65 where the list is a DataError) and fit took no type
    from them (int tags predicted as text). Refused now, as a sentence's tokens given so are. Fails at 9e7b5a7."""
    from rnnkit.errors import InputTypeError
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    rng = random.Random(1)
    kind = {"the": "DET", "dog": "NOUN", "cat": "NOUN", "runs": "VERB"}
    sents = [[rng.choice(list(kind)) for _ in range(rng.randint(1, 5))] for _ in range(30)]
    tags = [[kind[w] for w in s] for s in sents]
    model = SequenceTagger(TaggerConfig(epochs=1, progress=False, val_fraction=0.0)).fit(sents, tags, baselines=False)
    bad = [[t if t != "DET" else "DET " for t in x] for x in tags]
    with pytest.raises(InputTypeError, match=r"^tags\[0\]: expected a list of tags \(one per token\), got list_iterator$"):
        model.evaluate(sents, [iter(t) for t in bad])
    with pytest.raises(InputTypeError, match=r"^tags\[0\]: expected a list of tags \(one per token\), got generator$"):
        SequenceTagger(TaggerConfig(epochs=1, progress=False)).fit(sents, [(g for g in t) for t in tags])
