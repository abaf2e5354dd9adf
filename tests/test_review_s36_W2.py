"""Session 36, helper W2 (second hostile reviewer): defects found in session 36's commits and older, less-reviewed
code. Each test is a strict xfail until the owner's fix lands (then the mark goes). Oracles: an independent
computation in the test, or another documented path of rnnkit."""

from __future__ import annotations

import pickle
import warnings

import pytest
import torch

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _pm1(p: int, n: int, seed: int) -> torch.Tensor:
    return torch.randint(0, 2, (p, n), generator=torch.Generator().manual_seed(seed)).float() * 2 - 1


@pytest.mark.xfail(strict=True, reason="W2-1: a HopfieldNetwork pickled before efa854f8 (no _learned) fails store() "
                                       "with AttributeError")
def test_a_hopfield_network_pickled_before_session_36_still_stores():
    # W2-1 -- efa854f8 (H) added HopfieldNetwork._learned in __init__ and reads it in store(); a network pickled (or
    # torch.save'd whole) before it unpickles without the attribute (pickle restores __dict__, __init__ is not run), so
    # store() on it is "AttributeError: 'HopfieldNetwork' object has no attribute '_learned'". RecurrentLayer has a
    # __setstate__ for exactly this. Simulated here: the pickle's state without the new key. Oracle: one network that
    # stores all the patterns in one go (Storkey is sequential: two stores equal one).
    from rnnkit.hopfield import HopfieldNetwork

    X = _pm1(4, 16, 0)
    net = HopfieldNetwork(16, "storkey").store(X[:2])
    state = dict(net.__dict__)
    state.pop("_learned", None)                              # what a session-35 pickle holds
    old = HopfieldNetwork.__new__(HopfieldNetwork)
    old.__dict__.update(state)
    old = pickle.loads(pickle.dumps(old))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old.store(X[2:])
        want = HopfieldNetwork(16, "storkey").store(X)
    torch.testing.assert_close(old.weights, want.weights, rtol=0, atol=1e-6)
