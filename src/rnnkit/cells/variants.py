"""Cell variants for the hand-BPTT engine: LSTM with peepholes / projection / a normalised cell state,
and layer normalisation of the recurrent pre-activation for any cell. Each has a hand-derived backward
checked by gradcheck; at their neutral settings they equal the plain cells (tests).

Engine-level variants that apply to every cell (zoneout, recurrent dropout on h, DropConnect on W_hh)
live in the engine and layers, not here: they act on states and weights, not on gate math.
"""

from __future__ import annotations

import torch
from torch import Tensor

from rnnkit.cells.base import CellMath, sigmoid_backward, tanh_backward
from rnnkit.cells.lstm import LSTMMath
from rnnkit.cells.norm import layer_norm_backward, layer_norm_forward

__all__ = ["LSTMVariantMath", "LayerNormRecurrent"]


class LSTMVariantMath(LSTMMath):
    r"""LSTM with optional peepholes (Gers & Schmidhuber 2000), a normalised cell state in the output
    (Ba et al. 2016, ``layer_norm_cell``) and an output projection (Sak et al. 2014, ``proj_size``, as
    ``torch.nn.LSTM``)::

        i = σ(pre_i + w_ci ⊙ c)   f = σ(pre_f + w_cf ⊙ c)   g = tanh(pre_g)
        c' = f ⊙ c + i ⊙ g        o = σ(pre_o + w_co ⊙ c')
        m = o ⊙ tanh(LN(c'))      h' = W_hr m   (or h' = m without projection)

    Backward (dm = W_hrᵀ dh' with projection, and dW_hr += dh'ᵀ m)::

        d_pre_o = σ'(dm ⊙ tanh(LN c'))        dc = LN'(tanh'(dm ⊙ o)) + dc' + w_co ⊙ d_pre_o
        d_pre_i = σ'(dc ⊙ g)   d_pre_f = σ'(dc ⊙ c)   d_pre_g = tanh'(dc ⊙ i)
        dc_prev = dc ⊙ f + w_ci ⊙ d_pre_i + w_cf ⊙ d_pre_f
    """

    def __init__(self, peephole: bool = False, proj_size: int = 0, layer_norm_cell: bool = False) -> None:
        self.peephole, self.proj_size, self.layer_norm_cell = peephole, proj_size, layer_norm_cell
        only_proj = not peephole and not layer_norm_cell
        self.native = "lstm" if only_proj else None  # torch.nn.LSTM computes the projection too
        parts = [n for n, on in (("peephole", peephole), (f"proj{proj_size}", proj_size),
                                 ("lncell", layer_norm_cell)) if on]
        self.name = "lstm_" + "_".join(parts) if parts else "lstm"

    def __repr__(self) -> str:
        return (f"LSTMVariantMath(peephole={self.peephole}, proj_size={self.proj_size}, "
                f"layer_norm_cell={self.layer_norm_cell})")

    def state_sizes(self, hidden_size):
        return (self.proj_size or hidden_size, hidden_size)

    def param_specs(self, hidden_size):
        H, specs = hidden_size, []
        if self.peephole:
            specs += [("weight_ci", (H,), "uniform"), ("weight_cf", (H,), "uniform"), ("weight_co", (H,), "uniform")]
        if self.layer_norm_cell:
            specs += [("ln_c_weight", (H,), "ones"), ("ln_c_bias", (H,), "zeros")]
        if self.proj_size:
            specs += [("weight_hr", (self.proj_size, H), "uniform")]
        return specs

    def _unpack(self, params):
        it = iter(params)
        w_ci, w_cf, w_co = (next(it), next(it), next(it)) if self.peephole else (None, None, None)
        ln_w, ln_b = (next(it), next(it)) if self.layer_norm_cell else (None, None)
        w_hr = next(it) if self.proj_size else None
        return w_ci, w_cf, w_co, ln_w, ln_b, w_hr

    def forward(self, xp, hp, state, params=()):
        _, c = state
        w_ci, w_cf, w_co, ln_w, ln_b, w_hr = self._unpack(params)
        H = c.shape[-1]
        pre = xp if hp is None else xp + hp
        if self.peephole:
            i_f = torch.sigmoid(pre[:, : 2 * H] + torch.cat((w_ci * c, w_cf * c), 1))
            i, f = i_f[:, :H], i_f[:, H:]
        else:
            i_f = torch.sigmoid(pre[:, : 2 * H])
            i, f = i_f[:, :H], i_f[:, H:]
        g = torch.tanh(pre[:, 2 * H : 3 * H])
        c_new = torch.addcmul(f * c, i, g)
        o = torch.sigmoid(pre[:, 3 * H :] + w_co * c_new if self.peephole else pre[:, 3 * H :])
        if self.layer_norm_cell:
            cn, ln_cache = layer_norm_forward(c_new, ln_w, ln_b)
        else:
            cn, ln_cache = c_new, None
        tc = torch.tanh(cn)
        m = o * tc
        h_new = m.mm(w_hr.t()) if self.proj_size else m
        return (h_new, c_new), (i, f, g, o, c, c_new, tc, m, ln_cache)

    def backward(self, d_state, saved, params=()):
        i, f, g, o, c, c_new, tc, m, ln_cache = saved
        w_ci, w_cf, w_co, ln_w, ln_b, w_hr = self._unpack(params)
        dh, dc_next = d_state
        d_params: list[Tensor] = []
        dm = dh.mm(w_hr) if self.proj_size else dh
        d_o = sigmoid_backward(dm * tc, o)
        dc = tanh_backward(dm * o, tc)
        if self.layer_norm_cell:
            dc, d_lnw, d_lnb = layer_norm_backward(dc, ln_cache, ln_w)
        if dc_next is not None:
            dc = dc + dc_next
        if self.peephole:
            dc = dc + d_o * w_co
        d_i = sigmoid_backward(dc * g, i)
        d_f = sigmoid_backward(dc * c, f)
        d_g = tanh_backward(dc * i, g)
        d_pre = torch.cat((d_i, d_f, d_g, d_o), 1)
        dc_prev = dc * f
        if self.peephole:
            dc_prev = dc_prev + d_i * w_ci + d_f * w_cf
            d_params += [(d_i * c).sum(0), (d_f * c).sum(0), (d_o * c_new).sum(0)]
        if self.layer_norm_cell:
            d_params += [d_lnw, d_lnb]
        if self.proj_size:
            d_params.append(dh.t().mm(m))
        return d_pre, None, (None, dc_prev), tuple(d_params)


