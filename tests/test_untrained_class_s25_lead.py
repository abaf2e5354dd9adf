"""A class no training item has, held in a given validation part (session 25, lead, from helper X's notes): it was
trained on nothing, never predicted, and counted as errors in the validation score epoch after epoch, without a
word. Now one warning names the label and how many of the part's items carry it. A random validation split that
takes a class whole keeps its one warning of session 17 (``warn_lost_classes``: W's review found bb05302 said it
twice); the CLI's --test-fraction split that does says so once; ordinary splits say nothing."""

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
    return clf, [str(w.message) for w in caught if "no training item has" in str(w.message)], caught


def test_a_given_validation_label_that_training_lacks_is_warned_naming_it():
    clf, said, caught = _fit(TEXTS, LABELS, ["good nice", "meh so so", "bad", "meh"], ["pos", "meh", "neg", "meh"])
    assert said == ["val_labels: the validation part holds 1 label(s) that no training item has, e.g. 'meh' (2 of "
                    "the part's 4 items): the network never trains on them, and the validation score counts them as "
                    "errors"]
    assert "meh" not in clf.classes
    assert [w.filename for w in caught if "no training item has" in str(w.message)] == [__file__]   # names fit's caller


def test_a_rare_class_taken_whole_by_the_random_split_is_warned_once():
    texts, labels = TEXTS + ["odd one out"], LABELS + ["rare"]
    for seed in range(40):      # a seed whose split holds the one 'rare' text out (25 texts, 0.2 held out)
        clf, said, caught = _fit(texts, labels, val_fraction=0.2, seed=seed)
        lost = [str(w.message) for w in caught if "rare" in str(w.message)]
        assert said == []
        if "rare" not in clf.classes:
            assert len(lost) == 1 and "the validation split holds every training text" in lost[0], lost
            break
    else:
        pytest.fail("no seed held the rare text out")


def test_the_cli_test_split_that_takes_a_class_whole_says_so_once():
    from rnnkit.tasks.classify_data import check_test_split

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_test_split(["a", "b", "a", "b"], ["c", "a"], ["a", "b", "a", "b", "c", "a"])
    assert [str(w.message) for w in caught] == [
        "labels: the test part holds 1 label(s) that no training text has, e.g. 'c' (1 of the part's 2 texts): the "
        "network never trains on them, and the test score counts them as errors"]


def test_every_class_on_both_sides_says_nothing():
    _, said, _ = _fit(TEXTS, LABELS, val_fraction=0.25)
    assert said == []
    _, said, _ = _fit(TEXTS, LABELS, ["good", "bad"], ["pos", "neg"])
    assert said == []
