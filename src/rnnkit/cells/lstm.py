"""LSTM cell, gate order i, f, g, o as in ``torch.nn.LSTM``.

Forward (``pre = W_ih x + b_ih + W_hh h + b_hh``, split in four blocks of H)::

    i = σ(pre_i)   f = σ(pre_f)   g = tanh(pre_g)   o = σ(pre_o)
    c' = f ⊙ c + i ⊙ g            h' = o ⊙ tanh(c')

Backward, given dh' and dc' (the gradient flowing into c' from the future)::

    dc  = dc' + dh' ⊙ o ⊙ (1 - tanh²(c'))
    do  = dh' ⊙ tanh(c')   di = dc ⊙ g   df = dc ⊙ c   dg = dc ⊙ i
    d_pre = [di ⊙ i(1-i), df ⊙ f(1-f), dg ⊙ (1-g²), do ⊙ o(1-o)]
    dc_prev = dc ⊙ f       (dh_prev comes only through W_hh, added by the engine)
"""

from __future__ import annotations

import torch

from rnnkit.cells.base import CellMath, register_cell, sigmoid_backward, tanh_backward

__all__ = ["LSTMMath"]


class LSTMMath(CellMath):
    name = "lstm"
    num_gates = 4
    state_names = ("h", "c")
    additive = True
    native = "lstm"
    keep_gate = 1  # f: rows H:2H

    def forward(self, xp, hp, state, params=()):
        _, c = state
        pre = xp if hp is None else xp + hp
        H = c.shape[-1]
        # One sigmoid over all four blocks (the g block is overwritten by tanh below): fewer kernel calls.
        sig = torch.sigmoid(pre)
        g = torch.tanh(pre[:, 2 * H : 3 * H])
        i, f, _, o = sig.chunk(4, 1)
        c_new = torch.addcmul(f * c, i, g)
        tc = torch.tanh(c_new)
        h_new = o * tc
        return (h_new, c_new), (sig, g, c, tc)

    def backward(self, d_state, saved, params=()):
        sig, g, c, tc = saved
        dh, dc_next = d_state
        H = c.shape[-1]
        i, f, _, o = sig.chunk(4, 1)
        dc = tanh_backward(dh * o, tc)  # dh ⊙ o ⊙ (1 - tanh²(c'))
        if dc_next is not None:
            dc = dc + dc_next
        # [di, df, (placeholder for g), do] through σ' in one kernel, then the g block through tanh'.
        d_pre = sigmoid_backward(torch.cat((dc * g, dc * c, dc, dh * tc), dim=1), sig)
        d_pre[:, 2 * H : 3 * H] = tanh_backward(dc * i, g)
        return d_pre, None, (None, dc * f), ()


register_cell(LSTMMath())
