"""Session 36, helper H: a Storkey row that is all 0 in exact arithmetic is exactly 0 in learned weights (it was
rounding noise, ~1e-8, and the unit followed the noise's sign). Oracle: Storkey's rule and the sync dynamics in exact
rationals (fractions.Fraction, tests/test_hopfield_s35_H.py)."""

from __future__ import annotations

import pytest
import torch

from rnnkit.hopfield import HopfieldNetwork
from test_hopfield_s35_H import _exact_storkey, _exact_sync

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _pair(n: int, flip: list[int], seed: int) -> torch.Tensor:
    """Two patterns that differ only at the unit ``flip``: its Storkey row is all 0 in exact arithmetic."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 2, (n,), generator=g).float() * 2 - 1
    y = x.clone()
    y[flip] *= -1
    return torch.stack([x, y])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("n,flip,seed", [(9, [4], 0), (12, [0], 1), (16, [7], 2), (17, [3], 3), (24, [20], 4)])
def test_a_storkey_row_zero_in_exact_arithmetic_is_zero_and_recall_follows_the_exact_dynamics(n, flip, seed, dtype):
    X = _pair(n, flip, seed)
    exact = _exact_storkey(X)
    zero = [i for i in range(n) if all(w == 0 for w in exact[i])]
    assert set(flip) <= set(zero)                                   # the premise, exactly
    net = HopfieldNetwork(n, "storkey", dtype=dtype).store(X)
    W = net.weights
    for i in range(n):
        if i in zero:
            assert bool((W[i] == 0).all()) and bool((W[:, i] == 0).all())
        else:                                                       # the other rows keep their values
            assert max(abs(float(W[i, j]) - float(exact[i][j])) for j in range(n)) < 1e-6
    g = torch.Generator().manual_seed(100 + seed)
    cues = torch.randint(0, 2, (40, n), generator=g).float() * 2 - 1
    got = net.recall(cues.to(dtype), mode="sync").states
    for b in range(40):
        assert got[b].tolist() == _exact_sync(exact, [int(v) for v in cues[b].tolist()]), b


def test_hand_set_weights_are_read_as_given():
    """from_weights keeps tiny rows (they may be meant), and store on top of them does not clear them either."""
    n = 9
    W = HopfieldNetwork(n, "storkey").store(_pair(n, [4], 0)).weights.clone()
    W[4] = 1e-9
    W[:, 4] = 1e-9
    W[4, 4] = 0
    net = HopfieldNetwork.from_weights(W, "storkey")
    assert torch.equal(net.weights, W)
    net.store(_pair(n, [4], 0)[:1])
    assert bool((net.weights[4].abs() > 0).any())


def test_bfloat16_weights_keep_their_rows():
    """16-bit weights are read as given: the band in their own roundoff would reach real rows."""
    X = _pair(9, [4], 0)
    net = HopfieldNetwork(9, "storkey", dtype=torch.bfloat16).store(X)
    assert net.weights.dtype == torch.bfloat16
    assert int((net.weights.abs().amax(1) == 0).sum()) <= 1
