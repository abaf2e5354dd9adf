"""The plain-autograd reference path: the same cell math and the same state-level options, looped in
Python and differentiated by autograd. It is the oracle for the hand-written BPTT (and the "autograd
loop" baseline in benchmarks)."""

from __future__ import annotations

import torch
from torch import Tensor

from rnnkit.engine.step import LoopOptions

__all__ = ["run_reference"]


def run_reference(opts: LoopOptions, xp: Tensor, w_hh: Tensor, b_hh: Tensor | None, mask: Tensor | None,
                  params: tuple[Tensor, ...], state0: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
    cell = opts.cell
    state = tuple(state0)
    outs = []
    # unbind, not xp[t]: autograd's backward of indexing writes a zero tensor of xp's full size for every step
    # (quadratic in T: T=2000 took 35 s of backward where T=500 took 1.4 s); unbind's stacks the steps once
    for t, xp_t in enumerate(xp.unbind(0)):
        h = state[0] if opts.h_mask is None else state[0] * opts.h_mask
        if cell.additive:
            new, _ = cell.forward(xp_t + h @ w_hh.t(), None, state, params)
        else:
            hp = h @ w_hh.t() + (b_hh if b_hh is not None else 0)
            new, _ = cell.forward(xp_t, hp, state, params)
        m = mask[t] if mask is not None else None
        if opts.keep is not None:
            new = tuple(n + k * (o - n) for n, o, k in zip(new, state, opts.keep_at(t, m, xp)))
        elif m is not None:
            new = tuple(torch.where(m, n, o) for n, o in zip(new, state))
        outs.append(torch.where(m, new[0], 0.0) if m is not None else new[0])   # as forward_step: 0 past the end
        state = new
    return torch.stack(outs, 0), state
