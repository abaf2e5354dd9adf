"""Session 34, helper R: the tagger's leftovers of session 33 (each test fails on the code before its fix)."""

from __future__ import annotations

import types
import warnings

import pytest
import torch
import torch.nn.functional as F

from rnnkit.tasks import tagging
from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

SMALL = dict(word_dim=8, char_dim=4, char_hidden=4, hidden_size=8, epochs=1, batch_size=4, val_fraction=0.0,
             progress=False)


def _long_tagging_data():
    words = ["Anna", "lebt", "in", "Rom", "und", "Bob", "mag", "Paris"]
    tags = {"Anna": "B-PER", "Bob": "B-PER", "Rom": "B-LOC", "Paris": "B-LOC"}
    sents = [[words[(i * 3 + j) % len(words)] for j in range(n)] for i, n in enumerate([3, 12, 5, 9, 2, 11])]
    return sents, [[tags.get(w, "O") for w in s] for s in sents]


def test_a_tagger_trains_on_every_token_of_a_sentence_longer_than_max_len(monkeypatch):
    # session 33: a training sentence longer than max_len was cut to its first max_len tokens (a count warned, its
    # tail's tags never trained on); now it trains in overlapping pieces, each token's loss counted once
    sents, tags = _long_tagging_data()
    seen = []

    def counting(logits, target, **kw):
        seen.append(int((target != -100).sum()))
        return F.cross_entropy(logits, target, **kw)

    monkeypatch.setattr(tagging, "F", types.SimpleNamespace(cross_entropy=counting))
    torch.manual_seed(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SequenceTagger(TaggerConfig(**SMALL, max_len=4)).fit(sents, tags, baselines=False)
    assert sum(seen) == sum(map(len, sents))            # one epoch: every token once (cut at max_len: 21 of 42)
    said = [str(w.message) for w in caught if "max_len=4" in str(w.message)]
    assert said == ["sentences: trained on 4 of 6 longer than max_len=4 in overlapping pieces of 4 tokens (each "
                    "token's loss counted once; raise max_len to read them whole)"]


def test_a_tagger_with_on_long_error_still_refuses_a_long_training_sentence():
    from rnnkit.errors import DataError

    sents, tags = _long_tagging_data()
    with pytest.raises(DataError, match="at most max_len=4 tokens, got 4 longer"):
        SequenceTagger(TaggerConfig(**SMALL, max_len=4, on_long="error")).fit(sents, tags, baselines=False)

