"""Session 23, helper G: character generation and Hopfield memory under hostile inputs."""

import pytest
import torch

from rnnkit.tasks.generation import CharLM, CharLMConfig
from rnnkit.tasks.generation import lm as lm_module


def _config(**kw):
    base = dict(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=3, chunks_per_round=2, progress=False,
                seed=0)
    base.update(kw)
    return CharLMConfig(**base)


@pytest.mark.parametrize("text, kw", [
    ("abcabcab", dict(batch_size=4, bptt=50)),               # streams of 1 column: shorter than one chunk
    ("abcab\n" * 9, dict(batch_size=2, bptt=5, chunks_per_round=2)),   # 26 columns: rounds 10, 10, 6; chunks 5, 1
    ("abcab\n" * 9, dict(batch_size=3, bptt=4, chunks_per_round=3, rounds=5)),   # passes wrap around
])
def test_chars_seen_counts_the_characters_trained_on(monkeypatch, text, kw):
    # the curve's chars_seen was steps * batch_size * bptt: a round's last chunk is shorter and a short text's
    # streams may be shorter than one chunk (8 characters in 4 streams were counted 200 after one step, not 4)
    seen = []                                      # oracle: the targets of every training forward, as run
    forward = lm_module.CharLMNet.forward

    def counting(self, ids, state=None):
        if self.training:
            seen.append(ids.numel())               # one target per input, one character per unit (ASCII)
        return forward(self, ids, state)

    monkeypatch.setattr(lm_module.CharLMNet, "forward", counting)
    lm = CharLM(_config(**kw)).fit(text, baselines=False)
    curve = lm.history["curve"]
    assert len(curve) == kw.get("rounds", 3)
    for row in curve:
        assert row["chars_seen"] == sum(seen[: row["steps"]]), (row, seen)

