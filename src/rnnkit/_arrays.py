"""Array helpers the tasks share. Nothing here imports torch or another rnnkit module.

>>> distinct(np.array([3, 1, 3, 2, 1]))
array([1, 2, 3])
>>> distinct_inverse(np.array([3, 1, 3, 2, 1]))
(array([1, 2, 3]), array([2, 0, 2, 1, 0]))
>>> find_sorted(np.array([1, 2, 3]), np.array([3, 0, 2]))
(array([2, 0, 1]), array([ True, False,  True]))
"""

from __future__ import annotations

import numpy as np

__all__ = ["distinct", "distinct_inverse", "find_sorted", "no_plain_values"]


def distinct(a: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``a`` by sort and compare: numpy 2's ``np.unique`` without ``return_inverse``
    hashes, ~100x slower on millions of int64 codes (1.6 s against 0.013 s on 2M here; 12 s on a million codes of
    a CJK text's n-grams), and the n-gram baseline's memory check and IBM-1's co-occurring word types ask for
    millions."""
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if len(a) else a


def _dense(bound: int | None, n: int) -> bool:
    """Whether values known to lie in ``[0, bound)`` are better counted in a table of ``bound`` slots than sorted:
    a table no bigger than a few times the ``n`` values (or 1M slots) is one pass, a sort ~log2(n) of them."""
    return bound is not None and bound <= max(1 << 20, 4 * n)


def distinct_inverse(a: np.ndarray, bound: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(values, inverse)``: :func:`distinct`'s values and each element's place among them (``values[inverse]
    == a``). ``bound``: the values are ints in ``[0, bound)`` (a small bound: counted in a table, no sort).
    One argsort, never ``np.searchsorted(values, a)`` with ``a`` unsorted, a cache miss per element (0.28 s of
    the n-gram baseline's 0.33 s fit on 0.66M characters at order 5)."""
    if _dense(bound, len(a)):
        seen = np.bincount(a, minlength=bound) > 0
        place = np.cumsum(seen) - 1
        return np.flatnonzero(seen).astype(a.dtype), place[a]
    order = np.argsort(a)
    s = a[order]
    new = np.concatenate(([True], s[1:] != s[:-1])) if len(s) else np.zeros(0, bool)
    inverse = np.empty(len(a), np.int64)
    inverse[order] = np.cumsum(new) - 1
    return s[new], inverse


def find_sorted(values: np.ndarray, queries: np.ndarray, bound: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(at, hit)``: where each of ``queries`` is in the sorted distinct ``values`` and whether it is there
    (``at`` of a query not there: any place); ``bound``: both are ints in ``[0, bound)`` (a small one: looked up in a table). Else the queries are
    searched in sorted order (in their own order: a cache miss each, see :func:`distinct_inverse`)."""
    if _dense(bound, len(queries)):
        table = np.full(bound + 1, -1, np.int64)
        table[values] = np.arange(len(values))
        at = table[queries]
        hit = at >= 0
        return np.where(hit, at, 0), hit
    order = np.argsort(queries)
    at = np.empty(len(queries), np.int64)
    at[order] = np.searchsorted(values, queries[order])
    hit = at < len(values)
    hit[hit] = values[at[hit]] == queries[hit]
    return at, hit


def no_plain_values(values: object) -> str:
    """What ``values`` is when it is an array or tensor that holds no plain values to read (a sparse, meta, quantized
    or nested torch tensor, a scipy sparse matrix -- read as its rows --, a numpy structured array), with what to pass
    instead; ``""`` for anything else. By module name: torch and scipy are not imported.

    >>> no_plain_values(np.array([(1, 2)], dtype=[("a", int), ("b", int)]))[:20], no_plain_values([1, 2])
    ('a structured array (', '')
    """
    module = type(values).__module__.split(".")[0]
    if module == "torch" and hasattr(values, "layout"):    # a tensor (torch.Size is a tuple: read as its items)
        for what, odd, fix in ((f"a sparse tensor ({values.layout})", str(values.layout) != "torch.strided",
                                ".to_dense()"),
                               ("a meta tensor (no data)", values.is_meta, "a tensor with data"),
                               ("a quantized tensor", values.is_quantized, ".dequantize()"),
                               ("a nested tensor", values.is_nested, "one flat tensor")):
            if odd:
                return f"{what}; pass {fix}"
    if module == "scipy" and hasattr(values, "toarray"):
        return f"a scipy sparse {type(values).__name__} (read as its rows); pass .toarray().ravel()"
    if module == "numpy" and getattr(values, "dtype", None) is not None and values.dtype.kind == "V":
        return f"a structured array (dtype {values.dtype}); pass one field: arr['name']"
    return ""
