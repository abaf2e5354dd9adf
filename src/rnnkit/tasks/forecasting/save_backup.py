"""A save over a saved run keeps the earlier run until it is whole: the old files are moved aside, and put back when
the save fails or is killed.

A forecaster's save writes several files one after another (``auto/``'s candidates and maps, ``config.json``, then
``digests.json``), over the files of the run saved there before. A full disk (or Ctrl-C, a ``kill -9``) in the middle
left a mixture of the two saves: ``rnnkit forecast --out RUN`` over a run with a few KB free stopped at
``config.json`` and the earlier run, untouched until then, failed every load after ('auto/digests.json: expected
sha256 ..., the file is corrupt or was modified'). Now :func:`kept` (the save of
:func:`rnnkit.tasks.forecasting.run_files.save_replacing`, under the folder's exclusive lock,
:func:`rnnkit.training.save_lock.saving`) writes a record ``.saving.json`` naming the files the earlier digest maps
list, then moves them (renames: no space needed) into ``.tmp-old-save-<hex>/``; the save writes into a folder
without them. :func:`commit` removes the record (the commit point) and then the old files; :func:`roll_back` (the
save raised) moves them back. A record left by a killed save is rolled back by the next load or save
(:func:`recover`, from :func:`rnnkit.tasks.runs.run_folder` and ``check_run_folder``): the folder holds the old run or the new one, never a mixture; one that cannot be put back (a
read-only disk) is a CheckpointError naming the folder, never a load of mixed files. A task's save
(:func:`rnnkit.tasks.runs.save_run`: model.safetensors, vocab.json, ... then digests.json) keeps its earlier run the
same way: a full disk at vocab.json left the new weights under the earlier map.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any, Callable

from rnnkit._io import _fsync_dir, atomic_write_json, folder_lock, read_json
from rnnkit._oserrors import naming
from rnnkit.errors import CheckpointError
from rnnkit.training.certified import _OWNED, finish_replace, relocate

__all__ = ["RECORD", "kept", "begin", "commit", "roll_back", "recover"]

RECORD = ".saving.json"
_BACKUP = ".tmp-old-save-"


def kept(folder: Path, save: Callable[[], Any], listed: Callable[[Path], set[Path]], names: re.Pattern) -> Any:
    """``save()`` over the run saved in ``folder``, the earlier run kept whole until it returns (module docstring):
    ``listed(folder)`` gives the files of the earlier run (its digest maps list them), ``names`` matches what the
    save writes at the top of the folder (removed when the save is rolled back). An OSError that names no file (a
    write's ENOSPC) names ``folder``. Returns what ``save`` returned."""
    folder = Path(folder)
    record = begin(folder, listed, names)
    with naming(folder):    # validation.npz's ENOSPC named nothing (rnnkit._oserrors)
        try:
            out = save()
        except BaseException:
            if record is not None:
                try:
                    roll_back(folder, record)
                except (OSError, CheckpointError):   # the record stays: the next load or save puts the files back
                    pass
            raise
    commit(folder, record)
    return out


def begin(folder: Path, listed: Callable[[Path], set[Path]], names: re.Pattern) -> dict | None:
    """Move the files of the run saved in ``folder`` aside before a save over it; returns the record (``None`` only
    when the folder does not exist yet). A first save is recorded too (no files to move): killed after its files and
    before its map, it left files no map listed and the same save run again was refused for good ('that no run
    there wrote'); now the next load or save rolls it back. An OSError (no space for the record) leaves the folder
    as it was."""
    if (folder / RECORD).is_file():  # a save killed here earlier: its run first
        roll_back(folder, _read_record(folder))
    finish_replace(folder)           # a certified replacement interrupted after its commit point: the run it made
    _remove_stale_backups(folder)
    old = sorted(p.relative_to(folder).as_posix() for p in listed(folder) if p.is_file() and not p.is_symlink())
    if not old and not folder.is_dir():   # nothing here yet (an experiment's out): the save makes the folder
        return None
    backup = f"{_BACKUP}{uuid.uuid4().hex[:8]}"
    record = {"format": 1, "backup": backup, "files": old, "held": sorted(os.listdir(folder)), "names": names.pattern}
    try:
        atomic_write_json(folder / RECORD, record)     # first: a kill from here on is rolled back
        for rel in old:
            relocate(folder / rel, folder / backup / rel, sync=False)
        _fsync_dir(folder)
    except BaseException:
        try:
            roll_back(folder, record)
        except (OSError, CheckpointError):
            pass     # the record stays: the next load or save puts the files back
        raise
    return record


def commit(folder: Path, record: dict | None) -> None:
    """The save succeeded: remove the record (the commit point), then the earlier run's files and the folders the
    move left empty."""
    if record is None:
        return
    (folder / RECORD).unlink(missing_ok=True)
    _fsync_dir(folder)
    shutil.rmtree(folder / record["backup"], ignore_errors=True)
    for rel in record["files"]:       # folders of the old run that the new one does not use (as run_files did)
        parent = (folder / rel).parent
        while parent != folder and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def roll_back(folder: Path, record: dict) -> None:
    """Put the earlier run's files back (over what the failed save wrote), remove the new entries the save made at the
    top of ``folder`` (those the record's ``names`` matches, and rnnkit's temporary files of those:
    :func:`_made_by_save`; a user's file is never removed), then the record."""
    backup = folder / record["backup"]
    for rel in record["files"]:
        if (backup / rel).is_file():
            relocate(backup / rel, folder / rel, sync=False)
    held = set(record["held"]) | {RECORD}
    for name in set(os.listdir(folder)) - held:
        if _made_by_save(name, record["names"]):
            path = folder / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    _fsync_dir(folder)
    (folder / RECORD).unlink(missing_ok=True)
    _fsync_dir(folder)
    shutil.rmtree(backup, ignore_errors=True)


#: rnnkit's temporary name for a file NAME: a staged write's ``.tmp-NAME-<8 hex>`` (:func:`rnnkit._staged.stage_bytes`)
#: or a certified replacement's ``.tmp-new-NAME`` (:mod:`rnnkit.training.certified`).
_TEMPS = (re.compile(r"\.tmp-(.+)-[0-9a-f]{8}"), re.compile(r"\.tmp-new-(.+)"))


def _made_by_save(name: str, names: str) -> bool:
    """Whether ``name`` is one the save writes (``names`` matches it) or rnnkit's temporary file of one: a user's
    ``.tmp-mine`` or ``.tmp-notes.txt-0123abcd`` created meanwhile is no file of the save, and is kept.

    >>> [_made_by_save(n, r"config\\.json|auto") for n in ("auto", ".tmp-config.json-0123abcd", ".tmp-new-config.json",
    ...  ".tmp-mine", ".tmp-notes.txt-0123abcd", "notes.txt")]
    [True, True, True, False, False, False]
    """
    if re.fullmatch(names, name):
        return True
    return any(t and re.fullmatch(names, t[1]) for t in (p.fullmatch(name) for p in _TEMPS))


def _read_record(folder: Path) -> dict:
    path = folder / RECORD
    record = read_json(path, "the record of a save in progress")
    ok = (isinstance(record, dict) and isinstance(record.get("backup"), str) and record["backup"].startswith(_BACKUP)
          and "/" not in record["backup"] and isinstance(record.get("files"), list)
          and isinstance(record.get("held"), list) and isinstance(record.get("names"), str)
          and all(isinstance(r, str) and ".." not in Path(r).parts and not Path(r).is_absolute()
                  for r in record["files"] + record["held"]))
    if not ok:
        raise CheckpointError(f"{path}: expected the record of an interrupted save ({{'backup', 'files', 'held', "
                              "'names'}), "
                              "got an unusable one: the folder may hold two saves' files; save the run again")
    return record


def _remove_stale_backups(folder: Path) -> None:
    """Backups no record names (a save killed after its commit point, before it removed them), and the temporary
    file of a record whose atomic write was killed."""
    for entry in folder.glob(_BACKUP + "*"):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
    for entry in folder.glob(f".tmp-{RECORD}-*"):
        entry.unlink(missing_ok=True)


def recover(folder: str | os.PathLike) -> None:
    """Roll back a save that was killed in ``folder`` (its record is there), under the folder's exclusive lock; a
    folder that cannot be put back (read-only) is a CheckpointError naming it. Nothing to do without a record."""
    folder = Path(folder)
    if not (folder / RECORD).is_file():
        if any(folder.glob(_BACKUP + "*")) or any(folder.glob(f".tmp-{RECORD}-*")):    # a save killed after its commit point: its old files, unless a save
            try:                                # runs now (it would be holding the lock)
                with folder_lock(folder, wait_s=0.0):
                    if not (folder / RECORD).is_file():
                        _remove_stale_backups(folder)
            except (TimeoutError, OSError):
                pass
        return
    if os.path.realpath(folder) in _OWNED:    # this process holds its lock (a second flock would wait on it)
        roll_back(folder, _read_record(folder))
        return
    try:
        with folder_lock(folder, wait_s=60.0):
            if not (folder / RECORD).is_file():    # another process rolled it back meanwhile
                return
            roll_back(folder, _read_record(folder))
    except TimeoutError:
        raise CheckpointError(f"{folder}: expected a folder no other process is writing, got one locked for 60 s "
                              "(a save running there?): wait, or use another folder") from None
    except OSError as e:
        raise CheckpointError(f"{folder}: expected a saved run, got one whose save was interrupted ({RECORD}): its "
                              f"earlier files are in {folder / _read_record(folder)['backup']} and could not be put "
                              f"back ({e.strerror or e}); make the folder writable and load it again") from None
