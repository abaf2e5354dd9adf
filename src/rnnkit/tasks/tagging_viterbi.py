"""BIO-constrained Viterbi in ``O(K)`` a token: the tagger's decoding for any size of tag set.

:func:`~rnnkit.tasks.tagging.constrained_decode` takes a ``(K, K)`` mask of allowed transitions and adds it to
every step's ``(B, K, K)`` scores: with 10,000 tags (5,000 entity types) that is 100M mask entries built by a
Python loop and 3.2G floats a step for 32 sentences -- an allocator error, or minutes per batch. BIO's rule has
a structure that needs neither: a tag other than ``I-X`` may follow any tag (its best predecessor is the best tag
of the step, one max over ``K``), and ``I-X`` may follow only ``B-X`` and ``I-X`` (a max of two). The path is the
one ``constrained_decode`` finds, ties included (the lowest tag index wins, as ``torch.max`` picks it).
Nothing here imports :mod:`rnnkit.tasks.tagging` (it imports this).

>>> begin, start = bio_rules(["O", "B-PER", "I-PER"])
>>> begin.tolist(), start.tolist()
([-2, -2, 1], [True, True, False])
>>> logp = torch.tensor([[[-1.0, -2.0, 0.0], [-5.0, -5.0, 0.0]]])   # argmax alone: I-PER, I-PER
>>> bio_decode(logp, torch.tensor([2]), begin, start).tolist()
[[1, 2]]
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

__all__ = ["bio_rules", "bio_decode", "backtrace"]

#: ``bio_rules``' ``begin`` of a tag that may follow any tag (``O``, ``B-X``)
ANY = -2


def bio_rules(tags: Sequence[str]) -> tuple[Tensor, Tensor]:
    """``(begin (K,), start (K,))`` for a BIO tag list (one :func:`~rnnkit.tasks.tagging.is_bio` accepts:
    ``O``, ``B-X``, ``I-X``): ``begin[j]`` is :data:`ANY` for ``O`` and ``B-X``, the index of ``B-X`` for
    ``I-X`` (-1 when the set has no ``B-X``); ``start[j]``: a sentence may begin with ``j`` (anything but
    ``I-X``). One pass over the tags (the ``(K, K)`` mask: K * K)."""
    where = {t: i for i, t in enumerate(tags)}
    begin = torch.tensor([where.get("B-" + t[2:], -1) if t.startswith("I-") else ANY for t in tags],
                         dtype=torch.long)
    return begin, begin == ANY


def bio_decode(logp: Tensor, lengths: Tensor, begin: Tensor, start: Tensor) -> Tensor:
    """:func:`~rnnkit.tasks.tagging.constrained_decode` of ``logp`` ``(B, T, K)`` under the rules of
    :func:`bio_rules`, in ``O(B K)`` a step: ``(B, T)`` tag ids (padded steps repeat the last valid tag)."""
    B, T, K = logp.shape
    dev = logp.device
    neg = torch.tensor(float("-inf"), dtype=logp.dtype, device=dev)
    begin, lengths = begin.to(dev), lengths.to(dev)
    inside = torch.nonzero(begin != ANY).squeeze(1)            # the I-X tags
    b_of = begin[inside]                                       # their B-X (-1: none)
    has_b = b_of >= 0
    score = logp[:, 0] + torch.where(start.to(dev), 0.0, neg).to(logp.dtype)
    same = torch.arange(K, device=dev).expand(B, K)
    back = []
    for t in range(1, T):
        top, arg_top = score.max(1)                            # any tag's best predecessor: the step's best
        best, arg = top.unsqueeze(1).expand(B, K).clone(), arg_top.unsqueeze(1).expand(B, K).clone()
        s_in = score[:, inside]                                # I-X after I-X
        s_b = torch.where(has_b, score[:, b_of.clamp(min=0)], neg)   # I-X after B-X
        take_b = (s_b > s_in) | ((s_b == s_in) & has_b & (b_of < inside))   # a tie: the lower index
        best_in = torch.maximum(s_b, s_in)
        arg_in = torch.where(take_b, b_of, inside)
        best[:, inside] = best_in
        arg[:, inside] = torch.where(best_in == neg, 0, arg_in)      # no way in: torch.max's first index, 0
        active = (t < lengths).unsqueeze(1)
        score = torch.where(active, best + logp[:, t], score)
        back.append(torch.where(active, arg, same))           # padded steps point to themselves
    return backtrace(score, back)


def backtrace(score: Tensor, back: list[Tensor]) -> Tensor:
    """The ``(B, T)`` tag ids of a Viterbi pass: the best last tag of ``score`` ``(B, K)``, followed back through
    the ``T - 1`` steps' ``(B, K)`` best predecessors ``back``."""
    last = score.argmax(-1)
    path = [last]
    for bp in reversed(back):
        last = bp.gather(1, last.unsqueeze(1)).squeeze(1)
        path.append(last)
    return torch.stack(path[::-1], 1)
