"""Translation pairs whose target is their source: a pair file that pairs a column with itself.

``paste de.txt de.txt > pairs.tsv`` (or a spreadsheet's source column exported twice) trains a translator to copy:
its BLEU and chrF are high, the copy-source baseline's 100, and nothing said the data was no translation. When more
than half of the pairs (at least two) have a target equal to their source as read (NFC, the spaces around them
stripped: :func:`rnnkit.data.text.screen_spelling`), fitting and scoring warn, naming how many and the first. Kept
as given: a name, a number or a loanword ("Taxi" -> "Taxi") is a pair of its own, and a copy task may be meant.

>>> import warnings
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     warn_copied_pairs(["das Haus", "Taxi", "ein Buch"], ["das Haus", "Taxi", "a book"], "targets", stacklevel=2)
>>> print(w[0].message)  # doctest: +NORMALIZE_WHITESPACE
targets: 2 of 3 equal their source, e.g. targets[0] 'das Haus': a file pairing a column with itself? (the model
learns to copy; the copy-source baseline scores such pairs 100)
"""

from __future__ import annotations

import warnings
from typing import Sequence

from rnnkit.data.text import screen_spelling

__all__ = ["warn_copied_pairs"]


def warn_copied_pairs(sources: Sequence[str], targets: Sequence[str], what: str = "targets",
                      stacklevel: int = 5) -> None:
    """Warn when more than half of the pairs (at least two) have ``targets[i]`` equal to ``sources[i]`` as read."""
    same = [i for i, (s, t) in enumerate(zip(sources, targets)) if screen_spelling(s) == screen_spelling(t)]
    if len(same) >= 2 and 2 * len(same) > len(targets):
        warnings.warn(f"{what}: {len(same)} of {len(targets)} equal their source, e.g. {what}[{same[0]}] "
                      f"{targets[same[0]][:60]!r}: a file pairing a column with itself? (the model learns to copy; "
                      "the copy-source baseline scores such pairs 100)", stacklevel=stacklevel)
