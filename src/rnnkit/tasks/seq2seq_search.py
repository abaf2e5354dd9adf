"""Greedy and beam search for a batch of sources, shared by the translators' networks.

A network is searched through a :class:`Stepper`: ``step(prev)`` takes the last output token of every
decoder row ``(R, 1)`` and returns log-probabilities ``(R, V)`` of the next one; ``select(rows)`` keeps
(and repeats) decoder rows by index, for the beam's reordering. ``limits[b]`` is the longest output of
source ``b``: at that length only ``</s>`` may follow.

Beam search (``B * k`` decoder rows) keeps the ``k`` best partial outputs by summed log-probability,
moves one to the finished list when it ends with ``</s>`` *and that candidate ranks among the step's
``k`` best* (fairseq's rule; a ``</s>`` ranked below ``k`` live continuations is dropped), stops when
``k`` are finished and none of the live ones would score better if it ended now (or nothing is alive),
and returns the finished output with the best length-normalised score ``sum log p / len ** alpha``
(``len`` counts ``</s>``; ``alpha=0``: no normalisation).

``no_repeat=n`` (both searches; 0: off) forbids a token that would repeat an n-gram already in that
output (fairseq's ``no_repeat_ngram_size``): on words it stops loops such as ``the boss, the boss,``.
``once_from=m`` (0: off) lets every token id ``>= m`` occur at most once in an output: with a vocabulary
sorted by frequency, the ``m`` most frequent tokens (function words, punctuation) may repeat and the
rarer content words may not, which stops unigram loops (``a Handel Handel``) that bigram blocking lets by.

:class:`MeanStepper` searches an ensemble: several steppers over the same vocabulary as one, whose next-token
distribution is the mean of theirs (fairseq's ensemble: ``log mean_k p_k``).
"""

from __future__ import annotations

import math
from typing import Protocol, Sequence

import torch
from torch import Tensor

__all__ = ["Stepper", "MeanStepper", "greedy_search", "sample_search", "beam_search", "beam_search_nbest"]


class Stepper(Protocol):
    def step(self, prev: Tensor) -> Tensor: ...

    def select(self, rows: Tensor) -> None: ...


class MeanStepper:
    """Steppers over the same vocabulary (an ensemble's members) searched as one: each step's
    log-probabilities are ``log((p_1 + ... + p_n) / n)``; ``select`` reorders every member's rows."""

    def __init__(self, steppers: Sequence[Stepper]) -> None:
        self.steppers = list(steppers)

    def step(self, prev: Tensor) -> Tensor:
        logp = torch.stack([s.step(prev) for s in self.steppers])
        return torch.logsumexp(logp, 0) - math.log(len(self.steppers))

    def select(self, rows: Tensor) -> None:
        for s in self.steppers:
            s.select(rows)


def _repeats(seq: list[int], n: int) -> list[int]:
    """The tokens that would end an n-gram already in ``seq`` (one that ends like ``seq`` does)."""
    if n <= 0 or len(seq) < n - 1:
        return []
    tail = seq[len(seq) - n + 1:] if n > 1 else []
    return [seq[i + n - 1] for i in range(len(seq) - n + 1) if seq[i:i + n - 1] == tail]


def _masked(logp: Tensor, banned: Sequence[int], full: Tensor, eos: int, seqs: Sequence[list[int]] = (),
            no_repeat: int = 0, once_from: int = 0) -> Tensor:
    logp[:, list(banned)] = float("-inf")
    for row, seq in enumerate(seqs if no_repeat or once_from else ()):
        rep = _repeats(seq, no_repeat) + ([t for t in seq if t >= once_from] if once_from else [])
        if rep:
            logp[row, rep] = float("-inf")
    if bool(full.any()):                                       # out of room: only </s> may follow
        keep = logp[full, eos].clone()
        logp[full] = float("-inf")
        logp[full, eos] = keep
    return logp


def greedy_search(stepper: Stepper, limits: Sequence[int], bos: int, eos: int, banned: Sequence[int],
                  no_repeat: int = 0, once_from: int = 0, choose=None) -> list[list[int]]:
    """The most probable next token at every step, for each of ``len(limits)`` sources at once
    (``choose(logp) -> (R,) ids``: another rule than the argmax, see :func:`sample_search`)."""
    B = len(limits)
    prev = torch.full((B, 1), bos, dtype=torch.long)
    done = [False] * B
    out: list[list[int]] = [[] for _ in range(B)]
    for t in range(max(limits) + 1):
        logp = _masked(stepper.step(prev), banned, torch.tensor([t >= lim for lim in limits]), eos, out, no_repeat, once_from)
        nxt = logp.argmax(-1) if choose is None else choose(logp)
        for b, tok in enumerate(nxt.tolist()):
            if done[b]:
                continue
            if tok == eos:
                done[b] = True
            else:
                out[b].append(tok)
        if all(done):
            break
        prev = nxt.unsqueeze(1)
    return out


