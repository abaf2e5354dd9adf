"""What the tasks share: metrics, input checks, the recurrent encoder with masked pooling.

Metrics (plain Python, checked against hand-computed cases in the tests):

>>> accuracy(["a", "b", "b"], ["a", "b", "a"])
0.6666666666666666
>>> confusion_matrix(["a", "b", "b"], ["a", "b", "a"], labels=["a", "b"])
[[1, 0], [1, 1]]
>>> sorted(bio_spans(["B-per", "I-per", "O", "I-loc"]))
[('loc', 3, 4), ('per', 0, 2)]

Gold labels that training never saw are scored as errors and counted, never refused:

>>> m = classification_metrics(["a", "z", "z"], ["a", "a", "b"], labels=["a", "b"])
>>> m["accuracy"], m["unseen_labels"], m["unseen_label_names"], m["labels"]
(0.3333333333333333, 2, ['z'], ['a', 'b', 'z'])

The run folder lives in :mod:`rnnkit.tasks.runs` and the task contract in :mod:`rnnkit.tasks.base`;
the names below re-export the run-folder helpers for older imports.
"""

from __future__ import annotations

import copy
import math
import time
from decimal import Decimal
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit.data.db_null import DB_NULL, DB_NULL_HINT, is_db_null
from rnnkit.data.text import _one_spelling_per_number, exact_number
from rnnkit._validate import check_bool, check_choice, check_keys_as_text, check_no_nul, check_number, \
    check_unicode
from rnnkit.errors import ConfigError, DataError, InputTypeError
from rnnkit.layers.registry import make_layer
from rnnkit.data.label_text import differ_by as _differ_by, invisible_only, label_spelling
from rnnkit.tasks.config_checks import CELLS, POOLINGS, check_training  # noqa: F401 - re-exported (older imports)
from rnnkit.tasks.label_shapes import (distinct_labels, is_missing, label_items, label_list, no_list_items, one_kind,
                                       ordered, unordered_labels)
from rnnkit.training.callbacks import MetricLogger
from rnnkit.tasks.runs import (  # noqa: F401 - re-exported for older imports
    BASELINE_FILES, RUN_FILES, RUN_SCHEMA, config_from_dict, load_run, load_weights, run_file, run_vocab, save_run,
    task_config,
)

__all__ = [
    "accuracy", "confusion_matrix", "macro_f1", "bio_spans", "entity_prf", "classification_metrics", "unseen_report",
    "check_texts", "item_at", "check_items", "check_labels", "check_two_classes", "check_label_kinds",
    "one_spelling_per_label",
    "check_choice",
    "check_bool", "check_number", "check_training", "is_missing", "missing_hint", "PANDAS_NA",
    "budget_left", "check_mode_settings",
    "SequenceEncoder", "masked_pool", "task_layer", "POOLINGS", "CELLS",
    "save_run", "load_run", "load_weights", "task_config", "RUN_SCHEMA", "config_from_dict", "run_file", "run_vocab",
    "RUN_FILES", "BASELINE_FILES",
]


def check_mode_settings(cfg: Any, rules: dict[str, tuple[str, Any]]) -> None:
    """``rules``: setting -> ``(mode, value)``, the one value of another setting under which it acts. A
    setting changed from its dataclass default while ``mode`` has another value would be dropped silently:
    a ConfigError naming it. Tasks call this when a fit starts, not in the config, so a run saved with
    such a pair still loads."""
    import dataclasses

    defaults = {f.name: f.default for f in dataclasses.fields(cfg)}
    for name, (mode, value) in rules.items():
        if getattr(cfg, mode) != value and getattr(cfg, name) != defaults[name]:
            raise ConfigError(f"{name}: applies to {mode}={value!r} only, expected the default {defaults[name]!r} "
                              f"with {mode}={getattr(cfg, mode)!r}, got {getattr(cfg, name)!r}")


