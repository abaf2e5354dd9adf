"""Session 25, helper G: translation at scale -- IBM-1 on a long sentence pair."""

from __future__ import annotations

import random
import tracemalloc

import numpy as np
import pytest

import rnnkit.tasks.seq2seq_words as sw
from rnnkit.tasks.seq2seq_words import IBM1
from test_tasks_seq2seq_pointer import _reference_ibm1   # IBM-1 EM written the plain way, pair by pair


def _corpus(seed=0, n=40, long=0):
    rng = random.Random(seed)
    src = [[f"f{rng.randint(0, 12)}" for _ in range(rng.randint(1, 7))] for _ in range(n)]
    tgt = [[f"e{rng.randint(0, 12)}" for _ in range(rng.randint(1, 7))] for _ in range(n)]
    if long:
        src.insert(3, [f"f{rng.randint(0, 12)}" for _ in range(long)])
        tgt.insert(3, [f"e{rng.randint(0, 12)}" for _ in range(long)])
    return src, tgt


@pytest.mark.parametrize("block_rows", [1 << 21, 50, 7, 1])
def test_ibm1_blocks_give_the_model_by_hand(monkeypatch, block_rows):
    """Whatever the block size (one block; blocks of several pairs; a long pair's target words cut across
    blocks; one row's worth, smaller than a target word's rows), the probabilities are IBM-1's."""
    monkeypatch.setattr(sw, "BLOCK_ROWS", block_rows, raising=False)
    src, tgt = _corpus(long=60)
    m = IBM1().fit(src, tgt)
    ref = _reference_ibm1(src, tgt, 5)
    got = {(m.f_words[f], m.e_words[e]): p for (f, e), p in zip(m.pairs.tolist(), m.prob.tolist())}
    assert got.keys() == ref.keys()
    for k, p in ref.items():
        assert got[k] == pytest.approx(p, rel=1e-9, abs=1e-15), k


def test_ibm1_long_pair_is_fitted_block_by_block(monkeypatch):
    """A pair of 5,000 words a side held its 25 million (target, source) rows at once: 2.2 GB of peak memory at
    77ec123 (20,000 words a side: about 35 GB, the OOM killer). Now at most BLOCK_ROWS rows are expanded at a time.
    Here 1,000 words a side (a million rows, 8 bytes each per row array: eight or more at once before) with blocks
    of 2**14 rows: numpy's allocations (traced by tracemalloc) stay under a fifth of one row array of the pair."""
    monkeypatch.setattr(sw, "BLOCK_ROWS", 1 << 14, raising=False)
    rng = np.random.default_rng(0)
    src = [[f"f{i}" for i in rng.integers(0, 40, 1000)], ["a"]]
    tgt = [[f"e{i}" for i in rng.integers(0, 40, 1000)], ["b"]]
    tracemalloc.start()
    try:
        m = IBM1(iterations=2).fit(src, tgt)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1001 * 1000 * 8 / 5, peak
    assert m.best["a"] == "b"      # the short pair's words: each other's translation
