"""Session 34, helper H: hostile sweep of the layers. Oracles: the same layer before the operation, torch.nn."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.mark.parametrize("which", ["forward_layer", "backward_layer"])
def test_removing_a_parametrization_from_one_stack_of_a_bidirectional_wrapper_leaves_the_other(which):
    # Bidirectional deep-copies the layer for its backward stack; torch.nn.utils.parametrize keeps a weight as a
    # property of a class made for the module, which the copy shared: remove_parametrizations on one stack deleted
    # the property from both, and the wrapper's next call was "AttributeError: 'ParametrizedGRU' object has no
    # attribute 'weight_hh_l0'". Oracle: the other stack's outputs before the removal.
    import torch
    from torch.nn.utils import parametrizations, parametrize

    import rnnkit

    torch.manual_seed(0)
    gru = rnnkit.GRU(3, 4)
    parametrizations.orthogonal(gru, "weight_hh_l0")
    bi = rnnkit.Bidirectional(gru)
    other = bi.backward_layer if which == "forward_layer" else bi.forward_layer
    x = torch.randn(5, 2, 3)
    with torch.no_grad():
        want = other(x)[0]
    parametrize.remove_parametrizations(getattr(bi, which), "weight_hh_l0")
    assert parametrize.is_parametrized(other, "weight_hh_l0")
    with torch.no_grad():
        assert torch.equal(other(x)[0], want)
        assert bi(x)[0].shape == (5, 2, 8)
