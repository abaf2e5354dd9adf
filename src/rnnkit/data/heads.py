r"""The first tokens of a very long text without tokenizing all of it.

A model with ``max_len`` reads a text's first ``max_len`` tokens; a one-line input of megabytes was tokenized
whole before the cut (an 11 MB line: 23 s and 1.9 GB, a 100 MB line exhausted memory). :func:`head_tokens`
tokenizes a growing prefix of such a text instead, cut just before an ASCII whitespace character, until the
prefix has at least ``max_len + 2`` tokens; the prefix's last token is dropped (it may run on past the cut in
the whole text), the rest are exactly the whole text's first tokens:

* the cut is exact for the project's tokenizers (words, characters, PKU-segmented words, BPE, WordPiece):
  Unicode NFC / NFD and case mapping never act across an ASCII space, tab or line break, and no token
  continues past one but the prefix's last (a grapheme cluster after a Prepend character may hold a space).
* a text of at most :func:`head_chars` characters (64 KiB for ``max_len`` up to 4,095) takes the old path:
  tokenized whole, so its tokens and counts are as before.
* a long text without ASCII whitespace after the start (a Chinese or Japanese line, say) is cut instead just
  before a long-assigned punctuation mark (``_MARKS``: ASCII, CJK, full-width, sentence marks of other
  scripts; not ``_``, no mark of Unicode 8 or later, which the tokenizers package does not split at) that
  follows a letter without case (``\p{Lo}``: Han, kana, Hangul, Thai, ...; not a Prepend character), where no
  tokenizer of the project joins or looks across either: the mark is a starter no canonical composition takes
  (NFC and NFD are the same on each side, checked over every code point in the tests), a grapheme cluster
  starts at it, a run of Han characters (the PKU segmenter's Viterbi unit), of letters (BPE's pre-split, a
  word) or a WordPiece word ends before it, and a letter without case stops the final-sigma context of
  ``str.lower``. Before session 19 such a line was tokenized whole (helper X's note).
* a long text with neither after the start (one run of Han characters with no punctuation) is cut between two Han
  characters where no token of the units read holds both (``joined``, given by the caller; session 20): words,
  characters and WordPiece (BERT's normaliser makes each Han character a word of its own) never join two, so any
  such point is exact; a PKU word or a BPE unit may, so the cut is where no lexicon word / no BPE unit holds the
  two (NFC) characters: every segmentation of the whole run then ends a word there (the Viterbi path of the
  prefix is the whole's up to it), and no BPE merge crosses it (merges on each side are independent). Without
  ``joined`` (a caller that does not say which units it reads) such a line is still tokenized whole.

A text cut so is known to have more than ``max_len`` tokens, not how many: its tokens come back as a
:class:`Head` and :func:`rnnkit.data.batching.limit_length` reports its length as :class:`AtLeast`, which
prints as ``at least N`` (a lower bound; a JSON number ``N``).

>>> words = lambda ts: [t.split() for t in ts]
>>> text = "good movie " * 100_000
>>> head = head_tokens([text, "a bad film"], words, max_len=3)
>>> len(head[0]) < 20_000, head[0][:4], head[1], isinstance(head[0], Head)
(True, ['good', 'movie', 'good', 'movie'], ['a', 'bad', 'film'], True)
>>> f"{AtLeast(12)}", int(AtLeast(12))
('at least 12', 12)
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Callable, Sequence

__all__ = ["head_tokens", "head_chars", "Head", "AtLeast", "longest", "HEAD_CHARS", "no_han_pairs"]

#: Texts up to this many characters (or 16 per token of ``max_len + 1``, if more) are tokenized whole.
HEAD_CHARS = 1 << 16
_CUT = re.compile(r"[ \t\n\r\f\v]")
# The punctuation marks a text without ASCII white space may be cut before: long-assigned ones only (ASCII, Latin-1,
# General Punctuation, CJK and full-width forms, the sentence marks of Arabic, Hebrew, Indic, Thai, Khmer, Myanmar,
# Ethiopic, Armenian); the tokenizers package does not split at marks of Unicode 8 or later (U+061D, U+2E43..),
# so a WordPiece word ran on across them. '_' and the other connectors (Pc) join words.
_MARKS = (r"\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e\xa1\xa7\xab\xb6\xb7\xbb\xbf\u2010-\u2027\u2030-\u205e"
          r"\u3001-\u3003\u3008-\u3011\u3014-\u301f\u3030\u303d\u30a0\u30fb\ufe10-\ufe19\ufe30-\ufe6b\uff01-\uff65"
          r"\u060c\u061b\u061f\u06d4\u05be\u05c0\u05c3\u05f3\u05f4\u0589\u0964\u0965\u0e4f\u0e5a\u0e5b"
          r"\u104a\u104b\u17d4-\u17d6\u1361-\u1368")
# a mark after a caseless letter (see the module docstring); the `regex` package (Unicode sets, grapheme cluster
# properties) is a dependency of the word tokenizer
_MARK_CUT = (r"(?<=[\p{Lo}--\p{Grapheme_Cluster_Break=Prepend}])"
             rf"[[{_MARKS}]&&\p{{P}}--[\p{{Pc}}\p{{Grapheme_Cluster_Break=Extend}}"
             r"\p{Grapheme_Cluster_Break=SpacingMark}]]")


# between two Han ideographs (the PKU segmenter's HAN, each a grapheme cluster of its own when no mark follows it)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_PAIR = re.compile(f"(?<=[{_HAN}])(?=[{_HAN}])")


class Head(list):
    """The first tokens of a text that has more of them than these (a prefix was tokenized)."""


class AtLeast(int):
    """A token count that is a lower bound (the text was tokenized up to a prefix): ``f"{n}"`` and ``str(n)``
    read ``at least N``; arithmetic, comparisons and JSON treat it as the number ``N``."""

    def __str__(self) -> str:
        return f"at least {int(self)}"

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else format(int(self), spec)


def longest(counts: Sequence[int]) -> int:
    """The largest of the token ``counts``, :class:`AtLeast` when any is a lower bound: a text read from a prefix may
    be the longest whatever its bound (its 11,915 tokens counted beside an exact 30,000 may be 2 million).

    >>> str(longest([AtLeast(12), 30])), str(longest([12, 30]))
    ('at least 30', '30')
    """
    top = max(int(n) for n in counts)
    return AtLeast(top) if any(isinstance(n, AtLeast) for n in counts) else top


def head_chars(max_len: int) -> int:
    """The length in characters above which :func:`head_tokens` reads a text from a prefix."""
    return max(HEAD_CHARS, 16 * (max_len + 1))


def head_tokens(texts: Sequence[str], tokenize: Callable[[list[str]], list[list[str]]],
                max_len: int | None, joined: Callable[[str], bool] | None = None) -> list[list[str]]:
    """``tokenize(texts)`` where each text's tokens past ``max_len + 1`` may be left out: a text longer than
    :func:`head_chars` gives a :class:`Head` of at least ``max_len + 1`` tokens, the whole text's first ones,
    when a prefix of it cut before an ASCII whitespace character has enough (see the module's docstring);
    ``tokenize`` maps a list of texts to their token lists. ``max_len=None``: every text whole. ``joined(pair)``:
    whether a token of the units ``tokenize`` makes may hold the two Han characters ``pair`` (NFC) together
    (:func:`no_han_pairs` for words, characters and WordPiece), so that a run of Han characters may be cut too."""
    texts = list(texts)
    limit = None if max_len is None else head_chars(max_len)
    long = [] if limit is None else [i for i, t in enumerate(texts) if len(t) > limit]
    if not long:
        return tokenize(texts)
    cut = set(long)
    short = [i for i in range(len(texts)) if i not in cut]
    out: list[list[str]] = [[] for _ in texts]
    if short:
        for i, toks in zip(short, tokenize([texts[i] for i in short])):
            out[i] = toks
    for i in long:
        out[i] = _head(texts[i], tokenize, max_len, limit, joined)
    return out


def no_han_pairs(pair: str) -> bool:
    """``joined`` of :func:`head_tokens` for units whose tokens hold one Han character at most (words, characters,
    WordPiece): no two are held together."""
    return False


def _head(text: str, tokenize: Callable[[list[str]], list[list[str]]], max_len: int, start: int,
          joined: Callable[[str], bool] | None = None) -> list[str]:
    n = start
    while True:
        m = _CUT.search(text, n) or _mark_cut().search(text, n)
        cut = m.start() if m is not None else None if joined is None else _han_cut(text, n, joined)
        if cut is None:                     # no cut left: the whole text
            return tokenize([text])[0]
        toks = tokenize([text[:cut]])[0]
        if len(toks) >= max_len + 2:        # the last may differ from the whole text's: left out
            return Head(toks[:-1])
        n = 2 * cut + 1


def _han_cut(text: str, n: int, joined: Callable[[str], bool]) -> int | None:
    """The first point at or after ``n`` between two Han characters that no token holds together, else ``None``."""
    for m in _HAN_PAIR.finditer(text, max(n, 1)):
        p = m.start()
        if not joined(unicodedata.normalize("NFC", text[p - 1:p + 1])):
            return p
    return None


@functools.cache
def _mark_cut():
    import regex

    return regex.compile(_MARK_CUT, regex.V1)
