"""Whole-save and whole-load locks of a saved folder whose save is several steps (a forecaster's run folder).

A task's run folder is saved under an exclusive ``flock`` and loaded under a shared one
(:func:`rnnkit.tasks.runs.save_run` / ``load_run``), so a load never sees half of another process's save. A
forecaster's folder had no such lock: its save writes ``auto/`` (its candidates), then ``config.json``, then
``digests.json`` (or the network's one certified replacement), and its load verifies the digests and then reads the
files. With one process saving a folder again (``rnnkit forecast update --run F`` from a scheduler) while another
loaded it (``forecast predict --run F``), 99 loads in 100 failed "expected sha256 ... the file is corrupt or was
modified" (20 s of an auto forecaster saved and loaded in a loop: 102 loads went through, 20,886 failed), and two
saves into one folder interleaved their files. :func:`saving` holds the folder's exclusive lock for the whole save
(its certified replacements in the folder take no second one: :func:`~rnnkit.training.certified.fit_holds`),
:func:`loading` a shared one for the whole load: a load waits for a save and a save for the loads, as for tasks.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from rnnkit._io import folder_lock
from rnnkit.errors import CheckpointError
from rnnkit.training.certified import _OWNED, WAIT_S, fit_holds

__all__ = ["saving", "loading"]


@contextmanager
def saving(folder: str | os.PathLike) -> Iterator[None]:
    """Hold ``folder``'s exclusive lock (the folder is created when missing, and removed again when the block fails
    and leaves it empty) while the block saves into it; another process's save or load waits up to
    :data:`~rnnkit.training.certified.WAIT_S`, then a CheckpointError names the folder."""
    folder = Path(folder)
    if os.path.realpath(folder) in _OWNED:   # this process holds it already (a fit's run_dir): a second flock waited
        yield                                # on the first one
        return
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    ok = False
    try:
        with _enter(folder, shared=False), fit_holds(folder):
            yield
        ok = True
    finally:
        if made and not ok:
            try:
                folder.rmdir()    # only when empty: a failed first save leaves no folder, as before the lock
            except OSError:
                pass


@contextmanager
def loading(folder: str | os.PathLike) -> Iterator[None]:
    """Hold ``folder``'s shared lock while the block reads it (a save waits until it is read)."""
    with _enter(Path(folder), shared=True):
        yield


@contextmanager
def _enter(folder: Path, shared: bool) -> Iterator[None]:
    try:
        lock = folder_lock(folder, shared=shared, wait_s=WAIT_S)
        lock.__enter__()
    except TimeoutError:
        raise CheckpointError(f"{folder}: expected a folder no other process is writing, got one locked for "
                              f"{WAIT_S:.0f} s (a save running there?): wait, or use another folder") from None
    try:
        yield
    except BaseException as e:
        if not lock.__exit__(type(e), e, e.__traceback__):
            raise
    else:
        lock.__exit__(None, None, None)
