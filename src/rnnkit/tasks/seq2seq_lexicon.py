"""Glosses for source words the dictionary never saw: case fallbacks, inflection stripping and compound
splitting (Koehn & Knight 2003, "Empirical methods for compound splitting").

A word dictionary fitted on a small corpus (:class:`rnnkit.tasks.seq2seq_words.IBM1`) misses many words
of new sentences -- in German mostly compounds (``Zeilenabstand``) and inflected forms of known words.
:class:`Lexicon` wraps the dictionary and the training frequency of each source word; for an unknown word
it tries, in order:

1. the word with its first letter upper- or lower-cased (sentence-initial words, nominalised forms);
2. the word less one inflection suffix of :data:`SUFFIXES` (``-e -en -er -es -em -n -s``), leaving a
   known word of at least :data:`MIN_PART` letters;
3. a split into two or more known parts of at least :data:`MIN_PART` letters each, a non-final part
   optionally followed by a linking morpheme of :data:`LINKERS` (``Zeile|n|abstand``); the split with
   the highest geometric mean of the parts' training frequencies wins (Koehn & Knight's rule; the
   unsplit word counts as frequency 0, so any split of known parts beats it). Parts match case-blind
   (German nouns inside compounds lose their capital).

Where 1-2 find nothing (for the whole word and for the last part of a split), ``derive=True`` (the
default) tries the word-formation rules of :mod:`rnnkit.tasks.seq2seq_morph` (derivations such as
``Bewertung`` -> ``bewerten``, verb endings, comparatives, participle ``ge``, separable particles): the known
base form with the fewest rules undone, then the most frequent.

The suffixes and linkers are a small rule set of German morphology, not data; every other choice
comes from the training words. ``gloss(w)`` is the translation of the head (the last part) -- one
word per source word, as the pointer network expects -- and ``phrase(w)`` the modifiers' and the head's
translations joined by spaces (``line spacing``); unknown words with no analysis are their own gloss.

>>> lex = Lexicon({"Zeile": "line", "Abstand": "spacing", "Haus": "house"},
...               {"Zeile": 3, "Abstand": 2, "Haus": 5})
>>> lex.gloss("Zeilenabstand"), lex.phrase("Zeilenabstand"), lex.gloss("Hauses"), lex.gloss("Auto")
('spacing', 'line spacing', 'house', 'Auto')
"""

from __future__ import annotations

import math
from typing import Mapping

from rnnkit.tasks.seq2seq_morph import base_forms

__all__ = ["Lexicon", "less_one_ending", "SUFFIXES", "LINKERS", "MIN_PART"]

#: German inflection endings tried when a word is unknown (longest first).
SUFFIXES = ("en", "er", "es", "em", "e", "n", "s")
#: German linking morphemes (Fugenelemente) allowed between compound parts.
LINKERS = ("", "s", "es", "n", "en")
#: The shortest part a word is split into or stripped down to.
MIN_PART = 4
#: The most parts a compound is split into.
MAX_PARTS = 3


def less_one_ending(w: str, known, min_part: int = MIN_PART):
    """``known(w)``, else ``known`` of ``w`` less one inflection ending of :data:`SUFFIXES` (at least ``min_part``
    characters left), else None: the one inflection fallback of :class:`Lexicon` and of the external lexicon
    (:class:`rnnkit.tasks.seq2seq_dictionary.BilingualLexicon`)."""
    k = known(w)
    if k is not None:
        return k
    for suf in SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= min_part:
            k = known(w[: -len(suf)])
            if k is not None:
                return k
    return None


class Lexicon:
    """A source-word dictionary with fallbacks for unknown words (module docstring). ``table``: source
    word -> target word; ``counts``: training frequency of each source word (words absent count 0)."""

    def __init__(self, table: Mapping[str, str], counts: Mapping[str, int], min_part: int = MIN_PART,
                 derive: bool = True) -> None:
        self.min_part, self.derive = min_part, derive
        self.table = dict(table)
        self.counts = {w: int(n) for w, n in counts.items() if w in self.table}
        self._folded: dict[str, str] = {}               # lower-cased known word -> its most frequent form
        for w in sorted(self.table, key=lambda w: (-self.counts.get(w, 0), w)):
            self._folded.setdefault(w.lower(), w)
        self._cache: dict[str, list[str]] = {}
        self._base: dict[str, str | None] = {}
        # no known word is longer (str.lower never shortens a word): a split's first part ends by this many
        # characters, so a long unknown word costs its length, not its square (session 23: one word of 98,000
        # characters given to translate took 56 s here, one of 1 MB was hours)
        self._longest = max((len(k) for k in [*self.table, *self._folded]), default=0) + max(map(len, LINKERS))

    def _known(self, w: str) -> str | None:
        """The known word that ``w`` is, case-blind (the most frequent form), else None."""
        return w if w in self.table else self._folded.get(w.lower())

    def _inflected(self, w: str) -> str | None:
        """A known word that ``w`` is, case-blind or less one inflection suffix."""
        k = less_one_ending(w, self._known, self.min_part)
        if k is not None:
            return k
        return self._derived(w) if self.derive else None

    def _derived(self, w: str) -> str | None:
        """The known base form of ``w`` with the fewest word-formation rules undone, then the most frequent
        (:func:`rnnkit.tasks.seq2seq_morph.base_forms`), else None."""
        if w not in self._base:
            found: list[tuple[int, int, str]] = []
            for form, n in base_forms(w):
                k = self._known(form) if len(form) >= self.min_part else None
                if k is not None:
                    found.append((n, -self.counts.get(k, 0), k))
            self._base[w] = min(found)[2] if found else None
        return self._base[w]

    def _splits(self, w: str, parts_left: int) -> list[tuple[float, list[str]]]:
        """(sum of log frequencies, known parts) for each split of ``w`` into <= ``parts_left`` parts."""
        out = []
        head = self._inflected(w) if len(w) >= self.min_part else None
        if head is not None:
            out.append((math.log(self.counts.get(head, 0) + 1), [head]))
        if parts_left < 2:
            return out
        for i in range(self.min_part, min(len(w) - self.min_part, self._longest) + 1):
            rest = w[i:]
            for link in LINKERS:
                if link and not w[:i].endswith(link):
                    continue
                first = self._known(w[: i - len(link)] if link else w[:i])
                if first is None or len(w[: i - len(link)]) < self.min_part:
                    continue
                lf = math.log(self.counts.get(first, 0) + 1)
                for ls, parts in self._splits(rest, parts_left - 1):
                    out.append((lf + ls, [first] + parts))
        return out

    def analyse(self, w: str) -> list[str]:
        """The known source words ``w`` stands for: ``[w]`` if known or unanalysable, else the best
        case/inflection match or compound split (module docstring)."""
        if w in self.table:
            return [w]
        if w not in self._cache:
            best, best_score = [w], 0.0
            for score, parts in self._splits(w, MAX_PARTS):
                mean = math.exp(score / len(parts))   # geometric mean of (frequency + 1)
                if mean > best_score or (mean == best_score and len(parts) < len(best)):
                    best, best_score = parts, mean
            self._cache[w] = best
        return self._cache[w]

    def gloss(self, w: str) -> str:
        """The translation of ``w``'s head (its last known part); ``w`` itself when it has no analysis."""
        head = self.analyse(w)[-1]
        return self.table.get(head, w)

    def phrase(self, w: str) -> str:
        """The translations of all of ``w``'s parts, joined by spaces (modifiers first, as in English)."""
        parts = self.analyse(w)
        return " ".join(self.table.get(p, p) for p in parts) if parts != [w] else self.table.get(w, w)
