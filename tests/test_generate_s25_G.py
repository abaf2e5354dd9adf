"""Session 25, helper G: the char LM's n-gram baseline on a text whose counts do not fit in memory."""

from __future__ import annotations

import random

import pytest

import rnnkit.tasks.generation.ngram as ngram
from rnnkit.errors import ConfigError
from rnnkit.tasks.generation import CharLM, CharLMConfig, NGramCharModel

TINY = dict(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1, chunks_per_round=1, progress=False)


def _ideographs(n_chars, alphabet=1200, seed=0):
    rng = random.Random(seed)
    chars = [chr(0x4E00 + i) for i in range(alphabet)]
    return "".join(rng.choice(chars) for _ in range(n_chars))


@pytest.mark.parametrize("order", [1, 2, 3])
def test_memory_need_counts_the_contexts_fit_makes(order, monkeypatch):
    """The distinct contexts and counts memory_need counts with numpy (pieces overlapping at their edges: a
    piece of 1,000 characters here) are the ones fit builds."""
    monkeypatch.setattr(ngram, "_CHUNK", 1000)
    text = _ideographs(5000)
    m = NGramCharModel(order)
    need, contexts = m.memory_need(text)
    m.fit(text)
    counts = sum(len(c) for c in m.counts.values())
    assert contexts == len(m.counts)
    C = ngram.COUNT_BYTES
    assert need == C["char"] * len(text) + C["context"] * contexts + C["count"] * counts


def test_small_alphabet_bound_is_above_what_fit_makes():
    text = "abcab cab\n" * 300
    m = NGramCharModel(3)
    need, contexts = m.memory_need(text)
    m.fit(text)
    assert contexts >= len(m.counts)


def test_counts_beyond_memory_are_refused_before_training(monkeypatch):
    """A 20 MB text of 3,000 CJK ideographs took 4.7 GB in the n-gram's fit (a 155 MB baseline.json), which runs
    after the network has trained: a text five times that size was killed by the OOM killer after the training, the
    run lost. At 77ec123 the fit below trains and fits the baseline, never refused. Now a ConfigError naming
    baselines and the flags that lift it, before any training."""
    text = _ideographs(20000)
    need, _ = NGramCharModel(3).memory_need(text)
    monkeypatch.setattr(ngram, "available_memory", lambda device="cpu": need - 1, raising=False)
    lm = CharLM(CharLMConfig(**TINY))
    with pytest.raises(ConfigError, match=r"^baselines: expected an n-gram baseline whose counts fit in memory .*"
                                          r"--baseline-order .*--no-baseline"):
        lm.fit(text)
    assert lm.net is None and lm.history == {}          # nothing trained
    lm.fit(text, baselines=False)            # without the baseline: trains
    assert lm.baselines == {}
    monkeypatch.setattr(ngram, "available_memory", lambda device="cpu": need, raising=False)
    assert "ngram" in CharLM(CharLMConfig(**TINY)).fit(text).baselines     # just fits: fitted
