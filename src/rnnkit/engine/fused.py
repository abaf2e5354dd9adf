"""Fused steps: each time step of the hand-written BPTT as ONE compiled function each way.

The eager engine (:mod:`rnnkit.engine.bptt`) runs a step as the recurrent GEMM followed by the cell's
pointwise ops one kernel at a time (≈ 10–20 small kernels per step, each with Python dispatch). Here the
same pure step functions (:func:`~rnnkit.engine.step.forward_step`,
:func:`~rnnkit.engine.step.backward_step`: the GEMM, the cell's ``forward`` / hand-derived
``backward``, the length mask ``where``, zoneout's ``lerp`` with its keep-mask, the recurrent-dropout
multiply and, in backward, ``dh_{t-1} = (d_hp W_hh) ⊙ m + direct``) are compiled with
``torch.compile(fullgraph=True, dynamic=False)``. Inductor fuses every pointwise op of a step into one
kernel (a C++/OpenMP loop on CPU, a Triton kernel on GPU) around the GEMM, which stays a BLAS call.
This works for any :class:`~rnnkit.cells.CellMath` — the registered cells, the variants
(LayerNorm with its hand-written backward, peepholes, projection) and user cells — without writing a
kernel per cell, because a cell is already a pure tensor function.

Numbers: the math is the eager engine's, op for op; Inductor may reorder floating-point work inside a
kernel (e.g. how it evaluates σ), so results agree to rounding (≈1e-15 relative in float64), not bit
for bit. Precision: each op runs in the tensors' dtype; for bfloat16/float16 Inductor computes inside
the fused kernel in float32 and rounds once when it writes each output (eager rounds after every op),
so the fused path is at least as accurate as eager at low precision. GEMMs are torch's (TF32 only if
``torch.backends.cuda.matmul.allow_tf32`` / ``torch.set_float32_matmul_precision`` allow it).

Caching: one compiled pair per (cell math, step options, batch, state sizes, dtype, device), in a
bounded LRU cache (:func:`set_cache_size`, :func:`cache_info`, :func:`clear_cache`). Each entry gets its
own copy of the step function's code object, so Dynamo's per-code recompile limit never merges
entries and every compiled function sees exactly one signature (no recompiles, no guard growth).

Fallback: if compiling or running a compiled step fails (no C++ compiler, an op Inductor cannot
handle, a user cell Dynamo cannot trace), a ``RuntimeWarning`` is issued once per cell and reason and
that entry runs the same step function eagerly — the results are the same, only slower.
"""

from __future__ import annotations

import types
import warnings
from collections import OrderedDict
from functools import partial
from typing import Any, Callable

import torch
from torch import Tensor

from rnnkit._validate import is_int
from rnnkit.cells.base import CellMath
from rnnkit.engine.step import StepSpec, backward_step, forward_step
from rnnkit.errors import ConfigError

__all__ = ["step_functions", "cell_key", "cache_info", "clear_cache", "set_cache_size", "FusedFallbackWarning"]


class FusedFallbackWarning(RuntimeWarning):
    """A fused (compiled) step could not be compiled or run; the step runs eagerly instead."""


_MAX_CACHED = 64
_CACHE: "OrderedDict[tuple, tuple[Callable, Callable]]" = OrderedDict()
_STATS = {"hits": 0, "misses": 0, "evictions": 0, "fallbacks": 0}
_WARNED: set = set()


def set_cache_size(n: int) -> None:
    """Keep at most ``n`` compiled (forward, backward) pairs; the least recently used go first."""
    if not is_int(n) or n < 1:
        raise ConfigError(f"n: expected a positive int (compiled step pairs to keep), got {n!r}")
    global _MAX_CACHED
    _MAX_CACHED = n
    while len(_CACHE) > _MAX_CACHED:
        _CACHE.popitem(last=False)
        _STATS["evictions"] += 1


def cache_info() -> dict:
    """``{"size", "max_size", "hits", "misses", "evictions", "fallbacks"}`` of the compiled-step cache."""
    return {"size": len(_CACHE), "max_size": _MAX_CACHED, **_STATS}


def clear_cache() -> None:
    """Drop every compiled step (and forget which warnings were shown)."""
    _CACHE.clear()
    _WARNED.clear()
    for k in _STATS:
        _STATS[k] = 0