def budget_left(start: float, max_seconds: float | None) -> float | None:
    """What is left of the wall-clock budget ``max_seconds`` of a fit that began at ``start`` (a
    ``time.perf_counter()`` value, before vocabularies and encoding), for the Trainer's per-step
    ``TimeBudget``. It first pays the one-off import that the first optimizer construction of a process
    triggers (``torch._dynamo``, 2-3 CPU-seconds), so that it counts against the budget instead of running
    outside it. ``None``: no budget."""
    if max_seconds is None:
        return None
    torch.optim.AdamW([torch.zeros(1, requires_grad=True)])
    return max(float(max_seconds) - (time.perf_counter() - start), 1e-3)


def task_layer(cell: str, input_size: int, hidden_size: int, choices: Sequence[str] = CELLS,
               **kwargs: Any) -> nn.Module:
    """The batch-first layer ``cell`` (one of ``choices``) from the one layer registry
    (:func:`rnnkit.layers.registry.make_layer`), or a ConfigError naming ``cell``."""
    check_choice("cell", cell, choices)
    return make_layer(cell, input_size, hidden_size, batch_first=True, **kwargs)


# ----------------------------------------------------------------------------- metrics
def check_items(name: str, values: Any, noun: str = "labels") -> Sequence[Any]:
    """``values`` unless it is a str (a metric iterated it as one label per character, silently): an
    InputTypeError "NAME: expected a list of NOUN, got a str ..."."""
    if isinstance(values, str):
        raise InputTypeError(f"{name}: expected a list of {noun}, got a str {values[:20]!r}")
    if unordered_labels(values):    # a set was scored in hash order, a dict's keys against the values, silently
        raise InputTypeError(f"{name}: expected a list of {noun} (one per item, in order), got "
                             f"{unordered_labels(values)}")
    if isinstance(values, Iterator):     # a generator: read once, here (bio_spans and labels= took one before)
        return list(values)
    if not hasattr(values, "__len__") or getattr(values, "ndim", 1) == 0:   # None, 3, a 0-d array: len()'s bare error
        raise InputTypeError(f"{name}: expected a list of {noun}, got {type(values).__name__}")
    return values


def _listed(name: str, values: Any) -> list[Any]:
    """``values`` checked (:func:`check_items`) as a list; a 1-D numpy array's or torch tensor's items as Python
    scalars (a tensor's 0-d items summed as float32: accuracy 2/3 was 0.6666666865), a 2-D one's rows refused (a
    (N, 1) tensor's rows passed as labels, being hashable, and accuracy returned a tensor)."""
    return label_list(name, check_items(name, values))   # datetime64[ns] items stay dates; a sparse tensor refused


def _paired(y_true: Any, y_pred: Any) -> tuple[list[Any], list[Any]]:
    """Truth and predictions as lists of one length (a numpy array or Series read in order: ``not y_true`` was
    numpy's 'truth value of an array is ambiguous'). A pair that reads the same but compares unequal (``1`` and
    ``'1'``: a task predicts class names as text) is a DataError naming it -- every such item was scored wrong,
    silently (accuracy 0.0 for a perfect prediction)."""
    y_true, y_pred = _listed("y_true", y_true), _listed("y_pred", y_pred)   # d.values() too
    if len(y_true) != len(y_pred):   # zip scored the common prefix only, silently
        raise DataError(f"y_pred: expected {len(y_true)} predictions (one per true label), got {len(y_pred)}")
    no_list_items("y_true", y_true), no_list_items("y_pred", y_pred)
    for i, (a, b) in enumerate(zip(y_true, y_pred)):
        if type(a) is not type(b) and a != b and str(a) == str(b):
            raise DataError(f"y_pred[{i}]: expected labels of the type of y_true ({type(a).__name__} {a!r}), got "
                            f"{type(b).__name__} {b!r} (they never compare equal; convert one side, e.g. "
                            "[str(v) for v in y_true])")
    one_kind(y_true, y_pred)
    return list(y_true), list(y_pred)


