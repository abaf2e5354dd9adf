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

from functools import partial

import torch
from torch import Tensor

from rnnkit.engine import fused, gradflow
from rnnkit.engine.first_order import refuse_double_backward
from rnnkit.engine.step import LoopOptions, StepSpec, backward_step, forward_step, keep_at, keep_tensors

# LoopOptions, StepSpec and the step functions live in rnnkit.engine.step; named here too, where the
# loop that uses them is.
__all__ = ["LoopOptions", "StepSpec", "BPTTFunction", "forward_step", "backward_step", "run_bptt"]


def step_functions(opts: LoopOptions, spec: StepSpec, record: bool, like: Tensor, state_shapes):
    """``(forward, backward)`` step functions without the static arguments: eager partials, or the
    compiled ones from :mod:`rnnkit.engine.fused` when ``opts.fused`` -- but not while ``torch.compile`` traces
    the layer: the outer compile compiles the step itself, and a compiled step called inside its trace was
    dynamo's InternalTorchDynamoError ('An intermediate tensor 'w_hh' ... aliases an input or output') once the
    step had run eagerly (``torch.compile(layer)`` of an ``engine="fused"`` layer; session 28)."""
    if opts.fused and not torch.compiler.is_compiling():
        return fused.step_functions(spec, record, like, state_shapes)
    return partial(forward_step, spec), partial(backward_step, spec, record)


_SAVED = object()   # a cache's tensor, in the structure kept on ctx: its value is among ctx.saved_tensors


def _map_cache(cache, leaf):
    """``cache`` (a tensor or nested tuples/lists/dicts of them; namedtuples too) with ``leaf`` applied to each of
    its leaves, in one fixed order (a hand-written walk: torch's pytree took ~6 ms for T=200 steps' caches)."""
    if isinstance(cache, (tuple, list)):
        items = [_map_cache(c, leaf) for c in cache]
        return type(cache)(*items) if hasattr(cache, "_fields") else type(cache)(items)
    if isinstance(cache, dict):
        return {k: _map_cache(v, leaf) for k, v in cache.items()}
    return leaf(cache)


def _take_tensors(cache, tensors: list):
    """``cache`` with each tensor appended to ``tensors`` and replaced by ``_SAVED``."""
    return _map_cache(cache, lambda v: (tensors.append(v), _SAVED)[1] if isinstance(v, Tensor) else v)


def _put_tensors(cache, tensors):
    """:func:`_take_tensors` undone: each ``_SAVED`` replaced by the next of the iterator ``tensors``."""
    return _map_cache(cache, lambda v: next(tensors) if v is _SAVED else v)


def _alias_outputs(cache, outputs: tuple[Tensor, ...]):
    """``cache`` with every tensor that IS one of ``outputs`` replaced by ``t.detach()`` (same storage and version
    counter, no grad_fn)."""
    return _map_cache(cache, lambda v: v.detach() if isinstance(v, Tensor) and any(v is o for o in outputs) else v)


def _detached(xp: Tensor, w_hh: Tensor, b_hh: Tensor | None, params: tuple[Tensor, ...],
              state0: tuple[Tensor, ...]):
    """The fused engine's inputs detached: one compiled variant, inputs never carry requires_grad into the
    compiled step (weights are parameters that require grad under ``torch.no_grad()`` too)."""
    return (xp.detach(), w_hh.detach(), None if b_hh is None else b_hh.detach(), tuple(p.detach() for p in params),
            tuple(s.detach() for s in state0))


