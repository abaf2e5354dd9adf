"""Minimum Bayes risk (MBR) decoding with a chrF utility: choose, among candidate translations of one
source, the one that agrees most with the others (Kumar & Byrne 2004; Eikema & Aziz 2020; Freitag et al.
2022, "High quality rather than high model probability").

The candidates serve as pseudo-references: candidate ``i`` scores ``sum_j w_j chrF(c_i, c_j)`` over all
candidates ``j`` (itself included) with weights ``w`` (uniform by default), and the best score wins (ties:
the earlier candidate, so an n-best list's first output wins when all agree equally). Beam search returns
the output the model finds most probable; MBR returns the consensus, which is what chrF rewards: a
candidate that shares its character n-grams with many others is less likely to be wrong in any of them.

chrF is sacrebleu's sentence chrF (``sacrebleu.sentence_chrf``: character n-grams of order 1..6 after the
whitespace is removed, recall weighted by ``beta=2``, precision and recall averaged over the orders that
occur in both texts), computed here from n-gram counts taken once per candidate, so a pool of ``k``
candidates costs ``k`` n-gram extractions and ``k * k`` count intersections.

>>> mbr_select(["a cottage", "the house is small", "the house is little", "the home is small"])
1
>>> round(sentence_chrf("the cat sat", "the cat sat"), 6)
100.0
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from rnnkit._validate import check_number
from rnnkit.errors import DataError, InputTypeError

__all__ = ["CHAR_ORDER", "BETA", "char_ngrams", "chrf_from_ngrams", "sentence_chrf", "mbr_scores", "mbr_select"]

CHAR_ORDER = 6
BETA = 2


def char_ngrams(text: str, order: int = CHAR_ORDER) -> list[Counter]:
    """The character n-gram counts of ``text`` for n = 1..order, whitespace removed (as chrF does)."""
    if not isinstance(text, str):   # a list was an AttributeError of .split
        raise InputTypeError(f"text: expected a str, got {type(text).__name__}")
    check_number("order", order, lo=1, integer=True)   # order 0 scored every pair 0, silently
    line = "".join(text.split())
    return [Counter(line[i:i + n] for i in range(len(line) - n + 1)) for n in range(1, order + 1)]


def chrf_from_ngrams(hyp: Sequence[Counter], ref: Sequence[Counter], beta: float = BETA) -> float:
    """Sentence chrF (0-100) of a hypothesis against a reference from their :func:`char_ngrams`: precision
    and recall averaged over the orders with n-grams on both sides, then their F-beta (sacrebleu's
    default "effective order" chrF)."""
    prec = rec = 0.0
    orders = 0
    for h, r in zip(hyp, ref):
        n_hyp, n_ref = sum(h.values()), sum(r.values())
        if not n_hyp or not n_ref:
            continue
        small, big = (h, r) if len(h) <= len(r) else (r, h)
        match = sum(min(c, big[g]) for g, c in small.items() if g in big)
        prec += match / n_hyp
        rec += match / n_ref
        orders += 1
    if not orders or not prec + rec:
        return 0.0
    prec, rec = prec / orders, rec / orders
    f = beta * beta
    return 100 * (1 + f) * prec * rec / (f * prec + rec)


def sentence_chrf(hyp: str, ref: str) -> float:
    """Sentence chrF of two texts (:func:`chrf_from_ngrams` of their :func:`char_ngrams`)."""
    return chrf_from_ngrams(char_ngrams(hyp), char_ngrams(ref))


def mbr_scores(candidates: Sequence[str], weights: Sequence[float] | None = None) -> list[float]:
    """Each candidate's expected chrF against all candidates as references, weighted by ``weights``
    (default: uniform; they need not sum to 1). n-grams are counted once per distinct candidate; an
    empty candidate (a search that finished nothing) scores 0 against everything."""
    if isinstance(candidates, str) or not isinstance(candidates, Sequence):
        raise InputTypeError(f"candidates: expected a list of strings, got {type(candidates).__name__}")
    cands = list(candidates)
    bad = next((i for i, c in enumerate(cands) if not isinstance(c, str)), None)
    if bad is not None:
        raise InputTypeError(f"candidates[{bad}]: expected a str, got {type(cands[bad]).__name__}")
    if not cands:
        raise DataError("candidates: expected at least one candidate, got none")
    if weights is None:
        weights = [1.0] * len(cands)
    elif isinstance(weights, str) or not isinstance(weights, Sequence) or len(weights) != len(cands):
        got = len(weights) if isinstance(weights, Sequence) and not isinstance(weights, str) else type(weights).__name__
        raise DataError(f"weights: expected one weight per candidate ({len(cands)}), got {got}")
    else:
        for i, w in enumerate(weights):
            check_number(f"weights[{i}]", w, lo=0)
    grams: dict[str, list[Counter]] = {}
    refs = [grams.setdefault(c, char_ngrams(c)) for c in cands]
    pair: dict[tuple[str, str], float] = {}
    out = []
    for c, g in zip(cands, refs):
        total = 0.0
        for r, gr, w in zip(cands, refs, weights):
            if (c, r) not in pair:
                pair[c, r] = 100.0 if c == r and gr[0] else chrf_from_ngrams(g, gr)
            total += w * pair[c, r]
        out.append(total)
    return out


def mbr_select(candidates: Sequence[str], weights: Sequence[float] | None = None) -> int:
    """The index of the candidate with the highest :func:`mbr_scores` (ties: the first)."""
    s = mbr_scores(candidates, weights)
    return max(range(len(s)), key=lambda i: (s[i], -i))
