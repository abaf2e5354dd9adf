"""A prediction's texts tokenized and encoded once for every reader of them.

The service's ``/predict`` of a classify run reads each text three times -- the probabilities
(:meth:`~rnnkit.tasks.classification.TextClassifier.predict_proba`), the texts with no token
(:meth:`~rnnkit.tasks.classification.TextClassifier.no_token_rows`) and those of unknown units alone
(:func:`rnnkit.tasks.classify_unknown.unknown_only_rows`) -- and ``classify predict`` twice (the probabilities and
the warning of the last): each tokenized every text again (session 22), a request of long texts paying for its
tokenizer (BPE, PKU words, wordpieces) three times over. Inside :func:`encoded_once` they share one encoding: the
first reader tokenizes and encodes the texts (any truncation warned or recorded then, once), the others read its ids.

Only a prediction's encoding is shared (a fit's texts are encoded with the ``place`` of their errors, never kept),
and only for the same texts (the last list encoded, compared by value): another list is encoded afresh. Nothing is
kept after the block.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

__all__ = ["encoded_once", "encoded", "empty_rows", "reuse"]


@contextmanager
def encoded_once(model: Any) -> Iterator[Any]:
    """Inside the block, ``model``'s prediction encodings are computed once per list of texts (see the module);
    a block inside another shares the outer one's."""
    if getattr(model, "_once", None) is not None:
        yield model
        return
    model._once = {}
    try:
        yield model
    finally:
        model._once = None


def encoded(model: Any, texts: Sequence[str], place: Any, encode: Callable[[], list[list[int]]]) -> list[list[int]]:
    """``encode()`` (the ids of ``texts``), or inside :func:`encoded_once` the ids computed for the same texts before
    (``place`` given: a fit's encoding, never shared)."""
    memo = getattr(model, "_once", None)
    if memo is None or place is not None:
        return encode()
    key = tuple(texts)
    last = memo.get("last")
    if last is not None and last[0] == key:
        return last[1]
    ids = encode()
    memo["last"] = (key, ids)     # one assignment: a reader in another thread sees the pair whole
    return ids


def reuse(model: Any, texts: Sequence[str], ids: list[list[int]]) -> None:
    """Inside :func:`encoded_once`: ``ids``, computed before for ``texts`` (``classify predict`` reads every text before
    it predicts them part by part: :func:`~rnnkit.tasks.classify_unknown.check_predict_texts`), are what the block's
    readers get for them -- the texts are not tokenized again. Their cuts at ``max_len`` are the caller's to tell."""
    memo = getattr(model, "_once", None)
    if memo is None:
        raise RuntimeError("reuse: expected to be called inside encoded_once(model)")   # pragma: no cover - a misuse
    memo["last"] = (tuple(texts), ids)


def empty_rows(model: Any, texts: Sequence[str], tokens: Callable[[list[str]], list[list[str]]]) -> list[int]:
    """The positions of ``texts`` with no token: from the ids :func:`encoded` holds for them inside
    :func:`encoded_once`, else from ``tokens(texts)`` (a cheap tokenization: a text's first tokens)."""
    last = (getattr(model, "_once", None) or {}).get("last")
    seqs = last[1] if last is not None and last[0] == tuple(texts) else tokens(list(texts))
    return [i for i, s in enumerate(seqs) if not s]
