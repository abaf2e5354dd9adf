"""What a list of labels cannot be: containers that ``list()`` reads without error but not as one label per item, in
order (:func:`rnnkit.tasks.common.check_labels` refuses them)."""

from __future__ import annotations

from typing import Any, Mapping

__all__ = ["unordered_labels"]


def unordered_labels(labels: Any) -> str:
    """Why ``labels`` is no sequence of labels, or ``""``: a dict (iterating it gives its KEYS: ``{text: label}``
    trained every text as a class of its own), a set (its order is the hash's, not the items'), a DataFrame (its
    column names). scikit-learn refuses the first two ('y should be a 1d array').

    >>> unordered_labels(["pos"]), unordered_labels({"pos", "neg"})
    ('', 'a set (unordered: the labels would not follow the items)')
    """
    if isinstance(labels, Mapping):
        return "a dict (its keys would be read as the labels; pass list(d.values()) in the items' order)"
    if isinstance(labels, (set, frozenset)):
        return f"a {type(labels).__name__} (unordered: the labels would not follow the items)"
    if type(labels).__name__ == "DataFrame":
        return "a DataFrame (its column names would be read as the labels; pass its column: df['label'])"
    return ""
