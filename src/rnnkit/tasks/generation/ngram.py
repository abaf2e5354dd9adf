"""The char LM's baseline: an interpolated Witten-Bell character n-gram.

>>> m = NGramCharModel(order=1).fit("aab")
>>> round(m.bits_per_char("ab"), 4)   # p(b) = (1 + 2 * 1/3) / (3 + 2): 2 types after "", V = 3 (<unk>, a, b)
1.585
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import numpy as np

from rnnkit._arrays import distinct, distinct_inverse, find_sorted
from rnnkit._memory import available_memory, human_size
from rnnkit._validate import check_number
from rnnkit.data.vocab import UNK
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.generation.data import check_text

__all__ = ["NGramCharModel", "COUNT_BYTES"]

#: Bytes of memory :meth:`NGramCharModel.fit` takes per character of the text, per distinct context and per distinct
#: (context, character) count -- measured (tracemalloc and peak RSS) on 6.8M characters of 3,000 CJK ideographs,
#: whose 4.6M contexts and 11.4M counts at order 3 took 3.7 GB: the characters' lists, each context's dict and
#: its totals, each count's key and int. Since session 26 fit counts in arrays (16 bytes a character, ~24 per
#: distinct n-gram) and the dicts are built when :meth:`NGramCharModel.state` saves them: still the bound to check.
COUNT_BYTES = {"char": 16, "context": 520, "count": 120}
#: characters of the text whose distinct n-grams one step of :meth:`NGramCharModel.memory_need` counts at a time
_CHUNK = 1 << 22
#: code points there are (the bound of a text's characters as ints)
_POINTS = 0x110000
#: places of a text :meth:`NGramCharModel.fit` codes and :meth:`NGramCharModel.bits_per_char` scores at a time
_PIECE = 1 << 21


def _code_points(text: str) -> np.ndarray:
    """The code points of ``text`` read as :func:`~rnnkit.data.vocab.tokenize` (``"chars"``) reads it: NFC."""
    return np.frombuffer(unicodedata.normalize("NFC", text).encode("utf-32-le", "surrogatepass"), np.uint32)


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
        self._counts: dict[str, dict[str, int]] | None = {}
        self.unk_key = UNK   # how <unk> is spelled in the contexts and counts (fit: one character, see _unk_key)

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
        """Count the text's n-grams with numpy, :data:`_PIECE` places at a time (ranks and codes, never a Python
        object per character: the pure-Python counter before session 26 took ~1.5 us a character and order, most
        of a 7-minute run on 200 MB); memory: the code points, their vocabulary ids and two rank arrays, 16
        bytes a character, plus the distinct n-grams."""
        points = _code_points(check_text(text, "text"))
        kept = np.flatnonzero(np.bincount(points, minlength=_POINTS) >= self.min_freq)
        self.vocab = [UNK] + [chr(c) for c in kept.tolist()]  # a code point is never "<pad>" or "<unk>"
        self.unk_key = self._unk_key(set(self.vocab))
        self._counts = None
        ids = self._ids_of(points)
        del points
        L, V, grams, counts, rank = len(ids), len(self.vocab), [], [], None
        small = np.int32 if L < 1 << 31 else np.int64

        def codes(m: int, a: int, b: int) -> np.ndarray:   # the m-grams ending at a..b-1 (a >= m - 1)
            return rank[a - 1:b - 1].astype(np.int64) * V + ids[a:b] if m > 1 else ids[a:b].astype(np.int64)

        for m in range(1, self.order + 1):
            bound = (len(grams[-1]) if grams else 1) * V
            pieces = [(a, min(a + _PIECE, L)) for a in range(m - 1, L, _PIECE)]
            seen = [distinct_inverse(codes(m, a, b), bound) for a, b in pieces]
            if not seen:                  # a text shorter than m: no m-gram (was numpy's bare 'need at least one
                g, at, n = np.zeros(0, np.int64), None, np.zeros(0, np.int64)    # array to concatenate')
            elif len(seen) == 1:          # one piece: its ranks are the text's
                g, at = seen[0]
                n = np.bincount(at, minlength=len(g))
            else:                         # the pieces' distinct codes merged; each piece's ranks in them
                g, at = distinct_inverse(np.concatenate([d for d, _ in seen]), bound)
                n = np.bincount(at, weights=np.concatenate([np.bincount(i, minlength=len(d)) for d, i in seen]),
                                minlength=len(g)).astype(np.int64)
            del seen
            if m < self.order:
                new = np.full(L, -1, small)
                for a, b in pieces:
                    new[a:b] = at if len(pieces) == 1 else find_sorted(g, codes(m, a, b), bound)[0]
                rank = new
            grams.append(g)
            counts.append(n)
        self._tables(grams, counts)
        return self

    # ------------------------------------------------------------------ the counts as arrays
    def _ids_of(self, points: np.ndarray) -> np.ndarray:
        """The vocabulary index of each code point (0, ``<unk>``, for a character outside it): int32."""
        table = np.zeros(_POINTS, np.int32)
        table[[ord(c) for c in self.vocab[1:]]] = np.arange(1, len(self.vocab), dtype=np.int32)
        return table[points]

    def _tables(self, grams: list[np.ndarray], counts: list[np.ndarray]) -> None:
        """Keep the counts: ``grams[m-1]`` the sorted codes ``rank(h) * V + id(c)`` of the distinct m-grams
        ``h c`` (``rank(h)``: its place in ``grams[m-2]``; the empty context: 0) and ``counts[m-1]`` how often
        each came; per context length n, each context's total ``C(h)`` and types ``T(h)`` by its rank."""
        V = len(self.vocab)
        self._grams, self._gcounts, self._ctx = grams, counts, []
        for m, (g, n) in enumerate(zip(grams, counts), 1):
            contexts = len(grams[m - 2]) if m > 1 else 1
            self._ctx.append((np.bincount(g // V, weights=n, minlength=contexts).astype(np.int64),
                              np.bincount(g // V, minlength=contexts)))

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """``{context: {character: count}}`` (contexts: their characters joined, ``<unk>`` as :attr:`unk_key`),
        what :meth:`state` saves; built from the arrays when first asked for."""
        if self._counts is None:
            chars = [self.unk_key] + self.vocab[1:]
            V, out, names = len(self.vocab), {}, [""]
            for g, n in zip(self._grams, self._gcounts):
                h, c = (g // V).tolist(), (g % V).tolist()
                grams = [names[a] + chars[b] for a, b in zip(h, c)]
                for a, b, k in zip(h, c, n.tolist()):
                    out.setdefault(names[a], {})[chars[b]] = k
                names = grams
            self._counts = out
        return self._counts

    def _from_counts(self, counts: dict) -> None:
        """The arrays of a saved ``counts`` dict (one character per context character; see :meth:`from_state`)."""
        index = {c: i for i, c in enumerate(self.vocab)}
        index[self.unk_key] = 0
        V, grams, gcounts, ranks = len(self.vocab), [], [], {"": 0}
        for m in range(1, self.order + 1):
            rows = []
            for h, nexts in counts.items():
                if len(h) != m - 1:
                    continue
                if h not in ranks or not isinstance(nexts, dict):
                    raise ValueError(f"counts: expected the context {h!r} among the n-grams one shorter, got none")
                for c, k in nexts.items():
                    if c not in index or not isinstance(k, int) or isinstance(k, bool) or k < 1:
                        raise ValueError(f"counts: expected a vocabulary character and a positive count after "
                                         f"{h!r}, got {c!r}: {k!r}")
                    rows.append((ranks[h] * V + index[c], k, h + c))
            rows.sort()
            grams.append(np.array([r[0] for r in rows], np.int64))
            gcounts.append(np.array([r[1] for r in rows], np.int64))
            ranks = {r[2]: i for i, r in enumerate(rows)}
        if sum(len(g) for g in grams) != sum(len(v) for v in counts.values()):
            raise ValueError(f"counts: expected contexts of at most {self.order - 1} characters, got "
                             f"{next(h for h in counts if len(h) >= self.order)!r}")
        self._tables(grams, gcounts)

    def _prep(self) -> None:
        self._tot = {h: (sum(c.values()), len(c)) for h, c in self.counts.items()}

    def _prob(self, hist: list[str], c: str) -> float:
        """The dict-read probability: runs saved before session 17 (``<unk>`` spelled "<unk>" in contexts)."""
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
        points = _code_points(check_text(text, "text"))
        if len(points) < 2:
            raise DataError(f"text: expected at least 2 characters to score, got {len(points)}")
        if self.unk_key == UNK:
            known = set(self.vocab[1:])
            seq = [chr(c) if chr(c) in known else UNK for c in points.tolist()]
            k = self.order - 1
            return -sum(math.log2(self._prob(seq[max(0, t - k): t], seq[t])) for t in range(1, len(seq))) \
                / (len(seq) - 1)
        ids, k = self._ids_of(points), self.order - 1
        bits = 0.0                       # _PIECE places at a time, each with the k characters before it
        for a in range(1, len(ids), _PIECE):
            bits -= float(np.log2(self._probs(ids[max(0, a - k - 1):a + _PIECE])[-min(_PIECE, len(ids) - a):]).sum())
        return bits / (len(ids) - 1)

    def _probs(self, ids: np.ndarray) -> np.ndarray:
        """``P(c_t | c_<t)`` for ``t >= 1``: the interpolation of :meth:`_prob` for every place at once, each
        n-gram found by binary search in the sorted codes; a place's longer contexts count only while its
        shorter ones were seen (the loop stops at the first unseen one)."""
        V, L = len(self.vocab), len(ids)
        p = np.full(L - 1, 1.0 / V)
        seen = np.ones(L - 1, bool)
        rank = np.zeros(L, np.int64)       # [j]: rank of the n-gram ending at j - 1 (n = 0: the empty one); -1 unseen
        for n in range(self.order):
            grams, counts, (total, types) = self._grams[n], self._gcounts[n], self._ctx[n]
            if not len(grams):            # no n-gram this long in the training text: no context of length n was
                break                     # followed by anything, so none of it nor a longer one is seen
            known = rank >= 0
            h = np.where(known, rank, 0)
            at, hit = find_sorted(grams, h * V + ids.astype(np.int64), len(total) * V)    # [j]: the (n+1)-gram ending at j
            hit &= known
            ctx = h[1:]                               # the context of c_t (t >= 1)
            seen &= known[1:] & (types[ctx] > 0)
            count = np.where(hit[1:], counts[np.minimum(at[1:], len(grams) - 1)], 0)
            spread = np.where(seen, total[ctx] + types[ctx], 1)
            p = np.where(seen, (count + types[ctx] * p) / spread, p)
            rank = np.concatenate(([-1], np.where(hit, at, -1)[:-1]))
        return p

    def state(self) -> tuple[dict, dict[str, Any]]:
        return {}, {"order": self.order, "min_freq": self.min_freq, "vocab": self.vocab, "counts": self.counts,
                    "unk_key": self.unk_key}

    @classmethod
    def from_state(cls, state: tuple[dict, dict[str, Any]]) -> "NGramCharModel":
        s = state[1]
        self = cls(s["order"], s["min_freq"])
        self.vocab = list(s["vocab"])
        # runs saved before session 17 spelled <unk> as "<unk>" in their counts: read them as they were made
        self.unk_key = s.get("unk_key", UNK)
        if not isinstance(self.unk_key, str) or (self.unk_key != UNK and (len(self.unk_key) != 1
                                                                          or self.unk_key in self.vocab)):
            raise ValueError(f"unk_key: expected one character outside the vocabulary, got {self.unk_key!r}")
        self._counts = {h: dict(c) for h, c in s["counts"].items()}
        if self.unk_key == UNK:
            self._prep()
        else:
            self._from_counts(self._counts)
        return self
