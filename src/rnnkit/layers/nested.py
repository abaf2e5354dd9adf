"""The nested-cell runner: any :class:`rnnkit.RecurrentCell` (inputs and states may be tuples, lists or
dicts of tensors) run over time with autograd by :func:`rnnkit.engine.scan.scan`."""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from rnnkit._validate import check_bool
from rnnkit.cells.base import RecurrentCell
from rnnkit.engine.masks import check_lengths, step_mask, zero_padding
from rnnkit.engine.scan import scan, tree_leaves, tree_map
from rnnkit.errors import InputTypeError, ShapeError
from rnnkit.layers.inputs import accepts_packed, refuse_script
from rnnkit.layers.step_hooks import hooked_step

__all__ = ["Recurrent"]


class Recurrent(nn.Module):
    """Run any :class:`rnnkit.RecurrentCell` (nested inputs/states allowed) over time, with autograd.

    ``outputs, state = layer(x, state=None, lengths=None)`` where ``x`` is a tensor or a nest
    (tuple/list/dict) of tensors shaped ``(T, B, ...)`` (``(B, T, ...)`` with ``batch_first``); outputs
    follow the same layout. See :class:`rnnkit.RecurrentCell` for an example.
    """

    def __init__(self, cell: RecurrentCell, batch_first: bool = False) -> None:
        super().__init__()
        if not isinstance(cell, RecurrentCell):
            raise InputTypeError(f"cell: expected an rnnkit.RecurrentCell, got {type(cell).__name__}")
        self.cell = cell
        self.batch_first = check_bool("batch_first", batch_first)

    def __prepare_scriptable__(self):
        refuse_script(self)     # torch.jit.script: a ConfigError naming the layer and what to use instead

    @accepts_packed
    def forward(self, x: Any, state: Any = None, lengths: Any = None):
        leaves = _leaves(x, "x")
        if not leaves:
            raise ShapeError("x: expected at least one tensor, got an empty structure")
        for leaf in leaves:
            if leaf.dim() < 2:
                raise ShapeError(f"x: expected every leaf to have time and batch dims, got shape {tuple(leaf.shape)}")
        tdim, bdim = (1, 0) if self.batch_first else (0, 1)
        T, B = leaves[0].shape[tdim], leaves[0].shape[bdim]
        for leaf in leaves:
            if leaf.shape[tdim] != T or leaf.shape[bdim] != B:
                raise ShapeError(f"x: expected every leaf to share (time, batch) = ({T}, {B}), got {tuple(leaf.shape)}")
        if T == 0:
            raise ShapeError("x: expected at least one time step, got sequence length 0")
        xt = tree_map(lambda a: a.transpose(0, 1), x) if self.batch_first else x
        lengths = check_lengths(lengths, B, T, device=leaves[0].device, min_len=0)   # 0: the state passes
        if state is None:
            state = self.cell.initial_state(B, device=leaves[0].device, dtype=leaves[0].dtype)
        else:
            _check_state(self.cell, state, B, leaves[0])
        mask = None
        if lengths is not None:  # padded steps of every leaf are zeroed, as in the other layers
            mask = step_mask(lengths, T)
            xt = tree_map(lambda a: zero_padding(a, mask), xt)
        out, state = scan(self.cell, xt, state, mask)
        if self.batch_first:
            out = tree_map(lambda a: a.transpose(0, 1), out)
        return out, state

    @hooked_step
    def step(self, x_t: Any, state: Any = None):
        """One step: ``y_t, state = layer.step(x_t, state)``; the layer's forward pre-hooks run first and its
        forward hooks after, as in a call (:mod:`rnnkit.layers.step_hooks`)."""
        if state is None:
            leaves = _leaves(x_t, "x_t")
            if not leaves:                  # was an IndexError from inside
                raise ShapeError("x_t: expected at least one tensor, got an empty structure")
            leaf = leaves[0]
            state = self.cell.initial_state(leaf.shape[0], device=leaf.device, dtype=leaf.dtype)
        return self.cell(x_t, state)


def _leaves(tree: Any, name: str) -> list:
    """The tensors of the nest ``tree``; anything else in it is an InputTypeError naming ``name`` (the scan's
    message named no argument: 'expected tensors nested in ..., got a leaf of type ndarray')."""
    try:
        return tree_leaves(tree)
    except InputTypeError as e:
        raise InputTypeError(f"{name}: {e}") from None


def _layout(tree: Any) -> Any:
    """The nest of ``tree`` with each tensor replaced by its shape (what a state must match)."""
    if isinstance(tree, dict):
        return {k: _layout(v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return [_layout(v) for v in tree]
    # a tensor's shape only: a numpy array of the right shape passed the check and failed in the cell (torch.cat's
    # 'expected Tensor as element 1 in argument 0, but got numpy.ndarray'; session 28)
    return tuple(tree.shape) if isinstance(tree, Tensor) else type(tree).__name__


def _not_tensor(want: Any, got: Any) -> bool:
    """Whether the layout ``got`` holds something else than a tensor where ``want`` holds a tensor's shape."""
    if isinstance(want, tuple):
        return isinstance(got, str)
    if isinstance(want, dict) and isinstance(got, dict):
        return any(_not_tensor(want[k], got[k]) for k in want.keys() & got.keys())
    if isinstance(want, list) and isinstance(got, list):
        return any(map(_not_tensor, want, got))
    return False


def _fits(want: Any, got: Any) -> bool:
    """Whether the layout ``got`` (:func:`_layout`) is one the layout ``want`` of ``initial_state`` allows: the
    same nest and shapes, except that a dimension of size 0 (a memory that starts empty and grows over the
    steps) may have any size and a ``None`` (a part the cell fills in later) may hold anything."""
    if want == "NoneType":
        return True
    if isinstance(want, dict):
        return isinstance(got, dict) and want.keys() == got.keys() and all(_fits(want[k], got[k]) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(map(_fits, want, got))
    if isinstance(want, tuple):
        return isinstance(got, tuple) and len(want) == len(got) and all(w in (0, g) for w, g in zip(want, got))
    return want == got


def _check_state(cell: RecurrentCell, state: Any, batch: int, leaf: Any) -> None:
    """A given ``state`` must have the nest and shapes of ``cell.initial_state(batch)``: a state of batch 1
    was broadcast over the batch, an extra key ignored, and a wrong shape was an error from inside the cell
    (its dtype is the caller's: a cell may keep integer counters beside float inputs). A state carried over
    from an earlier call may have grown where the initial one has a size-0 dimension or ``None``. The initial
    state is built on the meta device (shapes only: no memory, no kernel, no random numbers drawn -- a cell
    whose initial state is random advanced the generator on every call with a given state); a cell whose
    ``initial_state`` cannot run there is asked on the input's device."""
    try:
        try:
            expected = cell.initial_state(batch, device="meta", dtype=leaf.dtype)
        except NotImplementedError:
            raise
        except Exception:   # noqa: BLE001 - e.g. it adds its own parameters: build it for real
            expected = cell.initial_state(batch, device=leaf.device, dtype=leaf.dtype)
    except NotImplementedError:   # a cell that only runs from a given state: nothing to compare with
        return
    want, got = _layout(expected), _layout(state)
    if not _fits(want, got):
        error = InputTypeError if _not_tensor(want, got) else ShapeError
        raise error(f"state: expected the nest and shapes of cell.initial_state({batch}), {want}, got {got}")
