"""``ModernHopfield.recall`` scales the stored patterns once per recall, not every step (session 29, from helper P's
measurement: ~22% of a recall on 50 digit patterns). Byte-identical to one ``hopfield_update`` per step -- this is a
guard of that equality (the change is a speed one: timings are never asserted), over queries of both sizes and
patterns near float32's range, where the power-of-two scaling is what keeps the dot products finite."""

from __future__ import annotations

import pytest
import torch

from rnnkit.hopfield import ModernHopfield, hopfield_update

G = torch.Generator().manual_seed(0)


@pytest.mark.parametrize("scale", [1.0, 1e30])
@pytest.mark.parametrize("B", [1, 7])
def test_recall_equals_one_update_per_step(B, scale):
    patterns = torch.randn(12, 16, generator=G) * scale
    memory = ModernHopfield(beta=0.5).store(patterns)
    queries = patterns[:B] + 0.3 * scale * torch.randn(B, 16, generator=G)
    got = memory.recall(queries, max_steps=5, tol=0.0)
    xi = queries.clone()
    for _ in range(5):
        xi, att = hopfield_update(xi, patterns, 0.5)
    assert torch.equal(got.states, xi) and torch.equal(got.attention, att)
