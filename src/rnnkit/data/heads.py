"""The first tokens of a very long text without tokenizing all of it.

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
* a long text without ASCII whitespace after the start (a Chinese or Japanese line, say) is tokenized whole.

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

import re
from typing import Callable, Sequence

__all__ = ["head_tokens", "head_chars", "Head", "AtLeast", "HEAD_CHARS"]

#: Texts up to this many characters (or 16 per token of ``max_len + 1``, if more) are tokenized whole.
HEAD_CHARS = 1 << 16
_CUT = re.compile(r"[ \t\n\r\f\v]")


class Head(list):
    """The first tokens of a text that has more of them than these (a prefix was tokenized)."""


class AtLeast(int):
    """A token count that is a lower bound (the text was tokenized up to a prefix): ``f"{n}"`` and ``str(n)``
    read ``at least N``; arithmetic, comparisons and JSON treat it as the number ``N``."""

    def __str__(self) -> str:
        return f"at least {int(self)}"

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else format(int(self), spec)


def head_chars(max_len: int) -> int:
    """The length in characters above which :func:`head_tokens` reads a text from a prefix."""
    return max(HEAD_CHARS, 16 * (max_len + 1))


def head_tokens(texts: Sequence[str], tokenize: Callable[[list[str]], list[list[str]]],
                max_len: int | None) -> list[list[str]]:
    """``tokenize(texts)`` where each text's tokens past ``max_len + 1`` may be left out: a text longer than
    :func:`head_chars` gives a :class:`Head` of at least ``max_len + 1`` tokens, the whole text's first ones,
    when a prefix of it cut before an ASCII whitespace character has enough (see the module's docstring);
    ``tokenize`` maps a list of texts to their token lists. ``max_len=None``: every text whole."""
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
        out[i] = _head(texts[i], tokenize, max_len, limit)
    return out


def _head(text: str, tokenize: Callable[[list[str]], list[list[str]]], max_len: int, start: int) -> list[str]:
    n = start
    while True:
        m = _CUT.search(text, n)
        if m is None:                       # no cut left: the whole text
            return tokenize([text])[0]
        toks = tokenize([text[:m.start()]])[0]
        if len(toks) >= max_len + 2:        # the last may differ from the whole text's: left out
            return Head(toks[:-1])
        n = 2 * m.start() + 1
