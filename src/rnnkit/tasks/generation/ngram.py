"""The char LM's baseline: an interpolated Witten-Bell character n-gram.

>>> m = NGramCharModel(order=1).fit("aab")
>>> round(m.bits_per_char("ab"), 4)   # p(b) = (1 + 2 * 1/3) / (3 + 2): 2 types after "", V = 3 (<unk>, a, b)
1.585
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

import numpy as np

from rnnkit._arrays import distinct
from rnnkit._memory import available_memory, human_size
from rnnkit._validate import check_number
from rnnkit.data.vocab import PAD, UNK, tokenize
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.generation.data import check_text

__all__ = ["NGramCharModel", "COUNT_BYTES"]

#: Bytes of memory :meth:`NGramCharModel.fit` takes per character of the text, per distinct context and per distinct
#: (context, character) count -- measured (tracemalloc and peak RSS) on 6.8M characters of 3,000 CJK ideographs,
#: whose 4.6M contexts and 11.4M counts at order 3 took 3.7 GB: the characters' lists, each context's dict and
#: its totals, each count's key and int.
COUNT_BYTES = {"char": 16, "context": 520, "count": 120}
#: characters of the text whose distinct n-grams one step of :meth:`NGramCharModel.memory_need` counts at a time
_CHUNK = 1 << 22


class NGramCharModel:
    """Interpolated Witten-Bell character n-gram (order 1: unigram smoothed towards uniform):
    ``P(c | h) = (C(h c) + T(h) P(c | h')) / (C(h) + T(h))`` with ``T(h)`` the number of distinct
    characters seen after ``h`` and ``h'`` the context one character shorter; the order-0 distribution
    is uniform over the vocabulary (``<pad>`` excluded, ``<unk>`` included). Characters outside the
    vocabulary are read as ``<unk>``, as the network does."""

    def __init__(self, order: int = 3, min_freq: int = 1) -> None:
        check_number("order", order, lo=1, hi=8, integer=True)
        check_number("min_freq", min_freq, lo=1, integer=True)
        self.order, self.min_freq = order, min_freq
        self.vocab: list[str] = []
        self.counts: dict[str, dict[str, int]] = {}
        self.unk_key = UNK   # how <unk> is spelled in the contexts and counts (fit: one character, see _unk_key)

    def _map(self, text: str) -> list[str]:
        known = set(self.vocab[1:])
        return [c if c in known else self.unk_key for c in tokenize(text, "chars")]

    @staticmethod
    def _unk_key(chars: set[str]) -> str:
        """A character that is not one of ``chars`` (the vocabulary), to stand for ``<unk>`` in the contexts: a
        context is its characters joined, and the five-character ``"<unk>"`` spelled the context of one unknown
        character too (order >= 6: a text's literal "<unk>" and an unseen character shared their counts)."""
        return next(chr(c) for c in range(0x10FFFF, -1, -1) if chr(c) not in chars)

    def memory_need(self, text: str) -> tuple[int, int]:
        """``(bytes, contexts)``: the memory :meth:`fit` would take on ``text`` (:data:`COUNT_BYTES`; every
        character its own, as with ``min_freq=1``: an upper bound) and its distinct contexts, counted with numpy
        piece by piece -- never the Python structures themselves (a 20 MB text of CJK ideographs took 4.7 GB
        there, after the network had trained). Where the alphabet is small the bound ``V ** n`` is taken
        instead of counting."""
        n_chars = len(text)
        alphabet = distinct(np.concatenate([distinct(np.frombuffer(text[a:a + _CHUNK].encode(
            "utf-32-le", "surrogatepass"), np.uint32)) for a in range(0, n_chars, _CHUNK)]))
        V = len(alphabet) + 1
        contexts, counts = 1, len(alphabet)              # the empty context: one count per character
        for n in range(1, self.order):
            if V ** (n + 1) * COUNT_BYTES["count"] < (1 << 26) or V ** (n + 1) >= 1 << 62:  # small; or no int64 code
                contexts, counts = contexts + min(V ** n, n_chars), counts + min(V ** (n + 1), n_chars)
                continue
            seen_c, seen_e = [], []
            for a in range(0, n_chars, _CHUNK):          # pieces overlap by n: every n-gram counted once
                piece = text[a:a + _CHUNK + n]
                ids = np.searchsorted(alphabet, np.frombuffer(piece.encode("utf-32-le", "surrogatepass"),
                                                              np.uint32)).astype(np.int64) + 1
                code = np.zeros(len(ids) - n, np.int64)
                for j in range(n):
                    code = code * V + ids[j:len(ids) - n + j]
                seen_c.append(distinct(code))
                seen_e.append(distinct(code * V + ids[n:]))
            seen_c, seen_e = distinct(np.concatenate(seen_c)), distinct(np.concatenate(seen_e))
            contexts, counts = contexts + len(seen_c), counts + len(seen_e)
        need = COUNT_BYTES["char"] * n_chars + COUNT_BYTES["context"] * contexts + COUNT_BYTES["count"] * counts
        return need, contexts

    def check_memory(self, text: str) -> None:
        """A ConfigError naming ``baselines`` when :meth:`fit` on ``text`` would need more memory than is available
        (:meth:`memory_need`): said before the network trains, not by the OOM killer after it."""
        avail = available_memory("cpu")
        most = len(text) * (COUNT_BYTES["char"] + (self.order - 1) * COUNT_BYTES["context"]
                            + self.order * COUNT_BYTES["count"])    # every n-gram distinct: no counting needed
        if avail is None or most <= avail:
            return
        need, contexts = self.memory_need(text)
        if need > avail:
            raise ConfigError(f"baselines: expected an n-gram baseline whose counts fit in memory ({human_size(avail)} "
                              f"available), got order {self.order} on a text of {len(text):,} characters with "
                              f"{contexts:,} distinct contexts, which would need about {human_size(need)} (lower its "
                              "order -- CLI: --baseline-order -- or fit none: baselines=False, CLI: --no-baseline)")

    def fit(self, text: str) -> "NGramCharModel":
        chars = tokenize(check_text(text, "text"), "chars")
        freq = Counter(chars)
        self.vocab = [UNK] + sorted(c for c, n in freq.items() if n >= self.min_freq and c not in (PAD, UNK))
        self.unk_key = self._unk_key(set(self.vocab))
        seq = self._map(text)
        counts: dict[str, Counter] = defaultdict(Counter)
        for n in range(self.order):              # context length n = 0 .. order-1
            for i in range(n, len(seq)):
                counts["".join(seq[i - n: i]) if n else ""][seq[i]] += 1
        self.counts = {h: dict(c) for h, c in counts.items()}
        self._prep()
        return self

    def _prep(self) -> None:
        self._tot = {h: (sum(c.values()), len(c)) for h, c in self.counts.items()}

    def _prob(self, hist: list[str], c: str) -> float:
        p = 1.0 / len(self.vocab)
        for n in range(0, min(self.order - 1, len(hist)) + 1):
            h = "".join(hist[len(hist) - n:]) if n else ""
            tot = self._tot.get(h)
            if tot is None:
                break
            total, types = tot
            p = (self.counts[h].get(c, 0) + types * p) / (total + types)
        return p

    def bits_per_char(self, text: str) -> float:
        """Mean ``-log2 P(c_t | c_<t)`` over ``t >= 1`` (as :meth:`CharLM.bits_per_char`)."""
        if not self.vocab:
            raise ConfigError("baseline: expected a fitted n-gram model, got an unfitted one")
        seq = self._map(check_text(text, "text"))
        if len(seq) < 2:
            raise DataError(f"text: expected at least 2 characters to score, got {len(seq)}")
        k = self.order - 1
        bits = 0.0
        for t in range(1, len(seq)):
            bits -= math.log2(self._prob(seq[max(0, t - k): t], seq[t]))
        return bits / (len(seq) - 1)

    def state(self) -> tuple[dict, dict[str, Any]]:
        return {}, {"order": self.order, "min_freq": self.min_freq, "vocab": self.vocab, "counts": self.counts,
                    "unk_key": self.unk_key}

    @classmethod
    def from_state(cls, state: tuple[dict, dict[str, Any]]) -> "NGramCharModel":
        s = state[1]
        self = cls(s["order"], s["min_freq"])
        self.vocab, self.counts = list(s["vocab"]), {h: dict(c) for h, c in s["counts"].items()}
        # runs saved before session 17 spelled <unk> as "<unk>" in their counts: read them as they were made
        self.unk_key = s.get("unk_key", UNK)
        if not isinstance(self.unk_key, str) or (self.unk_key != UNK and (len(self.unk_key) != 1
                                                                          or self.unk_key in self.vocab)):
            raise ValueError(f"unk_key: expected one character outside the vocabulary, got {self.unk_key!r}")
        self._prep()
        return self