def accuracy(y_true: Sequence[Any], y_pred: Sequence[Any]) -> float:
    """Share of positions where the prediction equals the truth."""
    y_true, y_pred = _paired(y_true, y_pred)
    if not y_true:
        raise DataError("y_true: expected at least one label, got none")
    return sum(a == b for a, b in zip(y_true, y_pred)) / len(y_true)


def confusion_matrix(y_true: Sequence[Any], y_pred: Sequence[Any], labels: Sequence[Any]) -> list[list[int]]:
    """``m[i][j]`` = how many items of true class ``labels[i]`` were predicted as ``labels[j]``."""
    y_true, y_pred = _paired(y_true, y_pred)
    labels = check_items("labels", labels)
    idx = {lab: i for i, lab in enumerate(labels)}
    if len(idx) != len(labels):    # a label twice: an all-zero row and column, silently
        raise DataError(f"labels: expected each label once, got {list(labels)}")
    m = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred):
        if t not in idx or p not in idx:
            raise DataError(f"labels: expected every label in {list(labels)}, got {t if t not in idx else p!r}")
        m[idx[t]][idx[p]] += 1
    return m


def macro_f1(y_true: Sequence[Any], y_pred: Sequence[Any], labels: Sequence[Any] | None = None) -> float:
    """Unweighted mean of per-class F1 over ``labels`` (default: every label in truth or prediction);
    a class with no true and no predicted item is left out, an F1 with a zero denominator is 0."""
    y_true, y_pred = _paired(y_true, y_pred)
    if not y_true:   # 0.0 for nothing scored, where accuracy and scikit-learn's f1_score refuse it
        raise DataError("y_true: expected at least one label, got none")
    # a str was read as one label per character, silently (confusion_matrix refused it)
    labels = ordered(set(y_true) | set(y_pred)) if labels is None else distinct_labels(check_items("labels", labels))
    f1s = []
    for lab in labels:
        tp = sum(t == lab and p == lab for t, p in zip(y_true, y_pred))
        fp = sum(t != lab and p == lab for t, p in zip(y_true, y_pred))
        fn = sum(t == lab and p != lab for t, p in zip(y_true, y_pred))
        if tp + fp + fn == 0:
            continue
        f1s.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s)) if f1s else 0.0


def unseen_report(gold: Iterable[Any], known: Iterable[Any]) -> dict[str, Any]:
    """How many gold items carry a label outside ``known`` (never seen in training) and which labels:
    ``{"unseen_labels": count, "unseen_label_names": [first 20, sorted]}``."""
    known = set(known)
    counts: dict[Any, int] = {}
    for g in gold:
        if g not in known:
            counts[g] = counts.get(g, 0) + 1
    return {"unseen_labels": sum(counts.values()), "unseen_label_names": ordered(set(counts))[:20]}


