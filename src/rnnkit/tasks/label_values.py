"""A classifier's labels in the type they were given: ``fit(texts, [1, 0, ...]).predict(texts)`` gives ``[1, 0, ...]``.

A classifier keeps its classes as text (its label vocabulary, the run folder's vocab.json, the CLI's and the service's
output, the metrics). When the labels given to ``fit`` are all of ONE type among Python's ``int``, ``float`` and
``bool`` and numpy's integer, floating and bool scalars (a list of ints; a 1-D numpy array; a pandas Series --
``Int64`` and ``boolean`` columns give numpy scalars), :func:`label_type` names that type; ``predict`` maps each
class text back to a value of it (:func:`label_value`), as scikit-learn's predictions are of its ``classes_``' dtype.
A user's ``np.mean(np.array(pred) == y)`` was 0.0 while ``evaluate`` said 1.0, silently, and scikit-learn's
``accuracy_score(y, pred)`` raised 'Mix of label input types' (helper A's sweep, session 28).

The values are the labels' own type: a list of Python ints gives Python ints (what ``clf.predict(X).tolist()`` gives
in scikit-learn), a numpy ``int64`` array gives ``np.int64`` values (its ``predict(X)`` elements), ``np.float32``
labels ``np.float32`` values -- a float32 ``0.1`` read back as a Python float is ``0.1`` in float64, which no float32
label equals. Labels of other types (text, ``Decimal``, dates), or of two types (``[1, np.int64(0)]``, ``["pos",
1]``: :func:`~rnnkit.tasks.common.check_label_kinds` and the mixed-kinds warning say what they can) stay text.

The tagger does the same for its tags (:class:`LabelTypes` over every sentence's tags: HuggingFace's conll2003
``ner_tags`` are ints); the classifiers add :attr:`ClassifierLabelTypes.classes_`.

A run saves the type as ``"label_type"`` in config.json's ``"state"`` (only when there is one: a run of text labels,
and every run saved before, has none and predicts text); :func:`saved_label_type` verifies it on load.

>>> label_type([1, 0, 1], ["1", "0", "1"]), label_type(np.array([0.5, 2.0], np.float32), ["0.5", "2.0"])
('int', 'numpy.float32')
>>> label_type(["pos", "neg"], ["pos", "neg"]), label_type([1, np.int64(0)], ["1", "0"])
(None, None)
>>> label_values("bool", ["False", "True"]), label_values("numpy.int64", ["7"]), label_values(None, ["7"])
([False, True], [np.int64(7)], ['7'])
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar, Iterable, Iterator, Sequence

import numpy as np

from rnnkit.tasks.runs import run_file

__all__ = ["LabelTypes", "ClassifierLabelTypes", "label_type", "label_value", "label_values", "fitted_label_type", "replayable", "with_label_type",
           "saved_label_type",
           "STATE_KEY"]

#: The key of config.json's "state" that holds the labels' type.
STATE_KEY = "label_type"
_PYTHON = {"int": int, "float": float, "bool": bool}
_TRUTH = {"True": True, "False": False}


def _type_name(value: Any) -> str | None:
    """``"int"``, ``"float"``, ``"bool"`` (exactly those Python types), ``"numpy.<dtype>"`` for a numpy integer,
    floating or bool scalar, else ``None`` (``np.float64`` is a float subclass: its own numpy name)."""
    if type(value) in _PYTHON.values():
        return type(value).__name__
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return f"numpy.{value.dtype.name}"
    return None


def _numpy_type(name: str) -> type:
    """The numpy scalar type of ``"numpy.<dtype>"``; ValueError unless it is an integer, floating or bool one."""
    dtype = np.dtype(name[len("numpy."):]) if name.startswith("numpy.") else None
    if dtype is None or dtype.kind not in "biuf" or f"numpy.{dtype.name}" != name:
        raise ValueError(f"a label type among {sorted(_PYTHON)} or 'numpy.<int/uint/float/bool dtype>', got {name!r}")
    return dtype.type


def label_value(name: str, text: str) -> Any:
    """The class ``text`` (``str(value)`` of a label) as a value of the type ``name`` (:func:`label_type`'s); a
    ValueError when it does not read as one."""
    if not isinstance(text, str):
        raise ValueError(f"a class as text, got {type(text).__name__}")
    if name in ("bool", "numpy.bool"):
        if text not in _TRUTH:
            raise ValueError(f"a bool class 'True' or 'False', got {text!r}")
        return _TRUTH[text] if name == "bool" else np.bool_(_TRUTH[text])
    if name in _PYTHON:
        return _PYTHON[name](text)
    kind = _numpy_type(name)
    return kind(text)


def label_values(name: str | None, texts: Sequence[str]) -> list:
    """The classes ``texts`` as values of the type ``name`` (``None``: the texts)."""
    return list(texts) if name is None else [label_value(name, t) for t in texts]


def label_type(labels: Sequence[Any], texts: Sequence[str]) -> str | None:
    """The name of the one type of ``labels`` (read as ``texts`` by :func:`~rnnkit.tasks.common.check_labels`) when
    it is an int, float or bool type, Python's or numpy's, else ``None`` (the classes stay text). Each class must read
    back from its text as the label it was (``str`` of these types does: shortest round-trip digits); one that did not
    is warned and the classes stay text."""
    names = {_type_name(v) for v in labels}
    if len(names) != 1 or len(labels) != len(texts) or None in names:
        return None
    name = names.pop()
    for text, value in dict(zip(texts, labels)).items():
        try:
            back = label_value(name, text)
        except (ValueError, OverflowError):
            back = None
        if type(back) is not type(value) or not back == value:
            warnings.warn(f"labels: given as {name}, but the class {text!r} does not read back as {value!r}: "
                          "predictions are given as text", stacklevel=5)
            return None
    return name


def fitted_label_type(name: str | None, classes: Sequence[str]) -> str | None:
    """``name`` (the training labels' type) when every class of the fitted model reads as a value of it, else
    ``None`` with a warning: a class that only the validation labels had, given as another type (tsc's auto model
    builds its classes from both)."""
    try:
        label_values(name, classes)
    except (ValueError, OverflowError):
        bad = next(c for c in classes if not _reads(name, c))
        warnings.warn(f"labels: given as {name}, but the class {bad!r} (of the validation labels) is not one: "
                      "predictions are given as text", stacklevel=5)
        return None
    return name


def _reads(name: str, text: str) -> bool:
    try:
        label_value(name, text)
    except (ValueError, OverflowError):
        return False
    return True


def replayable(labels: Any) -> Any:
    """``labels`` as a list when it is a one-shot iterator (a generator): read once for their texts, then for their
    type; anything else as it is (its checks refuse a set, a dict, a str)."""
    return list(labels) if isinstance(labels, Iterator) else labels


def with_label_type(state: dict[str, Any], name: str | None) -> dict[str, Any]:
    """A task's saved ``state`` with the labels' type (none: unchanged, as runs of text labels were saved)."""
    return state if name is None else {**state, STATE_KEY: name}


def saved_label_type(run: dict[str, Any], classes: Iterable[str]) -> str | None:
    """The labels' type a loaded ``run`` saved (``None``: text; a run saved before session 28 has none), verified:
    a known type that every class reads as, or a CheckpointError naming config.json."""
    name = run["state"].get(STATE_KEY)
    if name is None:
        return None
    with run_file(run["path"] / "config.json", f"{STATE_KEY!r} in 'state': the labels' type, every class one of it"):
        if not isinstance(name, str):
            raise ValueError(f"{type(name).__name__} {name!r}")
        label_values(name, list(classes))
    return name


class LabelTypes:
    """The labels' type for a task with a closed label vocabulary (``label_vocab``: the attribute holding it, the
    classifiers' ``labels``, the tagger's ``tags``), as its first base; the task contract's hooks call these: the type
    of fit's labels taken when they are checked, kept when the fit ends, saved and restored with the run. The classes
    stay text (the vocabulary, the metrics); the task's ``predict`` maps them by :meth:`_label_values`."""

    label_vocab: ClassVar[str] = "labels"
    _given_type: str | None = None     # the type of the labels checked last (fit's, evaluate's, the validation ones')
    _fit_type: str | None = None       # the type of fit's training labels
    _typed: tuple | None = None        # (the labels vocabulary it was taken with, its type, the classes as values)

    def _given_labels(self, targets: Any) -> Iterable[Any]:
        """Every label of ``targets`` (as given, or as checked), in order: here the targets themselves."""
        return targets

    def check_targets(self, targets: Any, inputs: list, what: str) -> list:
        targets = replayable(targets)    # read twice: the labels' texts, then their type
        out = super().check_targets(targets, inputs, what)
        self._take_type(targets, out)
        return out

    def _take_type(self, targets: Any, checked: list) -> None:
        """The type of ``targets`` (checked as ``checked``: a task whose own check_targets is not this one's calls it)."""
        if str(getattr(targets, "dtype", "")).startswith("Sparse["):   # pandas' SparseArray / a sparse Series gives
            targets = np.asarray(targets)      # its stored values as numpy's, its fill value as Python's: one dtype
        self._given_type = label_type(list(self._given_labels(targets)), list(self._given_labels(checked)))

    def check_trainable(self, inputs: list, targets: list | None) -> None:
        super().check_trainable(inputs, targets)
        self._fit_type = self._given_type    # fit's labels: checked just before (the validation labels' come next)

    def _fit_ended(self) -> None:
        self._type_classes(fitted_label_type(self._fit_type, self._vocab().tokens))

    def _run_state(self) -> dict[str, Any]:
        return with_label_type(super()._run_state(), self.label_type)

    def _restored(self, run: dict[str, Any]) -> None:
        self._type_classes(saved_label_type(run, self._vocab().tokens))   # runs saved before session 28: none (text)

    def _vocab(self) -> Any:
        return getattr(self, self.label_vocab)

    def _type_classes(self, name: str | None) -> None:
        vocab = self._vocab()
        self._typed = (vocab, name, label_values(name, vocab.tokens))

    def _label_values(self) -> list:
        """The classes in the order of the vocabulary, as values of :attr:`label_type` (``None``: their text)."""
        return self._typed[2] if self.label_type is not None else list(self._vocab().tokens)

    @property
    def label_type(self) -> str | None:
        """The one type of the labels fit was given when it is Python's or numpy's int, float or bool (``"int"``,
        ``"numpy.int64"``, ``"bool"`` ...) -- ``predict`` gives values of it --, else ``None`` (text). Held with
        the labels vocabulary it was taken with: a refit's classes are text until that fit ends."""
        typed = self._typed
        return typed[1] if typed is not None and typed[0] is self._vocab() else None


class ClassifierLabelTypes(LabelTypes):
    """:class:`LabelTypes` of a classifier (:class:`~rnnkit.tasks.base.ClassifierTask`'s first base): :meth:`predict`
    and :attr:`classes_` in the labels' type; :attr:`classes` and :meth:`predict_texts` as text."""

    def given_targets(self, targets: Any) -> Any:
        """A one-shot iterator of labels read once into a list: checked, then against the trained spelling (evaluate's
        check_known, fit's validation labels); the check of a generator consumed it and the spelling check saw none."""
        return replayable(targets)

    @property
    def classes_(self) -> np.ndarray:
        """:attr:`classes` as the labels fit was given: an array of their type (:attr:`label_type`; text: of str), as
        scikit-learn's ``classes_`` -- ``classes_[predict_proba(X).argmax(1)]`` are :meth:`predict`'s values. Python
        ints that no numpy int type holds together (``3`` and ``2**63 + 5``; ``-1`` and ``2**63``) are an object array
        of those ints: numpy made them float64, 2**63 + 5 and 2**63 + 6 one value, neither what predict gives."""
        self._require_fitted()
        values = self._label_values()
        out = np.asarray(values)
        return np.array(values, dtype=object) if self.label_type == "int" and out.dtype.kind == "f" else out

    def predict(self, inputs: Any) -> list:
        """The most probable label of each input, in input order: in the labels' type when fit's were all of one int,
        float or bool type (``[1, 0]`` for labels ``[1, 0]``: :attr:`label_type`), else as text."""
        best = self.predict_proba(inputs).argmax(1)
        values = self._label_values()
        return [values[i] for i in best]

    def predict_texts(self, inputs: Any) -> list[str]:
        """:meth:`predict` as the classes' text (what :meth:`score` compares with the labels checked)."""
        return [self.labels.tokens[i] for i in self.predict_proba(inputs).argmax(1)]
