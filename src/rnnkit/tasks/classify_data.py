"""What a text classifier's data may hold by mistake, warned (each was silent): a text given more than once with two
labels (no model fits both), on both sides of a held-out split (its test score is a training score), and labels that
differ only by case ('Pos' and 'pos': two classes). Each names the items and where they were read (the warnings name the caller of ``fit``: they are called by
:meth:`TextClassifier.check_trainable`).

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
"""

from __future__ import annotations

import warnings
from typing import Callable, Sequence

from rnnkit.data.text import screen_spelling

__all__ = ["warn_conflicting_labels", "held_out_copies", "warn_case_variants"]


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


def warn_case_variants(labels: Sequence[str], place: Callable[[int], str] | None = None, what: str = "labels") -> None:
    """Warn when labels differ only by case ('pos' and 'Pos', 'NEG' and 'neg': two classes, each with part of the
    texts), naming how many and the first pair with their places (``place(i)``; default ``labels[i]``). Case may
    be meant (a tag set), so the classes are kept."""
    place = place or (lambda i: f"{what}[{i}]")
    pairs = _clashes([label.casefold() for label in labels], labels)
    if pairs:
        j, i = next(iter(pairs.values()))
        warnings.warn(f"{what}: {len(pairs)} label(s) written in more than one case, e.g. {labels[j]!r} ({place(j)}) "
                      f"and {labels[i]!r} ({place(i)}): two classes (one class written two ways? write them alike)",
                      stacklevel=4)
