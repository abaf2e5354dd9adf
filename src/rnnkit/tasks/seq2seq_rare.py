"""Training targets a dict-pointer translator cannot learn to write: mostly words seen too rarely for its output
vocabulary.

The dict-pointer model (``model="dict-pointer"``, the default) writes the training target words seen at least
``min_count`` times and copies source words; it never spells a word. Pairs whose target words are each written
once -- numbers as German writes them (``achthundertsiebenundvierzig``), compounds, codes -- leave it an output
vocabulary of almost nothing: ``translate train --tsv`` of 1,500 English -> German number words trained to
BLEU 0.0, every one of the 150 held-out reference words outside its vocabulary, and said so only at the end, in
evaluate's note. The fit now warns before training when more than half of the training target words (counted
with repeats) fall outside the output vocabulary, and names ``model="char"`` (``--model char``), which spells its
output. Real sentences stay far below that: the trans-de-en pairs 27% (300 pairs, English targets) to 4% (all);
German targets 33% to 7%. A rare word its own source holds is not counted: the model copies it (names, numbers,
rare words; docs/tasks.md) -- entity words extracted from optimus-ner's tweets as targets (918 pairs) were warned
as 51% unwritable though every one of them was a word of its source.

>>> import warnings
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     warn_rare_targets([["einundzwanzig"], ["zweiundzwanzig"], ["dreiundzwanzig", "und"]], {"und"}, 2,
...                       sources=[["twenty-one"], ["twenty-two"], ["twenty-three", "and"]])
...     warn_rare_targets([["Anna", "Rom"], ["Bob"]], set(), 2, sources=[["Anna", "in", "Rom"], ["Bob"]])
>>> len(w), print(w[0].message)  # doctest: +NORMALIZE_WHITESPACE
targets: 3 of 4 training target words (75%) are seen fewer than min_count=2 times and are no word of their source,
outside the dict-pointer's output vocabulary: it writes vocabulary words and copies source words, and cannot write
these (numbers or compounds written as one word?); model='char' (--model char) spells its output
(1, None)
"""

from __future__ import annotations

import warnings
from typing import Container, Sequence

__all__ = ["warn_rare_targets", "MOSTLY_RARE"]

#: More than this share of the training target words outside the output vocabulary: warned.
MOSTLY_RARE = 0.5


def warn_rare_targets(targets: Sequence[Sequence[str]], vocab: Container[str], min_count: int,
                      what: str = "targets", sources: Sequence[Sequence[str]] | None = None) -> None:
    """Warn when more than :data:`MOSTLY_RARE` of the words of ``targets`` (the training targets as the model's
    words) are not in ``vocab`` (the output vocabulary: the words seen at least ``min_count`` times) nor, with
    ``sources`` (each target's source words), a word of their own source, which the model copies."""
    total = sum(len(t) for t in targets)
    held = [()] * len(targets) if sources is None else [set(s) for s in sources]
    rare = sum(w not in vocab and w not in s for t, s in zip(targets, held) for w in t)
    if total and rare > MOSTLY_RARE * total:
        warnings.warn(f"{what}: {rare} of {total} training target words ({rare / total:.0%}) are seen fewer than "
                      f"min_count={min_count} times{'' if sources is None else ' and are no word of their source'}, "
                      "outside the dict-pointer's output vocabulary: it writes vocabulary words and copies source "
                      "words, and cannot write these (numbers or compounds written as one word?); model='char' "
                      "(--model char) spells its output", stacklevel=5)