def forward_loop(opts: LoopOptions, xp: Tensor, w_hh: Tensor, b_hh: Tensor | None, mask: Tensor | None,
                 params: tuple[Tensor, ...], state0: tuple[Tensor, ...], caches: bool):
    """The forward time loop: ``(outputs, final_state, spec, state0, h_prev, saved, boundaries)``. With ``caches``
    (a call autograd records) it keeps what the backward reads: ``h_prev`` (``h_{t-1}`` as the GEMM saw it),
    each step's cache ``saved`` (``None`` where checkpointing recomputes it) and the checkpoint ``boundaries``;
    without (no gradient can flow: :func:`run_bptt` outside the Function) those are ``None`` and each step's cache
    is dropped as soon as it is made -- the same steps, the same numbers."""
    # Step 0's cache (and a checkpoint's first boundary) keeps the initial state as a ctx attribute, which
    # autograd's version check does not see: an h0/c0 modified in place after the call (a buffer reused)
    # changed the gradients silently (GRU's h0, LSTM's c0). Copies the caller cannot reach, (B, S) each (also
    # without caches: a cell returning its state unchanged never hands the caller's own tensor back).
    state0 = tuple(s.clone() for s in state0)
    T = xp.shape[0]
    whh_t = w_hh.t()
    h_mask = opts.h_mask
    k = opts.checkpoint_steps if caches else 0
    spec = opts.spec(mask is not None, b_hh is not None)
    fwd, _ = step_functions(opts, spec, False, xp, [s.shape for s in state0])
    keeps = keep_tensors(opts)
    state = state0
    h_in = state0[0] * h_mask if h_mask is not None else state0[0]
    outs: list[Tensor] = []
    # h_{t-1} as the GEMM saw it, for dW_hh; without a length mask it is (h0, outputs[:-1]).
    h_prevs: list[Tensor] | None = [] if mask is not None and caches else None
    saved: list | None = [None] * T if caches else None
    boundaries = []  # with checkpointing: the state entering each k-step segment
    for t in range(T):
        if k and t % k == 0:
            boundaries.append(state)
        if h_prevs is not None:
            h_prevs.append(h_in)
        state, out, s, h_in = fwd(xp[t], h_in, whh_t, b_hh, h_mask, None if mask is None else mask[t],
                                  keep_at(keeps, t), params, state)
        outs.append(out)
        if saved is not None and not k:
            saved[t] = s
    outputs = torch.stack(outs, 0)
    if not caches:
        return outputs, state, spec, state0, None, None, None
    if h_prevs is not None:
        h_prev = torch.stack(h_prevs, 0)
    else:
        h_prev = torch.cat((state0[0].unsqueeze(0), outputs[:-1]), 0) if T > 1 else state0[0].unsqueeze(0)
        if h_mask is not None:
            h_prev = h_prev * h_mask
    return outputs, state, spec, state0, h_prev, saved, boundaries


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
        if opts.fused:
            xp, w_hh, b_hh, params, state0 = _detached(xp, w_hh, b_hh, params, state0)
        outputs, state, spec, state0, h_prev, saved, boundaries = forward_loop(opts, xp, w_hh, b_hh, mask, params,
                                                                               state0, caches=True)
        T, k = xp.shape[0], opts.checkpoint_steps
        if T and saved[T - 1] is not None:
            # The last step's cache can hold the very tensors returned as the final state (the peephole
            # and LayerNorm cells keep c_t). Autograd makes this node their grad_fn, so a ctx attribute
            # pointing at them would be a cycle through the C++ node that gc cannot see, and every
            # step's cache would leak with it. Keep aliases without autograd history instead.
            saved[T - 1] = _alias_outputs(saved[T - 1], state)
        # The steps' caches and the segments' first states go through save_for_backward, not ctx attributes: autograd
        # frees what it saved once backward has run (unless retain_graph), where an attribute lived as long as the
        # graph did -- a loss kept after its backward (a list of losses, the Trainer's last step) held a whole batch's
        # activations (session 28: ~1 GB for 8 losses at T=1500, torch.nn's LSTM ~0.1 GB).
        cached: list[Tensor] = []
        ctx.caches = _take_tensors((saved, boundaries), cached)
        ctx.opts, ctx.spec = opts, spec
        ctx.has_bias = b_hh is not None
        ctx.state_shapes = [s.shape for s in state0]
        ctx.n_fixed = 5 + len(params)
        ctx.save_for_backward(w_hh, h_prev, mask, xp if k else None, b_hh, *params,
                              *cached)
        return (outputs, *state)

    @staticmethod
    def backward(ctx, d_out: Tensor, *d_final: Tensor):
        opts: LoopOptions = ctx.opts
        refuse_double_backward("engine", "fused" if opts.fused else "bptt",
                               "'reference' (or 'native' for a configuration torch.nn computes)")
        tensors = ctx.saved_tensors
        w_hh, h_prev, mask, xp, b_hh, *params = tensors[:ctx.n_fixed]
        params = tuple(params)
        saved, boundaries = _put_tensors(ctx.caches, iter(tensors[ctx.n_fixed:]))
        saved = list(saved)
        k = opts.checkpoint_steps
        T, B, S_in = h_prev.shape
        G = w_hh.shape[0]
        ref = h_prev
        record = gradflow.active()
        fwd, bwd = step_functions(opts, ctx.spec, record, ref, ctx.state_shapes)
        keeps = keep_tensors(opts)
        h_mask = opts.h_mask
        d_state = tuple(d if d is not None else ref.new_zeros(shape) for d, shape in zip(d_final, ctx.state_shapes))
        d_xps: list[Tensor] = [None] * T
        d_hps: list[Tensor] | None = None if opts.cell.additive else [None] * T
        d_params: list[list[Tensor]] = [[] for _ in params]
        norms = [] if record else None
        for t in range(T - 1, -1, -1):
            m = mask[t] if mask is not None else None
            if saved[t] is None:  # checkpointing: recompute this segment's caches from its first state
                start = (t // k) * k
                state = boundaries[t // k]
                h_in = state[0] * h_mask if h_mask is not None else state[0]
                with torch.no_grad():
                    for u in range(start, t + 1):
                        state, _, saved[u], h_in = fwd(xp[u], h_in, w_hh.t(), b_hh, h_mask,
                                                       None if mask is None else mask[u], keep_at(keeps, u), params, state)
            dxp_t, dhp_t, d_state, dpar, norm = bwd(d_state, d_out[t], m, keep_at(keeps, t), saved[t], params, w_hh,
                                                    h_mask)
            saved[t] = None  # free as we go
            d_xps[t] = dxp_t
            if dhp_t is not None:
                d_hps[t] = dhp_t
            for acc, d in zip(d_params, dpar):
                acc.append(d)
            if norms is not None:
                norms.append(norm)
        d_xp = torch.stack(d_xps, 0)
        flat_dhp = (d_xp if d_hps is None else torch.stack(d_hps, 0)).reshape(T * B, G)
        d_w_hh = flat_dhp.t().mm(h_prev.reshape(T * B, S_in)) if ctx.needs_input_grad[2] else None
        d_b_hh = flat_dhp.sum(0) if ctx.has_bias and ctx.needs_input_grad[3] else None
        d_param_tensors = [torch.stack(acc, 0).sum(0) for acc in d_params]
        if norms is not None:   # with each sequence's valid length (a prefix mask: steps 0 .. L-1)
            lengths = opts.record_lengths   # a sequence that ended before this chunk: 0, not its discarded step
            if lengths is None and mask is not None:
                lengths = (mask.reshape(T, B, -1)[:, :, 0] != 0).sum(0)
            gradflow.record(opts.tag, torch.stack(norms[::-1], 0), lengths, opts.owner)
        return (None, d_xp, d_w_hh, d_b_hh, None, *d_param_tensors, *d_state)


def run_bptt(opts: LoopOptions, xp: Tensor, w_hh: Tensor, b_hh: Tensor | None, mask: Tensor | None,
             params: tuple[Tensor, ...], state0: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
    """Run one direction of one layer through :class:`BPTTFunction`; returns ``(outputs, final_state)``.

    A call no gradient can flow from (grad mode off -- ``torch.no_grad()``, ``inference_mode``, a
    generation loop, a service's predict -- or no tensor requiring grad) runs :func:`forward_loop` alone: the
    Function's bookkeeping for a backward that cannot come (each step's cache taken apart and saved,
    ``h_{t-1}`` stacked, the checkpoints kept) cost ~18 us a call at T=1 and a cache walk every step
    (``benchmarks/bench_overhead.py``); the steps and their numbers are the same."""
    if not torch.is_grad_enabled() or not any(t is not None and t.requires_grad
                                              for t in (xp, w_hh, b_hh, *params, *state0)):
        if opts.fused:
            xp, w_hh, b_hh, params, state0 = _detached(xp, w_hh, b_hh, params, state0)
        outputs, state, *_ = forward_loop(opts, xp, w_hh, b_hh, mask, params, state0, caches=False)
        return outputs, state
    out = BPTTFunction.apply(opts, xp, w_hh, b_hh, mask, *params, *state0)
    return out[0], tuple(out[1:])
