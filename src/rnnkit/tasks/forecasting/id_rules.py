"""Series ids given to the forecaster: one rule for a frame and a CSV file, and rows for ids it never fitted.

A CSV file's reader (:func:`rnnkit.data.series.read_series_csv`) reads an empty id cell, or one of white space
alone, as a missing id, which a fit, an update and the future covariates refuse. A frame given to the Python API
with ``''`` or ``'  '`` in its id column took it as a series named so: the same data, two answers by the two
paths. Such ids are a :class:`~rnnkit.errors.DataError` by both now, naming the column and the first row. So is an
id of invisible or control characters alone (a zero-width space, a byte-order mark, bidirectional marks, a soft
hyphen, BEL: :func:`rnnkit.data.label_text.invisible_only`, the rule of labels and tokens), which shows as no id
at all: before session 21 a fit on the frame or on the CSV file (whose reader keeps such a cell) took it as a series
named so, a row of ``forecast.csv`` whose id reads as empty. That rule is a hand list; an id is also blank when
every character is one Unicode says a renderer shows as nothing (``Default_Ignorable_Code_Point`` of
DerivedCoreProperties.txt, read from the ``regex`` module's Unicode database: the Hangul fillers U+3164, U+FFA0,
U+115F, U+1160, the Mongolian vowel separator U+180E, the combining grapheme joiner U+034F, the variation selectors
U+FE00-FE0F and U+E0100-E01EF, the tag characters U+E0000-E0FFF, ...), white space, a control (Cc), or U+2800
BRAILLE PATTERN BLANK (no default-ignorable: a cell with no dots, drawn as blank space); session 22: each was
taken as a series whose id reads as empty.

Rows of ``predict(future_covariates=)`` / ``--future-csv`` for an id the model never fitted are not used: a file
covering more stores than were fitted is legitimate, so they are a warning naming the ids, not an error (they
were dropped without a word, and an id mistyped in the file hid behind the rows of the others).

>>> import pandas as pd
>>> check_no_blank_ids(pd.Series(["a", " ", "b"]), "store")
Traceback (most recent call last):
rnnkit.errors.DataError: id_col 'store': expected an id on every row, got 1 blank (' ': empty or white space alone, \
which a CSV file's reader reads as a missing id; first in data row 2)
"""

from __future__ import annotations

import warnings
from typing import Iterable

import numpy as np
import pandas as pd
import regex

from rnnkit._validate import check_keys_as_text
from rnnkit.data.text import _one_spelling_per_number, screen_spelling   # '1' and '1.0': the labels' rule, refused
from rnnkit.errors import DataError
from rnnkit.tasks.classify_data import _WHOLE, _clashes   # the labels' rule for '01' and '1' (warn_zero_padded)
from rnnkit.data.label_text import differ_by, invisible_only, label_spelling

__all__ = ["check_id_types", "check_no_blank_ids", "warn_unused_ids", "blank_id", "id_spelling", "id_differ_by", "warn_zero_padded_ids"]

_HIDDEN = "invisible or control characters (zero-width, bidi marks, BOM, soft hyphens, BEL, ...)"
#: characters that show as nothing or as blank space (module docstring): an id of these alone is blank
_BLANK = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{White_Space}\p{Cc}\u2800]*")


def blank_id(text: str) -> bool:
    """Whether the id ``text`` shows as nothing or as blank space (module docstring).

    >>> [blank_id(t) for t in ["a", "", " ", "\u200b", "\u3164", "\ufe0f", "\U000e0041", "\u2800", "a\u3164"]]
    [False, True, True, True, True, True, True, True, False]
    """
    return invisible_only(text) or _BLANK.fullmatch(text) is not None


#: default-ignorable characters but the joiners (ZWNJ / ZWJ inside a word or an emoji sequence change what it shows)
#: and an emoji tag sequence's tags (UTS #51 ED-14a: U+1F3F4 + 'gbeng' + CANCEL TAG is England's flag, + 'gbsct'
#: Scotland's; group 1 keeps them)
_IGNORED = regex.compile(r"(?<=\p{Emoji})([\U000E0020-\U000E007E]+\U000E007F)"
                         r"|[\p{Default_Ignorable_Code_Point}--[\u200c\u200d]]", flags=regex.V1)
_IGNORED_NAMED = "default-ignorable characters (fillers, variation selectors, tags, a grapheme joiner, ...)"


