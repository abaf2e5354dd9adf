"""Session 35, helper H: Hopfield ties under Storkey learning, small weights read as whole numbers, the capacity
warning. Oracles: the dynamics in exact rational arithmetic (fractions.Fraction), scale invariance of sign dynamics."""

from __future__ import annotations

import warnings
from fractions import Fraction

import pytest
import torch

from rnnkit.hopfield import HopfieldNetwork
from rnnkit.hopfield.classical import CapacityWarning, capacity

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _exact_storkey(X: torch.Tensor) -> list[list[Fraction]]:
    """Storkey's rule (the module docstring's element form) in exact rationals."""
    P, N = X.shape
    W = [[Fraction(0)] * N for _ in range(N)]
    for xi in ([int(v) for v in row] for row in X.tolist()):
        h = [sum(W[i][k] * xi[k] for k in range(N)) for i in range(N)]   # w_ii = 0
        W = [[(W[i][j] + Fraction(xi[i] * xi[j], N) - (xi[i] * (h[j] - W[j][i] * xi[i])
                                                       + (h[i] - W[i][j] * xi[j]) * xi[j]) / N) if i != j else Fraction(0)
              for j in range(N)] for i in range(N)]
    return W


def _exact_sync(W, s: list[int], max_steps: int = 100) -> list[int]:
    """Sync dynamics with exact fields, a unit keeping its state on a field of 0, frozen at a fixed point or at the
    state that repeats the one before last (a 2-cycle), as HopfieldNetwork.recall does."""
    prev = None
    for _ in range(max_steps):
        h = [sum(w * v for w, v in zip(row, s)) for row in W]
        new = [1 if f > 0 else -1 if f < 0 else v for f, v in zip(h, s)]
        if new == s or new == prev:
            return new
        prev, s = s, new
    return s


