"""The linear members' n-grams of a very long text, made piece by piece (:meth:`TfidfLogReg._analyze
<rnnkit.tasks.classify_linear.TfidfLogReg>`).

The network reads a text's first ``max_len`` tokens (:mod:`rnnkit.data.heads`); the TF-IDF members count every
n-gram of the whole text, and made one list of all of them first: predict of one line ``'good movie ' * 400_000``
(4.4 MB) by a run with the default combination took 47.8 s and a peak of 2,805 MB against 494 MB with the model
loaded (session 21, loaded VM). A text over :data:`PIECE_CHARS` characters is now cut into pieces just before an
ASCII white-space character (not one after a grapheme-cluster Prepend character, which a space joins, nor the LF of
a CR LF) and its n-grams are yielded piece by piece, in the order the whole text's list holds them -- word tokens,
word bigrams (the one across each cut included), character n-grams -- so the counts, and the order in which terms
first occur (which the count store keeps), are the same:

* the cut is exact for the word tokens (words and characters units, NFC and case folding: see
  :mod:`rnnkit.data.heads`, whose prefixes are cut so too) and for scikit-learn's ``char_wb`` n-grams, which are made
  word by word from ``str.split()``;
* it is not made for the ``char`` n-grams (they run across spaces; texts with few spaces), for PKU-segmented words,
  nor in a text with no such white space after :data:`PIECE_CHARS` (one long word): those are analysed whole, as
  before.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Iterator

__all__ = ["PIECE_CHARS", "pieces", "piece_terms"]

#: Texts up to this many characters are analysed whole; longer ones in pieces of about this many.
PIECE_CHARS = 1 << 16
_CUT = re.compile(r"[ \t\n\r\f\v]")


@functools.cache
def _prepend():
    import regex

    return regex.compile(r"\p{Grapheme_Cluster_Break=Prepend}", regex.V1)


def pieces(text: str, size: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of the pieces of ``text``: each ends just before an ASCII white-space character at or after
    ``size`` characters (default :data:`PIECE_CHARS`) from its start that no Prepend character (nor the CR of a CR LF) precedes: a grapheme cluster
    never holds it and the character before (UAX #29); one piece when there is none."""
    size = PIECE_CHARS if size is None else size
    out, start, n = [], 0, size
    while n < len(text):
        m = _CUT.search(text, n)
        while m is not None and m.start() > 0 and (text[m.start() - 1] == "\r"
                                                    or _prepend().match(text, m.start() - 1)):
            m = _CUT.search(text, m.start() + 1)
        if m is None:
            break
        out.append((start, m.start()))
        start, n = m.start(), m.start() + size
    out.append((start, len(text)))
    return out


def piece_terms(model: Any, text: str) -> Iterator[str]:
    """The terms of ``model._analyze(text)`` (a :class:`~rnnkit.tasks.classify_linear.TfidfLogReg`), in its order,
    made piece by piece (see the module docstring)."""
    parts = [text[a:b] for a, b in pieces(text)]   # one copy of the text: the memory the n-gram list took is gone
    if model.features != "char":
        for part in parts:
            yield from model._word_tokens(part)
        prev = None
        for part in parts:
            toks = model._word_tokens(part)
            if prev is not None and toks:
                yield prev + "\x00" + toks[0]
            yield from (a + "\x00" + b for a, b in zip(toks, toks[1:]))
            prev = toks[-1] if toks else prev
    if model.features != "word":
        for part in parts:
            yield from ("\x01" + g for g in model._char_analyzer(part))


def in_pieces(model: Any, text: str) -> bool:
    """Whether ``model`` analyses ``text`` piece by piece (long, and units whose cut is exact)."""
    return (len(text) > PIECE_CHARS and model.tokenizer != "segmented" and model.char_mode != "char"
            and _CUT.search(text, PIECE_CHARS) is not None)
