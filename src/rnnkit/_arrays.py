"""Array helpers the tasks share. Nothing here imports torch or another rnnkit module.

>>> distinct(np.array([3, 1, 3, 2, 1]))
array([1, 2, 3])
"""

from __future__ import annotations

import numpy as np

__all__ = ["distinct"]


def distinct(a: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``a`` by sort and compare: numpy 2's ``np.unique`` without ``return_inverse``
    hashes, ~100x slower on millions of int64 codes (1.6 s against 0.013 s on 2M here; 12 s on a million codes of
    a CJK text's n-grams), and the n-gram baseline's memory check and IBM-1's co-occurring word types ask for
    millions."""
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if len(a) else a
