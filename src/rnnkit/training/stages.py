"""A fit of several Trainer fits (a task's fit: a network, a seed ensemble's networks, a pretraining, a refit) that
checkpoints every one of them and resumes after an interruption at the last completed epoch.

A task fit with checkpoints (``Task.fit(..., checkpoint_dir=D, resume=...)``; the CLI's ``train`` uses
``--out``/``training``) runs inside :func:`checkpointed_fit`. Each Trainer fit it makes asks :func:`next_stage` for its
place: the k-th asks get ``D/stage-0k/``, a Trainer ``run_dir`` with a checkpoint after every epoch. A task fit is
deterministic given its data, its config and its seed, so the k-th Trainer fit of the resumed fit is the k-th of the
interrupted one: a stage that finished is loaded from its last checkpoint (no training; the global RNGs set as they
were when it ended, so what follows draws the same numbers), the stage that was running continues from its last
completed epoch (:mod:`rnnkit.training.resume`: exact), later stages train as they would have. The resumed fit ends
with the same weights as an uninterrupted one (CPU, one process).

``D/resume.json`` (written atomically, its own sha256 inside, verified on load) records the task, its config (all but
``progress``), the baselines asked for, the sha256 of the data given, the caller's ``extra`` (the CLI's sampling
flags) and the rnnkit version. A resume with anything else is a CheckpointError naming what differs. A fit another
rnnkit version interrupted (``resume.json``'s version, or before it recorded one its first stage's ``config.json``'s)
is refused naming both versions: its stages were trained by other code, which may read, split or set up the same files
and flags otherwise (0.2.0's ``generate --text`` validates on half the held-out part where 0.1.0 took all of it; its
classify default reads other embeddings), so the resumed fit would be neither version's -- and "got other data" had
sent the user looking for a changed file. A fit that cannot be resumed to the
same model says so in ``resume.json`` as soon as that is known, and a resume is refused with the reason:

* a time budget (``max_seconds``): the interruption spent wall time the uninterrupted fit trained in;
* a callback that keeps something across epochs without a state the checkpoint holds (a snapshot ensemble's or
  a checkpoint average's kept weights): it would average the resumed epochs only;
* a Trainer fit that takes no stage (run_dir ``None``; :func:`rnnkit.training.resume.prepare_run_dir` reports it):
  it is never checkpointed.
"""

from __future__ import annotations

import contextvars
import dataclasses
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from rnnkit._io import atomic_write_bytes, check_folder_path, read_json, sha256_bytes
from rnnkit._validate import is_bool
from rnnkit._version import __version__
from rnnkit.errors import CheckpointError, ConfigError, InputTypeError, RnnkitError

__all__ = ["MANIFEST", "STAGE_PREFIX", "Stage", "checkpointed_fit", "next_stage", "data_sha256", "read_manifest",
           "note_unstaged_fit", "unsafe_callbacks", "holds_checkpoints", "remove_checkpoints",
           "resumable", "pin_input", "resumed_steps"]

MANIFEST = "resume.json"
STAGE_PREFIX = "stage-"
#: The names :func:`next_stage` gives (``stage-00``, ``stage-01``, ...): only these are ever removed.
_STAGE_NAME = re.compile(re.escape(STAGE_PREFIX) + r"[0-9]{2,}\Z")
_GONE = ".removing-"     # a stage being removed (remove_checkpoints)
_FORMAT = 1
#: Config fields a resumed fit may change: they do not change what is trained.
RESUMABLE_FIELDS = frozenset({"progress"})
#: Callbacks without a state of their own that keep nothing across epochs (by module and name; their modules are
#: not imported here). Any callback with its own ``state_dict`` is safe too: the checkpoint holds it.
STATELESS = frozenset({"rnnkit.tasks.task_parts.WallClock", "rnnkit.tasks.seq2seq_members.MemberTag",
                       "rnnkit.training.callbacks.logs.MetricLogger", "rnnkit.training.callbacks.logs.ProgressBar",
                       "rnnkit.training.callbacks.control.Checkpointer", "rnnkit.training.callbacks.control.TimeBudget"})


