"""Session 26, helper D: labels that mix numbers and words ('pos', 'neg', '0'; ["pos", 0]) trained a class '0'
silently at ef8d4e0; scikit-learn refuses them ('Mix of label input types (string and number)'). Now warned at
fit, the classes kept (all numbers or all words are fine, and a mix may be meant).
"""

from __future__ import annotations

import warnings

import pytest


@pytest.mark.parametrize("labels, warned", [
    (["pos", "neg", "0", "pos"], "1 label(s) are numbers and 2 are words, e.g. '0' (labels[2]) and 'pos' (labels[0])"),
    (["B-PER", "O", "0", "I-PER"], "'0' (labels[2]) and 'B-PER' (labels[0])"),     # a zero typed for the letter O
    (["1", "2", "3", "unrated", "1.5", "-2e3"], "5 label(s) are numbers and 1 are words"),
    (["1", "2", "10"], None), (["pos", "neg"], None), (["1 star", "2 stars"], None),  # one kind: fine
    (["inf", "nan", "pos"], None), (["1_000", "pos"], None), (["١", "pos"], None),  # no decimal number (ASCII digits)
])
def test_numbers_among_word_labels_are_warned(labels, warned):
    from rnnkit.tasks.classify_data import warn_mixed_kinds

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warn_mixed_kinds(labels)
    assert [str(w.message) for w in seen if warned and warned in str(w.message)] == [str(w.message) for w in seen]
    assert bool(seen) == (warned is not None)


@pytest.mark.parametrize("given", [["pos"] * 5 + ["neg"] * 5 + ["0"] * 2, ["pos"] * 5 + ["neg"] * 5 + [0] * 2])
def test_a_classifier_fit_on_words_and_a_number_warns_naming_the_caller(given):
    """At ef8d4e0 a CSV label column with 'pos', 'neg' and '0' (or a Python list ["pos", ..., 0]) trained a class
    '0' silently; scikit-learn refuses such labels. The classes are kept (numbers as text are legal labels)."""
    from toy_data import CLASSIFY_FAST

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = [f"good film {i}" for i in range(5)] + [f"bad film {i}" for i in range(5)] + ["meh", "so so"]
    clf = TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 1}))
    with pytest.warns(UserWarning, match=r"^labels: 1 label\(s\) are numbers and 2 are words, e\.g\. '0' "
                                         r"\(labels\[10\]\) and 'pos' \(labels\[0\]\): each number is trained as a "
                                         r"class of its own \(2 item\(s\)\)") as seen:
        clf.fit(texts, given, baselines=False)
    assert [w.filename for w in seen if "are numbers" in str(w.message)] == [__file__]
    assert sorted(clf.classes) == ["0", "neg", "pos"]
