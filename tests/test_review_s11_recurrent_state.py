"""rnnkit.Recurrent's check of a given state (f9f9c10) refused a state carried over from an earlier call when the
cell's state grows over the steps (a memory of past outputs, attended to: initial_state holds it with 0 steps,
or None): streaming a sequence in chunks -- what a returned state is for -- stopped at the second chunk. The
checks that commit added still hold. Test fails on the old code."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.errors import ShapeError

pytestmark = pytest.mark.usefixtures("one_thread_module")


class Memory(rnnkit.RecurrentCell):
    """h and the memory of every earlier h (its mean is fed back): the memory grows a step a step."""

    def __init__(self, n, empty_as_none=False):
        super().__init__()
        self.lin, self.n, self.none = torch.nn.Linear(2 * n, n), n, empty_as_none

    def initial_state(self, batch_size, device=None, dtype=None):
        h = torch.zeros(batch_size, self.n, device=device, dtype=dtype)
        return {"h": h, "mem": None if self.none else h.new_zeros(batch_size, 0, self.n)}

    def forward(self, x, state):
        mem = state["mem"]
        ctx = mem.mean(1) if mem is not None and mem.shape[1] else torch.zeros_like(state["h"])
        h = torch.tanh(self.lin(torch.cat([x + state["h"], ctx], -1)))
        return h, {"h": h, "mem": h[:, None] if mem is None else torch.cat([mem, h[:, None]], 1)}


@pytest.mark.parametrize("empty_as_none", [False, True])
def test_a_growing_state_streams_in_chunks_as_one_call(empty_as_none):
    torch.manual_seed(0)
    layer = rnnkit.Recurrent(Memory(4, empty_as_none), batch_first=True)
    x = torch.randn(2, 7, 4)
    whole, _ = layer(x)
    first, state = layer(x[:, :3])
    second, state = layer(x[:, 3:], state)
    assert state["mem"].shape == (2, 7, 4)
    torch.testing.assert_close(torch.cat([first, second], 1), whole)
    for bad in ({"h": torch.zeros(1, 4), "mem": torch.zeros(1, 3, 4)},          # batch 1: broadcast before
                {"h": torch.zeros(2, 4), "mem": torch.zeros(2, 3, 5)} if not empty_as_none else
                {"h": torch.zeros(2, 1), "mem": torch.zeros(2, 3, 4)},          # a width that would broadcast
                {"h": torch.zeros(2, 4), "mem": torch.zeros(2, 3, 4), "x": torch.zeros(2, 4)}):   # an extra key
        with pytest.raises(ShapeError, match=r"^state: expected the nest and shapes of cell.initial_state\(2\)"):
            layer(x[:, 3:], bad)


def test_checking_a_given_state_draws_no_random_numbers():
    """A cell whose initial state is random (noise): checking a given state built one on the input's device,
    drawing from the global generator on every call -- the dropout masks and other draws that followed changed
    with the check, silently. Oracle: the generator's next draw with and without the call."""

    class Noisy(rnnkit.RecurrentCell):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(3, 3)

        def initial_state(self, batch_size, device=None, dtype=None):
            return 0.1 * torch.randn(batch_size, 3, device=device, dtype=dtype)

        def forward(self, x, h):
            h = torch.tanh(self.lin(x) + h)
            return h, h

    layer = rnnkit.Recurrent(Noisy())
    x, h0 = torch.randn(4, 2, 3), torch.zeros(2, 3)
    torch.manual_seed(1)
    layer(x, h0)
    after = torch.rand(1)
    torch.manual_seed(1)
    assert torch.equal(after, torch.rand(1))
    with pytest.raises(ShapeError, match=r"^state: expected the nest and shapes of cell.initial_state\(2\), \(2, 3\)"):
        layer(x, torch.zeros(1, 3))
