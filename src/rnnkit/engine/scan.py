"""The general time loop for cells with nested inputs/states (tuples, lists, dicts of tensors).

Runs any :class:`rnnkit.cells.RecurrentCell` step by step under autograd. Padded steps keep every state
leaf unchanged and emit zeros in every output leaf.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor

from rnnkit.errors import InputTypeError, ShapeError

__all__ = ["tree_map", "tree_leaves", "scan"]


def tree_map(fn: Callable, *trees: Any) -> Any:
    """Apply ``fn`` leaf-wise over trees of identical structure (tensors in tuples/lists/dicts)."""
    first = trees[0]
    if isinstance(first, Tensor):
        return fn(*trees)
    if isinstance(first, dict):
        return {k: tree_map(fn, *(t[k] for t in trees)) for k in first}
    if isinstance(first, (tuple, list)):
        items = [tree_map(fn, *parts) for parts in zip(*trees)]
        if hasattr(first, "_fields"):  # NamedTuple
            return type(first)(*items)
        return type(first)(items)
    raise InputTypeError(f"expected tensors nested in tuples/lists/dicts, got a leaf of type {type(first).__name__}")


def tree_leaves(tree: Any) -> list[Tensor]:
    out: list[Tensor] = []
    tree_map(lambda t: out.append(t), tree)
    return out


def scan(step: Callable[[Any, Any], tuple[Any, Any]], inputs: Any, state: Any, mask: Tensor | None) -> tuple[Any, Any]:
    """``inputs``: a tree of time-major tensors ``(T, B, ...)``; returns ``(outputs tree (T, B, ...), state)``."""
    leaves = tree_leaves(inputs)
    T = leaves[0].shape[0]
    outs = []
    # each leaf unbound once, not a[t]: autograd's backward of indexing writes a zero tensor of the leaf's full
    # size for every step (quadratic in T); unbind's backward stacks the step gradients once
    steps = {id(a): a.unbind(0) for a in leaves}
    for t in range(T):
        x_t = tree_map(lambda a: steps[id(a)][t], inputs)
        y, new = step(x_t, state)
        if mask is not None:
            m = mask[t]

            def keep(n, o, m=m):
                if not isinstance(o, Tensor) or (n.shape != o.shape and not _widens(o, n)):   # a memory that grows a
                    raise _growing(n, o)   # step: where() broadcast a (B, 0, H) one with (B, 1, H) to (B, 0, H), silently
                return torch.where(m.view(-1, *([1] * (n.dim() - 1))), n, o)

            def zero(a, m=m):   # where, not a * m: a cell's NaN/inf at a padded step (x / |x| of the zeroed
                # input) came out as NaN instead of the zeros padded steps emit
                return torch.where(m.view(-1, *([1] * (a.dim() - 1))), a, a.new_zeros(()))

            new = tree_map(keep, new, state)
            y = tree_map(zero, y)
        outs.append(y)
        state = new
    outputs = tree_map(lambda *ys: torch.stack(ys, 0), *outs)
    return outputs, state


def _widens(old: Tensor, new: Tensor) -> bool:
    """Whether ``old`` broadcasts to ``new``'s shape (a state ``(B, 1)`` a cell widens to ``(B, H)``: its kept rows are
    ``old``'s, broadcast), which a memory that grows does not: ``(B, 0, H)`` with ``(B, 1, H)`` broadcasts to
    ``(B, 0, H)``, ``(B, t, H)`` with ``(B, t + 1, H)`` not at all."""
    try:
        return torch.broadcast_shapes(old.shape, new.shape) == new.shape
    except RuntimeError:
        return False


def _growing(new: Tensor, old: Any) -> ShapeError:
    """A state leaf whose shape changes over a step (a memory of past steps) in a call with ``lengths``: a padded step
    keeps its row's state, which such a leaf cannot hold row by row (rows would differ in length). It kept nothing
    before: ``torch.where`` broadcast an empty memory ``(B, 0, H)`` with the step's ``(B, 1, H)`` to ``(B, 0, H)``, so
    the memory never grew (silently), and one that started as ``None`` was torch's bare TypeError."""
    was = tuple(old.shape) if isinstance(old, Tensor) else type(old).__name__
    return ShapeError(f"state: expected every state leaf to keep its shape over a step when lengths are given (a padded "
                      f"step keeps its row's state), got a leaf that went from {was} to {tuple(new.shape)}; call without "
                      "lengths (sequences of one length, or one at a time)")
