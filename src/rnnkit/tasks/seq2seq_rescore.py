"""A second, right-to-left model rescoring the dict-pointer's n-best (Sennrich et al. 2016, Edinburgh's WMT16 systems:
the n-best of a left-to-right model reranked with one trained on the targets reversed).

A right-to-left model is a :class:`~rnnkit.tasks.seq2seq.Translator` of the same recipe fitted on the same pairs with
each target's words reversed (:func:`reverse_targets`). With ``decode="channel"`` each of the beam's outputs ``y`` of a
source ``x`` is scored

    beam(y) + channel_weight * log p_ch(x | y) / |x| + channel_length * |y| / |x| + weight * log p_R2L(rev y | x) / (|y| + 1)

(:mod:`rnnkit.tasks.seq2seq_channel` for the first three terms; ``log p_R2L`` by forced decoding, :func:`forced_log_probs`,
``</s>`` counted). ``Translator.translate(..., rescorer=r2l, rescore_weight=w)``; an option, not the default.

Session 36 (issue 17, helper T): on 800 development pairs of trans-de-en (10-epoch fits of both models, the
validation and test pairs kept out) chrF / BLEU 34.20 / 9.86 -> 34.44 / 10.50 at weight 0.05 (grid 0.01 .. 2; a reverse
en -> de model as a neural channel p(x | y) instead: 34.13 at best). The pre-registered check on the 882 validation
pairs: docs/results_text.md.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

from rnnkit.errors import InputTypeError

__all__ = ["reverse_targets", "forced_log_probs", "r2l_scores", "check_rescorer"]


def reverse_targets(texts: Sequence[str]) -> list[str]:
    """Each text's :func:`rnnkit.data.vocab.tokenize` words in reverse order, joined by single spaces (the targets
    of a right-to-left model; tokenizing the result gives the reversed words back).

    >>> reverse_targets(["I saw it, twice."])
    ['. twice , it saw I']
    """
    from rnnkit.data.vocab import tokenize

    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise InputTypeError(f"texts: expected a list of strings, got {type(texts).__name__}")
    return [" ".join(reversed(tokenize(t, "words"))) for t in texts]


@torch.no_grad()
def forced_log_probs(words: Any, sources: Sequence[Sequence[str]], targets: Sequence[Sequence[str]],
                     batch_size: int = 64) -> list[float]:
    """``sum_t log p(y_t | y_<t, x)`` over each target's words and ``</s>`` under a dict-pointer
    (:class:`~rnnkit.tasks.seq2seq_pointer.WordPointer`) by teacher forcing: the score beam search gives that
    output before length normalisation. A target word neither in the vocabulary nor copyable is ``<unk>``."""
    from rnnkit.tasks.seq2seq_pointer import gold_probs, make_batch, prepare

    if len(sources) != len(targets):
        raise InputTypeError(f"targets: expected one per source ({len(sources)}), got {len(targets)}")
    words.net.eval()
    glosses = words._glosses([list(s) for s in sources])
    out = [0.0] * len(sources)
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
    for k in range(0, len(order), batch_size):
        idx = order[k:k + batch_size]
        b = make_batch([prepare(sources[i], glosses[i], words.src_vocab, words.tgt_vocab, targets[i]) for i in idx],
                       words.tgt_vocab)
        p, valid, _, _ = gold_probs(words.net, b)
        for i, v in zip(idx, (torch.log(p + 1e-9) * valid).sum(-1).tolist()):
            out[i] = v
    return out


def r2l_scores(r2l: Any, sources: Sequence[Sequence[str]], nbest: Sequence[Sequence[tuple[Sequence[str], float]]],
               batch_size: int = 64) -> list[list[float]]:
    """``log p_R2L(reverse(y) | x) / (|y| + 1)`` of each output ``y`` of each source's n-best (an empty output is
    scored as ``'.'``), from the right-to-left model's :class:`~rnnkit.tasks.seq2seq_pointer.WordPointer`."""
    pairs = [(s, (list(y) or ["."])[::-1]) for s, h in zip(sources, nbest) for y, _ in h]
    lp = forced_log_probs(r2l, [a for a, _ in pairs], [b for _, b in pairs], batch_size)
    out, k = [], 0
    for h in nbest:
        out.append([lp[k + j] / (len(pairs[k + j][1]) + 1) for j in range(len(h))])
        k += len(h)
    return out


def check_rescorer(rescorer: Any, weight: Any, decode: str) -> None:
    """One-line errors for :meth:`Translator.translate`'s ``rescorer`` / ``rescore_weight``."""
    from rnnkit._validate import check_number
    from rnnkit.errors import ConfigError

    if getattr(rescorer, "words", None) is None:
        raise ConfigError(f"rescorer: expected a fitted dict-pointer Translator, got {type(rescorer).__name__}"
                          + (" with model='char' or not fitted" if hasattr(rescorer, "words") else ""))
    if decode != "channel":
        raise ConfigError(f"rescorer: expected decode='channel' (it reranks the channel's n-best), got {decode!r}")
    check_number("rescore_weight", weight, lo=0.0)
