"""The one train / predict / evaluate driver of the task commands (classify, tag, tsc, generate, translate).

A command module only declares what is its own -- a :class:`TaskCommand` subclass with its flags, how to
load its data and how to show its predictions -- and registers ``add_parser``/``run`` from an instance::

    class Classify(TaskCommand):
        name, task = "classify", TextClassifier
        config_flags = [Flag("hidden_size", "hidden units per direction"), ...]
        def load(self, args, action): ...        # -> Data(inputs, targets, source)

    COMMAND = Classify()
    add_parser, run = COMMAND.add_parser, COMMAND.run

What the driver does the same way for every command:

* ``train``: check ``--out`` and the memory the sizes need (before any work), build the config from the
  flags (a bad value is a usage error before the data is read), load the data, take ``--limit`` items
  (a seeded random sample, so a data set sorted by label still gives every class), hold out
  ``--test-fraction`` (seeded; or the data set's own test split), fit the network *and its baselines*
  (one summary line per epoch on stderr unless ``--quiet``; ``metrics.jsonl`` written into the run folder
  as training goes; ``metrics.partial.jsonl`` until the save when the folder holds a saved run), score both on the held-out part, and save the run folder with the data's origin,
  its column names and the held-out split. Every network's training is checkpointed after each epoch into
  ``--out``/``training/`` (:mod:`rnnkit.training.stages`; removed once the run is saved): ``train --resume`` with the
  same data and flags continues an interrupted training from its last completed epoch and saves the run an
  uninterrupted one saves; a fresh ``train`` refuses a folder holding such checkpoints.
* ``predict``: every prediction carries where its input came from (``lines`` of ``--input``, ``rows``
  of a CSV, ``series`` of a file); a blank line in a one-input-per-line file is a DataError naming it
  (exit 1), never skipped; classifiers add their class probabilities.
* ``evaluate``: column flags left out take the run's (a run folder remembers the columns it was trained on); no data
  flag, or the run's own data set, scores the run's held-out part; unseen gold labels are errors (``unseen_labels``).
* ``--threads`` (1 unless asked), ``--json``, ``--config``, ``--quiet``, ``--debug`` on every action; ``--help``
  shows every flag's default and the examples with their line breaks.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from rnnkit._io import folder_busy, is_stream
from rnnkit.data.batching import truncations, warn_read_prefix
from rnnkit.training.stages import (MANIFEST, checkpointed_fit, data_sha256, holds_checkpoints, read_manifest,
                                   remove_checkpoints, resumable)
from rnnkit.cli.common import (HelpFormatter, UsageError, add_common, bool_arg, check_memory, check_run_out,
                               load_run, path_arg, read_numbered_lines, set_threads)
from rnnkit.cli.recorded_path import own_file_moved, recorded_file
from rnnkit.cli.train_budget import budget_summary, note_unbounded
from rnnkit.cli.unread_flags import refuse_unread, refuse_unread_source

__all__ = ["TaskCommand", "Flag", "Data", "ACTIONS", "sample_limit", "same_file"]

METRICS_FILE = "metrics.jsonl"
TRAINING_DIR = "training"     # train's checkpoints in --out until the run is saved (--resume continues from them)

ACTIONS = {"train": "train a model and its baselines, write a run folder",
           "predict": "predict with a run folder",
           "evaluate": "score a run (and its baselines) on labelled data"}


@dataclass(frozen=True)
class Flag:
    """A config field exposed as ``--field-name`` (type and default from the config dataclass)."""

    name: str
    help: str
    choices: Sequence[Any] | None = None


@dataclass
class Data:
    """Labelled (or unlabelled) items and where they came from.

    ``source`` is saved in the run folder (``{"dataset": name}`` or ``{"csv": path}``, ...);
    ``test``: a held-out part that comes with the data (a data set's own test split), else ``None``;
    ``rule``: how that test part was chosen; ``val``: validation data that comes with it (else the task
    holds out its own ``val_fraction``)."""

    inputs: Any
    targets: Any = None
    source: dict = field(default_factory=dict)
    test: "Data | None" = None
    rule: str = "given"
    val: "Data | None" = None     # validation data for early stopping that comes with the data
    places: Any = None            # where each item was read ("--csv 'a.csv' row 5"): the task's messages name it


def sample_limit(n: int, limit: int | None, seed: int) -> np.ndarray:
    """The indices of ``limit`` of ``n`` items drawn at random with ``seed``, in their original order
    (all of them when ``limit`` is ``None`` or not smaller than ``n``).

    >>> sample_limit(6, 3, seed=0).tolist()
    [2, 3, 5]
    """
    if limit is None or limit >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).permutation(n)[:limit])


def _pick(data: Data, idx: Sequence[int]) -> Data:
    """The items ``idx`` of ``data``, each still named by where it was read (its place: a file's row, or its
    position in the data read, counted from 0): ``--limit`` and ``--test-fraction`` renumber them."""
    if isinstance(data.inputs, str):
        raise UsageError("input: a text corpus has no items to pick")  # pragma: no cover - commands never do
    places = data.places or [f"item {i} of the data read, counted from 0" for i in range(len(data.inputs))]
    return Data([data.inputs[i] for i in idx], None if data.targets is None else [data.targets[i] for i in idx],
                data.source, places=[places[i] for i in idx])


def held_out_digest(data: Data) -> str:
    """The sha256 of a held-out part's inputs and targets (texts, token lists, arrays; canonical JSON), recorded
    at training so ``evaluate`` can tell the part it re-reads from the data from the part it held out."""
    import json

    from rnnkit._io import sha256_bytes

    def plain(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            return {"dtype": str(v.dtype), "values": v.tolist()}
        if isinstance(v, np.generic):
            return v.item()
        raise TypeError(f"cannot digest {type(v).__name__}")

    text = json.dumps([data.inputs, data.targets], ensure_ascii=False, default=plain, allow_nan=True)
    return sha256_bytes(text.encode("utf-8", "surrogatepass"))


def check_held_out(task: Any, part: Data) -> Data:
    """``part`` when it is what the run held out at training (its recorded digest; runs saved before the
    digest are taken as they are); a DataError otherwise: the data changed since training (the same number
    of items, or text appended to a corpus), and the "held-out" part may now hold training items."""
    expected = task.split.get("test", {}).get("items_sha256")
    if expected is not None and held_out_digest(part) != expected:
        from rnnkit.errors import DataError

        raise DataError("--run: expected the items the run held out at training, got different ones (the data "
                        "changed since: its held-out part no longer matches the sha256 recorded in split.json); "
                        "pass the data flag to score a file as new data")
    return part


def same_file(here: Any, there: Any) -> bool:
    """Whether the paths ``here`` and ``there`` (either may be None) name one existing file."""
    import os

    try:
        return bool(here and there) and os.path.samefile(here, there)
    except OSError:     # one is gone (or another machine's path): not the same file here
        return False


def _live_log(out: Path) -> Path:
    """Where ``train`` logs its epochs as it goes: ``RUN/metrics.jsonl``, or ``RUN/metrics.partial.jsonl`` when
    ``RUN`` holds an earlier saved run -- rewriting that run's listed metrics.jsonl made it fail its digests
    from the first epoch, so a training stopped by Ctrl-C or an error left no loadable run at all."""
    from rnnkit._io import DIGESTS_FILE

    return out / ("metrics.partial.jsonl" if (out / DIGESTS_FILE).is_file() else METRICS_FILE)


def _resume_arg(text: str) -> str:
    """``--resume``'s optional value: only ``auto``."""
    if text != "auto":
        raise argparse.ArgumentTypeError(f"expected no value or 'auto', got {text!r}")
    return text


def auto_resume(out: Path, task: str) -> bool:
    """``--resume auto``: whether ``out`` holds an interrupted ``task`` training that can be resumed (else train
    anew, as without ``--resume``: checkpoints of no use are replaced)."""
    from rnnkit.errors import CheckpointError

    if not (out / TRAINING_DIR / MANIFEST).exists():
        return False
    try:
        record = read_manifest(out / TRAINING_DIR)
    except CheckpointError:
        return True     # resuming names what is wrong with the record; training anew would hide it
    return record.get("task") == task and not record.get("unresumable")


def check_resume_out(out: Path, task: str, resume: bool) -> Path:
    """``out/training``, where ``train`` checkpoints its networks (:mod:`rnnkit.training.stages`), after checking,
    before any work: ``--resume`` needs the record of an interrupted training of ``task`` there that can be resumed
    (a finished run -- saved, its checkpoints removed -- or another folder is a UsageError saying which); without
    it, an interrupted training's checkpoints there are refused, never overwritten."""
    from rnnkit.errors import CheckpointError
    from rnnkit.tasks.runs import saved_task

    training = out / TRAINING_DIR
    if any(folder_busy(stage) for stage in sorted(training.glob("stage-*"))):   # a fit's run_dir lock: not interrupted
        raise UsageError(f"--out: expected a folder no other training is using, got {str(out)!r}, where a training "
                         "is running now (another process): wait for it to end, or choose another --out")
    if not resume:
        if holds_checkpoints(training) and resumable(training):   # else of no use: the new fit replaces them
            raise UsageError(f"--out: expected a folder without an interrupted training, got {str(out)!r} holding the "
                             f"checkpoints of one ({TRAINING_DIR}/): add --resume to continue it, or remove "
                             f"{str(training)!r} to train anew")
        return training
    if not (training / MANIFEST).exists():
        if saved_task(out) == task:
            why = "a finished run (saved; its checkpoints were removed): nothing to resume"
        else:
            why = "no such folder" if not out.exists() else f"a folder holding no interrupted training ({TRAINING_DIR}/{MANIFEST})"
        raise UsageError(f"--resume: expected --out to name a {task!r} training that was interrupted, got "
                         f"{str(out)!r}: {why}")
    try:
        record = read_manifest(training)
    except CheckpointError as e:
        raise UsageError(f"--resume: {e}") from None
    if record.get("task") != task:
        raise UsageError(f"--resume: expected an interrupted {task!r} training in {str(out)!r}, got a "
                         f"{record.get('task')!r} one")
    if record.get("unresumable"):
        raise UsageError(f"--resume: the training interrupted in {str(out)!r} cannot be resumed: "
                         f"{record['unresumable']}; train it again without --resume (its checkpoints are replaced)")
    return training


def _config_type(f) -> tuple[Any, str | None]:
    t = str(f.type).replace(" ", "")
    base = t.split("|")[0]
    return {"bool": (bool_arg, "BOOL"), "int": (int, None), "float": (float, None)}.get(base, (str, None))


class TaskCommand:
    """One task command (see the module docstring). Subclasses set the class attributes and override
    :meth:`add_data_flags` and :meth:`load` (and, where the task differs, the other hooks)."""

    name: str = ""
    help: str = ""
    doc: str = ""
    task: type                                # the task class, or a LazyClass imported on first read (no torch
                                              # for --help); a task that cannot import fails its command's runs
    config_flags: list[Flag] = []             # config fields the user may set on ``train``
    size_flags: list[str] = []                # flags whose values set the memory need (check_memory)
    columns: dict[str, Any] = {}              # column flags (dest -> default) remembered in the run folder
    limit: bool = True                        # ``train --limit N``
    test_fraction: float | None = 0.2         # ``train --test-fraction`` default (None: no such flag)
    resume_flags: tuple = ("limit", "test_fraction")   # train flags besides the config's that --resume must repeat
    extra_actions: dict[str, str] = {}        # more actions besides train/predict/evaluate
    predict_input_help: str = ("plain text, one input per line ('-' or omitted: stdin); a blank line is an "
                               "error naming it")

    # ------------------------------------------------------------------ parser
    def add_parser(self, sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
        """Register the command with its actions; each action parser has the shared flags."""
        p = sub.add_parser(self.name, help=self.help, description=self.doc, formatter_class=HelpFormatter)
        acts = p.add_subparsers(dest="action", metavar="ACTION")
        acts.required = True
        for action, text in {**ACTIONS, **self.extra_actions}.items():
            doc = f"\n\n{self.doc}" if self.doc else ""                  # None under python -OO
            ap = acts.add_parser(action, help=text, description=f"{self.help}: {text}.{doc}", formatter_class=HelpFormatter)
            add_common(ap, seed=action != "evaluate", out=action == "train", threads=True)
            if action != "train":
                ap.add_argument("--run", type=path_arg, required=True, metavar="RUN",
                                help="run folder written by train")
            self.add_data_flags(ap, action)
            self.add_action_flags(ap, action)
            if action == "train":
                self._add_train_flags(ap)
            ap.set_defaults(_parser=ap)
        return p

    def _add_train_flags(self, ap: argparse.ArgumentParser) -> None:
        cfg = {f.name: f for f in fields(self.config_class())}
        for flag in self.config_flags:
            f = cfg[flag.name]
            typ, metavar = _config_type(f)
            default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
            ap.add_argument("--" + flag.name.replace("_", "-"), dest=flag.name, type=typ, default=default,
                            choices=flag.choices, metavar=metavar, help=flag.help)
        if self.test_fraction is not None:
            ap.add_argument("--test-fraction", type=float, default=self.test_fraction,
                            help="share of the data held out (seeded by --seed) to score the network and its "
                                 "baselines after training; recorded in the run folder")
        if self.limit:
            ap.add_argument("--limit", type=int, default=None, metavar="N",
                            help="use N items drawn at random (seeded by --seed) instead of all")
        ap.add_argument("--no-baseline", action="store_true", help="fit and score no baseline")
        ap.add_argument("--resume", nargs="?", const=True, default=False, type=_resume_arg, metavar="auto",
                        help="continue the training interrupted in --out (Ctrl-C, SIGTERM, a crash) from its last "
                             "completed epoch, with the same data and flags: the same model as an uninterrupted run; "
                             "train writes a checkpoint after every epoch into --out/training/ (removed once the run "
                             "is saved). '--resume auto': continue one if there is one that can be, else train anew "
                             "(one command for a first run and its retries)")

    def add_data_flags(self, ap: argparse.ArgumentParser, action: str) -> None:
        """Flags that say where the data of ``action`` comes from."""

    def add_action_flags(self, ap: argparse.ArgumentParser, action: str) -> None:
        """Other flags of ``action`` (e.g. ``--beam`` of predict/evaluate)."""

    # ------------------------------------------------------------------ task pieces
    def config_class(self) -> type:
        return self.task.config_class

    def make_config(self, args: argparse.Namespace) -> Any:
        """The task config from the typed flags (its own validation names the flag on a bad value)."""
        kw = {f.name: getattr(args, f.name) for f in self.config_flags}
        return self.config_class()(**kw, seed=args.seed, progress=not args.quiet)

    def memory_need(self, args: argparse.Namespace) -> int:
        """Estimated training memory in bytes from the size flags (see :func:`check_memory`)."""
        return 0

    def load(self, args: argparse.Namespace, action: str) -> Data | None:
        """The data named by the flags of ``action``; ``None`` when no data flag was given (evaluate:
        the run's own data)."""
        raise NotImplementedError

    def load_source(self, source: dict, args: argparse.Namespace) -> Data:
        """The data a run was trained on, from its recorded ``source`` (``{"dataset": NAME}`` or
        ``{"file": PATH, "flag": "csv"}``): what ``evaluate`` scores when no data flag is given."""
        if source.get("stream"):
            raise UsageError(f"input: expected a data flag (--{source.get('flag', 'data').replace('_', '-')} PATH): the "
                             f"run was trained on a stream ({source.get('file')!r}, a pipe or stdin), which was read once")
        if source.get("dataset"):
            args.dataset = source["dataset"]
        elif source.get("file") and source.get("flag"):
            setattr(args, source["flag"], recorded_file(source))   # gone: a UsageError naming the flag
        else:
            raise UsageError("input: expected a data flag (see --help); the run records no data source")
        return self.load(args, "evaluate")

    def baselines(self, args: argparse.Namespace) -> Any:
        """What ``fit(baselines=...)`` gets: ``False`` with ``--no-baseline``, else the task's defaults."""
        return not args.no_baseline

    def read_inputs(self, args: argparse.Namespace) -> tuple[Any, list[int], str]:
        """``(items, numbers, where)`` for predict: by default the lines of ``--input`` ("lines")."""
        lines, numbers = read_numbered_lines(args.input or "-", "--input")
        return lines, numbers, "lines"

    def predictions(self, task: Any, items: Any, args: argparse.Namespace) -> dict[str, Any]:
        """``{"predictions": [...]}`` (classifiers add ``"probabilities"``: one ``{class: p}`` per item)."""
        if hasattr(task, "predict_proba"):
            proba = task.predict_proba(items)
            classes = task.classes
            return {"predictions": [classes[i] for i in proba.argmax(1)],
                    "probabilities": [dict(zip(classes, map(float, row))) for row in proba]}
        return {"predictions": task.predict(items, **self.predict_options(args))}

    def predict_options(self, args: argparse.Namespace) -> dict[str, Any]:
        return {}

    def train_summary(self, task: Any) -> dict[str, Any]:
        """More ``train`` result fields (e.g. the epochs run)."""
        return {}

    def extra_scores(self, task: Any, data: Data, args: argparse.Namespace) -> dict[str, Any]:
        """More ``evaluate`` result fields (e.g. generate's dynamic evaluation)."""
        return {}

    def restrict(self, data: Data, args: argparse.Namespace) -> Data:
        """The part of the evaluation data to score (default: all of it)."""
        return data

    def evaluate_options(self, args: argparse.Namespace) -> dict[str, Any]:
        return {}

    def format_predictions(self, items: Any, numbers: list[int], out: dict[str, Any]) -> str:
        """Readable predict output: ``NUMBER<TAB>PREDICTION[<TAB>PROBABILITY]`` a line."""
        if "probabilities" in out:
            return "\n".join(f"{n}\t{p}\t{pr[p]:.3f}" for n, p, pr in zip(numbers, out["predictions"],
                                                                          out["probabilities"]))
        return "\n".join(f"{n}\t{p}" for n, p in zip(numbers, out["predictions"]))

    # ------------------------------------------------------------------ the actions
    def run(self, args: argparse.Namespace) -> dict[str, Any]:
        set_threads(args)     # warnings: one line each, for every command (cli.main wraps the run)
        refuse_unread(self, args)   # typed and read by nothing (--seed on predict): cli.unread_flags
        return getattr(self, args.action)(args)

    def fill_columns(self, args: argparse.Namespace, remembered: dict | None = None) -> dict[str, Any]:
        """Column flags the user left out: the run's (``remembered``), else the defaults. Returns them."""
        remembered = remembered or {}
        for dest, default in self.columns.items():
            if hasattr(args, dest) and getattr(args, dest) is None:
                setattr(args, dest, remembered.get(dest, default))
        return {dest: getattr(args, dest) for dest in self.columns if hasattr(args, dest)}

    def fill_from_run(self, args: argparse.Namespace, task: Any) -> None:
        """predict / evaluate: the flags left out that the run (``task``) remembers -- its column names; a command
        whose train flags shape how a file is read adds them (tsc's ``--missing``, ``--gaps``)."""
        self.fill_columns(args, refuse_unread_source(self, args, task.data))   # typed, unread by the run's own data

    def train(self, args: argparse.Namespace) -> dict[str, Any]:
        from rnnkit.training.callbacks import MetricLogger

        if args.out is None:
            raise UsageError("--out: expected a folder for the run, got none")
        check_run_out(args.out, self.task.name)   # metrics.jsonl is written as training goes: before any work
        resume = auto_resume(Path(args.out), self.task.name) if args.resume == "auto" else args.resume
        training = check_resume_out(Path(args.out), self.task.name, resume)
        check_memory(args, self.memory_need, self.size_flags)
        for name in ("limit",):
            if getattr(args, name, None) is not None and getattr(args, name) < 1:
                raise UsageError(f"--{name}: expected an int >= 1, got {getattr(args, name)}")
        fraction = getattr(args, "test_fraction", None)   # -0.5 held out all but round(n/2) items, nan a ValueError
        if fraction is not None and not 0 <= fraction < 1:
            raise UsageError(f"--test-fraction: expected a number in [0, 1), got {fraction}")
        config = self.make_config(args)
        self.fill_columns(args)
        data = self.load(args, "train")
        if data is None:
            raise UsageError("input: expected a data flag (see --help), got none")
        columns = self.fill_columns(args)   # after loading: a command may name what it read (tsc's channels)
        train, test, split = self._split(data, args)
        note_unbounded(self.name, config, self.task, None if test is None else test.inputs, args.quiet)
        if test is not None:
            split["items_sha256"] = held_out_digest(test)
        source = {**data.source, **({"columns": columns} if columns and data.source.get("file") else {})}
        if source.get("file") and is_stream(source["file"]):   # '/dev/fd/63' names another stream, or none, later
            source["stream"] = True
        elif source.get("file"):   # evaluate may run from another folder: a relative path would name another file
            source["file"] = os.path.abspath(source["file"])
        task = self.task(config)
        log = _live_log(Path(args.out))
        baselines = self.baselines(args)
        val = None if data.val is None else [data.val.inputs, data.val.targets]
        with checkpointed_fit(training, task=self.task.name, config=config, resume=resume, baselines=baselines,
                              data=data_sha256([train.inputs, train.targets, val]), name="--out",
                              extra={f"--{k.replace('_', '-')}": getattr(args, k, None) for k in self.resume_flags}):
            self.fit(task, train, data.val, baselines=baselines, callbacks=[MetricLogger(log)])
        result: dict[str, Any] = {"run": str(args.out), "train_size": len(train.inputs),
                                  "test_size": 0 if test is None else len(test.inputs),
                                  "train_seconds": task.history.get("seconds"), **budget_summary(task),
                                  **self.train_summary(task)}
        if test is not None and len(test.inputs):
            result.update(self.scores(task, test, args))
        task.save(args.out, data=source, split={"test": split})
        if log.name != METRICS_FILE:   # the save wrote the rows as metrics.jsonl (else the live log becomes it)
            log.unlink(missing_ok=True) if (saved := Path(args.out) / METRICS_FILE).exists() else log.replace(saved)
        remove_checkpoints(training)   # the run is saved: its checkpoints are of no more use
        return result

    def fit(self, task: Any, train: Data, val: Data | None, **kw: Any) -> None:
        """``task.fit`` on ``train`` (early stopping on ``val`` when the data came with one); its messages name
        each item by where it was read (``train.places``)."""
        val_args = () if val is None else (val.inputs, val.targets)
        task.fit(train.inputs, train.targets, *val_args, **kw, **({"places": train.places} if train.places else {}))

    def _split(self, data: Data, args: argparse.Namespace) -> tuple[Data, Data | None, dict]:
        """``(train, test, record)``: the ``--limit`` sample, then the held-out part (the data's own test
        split, or ``--test-fraction`` at random with ``--seed``); ``record`` goes to split.json."""
        if data.test is not None or self.test_fraction is None:
            return data, data.test, {"rule": data.rule if data.test is not None else "nothing held out"}
        from rnnkit.tasks.base import split_indices

        n = len(data.inputs)
        keep = sample_limit(n, getattr(args, "limit", None), args.seed)
        tr, te = split_indices(len(keep), args.test_fraction, args.seed, at_least=1)   # 0.2 of 2: one, not none
        if not len(tr):
            raise UsageError(f"--test-fraction: expected a share that leaves items to train on, got "
                             f"{args.test_fraction} of {len(keep)} item(s), all held out")
        record = {"rule": "random", "seed": args.seed, "test_fraction": args.test_fraction,
                  "limit": getattr(args, "limit", None), "source_size": n, "items": keep[te].tolist()}
        return _pick(data, keep[tr]), _pick(data, keep[te]), record

    def scores(self, task: Any, data: Data, args: argparse.Namespace) -> dict[str, Any]:
        """``{"metrics", "baseline", "baselines"}`` of ``task.evaluate`` on ``data``; unseen gold labels
        are reported in one stderr line too (unless ``--quiet``)."""
        named = {"places": data.places} if data.places else {}     # each item named by where it was read
        metrics = task.evaluate(data.inputs, data.targets, baselines=True, **named, **self.evaluate_options(args))
        base = metrics.pop("baselines", {})
        out: dict[str, Any] = {"metrics": metrics}
        if base:
            out.update(baseline=next(iter(base.values())), baselines=base)
        if metrics.get("unseen_labels") and not args.quiet:   # what is counted is the task's to say
            note = task.unseen_note.format(n=metrics["unseen_labels"], names=metrics["unseen_label_names"][:10])
            print(f"rnnkit {self.name}: note: {note}", file=sys.stderr)
        return out

    def predict(self, args: argparse.Namespace) -> dict[str, Any]:
        task = load_run(self.task.load, args.run)
        self.fill_from_run(args, task)
        items, numbers, where = self.read_inputs(args)
        with truncations() as cut:
            out = self.predictions(task, items, args)
        cut_at = [numbers[i] for i in sorted(cut) if i < len(numbers)]
        warn_read_prefix(cut_at, list(cut.values()), where, stacklevel=2)   # which predictions read only a prefix
        if args.json:
            return {**out, where: numbers, **({"truncated": cut_at} if cut_at else {})}
        return {"text": self.format_predictions(items, numbers, out)}

    def evaluate(self, args: argparse.Namespace) -> dict[str, Any]:
        task = load_run(self.task.load, args.run)
        self.fill_from_run(args, task)
        data = self.load(args, "evaluate")
        given = data is not None
        own = data is None or (data.source.get("dataset") is not None
                               and data.source.get("dataset") == task.data.get("dataset"))
        if data is None:
            data = self.load_source(task.data, args)
        elif not own and data.source.get("file") and self._training_data(task, data):
            own = own_file_moved(task.data, data.source)   # else warned: its training items are scored too
        if own:
            data = self.held_out(task, data, given)
        elif data.test is not None and data.source.get("dataset") is not None:
            data = data.test    # a registered data set given to a run trained on other data: its own test split, as
            # the run's own set is scored (its benchmark part); its train split was scored (tsc: GunPoint's 50
            # training series; generate: Shakespeare's training works, 4.1 M characters)
        data = self.restrict(data, args)
        return {**self.scores(task, data, args), **self.extra_scores(task, data, args), "n": len(data.inputs)}

    def _training_data(self, task: Any, data: Data) -> bool:
        """Whether ``data`` (read from a file named by a data flag) is the data the run was trained on: it holds
        the run's held-out items where training recorded them (their sha256), or it is the very file recorded
        by an absolute path. Scoring it scores training items too (``evaluate --csv train.csv`` reported 1.0
        on 80 rows, 64 of them trained on, without a word)."""
        from rnnkit.errors import RnnkitError

        recorded = task.data.get("file")
        if task.split.get("test", {}).get("items_sha256") is not None:   # runs saved before it: by path alone
            try:
                self.held_out(task, data)
                return True
            except RnnkitError:    # another size, other items, or a held-out part that is not items of the data
                pass
        return (bool(recorded) and not task.data.get("stream") and Path(recorded).is_absolute()
                and same_file(data.source["file"], recorded))   # a stream's '/dev/fd/63' is another pipe now

    def held_out(self, task: Any, data: Data, given: bool = False) -> Data:
        """The part of the run's own data that its training held out (``split.json``'s ``"test"``); ``given``: the
        run's own data set was typed (``--dataset``), not read from the run's record."""
        if data.test is not None:
            return check_held_out(task, data.test)
        rec = task.split.get("test", {})
        if rec.get("rule") != "random" or "items" not in rec:
            import re   # a held-out file of its own ('the series of --test-ts PATH'): evaluate reads it as --ts
            own = re.fullmatch(r"the series of --test-(\w+) (.+)", str(rec.get("rule")))
            how = f"; score it with --{own[1]} {own[2]}" if own else ""
            raise UsageError(f"input: expected a data flag (this run's held-out part is {rec.get('rule')!r}, "
                             f"not recorded as items of its data{how})")
        if not rec["items"]:      # --test-fraction 0: nothing held out (the empty part's digest matched any data)
            head = (f"--dataset: expected other data than the run's own {data.source.get('dataset')!r}" if given
                    else "input: expected a data flag")   # the typed flag named: 'a data flag' was typed
            raise UsageError(f"{head} (this run held nothing out: it was trained with --test-fraction 0)")
        if rec.get("source_size") != len(data.inputs):
            from rnnkit.errors import DataError

            raise DataError(f"--run: the run held out items of a data set of {rec.get('source_size')} items, got "
                            f"{len(data.inputs)} items now (the data changed since training)")
        return check_held_out(task, _pick(data, rec["items"]))
