"""Recording the gradient flow through time, ‖∂L/∂h_t‖ for every step, from the engine's backward.

Usage::

    with rnnkit.engine.gradflow.GradFlowRecorder() as rec:
        loss.backward()
    rec.norms  # {"layer0.fwd": tensor (T, B), ...}

The hand-BPTT engine already computes ∂L/∂h_t (the total gradient arriving at h_t: from the output at
step t and from the future) in its backward loop; recording only takes its norm. Paths that do not run
the hand engine (native dispatch) are switched to it while a recorder is active (see the layers).
"""

from __future__ import annotations

import threading

from torch import Tensor

__all__ = ["GradFlowRecorder", "active", "record"]

_local = threading.local()


def _stack() -> list:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


def active() -> bool:
    """Whether a :class:`GradFlowRecorder` is open in this thread."""
    return bool(_stack())


def record(tag, norms: Tensor) -> None:
    """Called by the engine's backward with ``norms`` of shape ``(T, B)``."""
    for rec in _stack():
        rec._add(tag, norms)


class GradFlowRecorder:
    """Context manager collecting ``{tag: (T, B) tensor of ‖∂L/∂h_t‖}`` from backward passes.

    Opening it also tells layers to run the hand-BPTT engine (so there is a backward to read from) in
    forward passes made inside it; both the forward and the backward must happen inside the ``with``.
    If the same tag is recorded more than once (several backward passes), norms are summed.
    """

    def __init__(self) -> None:
        self.norms: dict = {}

    def _add(self, tag, norms: Tensor) -> None:
        key = tag if tag is not None else f"unnamed{len(self.norms)}"
        norms = norms.detach().cpu()
        if key in self.norms and self.norms[key].shape == norms.shape:
            self.norms[key] = self.norms[key] + norms
        else:
            self.norms[key] = norms

    def __enter__(self) -> "GradFlowRecorder":
        _stack().append(self)
        return self

    def __exit__(self, *exc) -> None:
        _stack().remove(self)
