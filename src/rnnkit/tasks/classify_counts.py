"""Each text analysed once: the word and character n-gram counts the linear members of the classifier
(:mod:`rnnkit.tasks.classify_linear`) read, shared by every fit inside :func:`shared_counts`.

A classifier's fit analysed each training text about four times -- TF-IDF + LR and the NB-weighted LR each
fitted a vectorizer on the training part, read the validation texts twice (the C grid, then the combination's
weights), and fitted one again on all the training texts as baselines: 83,200 analyses of 20,000 texts, most of
the 210 s the linear members took there. Inside :func:`shared_counts` a :class:`CountStore` per analyser
(tokenizer, lowercase, features, character mode) keeps the counts of every text it analysed, over every term it
saw, and builds from them what scikit-learn's ``TfidfVectorizer(min_df=2, sublinear_tf=True).fit_transform`` and
``CountVectorizer(vocabulary=...).transform`` give -- the same vocabulary, the same matrices entry for entry and in
the same order inside each row (the row norms and the fits add in that order), so every fit and prediction is
unchanged. The store lives as long as the outermost ``with shared_counts():``; outside one, the linear members
analyse as before.

>>> analyze = lambda t: t.split()
>>> with shared_counts():
...     store = counts_store(("demo",), analyze)
...     X, vocabulary = store.fit(["a b", "b c", "a b b"])
...     sorted(vocabulary.items()), X.toarray().tolist(), store.analysed
([('a', 0), ('b', 1)], [[1.0, 1.0], [0.0, 1.0], [1.0, 2.0]], 3)
>>> with shared_counts():
...     store = counts_store(("demo",), analyze)
...     _ = store.fit(["a b", "b c", "a b b"])
...     store.transform(["a b b", "b d"], vocabulary).toarray().tolist(), store.analysed
([[1, 2], [0, 1]], 4)
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from contextlib import contextmanager
from typing import Callable, Hashable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["CountStore", "shared_counts", "thread_store", "counts_store", "active", "KEPT"]

_LOCAL = threading.local()      # per thread: {analyser key: CountStore} while a shared_counts() block is open
#: the most counts (a text's distinct terms) a store that only transforms keeps: ~12 bytes each (~25 MB)
KEPT = 2 ** 21


@contextmanager
def thread_store(local: threading.local, name: str) -> Iterator[None]:
    """``local.<name>`` is a dict inside the block (re-entrant: an inner block uses the outer one's), ``None`` again
    when the outermost block ends: the per-thread memo behind :func:`shared_counts` and
    :func:`rnnkit.tasks.classify_e5.shared_pieces`."""
    outer = getattr(local, name, None)
    if outer is None:
        setattr(local, name, {})
    try:
        yield
    finally:
        if outer is None:
            setattr(local, name, None)


def shared_counts():
    """Share the linear members' text analyses inside the block (re-entrant: an inner block uses the outer one's
    stores); the stores are dropped when the outermost block ends."""
    return thread_store(_LOCAL, "stores")


def active() -> bool:
    """Whether a :func:`shared_counts` block is open in this thread."""
    return getattr(_LOCAL, "stores", None) is not None


def counts_store(key: Hashable, analyze: Callable[[str], Sequence[str]]) -> "CountStore":
    """The open block's store for the analyser ``key`` (made at its first use); outside a block, a store of its
    own that nothing keeps."""
    stores = getattr(_LOCAL, "stores", None)
    if stores is None:
        return CountStore(analyze)
    if key not in stores:
        stores[key] = CountStore(analyze)
    return stores[key]


def _index(indices: np.ndarray, indptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A CSR matrix's indices and indptr as scikit-learn makes them: int32 unless the entries need int64."""
    dtype = np.int32 if indptr[-1] <= np.iinfo(np.int32).max else np.int64
    return indices.astype(dtype), indptr.astype(dtype)


