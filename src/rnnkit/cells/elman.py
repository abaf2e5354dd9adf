"""Elman RNN cell: ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` with act = tanh or relu."""

from __future__ import annotations

import torch

from rnnkit.cells.base import CellMath, register_cell, tanh_backward, threshold_backward

__all__ = ["ElmanMath", "ElmanTanh", "ElmanReLU"]


class ElmanMath(CellMath):
    """``h' = act(pre)`` with ``pre = xp + hp``; backward ``d_pre = act'(h') ⊙ dh'``, written through the
    output ``h'`` (``1 - h'^2`` for tanh, ``[h' > 0]`` for relu). A subclass names the activation, its
    derivative from the output, and torch's kernel."""

    num_gates = 1
    state_names = ("h",)
    additive = True

    @staticmethod
    def activation(pre):  # pragma: no cover - declared by subclasses
        raise NotImplementedError

    @staticmethod
    def activation_backward(dh, h):  # pragma: no cover - declared by subclasses
        raise NotImplementedError

    def forward(self, xp, hp, state, params=()):
        h = self.activation(xp if hp is None else xp + hp)
        return (h,), (h,)

    def backward(self, d_state, saved, params=()):
        return self.activation_backward(d_state[0], saved[0]), None, (None,), ()


class ElmanTanh(ElmanMath):
    """``h' = tanh(pre)``; backward ``d_pre = dh' * (1 - h'^2)``."""

    name, native = "elman_tanh", "rnn_tanh"
    activation = staticmethod(torch.tanh)
    activation_backward = staticmethod(tanh_backward)


class ElmanReLU(ElmanMath):
    """``h' = relu(pre)``; backward ``d_pre = dh' * [h' > 0]``."""

    name, native = "elman_relu", "rnn_relu"
    activation = staticmethod(torch.relu)

    @staticmethod
    def activation_backward(dh, h):
        return threshold_backward(dh, h, 0)  # dh where h > 0, else 0


register_cell(ElmanTanh())
register_cell(ElmanReLU())
