"""The hand-written backpropagation through time, as one ``torch.autograd.Function``.

Forward: for each step, ``hp = h_{t-1} @ W_hh^T (+ b_hh)`` (one GEMM) and the cell's pointwise step.
Backward, the batched form of min-char-rnn's loop: walk time in reverse carrying ``d_state``; at each
step the cell's local backward gives ``d_xp`` / ``d_hp``; ``dh_{t-1} = d_hp @ W_hh`` (+ direct paths).
After the loop, ``dW_hh = Σ_t d_hp_tᵀ h_{t-1}`` and ``db_hh = Σ_t d_hp_t`` are each ONE GEMM / reduction
over all steps. The input projection ``xp = x W_ihᵀ + b`` happens outside (one GEMM, differentiated by
autograd as one GEMM per weight).

Padded steps (``mask`` False) keep the state and emit zeros; their gradient passes the state gradient
through unchanged and sends nothing into the cell.

Optional per-step gradient norms (``‖∂L/∂h_t‖``) are recorded through :mod:`rnnkit.engine.gradflow`.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from rnnkit.cells.base import CellMath
from rnnkit.engine import gradflow

__all__ = ["BPTTFunction", "run_bptt"]


class BPTTFunction(torch.autograd.Function):
    """``(cell, xp, w_hh, b_hh, mask, tag, *state0) -> (outputs, *final_state)``.

    ``xp``: ``(T, B, G*H)`` projected inputs (for additive cells ``b_hh`` is already folded in and
    ``b_hh`` is ``None``). ``mask``: ``(T, B, 1)`` bool or ``None``. ``outputs``: ``(T, B, H)``.
    ``tag``: a label for gradient-flow records (or ``None``).
    """

    @staticmethod
    def forward(ctx, cell: CellMath, xp: Tensor, w_hh: Tensor, b_hh: Tensor | None, mask: Tensor | None, tag, *state0: Tensor):
        T, B = xp.shape[0], xp.shape[1]
        H = w_hh.shape[1]
        whh_t = w_hh.t()
        state = tuple(state0)
        outs: list[Tensor] = []
        # h_{t-1} for every step; without a mask it is (h0, outputs[:-1]) and need not be collected.
        h_prevs: list[Tensor] | None = [] if mask is not None else None
        saved = []
        for t in range(T):
            h = state[0]
            if cell.additive:
                new, s = cell.forward(torch.addmm(xp[t], h, whh_t), None, state)
            else:
                hp = torch.addmm(b_hh, h, whh_t) if b_hh is not None else h.mm(whh_t)
                new, s = cell.forward(xp[t], hp, state)
            if mask is not None:
                m = mask[t]
                h_prevs.append(h)
                new = tuple(torch.where(m, n, o) for n, o in zip(new, state))
                outs.append(new[0] * m)
            else:
                outs.append(new[0])
            saved.append(s)
            state = new
        outputs = torch.stack(outs, 0)
        if h_prevs is not None:
            h_prev = torch.stack(h_prevs, 0)
        else:
            h_prev = torch.cat((state0[0].unsqueeze(0), outputs[:-1]), 0) if T > 1 else state0[0].unsqueeze(0)
        ctx.cell, ctx.saved_steps, ctx.tag = cell, saved, tag
        ctx.has_bias = b_hh is not None
        ctx.save_for_backward(w_hh, h_prev, mask)
        return (outputs, *state)

    @staticmethod
    @once_differentiable
    def backward(ctx, d_out: Tensor, *d_final: Tensor):
        cell: CellMath = ctx.cell
        w_hh, h_prev, mask = ctx.saved_tensors
        saved = ctx.saved_steps
        T, B, H = h_prev.shape
        G = w_hh.shape[0]
        ref = h_prev
        d_state = [d if d is not None else ref.new_zeros(B, H) for d in d_final]
        if d_out is None:
            d_out = ref.new_zeros(T, B, H)
        d_xps: list[Tensor] = [None] * T
        d_hps: list[Tensor] | None = None if cell.additive else [None] * T
        record = gradflow.active()
        norms = [] if record else None
        for t in range(T - 1, -1, -1):
            dh_total = d_state[0] + d_out[t]
            if norms is not None:
                norms.append(dh_total.detach().norm(dim=-1))
            if mask is not None:
                m = mask[t]
                keep = [torch.where(m, 0.0, d) for d in d_state]  # padded rows pass state grads through
                g = [torch.where(m, dh_total, 0.0)] + [torch.where(m, d, 0.0) for d in d_state[1:]]
            else:
                keep = None
                g = [dh_total] + d_state[1:]
            dxp_t, dhp_t, direct = cell.backward(tuple(g), saved[t])
            d_xps[t] = dxp_t
            if dhp_t is None:
                dhp_t = dxp_t
            else:
                d_hps[t] = dhp_t
            dh_prev = dhp_t.mm(w_hh) if direct[0] is None else torch.addmm(direct[0], dhp_t, w_hh)
            new_state = [dh_prev] + [d if d is not None else ref.new_zeros(B, H) for d in direct[1:]]
            if keep is not None:
                new_state = [n + k for n, k in zip(new_state, keep)]
            d_state = new_state
        d_xp = torch.stack(d_xps, 0)
        flat_dhp = (d_xp if d_hps is None else torch.stack(d_hps, 0)).reshape(T * B, G)
        d_w_hh = flat_dhp.t().mm(h_prev.reshape(T * B, H)) if ctx.needs_input_grad[2] else None
        d_b_hh = flat_dhp.sum(0) if ctx.has_bias and ctx.needs_input_grad[3] else None
        if norms is not None:
            gradflow.record(ctx.tag, torch.stack(norms[::-1], 0))
        return (None, d_xp, d_w_hh, d_b_hh, None, None, *d_state)


def run_bptt(cell: CellMath, xp: Tensor, w_hh: Tensor, b_hh: Tensor | None, mask: Tensor | None,
             state0: tuple[Tensor, ...], tag=None) -> tuple[Tensor, tuple[Tensor, ...]]:
    """Run one direction of one layer through :class:`BPTTFunction`; returns ``(outputs, final_state)``."""
    out = BPTTFunction.apply(cell, xp, w_hh, b_hh, mask, tag, *state0)
    return out[0], tuple(out[1:])