def cell_key(cell: CellMath) -> Any:
    """A hashable key that is equal for cells computing the same math.

    A cell may define ``fuse_key()``; otherwise the key is its class and its attributes (cells nested in
    attributes, such as ``LayerNormRecurrent.base``, by their own key). A cell holding an attribute that
    is neither hashable nor a cell, or one without ``__dict__``, is keyed by identity (one compiled step
    per instance).
    """
    custom = getattr(cell, "fuse_key", None)
    if callable(custom):
        return (type(cell), custom())
    attrs = getattr(cell, "__dict__", None)
    if attrs is None:  # __slots__ cells: no way to read every attribute generically
        return (type(cell), "id", id(cell))
    items = []
    for name, value in sorted(attrs.items()):
        if isinstance(value, CellMath):
            value = cell_key(value)
        else:
            try:
                hash(value)
            except TypeError:
                return (type(cell), "id", id(cell))
        items.append((name, value))
    return (type(cell), tuple(items))


def _fresh(fn: Callable) -> Callable:
    """A copy of ``fn`` with its own code object: Dynamo caches compiled code per code object, so each
    cache entry compiles and guards independently (no shared recompile limit)."""
    return types.FunctionType(fn.__code__.replace(), fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)


def _forward_closure(spec: StepSpec) -> Callable:
    def fused_forward(xp_t, h_in, whh_t, b_hh, h_mask, m_t, keep_t, params, state):
        return forward_step(spec, xp_t, h_in, whh_t, b_hh, h_mask, m_t, keep_t, params, state)

    return fused_forward


def _backward_closure(spec: StepSpec, record: bool) -> Callable:
    def fused_backward(d_state, d_out_t, m_t, keep_t, saved, params, w_hh, h_mask):
        return backward_step(spec, record, d_state, d_out_t, m_t, keep_t, saved, params, w_hh, h_mask)

    return fused_backward


class _Guarded:
    """Calls the compiled function; on any failure warns once and switches to the eager one for good."""

    __slots__ = ("compiled", "eager", "what", "failed")

    def __init__(self, compiled: Callable | None, eager: Callable, what: str, error: BaseException | None = None):
        self.compiled, self.eager, self.what, self.failed = compiled, eager, what, None
        if compiled is None:
            self._fail(error)

    def _fail(self, error: BaseException | None) -> None:
        reason = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
        self.failed, self.compiled = reason, None
        _STATS["fallbacks"] += 1
        key = (self.what, type(error).__name__)
        if key not in _WARNED:
            _WARNED.add(key)
            warnings.warn(f"rnnkit fused step: could not compile {self.what} ({reason}); running it eagerly "
                          "(same results, slower). Set TORCH_LOGS=+dynamo or rnnkit engine='bptt' to investigate "
                          "or silence.", FusedFallbackWarning, stacklevel=4)

    def __call__(self, *args):
        if self.compiled is not None:
            try:
                return self.compiled(*args)
            except Exception as e:  # compile errors surface at the first call
                self._fail(e)
        return self.eager(*args)


def _compile(fn: Callable) -> Callable:
    return torch.compile(_fresh(fn), fullgraph=True, dynamic=False)


def step_functions(spec: StepSpec, record: bool, like: Tensor, state_shapes) -> tuple[Callable, Callable]:
    """The compiled ``(forward, backward)`` step functions for ``spec`` at these shapes (cached).

    Signatures are those of :func:`~rnnkit.engine.step.forward_step` / ``backward_step`` without their
    static leading arguments.
    """
    key = (cell_key(spec.cell), spec.keep, spec.masked, spec.h_mask, spec.has_bias, record,
           tuple(tuple(s) for s in state_shapes), like.dtype, like.device)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        _STATS["hits"] += 1
        return hit
    _STATS["misses"] += 1
    name = getattr(spec.cell, "name", "") or type(spec.cell).__name__
    pair = []
    for what, closure, eager in (
        (f"the forward step of cell {name!r}", _forward_closure(spec), partial(forward_step, spec)),
        (f"the backward step of cell {name!r}", _backward_closure(spec, record), partial(backward_step, spec, record)),
    ):
        try:
            pair.append(_Guarded(_compile(closure), eager, what))
        except Exception as e:  # torch.compile itself refused (e.g. unsupported platform)
            pair.append(_Guarded(None, eager, what, e))
    _CACHE[key] = (pair[0], pair[1])
    while len(_CACHE) > _MAX_CACHED:
        _CACHE.popitem(last=False)
        _STATS["evictions"] += 1
    return _CACHE[key]
