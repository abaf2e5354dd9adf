"""Recording the gradient flow through time, ‖∂L/∂h_t‖ for every step, from the engine's backward.

Usage::

    with rnnkit.engine.gradflow.GradFlowRecorder() as rec:
        loss.backward()
    rec.norms  # {"layer0.fwd": tensor (T, B), ...}

The hand-BPTT engine already computes ∂L/∂h_t (the total gradient arriving at h_t: from the output at
step t and from the future) in its backward loop; recording only takes its norm. Paths that do not run
the hand engine (native dispatch) are switched to it while a recorder is active (see the layers).

The open recorders live in one process-wide stack (not thread-local): on CUDA the autograd engine runs
backward in its own device thread, which must still see the recorder the forward pass saw.

Order of the recorded steps: index ``t`` is the ``t``-th step the direction processed. For forward
directions (``...fwd``) that is time ``t``; for backward directions (``...bwd``) it is time ``T-1-t`` (of
the valid part, with ``lengths``). :meth:`GradFlowRecorder.time_ordered` returns both in time order.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import torch
from torch import Tensor

__all__ = ["GradFlowRecorder", "Norms", "active", "record"]

_lock = threading.Lock()
_STACK: list = []


def _stack() -> list:
    return _STACK


def active() -> bool:
    """Whether a :class:`GradFlowRecorder` is open in this thread."""
    return bool(_stack())


def record(tag, norms: Tensor, lengths: Tensor | None = None, owner: Any = None) -> None:
    """Called by the engine's backward with ``norms`` of shape ``(T, B)`` and, for a padded batch, the
    ``(B,)`` valid ``lengths`` of its sequences (``None``: every sequence is ``T`` long; 0: a sequence that
    ended before this truncated-BPTT chunk, whose one discarded step the layer ran is no step of it).
    ``owner``: which layer recorded (two layers under one tag are kept apart, never summed)."""
    with _lock:
        recs = list(_STACK)
    for rec in recs:
        rec._add(tag, norms, lengths, owner)


class Norms(dict):
    """``{tag: (T, B) norms}`` with ``lengths``: ``{tag: (B,) valid lengths}`` of the padded records."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lengths: dict = {}


class GradFlowRecorder:
    """Context manager collecting ``{tag: (T, B) tensor of ‖∂L/∂h_t‖}`` from backward passes.

    Opening it also tells layers to run the hand-BPTT engine (so there is a backward to read from) in
    forward passes made inside it; both the forward and the backward must happen inside the ``with``.
    If the same tag is recorded more than once by one layer (several backward passes), norms of the same
    shape are summed, each sequence valid up to the longer of its lengths (the last record's alone cut it
    short); a record of another shape (the layer called on another length or batch size), or from another
    layer with the same tag (two ``GRU`` layers of a model, both ``"GRU.l0.fwd"``: before session 15 their
    norms were summed), is kept apart as ``"<tag>#2"``, ``"<tag>#3"``, ... in the order the backward
    reached them (set ``layer.gradflow_name`` for names of your own).
    """

    def __init__(self) -> None:
        self.norms: Norms = Norms()
        #: ``{tag: (B,) valid lengths}`` for the records of padded batches whose engine passed them (the
        #: summaries, :func:`rnnkit.diagnostics.summarize_gradient_flow`, read each sequence up to its length;
        #: also ``norms.lengths``, so ``summarize_gradient_flow(rec.norms)`` finds them)
        self.lengths: dict = self.norms.lengths
        self._owners: dict = {}   # key -> the layer that recorded it (LoopOptions.owner)

    def clear(self) -> None:
        """Forget the records so far (the recorder stays open). Each layer keeps the tag it was given, so a
        layer records under one name for the recorder's life (the monitor clears it every truncated chunk)."""
        self.norms.clear()
        self.lengths.clear()

    def _add(self, tag, norms: Tensor, lengths: Tensor | None = None, owner: Any = None) -> None:
        if norms.dim() == 2 and norms.shape[1] == 0:
            # a batch of no sequence has no gradient flow: its (T, 0) record was refused by the summary
            # (ShapeError 'B >= 1') and kept apart as '<tag>#2' from the next batch's records
            return
        key = tag if tag is not None else f"unnamed{len(self.norms)}"
        norms = norms.detach().cpu()
        k = 1
        while (key in self.norms and self.norms[key].shape != norms.shape) or self._owners.get(key, owner) != owner:
            k += 1
            key = f"{tag}#{k}"
        self._owners[key] = owner
        summed = key in self.norms
        self.norms[key] = self.norms[key] + norms if summed else norms
        lens = None if lengths is None else lengths.detach().to("cpu", torch.long)
        if summed:   # a step of the sum is valid where either record's is (a record without lengths: all T)
            prev = self.lengths.get(key)
            lens = None if prev is None or lens is None else torch.maximum(prev, lens)
        if lens is None:
            self.lengths.pop(key, None)
        else:
            self.lengths[key] = lens

    def __enter__(self) -> "GradFlowRecorder":
        with _lock:
            _STACK.append(self)
        return self

    def __exit__(self, *exc) -> None:
        with _lock:
            _STACK.remove(self)

    def time_ordered(self, lengths=None) -> dict:
        """``norms`` with every backward-direction record (tag ending in ``bwd``) put in time order.

        ``lengths``: the ``(B,)`` sequence lengths of the batch when it was padded (only the valid part of
        each sequence was reversed; 0 for one that ended before a truncated-BPTT chunk); ``None`` (the
        default) takes each record's own, those the engine gave (``self.lengths``; before session 15 it meant
        every sequence full, and a padded batch's records were flipped whole: padding moved into the valid
        steps). Checked as a layer's ``lengths`` against each record's ``(T, B)`` (a list was an
        AttributeError, a wrong size or a float tensor torch's own errors).
        """
        from rnnkit.engine.masks import check_lengths, flip_sequences

        out = {}
        for tag, n in self.norms.items():
            if isinstance(tag, str) and re.sub(r"#\d+$", "", tag).endswith("bwd"):   # "...bwd" or "...bwd#2"
                given = self.lengths.get(tag) if lengths is None else lengths
                lens = check_lengths(given, n.shape[1], n.shape[0], device=n.device, min_len=0)
                n = flip_sequences(n.unsqueeze(-1), lens).squeeze(-1)
            out[tag] = n
        return out
