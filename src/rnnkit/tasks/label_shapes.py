"""What a list of labels cannot be: containers that ``list()`` reads without error but not as one label per item, in
order (:func:`rnnkit.tasks.common.check_labels` refuses them); and what the metrics of :mod:`rnnkit.tasks.common` refuse
in truth and predictions: items that are no label (a list, a 2-D array's row) and predictions of another kind than the
truth (class numbers against class names: never equal, every item scored wrong, silently).

>>> one_kind(["pos", "neg"], [0, 1])  # doctest: +ELLIPSIS
Traceback (most recent call last):
rnnkit.errors.DataError: y_pred[0]: expected labels of the kind of y_true (text), got int 0 (text and numbers ...
>>> ordered({"b", 1, "a"})
[1, 'a', 'b']
"""

from __future__ import annotations

import cmath
import decimal
import math
import numbers
from typing import Any, Hashable, Mapping, Sequence

import numpy as np

from rnnkit._arrays import no_plain_values
from rnnkit.errors import DataError, InputTypeError

__all__ = ["is_missing", "unordered_labels", "no_list_items", "label_list", "label_items", "distinct_labels", "one_kind", "ordered"]


def is_missing(value: Any) -> bool:
    """Whether ``value`` is a missing value as pandas and numpy write one: ``None``, NaN, ``pd.NA``, ``NaT``, numpy's
    ``NaT`` (a datetime64 array's item) and a complex or Decimal NaN (each never equals itself: scored wrong)."""
    return (value is None or type(value).__name__ in ("NAType", "NaTType")
            or (isinstance(value, (float, np.floating)) and math.isnan(value))
            or (isinstance(value, (np.datetime64, np.timedelta64)) and bool(np.isnat(value)))
            or (isinstance(value, (complex, np.complexfloating)) and cmath.isnan(value))
            or (isinstance(value, decimal.Decimal) and value.is_nan()))


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


def no_list_items(name: str, values: Sequence[Any]) -> None:
    """An InputTypeError naming the first item of ``values`` that is no label: a list or a 2-D array's row (the metrics
    failed with numpy's 'truth value of an array ... is ambiguous' or set()'s 'unhashable type')."""
    if (bad := next((i for i, v in enumerate(values) if not isinstance(v, Hashable)), None)) is not None:
        raise InputTypeError(f"{name}[{bad}]: expected a label (a str or a number), got {type(values[bad]).__name__}")
    # pandas' NA (a "string" column's missing cell): every comparison with it was a bare 'boolean value of NA is ambiguous'
    if (bad := next((i for i, v in enumerate(values) if type(v).__name__ == "NAType"), None)) is not None:
        raise InputTypeError(f"{name}[{bad}]: expected a label (a str or a number), got pandas' NA (a missing label: "
                             "drop the item or fill it)")
    # None, NaN, NaT (a masked array's item: None) never equal a label: each was scored as a wrong prediction, silently
    # (scikit-learn refuses NaN: 'Input contains NaN'); pandas' NA is named above
    if (bad := next((i for i, v in enumerate(values) if is_missing(v)), None)) is not None:
        raise DataError(f"{name}[{bad}]: expected a label, got a missing value ({values[bad]!r}): drop the item or "
                        "fill it (it was scored as a wrong prediction)")


def label_list(name: str, values: Any) -> list:
    """``values`` (a sequence of labels, the argument ``name``) as a list: a torch tensor's or a numeric or text numpy
    array's items as Python scalars (``tolist``: a tensor's 0-d items summed as float32), any other numpy array's item
    by item -- ``tolist`` of a datetime64[ns] array gives int nanoseconds, which never equal the Timestamps of the other
    side (a perfect score read 0.0). A tensor or matrix that holds no plain values (sparse, meta, quantized, nested;
    scipy's sparse matrices, numpy's structured records) is an InputTypeError naming ``name``: torch's bare
    RuntimeError / NotImplementedError before, and a scipy matrix was read as its rows."""
    module = type(values).__module__.split(".")[0]
    if (odd := no_plain_values(values)):
        raise InputTypeError(f"{name}: expected a 1-D list, array or dense tensor of labels, got {odd}")
    if module in ("numpy", "torch") and values.ndim > 1 and len(values):   # a (N, 1) tensor's rows passed as labels
        raise InputTypeError(f"{name}[0]: expected a label (a str or a number), got {type(values[0]).__name__}")
    if module == "torch" or module == "numpy" and values.dtype.kind in "biufcUS":
        return values.tolist()
    return list(values)


