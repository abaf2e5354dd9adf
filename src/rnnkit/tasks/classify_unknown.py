"""Texts a text classifier reads as unknown units alone: every token of them is one training never kept.

A text of emoji alone read through the pretrained wordpieces (each emoji is ``[UNK]``), or of words never seen in
training (or seen fewer than ``min_freq`` times), reaches the network as ``<unk>`` alone: its prediction is the same
guess for every such text, given silently with a probability that reads like any other -- where a text with no token
at all (zero-width spaces alone) is predicted the class shares with a warning
(:meth:`~rnnkit.tasks.classification.TextClassifier.predict_proba`). ``classify predict`` warns naming them (one
stderr line: how many, their lines or rows, the first text); :func:`unknown_only_rows` gives their positions to an
API user. Nothing is refused: the prediction is still one of the classes, as for any text.

Full-width and half-width forms (U+FF01-U+FFEE: 'ＧＯＯＤ', '１２', half-width katakana) are other characters than
the forms training read, unless its texts held them: every tokenizer of the project reads NFC, which keeps them
(scikit-learn's TfidfVectorizer keeps them too, by default; its ``strip_accents="unicode"`` folds them by NFKD, with the
accents). A text typed with a Japanese input method's full-width Latin letters reached the network as ``<unk>`` there,
silently, when training knew the same words in ASCII. ``classify predict`` warns naming such texts (one stderr line:
how many, their lines or rows); :func:`width_form_rows` gives their positions. The units are kept as read (a
width-folded read is the tokenizer's choice, made at training: NFKC).
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from typing import Any, Sequence

from rnnkit.data.vocab import UNK

__all__ = ["unknown_only_rows", "warn_unknown_only", "width_form_rows", "warn_width_forms", "fold_width"]

_WIDTH = re.compile("[\uff01-\uffee]")    # the Halfwidth and Fullwidth Forms block but for its unassigned U+FF00


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
    _warn_rows(unknown_only_rows(model, texts), texts, numbers, where, "are units never seen in training alone "
               f"({model.units} units)", "the network reads <unk> alone there, one guess for all of them")


def _warn_rows(rows: list[int], texts: Sequence[str], numbers: Sequence[int], where: str, what: str, why: str) -> None:
    """One warning: how many of ``texts`` ``what``, their ``numbers`` (10 at most), the first text, ``why``."""
    if rows:
        at = [numbers[i] for i in rows[:10]]
        warnings.warn(f"{len(rows)} of {len(texts)} input(s) {what}, {where} {at}{'...' if len(rows) > 10 else ''}, "
                      f"e.g. {texts[rows[0]][:40]!r}: {why}", stacklevel=4)


def fold_width(token: str) -> str:
    """``token`` with its full-width and half-width forms (U+FF01-U+FFEE) read as their plain forms (NFKC of each),
    then NFC (a half-width katakana and its voiced mark make one character).

    >>> fold_width("ＧＯＯＤ！１"), fold_width("ｶﾞ") == "ガ", fold_width("café")
    ('GOOD!1', True, 'café')
    """
    return unicodedata.normalize("NFC", _WIDTH.sub(lambda m: unicodedata.normalize("NFKC", m.group()), token))


def width_form_rows(model: Any, texts: Sequence[str]) -> list[int]:
    """The positions of ``texts`` with a token (the fitted ``model``'s units, the prefix the network reads) that its
    vocabulary does not hold but does hold once its full-width and half-width forms are folded (:func:`fold_width`), a
    letter or digit among them: not a punctuation mark alone (Chinese text writes '，' and ',' alike; a run knowing one
    reads the other as <unk>, one mark, not a word lost). Only texts holding such forms are tokenized (a prediction's
    other texts are read once, by the prediction)."""
    from rnnkit.tasks.common import check_texts

    model._require_fitted()
    texts = check_texts(texts)
    some = [i for i, t in enumerate(texts) if _WIDTH.search(t)]
    if not some:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # a long text's cut is warned by the prediction itself
        tokens = model._tokens([texts[i] for i in some])
    known = model.vocab.index
    return [i for i, toks in zip(some, tokens) if any(t not in known and _WIDTH.search(t) and (f := fold_width(t))
                                                      in known and any(ch.isalnum() for ch in f) for t in toks)]


def warn_width_forms(model: Any, texts: Sequence[str], numbers: Sequence[int], where: str) -> None:
    """Warn naming the texts of :func:`width_form_rows` by ``numbers`` (their lines or rows: ``where``)."""
    _warn_rows(width_form_rows(model, texts), texts, numbers, where, "hold full-width or half-width forms training "
               f"never saw whose plain forms it knows ({model.units} units)",
               "the network reads <unk> there; write them as training did (NFKC folds them)")