class LayerNormRecurrent(CellMath):
    """Wrap a cell so its recurrent pre-activation is layer-normalised: ``hp → LN(W_hh h + b_hh)``
    (Ba et al. 2016; the layer normalises the input pre-activation ``W_ih x + b_ih`` likewise, once for
    all steps). Normalisation is over all gate blocks together, as in the paper."""

    additive = False
    native = None

    def __init__(self, base: CellMath) -> None:
        self.base = base
        self.name = f"ln_{base.name}"
        self.num_gates = base.num_gates
        self.state_names = base.state_names
        self.keep_gate = base.keep_gate

    def __repr__(self) -> str:
        return f"LayerNormRecurrent({self.base!r})"

    def state_sizes(self, hidden_size):
        return self.base.state_sizes(hidden_size)

    def param_specs(self, hidden_size):
        G = self.num_gates * hidden_size
        return [("ln_hh_weight", (G,), "ones"), ("ln_hh_bias", (G,), "zeros")] + self.base.param_specs(hidden_size)

    def forward(self, xp, hp, state, params=()):
        hn, cache = layer_norm_forward(hp, params[0], params[1])
        if self.base.additive:
            new, saved = self.base.forward(xp + hn, None, state, params[2:])
        else:
            new, saved = self.base.forward(xp, hn, state, params[2:])
        return new, (saved, cache)

    def backward(self, d_state, saved, params=()):
        base_saved, cache = saved
        d_xp, d_hn, direct, d_rest = self.base.backward(d_state, base_saved, params[2:])
        d_hp, d_w, d_b = layer_norm_backward(d_xp if d_hn is None else d_hn, cache, params[0])
        return d_xp, d_hp, direct, (d_w, d_b, *d_rest)
