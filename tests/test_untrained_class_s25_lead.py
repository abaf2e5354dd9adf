"""A class no training text has, held in the validation part (session 25, lead, from helper X's notes): a rare
class whose few texts all went to the random validation split -- or a given validation part with a label training
lacks -- was trained on nothing, never predicted, and counted as errors in the validation score epoch after epoch,
without a word. Now one warning names the label and how many of the part's texts carry it; ordinary splits (every
class on both sides) say nothing."""

from __future__ import annotations

import warnings

import pytest

pytestmark = pytest.mark.usefixtures("one_thread_module")

TINY = dict(embed_dim=4, hidden_size=4, epochs=1, batch_size=8, min_freq=1, embeddings="own", tokenizer="words",
            combine=False, progress=False)
TEXTS = ["good fine nice", "bad awful", "nice good", "awful bad bad"] * 6
LABELS = ["pos", "neg", "pos", "neg"] * 6


def _fit(*args, **kw):
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = TextClassifier(TextClassifierConfig(**{**TINY, **kw})).fit(*args, baselines=False)
    return clf, [str(w.message) for w in caught if "no training text has" in str(w.message)], caught


def test_a_given_validation_label_that_training_lacks_is_warned_naming_it():
    clf, said, caught = _fit(TEXTS, LABELS, ["good nice", "meh so so", "bad", "meh"], ["pos", "meh", "neg", "meh"])
    assert said == ["labels: the validation part holds 1 label(s) that no training text has, e.g. 'meh' (2 of the "
                    "part's 4 texts): no model trained on the training part can predict them, so they count as errors "
                    "in the validation score"]
    assert "meh" not in clf.classes
    assert [w.filename for w in caught if "no training text has" in str(w.message)] == [__file__]   # names fit's caller


def test_a_rare_class_taken_whole_by_the_random_split_is_warned():
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts, labels = TEXTS + ["odd one out"], LABELS + ["rare"]
    for seed in range(40):      # a seed whose split holds the one 'rare' text out (25 texts, 0.2 held out)
        clf, said, _ = _fit(texts, labels, val_fraction=0.2, seed=seed)
        if "rare" not in clf.classes:
            assert len(said) == 1 and "e.g. 'rare' (1 of the part's" in said[0]
            break
        assert said == []
    else:
        pytest.fail("no seed held the rare text out")


def test_every_class_on_both_sides_says_nothing():
    _, said, _ = _fit(TEXTS, LABELS, val_fraction=0.25)
    assert said == []
    _, said, _ = _fit(TEXTS, LABELS, ["good", "bad"], ["pos", "neg"])
    assert said == []
