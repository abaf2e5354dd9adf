"""The plain-autograd reference path: the same cell math, looped in Python, differentiated by autograd.

It is the oracle for the hand-written BPTT (and the "autograd loop" baseline in benchmarks).
"""

from __future__ import annotations

import torch
from torch import Tensor

from rnnkit.cells.base import CellMath

__all__ = ["run_reference"]


def run_reference(cell: CellMath, xp: Tensor, w_hh: Tensor, b_hh: Tensor | None, mask: Tensor | None,
                  state0: tuple[Tensor, ...], tag=None) -> tuple[Tensor, tuple[Tensor, ...]]:
    state = tuple(state0)
    outs = []
    for t in range(xp.shape[0]):
        h = state[0]
        if cell.additive:
            new, _ = cell.forward(xp[t] + h @ w_hh.t(), None, state)
        else:
            hp = h @ w_hh.t() + (b_hh if b_hh is not None else 0)
            new, _ = cell.forward(xp[t], hp, state)
        if mask is not None:
            m = mask[t]
            new = tuple(torch.where(m, n, o) for n, o in zip(new, state))
            outs.append(new[0] * m)
        else:
            outs.append(new[0])
        state = new
    return torch.stack(outs, 0), state
