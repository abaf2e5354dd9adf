"""One time step of the hand-written engine, as pure tensor functions, and the options of a time loop.

:func:`forward_step` and :func:`backward_step` are the whole per-step work of the hand-written BPTT
(:mod:`rnnkit.engine.bptt`): the recurrent GEMM, the cell's pointwise ``forward`` / hand-derived
``backward``, the length mask, zoneout and the recurrent-dropout mask. The eager engine calls them
directly, the fused engine (:mod:`rnnkit.engine.fused`) compiles them, and the export twins
(:mod:`rnnkit.export.graph`) step them inside ``torch.scan``; so every engine runs the same math.
:class:`StepSpec` is everything about a step that is not a tensor (what a compiled step specialises on);
:class:`LoopOptions` what a whole loop needs besides the tensors that take gradients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from rnnkit.cells.base import CellMath

__all__ = ["LoopOptions", "StepSpec", "forward_step", "backward_step", "keep_tensors", "keep_at"]


@dataclass
class LoopOptions:
    """What a time loop needs besides tensors that take gradients.

    ``keep``: one entry per state tensor: a ``(T, B, S)`` tensor of zoneout masks, a float rate (eval),
    or ``None`` (no zoneout); ``None`` for the whole tuple when zoneout is off. ``h_mask``: ``(B, H)``
    recurrent-dropout multiplier (already scaled by ``1/(1-p)``) or ``None``. ``tag``: the label of
    gradient-flow records. ``fused``: run each step's pointwise work (and its GEMM) as one function
    compiled by ``torch.compile`` (:mod:`rnnkit.engine.fused`) instead of op by op; same math.
    ``record_lengths``: the ``(B,)`` lengths a gradient-flow record keeps when they differ from the mask's
    (a sequence that ended before a truncated-BPTT chunk has length 0 and runs one discarded step).
    ``owner``: the layer's key in gradient-flow records (two layers with one ``tag`` are kept apart).
    """

    cell: CellMath
    n_params: int = 0
    keep: tuple[Any, ...] | None = None
    h_mask: Tensor | None = None
    tag: Any = None
    checkpoint_steps: int = 0  # >0: keep only every k-th state, recompute each segment in backward
    fused: bool = False
    record_lengths: Tensor | None = None
    owner: Any = None

    def keep_at(self, t: int, mask_t: Tensor | None, like: Tensor):
        """Per state tensor, the fraction of the old state kept at step ``t`` (1 on padded steps)."""
        return _keep_values(self.keep, tuple(k[t] if isinstance(k, Tensor) else None for k in self.keep),
                            mask_t, like)

    def spec(self, masked: bool, has_bias: bool) -> "StepSpec":
        """The static description of one step (what a compiled step specialises on)."""
        keep = None if self.keep is None else tuple(
            "tensor" if isinstance(k, Tensor) else (None if k is None else float(k)) for k in self.keep)
        return StepSpec(self.cell, keep, masked, self.h_mask is not None, has_bias)


@dataclass(frozen=True)
class StepSpec:
    """Everything about one time step that is not a tensor: the cell, per state tensor the zoneout kind
    (``"tensor"``: a per-step mask is passed; a float: the eval-mode rate; ``None``: no zoneout), whether
    a length mask, a recurrent-dropout mask and a recurrent bias (non-additive cells) are present."""

    cell: CellMath
    keep: tuple[Any, ...] | None
    masked: bool
    h_mask: bool
    has_bias: bool


def _keep_values(keep_kinds, keep_t, mask_t, like):
    """Per state tensor, the zoneout keep fraction of one step: the step's mask, the eval-mode rate or 0,
    and 1 on padded steps, in ``like``'s dtype: ``torch.where(mask_t, 0.7, 1.0)`` would make a float32
    tensor, so a float64 layer would mix its states at float32 precision. ``m * k + (1 - m)`` with the
    mask as 0/1 of ``like``'s dtype is exact (``k`` or 1) and creates no tensor from a Python number,
    which the export twins' ``torch.scan`` bodies could not trace."""
    out = []
    for kind, kt in zip(keep_kinds, keep_t):
        k = kt if kt is not None else (0.0 if kind is None or isinstance(kind, str) else float(kind))
        if mask_t is not None:
            m = mask_t.to(like.dtype)
            k = m * k + (1.0 - m)
            if k.dtype != like.dtype:
                k = k.to(like.dtype)
        out.append(k)
    return out


