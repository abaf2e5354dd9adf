"""Session 34, helper W2: second hostile review of the session's commits. Each test is a defect found in a commit of
this session (named in its comment); an ``xfail(strict=True)`` mark stays until the owner's fix lands (then the mark
goes). Oracles: the same input through another documented path of rnnkit, which must agree."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.mark.xfail(strict=True, reason="W2-H1 (H, 20711830): weights changed through .data or a numpy view keep the "
                                       "old whole-number counts: recall ignores the change")
@pytest.mark.parametrize("how", ["data", "numpy"])
def test_hebbian_weights_changed_by_hand_through_data_or_numpy_are_the_ones_recall_reads(how):
    # 20711830: recall reads N * W (counts kept at store) unless the weights were "set or changed by hand", detected by
    # identity and torch's _version -- which an in-place change through .data or .numpy() does not bump. energy() and
    # field() read the changed weights, recall the old ones. Oracle: from_weights(the same weights), read as given.
    import torch

    from rnnkit.hopfield import HopfieldNetwork

    gen = torch.Generator().manual_seed(1)
    X = torch.randint(0, 2, (5, 50), generator=gen).float() * 2 - 1
    net = HopfieldNetwork(50).store(X)
    if how == "data":
        net.weights.data.mul_(-1)          # anti-Hebbian now: no stored pattern is a fixed point
    else:
        net.weights.numpy()[:] *= -1
    got = net.recall(X, mode="sync", max_steps=1)
    want = HopfieldNetwork.from_weights(net.weights).recall(X, mode="sync", max_steps=1)
    assert torch.equal(got.states, want.states)
