"""Replacing files that a folder's ``digests.json`` certifies, so that the folder verifies at every moment.

A run folder's final ``model.safetensors`` and ``config.json`` are listed in ``digests.json``; replacing one of them
and then the map leaves a moment where the file differs from its digest (and deleting the map first, as a resumed
Trainer fit did, left the previous final weights unloadable until the fit ended -- forever, if it was interrupted).
:func:`replace_certified` writes the new files under temporary names (fsynced), then records the replacement in
``.replacing.json`` (one atomic write: the commit point), then moves the files into place and writes the new map
(:func:`~rnnkit._io.write_digests`, every file checked against the bytes written), then removes the record.
Interrupted before the commit point, the folder holds the old files and map (the temporary files are removed by the
next replacement); after it, :func:`finish_replace` -- called by every load (:func:`rnnkit.training.load_weights`)
and write (:func:`rnnkit.training.save_weights`, a fit's start) -- completes it. Either way a load sees the old
files or the new, each with its map. Replacements into one folder are serialised by an exclusive ``flock`` on the
folder (:func:`writing`): two processes saving weights into one folder removed each other's staged files and shared
one record, and the folder stopped loading (session 21). A fit's own ``run_dir`` lock already excludes others
(:func:`rnnkit.training.resume.run_dir_lock` registers it here), so its saves take no second lock.
"""

from __future__ import annotations

import json
import os
from contextlib import ExitStack, contextmanager
from pathlib import Path

from rnnkit._io import DIGESTS_FILE, _fsync_dir, atomic_write_json, folder_lock, read_json, sha256_bytes, write_digests
from rnnkit._oserrors import naming
from rnnkit.errors import CheckpointError

__all__ = ["JOURNAL", "replace_certified", "finish_replace", "fit_holds", "writing", "relocate"]

JOURNAL = ".replacing.json"
_STAGED = ".tmp-new-"
WAIT_S = 60.0      # how long a replacement waits for another writer of the folder before it gives up, naming it
_OWNED: set[str] = set()     # folders whose exclusive flock this process holds (the run_dir of a fit running now)


@contextmanager
def fit_holds(folder: str | os.PathLike):
    """Mark ``folder`` as locked by this process (a fit's ``run_dir`` lock) while the block runs."""
    key = os.path.realpath(folder)
    _OWNED.add(key)
    try:
        yield
    finally:
        _OWNED.discard(key)


@contextmanager
def writing(folder: Path):
    """Hold an exclusive ``flock`` on ``folder`` while a replacement runs (:func:`~rnnkit._io.folder_lock`; another
    writer is waited for up to :data:`WAIT_S`, then a CheckpointError names the folder); none where this process's
    fit holds it already."""
    if os.path.realpath(folder) in _OWNED:
        yield
        return
    with ExitStack() as stack:
        try:
            stack.enter_context(folder_lock(folder, wait_s=WAIT_S))
        except TimeoutError:
            raise CheckpointError(f"{folder}: expected a folder no other process is writing, got one locked for "
                                  f"{WAIT_S:.0f} s (a fit running there?): save elsewhere or wait") from None
        yield


def _current_map(folder: Path) -> dict[str, str]:
    """The map of ``folder/digests.json`` (``{}`` when there is none or it is not a map of ours: rewritten whole)."""
    try:
        data = json.loads((folder / DIGESTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    ok = isinstance(data, dict) and isinstance(data.get("sha256"), dict)
    return {k: v for k, v in data["sha256"].items() if isinstance(v, str)} if ok else {}


def replace_certified(folder: str | os.PathLike, files: dict[str, bytes]) -> None:
    """Write ``files`` (name -> bytes) into ``folder`` and list their sha256 in its ``digests.json`` (the other entries
    kept) so that an interruption at any point leaves the old files or the new ones, each verifiable (module
    docstring)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with writing(folder):
        _replace(folder, files)


def _replace(folder: Path, files: dict[str, bytes]) -> None:
    finish_replace(folder)
    for stale in folder.glob(_STAGED + "*"):   # staged by a replacement interrupted before its commit point
        stale.unlink(missing_ok=True)
    staged: list[Path] = []
    try:
        for name, blob in files.items():
            tmp = folder / f"{_STAGED}{name}"
            staged.append(tmp)
            with naming(folder / name), open(tmp, "wb") as f:    # a write's ENOSPC names the file (rnnkit._oserrors)
                f.write(blob)
                f.flush()
                os.fsync(f.fileno())
        _fsync_dir(folder)
        digests = {name: sha256_bytes(blob) for name, blob in files.items()}
        atomic_write_json(folder / JOURNAL, {"files": digests, "map": {**_current_map(folder), **digests}})
    except BaseException:
        # the record in place means the commit point was passed (atomic_write_json fsyncs the folder after its
        # rename: a Ctrl-C there) and the staged files are the replacement's: the next load completes it. Removing
        # them left a record naming files that no longer existed, and the folder failed every load and save after.
        if not (folder / JOURNAL).is_file():    # finish_replace above removed any earlier record: this one is ours
            for tmp in staged:
                tmp.unlink(missing_ok=True)
        raise
    finish_replace(folder)


def finish_replace(folder: str | os.PathLike) -> None:
    """Complete a replacement that was interrupted after its commit point (nothing to do without ``.replacing.json``):
    move its staged files into place, write its map, remove the record. A file that is neither staged nor the
    recorded one (another program wrote it meanwhile) is a CheckpointError, and no map is written."""
    folder = Path(folder)
    journal = folder / JOURNAL
    if not journal.is_file():
        return
    record = read_json(journal, "the record of an interrupted replacement of certified files")
    if not isinstance(record, dict) or not isinstance(record.get("files"), dict) or not isinstance(record.get("map"), dict):
        raise CheckpointError(f"{journal}: expected {{'files', 'map'}} of a replacement, got an unusable record")
    for name in record["files"]:
        tmp = folder / f"{_STAGED}{name}"
        try:
            os.replace(tmp, folder / name)
        except FileNotFoundError:    # moved already (by the interrupted writer, or a load meanwhile)
            pass
    _fsync_dir(folder)
    # the replaced files are checked against the bytes staged; the map's other entries are kept as recorded, not
    # hashed again (as save_weights' merge did): a listed file deleted or changed since is load_weights' to name,
    # and here it raised after the commit point, leaving the record to fail every later load and save of the folder
    write_digests(folder, list(record["files"]), merge=True, expected=record["files"])
    journal.unlink(missing_ok=True)
    _fsync_dir(folder)


def relocate(src: Path, dst: Path, sync: bool = True) -> Path:
    """Move ``src`` to ``dst`` in one rename, ``dst``'s folder made if missing and (``sync``) fsynced; returns ``dst``.
    How a save over earlier files moves them aside and puts them back when it fails or was killed -- a checkpoint
    folder (:func:`rnnkit.training.checkpoint.save_checkpoint` / ``_put_back``) and a saved run's files
    (:mod:`rnnkit.tasks.forecasting.save_backup`): one idea, written once (session 25)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)
    if sync:
        _fsync_dir(dst.parent)
    return dst