def data_sha256(data: Any) -> str:
    """The sha256 of ``data`` (nested lists / tuples / dicts of str, numbers, None and numpy arrays: texts, token
    lists, series) as canonical JSON, arrays with their dtype.

    >>> data_sha256([["a b"], ["x"]]) == data_sha256([["a b"], ["x"]]) != data_sha256([["a b"], ["y"]])
    True
    """
    def plain(v: Any) -> Any:
        if hasattr(v, "numpy") and hasattr(v, "detach"):     # a tensor
            v = v.detach().cpu().numpy()
        if isinstance(v, np.ndarray):   # by its bytes: JSON of a large panel's values took gigabytes
            return {"dtype": str(v.dtype), "shape": list(v.shape),
                    "sha256": sha256_bytes(np.ascontiguousarray(v).tobytes())}
        if isinstance(v, np.generic):
            return v.item()
        raise InputTypeError(f"data: expected texts, numbers, lists or arrays to digest, got {type(v).__name__}")

    text = json.dumps(data, ensure_ascii=False, default=plain, allow_nan=True, sort_keys=True)
    return sha256_bytes(text.encode("utf-8", "surrogatepass"))


def holds_checkpoints(folder: str | os.PathLike) -> list[str]:
    """The stage folders of ``folder`` holding checkpoints (an earlier fit trained at least one epoch there); an empty
    ``checkpoints/`` (a full disk at the first checkpoint) holds none, so the same command runs again as it was."""
    root = Path(folder)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if _STAGE_NAME.match(p.name) and (p / "checkpoints").is_dir()
                  and any((p / "checkpoints").iterdir()))


def _ours(root: Path) -> bool:
    """Whether ``root`` holds the verified record of a checkpointed fit (written before any of its stages)."""
    try:
        read_manifest(root)
    except CheckpointError:
        return False
    return True


def resumable(root: str | os.PathLike) -> bool:
    """Whether the fit recorded in ``root`` may be resumed (no reason against it recorded, run by this rnnkit
    version): one that may not is of no use, and a fresh fit there replaces it."""
    try:
        old = read_manifest(root)
    except CheckpointError:   # unreadable: kept, so that nothing is replaced without a word
        return True
    by = _written_by(Path(root), old)    # another version's: refused by a resume, so a new fit may replace it
    return not old.get("unresumable") and (by is None or by == __version__)


def remove_checkpoints(folder: str | os.PathLike) -> None:
    """Remove what a checkpointed fit wrote into ``folder`` (its record and stage folders; ``folder`` itself when
    that leaves it empty): nothing else there is touched (a ``training/`` folder of the user's own). Without a
    record of ours nothing there is ours (it is written before any stage), and only ``stage-NN`` folders are: a
    user's ``stage-notes/`` in a ``checkpoint_dir`` (or ``--out``/training) was deleted with everything in it."""
    import shutil

    root = Path(folder)
    if not root.is_dir() or not _ours(root):
        return
    # each stage is renamed out of the way before it is deleted (one atomic step): a removal interrupted in a
    # stage's rmtree left it half deleted under its own name, and a resume (the record is removed last) failed on
    # it; a stage is now whole or gone (a resume trains a gone one again: the same weights)
    # another process may be removing the same fit's files meanwhile (a second --resume of a training that ended while
    # this process saved its run): what it removed first is gone, not an error -- the run was saved, yet the command
    # failed with 'FileNotFoundError: ... stage-00 -> ... .removing-stage-00'
    try:
        entries = sorted(root.iterdir())
    except FileNotFoundError:
        return
    for entry in entries:
        name = entry.name[len(_GONE):] if entry.name.startswith(_GONE) else entry.name
        if _STAGE_NAME.match(name) and entry.is_dir() and not entry.is_symlink():
            try:
                if entry.name == name:
                    entry = entry.rename(root / (_GONE + name)) if not (root / (_GONE + name)).exists() else entry
                shutil.rmtree(entry)
            except FileNotFoundError:
                pass
    (root / MANIFEST).unlink(missing_ok=True)
    try:
        root.rmdir()
    except OSError:     # it holds something else
        pass