def id_spelling(text: str) -> str:
    """An id as it reads on screen: :func:`~rnnkit.data.label_text.label_spelling` of ``text`` without the
    default-ignorable characters it leaves ('a' and 'a' + U+3164 HANGUL FILLER, or 'a' + VARIATION SELECTOR-16, were
    two series both shown as 'a'); ids of one spelling and two strings are refused (:func:`check_id_types`).
    An emoji tag sequence (a subdivision flag) keeps its tags: England's and Scotland's flags are two ids.

    >>> id_spelling("a\u3164\ufe0f") == "a", id_spelling("\U0001F3F4\U000E0067\U000E007F") == "\U0001F3F4"
    (True, False)
    """
    return label_spelling(_IGNORED.sub(lambda m: m.group(1) or "", text))


def id_differ_by(a: str, b: str) -> str:
    """What two ids of one :func:`id_spelling` differ by, for a message (:func:`~rnnkit.data.label_text.differ_by`
    where the label rule already finds them one label)."""
    return differ_by(a, b) if label_spelling(a) == label_spelling(b) else _IGNORED_NAMED


def check_no_blank_ids(col: pd.Series, id_col: str, what: str = "") -> None:
    """A DataError naming ``what`` (``"new_points: "``), ``id_col`` and the first row (1-based, in the order given)
    when an id of ``col`` is a str that is empty, white space alone, or invisible and control characters alone
    (:func:`blank_id`); missing values are the caller's to name."""
    values = col.to_numpy(dtype=object)
    blank = [v for v in pd.unique(values) if isinstance(v, str) and blank_id(v)]
    if not blank:
        return
    rows = np.isin(values, np.array(blank, dtype=object))
    kinds = [why for why, found in (("empty or white space alone, which a CSV file's reader reads as a missing id",
                                     any(not v.strip() for v in blank)),
                                    (f"{_HIDDEN} alone, no id on screen", any(v.strip() for v in blank))) if found]
    raise DataError(f"{what}id_col {id_col!r}: expected an id on every row, got {int(rows.sum())} blank "
                    f"({', '.join(map(repr, blank[:3]))}: {'; '.join(kinds)}; first in data row "
                    f"{int(np.argmax(rows)) + 1})")


def warn_unused_ids(col: pd.Series, fitted: Iterable[str], what: str, stacklevel: int = 2) -> None:
    """A UserWarning naming the ids of ``col`` (compared as text) that are no fitted series' id: their rows are not
    used. Shown from the caller's line (``stacklevel=2``), so the check that ``update`` and the CLI make before
    ``predict`` makes it again is one warning (Python's default filter shows a text once per line)."""
    known = set(fitted)
    unused = sorted({str(v) for v in pd.unique(col.to_numpy(dtype=object)) if not pd.isna(v)} - known)
    if unused:
        more = f" ... ({len(unused)} ids)" if len(unused) > 5 else ""
        warnings.warn(f"{what}: rows for ids the model never fitted are not used: "
                      f"{', '.join(map(repr, unused[:5]))}{more} (fitted: {sorted(known)[:5]}"
                      f"{' ...' if len(known) > 5 else ''})", UserWarning, stacklevel=stacklevel)


def warn_zero_padded_ids(ids: np.ndarray, id_col: str, stacklevel: int = 5) -> None:
    """Warn when ids write one whole number with and without leading zeros ('01' and '1', ASCII digits): a long CSV
    whose rows were partly saved again by a spreadsheet (which drops leading zeros) made two series of one store,
    each with part of its history, silently. The rule of classification's labels
    (:func:`rnnkit.tasks.classify_data.warn_zero_padded`); codes may be meant ('007' and '7' two products), so both
    are forecast, named with the data row (1-based) where each first appears. One whole number as an int and as a
    float (``'1'`` and ``'1.0'``: no writer makes both for one code) is a DataError, as labels are (session 23).

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     warn_zero_padded_ids(np.array(["01", "01", "02", "1"]), "store")
    >>> print(seen[0].message)  # doctest: +NORMALIZE_WHITESPACE
    id_col 'store': 1 id(s) written with and without leading zeros, e.g. '01' (first in data row 1) and '1' (first in
    data row 4): forecast as two series (a spreadsheet dropped the zeros of some rows? write them alike; codes that
    differ? keep them)
    """
    first = pd.Series(ids).drop_duplicates()    # each id once, by the data row it first appears in
    texts = first.tolist()
    rows = first.index     # '1' and '1.0' (a column pandas wrote as floats, appended to one written as ints): refused
    _one_spelling_per_number(texts, f"id_col {id_col!r}", lambda k: f"first in data row {rows[k] + 1}",
                             ("id", "one series or two?"))    # as labels are (session 23)
    pairs = _clashes([t.lstrip("0") or "0" if _WHOLE.fullmatch(t) else t for t in texts],   # as the labels' rule:
                     texts)   # not int(), a ValueError past 4,300 digits
    if pairs:
        j, i = next(iter(pairs.values()))
        warnings.warn(f"id_col {id_col!r}: {len(pairs)} id(s) written with and without leading zeros, e.g. "
                      f"{texts[j]!r} (first in data row {rows[j] + 1}) and {texts[i]!r} (first in data row "
                      f"{rows[i] + 1}): forecast as two series (a spreadsheet dropped the zeros of some rows? write "
                      "them alike; codes that differ? keep them)", UserWarning, stacklevel=stacklevel)


