"""Session 25, helper G: tagging with a very large tag set -- log-probabilities held a group at a time."""

from __future__ import annotations

import random

import pytest

import rnnkit.tasks.tagging as tagging
from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

SMALL = dict(word_dim=8, char_dim=4, char_hidden=4, hidden_size=8, epochs=2, batch_size=4, max_len=6,
             val_fraction=0.2, progress=False)


def _data(n_sents=30, seed=0):
    rng = random.Random(seed)
    sents = [[f"w{rng.randint(0, 20)}" for _ in range(rng.randint(1, 5))] for _ in range(n_sents)]
    sents[4] = [f"w{rng.randint(0, 20)}" for _ in range(15)]          # longer than max_len: read in pieces
    tags = [[f"T{k}" for k in range(i * 5, i * 5 + len(s))] for i, s in enumerate(sents)]   # a tag a token (many)
    return sents, tags


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_predict_and_validation_hold_one_group_of_log_probabilities(monkeypatch):
    """100,000 tags (one a token): predict and the validation score held every sentence's (tokens, tags)
    log-probabilities at once -- 8 GB over 20,000 validation tokens, an allocator RuntimeError after 5 minutes at
    77ec123. Now each call of _logps covers sentences whose log-probabilities fit GROUP_BYTES (here about 6
    tokens' worth), and the tags are those of one call over all (the same network, the same decoding)."""
    sents, tags = _data()
    tagger = SequenceTagger(TaggerConfig(**SMALL)).fit(sents, tags, baselines=False)
    K = len(tagger.tags)
    calls = []
    real = SequenceTagger._logps

    def spy(self, group):
        calls.append(sum(len(s) for s in group))
        return real(self, group)

    monkeypatch.setattr(SequenceTagger, "_logps", spy)
    monkeypatch.setattr(tagging, "GROUP_BYTES", 1 << 40, raising=False)
    whole = tagger.predict(sents)
    assert len(calls) == 1
    calls.clear()
    monkeypatch.setattr(tagging, "GROUP_BYTES", 4 * K * 6, raising=False)
    grouped = tagger.predict(sents)
    assert grouped == whole and [len(t) for t in grouped] == [len(s) for s in sents]
    assert len(calls) > 1 and all(n <= 6 or n == 15 for n in calls), calls   # the 15-token sentence alone
    calls.clear()
    SequenceTagger(TaggerConfig(**SMALL)).fit(sents, tags, baselines=False)   # its validation scored in groups
    assert len(calls) > 1 and all(n <= 6 or n == 15 for n in calls), calls
