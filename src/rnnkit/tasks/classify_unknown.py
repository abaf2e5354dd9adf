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

:func:`check_predict_texts` reads every text of a prediction before any is predicted, :data:`CHUNK` at a time, and says
there what one call on all of them said as it went: ``classify predict`` prints part by part, and a text refused or
warned about in its last part was an error after the first parts' output, or a warning counting one part's texts.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
import warnings
from typing import Any, Callable, Sequence

import numpy as np

from rnnkit._warn_place import user_stacklevel
from rnnkit.data.vocab import UNK

__all__ = ["unknown_only_rows", "warn_unknown_only", "width_form_rows", "warn_width_forms", "fold_width",
           "check_predict_texts", "network_proba", "ReadTexts", "warn_no_token", "CHUNK", "NO_TOKEN"]

#: how :func:`warn_no_token`'s text starts (a filter's ``message``: a caller that gave it over all texts first)
NO_TOKEN = r"\w+: \d+ of \d+ have no token \("

#: texts tokenized at a time by :func:`check_predict_texts` (their ids dropped after each chunk)
CHUNK = 4096

_UNKNOWN = (UNK, "[UNK]")                 # the unknown piece of the units (own vocabularies; the pretrained wordpieces)
_WIDTH = re.compile("[\uff01-\uffee]")    # the Halfwidth and Fullwidth Forms block but for its unassigned U+FF00


