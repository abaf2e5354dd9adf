"""GRU cell, gate order r, z, n as in ``torch.nn.GRU`` (reset applied after the recurrent matmul).

Forward (``xp = W_ih x + b_ih``, ``hp = W_hh h + b_hh``, both split in three blocks of H)::

    r = σ(xp_r + hp_r)   z = σ(xp_z + hp_z)   n = tanh(xp_n + r ⊙ hp_n)
    h' = (1 - z) ⊙ n + z ⊙ h

Backward, given dh'::

    dn_pre = dh' ⊙ (1 - z) ⊙ (1 - n²)
    dz_pre = dh' ⊙ (h - n) ⊙ z(1 - z)
    dr_pre = dn_pre ⊙ hp_n ⊙ r(1 - r)
    d_xp = [dr_pre, dz_pre, dn_pre]      d_hp = [dr_pre, dz_pre, dn_pre ⊙ r]
    dh_prev (direct) = dh' ⊙ z
"""

from __future__ import annotations

import torch

from rnnkit.cells.base import CellMath, register_cell, sigmoid_backward, tanh_backward

__all__ = ["GRUMath"]


class GRUMath(CellMath):
    name = "gru"
    num_gates = 3
    state_names = ("h",)
    additive = False
    native = "gru"
    keep_gate = 1  # z: rows H:2H

    def forward(self, xp, hp, state, params=()):
        (h,) = state
        H = h.shape[-1]
        rz = torch.sigmoid(xp[:, : 2 * H] + hp[:, : 2 * H])
        r, z = rz[:, :H], rz[:, H:]
        hn = hp[:, 2 * H :]
        n = torch.tanh(torch.addcmul(xp[:, 2 * H :], r, hn))
        h_new = torch.lerp(n, h, z)  # n + z ⊙ (h - n)
        return (h_new,), (rz, n, hn, h)

    def backward(self, d_state, saved, params=()):
        rz, n, hn, h = saved
        (dh,) = d_state
        H = h.shape[-1]
        r, z = rz[:, :H], rz[:, H:]
        dh_z = dh * z  # also the direct gradient into h_{t-1}
        dn_pre = tanh_backward(dh - dh_z, n)
        d_rz = sigmoid_backward(torch.cat((dn_pre * hn, dh * (h - n)), dim=1), rz)
        d_xp = torch.cat((d_rz, dn_pre), dim=1)
        d_hp = torch.cat((d_rz, dn_pre * r), dim=1)
        return d_xp, d_hp, (dh_z,), ()


register_cell(GRUMath())
