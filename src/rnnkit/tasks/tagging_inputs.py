"""The tagger's input checks (:mod:`rnnkit.tasks.tagging`): sentences as lists of tokens, one tag per token, and
training tags a tagger can learn from. Moved out of ``tagging.py`` (at the house's module size) in session 18.

>>> check_sentences([["Anna", "lebt"]])
[['Anna', 'lebt']]
>>> check_sentences([["a\\0b"]])
Traceback (most recent call last):
rnnkit.errors.DataError: sentences[0][0]: expected text without NUL characters (U+0000), got one at character 1
>>> check_trainable_tags([["O", "O"], ["O"]])
Traceback (most recent call last):
rnnkit.errors.DataError: tags: expected at least 2 different tags to learn from, got only ['O']
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from rnnkit._validate import check_no_nul, check_tag_spaces, check_unicode
from rnnkit.data.vocab import _INVISIBLE_SEPARATORS, INVISIBLE_ONLY, literal_tokens
from rnnkit.errors import DataError, InputTypeError
from rnnkit.tasks.common import check_label_kinds, check_labels, item_at, missing_hint, one_spelling_per_label
from rnnkit.tasks.label_shapes import unordered_labels

__all__ = ["word_keys", "in_order", "check_sentences", "check_tags", "check_trainable_tags", "warn_swapped_columns", "warn_pieces",
           "in_pieces", "train_pieces", "warn_trained_pieces"]


def word_keys(sent: list[str]) -> list[str]:
    """The word vocabulary's keys of a sentence: casefolded, a word spelled like a special (``<unk>``) kept a
    word (:func:`~rnnkit.data.vocab.literal_tokens`)."""
    return literal_tokens([t.casefold() for t in sent])


def in_order(values: Any) -> Any:
    """A 1-D numpy array or pandas Series as the list of its values in their order (a Series' ``[i]`` reads its
    index: positions name the items in errors, as for the classifier's texts); anything else as given.

    >>> import pandas as pd
    >>> in_order(np.array(["Anna", "lebt"])), in_order(pd.Series([["a"], ["b"]], index=[7, 3]))
    (['Anna', 'lebt'], [['a'], ['b']])
    """
    if isinstance(values, np.ndarray) and values.ndim == 1:
        return values.tolist()                  # np.str_ -> str; an object array of token lists -> those lists
    if type(values).__name__ == "Series" and getattr(values, "ndim", None) == 1:
        return list(values)
    return values


def check_sentences(sents: Any, what: str = "sentences", places: Sequence[str] | None = None) -> list[list[str]]:
    """The sentences as lists of tokens as read (:func:`_as_read`: NFC, no bidi marks): non-empty strings with
    something besides white space, none around them, valid Unicode and no NUL (the shared rule,
    :func:`~rnnkit._validate.check_no_nul`: a CoNLL file holding one is refused; through the API the NUL became a
    character the network learned) -- else a typed error naming the token (``sentences[3][1]``, and where its
    sentence was read: ``places``). The sentences and each sentence's tokens may be a list, a tuple, a 1-D numpy
    array or a pandas Series (a frame's column of token lists, ``df["tokens"]``), read in order (:func:`in_order`)."""
    sents = in_order(sents)
    if not isinstance(sents, (list, tuple)):
        raise InputTypeError(f"{what}: expected a list of token lists, got {type(sents).__name__}")
    if not sents:
        raise DataError(f"{what}: expected at least one sentence, got none")
    out = []
    for i, s in enumerate(sents):
        s = in_order(s)
        if isinstance(s, str) or not isinstance(s, (list, tuple)):
            raise InputTypeError(f"{item_at(what, i, places)}: expected a list of tokens, got {type(s).__name__}")
        if not s:
            raise DataError(f"{item_at(what, i, places)}: expected at least one token, got an empty sentence")
        for j, tok in enumerate(s):
            if not _token_ok(tok):    # the token's name is made for the error only (a million tokens: 5 s)
                _refuse_token(tok, item_at(what, i, places, f"[{j}]"))
        out.append([_as_read(t) for t in s])
    return out


# the invisible separators the word tokenizer drops (rnnkit.data.vocab): zero-width space, word joiner, BOM, bidi marks
_SEPARATORS = re.compile(f"[{_INVISIBLE_SEPARATORS}]")


def _as_read(tok: str) -> str:
    """A token as the tagger reads it: NFC ('café' typed either way, as every text task) without the invisible
    separators the word tokenizer drops -- a name wrapped in bidi embeddings or an RLM ('\u202bJosé\u202c', text
    copied from a right-to-left page) was a word of its own, unknown, its characters unseen: tagged as another word,
    silently (session 23). A zero-width (non-)joiner shapes Persian and Hindi words: it stays."""
    return unicodedata.normalize("NFC", tok if tok.isprintable() else _SEPARATORS.sub("", tok).strip())


def _token_ok(tok: Any) -> bool:
    """Whether :func:`_refuse_token` would let ``tok`` pass (the same rules, no message made)."""
    if not isinstance(tok, str) or not tok or "\0" in tok or tok != tok.strip() or INVISIBLE_ONLY.fullmatch(tok):
        return False
    try:
        tok.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_token(tok: Any, at: str) -> None:
    """The error for a token :func:`_token_ok` refused, naming it ``at``."""
    if not isinstance(tok, str) or not tok:
        raise DataError(f"{at}: expected non-empty string tokens, got {tok!r}{missing_hint(tok)}")
    # ' ' of "a  b".split(" "), a zero-width space, an RLM or a control character alone (a CoNLL line of one,
    # copied from the web): a word of its own, tagged and scored, silently (the words tokenizer reads none)
    if INVISIBLE_ONLY.fullmatch(tok):
        raise DataError(f"{at}: expected a token with something besides white space and invisible "
                        f"characters, got {tok!r}")
    if tok != tok.strip():   # ' dog', 'dog\n': a word unseen in training (whose CoNLL files are read stripped)
        raise DataError(f"{at}: expected a token without white space around it (a CoNLL file's "
                        f"tokens are read stripped), got {tok!r}; strip the tokens first")
    check_no_nul(tok, at)
    check_unicode(tok, at)
    raise AssertionError(f"{at}: _token_ok and _refuse_token disagree on {tok!r}")   # pragma: no cover


def check_tags(tags: Any, sents: list[list[str]], what: str = "tags",
               places: Sequence[str] | None = None) -> list[list[str]]:
    """One tag per token of every sentence, as strings; a missing tag (None, NaN, blank) or one holding a NUL is a
    DataError naming it (``tags[3][1]``, and where its sentence was read: ``places``; the labels' rule,
    :func:`~rnnkit.tasks.common.check_labels`). ``tags`` and each sentence's tags are read as the sentences are
    (:func:`in_order`)."""
    tags = in_order(tags)
    if isinstance(tags, str) or not isinstance(tags, Sequence):   # a Series or generator was 'got Series' as a count
        raise InputTypeError(f"{what}: expected a list of tag lists (one per sentence), got {type(tags).__name__}")
    if len(tags) != len(sents):
        raise DataError(f"{what}: expected one tag list per sentence ({len(sents)}), got {len(tags)}")
    # a sentence's tags as a dict / set / frame reach check_labels as given, which refuses them (list() read a
    # dict's keys and a set in hash order, silently)
    tags = [in_order(t) for t in tags]
    gen = next((i for i, t in enumerate(tags) if isinstance(t, Iterator)), None)
    if gen is not None:   # read up here: evaluate's spelling check and the tags' type read it again and saw none
        raise InputTypeError(f"{item_at(what, gen, places)}: expected a list of tags (one per token), got "
                             f"{type(tags[gen]).__name__}")
    raw = [list(t) if isinstance(t, Iterable) and not isinstance(t, (str, bytes)) and not unordered_labels(t) else t
           for t in tags]
    out = [check_labels(t, f"{what}[{i}]", None if places is None or isinstance(t, str) else [places[i]] * len(t))
           for i, t in enumerate(raw)]
    for i, (s, t) in enumerate(zip(sents, out)):
        if len(s) != len(t):
            raise DataError(f"{item_at(what, i, places)}: expected one tag per token ({len(s)}), got {len(t)}")
        for j, g in enumerate(t):   # 'B PER': a tag of its own here, refused by the CoNLL reader (one rule)
            if len(g.split()) > 1:
                check_tag_spaces(g, item_at(what, i, places, f"[{j}]"), hint="a CoNLL file's reader refuses it too")
    # across sentences too: [1, 2] in one and ["1", "2"] in another were one tag set silently
    check_label_kinds([g for t in raw for g in t], [g for t in out for g in t], what)
    starts = list(itertools.accumulate((len(t) for t in out), initial=0))   # flat index k -> (sentence, token)

    def where(k: int) -> str:   # 'B-PER', 'B-PER ': named when found, not made for every tag
        i = bisect.bisect_right(starts, k) - 1
        return item_at(what, i, places, f"[{k - starts[i]}]")

    one_spelling_per_label([g for t in out for g in t], what, where)
    return out


def check_trainable_tags(tags: list[list[str]], what: str = "tags", sents: list[list[str]] | None = None) -> None:
    """A DataError unless the training tags hold at least two different tags: a tagger of one tag learns nothing
    (every token gets it, token accuracy 1.0 on data of that tag), as the classifier and the series classifier
    refuse one class. With ``sents``, a warning when every token reads as an entity tag and the tags do not
    (:func:`warn_swapped_columns`)."""
    seen = {t for s in tags for t in s}
    if len(seen) < 2:
        raise DataError(f"{what}: expected at least 2 different tags to learn from, got only {sorted(seen)}")
    if sents is not None:
        warn_swapped_columns(sents, seen)


#: An entity tag of the BIO / IOB1 / IOBES / BILOU schemes, or O.
_ENTITY_TAG = re.compile(r"O|[BIESLU]-\S+")


def warn_swapped_columns(sents: list[list[str]], tags: set[str]) -> None:
    """Warn when every training token is an entity tag (``O``, ``B-PER``, ...) while some tag is none (``saw``): a
    CoNLL file whose columns were swapped (``O<TAB>saw``) trained a tagger of the tag column's few values, silently.
    Kept as given (a warning: rnnkit reads the first column as the token, the last as the tag)."""
    tokens = {t for s in sents for t in s}
    if tokens and all(_ENTITY_TAG.fullmatch(t) for t in tokens):
        words = sorted(t for t in tags if not _ENTITY_TAG.fullmatch(t))
        if words:
            import warnings

            warnings.warn(f"sentences: every token reads as an entity tag (e.g. {sorted(tokens)[:3]}) while "
                          f"{len(words)} tag(s) do not (e.g. {words[:3]}): the token and tag columns swapped? (CoNLL: "
                          "the token first, the tag last)", stacklevel=5)


def warn_pieces(sents: list[list[str]], max_len: int | None, stacklevel: int = 5) -> None:
    """Warn once when some of ``sents`` are longer than ``max_len``: the tagger reads them in overlapping pieces
    (:func:`in_pieces`), counted over all of ``sents`` -- the pieces' own warning came once
    a group of sentences (GROUP_TOKENS), each with its group's counts ('tagged 1 of 1,431' and 'tagged 2 of 1,502'
    for one input), and once a part where predict runs by parts. ``stacklevel``: the default names the caller of
    :meth:`~rnnkit.tasks.tagging.SequenceTagger.predict`."""
    n = 0 if max_len is None else sum(len(s) > max_len for s in sents)
    if n:
        import warnings

        warnings.warn(f"sentences: tagged {n} of {len(sents)} longer than max_len={max_len} in overlapping pieces of "
                      f"{max_len} tokens", stacklevel=stacklevel)


def in_pieces(sents: list[list[Any]], max_len: int | None) -> tuple[list[list[Any]], list[int], list[tuple[int, int]]]:
    """Sentences cut into overlapping pieces of at most ``max_len`` tokens, starting every ``max_len // 2``
    tokens (the caller warns once over all its sentences: :func:`warn_pieces`); per
    piece, the index of its sentence and the ``(lo, hi)`` range of its own tokens whose scores it gives (those
    nearer its middle than the neighbouring piece's).

    >>> in_pieces([["a"], list("bcdefg")], 4)[1:]
    ([0, 1, 1], [(0, 1), (0, 3), (1, 4)])
    """
    if max_len is None or all(len(s) <= max_len for s in sents):
        return sents, list(range(len(sents))), [(0, len(s)) for s in sents]
    pieces, owner, spans = [], [], []
    for i, s in enumerate(sents):
        n = len(s)
        starts = [0] if n <= max_len else [*range(0, n - max_len, max(max_len // 2, 1)), n - max_len]
        ends = [(a + b + max_len) // 2 for a, b in zip(starts, starts[1:])] + [n]    # midway between two middles
        begins = [0] + ends[:-1]
        for st, b, e in zip(starts, begins, ends):
            pieces.append(s[st:st + max_len])
            owner.append(i)
            spans.append((b - st, e - st))
    return pieces, owner, spans


def train_pieces(sents: list[list[str]], ids: list[list[int]], max_len: int | None
                 ) -> tuple[list[list[str]], list[list[int]]]:
    """Training sentences and their tag ids in the pieces of :func:`in_pieces`: a piece's tokens outside its own span
    (those another piece scores) get the ignored target -100, so each token's loss counts once, with the context
    of the piece it sits nearest the middle of. :func:`warn_trained_pieces` says how many were read so (after
    :func:`pin_pieces`: a resume it refuses warned first, session 35).

    >>> train_pieces([list("ab"), list("abcdef")], [[1, 2], [1, 2, 3, 4, 5, 6]], 4)[1]
    [[1, 2], [1, 2, 3, -100], [-100, 4, 5, 6]]
    """
    pieces, _, spans = in_pieces(sents, max_len)
    if len(pieces) == len(sents):
        return sents, ids
    cut = in_pieces(ids, max_len)[0]   # the same pieces of the ids
    return pieces, [[-100] * lo + y[lo:hi] + [-100] * (len(y) - hi) for y, (lo, hi) in zip(cut, spans)]


def warn_trained_pieces(sents: list[list[str]], n_pieces: int, max_len: int | None) -> None:
    """Warn once with the count of ``sents`` that :func:`train_pieces` read in ``n_pieces`` pieces.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     warn_trained_pieces([list("ab"), list("abcdef")], 3, 4)
    >>> str(seen[0].message)[:58]
    'sentences: trained on 1 of 2 longer than max_len=4 in over'
    """
    if n_pieces == len(sents):
        return
    n = sum(len(s) > max_len for s in sents)   # type: ignore[operator]  (max_len is set: there are pieces)
    import warnings

    warnings.warn(f"sentences: trained on {n} of {len(sents)} longer than max_len={max_len} in overlapping pieces of "
                  f"{max_len} tokens (each token's loss counted once; raise max_len to read them whole)", stacklevel=4)


def pin_pieces(n_sents: int, n_pieces: int, max_len: int, batch_size: int) -> None:
    """Inside a checkpointed fit whose ``n_sents`` training sentences gave ``n_pieces`` (some longer than ``max_len``),
    pin that they train in pieces (:func:`rnnkit.training.stages.pin_input`). A fit interrupted before the pin existed
    (session 35) resumes when its checkpoint took the pieces' steps an epoch (session 34's code, f5b9bbba, trained in
    pieces); one that took the cut sentences' steps (before f5b9bbba, cut at ``max_len``) is refused -- its first
    epochs trained on cut sentences, the rest would on pieces, neither version's model -- and so is one whose steps
    cannot tell the two apart (as many batches either way, or no whole epoch yet)."""
    from rnnkit.training.stages import pin_input, resumed_steps

    if n_pieces == n_sents:
        return
    cut, whole = -(-n_sents // batch_size), -(-n_pieces // batch_size)     # the batches of an epoch either way
    absent = None
    if (done := resumed_steps()) is not None:
        epoch, within, step = done
        per = (step - within) // epoch if epoch else None      # the steps each of its whole epochs took
        if cut != whole and per == cut:
            absent = (f"trained its sentences longer than max_len={max_len} cut at max_len ({cut} steps an epoch, where "
                      f"pieces take {whole}: rnnkit before session 34); now they train in overlapping pieces")
        elif not (cut != whole and (per == whole or per is None and within > cut)):
            absent = (f"cannot be told apart from one that trained its sentences longer than max_len={max_len} cut at "
                      f"max_len (rnnkit before session 34; now they train in overlapping pieces): "
                      + (f"{cut} steps an epoch either way" if cut == whole else "no whole epoch to tell by"
                         if per is None else f"{per} steps an epoch, where cut sentences take {cut}, pieces {whole}"))
    pin_input("sentences longer than max_len", "in pieces", absent=absent)