def label_items(name: str, labels: Any) -> list:
    """``list(labels)`` for a task's labels (:func:`~rnnkit.tasks.common.check_labels`), or an InputTypeError naming
    ``name``: a numpy structured array's records were classes named '(1, 2)', silently; a torch tensor's 0-d items
    were refused as 'got Tensor ... (one label per item)', which it was (its labels: ``.tolist()``); a sparse, meta,
    quantized or nested tensor or a scipy sparse matrix as :func:`label_list` says."""
    module = type(labels).__module__.split(".")[0]
    if module == "numpy" and getattr(labels, "ndim", 1) == 0:   # iterable by type, yet list() is a bare TypeError
        raise InputTypeError(f"{name}: expected a list of labels, got a 0-d numpy array {labels!r:.60}")
    odd = no_plain_values(labels)
    if module == "torch":    # the labels' type is taken from the items as given: a tensor's are 0-d tensors
        got = f"{odd}, then .tolist()" if odd else f"a torch {type(labels).__name__}; pass {name}.tolist()"
        raise InputTypeError(f"{name}: expected a list or a 1-D numpy array of labels, got {got}")
    if odd:
        raise InputTypeError(f"{name}: expected a list or a 1-D array of labels, got {odd}")
    return list(labels)


def distinct_labels(labels: Any) -> list:
    """``labels`` given for a macro mean as a list, each once and at least one: a label given twice was averaged twice
    and none gave 0.0, silently (confusion_matrix refuses the first; scikit-learn's f1_score both)."""
    labels = list(labels)
    if not labels:
        raise DataError("labels: expected at least one label, got none")
    no_list_items("labels", labels)     # set()'s bare 'unhashable type' otherwise
    if len(set(labels)) != len(labels):
        raise DataError(f"labels: expected each label once, got {labels}")
    return labels


_DECODE = ("(bytes never equal text or numbers: every such item was scored wrong; decode them first: "
           "[v.decode() for v in labels])")


def _kind(label: Any) -> str | None:
    """``"text"``, ``"bytes"``, ``"number"`` (bools too) or ``None`` (a missing value, anything else: not compared)."""
    if isinstance(label, str):
        return "text"
    if isinstance(label, bytes):     # b'pos' never equals 'pos': scored 0.0 against text, silently
        return "bytes"
    return "number" if isinstance(label, numbers.Number) and label == label else None   # NaN: missing


def one_kind(y_true: Sequence[Any], y_pred: Sequence[Any]) -> None:
    """A DataError naming the first prediction that is text where every true label is a number, or a number where
    they are text, or bytes (``b'pos'``) where they are text or the reverse: the two never compare equal, so accuracy
    was 0.0 (scikit-learn refuses: 'Mix of label input types'); and bytes beside text in one side (two labels for one
    class name, silently)."""
    for name, side in (("y_true", y_true), ("y_pred", y_pred)):
        kinds = [_kind(v) for v in side]
        if "bytes" in kinds and "text" in kinds:
            i = kinds.index("bytes")
            raise DataError(f"{name}[{i}]: expected labels of one kind, got bytes {side[i]!r} beside text labels "
                            f"{_DECODE}")
    kinds = {_kind(a) for a in y_true} - {None}
    odd = next((i for i, b in enumerate(y_pred) if _kind(b) not in kinds | {None}), None) if kinds else None
    if odd is not None:
        hint = (_DECODE[1:-1] if "bytes" in kinds | {_kind(y_pred[odd])} else
                "text and numbers never compare equal: every such item was scored wrong; give both sides as class names")
        raise DataError(f"y_pred[{odd}]: expected labels of the kind of y_true ({' or '.join(sorted(kinds))}), got "
                        f"{type(y_pred[odd]).__name__} {y_pred[odd]!r} ({hint})")


def ordered(labels: set) -> list:
    """``sorted(labels)``; labels that do not order (``'a'`` and ``1``: sorted()'s TypeError) by kind, then text."""
    try:
        return sorted(labels)
    except TypeError:
        return sorted(labels, key=lambda v: (type(v).__name__, str(v)))