@pytest.mark.parametrize("n_units,n_patterns,seed", [(9, 2, 0), (17, 2, 1), (9, 3, 0), (17, 3, 0)])
def test_storkey_recall_keeps_a_unit_whose_exact_field_is_zero_in_any_batch(n_units, n_patterns, seed):
    """Storkey's weights give exact-0 fields (units with the same value in every pattern, a cue balancing them), and
    ``s @ W.T`` rounded each to +-1e-8 with a sign set by the batch's GEMM blocking: at 85b997f 223 of 5,040 cues
    (N 9..64, P 2..4) ended elsewhere recalled alone than in a batch of 40. Oracle: the dynamics in exact rationals
    from the exact Storkey weights; each cue alone and in the batch gives its result."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randint(0, 2, (n_patterns, n_units), generator=g).float() * 2 - 1
    net = HopfieldNetwork(n_units, "storkey").store(X)
    W = _exact_storkey(X)
    assert all(any(row) for row in W)      # no unit whose exact weights all vanish (their float ones are noise)
    cues = torch.randint(0, 2, (40, n_units), generator=g).float() * 2 - 1
    batch = net.recall(cues, mode="sync").states
    ties = 0
    for b in range(cues.shape[0]):
        s = [int(v) for v in cues[b].tolist()]
        ties += sum(sum(w * v for w, v in zip(row, s)) == 0 for row in W)
        want = torch.tensor(_exact_sync(W, s), dtype=batch.dtype)
        assert torch.equal(batch[b], want), b
        assert torch.equal(net.recall(cues[b:b + 1], mode="sync").states[0], want), b
    assert ties > 0                         # the premise: the cues meet exact ties


def test_storkey_async_recall_is_the_same_alone_and_in_a_batch():
    """At 85b997f 8 of these 60 cues ended elsewhere alone than in the batch (the same unit order: seed 5)."""
    g = torch.Generator().manual_seed(2)
    X = torch.randint(0, 2, (2, 9), generator=g).float() * 2 - 1
    net = HopfieldNetwork(9, "storkey").store(X)
    cues = torch.randint(0, 2, (60, 9), generator=g).float() * 2 - 1
    batch = net.recall(cues, mode="async", seed=5)
    for b in range(cues.shape[0]):
        one = net.recall(cues[b:b + 1], mode="async", seed=5)
        assert torch.equal(one.states[0], batch.states[b]) and int(one.steps[0]) == int(batch.steps[b]), b


@pytest.mark.parametrize("scale", [1e-6, 1e-9])
def test_a_scaled_hebbian_network_recalls_as_the_unscaled_one(scale):
    """Review W1 (session 35): weights whose N*W were all below 1e-5 passed _whole_fields' test ("whole within 1e-5
    of the largest") with every entry rounded to 0, so recall ran a network with no connections and returned every
    cue as a fixed point. Sign dynamics do not depend on a positive scale: the oracle is the unscaled network."""
    g = torch.Generator().manual_seed(0)
    X = torch.randint(0, 2, (5, 60), generator=g).float() * 2 - 1
    net = HopfieldNetwork(60).store(X)
    small = HopfieldNetwork.from_weights(net.weights * scale)
    cues = X.clone()
    cues[:, :12] *= -1
    for mode in ("sync", "async"):
        want, got = net.recall(cues, mode=mode, seed=1), small.recall(cues, mode=mode, seed=1)
        assert not torch.equal(want.states, cues)      # the premise: the dynamics move the cues
        assert torch.equal(got.states, want.states) and torch.equal(got.steps, want.steps)


def test_store_warns_once_past_the_rules_capacity_naming_the_count_and_the_bound():
    g = torch.Generator().manual_seed(0)
    X = torch.randint(0, 2, (40, 100), generator=g).float() * 2 - 1
    for rule, fits, bound in (("hebbian", 13, "13.8"), ("storkey", 32, "33.0")):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            net = HopfieldNetwork(100, rule).store(X[:fits])            # at the bound: silent
        with pytest.warns(CapacityWarning) as rec:
            net.store(X[fits:fits + 1])                                  # one more: past it
        assert len(rec) == 1
        msg = str(rec[0].message)
        assert "\n" not in msg and f"{fits + 1} stored in 100 units" in msg and bound in msg and rule in msg
        assert rec[0].filename == __file__                              # points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        HopfieldNetwork(4).store(X[:1, :4])     # one pattern in 4 units: 0.138 * 4 < 1, but one is always stored


def test_capacity_is_the_documented_bound():
    assert capacity("hebbian", 500) == pytest.approx(69.0)
    assert capacity("storkey", 500) == pytest.approx(500 / (2 * torch.log(torch.tensor(500.0, dtype=torch.float64))
                                                           .item()) ** 0.5)
    assert capacity("storkey", 1) == 1.0


def test_the_experiments_store_past_capacity_without_the_warning():
    from rnnkit.hopfield.experiments import capacity_experiment

    with warnings.catch_warnings():
        warnings.simplefilter("error", CapacityWarning)
        capacity_experiment(sizes=(20,), loads=(0.1, 0.5), rules=("hebbian", "storkey"), seed=0)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
def test_a_half_precision_network_recalls_as_the_float32_one(rule, dtype):
    """Review W8: 47abbc69's tie band took u of the weights' dtype; for bfloat16 (u = 2**-8) it was ~0.1 of sum |w| at
    N = 200 and read real fields as ties: no pattern recalled exactly (overlap 0.90 / 0.85). 16-bit weights are now
    read in float32 (their values exactly). Oracle: the same patterns in a float32 network."""
    g = torch.Generator().manual_seed(0)
    N, P = 200, 20
    pats = torch.randint(0, 2, (P, N), generator=g).float() * 2 - 1
    cues = pats.clone()
    cues[:, : N // 7] *= -1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CapacityWarning)
        want = HopfieldNetwork(N, rule).store(pats).recall(cues, mode="sync").states
        got = HopfieldNetwork(N, rule, dtype=dtype).store(pats.to(dtype)).recall(cues.to(dtype), mode="sync").states
    assert got.dtype == dtype
    assert (got.float() == want).float().mean() >= 0.995
