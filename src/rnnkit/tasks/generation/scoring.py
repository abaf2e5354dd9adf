"""Bits per character of a unit stream, read in chunks with the state carried (and, for dynamic
evaluation, one clipped SGD step after each scored chunk)."""

from __future__ import annotations

import math
import time

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.tasks.generation.data import stream_matrix
from rnnkit.training.data import detach_state

__all__ = ["stream_bits", "measure_seconds", "LN2"]

LN2 = math.log(2.0)


def stream_bits(model: nn.Module, ids: Tensor, streams: int, chunk: int, unit_chars: Tensor | None = None,
                 dynamic: tuple[float, float, float] | None = None) -> tuple[float, int]:
    """Total bits / scored characters over ``ids`` cut into ``streams`` contiguous pieces, each read in
    chunks of ``chunk`` steps with the state carried (exact for ``streams=1``). ``unit_chars[i]``: the
    characters unit ``i`` covers (``None``: one each). ``dynamic=(lr, decay, clip)``: after scoring
    each chunk, one SGD step of ``model`` on it (see :meth:`CharLM.evaluate`); ``model`` is changed."""

    def chars(targets: Tensor) -> int:
        return targets.numel() if unit_chars is None else int(unit_chars[targets].sum())

    params = [p for p in model.parameters() if p.requires_grad] if dynamic else []
    trained = [p.detach().clone() for p in params] if dynamic and dynamic[1] else None

    def adapt(nll: Tensor, count: int) -> None:   # one clipped SGD step on the mean loss of the chunk
        lr, decay, clip = dynamic
        model.zero_grad(set_to_none=True)
        (nll / count).backward()
        torch.nn.utils.clip_grad_norm_(params, clip)
        with torch.no_grad():
            for i, p in enumerate(params):
                if p.grad is not None:
                    p.sub_(p.grad, alpha=lr)
                if trained is not None:
                    p.add_(trained[i] - p, alpha=decay)

    was = model.training
    model.eval()
    streams = max(1, min(streams, (len(ids) - 1)))
    with torch.set_grad_enabled(dynamic is not None):
        x, y = stream_matrix(ids, streams)
        bits, n = 0.0, 0
        state = None
        for s in range(0, x.shape[1], chunk):
            logits, state = model(x[:, s: s + chunk], state)
            nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[:, s: s + chunk].reshape(-1), reduction="sum")
            bits += float(nll.detach()) / LN2
            n += chars(y[:, s: s + chunk])
            if dynamic:                        # scored first, then learned from
                adapt(nll, y[:, s: s + chunk].numel())
                state = detach_state(state)
        # the characters after the last full row continue that row (same state)
        start = streams * x.shape[1]
        if len(ids) - start >= 2:
            last = tuple(t[:, -1:] for t in state) if isinstance(state, tuple) else state[:, -1:]
            logits, _ = model(ids[start:-1].unsqueeze(0), last)
            bits += float(F.cross_entropy(logits[0], ids[start + 1:], reduction="sum").detach()) / LN2
            n += chars(ids[start + 1:])
    model.train(was)
    return bits / n, n


def measure_seconds(model: nn.Module, ids: Tensor, streams: int, chunk: int,
                    unit_chars: Tensor | None = None) -> float:
    """About how long :func:`stream_bits` takes over ``ids``: its first chunk (``streams`` rows of ``chunk`` steps, the
    size every chunk has: a smaller piece ran ~25% faster a unit) timed and scaled up. ``fit`` keeps that much of a
    ``max_seconds`` budget for its first held-out measurement (the trainer keeps the last one's duration after that):
    ``generate train --max-seconds 40`` on 1.2M characters of Chinese reviews (4,158 characters, one round) took 80 s,
    the first measurement of 100,000 characters 38 s of it, unreserved."""
    piece = min(len(ids), max(streams, 1) * chunk + 1)
    start = time.perf_counter()
    stream_bits(model, ids[:piece], streams, chunk, unit_chars)
    return (time.perf_counter() - start) * len(ids) / piece
