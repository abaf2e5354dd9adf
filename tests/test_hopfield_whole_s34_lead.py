"""The exact Hebbian fields are read from the weights at recall (session 34, after reviews W and W2 of 20711830):
whole numbers over N however the weights came, the weights as given otherwise."""
import torch

from rnnkit.hopfield import HopfieldNetwork
from rnnkit.hopfield.classical import _whole_fields


def _patterns(p, n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 2, (p, n), generator=g).float() * 2 - 1


def test_hebbian_weights_are_whole_over_n_however_given_and_other_weights_are_not():
    x = _patterns(9, 60, 0)
    net = HopfieldNetwork(60).store(x[:5]).store(x[5:])            # two stores: the sums accumulate in float32
    counts = x.T @ x
    counts.fill_diagonal_(0)
    assert torch.equal(_whole_fields(net.weights, 60), counts)     # oracle: the integer sums of outer products
    cut = net.weights.clone()
    cut[3, 7] = cut[7, 3] = 0.0                                     # a damaged copy that cut one connection
    want = counts.clone()
    want[3, 7] = want[7, 3] = 0.0
    assert torch.equal(_whole_fields(cut, 60), want)
    noisy = net.weights + 1e-3 * torch.randn(60, 60, generator=torch.Generator().manual_seed(1))
    assert _whole_fields(noisy, 60) is None                         # perturbed: read as given
    assert _whole_fields(net.weights.double(), 60).dtype == torch.float32   # sums below 2**24: float32 is exact


def test_recall_of_a_network_and_of_its_weights_given_again_is_the_same():
    x = _patterns(12, 81, 2)
    net = HopfieldNetwork(81).store(x)
    again = HopfieldNetwork.from_weights(net.weights)
    cues = x.clone()
    cues[:, :20] *= -1
    a, b = net.recall(cues, mode="sync"), again.recall(cues, mode="sync")
    assert torch.equal(a.states, b.states) and torch.equal(a.steps, b.steps)