def forward_step(spec: StepSpec, xp_t: Tensor, h_in: Tensor, whh_t: Tensor, b_hh: Tensor | None,
                 h_mask: Tensor | None, m_t: Tensor | None, keep_t: tuple, params: tuple[Tensor, ...],
                 state: tuple[Tensor, ...]):
    """One forward step, a pure tensor function: the recurrent GEMM on ``h_in`` (``h_{t-1}``, already
    multiplied by the recurrent-dropout mask), the cell's pointwise step, then zoneout / length masking.

    Returns ``(new_state, output_t, saved, h_in_next)`` where ``h_in_next`` is what the next step's GEMM
    reads (``h_t ⊙ h_mask``). The eager engine calls it directly; the fused engine compiles it.
    """
    cell = spec.cell
    if cell.additive:
        new, s = cell.forward(torch.addmm(xp_t, h_in, whh_t), None, state, params)
    else:
        hp = torch.addmm(b_hh, h_in, whh_t) if b_hh is not None else h_in.mm(whh_t)
        new, s = cell.forward(xp_t, hp, state, params)
    if spec.keep is not None:
        ks = _keep_values(spec.keep, keep_t, m_t, xp_t)
        new = tuple(n if isinstance(k, float) and k == 0.0 else torch.lerp(n, o, k)
                    for n, o, k in zip(new, state, ks))
    elif m_t is not None:
        new = tuple(torch.where(m_t, n, o) for n, o in zip(new, state))
    out = torch.where(m_t, new[0], 0.0) if m_t is not None else new[0]   # 0, not NaN * 0, past a NaN sequence's end
    h_next = new[0] * h_mask if h_mask is not None else new[0]
    return new, out, s, h_next


def backward_step(spec: StepSpec, record: bool, d_state: tuple[Tensor, ...], d_out_t: Tensor,
                  m_t: Tensor | None, keep_t: tuple, saved, params: tuple[Tensor, ...], w_hh: Tensor,
                  h_mask: Tensor | None):
    """One backward step, a pure tensor function: add the output gradient, split it by zoneout / length
    masks, the cell's local backward, then ``dh_{t-1} = (d_hp W_hh) ⊙ h_mask + direct``.

    Returns ``(d_xp, d_hp, d_state_prev, d_params, norm)`` (``d_hp`` ``None`` when equal to ``d_xp``;
    ``norm`` = ‖∂L/∂h_t‖ per row when ``record``, else ``None``).
    """
    cell = spec.cell
    dy = d_out_t if m_t is None else torch.where(m_t, d_out_t, 0.0)
    g = [d_state[0] + dy] + list(d_state[1:])
    norm = _row_norm(g[0]) if record else None
    if spec.keep is not None:  # s_t = lerp(s̃_t, s_{t-1}, k): split the gradient by k
        ks = _keep_values(spec.keep, keep_t, m_t, g[0])
        keep = [gi * k for gi, k in zip(g, ks)]
        g = [gi - kg for gi, kg in zip(g, keep)]
    elif m_t is not None:  # padded rows pass state gradients through, send nothing to the cell
        keep = [torch.where(m_t, 0.0, d) for d in d_state]
        g = [torch.where(m_t, gi, 0.0) for gi in g]
    else:
        keep = None
    dxp_t, dhp_t, direct, dpar = cell.backward(tuple(g), saved, params)
    dhp = dxp_t if dhp_t is None else dhp_t
    if h_mask is None:
        dh_prev = dhp.mm(w_hh) if direct[0] is None else torch.addmm(direct[0], dhp, w_hh)
    else:
        dh_prev = dhp.mm(w_hh) * h_mask
        if direct[0] is not None:
            dh_prev = dh_prev + direct[0]
    new_state = [dh_prev] + [d if d is not None else torch.zeros_like(s) for d, s in zip(direct[1:], d_state[1:])]
    if keep is not None:
        new_state = [n + k for n, k in zip(new_state, keep)]
    return dxp_t, dhp_t, tuple(new_state), tuple(dpar), norm


def _row_norm(g: Tensor) -> Tensor:
    """‖g‖ per row, its squares summed in float64 (float32 on MPS) and returned in at least float32: torch's norm
    sums them in g's dtype, so an exploding gradient of 1e20 per element (finite) was recorded as inf in float32,
    and the gradient-flow summary said 'non-finite' where it should say 'exploding'."""
    wide = torch.float32 if g.device.type == "mps" else torch.float64
    return torch.linalg.vector_norm(g, dim=-1, dtype=wide).to(torch.promote_types(g.dtype, torch.float32))


def keep_tensors(opts: LoopOptions):
    """The zoneout masks that are per-step tensors (``None`` elsewhere), or ``None`` without zoneout."""
    if opts.keep is None:
        return None
    return tuple(k if isinstance(k, Tensor) else None for k in opts.keep)


def keep_at(keeps, t: int) -> tuple:
    """Step ``t`` of :func:`keep_tensors`' masks: the ``keep_t`` argument of the step functions."""
    return () if keeps is None else tuple(k[t] if k is not None else None for k in keeps)
