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
  nor in a text with no such white space after :data:`PIECE_CHARS` (one long word): those are analysed whole, their
  character n-grams made one at a time (:func:`char_ngrams`, scikit-learn's in its order) where scikit-learn made a
  list of them first -- 5 n-grams a character: predict of one 1 MB line without spaces ('abcdefghij' x 100,000) by a
  run of character units with the combination took a peak of 1,239 MB against 514 MB with the model loaded
  (session 23, loaded VM), 700 bytes of memory per byte of text; now 523 MB. scikit-learn's char_wb list of that
  line: 5,000,000 n-grams, a 244 MB peak (tracemalloc), 3.3 s; :func:`char_ngrams`: 3 MB, 1.0 s (same VM).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any, Iterator

from rnnkit.data.vocab import BIDI_MARKS

__all__ = ["PIECE_CHARS", "pieces", "piece_terms", "char_text", "char_ngrams"]

#: Texts up to this many characters are analysed whole; longer ones in pieces of about this many.
PIECE_CHARS = 1 << 16
_CUT = re.compile(r"[ \t\n\r\f\v]")
_BLOCK = 1 << 14                     # n-grams made at a time by char_ngrams
_SPACES = re.compile(r"\s\s+")     # scikit-learn's white-space runs, read as one space before its char n-grams
_BIDI = re.compile(f"[{BIDI_MARKS}]")   # the bidirectional marks and controls the word tokens drop too


def char_text(text: str) -> str:
    """``text`` as the character n-grams read it: NFC without bidirectional marks and controls, as the word tokens
    (:func:`rnnkit.data.vocab.tokenize`) and the network read it. scikit-learn's analyzer normalises nothing
    (``strip_accents=None``, its default): 'café' typed decomposed (NFD: a macOS file name, some keyboards) and an
    RLM inside a word (Hebrew or Arabic text copied from a bidi-aware editor) made other n-grams, so the linear
    members' probabilities of a text the same on screen differed, silently (session 23).

    >>> char_text("cafe\u0301\u200f") == "caf\u00e9"
    True
    """
    return unicodedata.normalize("NFC", _BIDI.sub("", text))




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
    made piece by piece (see the module docstring), or without a cut its character n-grams one at a time."""
    if model.tokenizer == "segmented" or model.char_mode == "char" or _CUT.search(text, PIECE_CHARS) is None:
        yield from _uncut_terms(model, text)
        return
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


def _uncut_terms(model: Any, text: str) -> Iterator[str]:
    """The terms of ``model._analyze(text)`` in its order, the text analysed whole, its character n-grams yielded."""
    if model.features != "char":
        toks = model._word_tokens(text)
        yield from toks
        yield from (a + "\x00" + b for a, b in zip(toks, toks[1:]))
    if model.features != "word":
        yield from ("\x01" + g for g in char_ngrams(model.char_vectorizer(), char_text(text)))


def char_ngrams(vectorizer: Any, text: str) -> Iterator[str]:
    """The n-grams of ``vectorizer.build_analyzer()(text)`` (a scikit-learn CountVectorizer with ``analyzer`` "char"
    or "char_wb"), one at a time in its order: its ``_char_ngrams`` / ``_char_wb_ngrams`` (scikit-learn 1.x)
    without the list."""
    doc = _SPACES.sub(" ", vectorizer.build_preprocessor()(text))
    lo, hi = vectorizer.ngram_range
    if vectorizer.analyzer == "char":
        if lo == 1:
            yield from doc
            lo = 2
        for n in range(lo, min(hi + 1, len(doc) + 1)):
            yield from _grams(doc, n, len(doc) - n + 1)
        return
    for w in doc.split():
        w = f" {w} "
        for n in range(lo, hi + 1):
            yield from _grams(w, n, max(len(w) - n, 0) + 1)
            if len(w) <= n:      # a short word (len(w) < n) is counted once
                break


def _grams(s: str, n: int, count: int) -> Iterator[str]:
    """``s[i:i + n]`` for ``i`` in ``range(count)``, made :data:`_BLOCK` at a time (a list comprehension a block)."""
    for a in range(0, count, _BLOCK):
        yield from [s[i:i + n] for i in range(a, min(a + _BLOCK, count))]


def in_pieces(model: Any, text: str) -> bool:
    """Whether ``model`` analyses ``text`` as a long text (:func:`piece_terms`)."""
    return len(text) > PIECE_CHARS