def _canonical(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, allow_nan=False).encode("utf-8")


def write_manifest(folder: Path, body: dict) -> None:
    """``folder/resume.json``: ``{"format", "sha256" (of the body's canonical JSON), "body"}``, in one atomic write."""
    blob = json.dumps({"format": _FORMAT, "sha256": sha256_bytes(_canonical(body)), "body": body},
                      ensure_ascii=False, indent=1, allow_nan=False)
    atomic_write_bytes(folder / MANIFEST, (blob + "\n").encode("utf-8"))


def read_manifest(folder: str | os.PathLike) -> dict:
    """The verified body of ``folder/resume.json``; a CheckpointError naming the file when it is missing, not
    JSON, of another format or differs from its recorded sha256 (edited, or written by something else)."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise CheckpointError(f"{path}: expected the record of a checkpointed fit, got "
                              f"{'a folder' if path.exists() else 'no such file'}")
    data = read_json(path, "the record of a checkpointed fit")
    if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("body"), dict):
        raise CheckpointError(f"{path}: expected {{'format': {_FORMAT}, 'sha256', 'body'}}, got "
                              f"{sorted(data) if isinstance(data, dict) else type(data).__name__}")
    if data.get("sha256") != sha256_bytes(_canonical(data["body"])):
        raise CheckpointError(f"{path}: expected the body recorded by its sha256, got different content (the file "
                              "was edited or damaged)")
    return data["body"]


def _config_dict(config: Any) -> dict:
    cfg = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config)
    return json.loads(json.dumps({k: v for k, v in cfg.items() if k not in RESUMABLE_FIELDS}, default=str))


@dataclass
class _Fit:
    folder: Path
    resume: bool
    body: dict
    begun: int = 0          # stages asked for so far in this fit
    written: bool = False   # the record is in the folder (a fresh fit writes it when its first training starts)

    def write(self) -> None:
        """Write the record; the first time, after removing a record of a fit stopped before any checkpoint (a fresh
        fit that fails in its data checks creates nothing, not even the folder)."""
        if not self.written:
            remove_checkpoints(self.folder)
            self.folder.mkdir(parents=True, exist_ok=True)
        write_manifest(self.folder, self.body)
        self.written = True

    def mark(self, reason: str) -> None:
        """Record (once) why this fit cannot be resumed to the same model."""
        if self.body.get("unresumable") is None:
            self.body["unresumable"] = reason
            self.write()
        elif not self.written:
            self.write()


_ACTIVE: contextvars.ContextVar[_Fit | None] = contextvars.ContextVar("rnnkit_checkpointed_fit", default=None)


def _diff(old: dict, new: dict, flags: bool = False) -> list[str]:
    """``key: old there, new here`` for each key that differs; ``flags``: the key as the CLI flag that sets it
    (``--hidden-size``: the task commands' flags are the config fields so spelled; 'hidden_size' named none)."""
    show = (lambda k: k if k.startswith("--") else "--" + k.replace("_", "-")) if flags else str
    return [f"{show(k)}: {old.get(k, '<absent>')!r} there, {new.get(k, '<absent>')!r} here"
            for k in sorted(set(old) | set(new)) if old.get(k, "<absent>") != new.get(k, "<absent>")]


@contextmanager
def checkpointed_fit(folder: Any, *, task: str, config: Any, data: str, resume: Any = False,
                     baselines: Any = True, extra: dict | None = None, name: str = "checkpoint_dir") -> Iterator[None]:
    """Run a task fit whose Trainer fits checkpoint into ``folder`` (the module docstring): with ``resume=False``
    ``folder`` must hold no earlier fit's record; with ``True`` it must hold the record of an interrupted fit of
    ``task`` with the same ``config`` (but :data:`RESUMABLE_FIELDS`), ``baselines``, ``data`` (a sha256,
    :func:`data_sha256`) and ``extra``. ``name``: the argument named in the errors (the CLI passes ``--out``)."""
    if not is_bool(resume):
        raise InputTypeError(f"resume: expected True or False, got {resume!r}")
    if not isinstance(folder, (str, os.PathLike)):
        raise InputTypeError(f"{name}: expected a folder (a str or Path), got {type(folder).__name__}")
    if _ACTIVE.get() is not None:
        raise ConfigError(f"{name}: expected a fit outside another checkpointed fit, got one inside it (a task fitted "
                          "inside a fit is checkpointed with it)")
    root = check_folder_path(folder, name)
    body = {"task": task, "config": _config_dict(config), "data_sha256": data,
            "baselines": baselines if is_bool(baselines) else sorted(map(str, baselines)),
            "extra": json.loads(json.dumps(extra or {}, default=str)), "unresumable": None,
            "rnnkit_version": __version__}
    if resume:
        body = _check_resume(root, body, name)
    else:
        if (root / MANIFEST).exists() and not _ours(root):   # another program's file: it was overwritten
            raise CheckpointError(f"{name}: expected a folder whose {MANIFEST} (if any) is a checkpointed fit's "
                                  f"record, got {str(root / MANIFEST)!r}, which is not one: choose another folder")
        held = holds_checkpoints(root)
        if held and resumable(root):     # a fit that cannot be resumed: its checkpoints are of no use
            raise CheckpointError(f"{name}: expected a folder holding no earlier fit's checkpoints, got {str(root)!r} "
                                  f"holding {held[:3]}: resume it (resume=True, CLI --resume), or choose another folder")
        if held and (by := _written_by(root, read_manifest(root))) not in (None, __version__):   # said, not silent
            import warnings
            warnings.warn(f"{name}: replacing the checkpoints of a fit rnnkit {by} interrupted in {str(root)!r} (only "
                          f"rnnkit {by} could resume it)", UserWarning, stacklevel=3)
        max_seconds = body["config"].get("max_seconds")
        if max_seconds is not None:
            body["unresumable"] = (f"its time budget (max_seconds={max_seconds}) counts wall time, which the "
                                   "interruption spent: a resumed fit would not end with the model of an uninterrupted one")
    token = _ACTIVE.set(_Fit(root, bool(resume), body, written=bool(resume)))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def _written_by(root: Path, old: dict) -> str | None:
    """The rnnkit version that ran the fit recorded in ``root``: its record's, or (a record written before it held one,
    rnnkit 0.2.0) the first stage's ``config.json``'s; ``None`` when neither says."""
    version = old.get("rnnkit_version")
    if isinstance(version, str):
        return version
    try:
        stage = read_json(root / f"{STAGE_PREFIX}00" / "config.json", "a stage's config")
    except (RnnkitError, OSError):     # no stage yet, or unreadable: no version said
        return None
    version = stage.get("rnnkit_version") if isinstance(stage, dict) else None
    return version if isinstance(version, str) else None


def _check_resume(root: Path, body: dict, name: str) -> dict:
    if not (root / MANIFEST).exists():
        raise CheckpointError(f"resume: expected the checkpoints of an interrupted fit in {str(root)!r} (its "
                              f"{MANIFEST}), got {'no such folder' if not root.exists() else 'none'}")
    old = read_manifest(root)
    where = str(root / MANIFEST)
    if old.get("task") != body["task"]:
        raise CheckpointError(f"resume: expected the checkpoints of a {body['task']!r} fit, got a {old.get('task')!r} "
                              f"fit's in {where!r}")
    if old.get("unresumable"):
        raise CheckpointError(f"resume: expected a fit that can be resumed, got one in {where!r} that cannot: "
                              f"{old['unresumable']}; train it again without resuming")
    by = _written_by(root, old)
    if by is not None and by != __version__:   # its stages were trained by other code: neither version's fit
        raise CheckpointError(f"resume: expected a fit interrupted under this rnnkit {__version__}, got one run by rnnkit "
                              f"{by} ({where}): another version may read, split or set up the same files and flags "
                              "otherwise, so the resumed fit would be neither version's: resume it with rnnkit "
                              f"{by}, or train it again without resuming")
    cli = name.startswith("--")    # the CLI's (name="--out"): its words are flags
    for key, what in (("config", "settings"), ("extra", "flags")):
        diff = _diff(old.get(key) or {}, body[key], flags=cli)
        if diff:
            raise CheckpointError(f"resume: expected the {what} of the interrupted fit ({where}), got other ones: "
                                  f"{'; '.join(diff[:4])}{' ...' if len(diff) > 4 else ''}")
    if old.get("baselines") != body["baselines"] and cli and all(is_bool(b) for b in (old.get("baselines"), body["baselines"])):
        given = lambda b: "absent" if b else "given"   # the CLI's baselines: all of them, or none with the flag
        raise CheckpointError(f"resume: expected the flags of the interrupted fit ({where}), got other ones: "
                              f"--no-baseline: {given(old['baselines'])} there, {given(body['baselines'])} here")
    if old.get("baselines") != body["baselines"]:
        raise CheckpointError(f"resume: expected the baselines of the interrupted fit ({where}): "
                              f"{old.get('baselines')!r}, got {body['baselines']!r}")
    if old.get("data_sha256") != body["data_sha256"]:
        raise CheckpointError(f"resume: expected the data of the interrupted fit ({where}: sha256 "
                              f"{str(old.get('data_sha256'))[:12]}…), got other data (sha256 {body['data_sha256'][:12]}…)")
    return old


class Stage:
    """One Trainer fit's place in a checkpointed fit (:func:`next_stage`); outside one, a stage that changes
    nothing. Use::

        stage = next_stage(callbacks)
        trainer = Trainer(net, loss_fn, config=cfg, callbacks=callbacks, **stage.trainer_kwargs())
        result = trainer.fit(train, val, **stage.fit_kwargs())
        stage.end(trainer)
    """

    def __init__(self, run_dir: Path | None = None, resume: bool = False) -> None:
        self.run_dir, self.resume = run_dir, resume

    def trainer_kwargs(self) -> dict:
        return {} if self.run_dir is None else {"run_dir": self.run_dir}

    def fit_kwargs(self) -> dict:
        return {} if self.run_dir is None else {"resume": "auto" if self.resume else False}

    def end(self, trainer: Any) -> None:
        """After ``trainer.fit``: a stage that finished before the interruption (loaded, no step taken now) sets
        the global RNGs as its last checkpoint recorded them -- as they were when it ended."""
        loaded = getattr(trainer, "resumed_from", None)
        if self.run_dir is not None and loaded is not None and loaded["global_step"] == trainer.global_step \
                and loaded.get("rng") is not None:
            from rnnkit.training.seed import set_rng_state

            set_rng_state(loaded["rng"])


def unsafe_callbacks(callbacks: Sequence[Any]) -> list[str]:
    """The names of the callbacks that may keep something across epochs which no checkpoint holds: neither a
    state of their own (``state_dict`` overridden) nor known to keep nothing (:data:`STATELESS`, or a class
    attribute ``resume_safe = True``)."""
    from rnnkit.training.callbacks import Callback

    out = []
    for c in callbacks:
        kind = type(c)
        if getattr(kind, "state_dict", None) is Callback.state_dict and not getattr(c, "resume_safe", False) \
                and f"{kind.__module__}.{kind.__qualname__}" not in STATELESS:
            out.append(kind.__name__)
    return out


def next_stage(callbacks: Sequence[Any] = ()) -> Stage:
    """The next stage of the checkpointed fit running now (``Stage()`` outside one). ``callbacks``: the Trainer's;
    one that keeps something no checkpoint holds (:func:`unsafe_callbacks`) makes the fit unresumable."""
    fit = _ACTIVE.get()
    if fit is None:
        return Stage()
    k = fit.begun
    fit.begun += 1
    unsafe = unsafe_callbacks(callbacks)
    if unsafe:
        fit.mark(f"its Trainer fit {k} has callback(s) {sorted(set(unsafe))} keeping what no checkpoint holds "
                 "(e.g. the weights of earlier epochs to average): a resumed fit would lose it")
    if not fit.written:
        fit.write()
    return Stage(fit.folder / f"{STAGE_PREFIX}{k:02d}", fit.resume)


def pin_input(name: str, digest: str, absent: str | None = None) -> None:
    """Inside a checkpointed fit, the sha256 ``digest`` of an input the fit reads besides its data (a file a config
    field names: translate's ``lexicon=PATH``) is recorded; a resumed fit that reads another one is a CheckpointError
    naming it -- the config holds the path, not the content, so an edited file was read silently and the resumed
    epochs trained on other inputs than the checkpointed ones (neither fit's model). Outside one: nothing.

    ``absent``: why a fit whose record holds no such pin cannot be resumed -- it was interrupted before the code
    recorded one, when it read its data otherwise (the tagger's sentences longer than ``max_len``: cut at it before
    session 34, in pieces since: :func:`rnnkit.tasks.tagging_inputs.pin_pieces`); ``None``: such a fit resumes."""
    fit = _ACTIVE.get()
    if fit is None:
        return
    pins = fit.body.setdefault("inputs", {})
    old = pins.get(name)
    if fit.resume and old is None and absent is not None:
        raise CheckpointError(f"resume: expected a fit that read its data as this rnnkit reads it, got one in "
                              f"{str(fit.folder / MANIFEST)!r} that {absent}; train it again without resuming")
    if fit.resume and old is not None and old != digest:
        raise CheckpointError(f"resume: expected the {name} of the interrupted fit ({str(fit.folder / MANIFEST)}: "
                              f"sha256 {str(old)[:12]}…), got another one (sha256 {digest[:12]}…): it changed since; "
                              "restore it, or train again without resuming")
    if old != digest:
        pins[name] = digest
        if fit.written:
            fit.write()


def resumed_steps(stage: int = 0) -> tuple[int, int, int] | None:
    """``(epoch, batch_in_epoch, global_step)`` of the latest checkpoint of stage ``stage`` (``stage-00``: a task's
    first Trainer fit) of the checkpointed fit being resumed; ``None`` outside a resumed fit, or with no readable
    checkpoint (the resume itself then says why). How many steps an epoch took tells how the interrupted fit read
    its data, where its record does not say (the tagger's sentences longer than max_len before session 35)."""
    fit = _ACTIVE.get()
    if fit is None or not fit.resume:
        return None
    folder = fit.folder / f"{STAGE_PREFIX}{stage:02d}" / "checkpoints"
    try:
        latest = read_json(folder / "latest.json", "the latest checkpoint's name")
        state = read_json(folder / str(latest["name"]) / "state.json", "a checkpoint's state")["state"]
        return int(state["epoch"]), int(state["batch_in_epoch"]), int(state["global_step"])
    except (RnnkitError, OSError, KeyError, TypeError, ValueError):
        return None


def note_unstaged_fit(trainer: Any) -> None:
    """A Trainer fit without a run_dir inside a checkpointed fit: never checkpointed, so the fit cannot be resumed
    (called by :func:`rnnkit.training.resume.prepare_run_dir`)."""
    fit = _ACTIVE.get()
    if fit is not None and trainer.run_dir is None:
        fit.mark(f"it trains a {type(trainer.module).__name__} outside the checkpointed stages (a Trainer without "
                 "run_dir): that training is never checkpointed")
