"""The hand BPTT engine's per-step caches are freed by backward (helper W's review, session 28): they were ctx
attributes, which live as long as the graph, so a loss kept after its backward -- a list of losses, the Trainer's
last step -- held a whole batch's activations (~1.2 GB for 6 losses at T=600, B=32, H=256 against torch.nn's
~0.2 GB). They go through save_for_backward now: freed after backward unless retain_graph, which still works."""
import torch
import pytest

import rnnkit


def _nodes(fn):
    seen, todo = set(), [fn]
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        todo.extend(n for n, _ in node.next_functions)


def _tensors(value, out):
    if isinstance(value, torch.Tensor):
        out.append(value)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _tensors(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            _tensors(v, out)
    return out


def _engine_node(loss):
    nodes = [n for n in _nodes(loss.grad_fn) if "BPTTFunction" in type(n).__name__]
    assert len(nodes) == 1, [type(n).__name__ for n in _nodes(loss.grad_fn)]
    return nodes[0]


@pytest.mark.parametrize("kw", [dict(), dict(layer_norm=True), dict(checkpoint_steps=3)],
                         ids=["lstm", "layernorm", "checkpointed"])
def test_after_backward_the_engine_node_holds_no_tensor(kw):
    torch.manual_seed(0)
    layer = rnnkit.LSTM(3, 8, engine="bptt", **kw)
    out, _ = layer(torch.randn(7, 2, 3), lengths=torch.tensor([7, 4]))
    loss = out.pow(2).sum()
    node = _engine_node(loss)
    loss.backward()
    held = _tensors(list(vars(node).values()), [])
    assert held == [], f"{len(held)} tensors kept on the node after backward"
    with pytest.raises(RuntimeError, match="freed"):
        node.saved_tensors


def test_retain_graph_still_gives_the_same_gradients_twice():
    torch.manual_seed(1)
    layer = rnnkit.LSTM(3, 8, engine="bptt", layer_norm=True)
    x = torch.randn(6, 2, 3)
    out, _ = layer(x)
    loss = out.sum()
    first = torch.autograd.grad(loss, list(layer.parameters()), retain_graph=True)
    second = torch.autograd.grad(loss, list(layer.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(first, second))
    ref = rnnkit.LSTM(3, 8, engine="reference", layer_norm=True)
    ref.load_state_dict(layer.state_dict())
    out_ref, _ = ref(x)
    for a, b in zip(first, torch.autograd.grad(out_ref.sum(), list(ref.parameters()))):
        torch.testing.assert_close(a, b)
