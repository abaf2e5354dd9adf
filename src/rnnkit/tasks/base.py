"""The task contract: what every task (classify, tag, tsc, generate, translate) is and does.

A task object is built from its frozen config and is unfitted until :meth:`Task.fit` or :meth:`Task.load`::

    task = TextClassifier(TextClassifierConfig(epochs=3))
    task.fit(inputs, targets)          # the network AND the task's baselines, in one fit
    task.predict(inputs)               # one prediction per input, in input order
    task.predict_proba(inputs)         # classifiers (ClassifierTask): (N, C) probabilities, columns = classes
    task.evaluate(inputs, targets)     # the network's metrics + {"baselines": {name: metrics}}
    task.save("runs/x")                # one run folder (rnnkit.tasks.runs): verified on load
    TextClassifier.load("runs/x")      # the same predictions on another machine

What the base class does once for every task:

* **Inputs** are checked by the task's :meth:`Task.check_inputs` / :meth:`Task.check_targets`: typed
  errors naming the argument and position (``texts[3]``), for ``fit``, ``predict`` and ``evaluate``;
  ``fit(places=...)`` / ``evaluate(places=...)`` name where each item was in the file read (``texts[3]
  (--csv 'a.csv' row 5)``), in every message and warning about an item (the CLI passes them).
* **Validation split**: without ``val_inputs``, ``fit`` holds out ``config.val_fraction`` of its data
  (seeded with ``config.seed``; :meth:`Task.validation_split`) for early stopping, and records which
  items in ``task.split["validation"]`` (saved in the run folder's ``split.json``).
* **Baselines** belong to the task: ``fit`` fits :meth:`Task.default_baselines` (or the ones passed as
  ``baselines={name: unfitted}``; ``baselines=False``: none) on the same training data, ``save`` writes
  them, ``load`` restores them (``baseline_types``) and ``evaluate`` scores them next to the network.
* **Unseen gold labels** (a label or tag that training never saw) are scored as errors and counted
  (``"unseen_labels"``, ``"unseen_label_names"`` in the metrics), never refused.
* **Training** runs on :class:`rnnkit.training.Trainer`; ``fit(callbacks=[...])`` adds Trainer callbacks
  (e.g. :class:`~rnnkit.training.callbacks.MetricLogger`); the per-epoch rows are kept in
  ``task.epoch_log`` and saved as ``metrics.jsonl``.
* **Checkpoints and resume**: ``fit(..., checkpoint_dir=D)`` checkpoints every network's training into ``D`` after
  each epoch; ``fit(..., checkpoint_dir=D, resume=True)`` with the same data, config and baselines continues an
  interrupted fit and ends with the uninterrupted fit's model (:mod:`rnnkit.training.stages`; the CLI's
  ``train --resume``).

A new task subclasses :class:`Task` (or :class:`ClassifierTask`) and writes only what is its own (see
docs/tasks.md, "How to add a task").
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from dataclasses import replace
from typing import Any, Callable, ClassVar, Iterable, Sequence, Sized

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit._validate import check_number, check_seed, is_bool
from rnnkit.data.db_null import warn_na_texts
from rnnkit.errors import ConfigError, DataError, InputTypeError
from rnnkit.training.callbacks import Callback
from rnnkit.training.host import float32_default, kept_host_rng, own_draws
from rnnkit.training.stages import checkpointed_fit, data_sha256, next_stage
from rnnkit.tasks.common import check_bool, check_label_spelling, check_labels, check_two_classes, \
    classification_metrics, item_at
from rnnkit.tasks.classify_data import warn_case_only, warn_untrained_classes
from rnnkit.tasks.evaluate_options import check_evaluate_options
from rnnkit.tasks.label_values import ClassifierLabelTypes
from rnnkit.tasks.runs import check_record, load_run, load_weights, restoring, run_baselines, save_run, task_config
from rnnkit._saved_version import unread_state
from rnnkit.tasks.task_parts import (WallClock, check_baselines, check_config_kept, fit_baselines, start_config,
                                     task_repr)

__all__ = ["Task", "ClassifierTask", "split_indices", "fit_network", "WallClock"]


def split_indices(n: int, fraction: float, seed: int, at_least: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random ``(train, held_out)`` split of ``range(n)`` with ``round(n * fraction)`` held out, at least
    ``at_least`` when ``fraction > 0`` (a task's validation split: 1, as Keras' validation_split and sklearn's
    train_test_split hold out one of five items at 0.1 where the rounding held out none).

    >>> [a.tolist() for a in split_indices(5, 0.4, seed=0)], [a.tolist() for a in split_indices(5, 0.1, 0, 1)]
    ([[0, 1, 3], [2, 4]], [[0, 1, 3, 4], [2]])
    """
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.integer, np.floating)) \
            or not 0 <= fraction < 1:   # a negative share held out all but round(n * |fraction|) items
        raise ConfigError(f"fraction: expected a number in [0, 1), got {fraction!r}")
    n = check_number("n", n, lo=0, integer=True)    # -1 and True split nothing / one item, 5.0 a bare AxisError
    perm = np.random.default_rng(check_seed(seed)).permutation(n)   # None drew an unseeded split, silently
    k = max(int(round(n * fraction)), at_least if fraction > 0 else 0)
    return np.sort(perm[k:]), np.sort(perm[:k])