def check_one_key_per_id(col: pd.Series, ids: np.ndarray, id_col: str) -> None:
    """Ids that Python and pandas take as one key (``True`` and ``1``, ``False`` and ``0.0``: equal, hashed alike;
    ``df.groupby(id_col)`` makes one group of them) but that read as two texts ('True' and '1'): a DataError naming
    the column and both values, as for ``1`` and ``'1'`` (:func:`rnnkit._validate.check_keys_as_text`). They were
    forecast as two series, the rows pandas counts as one store's split between them (session 28). ``ids``: the
    texts of ``col``'s values, row by row.

    >>> check_one_key_per_id(pd.Series([True, 1, 2], dtype=object), np.array(["True", "1", "2"]), "store")
    Traceback (most recent call last):
    rnnkit.errors.DataError: id_col 'store': expected ids of one type (ids are kept as text), got True (bool) and 1 \
(int), one key to pandas (df.groupby('store') makes one group of them) but two series here ('True' and '1'); \
convert the column to one type first (df['store'].astype(str) keeps them apart)
    """
    if col.dtype != object and not isinstance(col.dtype, pd.CategoricalDtype):   # one dtype: one text per key
        return
    seen: dict = {}
    for value, text in zip(col.to_numpy(dtype=object), ids):
        try:
            first = seen.setdefault(value, (value, text))
        except TypeError:        # an unhashable cell: no key to pandas either
            continue
        if first[1] != text:
            a = first[0]
            raise DataError(f"id_col {id_col!r}: expected ids of one type (ids are kept as text), got {a!r} "
                            f"({type(a).__name__}) and {value!r} ({type(value).__name__}), one key to pandas "
                            f"(df.groupby({id_col!r}) makes one group of them) but two series here ({str(first[1])!r} and "
                            f"{str(text)!r}); convert the column to one type first (df[{id_col!r}].astype(str) keeps them "
                            "apart)")


def check_id_types(col: pd.Series, ids: np.ndarray, id_col: str) -> None:
    """Ids are keys, kept as text: ``1`` and ``"1"`` in one column would merge two series into one; ``"a"`` and
    ``" a"`` (spaces at the ends, a CSV's ``a, b``; a zero-width space) or an accented letter composed and decomposed (NFC / NFD)
    split one series in two silently: a DataError; ids that differ only by case (``"A"`` and ``"a"``) may be
    meant: two series, with a warning naming them."""
    if col.dtype == object or isinstance(col.dtype, pd.CategoricalDtype):     # categories may mix types too
        check_keys_as_text(col.to_numpy(dtype=object), ids, f"id_col {id_col!r}", "id")
        check_one_key_per_id(col, ids, id_col)     # True and 1: one key to pandas, two texts

    for norm, kind in ((id_spelling, ""), (lambda t: screen_spelling(t).casefold(), "case")):
        seen: dict[str, str] = {}
        pairs = []
        for t in dict.fromkeys(ids):
            first = seen.setdefault(norm(t), t)
            if first != t:
                pairs.append((first, t))
        if not pairs:
            continue
        (a, b), more = pairs[0], f" ({len(pairs)} such pairs)" if len(pairs) > 1 else ""
        msg = (f"id_col {id_col!r}: expected each id written one way, got {a!r} and {b!r}{more}, which differ only by "
               f"{kind or id_differ_by(a, b)}")
        if kind == "case":
            warnings.warn(msg + ": forecast as two series", stacklevel=4)
        else:
            raise DataError(msg + ": write them one way (strip spaces and invisible characters, NFC) or name them apart")
