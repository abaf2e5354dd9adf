"""The wide branch of a wide-and-deep text classifier (Cheng et al. 2016, "Wide & Deep Learning"; the hashed
n-gram features of fastText, Joulin et al. 2016): a linear model on the bag of the text's token n-grams whose
logits are added to the recurrent network's, the two trained jointly -- so that the wide part can take the
plain n-gram evidence and the recurrent part the rest, instead of averaging a linear model's probabilities
with the network's after both were trained apart (the classifier's combination).

:class:`WideNgrams` reads the same ``(ids, lengths)`` as the network (token ids of the run's vocabulary, 0 the
padding): every n-gram of 1 .. ``order`` consecutive valid tokens picks one row of a table of ``(rows, C)``
logits -- a unigram its token id's row, a longer n-gram a row of ``buckets`` hashed ones after the vocabulary
(collisions shared, as fastText's) -- and the branch's logits are ``scale`` times the mean of the rows of the
text's n-grams. The table starts at zero: the joint network starts exactly as the network alone. ``scale``
multiplies the branch's step under Adam (whose steps are about ``lr`` in the table's own units, whatever the
gradient's size), so the wide part can learn at another rate than the recurrent one without a second
optimizer. :func:`wide_order` is the n-gram order for the classifier's units: word 1-2 grams where a token
is a word or a piece of one, character 1-3 grams where it is a character.

The hash is integer arithmetic, modulo and gathers, so the exported graph and ``serve`` take the same inputs.

>>> import torch
>>> wide = WideNgrams(vocab_size=6, num_classes=2, order=2, buckets=8)
>>> ids, lengths = torch.tensor([[2, 3, 4], [5, 2, 0]]), torch.tensor([3, 2])
>>> rows, valid = wide.rows(ids, lengths)
>>> valid.sum(1).tolist()                    # 3 unigrams + 2 bigrams; 2 unigrams + 1 bigram (no padding gram)
[5, 3]
>>> rows[0, :3].tolist(), bool((rows[:, 3:] >= 6).all())   # unigrams: their ids; bigrams: hashed rows after them
([2, 3, 4], True)
>>> wide(ids, lengths).abs().sum().item()    # the table starts at zero
0.0
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError
from rnnkit.tasks.classify_config import WIDE_MODES

__all__ = ["WideNgrams", "wide_order", "WIDE_MODES", "WIDE_BUCKETS", "WIDE_SCALE"]

#: Hashed rows of the n-grams longer than one token (unigrams have their own row per vocabulary id).
WIDE_BUCKETS = 2 ** 18
#: The wide branch's logits = WIDE_SCALE x the mean of its rows: its step under Adam, relative to the network's.
WIDE_SCALE = 20.0
_PRIME = 2147483647        # 2**31 - 1: every hash stays < 2**31, so h * _MUL + id fits in int64
_MUL = 1000003


def wide_order(units: str) -> int:
    """The longest n-gram of the wide branch for the classifier's units: 3 for characters, else 2.

    >>> wide_order("chars"), wide_order("wordpiece")
    (3, 2)
    """
    return 3 if units == "chars" else 2


class WideNgrams(nn.Module):
    """Token ids ``(B, T)`` + ``lengths`` ``(B,)`` -> logits ``(B, num_classes)`` of the bag of n-grams of
    1 .. ``order`` tokens (module doc). ``vocab_size`` rows for unigrams, ``buckets`` hashed rows for the rest."""

    def __init__(self, vocab_size: int, num_classes: int, order: int, buckets: int = WIDE_BUCKETS,
                 scale: float = WIDE_SCALE) -> None:
        super().__init__()
        for name, v, lo in (("vocab_size", vocab_size, 1), ("num_classes", num_classes, 1), ("order", order, 1),
                            ("buckets", buckets, 1)):
            if type(v) is not int or v < lo:
                raise ConfigError(f"{name}: expected an int >= {lo}, got {v!r}")
        if type(scale) not in (int, float) or not scale > 0:
            raise ConfigError(f"scale: expected a number > 0, got {scale!r}")
        self.vocab_size, self.order, self.buckets, self.scale = vocab_size, order, buckets, float(scale)
        rows = vocab_size + (buckets if order > 1 else 0)   # zeros, drawing nothing from the random generator
        self.table = nn.Embedding(rows, num_classes, _weight=torch.zeros(rows, num_classes))

    def rows(self, ids: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        """The table row of every n-gram ``(B, G)`` (unigrams first, then bigrams, ...: ``G = order * T``) and
        whether it lies wholly within the text's ``lengths`` (``(B, G)`` bool)."""
        steps = ids.size(1)
        pos = torch.arange(steps, device=ids.device).unsqueeze(0)
        rows, valid = [ids], [pos < lengths.unsqueeze(1)]
        h = ids
        for n in range(2, self.order + 1):
            nxt = ids.roll(1 - n, 1)   # the n-th token of each gram (wrapped round at the end: never valid there)
            h = (h * _MUL + nxt + n) % _PRIME
            rows.append(self.vocab_size + h % self.buckets)
            valid.append(pos + n - 1 < lengths.unsqueeze(1))
        return torch.cat(rows, 1), torch.cat(valid, 1)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        rows, valid = self.rows(ids, lengths.to(ids.device))
        w = valid.to(self.table.weight.dtype).unsqueeze(-1)
        total = (self.table(rows) * w).sum(1)
        return self.scale * total / w.sum(1).clamp_min(1.0)
