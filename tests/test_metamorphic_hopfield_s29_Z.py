"""Metamorphic relations of the Hopfield memories (session 29, helper Z), on scikit-learn's digits.

Classical (Hebbian): the stored patterns' order, and storing them in two calls, give the same weights and the same
recall; the cues permuted give the recalls permuted (sync, and async under one seed: one sweep order is drawn per
sweep for the whole batch); a cue alone = its row of the batch; a negated cue recalls the negated state (E(-s) =
E(s)). Storkey's rule is sequential by definition: the order of the patterns changes its weights (0.04 at N=64,
P=6, measured), so only the cue relations are asserted for it.

Modern: the patterns' order permuted gives the same retrieval and the attention permuted; the queries permuted
give the retrievals permuted; patterns and queries rotated by one orthogonal matrix give the rotated retrieval and
the same energy (the energy reads dot products and norms only); scaled by c with beta / c**2 the same attention.
"""

import pytest
import torch
from sklearn.datasets import load_digits

from rnnkit.hopfield import HopfieldNetwork, ModernHopfield

pytestmark = pytest.mark.usefixtures("one_thread_module")

DIGITS = torch.tensor(load_digits().data[:40], dtype=torch.float64)


def _cues():
    patterns = torch.where(DIGITS[:6] > 7, 1.0, -1.0)
    g = torch.Generator().manual_seed(0)
    noisy = patterns.clone()
    noisy[torch.rand(patterns.shape, generator=g) < 0.15] *= -1
    return patterns, noisy


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
def test_classical_recall_relations(rule, mode):
    patterns, cues = _cues()
    memory = HopfieldNetwork(64, rule, dtype=torch.float64).store(patterns)
    result = memory.recall(cues, mode, seed=5)
    if rule == "hebbian":
        order = torch.tensor([3, 1, 5, 0, 2, 4])
        other = HopfieldNetwork(64, rule, dtype=torch.float64).store(patterns[order])
        assert torch.equal(other.weights, memory.weights)
        assert torch.equal(other.recall(cues, mode, seed=5).states, result.states)
    two_calls = HopfieldNetwork(64, rule, dtype=torch.float64).store(patterns[:3]).store(patterns[3:])
    assert torch.allclose(two_calls.weights, memory.weights, atol=1e-12)

    perm = torch.tensor([2, 0, 5, 1, 4, 3])
    permuted = memory.recall(cues[perm], mode, seed=5)
    assert torch.equal(permuted.states, result.states[perm]) and torch.equal(permuted.steps, result.steps[perm])
    for i in range(len(cues)):
        assert torch.equal(memory.recall(cues[i:i + 1], mode, seed=5).states[0], result.states[i]), i
    negated = memory.recall(-cues, mode, seed=5)
    assert torch.equal(negated.states, -result.states)
    assert torch.allclose(negated.energy, result.energy)


def test_modern_recall_relations():
    g = torch.Generator().manual_seed(0)
    patterns = torch.nn.functional.normalize(DIGITS - DIGITS.mean(), dim=1)
    queries = patterns[:8] + 0.05 * torch.randn(8, 64, generator=g, dtype=torch.float64)
    memory = ModernHopfield(beta=8.0).store(patterns)
    result = memory.recall(queries)

    order = torch.randperm(40, generator=g)
    shuffled = ModernHopfield(beta=8.0).store(patterns[order]).recall(queries)
    assert torch.allclose(shuffled.states, result.states, atol=1e-12)
    assert torch.allclose(shuffled.attention, result.attention[:, order], atol=1e-12)

    perm = torch.tensor([7, 3, 0, 1, 2, 6, 5, 4])
    permuted = memory.recall(queries[perm])
    assert torch.allclose(permuted.states, result.states[perm], atol=1e-12)
    assert torch.equal(permuted.steps, result.steps[perm])

    Q, _ = torch.linalg.qr(torch.randn(64, 64, generator=g, dtype=torch.float64))
    rotated = ModernHopfield(beta=8.0).store(patterns @ Q)
    assert torch.allclose(rotated.energy(queries @ Q), memory.energy(queries), atol=1e-12)
    # the recall stops within tol=1e-6 of its fixed point, so the rotated run agrees to that tolerance
    assert torch.allclose(rotated.recall(queries @ Q).states, result.states @ Q, atol=1e-5)

    c = 3.0
    scaled = ModernHopfield(beta=8.0 / c ** 2).store(patterns * c).recall(queries * c)
    assert torch.allclose(scaled.attention, result.attention, atol=1e-5)
    assert torch.allclose(ModernHopfield(beta=8.0 / c ** 2).store(patterns * c).energy(queries * c),
                          c ** 2 * memory.energy(queries), atol=1e-10)
