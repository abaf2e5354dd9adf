"""evaluate's targets given another way (session 28, helper G): the same data as a list, a one-shot iterator
(a generator), a numpy array or a pandas Series gives the same figures and the same checks.

Oracle: the list's result (its DataError, its metrics).
"""

from __future__ import annotations

import random

import pytest
import torch

from rnnkit.errors import DataError
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