def classification_metrics(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """accuracy, macro_f1 and the confusion matrix (rows: truth, columns: prediction, in ``labels`` order).

    ``labels`` are the classes the model knows; a gold label outside them (unseen in training) is scored
    as an error: it gets its own row and column at the end of ``"labels"``, an F1 of 0 in the macro
    mean, and is counted in ``"unseen_labels"`` (:func:`unseen_report`). A *predicted* label outside
    ``labels`` is a DataError (a prediction can only be a known class)."""
    y_true, _ = _paired(y_true, y_pred)
    no_list_items("labels", labels := check_items("labels", labels))     # a str: one class per character, silently
    report = unseen_report(y_true, labels)
    labels = list(labels) + ordered(set(y_true) - set(labels))
    return {"accuracy": accuracy(y_true, y_pred), "macro_f1": macro_f1(y_true, y_pred, labels),
            "confusion_matrix": confusion_matrix(y_true, y_pred, labels), "labels": labels, **report}


def bio_spans(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    """Entities ``(type, start, end)`` (end exclusive) in a BIO (or IOB1) tag sequence, as conlleval
    reads them: ``B-X`` starts an entity; ``I-X`` continues an entity of type X or starts a new one
    after ``O``/another type; ``O`` or any other tag ends it. IOBES (BIOES) tags are read as seqeval's default
    mode reads them: ``S-X`` is an entity of its own, ``E-X`` ends one (continuing a ``B-X``/``I-X`` of its
    type, else an entity of its own). BIO sequences read as before; IOBES ones had no entities at all.

    >>> sorted(bio_spans(["B-per", "E-per", "S-loc", "O", "E-org"]))
    [('loc', 2, 3), ('org', 4, 5), ('per', 0, 2)]
    """
    spans = set()
    prev, cur_type, start = "O", None, 0
    for i, tag in enumerate(list(check_items("tags", tags, "tags")) + ["O"]):
        if not isinstance(tag, str):   # None (a missing tag) or a number was a bare AttributeError ('partition')
            raise InputTypeError(f"tags[{i}]: expected a str tag, got {type(tag).__name__} {tag!r}")
        prefix, _, typ = tag.partition("-")
        if prefix not in ("B", "I", "E", "S") or not typ:
            prefix, typ = "O", None
        continues = prefix in ("I", "E") and typ == cur_type and prev in ("B", "I")
        if cur_type is not None and not continues:
            spans.add((cur_type, start, i))
            cur_type = None
        if prefix != "O" and not continues:
            cur_type, start = typ, i
        if prefix in ("E", "S") and cur_type is not None:   # the entity ends here
            spans.add((cur_type, start, i + 1))
            cur_type = None
        prev = prefix
    return spans


def entity_prf(true_seqs: Sequence[Sequence[str]], pred_seqs: Sequence[Sequence[str]]) -> dict[str, float]:
    """Entity-level micro precision, recall and F1 over sentences (exact span and type match)."""
    true_seqs, pred_seqs = check_items("true_seqs", true_seqs, "tag lists"), check_items("pred_seqs", pred_seqs,
                                                                                         "tag lists")
    if len(true_seqs) != len(pred_seqs):   # zip scored the common prefix of sentences only, silently
        raise DataError(f"pred_seqs: expected one tag list per sentence ({len(true_seqs)}), got {len(pred_seqs)}")
    tp = n_pred = n_true = 0
    for i, (t, p) in enumerate(zip(true_seqs, pred_seqs)):     # a sentence None or 3: len()'s bare TypeError
        t, p = check_items(f"true_seqs[{i}]", t, "tags"), check_items(f"pred_seqs[{i}]", p, "tags")
        if len(t) != len(p):
            raise DataError(f"pred_seqs: expected a tag per token ({len(t)}), got {len(p)}")
        ts, ps = bio_spans(t), bio_spans(p)
        tp += len(ts & ps)
        n_pred += len(ps)
        n_true += len(ts)
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_true if n_true else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"entity_precision": prec, "entity_recall": rec, "entity_f1": f1}


#: Why a text or label may be a missing value the user never wrote, for messages.
PANDAS_NA = "pandas reads the words 'NA', 'None', 'null', 'nan' as missing unless keep_default_na=False"


def missing_hint(value: Any) -> str:
    """`` (PANDAS_NA)`` for a NaN (what pandas makes of those words), else ``""``."""
    return f" ({PANDAS_NA})" if isinstance(value, (float, np.floating)) and math.isnan(value) else ""


def item_at(what: str, i: int, places: Sequence[str] | None = None, rest: str = "", token: int | None = None) -> str:
    """How a message names item ``i`` of ``what`` (``rest``: a deeper index, ``[2]``): ``texts[3]``, and where the
    item was in the file read when ``places`` (one name per item, :meth:`Task.fit`'s ``places``) is given; ``token``:
    where that token of the item is, where the place knows (a CoNLL sentence's ``SentencePlace``), else the item's.

    >>> item_at("texts", 1), item_at("tags", 1, ["line 2", "line 9"], "[0]")
    ('texts[1]', 'tags[1][0] (line 9)')
    """
    where = None if places is None else places[i]
    if token is not None and hasattr(where, "token_place"):
        where = where.token_place(token)
    return f"{what}[{i}]{rest}" + (f" ({where})" if where is not None else "")


def check_texts(texts: Any, what: str = "texts", blank: bool = False, places: Sequence[str] | None = None) -> list[str]:
    """A non-empty list/tuple of non-blank strings that encode as UTF-8 and hold no NUL, returned as a list; typed
    errors otherwise (a lone surrogate trained a model whose vocabulary then failed to save). ``blank``: white
    space alone is a text too (a prompt of one newline), only ``""`` is none. A 1-D numpy array or a pandas
    Series is read in its order (positions, not a Series' index, name an item in errors), as labels are.

    >>> check_texts(np.array(["a b", "c"]))
    ['a b', 'c']
    """
    if isinstance(texts, np.ndarray) and texts.ndim == 1:
        texts = texts.tolist()                              # np.str_ -> str; other dtypes fail per item below
    elif type(texts).__name__ == "Series" and getattr(texts, "ndim", None) == 1:
        texts = list(texts)                                 # the values in order (a Series' [i] reads its index)
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise InputTypeError(f"{what}: expected a list of strings, got {type(texts).__name__}")
    if not texts:
        raise DataError(f"{what}: expected at least one text, got none")
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InputTypeError(f"{item_at(what, i, places)}: expected a str, got "     # a Series' None is NaN
                                 f"{f'a missing value ({t!r})' if is_missing(t) else type(t).__name__}")
        if not (t if blank else t.strip()):
            raise DataError(f"{item_at(what, i, places)}: expected a non-empty text, got {t!r}")
        if is_db_null(t) and not blank:      # a dump's NULL was trained on as a text (blank: a prompt, as typed)
            raise DataError(f"{item_at(what, i, places)}: expected a text, got '{DB_NULL}', {DB_NULL_HINT}")
        check_no_nul(t, item_at(what, i, places))      # as a file (--input) and the service refuse it
        check_unicode(t, item_at(what, i, places))
    return list(texts)


def check_two_classes(labels: Iterable[str], what: str = "labels") -> None:
    """The one rule of every classifier that trains: at least two classes among ``labels`` (the network
    classifiers' :meth:`~rnnkit.tasks.base.ClassifierTask.check_trainable` and the TF-IDF models fitted alone).

    >>> check_two_classes(["pos", "pos"])
    Traceback (most recent call last):
    rnnkit.errors.DataError: labels: expected at least 2 classes, got ['pos']
    """
    classes = set(labels)
    if len(classes) < 2:
        raise DataError(f"{what}: expected at least 2 classes, got {sorted(classes)}")


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_labels(labels: Any, what: str = "labels", places: Sequence[str] | None = None) -> list[str]:
    """The labels as strings; a missing one (``None``, NaN, ``pd.NA``, a string of white space or invisible characters
    alone: :func:`~rnnkit.data.label_text.invisible_only`) or one holding a NUL is a
    DataError naming its position instead of becoming a class called "None" or "nan", and so are two labels of
    different types that read as one (``0`` and ``"0"``: one class, silently). ``places``: where each label
    was in the file read, for the messages (:func:`item_at`).

    >>> check_labels(["pos", 1])
    ['pos', '1']
    >>> check_labels(["pos", float("nan")], "y")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.errors.DataError: y[1]: expected a label, got a missing value (nan) (pandas reads the words 'NA', ...)
    """
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
        raise InputTypeError(f"{what}: expected a list of labels, got {type(labels).__name__}")
    unordered = unordered_labels(labels)    # list() read a dict's keys, a set in hash order, a frame's column names
    if unordered:
        raise InputTypeError(f"{what}: expected a list of labels (one per item, in order), got {unordered}")
    labels = label_items(what, labels)     # a structured array's records were classes '(1, 2)'; a tensor's 0-d items
    out = []
    for i, lab in enumerate(labels):
        if not isinstance(lab, str) and isinstance(lab, Iterable):   # str() made ['pos'] a class "['pos']"
            raise InputTypeError(f"{item_at(what, i, places)}: expected a label (a str or a number), got "
                                 f"{type(lab).__name__} {str(lab)[:40]!r} (one label per item)")
        if is_missing(lab) or (isinstance(lab, str) and invisible_only(lab)):   # '\u200b' was an invisible class
            unseen = " (invisible characters alone)" if isinstance(lab, str) and lab.strip() else ""
            raise DataError(f"{item_at(what, i, places)}: expected a label, got a missing value ({lab!r})"
                            f"{missing_hint(lab) or unseen}")
        if is_db_null(lab):     # a dump's NULL was a class of its own, silently
            raise DataError(f"{item_at(what, i, places)}: expected a label, got a missing value ('{DB_NULL}', "
                            f"{DB_NULL_HINT})")
        lab = str(lab)
        if "\0" in lab or not _encodes(lab):     # the label's name is made for the error only
            check_no_nul(lab, item_at(what, i, places))   # 'pos\0' was a class of its own (a file: refused)
            check_unicode(lab, item_at(what, i, places))
        out.append(lab)
    check_label_kinds(labels, out, what)
    one_spelling_per_label(out, what, lambda i: item_at(what, i, places))
    _one_spelling_per_number(out, what, lambda i: item_at(what, i, places))   # '1' and 1.0: two classes, silently
    return out


def one_spelling_per_label(texts: Sequence[str], what: str, place=None) -> None:
    """A DataError for two labels that differ only by spaces around them ('pos' and 'pos '), by Unicode
    composition (NFC 'café' and NFD 'cafe' + U+0301, one text on screen) or by invisible characters ('pos' and
    'pos' + U+200B, :mod:`rnnkit.data.label_text`): two classes, silently, where a CSV column (whose labels are
    stripped when read) gave one. ``place(i)`` names where label ``i`` is (default ``what[i]``)."""
    place = place or (lambda i: f"{what}[{i}]")
    first: dict[str, tuple[str, int]] = {}
    for i, text in enumerate(texts):
        a, j = first.setdefault(label_spelling(text), (text, i))
        if a != text:
            raise DataError(f"{what}: expected each label written one way, got {a!r} ({place(j)}) and {text!r} "
                            f"({place(i)}), which differ only by {_differ_by(a, text)}: one label on screen, two "
                            f"to scikit-learn, which compares code points; rnnkit does not guess which -- strip "
                            f"them (and normalise to NFC; remove invisible and control characters) for one label, or "
                            f"rename one for two")


def check_label_spelling(labels: Sequence[Any], texts: Sequence[str], known: Iterable[str], what: str = "labels",
                         places: Sequence[str] | None = None) -> None:
    """A DataError for a numeric label whose text is no class of ``known`` while a class reads as the same
    number: training's ``1`` (class ``'1'``) scored against ``1.0`` (``'1.0'``) was an unseen class and an
    error every time, silently (accuracy 0 with integer-valued floats from pandas); so is a label read as text
    that writes a class's whole number in the other form (``'1'`` against ``'1.0'``; codes such as ``'01'`` stay
    labels of their own).

    >>> check_label_spelling([1.0], ["1.0"], ["1", "2"], "y")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.errors.DataError: y[0]: expected a label as training wrote it, got 1.0 (float) read as '1.0', ...
    """
    classes = list(known)             # in the given order: the message names the first class of a number
    known = set(classes)
    exact: dict = {}                  # {Decimal: class}: an int label is compared exactly (2**53 + 1, 10**400)
    near: dict[float, str] = {}       # {float: class}: a float label as a float (0.1 is the class '0.10')
    for k in classes:
        value = exact_number(k)
        if value is not None:
            exact.setdefault(value, k)
            if math.isfinite(float(value)):
                near.setdefault(float(value), k)
    spaced = {label_spelling(k): k for k in classes}
    truth = {v: k for k, v in (("True", 1), ("False", 0)) if k in known}   # the classes of bool labels
    for i, (lab, text) in enumerate(zip(labels, texts)):
        if text in known:
            continue
        if isinstance(lab, (bool, np.bool_)) or (isinstance(lab, (int, float, np.integer, np.floating))
                                                  and lab in truth):
            # True == 1 in Python and numpy (scikit-learn scores [True] against [1] right): True against training's
            # 1 (or 1 against training's True) was an unseen label, scored wrong every time (accuracy 0.0), silently
            same = truth.get(lab) if lab in truth else exact.get(Decimal(int(lab)))
            if same is not None:
                raise DataError(f"{item_at(what, i, places)}: expected a label as training wrote it, got {lab!r} "
                                f"({type(lab).__name__}) read as {text!r}, while the class {same!r} is the same value; "
                                "convert them first")
            continue
        # a file's '1' against training's '1.0' (pandas wrote that column as floats): the int and float forms of
        # one number, refused within one file (read_csv_texts), were an unseen label across two, silently
        if isinstance(lab, str) and (twin := exact.get(exact_number(text))) is not None:
            _one_spelling_per_number([twin, text], what, lambda j: "a class of training" if j == 0
                                     else item_at(what, i, places))
        if (twin := spaced.get(label_spelling(text))) not in (None, text):   # 'pos ' against the class 'pos': unseen
            raise DataError(f"{item_at(what, i, places)}: expected a label as training wrote it, got {text!r}, while "
                            f"the class {twin!r} differs only by {_differ_by(twin, text, 'it')}; strip them first "
                            f"(and normalise to NFC; remove invisible and control characters)")
        if isinstance(lab, (int, np.integer)):
            same = exact.get(Decimal(int(lab)))
        elif isinstance(lab, (float, np.floating)) and math.isfinite(lab):
            same = near.get(float(lab))
        else:   # text, complex (float() dropped the imaginary part), NaN and infinities
            continue
        if same is not None:
            raise DataError(f"{item_at(what, i, places)}: expected a label as training wrote it, got {lab!r} "
                            f"({type(lab).__name__}) "
                            f"read as {text!r}, while the class {same!r} is the same number; convert them first")


def check_label_kinds(labels: Sequence[Any], texts: Sequence[str], what: str = "labels") -> None:
    """A DataError unless the labels ``labels`` (read as ``texts``) are one label per text: ``0`` and
    ``"0"`` would become one class silently (:func:`~rnnkit._validate.check_keys_as_text`), and ``1``,
    ``1.0`` and ``True`` (one value in Python) two or three classes ("1", "1.0", "True").

    >>> check_label_kinds([1, 0, 1.0], ["1", "0", "1.0"], "y")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.errors.DataError: y: expected labels of one type (labels are kept as text), got 1 (int) and 1.0 (float), ...
    """
    check_keys_as_text(labels, texts, what, "label")     # 0 and "0" would become one class
    first: dict[Any, tuple[Any, str]] = {}
    for lab, text in zip(labels, texts):
        if isinstance(lab, (str, bytes)) or not isinstance(lab, (int, float, np.number, np.bool_)):
            continue
        a, text_a = first.setdefault(lab, (lab, text))   # 1 == 1.0 == True: one dict key
        if text_a != text:
            show = lambda v: f"{(v.item() if isinstance(v, np.generic) else v)!r} ({type(v).__name__})"  # noqa: E731
            raise DataError(f"{what}: expected labels of one type (labels are kept as text), got {show(a)} and "
                            f"{show(lab)}, one value read as two labels "
                            f"{text_a!r} and {text!r}; convert them to one type first")


# ----------------------------------------------------------------------------- encoder + pooling
def masked_pool(x: Tensor, lengths: Tensor, mode: str) -> Tensor:
    """Pool batch-first ``(B, T, F)`` over each sequence's valid steps: ``"max"``, ``"mean"``, or
    ``"last"`` (the step at ``length - 1``). Padding never changes the result.

    >>> x = torch.tensor([[[1.], [5.], [-9.]], [[-2.], [-3.], [-4.]]])
    >>> masked_pool(x, torch.tensor([2, 3]), "max").flatten().tolist()
    [5.0, -2.0]
    >>> masked_pool(x, torch.tensor([2, 3]), "mean").flatten().tolist()
    [3.0, -3.0]
    """
    check_choice("pooling", mode, POOLINGS)
    T = x.shape[1]
    mask = (torch.arange(T, device=x.device).unsqueeze(0) < lengths.to(x.device).unsqueeze(1)).unsqueeze(-1)
    if mode == "max":
        return x.masked_fill(~mask, float("-inf")).amax(1)
    if mode == "mean":
        return (x * mask).sum(1) / lengths.to(x.device, x.dtype).unsqueeze(1)
    idx = (lengths.to(x.device) - 1).view(-1, 1, 1).expand(-1, 1, x.shape[2])
    return x.gather(1, idx).squeeze(1)


class SequenceEncoder(nn.Module):
    """A (bi)directional stacked rnnkit LSTM/GRU/Elman over batch-first ``(B, T, I)`` input with
    ``lengths``; ``forward`` returns ``(outputs (B, T, D*H), summary (B, D*H))`` where ``summary`` is
    the final state of the last layer (each direction's last valid step) -- the "last" pooling.

    >>> enc = SequenceEncoder(3, 4, cell="gru", bidirectional=True)
    >>> out, summary = enc(torch.randn(2, 5, 3), torch.tensor([5, 2]))
    >>> out.shape, summary.shape
    (torch.Size([2, 5, 8]), torch.Size([2, 8]))
    """

    def __init__(self, input_size: int, hidden_size: int, cell: str = "lstm", num_layers: int = 1,
                 bidirectional: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        self.rnn = task_layer(cell, input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                              dropout=dropout if num_layers > 1 else 0.0)
        self.num_directions = 2 if bidirectional else 1
        self.output_size = hidden_size * self.num_directions

    def forward(self, x: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        out, state = self.rnn(x, lengths=lengths)
        h = state[0] if isinstance(state, tuple) else state
        D = self.num_directions
        summary = torch.cat([h[-D + d] for d in range(D)], dim=-1)
        return out, summary


def callback_copies(callbacks: Sequence[Any], n: int, what: str) -> list[list[Any]]:
    """The callbacks of each of ``n`` fits of one call (an ensemble's members, a seed ensemble's networks):
    ``callbacks`` themselves for the first, a deep copy of them as they are now for each later one (KerasTuner's
    rule: each fit has its own; shared, a user's EarlyStopping carried the first fit's best weights into the next).
    Callbacks that cannot be copied are a ConfigError naming ``what`` (e.g. ``"seeds=3 networks"``). A
    :class:`~rnnkit.training.callbacks.MetricLogger`'s copies are linked (``follows``, ``member``), so the one
    file holds every fit's rows as they come, not the current fit's alone."""
    callbacks = list(callbacks)
    try:
        copies = [copy.deepcopy(callbacks) for _ in range(n - 1)]
    except Exception as e:   # noqa: BLE001 - deepcopy raises what the object's own pickling support raises
        raise ConfigError(f"callbacks: expected callbacks that can be copied for each of the {what}, got "
                          f"{[type(c).__name__ for c in callbacks]} ({type(e).__name__}: {e})") from None
    each = [callbacks, *copies]
    for i, logger in enumerate(callbacks):   # a metric log: each fit's copy writes the earlier fits' rows first
        if isinstance(logger, MetricLogger) and n > 1:
            for j in range(n):
                each[j][i].member = j
                each[j][i].follows = each[j - 1][i] if j else logger.follows
    return each
