"""Words for translation: tokens, detokenisation, IBM Model 1 fitted in numpy, and the two baselines of
the translators (:class:`CopySource`, :class:`WordDictionary`).

Tokens are :func:`rnnkit.data.vocab.tokenize` words (Unicode runs of letters/digits, each punctuation mark
alone, every character of scripts written without spaces). :func:`detokenize` joins target words back
into text: a space between two tokens unless the second is closing punctuation, the first is opening
punctuation, or an apostrophe/hyphen joins two words (``don ' t`` -> ``don't``, ``well - known`` ->
``well-known``); scripts without spaces are joined without one.

>>> detokenize(tokenize('He said: "I don\\'t know (yet)."', "words"))
'He said: "I don\\'t know (yet)."'

:class:`IBM1` is IBM Model 1 (Brown et al. 1993): EM on word translation probabilities ``t(e | f)``
with a NULL source word, over every co-occurring pair of a sentence pair; the expected counts of one
iteration are a few ``numpy.bincount`` calls over the flat list of co-occurrences (in blocks of at most
:data:`BLOCK_ROWS`: a long pair's rows are never all in memory), so 17k sentence pairs fit in about a
second. ``best`` maps each source word to its most probable target word (ties: the greater word).

>>> m = IBM1(iterations=5).fit([["das", "Haus"], ["das", "Buch"], ["ein", "Buch"]],
...                            [["the", "house"], ["the", "book"], ["a", "book"]])
>>> m.best["Haus"], m.best["ein"]
('house', 'a')

The baselines: the source copied unchanged, and a word-by-word dictionary (:class:`IBM1` fitted on the
training pairs): each source word becomes its most probable target word, unknown words are copied, and
the source's spacing between words is kept.

>>> d = WordDictionary(iterations=5).fit(["das Haus", "das Buch", "ein Buch"], ["the house", "the book", "a book"])
>>> d.translate(["ein Haus", "das Auto"])
['a house', 'the Auto']
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any, Sequence

import numpy as np

from rnnkit._arrays import distinct
from rnnkit.data.vocab import tokenize, unspaced
from rnnkit.errors import DataError, InputTypeError
from rnnkit.tasks.common import check_bool, check_number, check_texts

__all__ = ["IBM1", "detokenize", "words", "CopySource", "WordDictionary", "NULL"]

NULL = "\0NULL"
_CLOSING = set(".,!?;:)]}%»”")
_OPENING = set("([{„“‚‘¿¡«")
_JOINERS = set("'’-")
_SUFFIXES = {"s", "t", "m", "d", "re", "ll", "ve"}
_QUOTES = {'"': 0, "'": 1}
# CJK punctuation and full-width forms: written without a space beside another such or a ``words`` token of a
# script without spaces (the scripts themselves: ``data.vocab.unspaced``)
_NO_SPACE = re.compile(r"^[\u3000-\u303f\uff01-\uff65]$")


def _no_space(tok: str) -> bool:
    """A token written without a space beside another such: a CJK punctuation mark, or one ``words`` token of a
    script without spaces (a Thai consonant with its vowel signs and tone marks: ``data.vocab.unspaced``)."""
    return bool(_NO_SPACE.match(tok)) or unspaced(tok)


def detokenize(tokens: Sequence[str]) -> str:
    """Target words joined into text (see the module docstring). A straight double quote opens when an
    even number of them came before, else closes. Two tokens of a script written without spaces (Thai, Lao, Han:
    grapheme clusters, ``data.vocab.unspaced``) are joined without one, so a space the text had between two such
    phrases ('ผมชื่อ สมชาย', '東京 大阪') is lost: the tokens do not carry it (a known limit of word units there)."""
    out: list[str] = []
    quotes = [0, 0]                                   # straight double / single quotes seen so far
    opened = False                                    # the previous token opened a quote
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        apostrophe = (tok in _JOINERS and prev is not None and nxt is not None and prev[-1:].isalnum()
                      and (nxt.lower() in _SUFFIXES if tok != "-" else nxt[:1].isalnum()))
        after_apostrophe = i >= 2 and prev in _JOINERS and tokens[i - 2][-1:].isalnum() and (
            tok.lower() in _SUFFIXES if prev != "-" else tok[:1].isalnum())
        q = _QUOTES.get(tok) if not apostrophe else None
        space = prev is not None and not (
            tok in _CLOSING or prev in _OPENING or apostrophe or after_apostrophe
            or (_no_space(tok) and _no_space(prev))
            or (q is not None and quotes[q] % 2 == 1)                          # a closing quote
            or (prev in _QUOTES and opened)                                   # after an opening quote
            or (tok in ",." and prev.isdigit() and nxt is not None and nxt.isdigit())   # 1,000 and 2.5
            or (prev in ",." and i >= 2 and tokens[i - 2].isdigit() and tok.isdigit()))
        opened = q is not None and quotes[q] % 2 == 0
        if q is not None:
            quotes[q] += 1
        out.append(tok if not space else " " + tok)
    return "".join(out)


#: most (target position, source position) rows of IBM-1's E step held at once: a pair of 5,000 words a side is 25
#: million rows, and holding them all (with their keys, sort and weights) took 2.2 GB -- one of 20,000 words a side
#: would have needed about 35 GB, the OOM killer's -- so longer runs of rows are expanded block by block
BLOCK_ROWS = 1 << 21


def _row_blocks(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[list[tuple[int, int, int]]]:
    """``pairs`` (source ids with NULL, target ids) cut into blocks of at most :data:`BLOCK_ROWS` rows (more only
    where one target word's row alone is longer): each block a list of ``(pair, first, stop)`` target positions."""
    blocks: list[list[tuple[int, int, int]]] = [[]]
    rows = 0
    for k, (fi, ei) in enumerate(pairs):
        step = max(1, BLOCK_ROWS // len(fi))      # target positions of this pair per block
        for a in range(0, len(ei), step):
            b = min(a + step, len(ei))
            if rows and rows + (b - a) * len(fi) > BLOCK_ROWS:
                blocks.append([])
                rows = 0
            blocks[-1].append((k, a, b))
            rows += (b - a) * len(fi)
    return blocks


def _rows(pairs: Sequence[tuple[np.ndarray, np.ndarray]], block: list[tuple[int, int, int]],
          n_e: int) -> tuple[np.ndarray, np.ndarray]:
    """The E step's rows of ``block``: each row's (f, e) key ``f * n_e + e`` and its target position within the
    block (0, 1, ...: the rows of one target word share its normaliser)."""
    keys, pos, at = [], [], 0
    for k, a, b in block:
        fi, ei = pairs[k][0], pairs[k][1][a:b]
        keys.append(fi[None, :] * n_e + ei[:, None])        # row = target position x source position
        pos.append(np.repeat(np.arange(at, at + len(ei), dtype=np.int64), len(fi)))
        at += len(ei)
    return np.concatenate([x.ravel() for x in keys]), np.concatenate(pos)


#: blocks of :data:`BLOCK_ROWS` rows whose (f, e) types and target positions are kept between EM iterations (4 bytes
#: each a row: 134 MB at most); more are expanded again in each iteration. Expanded again every time, 59k sentence
#: pairs (5.9M rows, three blocks) took 10-12 s to fit where all in one block had taken 4.
KEEP_BLOCKS = 8


class IBM1:
    """IBM Model 1 word translation probabilities from tokenised sentence pairs (module docstring).
    After :meth:`fit`: ``best`` (source word -> most probable target word) and :meth:`top`."""

    def __init__(self, iterations: int = 5) -> None:
        check_number("iterations", iterations, lo=1, integer=True)
        self.iterations = iterations
        self.best: dict[str, str] = {}

    def fit(self, sources: Sequence[Sequence[str]], targets: Sequence[Sequence[str]]) -> "IBM1":
        if len(sources) != len(targets):   # zip aligned the common prefix only
            raise DataError(f"targets: expected one word list per source ({len(sources)}), got {len(targets)}")
        for name, sents in (("sources", sources), ("targets", targets)):
            bad = next((i for i, s in enumerate(sents) if isinstance(s, str)), None)
            if bad is not None:             # a sentence as a str was aligned character by character
                raise InputTypeError(f"{name}[{bad}]: expected a list of words, got a str {sents[bad][:20]!r}")
        f_index: dict[str, int] = {NULL: 0}
        e_index: dict[str, int] = {}
        pairs: list[tuple[np.ndarray, np.ndarray]] = []   # each pair's source ids (NULL first) and target ids
        for f, e in zip(sources, targets):
            if not f or not e:
                continue
            pairs.append((np.asarray([0] + [f_index.setdefault(w, len(f_index)) for w in f], dtype=np.int64),
                          np.asarray([e_index.setdefault(w, len(e_index)) for w in e], dtype=np.int64)))
        self.f_words, self.e_words = list(f_index), list(e_index)
        if not pairs:
            self.best, self.pairs, self.prob = {}, np.zeros((0, 2), np.int64), np.zeros(0)
            return self
        n_e = len(e_index)
        blocks = _row_blocks(pairs)
        # the co-occurring (f, e) types and each row's: kept for every iteration up to KEEP_BLOCKS blocks (short
        # sentences: one block, computed as before), else the rows are expanded again in each (all the rows were
        # never in memory at once: see BLOCK_ROWS)
        kept = None
        if len(blocks) <= KEEP_BLOCKS:
            typed = []        # each block's sorted types, its rows' indexes into them and their target positions
            for b in blocks:
                pair_key, pos = _rows(pairs, b, n_e)
                types, inverse = np.unique(pair_key, return_inverse=True)
                typed.append((types, inverse.astype(np.int32), pos.astype(np.int32)))
            keys = typed[0][0] if len(typed) == 1 else distinct(np.concatenate([types for types, _, _ in typed]))
            code = np.int32 if len(keys) < 2 ** 31 else np.int64
            kept = [(np.searchsorted(keys, types).astype(code)[inverse], pos) for types, inverse, pos in typed]
            del typed
        else:
            keys = distinct(np.concatenate([distinct(_rows(pairs, b, n_e)[0]) for b in blocks]))   # (_arrays)
        key_f = keys // n_e
        t = np.ones(len(keys))                                     # uniform start (normalised in the E step)
        for _ in range(self.iterations):
            c = np.zeros(len(keys))
            for i, b in enumerate(blocks):
                if kept is None:
                    pair_key, pos = _rows(pairs, b, n_e)
                    pair = np.searchsorted(keys, pair_key)         # each row's (f, e) type
                else:
                    pair, pos = kept[i]
                tp = t[pair]
                z = np.bincount(pos, weights=tp)
                c += np.bincount(pair, weights=tp / z[pos], minlength=len(keys))
            total = np.bincount(key_f, weights=c, minlength=len(f_index))
            t = c / total[key_f]
        self.pairs = np.stack([key_f, keys % n_e], 1)
        self.prob = t
        best: dict[str, tuple[float, str]] = {}
        for (fi, ei), p in zip(self.pairs.tolist(), t.tolist()):
            if fi == 0:
                continue
            fw, ew = self.f_words[fi], self.e_words[ei]
            if fw not in best or (p, ew) > best[fw]:
                best[fw] = (p, ew)
        self.best = {fw: ew for fw, (_, ew) in best.items()}
        return self

    def posteriors(self, sources: Sequence[Sequence[str]], targets: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """For each pair, the model's alignment posterior ``P(a_t = i | e, f)``: an array ``(len(e), len(f) + 1)``,
        column 0 the NULL word, each row summing to 1 (a row whose target word never co-occurred with any of the
        source words in :meth:`fit` -- nothing fitted -- is all 0). One vectorised lookup over all pairs."""
        if len(sources) != len(targets):
            raise DataError(f"targets: expected one word list per source ({len(sources)}), got {len(targets)}")
        f_index = {w: i for i, w in enumerate(getattr(self, "f_words", []))}
        e_index = {w: i for i, w in enumerate(getattr(self, "e_words", []))}
        n_e = max(len(e_index), 1)
        pairs = getattr(self, "pairs", np.zeros((0, 2), np.int64))
        keys = pairs[:, 0] * n_e + pairs[:, 1]             # sorted: np.unique made them in fit
        shapes, flat = [], []
        for f, e in zip(sources, targets):
            fi = np.asarray([0] + [f_index.get(w, -1) for w in f], dtype=np.int64)
            ei = np.asarray([e_index.get(w, -1) for w in e], dtype=np.int64)
            known = (ei[:, None] >= 0) & (fi[None, :] >= 0)
            flat.append(np.where(known, fi[None, :] * n_e + ei[:, None], -1).ravel())
            shapes.append((len(e), len(f) + 1))
        allk = np.concatenate(flat) if flat else np.zeros(0, np.int64)
        prob = np.zeros(len(allk))
        if len(keys):
            at = np.minimum(np.searchsorted(keys, allk), len(keys) - 1)
            hit = (allk >= 0) & (keys[at] == allk)
            prob[hit] = self.prob[at[hit]]
        out, pos = [], 0
        for shape in shapes:
            n = shape[0] * shape[1]
            p = prob[pos: pos + n].reshape(shape)
            pos += n
            z = p.sum(1, keepdims=True)
            out.append(np.divide(p, z, out=np.zeros_like(p), where=z > 0))
        return out

    def symmetric(self, reverse: "IBM1", power: float = 0.5) -> dict[str, str]:
        """Each source word's target word by ``t(e | f) * t(f | e) ** power``, ``t(f | e)`` from ``reverse``
        (an :class:`IBM1` fitted on the same pairs swapped; ties: the greater word). ``t(e | f)`` alone
        favours rare target words for rare source words (a rare word "collects" the words around it: Brown
        et al.'s garbage collectors); the reverse direction vetoes a target word that is far more often
        seen with other source words. Not the translator's glosses: on trans-de-en validation pairs
        (power 0.5) it raises the plain dictionary's chrF 29.4 -> 30.2, but the pointer network trained on
        these glosses scored the same as with ``best`` (beam chrF 31.84 vs 31.77)."""
        rev = {(reverse.f_words[e], reverse.e_words[f]): p for (e, f), p in zip(reverse.pairs.tolist(),
                                                                                 reverse.prob.tolist())}
        best: dict[str, tuple[float, str]] = {}
        for (fi, ei), p in zip(self.pairs.tolist(), self.prob.tolist()):
            if fi == 0:
                continue
            fw, ew = self.f_words[fi], self.e_words[ei]
            key = (p * rev.get((ew, fw), 0.0) ** power, ew)
            if fw not in best or key > best[fw]:
                best[fw] = key
        return {fw: ew for fw, (_, ew) in best.items()}


def words(texts: Sequence[str]) -> list[list[str]]:
    """The :func:`rnnkit.data.vocab.tokenize` words of each text."""
    return [tokenize(t, "words") for t in texts]


def spans(text: str) -> tuple[list[tuple[str, str]], str]:
    """``(pairs, tail)`` of ``text`` (NFC): ``pairs`` the ``(gap, word)`` of each
    :func:`rnnkit.data.vocab.tokenize` word with what stood before it, ``tail`` what follows the last
    word; ``"".join(g + w ...) + tail`` rebuilds the text."""
    text = unicodedata.normalize("NFC", text)          # tokenize() works on the NFC form
    out, pos = [], 0
    for w in tokenize(text, "words"):
        start = text.find(w, pos)
        out.append((text[pos:start], w))
        pos = start + len(w)
    return out, text[pos:]


def word_gap(texts: Sequence[str]) -> str:
    """The most common text between two adjacent words of ``texts`` (``" "`` for spaced scripts, ``""``
    for Chinese or Japanese, whose words are not separated); ``" "`` when no text has two words."""
    gaps = Counter(g for t in texts for g, _ in spans(t)[0][1:])
    return gaps.most_common(1)[0][0] if gaps else " "


class CopySource:
    """The baseline that outputs the source unchanged (names, numbers, cognates survive), in NFC as every text
    task reads and writes text (a decomposed source was copied decomposed)."""

    def fit(self, sources=None, targets=None) -> "CopySource":
        return self

    def translate(self, sources) -> list[str]:
        return [unicodedata.normalize("NFC", s) for s in check_texts(sources, "sources")]

    def state(self) -> tuple[dict, dict]:
        return {}, {}

    @classmethod
    def from_state(cls, state: Any) -> "CopySource":
        return cls()


class WordDictionary:
    """Word-by-word translation with a dictionary learned from training pairs by IBM Model 1 (EM on
    word translation probabilities ``t(e | f)`` with a NULL source word): each source word becomes its
    most probable target word (NULL-aligned target words are never produced), unknown words are
    copied. Words are :func:`rnnkit.data.vocab.tokenize` tokens (no space assumption); the output keeps
    the source's spacing and punctuation between them, except that the sources' usual gap between two
    words becomes the targets' (:func:`word_gap`, learned in ``fit``): Chinese words -> pinyin or English
    get spaces (before, ``奄奄一息`` became ``yanyanyixi``: BLEU 0 against ``yan yan yi xi``), spaced
    sources -> Chinese lose them; a pair of spaced languages is unchanged. ``split_compounds=True`` (not
    the baseline's default) translates an unknown word by
    :meth:`rnnkit.tasks.seq2seq_lexicon.Lexicon.phrase` (case, inflection, compound parts) instead of
    copying it. ``lexicon`` (a :class:`rnnkit.tasks.seq2seq_dictionary.BilingualLexicon`, not the baseline's
    default): an unknown word takes its gloss from that external dictionary first (as the dict-pointer's glosses do)."""

    def __init__(self, iterations: int = 5, split_compounds: bool = False, lexicon: Any = None) -> None:
        from rnnkit.tasks.seq2seq_dictionary import BilingualLexicon

        check_number("iterations", iterations, lo=1, integer=True)
        split_compounds = check_bool("split_compounds", split_compounds)
        if lexicon is not None and not isinstance(lexicon, BilingualLexicon):
            raise InputTypeError(f"lexicon: expected None or a BilingualLexicon, got {type(lexicon).__name__}")
        self.iterations = iterations
        self.split_compounds = split_compounds
        self.lexicon = lexicon
        self.table: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self.gaps = (" ", " ")          # the sources' usual gap between words -> the targets'

    def fit(self, sources, targets) -> "WordDictionary":
        src, tgt = check_texts(sources, "sources"), check_texts(targets, "targets")
        if len(src) != len(tgt):
            raise DataError(f"targets: expected one target per source ({len(src)}), got {len(tgt)}")
        src_words = words(src)
        self.table = dict(IBM1(self.iterations).fit(src_words, words(tgt)).best)
        self.gaps = (word_gap(src), word_gap(tgt))
        if self.split_compounds or self.lexicon is not None:   # the lexicon's gloss wins for a word seen once
            n = Counter(w for s in src_words for w in s)
            self.counts = {w: n[w] for w in self.table}
        return self

    def translate(self, sources) -> list[str]:
        """Each source word replaced by its dictionary entry; whatever stood between the words in the
        source (spaces, nothing, ...) is kept, so no spacing convention is imposed."""
        from rnnkit.tasks.seq2seq_dictionary import gloss_function

        out = []
        gloss = gloss_function(self.table, self.counts, self.split_compounds, True, self.lexicon)
        src_gap, tgt_gap = self.gaps
        for s in check_texts(sources, "sources"):
            parts, tail = spans(s)
            out.append("".join((tgt_gap if i and g == src_gap else g) + gloss(w) for i, (g, w) in enumerate(parts))
                       + tail)
        return out

    def state(self) -> tuple[dict, dict[str, Any]]:
        extra = {"split_compounds": True, "counts": self.counts} if self.split_compounds else {}
        if self.lexicon is not None:
            extra["counts"] = self.counts
        if self.gaps[0] != self.gaps[1]:  # runs of two spaced languages keep the state they had
            extra["gaps"] = list(self.gaps)
        if self.lexicon is not None:
            extra["lexicon"] = self.lexicon.state()
        return {}, {"iterations": self.iterations, "table": self.table, **extra}

    @classmethod
    def from_state(cls, state: tuple[dict, dict[str, Any]]) -> "WordDictionary":
        s = state[1]
        self = cls(s["iterations"], s.get("split_compounds", False))
        self.table, self.counts = dict(s["table"]), dict(s.get("counts", {}))
        self.gaps = tuple(s.get("gaps", (" ", " ")))
        if "lexicon" in s:
            from rnnkit.tasks.seq2seq_dictionary import BilingualLexicon

            self.lexicon = BilingualLexicon.from_state(s["lexicon"], "baseline state")
        return self
