"""Elman RNN cell: ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` with act = tanh or relu."""

from __future__ import annotations

import torch

from rnnkit.cells.base import CellMath, register_cell, tanh_backward, threshold_backward

__all__ = ["ElmanTanh", "ElmanReLU"]


class ElmanTanh(CellMath):
    """``h' = tanh(pre)``; backward ``d_pre = dh' * (1 - h'^2)``."""

    name = "elman_tanh"
    num_gates = 1
    state_names = ("h",)
    additive = True
    native = "rnn_tanh"

    def forward(self, xp, hp, state, params=()):
        h = torch.tanh(xp if hp is None else xp + hp)
        return (h,), (h,)

    def backward(self, d_state, saved, params=()):
        (h,) = saved
        (dh,) = d_state
        return tanh_backward(dh, h), None, (None,), ()


class ElmanReLU(CellMath):
    """``h' = relu(pre)``; backward ``d_pre = dh' * [h' > 0]``."""

    name = "elman_relu"
    num_gates = 1
    state_names = ("h",)
    additive = True
    native = "rnn_relu"

    def forward(self, xp, hp, state, params=()):
        h = torch.relu(xp if hp is None else xp + hp)
        return (h,), (h,)

    def backward(self, d_state, saved, params=()):
        (h,) = saved
        (dh,) = d_state
        return threshold_backward(dh, h, 0), None, (None,), ()  # dh where h > 0, else 0


register_cell(ElmanTanh())
register_cell(ElmanReLU())
