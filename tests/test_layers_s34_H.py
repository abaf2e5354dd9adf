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


class _Memory:
    """A cell whose state holds every earlier output (a memory that grows a step a step), as
    tests/test_review_s11_recurrent_state.py's: an empty (B, 0, H) memory, or None."""

    @staticmethod
    def make(n, empty_as_none):
        import torch

        import rnnkit

        class Memory(rnnkit.RecurrentCell):
            def __init__(self):
                super().__init__()
                self.lin = torch.nn.Linear(2 * n, n)

            def initial_state(self, batch_size, device=None, dtype=None):
                h = torch.zeros(batch_size, n, device=device, dtype=dtype)
                return {"h": h, "mem": None if empty_as_none else h.new_zeros(batch_size, 0, n)}

            def forward(self, x, state):
                mem = state["mem"]
                ctx = mem.mean(1) if mem is not None and mem.shape[1] else torch.zeros_like(state["h"])
                h = torch.tanh(self.lin(torch.cat([x + state["h"], ctx], -1)))
                return h, {"h": h, "mem": h[:, None] if mem is None else torch.cat([mem, h[:, None]], 1)}

        return Memory()


@pytest.mark.parametrize("empty_as_none", [False, True])
def test_a_growing_state_with_lengths_is_refused_naming_the_state(empty_as_none):
    # With lengths, a padded step keeps its row's state by torch.where(mask, new, old): an empty memory (B, 0, H) and
    # the step's (B, 1, H) broadcast to (B, 0, H), so the memory never grew and every output read an empty one --
    # silently (the full row of length 7 differed from the same row run alone); a memory that started as None was
    # torch's bare TypeError from where(). Oracle: the full row run alone, without lengths.
    import torch

    import rnnkit
    from rnnkit.errors import ShapeError

    torch.manual_seed(0)
    layer = rnnkit.Recurrent(_Memory.make(4, empty_as_none), batch_first=True)
    x = torch.randn(2, 7, 4)
    alone, state = layer(x[:1])
    assert state["mem"].shape == (1, 7, 4)
    with pytest.raises(ShapeError, match=r"^state: expected every state leaf to keep its shape over a step when "
                                         r"lengths are given .* got a leaf that went from "):
        layer(x, lengths=torch.tensor([7, 3]))
    full, _ = layer(x, lengths=torch.tensor([7, 7]))      # every row full: no padded step, nothing to keep
    torch.testing.assert_close(full[:1], alone)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "MinGRU"])
def test_lengths_given_as_a_list_of_0d_tensors_run_as_torch_nn_runs_them(name):
    # list(lengths) of a tensor is a list of 0-d tensors, which torch.nn's pack_padded_sequence takes; the layers
    # refused it ("lengths: expected a list of ints, got [tensor(5), ...]"). Oracle: torch.nn.GRU on the packed batch
    # (and the same layer given the tensor itself); a 0-d float or bool tensor stays refused.
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    import rnnkit
    from rnnkit.errors import InputTypeError

    torch.manual_seed(0)
    layer = getattr(rnnkit, name)(3, 4)
    x, lengths = torch.randn(5, 3, 3), torch.tensor([2, 5, 3])
    out, state = layer(x, lengths=list(lengths))
    want, want_state = layer(x, lengths=lengths)
    assert torch.equal(out, want)
    for a, b in zip(torch.utils._pytree.tree_leaves(state), torch.utils._pytree.tree_leaves(want_state)):
        assert torch.equal(a, b)
    if name == "GRU":
        ref = torch.nn.GRU(3, 4)
        ref.load_state_dict(layer.state_dict())
        packed, h_n = ref(pack_padded_sequence(x, list(lengths), enforce_sorted=False))
        torch.testing.assert_close(out, pad_packed_sequence(packed, total_length=5)[0])
        torch.testing.assert_close(state, h_n)
    for bad in ([torch.tensor(5.0), 2, 3], [torch.tensor(True), 2, 3]):
        with pytest.raises(InputTypeError, match=r"^lengths: expected a list of ints, got \[tensor\("):
            layer(x, lengths=bad)
