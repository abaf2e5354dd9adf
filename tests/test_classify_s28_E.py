"""Scoring by parts (session 28, helper E): a fitted linear model (TF-IDF + LR, NB-LR: the classifier's baselines and
combination members) makes the features of SCORE_PART texts at a time, with the same scores as one call.

Oracle: the scores of one call on every text (SCORE_PART larger than the input); the largest number of texts
whose features were made at once.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from rnnkit.tasks import classify_linear
from rnnkit.tasks.classify_linear import NbLogReg, TfidfLogReg


def _texts(n: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    words = ["good", "bad", "fine", "poor", "movie", "plot", "the", "was", "so", "lovely", "dull", "été"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 8))) for _ in range(n)]
    return texts, ["pos" if ("good" in t or "lovely" in t) else "neg" for t in texts]


@pytest.mark.parametrize("kind", [TfidfLogReg, NbLogReg], ids=["tfidf_lr", "nb_lr"])
@pytest.mark.parametrize("classes", [2, 3])
def test_scores_by_parts_are_one_calls_and_no_part_is_larger(monkeypatch, kind, classes):
    """``classify evaluate`` on 200k texts peaked at 1.6 GB (predict: 0.55): each linear model made the features
    of every text at once. Fails at 9e7b5a7 (the features of all 50 texts made in one call)."""
    texts, labels = _texts(120, 0)
    if classes == 3:
        labels = [lab if i % 3 else "mixed" for i, lab in enumerate(labels)]
    model = kind(C=1.0).fit(texts, labels)
    new, _ = _texts(50, 1)
    monkeypatch.setattr(classify_linear, "SCORE_PART", 10 ** 6, raising=False)
    whole_proba, whole = model.proba_for(new, sorted(set(labels))), model.predict(new)
    sizes = []
    features = kind._features

    def counted(self, part):
        sizes.append(len(part))
        return features(self, part)

    monkeypatch.setattr(kind, "_features", counted)
    monkeypatch.setattr(classify_linear, "SCORE_PART", 8, raising=False)
    proba, pred = model.proba_for(new, sorted(set(labels))), model.predict(new)
    assert max(sizes) <= 8 and sum(sizes) == 2 * len(new)
    assert np.array_equal(proba, whole_proba) and pred == whole          # the same numbers, bit for bit
