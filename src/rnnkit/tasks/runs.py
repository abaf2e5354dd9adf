"""The run folder: one format for every task, written atomically and verified before anything is read.

A run folder holds everything ``predict``/``evaluate`` need on another machine (no pickle)::

    RUN/config.json        {"task", "schema_version": 2, "rnnkit_version",
                            "config":  the task config (rebuilt through its own validation on load),
                            "state":   the task's JSON state (e.g. tsc's standardisation mean/std),
                            "history": the fit's summary (epochs, best epoch, seconds, validation split),
                            "data":    where the training data came from and the column names it used,
                            "baselines": the names of the baselines saved with the run}
    RUN/model.safetensors  the network's weights
    RUN/vocab.json         the vocabularies (tokens with <pad>/<unk>, labels, tags, characters), if any
    RUN/baseline.safetensors + baseline.json  every baseline fitted in the same fit: tensors named
                           "<baseline>/<tensor>", JSON {baseline: state}
    RUN/split.json         the held-out split: {"validation": ..., "test": ...} (rule, seed, indices)
    RUN/lexicon.json       a task's own file (EXTRA_FILES): the translator's external lexicon, its sha256 in the state
    RUN/metrics.jsonl      one JSON row per training epoch (what the Trainer logged)
    RUN/digests.json       the sha256 of every file above, written last

Files are written with :func:`rnnkit._io.atomic_write_bytes` and listed in ``digests.json``
(:func:`rnnkit._io.write_digests`) after all of them exist, so a folder with a digest map is complete. A save
that fails (a full disk, Ctrl-C) removes the files it created, so a new folder is left as it was found.
:func:`load_run` verifies every listed file (:func:`rnnkit._io.verify_digests`: a missing or empty map is
an error) before it reads any, then rebuilds the config through the config class's own validation
(:func:`config_from_dict`); :func:`run_vocab`, :func:`run_file` and :func:`run_baselines` turn a missing
key, a wrong type or a refused value into a one-line :class:`~rnnkit.errors.CheckpointError` naming the
file. Weights must match the rebuilt network's names, shapes and dtypes (:func:`load_weights`).
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import asdict, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from rnnkit._io import (DIGESTS_FILE, atomic_write_bytes, check_folder_path, dumps_json, folder_lock, read_json,
                        sha256_bytes, unlisted_files, verify_digests, write_digests)
from rnnkit._paths import expand_user
from rnnkit._saved_version import (ReadKeys, check_known_keys, newer_keys_hint, older_keys_hint, version_hint,
                                   warn_newer)
from rnnkit._staged import remove_stale_temps
from rnnkit._version import __version__
from rnnkit.errors import CheckpointError, InputTypeError, RnnkitError

if TYPE_CHECKING:   # annotations only: the config modules import added_field, so --help loads no torch
    from torch import Tensor, nn

__all__ = ["RUN_SCHEMA", "RUN_FILES", "OPTIONAL_FILES", "EXTRA_FILES", "BASELINE_FILES", "SECTIONS", "RUN_KEYS", "save_run", "load_run", "restoring",
           "check_run_folder", "saved_task", "check_record",
           "load_weights", "config_from_dict", "task_config", "run_file", "run_vocab", "run_baselines"]

RUN_SCHEMA = 2
RUN_FILES = ("config.json", "model.safetensors")
VOCAB_FILE, SPLIT_FILE, METRICS_FILE = "vocab.json", "split.json", "metrics.jsonl"
BASELINE_FILES = ("baseline.safetensors", "baseline.json")
#: A task's own files beside config.json, written as the task gives their bytes (``save_run(extra=...)``) and verified
#: with the rest: the translator's external lexicon (~10 MB of config.json's state on trans-de-en, session 34).
EXTRA_FILES = ("lexicon.json",)
OPTIONAL_FILES = (VOCAB_FILE, *BASELINE_FILES, SPLIT_FILE, METRICS_FILE, *EXTRA_FILES)
#: The JSON objects of config.json besides the task name and versions.
SECTIONS = ("config", "state", "history", "data")
#: Every key config.json has held since RUN_SCHEMA 2 (save_run's meta): another one is a newer rnnkit's.
RUN_KEYS = ("task", "schema_version", "rnnkit_version", *SECTIONS, "baselines")


def _st_save(tensors: dict[str, Tensor]) -> bytes:
    from safetensors.torch import save

    return save({k: v.detach().cpu().contiguous() for k, v in tensors.items()})


def save_run(path: str | os.PathLike, task: str, config: Any, model: nn.Module, *,
             vocabs: dict[str, Any] | None = None, state: dict | None = None, history: dict | None = None,
             data: dict | None = None, split: dict | None = None, epochs: list[dict] | None = None,
             baselines: dict[str, tuple[dict[str, Tensor], dict]] | None = None,
             extra: dict[str, bytes] | None = None) -> Path:
    """Write a run folder (see the module docstring) and return its path.

    ``config``: a dataclass (or dict); ``vocabs``: names to :class:`~rnnkit.data.vocab.Vocab` (anything
    with ``to_dict``) or JSON values; ``baselines``: names to ``(tensors, json_state)``; ``epochs``: the
    per-epoch rows for ``metrics.jsonl``; ``extra``: names of :data:`EXTRA_FILES` to their bytes (:func:`load_run`
    gives them back as ``run["extra"]``). Files of an earlier save that this one does not write are
    removed, so the folder never mixes two runs."""
    root = check_folder_path(path, "path")  # a link to nothing: a ConfigError, not mkdir's FileExistsError
    cfg = asdict(config) if hasattr(config, "__dataclass_fields__") else dict(config)
    meta = {"task": task, "schema_version": RUN_SCHEMA, "rnnkit_version": __version__, "config": cfg,
            "state": state or {}, "history": history or {}, "data": data or {}, "baselines": sorted(baselines or {})}
    files = {"model.safetensors": _st_save(model.state_dict())}
    if vocabs:
        files[VOCAB_FILE] = dumps_json({k: (v.to_dict() if hasattr(v, "to_dict") else v) for k, v in vocabs.items()},
                                       ensure_ascii=False).encode()
    if baselines:
        tensors = {f"{name}/{k}": v for name, (t, _) in baselines.items() for k, v in t.items()}
        if tensors:
            files[BASELINE_FILES[0]] = _st_save(tensors)
        files[BASELINE_FILES[1]] = dumps_json({n: m for n, (_, m) in baselines.items()}, ensure_ascii=False).encode()
    for name, blob in (extra or {}).items():
        if name not in EXTRA_FILES or not isinstance(blob, bytes):
            raise InputTypeError(f"extra: expected file names among {list(EXTRA_FILES)} with bytes, got {name!r}: "
                                 f"{type(blob).__name__}")
        files[name] = blob
    if split:
        files[SPLIT_FILE] = dumps_json(split).encode()
    if epochs:
        files[METRICS_FILE] = "".join(dumps_json(r) + "\n" for r in epochs).encode()
    files["config.json"] = dumps_json(meta, ensure_ascii=False, indent=1).encode()
    root.mkdir(parents=True, exist_ok=True)   # after the files' bytes: a value JSON cannot hold left an empty folder
    from rnnkit.tasks.forecasting.run_files import saved_files
    from rnnkit.tasks.forecasting.save_backup import kept
    from rnnkit.training.certified import fit_holds

    # a second save into this folder (another process) waits: files never interleave; held, a killed save's record is
    # rolled back here without a second lock (check_run_folder)
    with folder_lock(root), fit_holds(root):
        check_run_folder(root, task=task)
        _remove_stale_temps(root, files)
        new = [name for name in files if not os.path.lexists(root / name)]
        try:
            # the earlier run's files moved aside until this one is whole (a full disk at vocab.json left the new
            # weights under the old map: a run no load took); put back when the save fails or is killed
            kept(root, lambda: _write_run(root, files), saved_files, _RUN_NAMES)
        except BaseException:
            _remove(root, new)
            raise
    return root


#: The names a task save writes at the top of a run folder, and their temporary files (a failed save's are removed).
_RUN_NAMES = re.compile(r"(?:\.tmp-)?(?:" + "|".join(re.escape(n) for n in (*RUN_FILES, *OPTIONAL_FILES, DIGESTS_FILE))
                        + r")(?:-[0-9a-f]{8})?")


def _write_run(root: Path, files: dict[str, bytes]) -> None:
    for name, blob in files.items():
        atomic_write_bytes(root / name, blob)
    for name in OPTIONAL_FILES:  # left over from an earlier save into this folder: not this run's
        if name not in files:
            (root / name).unlink(missing_ok=True)
    # the digests of the bytes written here, checked against the disk: a file replaced meanwhile by a
    # writer that does not lock is an error, never a certified mixture of two runs
    write_digests(root, list(files), expected={n: sha256_bytes(b) for n, b in files.items()})


def check_record(name: str, value: Any) -> dict | None:
    """``value`` (``None`` or a dict that JSON can hold: :meth:`Task.save`'s ``data`` and ``split``) as given; an
    InputTypeError naming ``name`` otherwise -- a str split was a bare "'str' object is not a mapping", an object
    in data a bare TypeError of json after the task kept it (every later save failed too) and an empty run folder.

    >>> check_record("data", {"csv": "a.csv"}), check_record("split", None)
    ({'csv': 'a.csv'}, None)
    >>> check_record("split", "test")
    Traceback (most recent call last):
    rnnkit.errors.InputTypeError: split: expected None or a dict (JSON values), got str 'test'
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputTypeError(f"{name}: expected None or a dict (JSON values), got {type(value).__name__} "
                             f"{str(value)[:40]!r}")
    try:
        dumps_json(value)
    except (TypeError, ValueError) as e:   # ValueError: a circular reference
        raise InputTypeError(f"{name}: expected a dict of JSON values (str, numbers, bools, None, lists, dicts), "
                             f"got {e}") from None
    return value


def _remove_stale_temps(root: Path, names: Any) -> None:
    """Remove the temporary files (``.tmp-<name>-<8 hex>``, :func:`rnnkit._io.atomic_write_bytes`) that a save of
    these names killed outright (SIGKILL, power loss) left: each could be the size of the weights, kept forever
    (checkpoint saves already remove theirs). Called under the folder's lock, so no save of them is under way.
    metrics.jsonl's are left: the CLI's live log of a training in progress writes it without the lock."""
    remove_stale_temps(root, {n for n in names if n != METRICS_FILE})


def _remove(root: Path, names: list[str]) -> None:
    """Remove the files a failed save (a full disk, Ctrl-C) created: a new folder is left as it was found. They
    were listed by no digest map, so the next save into the folder refused them as files 'no run there wrote'."""
    for name in names:
        try:
            (root / name).unlink(missing_ok=True)
        except OSError:   # the error that stopped the save is the one to report
            pass


def check_run_folder(path: str | os.PathLike, name: str = "path", task: str | None = None) -> None:
    """Refuse (CheckpointError naming ``name``) a folder holding files of a run's names (config.json,
    model.safetensors, vocab.json, ...) that no earlier save there wrote (no ``digests.json`` lists
    them): a save would overwrite or delete them (``--out .`` in a project with its own config.json).
    With ``task``, a folder holding a saved run of another task is refused too (a ``tag`` save into a
    forecast run replaced it silently and left its forecast.csv/metrics.json beside the tagger).
    A new or empty folder, or one an earlier save of the same task wrote, passes. metrics.jsonl is not
    checked: the CLI writes it while training, so a run stopped by Ctrl-C leaves one that no save lists."""
    if Path(path).is_dir():
        from rnnkit.tasks.forecasting.save_backup import recover
        recover(path)     # a forecaster's save killed there: the run saved before it (forecasting.save_backup)
        foreign = unlisted_files(path, [n for n in (*RUN_FILES, *OPTIONAL_FILES, DIGESTS_FILE) if n != METRICS_FILE])
        if foreign:
            raise CheckpointError(f"{name}: expected a new folder or one an earlier run was saved in, got {str(path)!r} "
                                  f"holding {foreign} that no run there wrote (a save would overwrite or delete "
                                  "them): choose another folder")
        other = saved_task(path) if task is not None else None
        if other is not None and other != task:
            held = f"a {other!r} run" if other else "a saved run whose config.json names no task (a Trainer run folder?)"
            raise CheckpointError(f"{name}: expected a new folder or a {task!r} run folder, got {str(path)!r} holding "
                                  f"{held} (a save would replace it): choose another folder or remove it")


def saved_task(path: str | os.PathLike) -> str | None:
    """The task named by the run saved in the folder ``path`` (its config.json listed in its digests.json),
    ``None`` when no run is saved there, ``""`` when its config.json names none (a Trainer's run folder) or
    cannot be read."""
    cfg = Path(path) / "config.json"
    if not cfg.is_file() or unlisted_files(path, ["config.json", DIGESTS_FILE]):
        return None
    try:
        meta = read_json(cfg)
    except CheckpointError:
        return ""
    task = meta.get("task") if isinstance(meta, dict) else None
    return task if isinstance(task, str) else ""


def _st_load(path: Path) -> dict[str, Tensor]:
    from safetensors.torch import load

    try:
        return load(path.read_bytes())
    except Exception as e:  # safetensors raises its own error types
        raise CheckpointError(f"{path}: expected a valid safetensors file, got {' '.join(str(e).split())}") from None


def run_folder(path: Any, what: str = "path") -> Path:
    """``path`` as a saved run's folder: a file, or nothing there, is a CheckpointError naming ``what`` (the CLI
    passes ``--run``); anything but a str or path an InputTypeError. One rule for every task's load.

    >>> run_folder("/no/such/run")
    Traceback (most recent call last):
    rnnkit.errors.CheckpointError: path: expected a run folder, got '/no/such/run' (no such folder)
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(f"{what}: expected a run folder (a str or Path), got {type(path).__name__}")
    path = expand_user(path, what)   # '~/runs/x' (rnnkit._paths)
    if not Path(path).is_dir():
        raise CheckpointError(f"{what}: expected a run folder, got {str(path)!r} "
                              f"({'a file' if Path(path).exists() else 'no such folder'})")
    if not os.access(path, os.X_OK):   # its files cannot be opened: was a PermissionError naming '.saving.json'
        raise CheckpointError(f"{what}: expected a run folder this user can open, got {str(path)!r} (permission "
                              "denied)")
    from rnnkit.tasks.forecasting.save_backup import recover
    recover(path)     # a forecaster's save killed there: the run saved before it (forecasting.save_backup)
    return Path(path)


def load_run(path: str | os.PathLike, task: str, config_cls: type) -> dict[str, Any]:
    """Read a run folder written by :func:`save_run` for ``task``.

    Returns ``{"path", "config", "weights", "vocabs", "state", "rnnkit_version", "history", "data", "split",
    "baselines", "extra"}`` (``state``: a :class:`~rnnkit._saved_version.ReadKeys`):
    ``config`` a ``config_cls`` validated as if typed, ``baselines`` names to ``(tensors, json_state)``.
    Every file is checked against ``digests.json`` before it is read. CheckpointError naming the file
    when the folder is missing or incomplete, a file differs from its digest, is not valid JSON /
    safetensors, misses a key, holds a wrong type or a refused value, is of another schema or task."""
    root = run_folder(path, "run")
    cfg_path = root / "config.json"
    if not cfg_path.is_file():
        raise CheckpointError(f"run: expected {str(cfg_path)!r} (a folder written by 'train'), got no config.json")
    with folder_lock(root, shared=True):       # a save into this folder waits until everything is read
        return _load_locked(root, cfg_path, task, config_cls)


@contextmanager
def restoring(path: Any):
    """While a task is rebuilt from a read run (its state, vocabularies, weights, baselines): a value of a wrong type
    or shape there -- config.json, vocab.json or baseline.json edited by hand, their digests made again -- is a
    CheckpointError naming the folder. It was the bare TypeError or ValueError of whatever read it ("'float' object
    is not iterable" from ``rnnkit export`` and ``TextClassifier.load``; the CLI's predict/evaluate wrapped it, the
    API and export did not), or torch's RuntimeError ("negative dimension -1": an ``embed_width`` of -1). The library's
    own errors pass as they are."""
    try:
        yield
    except RnnkitError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError, RuntimeError) as e:
        detail = " ".join(str(e).split()) or type(e).__name__
        raise CheckpointError(f"run: expected a valid run folder, got {str(path)!r} whose saved state does not load "
                              f"({type(e).__name__}: {detail})"[:400]) from e


def _load_locked(root: Path, cfg_path: Path, task: str, config_cls: type) -> dict[str, Any]:
    verify_digests(root, ["config.json"])      # first: the task it names (a forecaster folder has no model file)
    meta = read_json(cfg_path, f"a {task!r} run config")
    if not isinstance(meta, dict) or meta.get("task") != task:
        got = meta.get("task") if isinstance(meta, dict) else type(meta).__name__
        raise CheckpointError(f"{cfg_path}: expected a {task!r} run folder, got a {got!r} run")
    verify_digests(root, list(RUN_FILES) + [n for n in OPTIONAL_FILES if (root / n).exists()])
    found = meta.get("schema_version")
    if found != RUN_SCHEMA:   # a newer rnnkit's run was told to train it again (rnnkit._saved_version)
        raise CheckpointError(f"{cfg_path}: expected schema_version {RUN_SCHEMA}, got {found!r}"
                              + (version_hint(found, RUN_SCHEMA, meta.get("rnnkit_version"))
                                 or " (a folder of another rnnkit version: train it again)"))
    # a key a newer rnnkit added was ignored: the run predicted without what its writer recorded there
    saved_by = meta.get("rnnkit_version")
    check_known_keys(cfg_path, meta, RUN_KEYS, "the keys of a run's config.json", saved_by)
    for key in SECTIONS:
        if not isinstance(meta.get(key), dict):
            raise CheckpointError(f"{cfg_path}: expected {key!r} as a JSON object, got "
                                  f"{type(meta.get(key)).__name__ if key in meta else 'no such key'}")
    config = config_from_dict(config_cls, meta["config"], source=cfg_path)
    vocabs: dict = {}
    if (root / VOCAB_FILE).exists():
        vocabs = read_json(root / VOCAB_FILE, "the run's vocabularies")
        if not isinstance(vocabs, dict):
            raise CheckpointError(f"{root / VOCAB_FILE}: expected a JSON object of vocabularies, got {type(vocabs).__name__}")
    split = read_json(root / SPLIT_FILE, "the run's held-out split") if (root / SPLIT_FILE).exists() else {}
    warn_newer(cfg_path, saved_by, stacklevel=5)   # a later release's settings inside a section are not read
    # the state remembers the keys its task reads back (Task.load names the rest: rnnkit._saved_version.unread_state)
    return {"path": root, "config": config, "weights": _st_load(root / "model.safetensors"), "vocabs": vocabs,
            "state": ReadKeys(meta["state"]), "rnnkit_version": saved_by, "history": meta["history"],
            "data": meta["data"],
            "split": split if isinstance(split, dict) else {}, "baselines": _read_baselines(root),
            "extra": {n: (root / n).read_bytes() for n in EXTRA_FILES if (root / n).exists()}}   # verified above


def _read_baselines(root: Path) -> dict[str, tuple[dict[str, Tensor], Any]]:
    where = root / BASELINE_FILES[1]
    if not where.exists():
        return {}
    metas = read_json(where, "the baselines' states")
    if not isinstance(metas, dict):
        raise CheckpointError(f"{where}: expected a JSON object {{baseline: state}}, got {type(metas).__name__}")
    tensors = _st_load(root / BASELINE_FILES[0]) if (root / BASELINE_FILES[0]).exists() else {}
    out: dict[str, tuple[dict[str, Tensor], Any]] = {name: ({}, m) for name, m in metas.items()}
    for key, t in tensors.items():
        name, _, sub = key.partition("/")
        if name not in out or not sub:
            raise CheckpointError(f"{root / BASELINE_FILES[0]}: expected tensors named '<baseline>/<tensor>' of "
                                  f"{sorted(out)}, got {key!r}")
        out[name][0][sub] = t
    return out


def load_weights(net: nn.Module, weights: dict[str, Tensor], where: str = "model.safetensors") -> None:
    """Load a run's weights into ``net`` (built from the saved config): the same tensor names, shapes and
    dtypes or a CheckpointError naming ``where``; ``net`` is left in eval mode."""
    from rnnkit.training.checkpoint import check_state_dict

    check_state_dict(net, weights, f"{where} (the weights of config.json's model)")
    net.load_state_dict(weights)
    net.eval()


def task_config(config: Any, cls: type) -> Any:
    """``config`` (``None``: ``cls()``), or InputTypeError unless it is a ``cls``."""
    config = cls() if config is None else config
    if not isinstance(config, cls):
        raise InputTypeError(f"config: expected a {cls.__name__}, got {type(config).__name__}")
    return config


@contextmanager
def run_file(path: str | os.PathLike, what: str):
    """Errors raised while rebuilding ``what`` from the run file ``path`` (a missing key, a wrong type, a
    value the constructor refuses) become one-line CheckpointErrors naming the file.

    >>> with run_file("RUN/vocab.json", "a 'labels' vocabulary"):
    ...     {}["tokens"]
    Traceback (most recent call last):
    rnnkit.errors.CheckpointError: RUN/vocab.json: expected a 'labels' vocabulary, got no key 'tokens'
    """
    try:
        yield
    except CheckpointError:
        raise
    except (KeyError, IndexError) as e:
        raise CheckpointError(f"{path}: expected {what}, got no key {e}") from None
    except (TypeError, ValueError, AttributeError) as e:
        detail = str(e) if isinstance(e, RnnkitError) else f"{type(e).__name__}: {e}"
        raise CheckpointError(f"{path}: expected {what}, got {' '.join(detail.split())}") from None


ABSENT = "absent"  # a config field's metadata key: the value that reproduces runs saved before the field


def added_field(default: Any, absent: Any) -> Any:
    """A config field added after runs were saved: ``default`` for new runs, ``absent`` for a saved run
    whose config.json predates it -- the value that reproduces what that run did (its behaviour then),
    which is not always the new default."""
    return field(default=default, metadata={ABSENT: absent})


def config_from_dict(cls: type, d: Any, source: str | os.PathLike = "config"):
    """Rebuild a frozen config dataclass from its saved dict, validated as if typed: unknown keys, missing
    keys (except fields declared with :func:`added_field`, which take their ``absent`` value: the run was
    saved before they existed) and any value the config refuses are a CheckpointError naming ``source``.

    >>> from dataclasses import dataclass
    >>> from rnnkit._validate import check_number
    >>> @dataclass(frozen=True)
    ... class C:
    ...     lr: float = 0.1
    ...     def __post_init__(self):
    ...         check_number("lr", self.lr, lo=0, lo_open=True)
    >>> config_from_dict(C, {"lr": -1.0}, "RUN/config.json")
    Traceback (most recent call last):
    rnnkit.errors.CheckpointError: RUN/config.json: expected a valid C, got lr: expected a number > 0, got -1.0
    """
    if not isinstance(d, dict):
        raise CheckpointError(f"{source}: expected the {cls.__name__} settings as a JSON object, got {type(d).__name__}")
    names = {f.name for f in fields(cls)}
    older = {f.name: f.metadata[ABSENT] for f in fields(cls) if ABSENT in f.metadata and f.name not in d}
    unknown, missing = sorted(set(d) - names), sorted(names - set(d) - set(older))
    if unknown or missing:
        raise CheckpointError(f"{source}: expected the keys of {cls.__name__}, got unknown {unknown}, missing {missing}"
                              f"{newer_keys_hint(unknown) or older_keys_hint(missing)}")
    kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in {**older, **d}.items()}
    with run_file(source, f"a valid {cls.__name__}"):
        return cls(**kw)


def run_vocab(run: dict[str, Any], key: str, cls: type | None = None) -> Any:
    """The vocabulary ``key`` of a loaded run (a :class:`~rnnkit.data.vocab.Vocab`, or ``cls``), or a
    CheckpointError naming vocab.json when it is absent or malformed."""
    from rnnkit.data.vocab import Vocab

    where = run["path"] / VOCAB_FILE
    if key not in run["vocabs"]:
        raise CheckpointError(f"{where}: expected a {key!r} vocabulary, got {sorted(run['vocabs'])}")
    with run_file(where, f"a {key!r} vocabulary"):
        return (cls or Vocab).from_dict(run["vocabs"][key])


def run_baselines(run: dict[str, Any], types: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """The run's baselines rebuilt by ``types[name].from_state((tensors, json_state))``; a baseline the
    task does not know, or a malformed state, is a CheckpointError naming baseline.json."""
    where = run["path"] / BASELINE_FILES[1]
    out = {}
    for name, state in run["baselines"].items():
        if name not in types:
            raise CheckpointError(f"{where}: expected baselines among {sorted(types)}, got {name!r}")
        with run_file(where, f"the state of baseline {name!r}"):
            out[name] = types[name].from_state(state)
    return out
