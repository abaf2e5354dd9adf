"""Session 36, helper H: rnnkit layers against torch.nn, the sweep's cases no earlier test pinned (guards: each
matched torch at 531fa65f). Oracle: torch.nn.LSTM / GRU / RNN with the same weights, run in the same test."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError

pytestmark = pytest.mark.usefixtures("one_thread_module")
PAIRS = [(torch.nn.LSTM, rnnkit.LSTM), (torch.nn.GRU, rnnkit.GRU), (torch.nn.RNN, rnnkit.ElmanRNN)]


@pytest.mark.parametrize("tn,rk", PAIRS)
def test_state_dicts_load_both_ways_with_two_layers_both_directions(tn, rk):
    torch.manual_seed(0)
    x = torch.randn(5, 2, 3)
    ref, ours = tn(3, 4, num_layers=2, bidirectional=True), rk(3, 4, num_layers=2, bidirectional=True)
    assert sorted(ours.state_dict()) == sorted(ref.state_dict())
    ours.load_state_dict(ref.state_dict())
    with torch.no_grad():
        assert torch.equal(ours(x)[0], ref(x)[0])
    back = tn(3, 4, num_layers=2, bidirectional=True)
    back.load_state_dict(rk(3, 4, num_layers=2, bidirectional=True).state_dict())   # fresh rnnkit weights
    fresh = rk(3, 4, num_layers=2, bidirectional=True)
    fresh.load_state_dict(back.state_dict())
    with torch.no_grad():
        assert torch.equal(back(x)[0], fresh(x)[0])


@pytest.mark.parametrize("tn,rk", PAIRS[:2])
def test_double_backward_matches_torch(tn, rk):
    torch.manual_seed(1)
    ref = tn(3, 4).double()
    ours = rk(3, 4).double()
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(4, 2, 3, dtype=torch.float64, requires_grad=True)
    got = []
    for m in (ref, ours):
        g, = torch.autograd.grad(m(x)[0].pow(2).sum(), x, create_graph=True)
        gg, = torch.autograd.grad(g.pow(2).sum(), x)
        got.append(gg)
    torch.testing.assert_close(got[1], got[0], rtol=1e-10, atol=1e-12)


def test_gradgradcheck_of_a_projected_lstm():
    torch.manual_seed(2)
    m = rnnkit.LSTM(2, 3, proj_size=2).double()
    x = torch.randn(3, 2, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradgradcheck(lambda a: m(a)[0], (x,))


def test_clip_grad_norm_over_all_weights_matches_torch():
    torch.manual_seed(3)
    x = torch.randn(5, 2, 3)
    ref, ours = torch.nn.LSTM(3, 4, 2), rnnkit.LSTM(3, 4, 2)
    ours.load_state_dict(ref.state_dict())
    norms = []
    for m in (ref, ours):
        m(x)[0].sum().backward()
        norms.append(torch.nn.utils.clip_grad_norm_([w for layer in m.all_weights for w in layer], 0.1))
    torch.testing.assert_close(norms[1], norms[0])
    for a, b in zip(ref.parameters(), ours.parameters()):
        torch.testing.assert_close(b.grad, a.grad)


@pytest.mark.parametrize("rk", [rnnkit.GRU, rnnkit.LSTM])
def test_vmap_over_a_batch_of_parameters_equals_a_loop(rk):
    torch.manual_seed(4)
    x = torch.randn(5, 2, 3)
    layer = rk(3, 4)
    params = {k: v.detach() for k, v in layer.named_parameters()}
    stacked = {k: torch.stack([v, 0.5 * v]) for k, v in params.items()}

    def f(p, inp):
        return torch.func.functional_call(layer, p, (inp,))[0]

    out = torch.func.vmap(f, in_dims=(0, None))(stacked, x)
    for i in range(2):
        torch.testing.assert_close(out[i], f({k: v[i] for k, v in stacked.items()}, x))


@pytest.mark.parametrize("rk", [rnnkit.GRU, rnnkit.LSTM, rnnkit.ElmanRNN])
def test_zero_sizes_are_typed_errors_naming_the_argument(rk):
    with pytest.raises(ValueError):   # torch's premise: 'hidden_size must be greater than zero'
        torch.nn.GRU(3, 0)
    with pytest.raises(ConfigError, match=r"^hidden_size: expected a positive int, got 0$"):
        rk(3, 0)
    with pytest.raises(ConfigError, match=r"^input_size: expected a positive int, got 0$"):
        rk(0, 3)
