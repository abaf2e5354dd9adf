"""Session 36, helper G2 (review W2-1): a HopfieldNetwork pickled before ``_learned`` existed (efa854f8) unpickles
into a network that stores and recalls. Simulated old pickles: the state without the key. Oracle: a fresh network
fed the same patterns in one go (Hebbian and Storkey updates are sequential: two stores equal one)."""

from __future__ import annotations

import io
import pickle
import warnings

import pytest
import torch

from rnnkit.hopfield import HopfieldNetwork

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _pm1(p: int, n: int, seed: int) -> torch.Tensor:
    return torch.randint(0, 2, (p, n), generator=torch.Generator().manual_seed(seed)).float() * 2 - 1


def _as_old(net: HopfieldNetwork) -> HopfieldNetwork:
    """``net`` as a pickle written before efa854f8 holds it (no ``_learned``)."""
    old = HopfieldNetwork.__new__(HopfieldNetwork)
    old.__dict__.update({k: v for k, v in net.__dict__.items() if k != "_learned"})
    return old


def _pickle(net):
    return pickle.loads(pickle.dumps(net))


def _torch_save(net):
    buf = io.BytesIO()
    torch.save(net, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=False)


@pytest.mark.parametrize("roundtrip", [_pickle, _torch_save], ids=["pickle", "torch.save"])
@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_an_old_pickle_of_a_stored_network_stores_and_recalls_as_a_fresh_one(roundtrip, rule, dtype):
    X = _pm1(5, 24, 1).to(dtype)
    old = roundtrip(_as_old(HopfieldNetwork(24, rule, dtype=dtype).store(X[:2])))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old.store(X[2:])
        want = HopfieldNetwork(24, rule, dtype=dtype).store(X)
    torch.testing.assert_close(old.weights, want.weights, rtol=0, atol=1e-6)   # two sums round apart from one
    assert old.n_patterns == want.n_patterns == 5
    cue = X[:3].clone()
    cue[:, :2] *= -1
    assert torch.equal(old.recall(cue, seed=0).states, want.recall(cue, seed=0).states)


@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
def test_an_old_pickle_of_hand_set_weights_reads_them_as_given(rule):
    # from_weights' network has weights and no stored pattern: read as hand-set (as from_weights marks it)
    g = torch.Generator().manual_seed(3)
    W = torch.randn(16, 16, generator=g)
    W = (W + W.T) / 2
    X = _pm1(2, 16, 4)
    old = _pickle(_as_old(HopfieldNetwork.from_weights(W, rule)))
    old.store(X)
    want = HopfieldNetwork.from_weights(W, rule).store(X)
    torch.testing.assert_close(old.weights, want.weights, rtol=0, atol=0)   # the same sums, in the same order
    assert old._learned is False


def test_an_empty_old_pickle_stores():
    X = _pm1(3, 10, 5)
    old = _pickle(_as_old(HopfieldNetwork(10, "storkey")))
    torch.testing.assert_close(old.store(X).weights, HopfieldNetwork(10, "storkey").store(X).weights, rtol=0, atol=0)


def test_a_new_pickle_keeps_its_own_flag():
    W = torch.eye(8)
    net = HopfieldNetwork.from_weights(W).store(_pm1(1, 8, 6))   # hand-set, then a pattern: still read as given
    assert _pickle(net)._learned is False
    assert _pickle(HopfieldNetwork(8).store(_pm1(1, 8, 6)))._learned is True
