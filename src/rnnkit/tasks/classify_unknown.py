"""Texts a text classifier reads as unknown units alone: every token of them is one training never kept.

A text of emoji alone read through the pretrained wordpieces (each emoji is ``[UNK]``), or of words never seen in
training (or seen fewer than ``min_freq`` times), reaches the network as ``<unk>`` alone: its prediction is the same
guess for every such text, given silently with a probability that reads like any other -- where a text with no token
at all (zero-width spaces alone) is predicted the class shares with a warning
(:meth:`~rnnkit.tasks.classification.TextClassifier.predict_proba`). ``classify predict`` warns naming them (one
stderr line: how many, their lines or rows, the first text); :func:`unknown_only_rows` gives their positions to an
API user. Nothing is refused: the prediction is still one of the classes, as for any text.
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

from rnnkit.data.vocab import UNK

__all__ = ["unknown_only_rows", "warn_unknown_only"]


def unknown_only_rows(model: Any, texts: Sequence[str]) -> list[int]:
    """The positions of ``texts`` that have tokens (in the fitted ``model``'s units, the prefix the network reads)
    all outside its vocabulary: ``<unk>`` ids, or the pretrained tokenizer's own ``[UNK]`` piece."""
    from rnnkit.tasks.classify_pretrained import UNK_PIECE
    from rnnkit.tasks.common import check_texts

    model._require_fitted()
    texts = check_texts(texts)
    unknown = {i for i in (model.vocab.index.get(UNK), model.vocab.index.get(UNK_PIECE)) if i is not None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # a long text's cut is warned by the prediction itself
        ids = model._encode(texts)
    return [i for i, s in enumerate(ids) if s and all(t in unknown for t in s)]


def warn_unknown_only(model: Any, texts: Sequence[str], numbers: Sequence[int], where: str) -> None:
    """Warn naming the texts of :func:`unknown_only_rows` by ``numbers`` (their lines or rows: ``where``)."""
    rows = unknown_only_rows(model, texts)
    if rows:
        at = [numbers[i] for i in rows[:10]]
        warnings.warn(f"{len(rows)} of {len(texts)} input(s) are units never seen in training alone ({model.units} "
                      f"units), {where} {at}{'...' if len(rows) > 10 else ''}, e.g. {texts[rows[0]][:40]!r}: the "
                      "network reads <unk> alone there, one guess for all of them", stacklevel=3)