def fit_network(model: nn.Module, batches: Callable[[int], Iterable[Any]], n_batches: int | None,
                loss_fn: Callable[[Any], Tensor], *, epochs: int, lr: float, weight_decay: float = 0.0,
                clip: float | None = 1.0, val_score: Callable[[], float] | None = None, patience: int | None = None,
                progress: bool = True, seed: int = 0, max_seconds: float | None = None,
                callbacks: Sequence[Any] = (), val_name: str = "score") -> tuple[dict[str, Any], list[dict]]:
    """Train ``model`` on :class:`rnnkit.training.Trainer`: AdamW, clipping by norm, one pass over
    ``batches(epoch)`` (``n_batches`` of them, the progress total) per epoch with ``loss_fn(batch)`` a
    scalar loss. After each epoch ``val_score()`` (higher is better) is logged as ``val_<val_name>`` and
    drives early stopping (``patience`` epochs without gain; the best weights are restored).
    ``max_seconds`` bounds the wall time; ``progress`` keeps one summary line per epoch on stderr.

    Inside a checkpointed task fit (:meth:`Task.fit` with ``checkpoint_dir``) each call is one stage of it:
    checkpointed every epoch, resumed (:mod:`rnnkit.training.stages`).

    Returns ``(history, rows)``: ``{"loss": [...], "val": [...], "best_epoch", "seconds", "stop_reason"}``
    and the Trainer's per-epoch rows."""
    from rnnkit.training import EarlyStoppingConfig, OptimConfig, TrainConfig, Trainer
    from rnnkit.training.data import EpochBatches

    t0 = time.perf_counter()
    es = None
    if val_score is not None:
        es = EarlyStoppingConfig(monitor=f"val_{val_name}", mode="max",
                                 patience=epochs if patience is None else patience)
    callbacks = list(callbacks)
    stage = next_stage(callbacks)     # inside a checkpointed task fit: its run_dir (rnnkit.training.stages)
    config = TrainConfig(epochs=epochs, optim=OptimConfig(name="adamw", lr=lr, weight_decay=weight_decay),
                         clip_norm=clip or None, early_stopping=es, seed=seed, quiet=not progress,
                         max_seconds=max_seconds, **({"keep_checkpoints": 1} if stage.run_dir else {}))

    def eval_fn(_model: nn.Module, _data: Any) -> dict[str, float]:
        return {val_name: float(val_score())}

    trainer = Trainer(model, lambda _m, batch: loss_fn(batch), config=config, callbacks=callbacks,
                      eval_fn=eval_fn if val_score is not None else None, **stage.trainer_kwargs())
    result = trainer.fit(EpochBatches(batches, n_batches), [None] if val_score is not None else None,
                         **stage.fit_kwargs())
    stage.end(trainer)
    model.eval()
    history = {"loss": [r["train_loss"] for r in result.history],
               "val": [r[f"val_{val_name}"] for r in result.history if f"val_{val_name}" in r],
               "best_epoch": result.best["epoch"] if result.best else None,
               "seconds": time.perf_counter() - t0, "stop_reason": result.stop_reason}
    return history, list(result.history)