def sample_search(stepper: Stepper, limits: Sequence[int], n: int, bos: int, eos: int, banned: Sequence[int],
                  epsilon: float, seed: int, no_repeat: int = 0, once_from: int = 0) -> list[list[list[int]]]:
    """``n`` samples of each source's output (epsilon sampling, Hewitt et al. 2022; Freitag et al. 2023):
    every step draws the next token from the model's distribution with the tokens of probability below
    ``epsilon`` removed (the most probable one is always kept), seeded by ``seed``. The stepper starts
    with one row per source; it is expanded to ``B * n`` rows here."""
    gen = torch.Generator().manual_seed(seed)

    def choose(logp: Tensor) -> Tensor:
        p = logp.exp()
        p = torch.where(p >= epsilon, p, torch.zeros_like(p))
        top = logp.argmax(-1, keepdim=True)
        p.scatter_(1, top, logp.gather(1, top).exp())
        return torch.multinomial(p, 1, generator=gen).squeeze(1)

    B = len(limits)
    stepper.select(torch.arange(B).repeat_interleave(n))
    flat = greedy_search(stepper, [lim for lim in limits for _ in range(n)], bos, eos, banned, no_repeat, once_from,
                         choose)
    return [flat[b * n:(b + 1) * n] for b in range(B)]


def beam_search(stepper: Stepper, limits: Sequence[int], k: int, bos: int, eos: int, banned: Sequence[int],
                alpha: float, no_repeat: int = 0, once_from: int = 0) -> list[list[int]]:
    """Beam search of width ``k`` for ``len(limits)`` sources at once (module docstring): the best
    finished output of each source (``[]`` if none finished)."""
    return [n[0][0] if n else [] for n in beam_search_nbest(stepper, limits, k, bos, eos, banned, alpha, no_repeat,
                                                            once_from)]


def beam_search_nbest(stepper: Stepper, limits: Sequence[int], k: int, bos: int, eos: int, banned: Sequence[int],
                      alpha: float, no_repeat: int = 0, once_from: int = 0) -> list[list[tuple[list[int], float]]]:
    """As :func:`beam_search`, but every finished output of each source as ``(tokens, normalised score)``,
    best first (ties: the one finished first), distinct outputs only (the n-best list for
    :mod:`rnnkit.tasks.seq2seq_mbr`). The stepper starts with one row per source; it is expanded to
    ``B * k`` rows here."""
    B = len(limits)
    stepper.select(torch.arange(B).repeat_interleave(k))
    scores = torch.full((B, k), float("-inf"))
    scores[:, 0] = 0.0                                             # one live hypothesis to start
    seqs: list[list[list[int]]] = [[[] for _ in range(k)] for _ in range(B)]
    finished: list[list[tuple[list[int], float]]] = [[] for _ in range(B)]   # (tokens, normalised score)
    done = [False] * B
    prev = torch.full((B * k, 1), bos, dtype=torch.long)
    for t in range(max(limits) + 1):
        full = torch.tensor([t >= lim for lim in limits]).repeat_interleave(k)
        logp = _masked(stepper.step(prev), banned, full, eos, [h for b in seqs for h in b], no_repeat,
                       once_from)
        V = logp.shape[1]
        top_v, top_i = (scores.unsqueeze(-1) + logp.view(B, k, V)).view(B, k * V).topk(min(2 * k, k * V), dim=1)
        rows, toks, new_scores = [], [], torch.full((B, k), float("-inf"))
        for b in range(B):
            alive: list[tuple[int, int, float]] = []
            if not done[b]:
                for rank, (s, pos) in enumerate(zip(top_v[b].tolist(), top_i[b].tolist())):
                    if s == float("-inf") or len(alive) == k:
                        break
                    h, tok = divmod(pos, V)
                    if tok != eos:
                        alive.append((h, tok, s))
                    elif rank < k:
                        finished[b].append((seqs[b][h], s / (len(seqs[b][h]) + 1) ** alpha))
                done[b] = not alive or (len(finished[b]) >= k and max(f[1] for f in finished[b]) >=
                                        max(sc / (len(seqs[b][h]) + 2) ** alpha for h, _, sc in alive))
            if done[b]:
                alive = []
            new_seqs = []
            for j, (h, tok, s) in enumerate(alive):
                new_seqs.append(seqs[b][h] + [tok])
                new_scores[b, j] = s
                rows.append(b * k + h)
                toks.append(tok)
            pad = k - len(alive)                                   # empty slots: score -inf
            new_seqs += [[] for _ in range(pad)]
            rows += [b * k] * pad
            toks += [bos] * pad
            seqs[b] = new_seqs
        if all(done):
            break
        scores = new_scores
        prev = torch.tensor(toks, dtype=torch.long).unsqueeze(1)
        stepper.select(torch.tensor(rows))
    out = []
    for f in finished:
        seen: set[tuple[int, ...]] = set()
        ranked = [ts for ts in sorted(f, key=lambda ts: -ts[1]) if not (tuple(ts[0]) in seen or seen.add(tuple(ts[0])))]
        out.append(ranked)
    return out
