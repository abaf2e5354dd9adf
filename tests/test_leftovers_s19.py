"""Session 19, helper X: defects other helpers found and left. Each test fails on the code before its fix
(session start a4af298) unless it says otherwise."""

from __future__ import annotations

import pytest

from rnnkit.errors import DataError

pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)

LIN_TEXTS = ["good movie", "bad movie", "good film", "bad film", "so good", "so bad"] * 5


# ----------------------------------------------------------------------------- one two-classes rule
def test_the_two_classes_rule_is_written_once():
    # before: tasks/base.py (ClassifierTask.check_trainable) and tasks/classify_linear.py (_two_classes) each wrote
    # the rule and its message; a change to one would leave the other behind
    from rnnkit.tasks import base, classify_linear, common

    assert base.check_two_classes is common.check_two_classes
    assert classify_linear.check_two_classes is common.check_two_classes
    with pytest.raises(DataError, match=r"^y: expected at least 2 classes, got \['p'\]$"):
        common.check_two_classes(iter(["p", "p"]), "y")          # an iterable is read once
    common.check_two_classes(["p", "n"])                          # two classes: no error


@pytest.mark.parametrize("kind", ["TfidfLogReg", "NbLogReg", "TextClassifier"])
def test_every_classifier_refuses_one_class_with_the_same_text(kind):
    from rnnkit.tasks import classify_linear
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.classify_config import TextClassifierConfig

    if kind == "TextClassifier":
        model = TextClassifier(TextClassifierConfig(epochs=1, embed_dim=4, hidden_size=4, progress=False))
    else:
        model = getattr(classify_linear, kind)(C=1.0)
    with pytest.raises(DataError, match=r"^labels: expected at least 2 classes, got \['p'\]$"):
        model.fit(LIN_TEXTS, ["p"] * len(LIN_TEXTS))
