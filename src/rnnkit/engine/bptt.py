"""The hand-written backpropagation through time, as one ``torch.autograd.Function``.

Forward: for each step, ``hp = h_{t-1} @ W_hh^T (+ b_hh)`` (one GEMM) and the cell's pointwise step.
Backward, the batched form of min-char-rnn's loop: walk time in reverse carrying ``d_state``; at each
step the cell's local backward gives ``d_xp`` / ``d_hp``; ``dh_{t-1} = d_hp @ W_hh`` (+ direct paths).
After the loop, ``dW_hh = Σ_t d_hp_tᵀ h_{t-1}`` and ``db_hh = Σ_t d_hp_t`` are each ONE GEMM / reduction
over all steps. The input projection ``xp = x W_ihᵀ + b`` happens outside (one GEMM, differentiated by
autograd as one GEMM per weight).

State-level options, the same for every cell (:class:`LoopOptions`):

* ``mask`` (lengths): padded steps keep the state and emit zeros; their gradient passes the state
  gradient through unchanged and sends nothing into the cell.
* ``keep`` (zoneout, Krueger et al. 2016): ``s_t = k_t ⊙ s_{t-1} + (1 - k_t) ⊙ s̃_t`` per state tensor,
  with ``k_t`` Bernoulli masks in training or the constant rate in evaluation.
* ``h_mask`` (recurrent/variational dropout, Gal & Ghahramani 2016): the recurrent GEMM reads
  ``h_{t-1} ⊙ m`` with one mask ``m`` per sequence.
* ``checkpoint_steps = k`` (memory for long sequences): the forward keeps only the state at the start
  of every k-step segment; the backward recomputes each segment's per-step activations just before it
  walks back through it. Activation memory drops from O(T) cell caches to O(T/k + k), for about one
  extra forward pass of time.

Optional per-step gradient norms (``‖∂L/∂h_t‖``) are recorded through :mod:`rnnkit.engine.gradflow`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from rnnkit.cells.base import CellMath
from rnnkit.engine import gradflow

__all__ = ["LoopOptions", "BPTTFunction", "run_bptt"]


@dataclass
class LoopOptions:
    """What a time loop needs besides tensors that take gradients.

    ``keep``: one entry per state tensor: a ``(T, B, S)`` tensor of zoneout masks, a float rate (eval),
    or ``None`` (no zoneout); ``None`` for the whole tuple when zoneout is off. ``h_mask``: ``(B, H)``
    recurrent-dropout multiplier (already scaled by ``1/(1-p)``) or ``None``. ``tag``: the label of
    gradient-flow records.
    """

    cell: CellMath
    n_params: int = 0
    keep: tuple[Any, ...] | None = None
    h_mask: Tensor | None = None
    tag: Any = None
    checkpoint_steps: int = 0  # >0: keep only every k-th state, recompute each segment in backward

    def keep_at(self, t: int, mask_t: Tensor | None, like: Tensor):
        """Per state tensor, the fraction of the old state kept at step ``t`` (1 on padded steps)."""
        out = []
        for k in self.keep:
            k_t = k[t] if isinstance(k, Tensor) else (0.0 if k is None else float(k))
            if mask_t is not None:
                k_t = torch.where(mask_t, k_t, 1.0)
                if k_t.dtype != like.dtype:
                    k_t = k_t.to(like.dtype)
            out.append(k_t)
        return out


def _step(opts: LoopOptions, t: int, xp: Tensor, whh_t: Tensor, b_hh: Tensor | None, mask: Tensor | None,
          params: tuple[Tensor, ...], state: tuple[Tensor, ...]):
    """One forward step: ``(new_state, output, saved, h_seen_by_the_GEMM)``."""
    cell = opts.cell
    h = state[0] if opts.h_mask is None else state[0] * opts.h_mask
    if cell.additive:
        new, s = cell.forward(torch.addmm(xp[t], h, whh_t), None, state, params)
    else:
        hp = torch.addmm(b_hh, h, whh_t) if b_hh is not None else h.mm(whh_t)
        new, s = cell.forward(xp[t], hp, state, params)
    m = mask[t] if mask is not None else None
    if opts.keep is not None:
        new = tuple(n if isinstance(k, float) and k == 0.0 else torch.lerp(n, o, k)
                    for n, o, k in zip(new, state, opts.keep_at(t, m, xp)))
    elif m is not None:
        new = tuple(torch.where(m, n, o) for n, o in zip(new, state))
    return new, (new[0] * m if m is not None else new[0]), s, h


class BPTTFunction(torch.autograd.Function):
    """``(opts, xp, w_hh, b_hh, mask, *params, *state0) -> (outputs, *final_state)``.

    ``xp``: ``(T, B, G*H)`` projected inputs (for additive cells ``b_hh`` is already folded in and
    ``b_hh`` is ``None``). ``mask``: ``(T, B, 1)`` bool or ``None``. ``outputs``: ``(T, B, S_h)``.
    ``params``: the cell's extra parameters (``opts.n_params`` of them).
    """

    @staticmethod
    def forward(ctx, opts: LoopOptions, xp: Tensor, w_hh: Tensor, b_hh: Tensor | None, mask: Tensor | None,
                *rest: Tensor):
        params, state0 = tuple(rest[: opts.n_params]), tuple(rest[opts.n_params:])
        T = xp.shape[0]
        whh_t = w_hh.t()
        h_mask = opts.h_mask
        k = opts.checkpoint_steps
        state = state0
        outs: list[Tensor] = []
        # h_{t-1} as the GEMM saw it, for dW_hh; without a length mask it is (h0, outputs[:-1]).
        h_prevs: list[Tensor] | None = [] if mask is not None else None
        saved: list = [None] * T
        boundaries = []  # with checkpointing: the state entering each k-step segment
        for t in range(T):
            if k and t % k == 0:
                boundaries.append(state)
            state, out, s, h = _step(opts, t, xp, whh_t, b_hh, mask, params, state)
            if h_prevs is not None:
                h_prevs.append(h)
            outs.append(out)
            if not k:
                saved[t] = s
        outputs = torch.stack(outs, 0)
        if h_prevs is not None:
            h_prev = torch.stack(h_prevs, 0)
        else:
            h_prev = torch.cat((state0[0].unsqueeze(0), outputs[:-1]), 0) if T > 1 else state0[0].unsqueeze(0)
            if h_mask is not None:
                h_prev = h_prev * h_mask
        ctx.opts, ctx.saved_steps, ctx.boundaries = opts, saved, boundaries
        ctx.has_bias = b_hh is not None
        ctx.state_shapes = [s.shape for s in state0]
        ctx.save_for_backward(w_hh, h_prev, mask, xp if k else None, b_hh, *params)
        return (outputs, *state)

    @staticmethod
    @once_differentiable
    def backward(ctx, d_out: Tensor, *d_final: Tensor):
        opts: LoopOptions = ctx.opts
        cell = opts.cell
        w_hh, h_prev, mask, xp, b_hh, *params = ctx.saved_tensors
        params = tuple(params)
        saved = list(ctx.saved_steps)
        k = opts.checkpoint_steps
        T, B, _ = h_prev.shape
        G = w_hh.shape[0]
        ref = h_prev
        d_state = [d if d is not None else ref.new_zeros(shape) for d, shape in zip(d_final, ctx.state_shapes)]
        d_xps: list[Tensor] = [None] * T
        d_hps: list[Tensor] | None = None if cell.additive else [None] * T
        d_params: list[list[Tensor]] = [[] for _ in params]
        norms = [] if gradflow.active() else None
        for t in range(T - 1, -1, -1):
            m = mask[t] if mask is not None else None
            dy = d_out[t] if m is None else torch.where(m, d_out[t], 0.0)
            g = [d_state[0] + dy] + d_state[1:]
            if norms is not None:
                norms.append(g[0].norm(dim=-1))
            if opts.keep is not None:  # s_t = lerp(s̃_t, s_{t-1}, k): split the gradient by k
                ks = opts.keep_at(t, m, ref)
                keep = [gi * k for gi, k in zip(g, ks)]
                g = [gi - kg for gi, kg in zip(g, keep)]
            elif m is not None:  # padded rows pass state gradients through, send nothing to the cell
                keep = [torch.where(m, 0.0, d) for d in d_state]
                g = [torch.where(m, gi, 0.0) for gi in g]
            else:
                keep = None
            if saved[t] is None:  # checkpointing: recompute this segment's caches from its first state
                start = (t // k) * k
                state = ctx.boundaries[t // k]
                with torch.no_grad():
                    for u in range(start, t + 1):
                        state, _, saved[u], _ = _step(opts, u, xp, w_hh.t(), b_hh, mask, params, state)
            dxp_t, dhp_t, direct, dpar = cell.backward(tuple(g), saved[t], params)
            saved[t] = None  # free as we go
            d_xps[t] = dxp_t
            if dhp_t is None:
                dhp_t = dxp_t
            else:
                d_hps[t] = dhp_t
            for acc, d in zip(d_params, dpar):
                acc.append(d)
            if opts.h_mask is None:
                dh_prev = dhp_t.mm(w_hh) if direct[0] is None else torch.addmm(direct[0], dhp_t, w_hh)
            else:
                dh_prev = dhp_t.mm(w_hh) * opts.h_mask
                if direct[0] is not None:
                    dh_prev = dh_prev + direct[0]
            new_state = [dh_prev] + [d if d is not None else ref.new_zeros(shape)
                                     for d, shape in zip(direct[1:], ctx.state_shapes[1:])]
            if keep is not None:
                new_state = [n + k for n, k in zip(new_state, keep)]
            d_state = new_state
        d_xp = torch.stack(d_xps, 0)
        flat_dhp = (d_xp if d_hps is None else torch.stack(d_hps, 0)).reshape(T * B, G)
        d_w_hh = flat_dhp.t().mm(h_prev.reshape(T * B, -1)) if ctx.needs_input_grad[2] else None
        d_b_hh = flat_dhp.sum(0) if ctx.has_bias and ctx.needs_input_grad[3] else None
        d_param_tensors = [torch.stack(acc, 0).sum(0) for acc in d_params]
        if norms is not None:
            gradflow.record(opts.tag, torch.stack(norms[::-1], 0))
        return (None, d_xp, d_w_hh, d_b_hh, None, *d_param_tensors, *d_state)


def run_bptt(opts: LoopOptions, xp: Tensor, w_hh: Tensor, b_hh: Tensor | None, mask: Tensor | None,
             params: tuple[Tensor, ...], state0: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
    """Run one direction of one layer through :class:`BPTTFunction`; returns ``(outputs, final_state)``."""
    out = BPTTFunction.apply(opts, xp, w_hh, b_hh, mask, *params, *state0)
    return out[0], tuple(out[1:])
