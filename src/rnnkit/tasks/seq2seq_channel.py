"""Noisy-channel reranking of the dict-pointer's beam (``decode="channel"``; Yee et al. 2019, "Simple and effective
noisy channel modeling for neural machine translation"; Ng et al. 2019, FAIR's WMT19 systems).

The beam ranks its outputs by the direct model ``p(y | x)`` alone, which is content to drop or invent content.
The channel ``p(x | y)`` asks the other way round: how well does the output explain every source word? Each of
the beam's n-best outputs ``y`` of a source ``x`` is scored

    beam(y) + channel_weight * log p_ch(x | y) / |x| + channel_length * |y| / |x|

and the best wins (ties: the beam's earlier output; both weights 0: the beam's own choice). ``beam(y)`` is the
beam's length-normalised score (``sum log p / (|y| + 1) ** alpha``), ``|x|`` and ``|y|`` count words.

The channel is IBM Model 1 in the reverse direction (:class:`ReverseChannel`; Brown et al. 1993), fitted on the
training pairs with target and source swapped: ``p_ch(x | y) = prod_j (sum_i t(x_j | y_i)) / (|y| + 1)`` over
the output words and a NULL word, each factor at least :data:`FLOOR` (the table keeps the entries ``t`` of at least
:data:`PRUNE`, so a saved run stays small). A source word never seen in training stands for its known parts
(:meth:`rnnkit.tasks.seq2seq_lexicon.Lexicon.analyse`: ``Zeilenabstand`` -> ``Zeile Abstand``), and a word
with no analysis is explained only by a copy of itself in the output (``t = 1``).

An option, not the default. Chosen on 800 development pairs of trans-de-en (session 31; s12's construction: carved
from the Translator's fit part, a 4-epoch model, the validation and test pairs kept out) by a grid over the weights
of the channel, of a target character 5-gram LM (dropped: +0.07 chrF at best) and of the length (the highest chrF
whose BLEU was not below beam 5's): the 12 best of beam 12, ``channel_weight`` 0.06, ``channel_length`` 0 --
chrF / BLEU 31.48 / 8.23 (beam 5's best output) -> 32.34 / 8.35 (beam 12's best alone 31.94 / 8.19). The
pre-registered check on the bench model's 882 validation pairs (10 epochs, seed 0): beam 5 31.80 / 9.29, beam 12
31.92 / 8.84, channel 32.49 / 8.77 at 3.0x beam 5's decode CPU -- chrF +0.69 passed, BLEU -0.52 missed the
rule's -0.50 (outputs 1.05x beam 5's words), so not the default; the test pairs were not scored.

``channel_lexicon=True`` (with a run's external lexicon, :mod:`rnnkit.tasks.seq2seq_dictionary`; an option): a source
word the channel does not know that the lexicon glosses (the gloss the translator takes: :func:`lexicon_gloss`) is
explained by the gloss's words in the output, ``1 / len(gloss words)`` each, plus its copies -- without it such a
word costs ``log FLOOR`` in every output except a verbatim copy of itself (``t = 1``), so the channel preferred
copying the German word to its translation. Session 35: on 800 development pairs (s34's 4-epoch run) chrF / BLEU
34.08 / 8.37 -> 34.22 / 8.32 (the same +0.12..+0.14 at beam 16, 20, 24); the pre-registered check on the bench
model's 882 validation pairs (chrF >= +0.10, BLEU >= -0.30, decode CPU <= 2x): 34.54 / 9.58 -> 34.48 / 9.43 at 0.98x,
failed, so not the default; the test pairs were not scored.

>>> ch = ReverseChannel.fit([["das", "Haus"], ["das", "Buch"]], [["the", "house"], ["the", "book"]])
>>> ch.log_prob(["das", "Haus"], ["the", "house"]) > ch.log_prob(["das", "Haus"], ["the", "book"])
True
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Sequence

from rnnkit._validate import check_number
from rnnkit.errors import CheckpointError, DataError, InputTypeError

__all__ = ["ReverseChannel", "channel_scores", "channel_select", "lexicon_gloss", "FLOOR", "PRUNE"]

#: The smallest share of a source word's probability ``sum_i t(f | y_i) / (|y| + 1)``: a word the output does not
#: explain costs ``log FLOOR``.
FLOOR = 1e-6
#: Entries ``t(f | e)`` below this are not kept (a saved run stays small).
PRUNE = 1e-3
#: Significant digits of the probabilities a run saves (:meth:`ReverseChannel.state`).
DIGITS = 6


class ReverseChannel:
    """IBM Model 1 ``t(f | e)`` of source words ``f`` given target words ``e`` (module docstring)."""

    def __init__(self, table: Mapping[str, Mapping[str, float]] | None = None) -> None:
        self.table: dict[str, dict[str, float]] = {e: dict(fs) for e, fs in (table or {}).items()}
        self.known: set[str] = {f for fs in self.table.values() for f in fs}

    @classmethod
    def fit(cls, sources: Sequence[Sequence[str]], targets: Sequence[Sequence[str]],
            iterations: int = 5) -> "ReverseChannel":
        """Fitted on tokenised training pairs (source words, target words), target and source swapped."""
        from rnnkit.tasks.seq2seq_words import NULL, IBM1

        ibm = IBM1(iterations).fit(targets, sources)       # its "source" is our target: t(f | e), NULL among the e
        table: dict[str, dict[str, float]] = {}
        for (ei, fi), p in zip(ibm.pairs.tolist(), ibm.prob.tolist()):
            if p >= PRUNE:
                e = ibm.f_words[ei]
                table.setdefault("" if e == NULL else e, {})[ibm.e_words[fi]] = float(f"{p:.{DIGITS}g}")
        return cls(table)

    def _explained(self, f: str, ys: Sequence[str]) -> float:
        """``sum_i t(f | y_i)`` over the output words and NULL (a word never seen in training: its copies)."""
        if f not in self.known:
            return float(sum(1 for y in ys if y == f))
        total = self.table.get("", {}).get(f, 0.0)
        for y in ys:
            total += self.table.get(y, {}).get(f, 0.0)
        return total

    def log_prob(self, source: Sequence[str], output: Sequence[str],
                 analyse: Callable[[str], list[str]] | None = None,
                 gloss: Callable[[str], frozenset[str] | None] | None = None) -> float:
        """``log p_ch(source | output)`` (natural log); ``analyse(w)``: the known words an unknown source word
        stands for (default: itself); ``gloss(w)``: the words (lower case) of an external lexicon's gloss of an
        unknown source word, or None -- such a word is explained by those words in the output (``1 / len(gloss)``
        each) and by copies of itself, not by its analysis (``channel_lexicon``, module docstring)."""
        n = len(output) + 1
        total = 0.0
        low: list[str] | None = None
        for w in source:
            g = None if gloss is None or w in self.known else gloss(w)
            if g:
                low = [y.lower() for y in output] if low is None else low
                mass = sum(y in g for y in low) / len(g) + sum(y == w for y in output)
                total += math.log(max(mass / n, FLOOR))
                continue
            for f in [w] if w in self.known or analyse is None else analyse(w):
                total += math.log(max(self._explained(f, output) / n, FLOOR))
        return total

    def state(self) -> dict[str, dict[str, float]]:
        return self.table

    @classmethod
    def from_state(cls, state: Any, where: Any) -> "ReverseChannel":
        """From :meth:`state` as a run saved it; anything else is a CheckpointError naming ``where``."""
        ok = isinstance(state, dict) and all(
            isinstance(e, str) and isinstance(fs, dict) and all(
                isinstance(f, str) and isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 1
                for f, p in fs.items()) for e, fs in state.items())
        if not ok:
            raise CheckpointError(f"{where}: expected a 'channel' of target word -> {{source word: probability in "
                                  f"[0, 1]}} in the state, got {type(state).__name__}")
        return cls(state)


def channel_scores(nbest: Sequence[tuple[Sequence[str], float]], source: Sequence[str], channel: ReverseChannel,
                   weight: float, length: float, analyse: Callable[[str], list[str]] | None = None,
                   gloss: Callable[[str], frozenset[str] | None] | None = None) -> list[float]:
    """The reranking score of each ``(output words, beam score)`` of ``nbest`` for ``source`` (module docstring;
    ``gloss``: :meth:`ReverseChannel.log_prob`'s)."""
    check_number("channel_weight", weight, lo=0)
    check_number("channel_length", length)
    if not source:
        raise DataError("source: expected at least one word, got none")
    if isinstance(source, str):
        raise InputTypeError(f"source: expected a list of words, got a str {source[:20]!r}")
    n = len(source)
    if gloss is not None:      # looked up once a source, not once an output
        glossed = {w: gloss(w) for w in source if w not in channel.known}
        gloss = glossed.get
    return [score + (weight * channel.log_prob(source, words, analyse, gloss) / n if weight else 0.0)
            + length * len(words) / n for words, score in nbest]


def channel_select(nbest: Sequence[tuple[Sequence[str], float]], source: Sequence[str], channel: ReverseChannel,
                   weight: float, length: float, analyse: Callable[[str], list[str]] | None = None,
                   gloss: Callable[[str], frozenset[str] | None] | None = None) -> int:
    """The index of the best of :func:`channel_scores` (ties: the first); ``nbest`` must not be empty."""
    s = channel_scores(nbest, source, channel, weight, length, analyse, gloss)
    if not s:
        raise DataError("nbest: expected at least one output, got none")
    return max(range(len(s)), key=lambda i: (s[i], -i))


def lexicon_gloss(dictionary: Mapping[str, str], counts: Mapping[str, int],
                  external: Any) -> Callable[[str], frozenset[str] | None]:
    """``gloss`` of :meth:`ReverseChannel.log_prob` from a :class:`~rnnkit.tasks.seq2seq_dictionary.BilingualLexicon`:
    the lower-case words (those with a letter) of the gloss the translator takes from it for a source word
    (:func:`~rnnkit.tasks.seq2seq_dictionary.gloss_function`: a word the training pairs never show, or one seen at
    most ``external.rare`` times), else None."""
    from rnnkit.data.vocab import tokenize
    from rnnkit.tasks.seq2seq_dictionary import taken_gloss

    def gloss(w: str) -> frozenset[str] | None:
        g = taken_gloss(w, dictionary, counts, external)
        words = frozenset(t.lower() for t in tokenize(g, "words") if any(c.isalpha() for c in t)) if g else None
        return words or None
    return gloss