class Task:
    """Base class of every task (see the module docstring): the fit / evaluate / save / load template.

    A subclass sets the class attributes and implements :meth:`check_inputs`, :meth:`_fit` (build the
    vocabularies and network, train), :meth:`predict`, :meth:`score` (the network's metrics),
    :meth:`_vocabs` / :meth:`_state` (what ``save`` writes besides the weights) and :meth:`_restore`
    (build the network from them on ``load``); baselines through :meth:`default_baselines`,
    :meth:`score_baseline` and ``baseline_types``."""

    name: ClassVar[str] = ""                  # the run folder's "task"
    config_class: ClassVar[type]
    noun: ClassVar[str] = "model"             # in "expected a fitted <noun>"
    input_name: ClassVar[str] = "inputs"      # argument names in error messages
    target_name: ClassVar[str | None] = "targets"
    one_target: ClassVar[str] = "one per input"   # "labels: expected <one_target> (N), got M"
    baseline_types: ClassVar[dict[str, Any]] = {}
    #: Whether the baselines are fitted only while ``max_seconds`` lasts (:func:`.task_parts.fit_baselines`): the
    #: classifier's (C grids over every text: minutes); the others' are one pass over the data (seconds), fitted always
    baselines_in_budget: ClassVar[bool] = False
    #: What evaluate's ``unseen_labels`` counts, in the CLI's note (``{n}``: the count, ``{names}``: the first ten)
    unseen_note: ClassVar[str] = "{n} gold item(s) carry labels unseen in training {names}, scored as errors"
    places: list[str] | None = None           # during fit / evaluate: where each item given was (their places)
    _checking: int | None = None              # the thread whose check_data of fit's / evaluate's data is running

    def __init__(self, config: Any = None) -> None:
        self.config = task_config(config, self.config_class)
        self.net: nn.Module | None = None
        self.history: dict[str, Any] = {}
        self.epoch_log: list[dict] = []       # the Trainer's per-epoch rows (metrics.jsonl)
        self.baselines: dict[str, Any] = {}
        self.data: dict[str, Any] = {}        # where the training data came from, its column names
        self.split: dict[str, Any] = {}       # the held-out parts: "validation" (fit), "test" (the caller)

    __repr__ = task_repr

    # ------------------------------------------------------------------ inputs
    def check_inputs(self, inputs: Any, what: str) -> list:
        """The inputs as a list, or a typed error naming ``what`` and the position."""
        raise NotImplementedError

    def check_targets(self, targets: Any, inputs: list, what: str) -> list:
        """One target per input (default: labels, :func:`~rnnkit.tasks.common.check_labels`)."""
        out = check_labels(targets, what, self.places_of(what))
        if len(out) != len(inputs):
            raise DataError(f"{what}: expected {self.one_target} ({len(inputs)}), got {len(out)}")
        return out

    def places_of(self, what: str) -> list[str] | None:
        """Where each item of the argument ``what`` that :meth:`check_inputs` / :meth:`check_targets` check was
        read (:meth:`fit`'s ``places``), for their messages: ``None`` outside the check of the data given to
        fit / evaluate (a validation part, the inputs of a prediction -- one in another thread too, beside a fit:
        the places name other items; they named its items, or failed with a bare IndexError past their count)."""
        return self.places if self._checking == threading.get_ident() else None

    def _set_places(self, places: Any, inputs: Any) -> None:
        """``self.places`` from ``places``: ``None``, or one str per input naming where it was read."""
        if places is not None:
            if isinstance(places, str) or not isinstance(places, Sequence) or \
                    not all(isinstance(p, str) for p in places):
                raise InputTypeError(f"places: expected None or a list of str (one per input), got "
                                     f"{type(places).__name__}")
            n = len(inputs) if isinstance(inputs, Sized) and not isinstance(inputs, str) else None
            if n is not None and len(places) != n:
                raise DataError(f"places: expected one per input ({n}), got {len(places)}")
            places = list(places)
        self.places = places

    def check_data(self, inputs: Any, targets: Any = None, prefix: str = "") -> tuple[list, list | None]:
        self._checking = None if prefix else threading.get_ident()   # the data given, not a validation part
        try:
            items = self.check_inputs(inputs, prefix + self.input_name)
            if self.target_name is None:
                return items, None
            return items, self.check_targets(targets, items, prefix + self.target_name)
        finally:
            self._checking = None

    def check_trainable(self, inputs: list, targets: list | None) -> None:
        """Refuse training data the task cannot learn from (e.g. a single class); warn of texts that are R's ``NA``."""
        if inputs and all(isinstance(t, str) for t in inputs):    # a missing string, trained on (data/db_null.py)
            warn_na_texts(inputs, self.input_name, lambda i: item_at(self.input_name, i, self.places), stacklevel=5)

    # ------------------------------------------------------------------ fit
    def fit(self, inputs: Any, targets: Any = None, val_inputs: Any = None, val_targets: Any = None, *,
            baselines: bool | dict[str, Any] = True, callbacks: Sequence[Any] = (),
            places: Sequence[str] | None = None, checkpoint_dir: Any = None, resume: bool = False) -> "Task":
        """Train the network on ``inputs``/``targets`` (early stopping on ``val_*``, else on a
        ``val_fraction`` split) and fit the baselines on the same data; returns ``self``. ``places``: one
        str per input naming where it was read (``"--csv 'a.csv' row 5"``), added to every message that
        names an item (the CLI passes them: a random split renumbers the items the task gets).
        ``checkpoint_dir``: a folder where every network's training is checkpointed after each epoch;
        ``resume=True`` continues the fit interrupted there (same data, config and baselines; refused with the
        reason where that cannot end with the uninterrupted fit's model): :mod:`rnnkit.training.stages`."""
        baselines = check_baselines(baselines)   # before training: a bad value was a raw error after the whole fit
        if val_inputs is None and val_targets is not None:   # the targets were dropped, a random split used
            raise ConfigError(f"val_inputs: expected the validation {self.input_name} of the val_targets given, got None")
        if isinstance(callbacks, (Callback, str)) or not isinstance(callbacks, Iterable):  # list() was a bare TypeError
            raise InputTypeError(f"callbacks: expected a list of Callback objects, got {type(callbacks).__name__}")
        if not is_bool(resume):
            raise InputTypeError(f"resume: expected True or False, got {resume!r}")
        if resume and checkpoint_dir is None:
            raise ConfigError("resume: expected a checkpoint_dir to resume from, got checkpoint_dir=None")
        self._set_places(places, inputs)
        entry = self.config
        try:    # in this frame: the warnings of _fit name the caller of fit (their stacklevel)
            self.config = start_config(self)    # not what an earlier fit resolved
            train = self.check_data(inputs, targets)
            self.check_trainable(*train)
            given = None
            if val_inputs is not None:
                val_targets = self.given_targets(val_targets)   # read twice: checked, then against training's spelling
                val = given = self.check_data(val_inputs, val_targets, "val_")
                self.check_val_known(val_targets, val[1], train[1])
                part = train
                self.split = {"validation": {"rule": "given", "n": len(val[0])}}
            else:
                part, val = self.validation_split(*train)
            self.epoch_log = []
            self.data = {}    # the provenance of an earlier fit or a loaded run's: its save named the old data
            keep = contextlib.nullcontext() if checkpoint_dir is None else checkpointed_fit(
                checkpoint_dir, task=self.name, config=self.config, data=data_sha256([train, given]), resume=resume,
                baselines=baselines)
            with kept_host_rng(), float32_default(), keep, self.shared_work():   # in this frame (warnings' stacklevel)
                torch.manual_seed(self.config.seed)   # the host's generators and dtype are given back (training.host)
                start = time.perf_counter()    # the budget's (max_seconds) clock, as the task's own _fit starts it
                self._fit(part, val, list(callbacks))
                self.baselines = fit_baselines(self, train, baselines, start)
        except BaseException:
            self.config = entry
            raise
        finally:
            self.places = None
        self._fitted_config = self.config
        self._fit_ended()
        return self

    def _fit_ended(self) -> None:
        """After a fit that succeeded (a classifier takes its labels' type)."""

    def validation_split(self, inputs: list, targets: list | None) -> tuple[tuple, tuple | None]:
        """``(train, val)``: ``config.val_fraction`` held out at random (seed ``config.seed``), recorded in
        ``self.split["validation"]``; ``val`` is ``None`` when nothing is held out (``val_fraction`` 0). At least one
        item is held out: 0.1 of 5 items held out none, and the fit ran with no validation and no early stopping,
        silently; a single item is a DataError (nothing would be left to train on)."""
        fraction = getattr(self.config, "val_fraction", 0.0)
        if fraction <= 0:
            self.split = {}
            return (inputs, targets), None
        if len(inputs) < 2:
            raise DataError(f"val_fraction: expected at least 2 {self.input_name} to hold out {fraction:g} of them (at "
                            f"least one) and train on the rest, got {len(inputs)}; val_fraction=0 trains on all")
        tr, va = split_indices(len(inputs), fraction, self.config.seed, at_least=1)
        self.split = {"validation": {"rule": "random", "fraction": fraction, "seed": self.config.seed,
                                     "n": len(inputs), "indices": va.tolist()}}
        pick = lambda items, idx: None if items is None else [items[i] for i in idx]  # noqa: E731
        return (pick(inputs, tr), pick(targets, tr)), (pick(inputs, va), pick(targets, va))

    def _fit(self, train: tuple, val: tuple | None, callbacks: list) -> None:
        """Build the vocabularies and the network from ``train`` and train it; set ``self.history`` and
        ``self.epoch_log``."""
        raise NotImplementedError

    def fit_place(self, i: int, part: str = "train", name: str | None = None, rest: str = "",
                  token: int | None = None) -> str:
        """Where item ``i`` of the training (``part="train"``) or validation part (``"val"``) that :meth:`_fit`
        got was in the data given to ``fit`` -- ``texts[17]``, ``val_texts[2]`` (``name``: another argument's,
        default the inputs'; ``rest``: a deeper index; ``token``: that token's own line, :func:`item_at`), and in
        the file read when ``fit`` got ``places`` --, for its messages: a random split renumbers both parts.

        >>> t = Task.__new__(Task); t.split = {"validation": {"rule": "random", "n": 5, "indices": [1, 3]}}
        >>> t.places = None; t.fit_place(2), t.fit_place(1, "val"), t.fit_place(0, name="tags")
        ('inputs[4]', 'inputs[3]', 'tags[0]')
        >>> t.places = [f"row {r}" for r in range(2, 7)]; t.fit_place(2)
        'inputs[4] (row 6)'
        """
        name = name or self.input_name
        held = self.split.get("validation", {})
        if held.get("rule") == "random":
            kept = held["indices"] if part == "val" else sorted(set(range(held["n"])) - set(held["indices"]))
            return item_at(name, kept[i], self.places, rest, token)
        return item_at(f"{'val_' if part == 'val' else ''}{name}", i, None if part == "val" else self.places, rest, token)

    def warn_lost_classes(self, y: list[str], val: tuple | None, item: str, who_can: str, also: str = "",
                          kind: str = "class(es)") -> None:
        """Warn when the random validation split took every training ``item`` (``"series of"``) of a class (the
        labels ``y`` of the training part, ``val[1]`` of the validation part): the network never trains on it and
        cannot predict it (``who_can``: what can; ``also``: what else --val-fraction 0 gives up).
        ``history["classes_not_trained"]`` lists them. Found on PigCVP (tsc) and a one-text class (classify)."""
        if val is None or self.split.get("validation", {}).get("rule") != "random":
            return
        lost = sorted(set(val[1]) - set(y))
        self.history["classes_not_trained"] = lost
        if lost:
            warnings.warn(f"{self.name}: the validation split holds every training {item} {len(lost)} {kind} "
                          f"{lost[:5]}: the network never trains on them and cannot predict them ({who_can}); "
                          f"--val-fraction 0 trains on all (no early stopping{also}), or --seed draws another split",
                          stacklevel=4)

    def shared_work(self) -> Any:
        """The context ``fit`` (network and baselines) and ``evaluate`` (network and baselines) run in: none here;
        the text classifier's lets its linear models analyse each text once."""
        return contextlib.nullcontext()

    def default_baselines(self) -> dict[str, Any]:
        """Unfitted baselines fitted with every ``fit`` (name -> object with ``fit``)."""
        return {}

    def fit_baseline(self, baseline: Any, inputs: list, targets: list | None) -> Any:
        return baseline.fit(inputs, targets)

    def _train(self, *args: Any, **kw: Any) -> None:
        """:func:`fit_network` with the config's training settings; fills history and epoch log."""
        c = self.config
        kw = {"epochs": c.epochs, "lr": c.lr, "weight_decay": c.weight_decay, "clip": c.clip,
              "patience": c.patience, "progress": c.progress, "seed": c.seed, **kw}
        self.history, self.epoch_log = fit_network(self.net, *args, **kw)

    # ------------------------------------------------------------------ use
    def _require_fitted(self) -> None:
        if self.net is None:
            raise ConfigError(f"model: expected a fitted {self.noun} (call fit, or take load's result: task = "
                              f"{type(self).__name__}.load(path)), got an unfitted one")

    def predict(self, inputs: Any) -> list:
        """One prediction per input, in input order."""
        raise NotImplementedError

    def evaluate(self, inputs: Any, targets: Any = None, *, baselines: bool = True,
                 places: Sequence[str] | None = None, **options: Any) -> dict[str, Any]:
        """The network's metrics on labelled data (:meth:`score`) and, with ``baselines``, each baseline's
        under ``"baselines"``. Gold labels unseen in training count as errors (``"unseen_labels"``).
        ``places``: as :meth:`fit`'s, for the messages."""
        self._require_fitted()
        check_bool("baselines", baselines)   # 'no' ran them
        check_evaluate_options(self, options, Task)
        self._set_places(places, inputs)
        targets = self.given_targets(targets)   # read twice: checked, then against the trained spelling (check_known)
        try:
            inputs, raw = self.check_data(inputs, targets)
            if raw is not None:
                self.check_known(targets, raw)
        finally:
            self.places = None
        targets = raw
        with self.shared_work():
            metrics = self.score(inputs, targets, **options)
            if baselines and self.baselines:
                metrics["baselines"] = {n: self.score_baseline(b, inputs, targets) for n, b in self.baselines.items()}
        return metrics

    def given_targets(self, targets: Any) -> Any:
        """``targets`` as :meth:`check_targets` and then :meth:`check_known` read them: as given here (a one-shot
        iterator is refused by the check); a classifier's a list (:func:`~rnnkit.tasks.label_values.replayable`)."""
        return targets

    def check_known(self, targets: Any, checked: list) -> None:
        """A DataError for a gold target of ``evaluate`` that writes a trained one another way (``'pos '``, NFD,
        ``'1'`` for ``'1.0'``, :func:`~rnnkit.tasks.common.check_label_spelling`): every such item was an unseen
        label, scored wrong. ``checked``: ``targets`` as :meth:`check_targets` returned them. Default: a
        classifier's labels against its classes."""
        classes = getattr(getattr(self, "labels", None), "tokens", None)
        if classes is not None:
            check_label_spelling(list(targets), checked, classes, self.target_name, self.places)

    def check_val_known(self, targets: Any, checked: list | None, trained: list | None) -> None:
        """:meth:`check_known` for ``fit``'s validation targets, against the training targets ``trained`` (nothing is
        built yet). Default: none (a classifier's checks its labels)."""

    def score(self, inputs: list, targets: list | None, **options: Any) -> dict[str, Any]:
        raise NotImplementedError

    def score_baseline(self, baseline: Any, inputs: list, targets: list | None) -> dict[str, Any]:
        raise NotImplementedError

    # ------------------------------------------------------------------ persistence
    def _vocabs(self) -> dict[str, Any]:
        return {}

    def _state(self) -> dict[str, Any]:
        return {}

    def _restore(self, run: dict[str, Any]) -> None:
        """Rebuild the vocabularies, state and ``self.net`` (unloaded) from a loaded run."""
        raise NotImplementedError

    def _run_state(self) -> dict[str, Any]:
        """What ``save`` writes as config.json's "state" (:meth:`_state`; a classifier adds its labels' type)."""
        return self._state()

    def save(self, path: Any, *, data: dict | None = None, split: dict | None = None):
        """Write the run folder (:mod:`rnnkit.tasks.runs`): config, weights, vocabularies, state, the
        baselines, the held-out split (``split`` adds e.g. the caller's ``"test"`` part), the per-epoch
        log and ``data`` (where the training data came from, its column names)."""
        self._require_fitted()
        check_config_kept(self)      # the run's config.json rebuilds the network on load
        data, split = (check_record(name, v) for name, v in (("data", data), ("split", split)))
        states = self.baseline_states()
        if data is not None:
            self.data = dict(data)
        if split is not None:
            self.split = {**self.split, **split}
        return save_run(path, self.name, replace(self.config, progress=False), self.net, vocabs=self._vocabs(),
                        state=self._run_state(), history=self.history, data=self.data, split=self.split,
                        epochs=self.epoch_log, baselines=states, extra=getattr(self, "_extra_files", dict)())

    def baseline_states(self) -> dict[str, Any]:
        """What ``save`` writes of each baseline (its ``state()``); an InputTypeError naming a baseline that
        :meth:`load` could not rebuild -- a name not in ``baseline_types``, or another class under its name
        (``fit(baselines={"mine": obj})``): the save succeeded and every load of the run failed ('expected baselines
        among [...]'); one without ``state()`` was a bare AttributeError."""
        types, out = self.baseline_types, {}
        for name, b in self.baselines.items():
            kind = types.get(name)
            if kind is None or not isinstance(b, kind) or not callable(getattr(b, "state", None)):
                known = ", ".join(f"{n!r}: {t.__name__}" for n, t in types.items()) or "none"
                raise InputTypeError(f"baselines[{name!r}]: expected a baseline {type(self).__name__}.load can rebuild "
                                     f"({known}), got {type(b).__name__} (a run saved with it would not load); fit "
                                     "with baselines=True, False or these")
            out[name] = b.state()
        return out

    @classmethod
    def load(cls, path: Any) -> "Task":
        """A fitted task from a run folder written by :meth:`save`; every file verified first."""
        run = load_run(path, cls.name, cls.config_class)
        with restoring(path):   # a wrong type or value in the saved state: a CheckpointError naming the folder
            self = cls(run["config"])
            with float32_default(), own_draws():   # its initial weights drawn from its own generators: no fit lock
                self._restore(run)
                self._restored(run)
            unread_state(run["path"] / "config.json", run["state"], run.get("rnnkit_version"))   # a newer rnnkit's
            load_weights(self.net, run["weights"], str(run["path"] / "model.safetensors"))   # which run, of several
            self.history, self.data, self.split = run["history"], run["data"], run["split"]
            self.baselines = run_baselines(run, self.baseline_types)
        self._fitted_config = self.config
        return self

    def _restored(self, run: dict[str, Any]) -> None:
        """After :meth:`_restore` (a classifier reads its labels' type back)."""

    @property
    def baseline(self) -> Any:
        """The first baseline (``None`` without one)."""
        return next(iter(self.baselines.values()), None)