def unknown_only_rows(model: Any, texts: Sequence[str]) -> list[int]:
    """The positions of ``texts`` that have tokens (in the fitted ``model``'s units, the prefix the network reads)
    all outside its vocabulary: ``<unk>`` ids, or the pretrained tokenizer's own ``[UNK]`` piece."""
    from rnnkit.tasks.common import check_texts

    model._require_fitted()
    texts = check_texts(texts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # a long text's cut is warned by the prediction itself
        ids = model._encode(texts)
    return _alone(model, ids)


def _alone(model: Any, ids: list[list[int]]) -> list[int]:
    """The positions of the id lists ``ids`` (of ``model``'s vocabulary) that are unknown units alone."""
    from rnnkit.tasks.classify_pretrained import UNK_PIECE

    unknown = {i for i in (model.vocab.index.get(UNK), model.vocab.index.get(UNK_PIECE)) if i is not None}
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
                      f"e.g. {texts[rows[0]][:40]!r}: {why}", stacklevel=user_stacklevel())


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
    other texts are read once, by the prediction). Units that read an unknown form as their unknown piece (the
    pretrained wordpieces' ``[UNK]``: 'ｇｏｏｄ' is no token of its own) count a text whose folded form has fewer
    unknown pieces, a letter or digit among its folded forms (session 28: such a text was never named)."""
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
    rows = [i for i, toks in zip(some, tokens) if any(t not in known and _WIDTH.search(t) and (f := fold_width(t))
                                                      in known and any(ch.isalnum() for ch in f) for t in toks)]
    pieces = [(i, toks) for i, toks in zip(some, tokens) if i not in rows and any(t in _UNKNOWN for t in toks)
              and any(ch.isalnum() for ch in fold_width("".join(_WIDTH.findall(texts[i]))))]
    if pieces:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            folded = model._tokens([fold_width(texts[i]) for i, _ in pieces])
        unknown = lambda toks: sum(t in _UNKNOWN or t not in known for t in toks)   # noqa: E731
        rows += [i for (i, toks), back in zip(pieces, folded) if unknown(back) < unknown(toks)]
    return sorted(rows)


def warn_width_forms(model: Any, texts: Sequence[str], numbers: Sequence[int], where: str) -> None:
    """Warn naming the texts of :func:`width_form_rows` by ``numbers`` (their lines or rows: ``where``)."""
    _warn_rows(width_form_rows(model, texts), texts, numbers, where, "hold full-width or half-width forms training "
               f"never saw whose plain forms it knows ({model.units} units)",
               "the network reads <unk> there; write them as training did (NFKC folds them)")


def warn_no_token(model: Any, texts: Sequence[str], empty: Sequence[int]) -> None:
    """The warning :meth:`~rnnkit.tasks.classification.TextClassifier.predict_proba` gives for the texts ``empty`` of
    ``texts`` that have no token in ``model``'s units (they are predicted the class shares of the training labels)."""
    if len(empty):
        names = ", ".join(f"{model.input_name}[{i}] {texts[i][:20]!r}" for i in empty[:3])
        warnings.warn(f"{model.input_name}: {len(empty)} of {len(texts)} have no token ({model.units} units): {names}"
                      f"{' ...' if len(empty) > 3 else ''}; predicted the class shares of the training labels"
                      f"{'' if model.prior is not None else ' (equal: a run saved before session 15 has none)'} "
                      f"for them", stacklevel=user_stacklevel())


def _network_readers(model: Any) -> list[Any]:
    """``model`` and the classifiers of the network members its combination weights (each reads the texts in its
    own units: its own texts with no token, its own long texts)."""
    from rnnkit.tasks.classify_subword import NetMember

    if not model._combined():
        return [model]
    return [model, *(m._fitted() for k, m in model.baselines.items()
                     if model.mix.get(k) and k != "network" and isinstance(m, NetMember))]


class ReadTexts:
    """What :func:`check_predict_texts` read of every text in the model's units: its ids (4 bytes a token) and the
    lengths of the texts longer than ``max_len``, so that a part is predicted without tokenizing its texts again
    (:meth:`reuse`; a wordpiece run's predict took 60% longer when every text was tokenized twice)."""

    def __init__(self, model: Any, flat: np.ndarray, starts: np.ndarray, long: dict[int, int]) -> None:
        self.model, self.flat, self.starts = model, flat, starts
        self.long_at, self.long_len = list(long), list(long.values())    # ascending positions

    def reuse(self, texts: Sequence[str], first: int) -> None:
        """Inside ``encoded_once(model)``: ``texts``, the texts from position ``first`` on, read from their ids; their
        cuts told as their encoding tells them (recorded inside ``truncations()``, else warned)."""
        from rnnkit.data.batching import limit_length
        from rnnkit.tasks.classify_once import reuse

        o = self.starts
        reuse(self.model, texts, [self.flat[o[i]:o[i + 1]].tolist() for i in range(first, first + len(texts))])
        lo, hi = bisect.bisect_left(self.long_at, first), bisect.bisect_left(self.long_at, first + len(texts))
        if hi > lo:
            cut = {i - first: k for i, k in zip(self.long_at[lo:hi], self.long_len[lo:hi])}
            limit_length(_of_lengths(len(texts), cut), self.model.config.max_len, "truncate", what="texts")


def _read_all(model: Any, texts: list[str], main: bool) -> tuple[list[int], dict[int, int], list[int], Any]:
    """``(no token, {long text: its length}, unknown units alone, ids)`` of ``texts`` in ``model``'s units, tokenized
    :data:`CHUNK` at a time (the last two are ``[]`` and ``None`` unless ``main``: the model's own, not a member's). With
    ``on_long="error"`` the texts are read as with ``"truncate"`` here, so that every long text is counted."""
    from rnnkit.data.batching import truncations

    empty, long, alone, flat, lengths = [], {}, [], [], []
    for s in range(0, len(texts), CHUNK):     # the config left as it is: another thread predicting reads it
        part = texts[s:s + CHUNK]
        with truncations(count_long=True) as cut, warnings.catch_warnings():
            warnings.simplefilter("ignore")    # a part's prediction gives its own warnings, the cut's too
            ids = model._encode(part)          # as no_token_rows and unknown_only_rows read them
        empty += [s + i for i, x in enumerate(ids) if not x]
        alone += [s + i for i in _alone(model, ids)] if main else []
        long.update((s + i, n) for i, n in cut.items())
        if main:
            lengths += [len(x) for x in ids]
            flat.append(np.fromiter(itertools.chain.from_iterable(ids), np.int32, sum(lengths[-len(ids):])))
    if not main:
        return empty, long, alone, None
    starts = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
    return empty, long, alone, ReadTexts(model, np.concatenate(flat), starts, long)


def _of_lengths(n: int, long: dict[int, int]) -> list[Any]:
    """``n`` sequences standing for texts: the ``long`` ones (position: length) that long, the others empty --
    what ``limit_length`` counts (a text read from a prefix is a ``Head``: its length is a lower bound)."""
    from rnnkit.data.heads import AtLeast, Head

    seqs: list[Any] = [()] * n
    for i, k in long.items():
        seqs[i] = Head(range(k)) if isinstance(k, AtLeast) else range(k)
    return seqs


def _refuse_long(model: Any, n: int, long: dict[int, int]) -> None:
    """``limit_length``'s error for ``on_long="error"``, counted over the ``n`` texts (``long``: their lengths)."""
    from rnnkit.data.batching import limit_length

    if model.config.on_long == "error" and long:
        limit_length(_of_lengths(n, long), model.config.max_len, "error", what="texts")


def network_proba(model: Any, texts: list[str], one_call: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """``one_call(texts)`` (the network's probabilities of the checked ``texts``) made :data:`CHUNK` texts at a time,
    with what one call on all of them says: a long text's cut warned once over them all (the count, positions and
    longest as one call gives, or recorded inside ``truncations()``), the ``on_long="error"`` refusal counted over
    them all (the rest only tokenized once one part had a long text). ``evaluate`` on 200k texts held every text's
    tokens at once. Inside ``encoded_once(model)`` (the service, ``classify predict``) one call: its readers share
    the encoding of every text."""
    from rnnkit.data.batching import limit_length, truncations

    n = len(texts)
    if n <= CHUNK or getattr(model, "_once", None) is not None:
        return one_call(texts)
    out = np.zeros((n, len(model.labels)), dtype=np.float32)
    long: dict[int, int] = {}
    config = model.config
    refuse = config.on_long == "error"    # every long text counted first, the config left as it is (another thread)
    for s in range(0, n, CHUNK):
        part = texts[s:s + CHUNK]
        with truncations(count_long=True) as cut:
            if refuse and long:
                model._encode(part)     # counted for the refusal, not scored
            else:
                out[s:s + len(part)] = one_call(part)
        long.update((s + i, k) for i, k in cut.items())
    _refuse_long(model, n, long)
    if long:
        limit_length(_of_lengths(n, long), config.max_len, "truncate", what="texts")
    return out


def check_predict_texts(model: Any, texts: Sequence[str], numbers: Sequence[int], where: str) -> ReadTexts:
    """Every text of a prediction read before any is predicted (see the module): the texts checked (an error naming
    one by its index in all of them), the texts longer than ``max_len`` refused with ``on_long="error"`` (counted
    over all of them), and the warnings one call on all of them gives -- texts with no token (the network's units,
    then each network member's), texts of unknown units alone, texts holding full-width forms -- with the same
    text. Returns the ids read (:class:`ReadTexts`, 4 bytes a token): nothing else of the texts' tokens is kept."""
    model._require_fitted()
    texts = model.check_inputs(texts, model.input_name)
    alone, read = [], None
    for k, reader in enumerate(_network_readers(model)):
        empty, long, found, ids = _read_all(reader, texts, main=k == 0)
        alone, read = (found, ids) if k == 0 else (alone, read)
        _refuse_long(reader, len(texts), long)
        warn_no_token(reader, texts, empty)
    _warn_rows(alone, texts, numbers, where, "are units never seen in training alone "
               f"({model.units} units)", "the network reads <unk> alone there, one guess for all of them")
    warn_width_forms(model, texts, numbers, where)
    return read
