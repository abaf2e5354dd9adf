"""Session 25, helper W: review of the session's commits -- what an ordinary input lost with them."""

from __future__ import annotations

import numpy as np
import pytest

import rnnkit.tasks.seq2seq_words as sw
import test_seq2seq_s25_G as g   # (the module: its test functions are not collected again here)


@pytest.mark.parametrize("block_rows", [600, 1500])
def test_ibm1_of_a_few_blocks_expands_each_row_once(monkeypatch, block_rows):
    """860e2fe cut IBM-1's rows into blocks of BLOCK_ROWS and, past one block, expanded every block again in each EM
    iteration (a Python loop over the pairs, numpy 2's hash-based unique, a searchsorted of every row): 59k
    trans-de-en pairs (5.9M rows, three blocks) fit in 10-12 s where 77ec123 took 4. Up to KEEP_BLOCKS blocks
    the rows' types are now kept from the first expansion: each block's rows are made once (here 3-8 blocks), and
    the probabilities are still IBM-1's (G's check against the EM written pair by pair)."""
    made = []
    rows = sw._rows
    monkeypatch.setattr(sw, "_rows", lambda pairs, block, n_e: made.append(1) or rows(pairs, block, n_e))
    monkeypatch.setattr(sw, "BLOCK_ROWS", block_rows)
    src, tgt = g._corpus(long=60)
    blocks = len(sw._row_blocks([(np.zeros(len(f) + 1), np.zeros(len(e))) for f, e in zip(src, tgt)]))
    assert 2 <= blocks <= getattr(sw, "KEEP_BLOCKS", 8)
    g.test_ibm1_blocks_give_the_model_by_hand(monkeypatch, block_rows)   # fits IBM1() (5 iterations) on _corpus(long=60)
    assert len(made) == blocks          # 860e2fe: blocks * (1 + 5 iterations)