class ClassifierTask(ClassifierLabelTypes, Task):
    """A task that gives one label per input: a closed label vocabulary (``self.labels``), class probabilities
    (:meth:`predict_proba`), the most probable label (:meth:`predict`) and accuracy / macro-F1 / confusion matrix. A
    subclass implements :meth:`_inference_batches`. The classes are text (:attr:`classes`, the run folder, the
    metrics); labels given to ``fit`` all of one int, float or bool type are predicted in it (:attr:`label_type`,
    :attr:`classes_`; :mod:`rnnkit.tasks.label_values`)."""

    noun = "classifier"
    target_name = "labels"

    def __init__(self, config: Any = None) -> None:
        super().__init__(config)
        self.labels = None

    def check_trainable(self, inputs: list, targets: list | None) -> None:
        check_two_classes(targets, self.target_name)
        super().check_trainable(inputs, targets)      # the training labels' type (label_values)

    def check_known(self, targets: Any, checked: list) -> None:
        """The spelling checks of :meth:`Task.check_known`, then a warning for gold labels that differ from a class by
        letter case alone (:func:`~rnnkit.tasks.classify_data.warn_case_only`): the text classifier's since session
        24, every classifier's now (tsc scored 'A' against a trained 'a' as an unseen label, no word said)."""
        super().check_known(targets, checked)
        if checked is not None and self.labels is not None:
            warn_case_only(checked, list(self.labels.tokens), lambda i: item_at(self.target_name, i, self.places),
                           self.target_name, stacklevel=4)

    def check_val_known(self, targets: Any, checked: list | None, trained: list | None) -> None:
        """Validation labels written another way than training's (``1.0``, ``True`` for ``1``, ``'pos '``) are evaluate's
        DataError (:func:`~rnnkit.tasks.common.check_label_spelling`: each scored 0 every epoch, silently); labels no
        training item has are warned (``warn_untrained_classes``; a random split's lost ones: :meth:`warn_lost_classes`)."""
        if targets is not None and checked is not None and trained is not None:
            check_label_spelling(list(targets), checked, dict.fromkeys(trained), "val_" + self.target_name)
            warn_untrained_classes(set(trained), checked, what="val_" + self.target_name, item="item", items="items", stacklevel=4)

    @property
    def classes(self) -> list[str]:
        """The labels as text (as the run folder, the CLI and the service write them), in the order of
        :meth:`predict_proba`'s columns; :attr:`classes_` gives them in the labels' own type."""
        self._require_fitted()
        return list(self.labels.tokens)

    def _inference_batches(self, inputs: list) -> Iterable[tuple[Sequence[int], tuple]]:
        """``(indices, network arguments)`` batches covering ``inputs`` once (prepared as in training)."""
        raise NotImplementedError

    @torch.no_grad()
    def predict_proba(self, inputs: Any) -> np.ndarray:
        """Class probabilities ``(N, C)`` in input order; columns follow :attr:`classes`."""
        self._require_fitted()
        items = self.check_inputs(inputs, self.input_name)
        self.net.eval()
        out = np.zeros((len(items), len(self.labels)), dtype=np.float32)
        for idx, args in self._inference_batches(items):
            out[idx] = torch.softmax(self.net(*args), -1).numpy()
        return out

    def score(self, inputs: list, targets: list | None, **options: Any) -> dict[str, Any]:
        return classification_metrics(targets, self.predict_texts(inputs), self.classes)

    def score_baseline(self, baseline: Any, inputs: list, targets: list | None) -> dict[str, Any]:
        """A baseline's metrics over the network's classes and its own: it is fitted on every training item, the
        network without its validation split -- a class the split took whole is the baseline's alone, and its
        predictions of it are scored (its row and column after the network's classes), where they stopped the
        run's evaluation with 'labels: expected every label in [...]' (text classifier and tsc alike)."""
        pred = baseline.predict(inputs)
        known = getattr(baseline, "classes", None)     # a user's baseline may hold them in a numpy array
        own = [str(c) for c in (known if known is not None else ())] + sorted(set(pred))
        classes = self.classes
        return classification_metrics(targets, pred, classes + list(dict.fromkeys(c for c in own if c not in classes)))