class CountStore:
    """The term counts of every text given to :meth:`fit` or :meth:`transform`, one row per distinct text, each
    row's terms in the order they first occur in the text (scikit-learn's order before it sorts), over every term
    seen (no min_df yet). ``analysed`` counts the texts analysed.

    A store that only transforms (``evaluate``: fitted models' vocabularies, no fit) keeps the terms of the
    vocabularies asked for alone (``only``; a vocabulary with terms outside it widens it, and the texts are analysed
    again when asked: a combination's members and the baselines refitted on every training text have two), and at
    most :data:`KEPT` counts: past them a transform analyses its texts for itself, as outside a block. It kept every
    term of every text: ``classify evaluate`` on 200k short texts peaked ~370 MB above ``classify predict`` (16.8M
    counts, merged again at each of its 4,096-text parts; session 28's leftover). A :meth:`fit` keeps every term of
    every text, as before (its C grid, validation and refits read them again)."""

    def __init__(self, analyze: Callable[[str], Sequence[str]]) -> None:
        self.analyze = analyze
        self.only: set[str] | None = None        # the terms kept while the store only transforms (None: every term)
        self.fitted = False                      # a fit used the store: every term kept from then on
        self._clear()

    def _clear(self) -> None:
        """No text analysed yet (``analysed`` goes on counting)."""
        self.terms: dict[str, int] = {}          # term -> global id, in the order first seen
        self.names: list[str] = []               # global id -> term
        self.rows: dict[str, int] = {}           # text -> row
        self._parts: list[sp.csr_matrix] = []    # the rows, in blocks; merged by _matrix
        self._n_rows = 0
        self._n_counts = 0
        self.analysed = getattr(self, "analysed", 0)

    def _keep(self, vocabulary: dict[str, int] | None) -> None:
        """Before a :meth:`fit` (``vocabulary`` None: every term from then on) or a :meth:`transform` over
        ``vocabulary``: the rows analysed so far dropped when they lack terms asked for now."""
        if vocabulary is None:
            if not self.fitted:
                self.fitted = True
                if self.only is not None:
                    self.only = None
                    self._clear()
        elif not self.fitted:
            if self.only is None:
                self.only = set(vocabulary)
                self._clear()
            elif not self.only.issuperset(vocabulary):
                self.only |= set(vocabulary)
                self._clear()

    def _add(self, texts: Sequence[str]) -> None:
        new = list(dict.fromkeys(t for t in texts if t not in self.rows))
        if not new:
            return
        ids: defaultdict = defaultdict()
        ids.update(self.terms)
        ids.default_factory = ids.__len__
        indices: list[int] = []
        values: list[int] = []
        indptr = [0]
        only = self.only
        for text in new:
            counts = Counter(self.analyze(text))       # keys in the order the terms first occur
            if only is not None:
                counts = {term: n for term, n in counts.items() if term in only}
            indices.extend([ids[term] for term in counts])
            values.extend(counts.values())
            indptr.append(len(indices))
        for term in list(ids)[len(self.terms):]:
            self.names.append(term)
        self.terms = dict(ids)
        block = sp.csr_matrix((np.asarray(values, dtype=np.int32), np.asarray(indices, dtype=np.int64),
                               np.asarray(indptr, dtype=np.int64)), shape=(len(new), max(1, len(self.names))))
        self._parts.append(block)
        self._n_counts += len(values)
        for i, text in enumerate(new):
            self.rows[text] = self._n_rows + i
        self._n_rows += len(new)
        self.analysed += len(new)

    def _counts(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(row ids, indptr, global term ids, counts)`` of ``texts`` in their order, each row's terms in the
        order they first occur in its text."""
        self._add(texts)
        if len(self._parts) > 1 or self._parts[0].shape[1] != max(1, len(self.names)):
            blocks = [sp.csr_matrix((b.data, b.indices, b.indptr), shape=(b.shape[0], max(1, len(self.names))))
                      for b in self._parts]
            self._parts = [sp.vstack(blocks, format="csr")]     # int32 counts; scipy's index dtype (int32 if it fits)
        m = self._parts[0]
        rows = np.fromiter((self.rows[t] for t in texts), dtype=np.int64, count=len(texts))
        starts, ends = m.indptr[rows].astype(np.int64), m.indptr[rows + 1].astype(np.int64)
        lengths = ends - starts
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        take = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1], dtype=np.int64)
        return rows, indptr, m.indices[take].astype(np.int64), m.data[take]

    def fit(self, texts: Sequence[str], min_df: int = 2) -> tuple[sp.csr_matrix | None, dict[str, int]]:
        """What ``CountVectorizer(analyzer, min_df=min_df, dtype=float64).fit_transform(texts)`` gives: the
        counts ``(len(texts), V)`` over the terms found in at least ``min_df`` of ``texts`` (columns in the
        terms' sorted order, each row's entries in the order the terms first occur in ``texts``) and that
        vocabulary (term -> column); ``(None, {})`` when no term is kept. Each call makes a new matrix: the two
        linear members fitted on the same texts cannot share one -- handed the first member's matrix after its
        fits, the second member's weights differed from the plain pipeline's in the last bits (the matrix is
        changed in place on the way), and a kept copy costs a matrix of memory (~240 MB for 80,000 texts)."""
        self._keep(None)
        rows, indptr, gids, counts = self._counts(texts)
        G = max(1, len(self.names))
        df = np.bincount(gids, minlength=G)
        # scikit-learn numbers the terms in the order they are first seen, sorts each row by that number, prunes,
        # then renames the columns in the terms' sorted order without sorting the rows again
        seen, first = np.unique(gids, return_index=True)
        rank = np.full(G, -1, dtype=np.int64)
        rank[seen[np.argsort(first, kind="stable")]] = np.arange(len(seen))
        by_rank = sp.csr_matrix((counts.astype(np.float64), rank[gids], indptr), shape=(len(texts), max(1, len(seen))))
        by_rank.sort_indices()
        order = np.empty(max(1, len(seen)), dtype=np.int64)
        order[rank[seen]] = seen                         # rank -> global id
        g = order[by_rank.indices]
        kept = np.flatnonzero(df >= min_df)
        if not len(kept):
            return None, {}
        names = [self.names[i] for i in kept]
        alpha = sorted(range(len(kept)), key=names.__getitem__)
        column = np.full(G, -1, dtype=np.int64)
        column[kept[alpha]] = np.arange(len(kept))
        cols = column[g]
        keep = cols >= 0
        row_of = np.repeat(np.arange(len(texts)), np.diff(by_rank.indptr))[keep]
        new_ptr = np.concatenate([[0], np.cumsum(np.bincount(row_of, minlength=len(texts)))])
        X = sp.csr_matrix((by_rank.data[keep], *_index(cols[keep], new_ptr)),
                          shape=(len(texts), len(kept)))
        return X, {names[a]: i for i, a in enumerate(alpha)}

    def transform(self, texts: Sequence[str], vocabulary: dict[str, int]) -> sp.csr_matrix:
        """What ``CountVectorizer(analyzer, vocabulary=vocabulary).transform(texts)`` gives: int64 counts
        ``(len(texts), len(vocabulary))``, each row's columns sorted."""
        self._keep(vocabulary)
        if not self.fitted and self._n_counts >= KEPT and not all(t in self.rows for t in texts):
            from sklearn.feature_extraction.text import CountVectorizer

            X = CountVectorizer(analyzer=self.analyze, vocabulary=vocabulary).transform(texts)
            self.analysed += len(texts)
            X.sort_indices()
            return X
        _, indptr, gids, counts = self._counts(texts)
        column = np.full(max(1, len(self.names)), -1, dtype=np.int64)
        for term, j in vocabulary.items():
            g = self.terms.get(term)
            if g is not None:
                column[g] = j
        cols = column[gids]
        keep = cols >= 0
        row_of = np.repeat(np.arange(len(texts)), np.diff(indptr))[keep]
        new_ptr = np.concatenate([[0], np.cumsum(np.bincount(row_of, minlength=len(texts)))])
        X = sp.csr_matrix((counts[keep].astype(np.int64), *_index(cols[keep], new_ptr)),
                          shape=(len(texts), len(vocabulary)))
        X.sort_indices()
        return X
