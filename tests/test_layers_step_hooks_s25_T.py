"""``layer.step`` runs the layer's own forward hooks after the step, as its forward pre-hooks before (session 25, T).

Before: ``step`` ran the pre-hooks (session 24, for pruning / legacy weight_norm) but not the forward hooks, so a
pre-hook paired with a forward hook (a timer, a tracker) saw every step enter and none leave, and a hook that
records or replaces the output did nothing on a stream while it acted on the call of the same one-step sequence.
Oracle: the layer's call on the one-step sequence ``x_t.unsqueeze(0)`` (``Module.__call__`` runs the hooks).
"""

import warnings

import pytest
import torch
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook

import rnnkit

torch.set_num_threads(1)

MAKERS = {
    "lstm-auto": lambda: rnnkit.LSTM(3, 4, num_layers=2),
    "gru-bptt": lambda: rnnkit.GRU(3, 4, engine="bptt"),
    "elman-reference": lambda: rnnkit.ElmanRNN(3, 4, engine="reference"),
    "mingru": lambda: rnnkit.MinGRU(3, 4),
    "minlstm": lambda: rnnkit.MinLSTM(3, 4, num_layers=2),
}


def _first(out):
    return out[0]


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_pre_hook_and_its_forward_hook_pair_up_on_every_step(name):
    torch.manual_seed(0)
    layer = MAKERS[name]()
    events = []
    layer.register_forward_pre_hook(lambda m, args: events.append("enter"))
    layer.register_forward_hook(lambda m, args, out: events.append("leave"))
    state = None
    for x_t in torch.randn(3, 2, 3):
        _, state = layer.step(x_t, state)
    assert events == ["enter", "leave"] * 3


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_forward_hook_sees_and_replaces_the_step_output_as_in_the_call(name):
    torch.manual_seed(1)
    layer = MAKERS[name]()
    seen = []

    def hook(module, args, out):
        seen.append((args[0].shape, out[0].shape))
        return (2 * out[0], out[1])

    layer.register_forward_hook(hook)
    x, h = torch.randn(2, 3), None
    y_step, s_step = layer.step(x, h)
    y_call, s_call = layer(x.unsqueeze(0))
    assert torch.allclose(y_step, y_call[0], atol=1e-6)      # doubled in both
    for a, b in zip(s_step if isinstance(s_step, tuple) else (s_step,), s_call if isinstance(s_call, tuple) else (s_call,)):
        assert torch.allclose(a, b, atol=1e-6)
    assert seen == [(torch.Size([2, 3]), torch.Size([2, 4])), (torch.Size([1, 2, 3]), torch.Size([1, 2, 4]))]


def test_forward_hooks_get_the_arguments_the_pre_hooks_left_and_kwargs_hooks_an_empty_dict():
    layer = rnnkit.GRU(3, 4)
    got = []
    layer.register_forward_pre_hook(lambda m, args: (args[0] * 0, *args[1:]))
    layer.register_forward_hook(lambda m, args, kwargs, out: got.append((args[0].abs().sum().item(), kwargs)),
                                with_kwargs=True)
    layer.step(torch.ones(2, 3))
    assert got == [(0.0, {})]


def test_an_always_call_hook_runs_when_the_step_raises_and_the_steps_error_is_kept():
    layer = rnnkit.LSTM(3, 4)
    calls = []
    layer.register_forward_hook(lambda m, args, out: calls.append(out), always_call=True)
    layer.register_forward_hook(lambda m, args, out: calls.append("plain"))
    with pytest.raises(rnnkit.errors.ShapeError, match=r"^x_t: expected feature size"):
        layer.step(torch.ones(2, 5))
    assert calls == [None]

    def broken(m, args, out):
        raise ValueError("boom")

    layer = rnnkit.MinGRU(3, 4)
    layer.register_forward_hook(broken, always_call=True)
    with warnings.catch_warnings(record=True) as w, pytest.raises(rnnkit.errors.ShapeError):
        warnings.simplefilter("always")
        layer.step(torch.ones(2, 5))
    assert any("boom" in str(x.message) for x in w)


def test_global_hooks_stay_out_of_a_step_both_kinds():
    layer = rnnkit.GRU(3, 4)
    events = []
    handles = [register_module_forward_pre_hook(lambda m, args: events.append("pre")),
               register_module_forward_hook(lambda m, args, out: events.append("post"))]
    try:
        layer.step(torch.ones(2, 3))
    finally:
        for h in handles:
            h.remove()
    assert events == []


def test_the_nested_cell_runner_step_runs_its_hooks_too():
    class Acc(rnnkit.RecurrentCell):
        def initial_state(self, batch_size, device=None, dtype=None):
            return torch.zeros(batch_size, 3, device=device, dtype=dtype)

        def forward(self, x, state):
            return x + state, x + state

    layer = rnnkit.Recurrent(Acc())
    events = []
    layer.register_forward_pre_hook(lambda m, args: events.append("enter"))
    layer.register_forward_hook(lambda m, args, out: (events.append("leave"), (-out[0], out[1]))[1])
    y, _ = layer.step(torch.ones(2, 3))
    assert events == ["enter", "leave"] and torch.equal(y, -torch.ones(2, 3))
