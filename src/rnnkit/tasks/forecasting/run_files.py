"""The files a saved forecaster's digest maps list, and the removal of those an earlier save into the same
folder wrote that the new save did not (:meth:`.forecaster.Forecaster.save`).

A run folder saved again (``rnnkit forecast --out DIR`` twice, or ``save(DIR)`` after another fit) kept the
earlier run's files the new model does not write: an auto run's ``auto/candidates/01_theta/`` beside a new
ETS-only run, the whole ``auto/`` tree beside a network's ``model.safetensors``. Nothing loaded them (the new
maps do not list them), but the folder was no longer the run it described. Only files an earlier save listed in
its digest maps are removed (never a file no save wrote), and the folders they leave empty.

>>> import tempfile, json
>>> d = Path(tempfile.mkdtemp())
>>> _ = (d / "a.json").write_text("{}"); _ = (d / "digests.json").write_text(json.dumps(
...     {"format": 1, "sha256": {"a.json": "0" * 64, "../x": "0" * 64}}))
>>> sorted(p.name for p in saved_files(d))
['a.json', 'digests.json']
"""

from __future__ import annotations

import contextvars
import json
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from rnnkit._io import DIGESTS_FILE
from rnnkit.tasks.forecasting.save_backup import kept

__all__ = ["saved_files", "remove_stale", "save_replacing", "outputs_beside"]


def saved_files(folder: str | Path, _depth: int = 0) -> set[Path]:
    """Every file the digest map of ``folder`` lists, following the maps it lists (``auto/digests.json``, ...);
    entries outside ``folder`` and unreadable maps are skipped (nothing is listed then)."""
    folder = Path(folder)
    root = folder.resolve()
    try:
        data = json.loads((folder / DIGESTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    names = data.get("sha256") if isinstance(data, dict) else None
    if not isinstance(names, dict):
        return set()
    out = {folder / DIGESTS_FILE}
    for name in names:
        path = folder / str(name)
        if not path.resolve().is_relative_to(root) or path.resolve() == root:
            continue
        out.add(path)
        if path.name == DIGESTS_FILE and path.parent != folder and _depth < 8:
            out |= saved_files(path.parent, _depth + 1)
    return out


def remove_stale(folder: str | Path, stale: set[Path]) -> list[str]:
    """Remove the files ``stale`` (within ``folder``) and the folders they leave empty; returns their names
    relative to ``folder``."""
    folder = Path(folder)
    gone = []
    for path in sorted(stale, key=lambda p: len(p.parts), reverse=True):
        if path.is_file() and not path.is_symlink():
            path.unlink()
            gone.append(str(path.relative_to(folder)))
        parent = path.parent
        while parent != folder and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return gone


def save_replacing(folder: str | Path, save: Callable[[], Any], mark: str | None = None) -> Any:
    """``save()`` into ``folder``, then remove what the folder's earlier digest maps listed and the new ones do not
    (:func:`remove_stale`); with ``mark``, only when the earlier maps listed that file (a candidate never removes
    the files of another kind of run saved there). When ``save`` fails (a full disk, Ctrl-C), what it created at
    the top of ``folder`` is removed (:func:`_remove_new`). The files :func:`outputs_beside` names, in a folder
    holding a saved run, go with that run's files. Returns what ``save`` returned."""
    folder = Path(folder)
    before = saved_files(folder)
    held = _entries(folder)
    listed = _with_outputs(_BESIDE.get())
    token = _BESIDE.set(())     # a candidate's save inside this one (auto/candidates/...) has no outputs beside it
    try:
        out = kept(folder, save, listed, SAVE_NAMES)   # the earlier run kept aside until it is whole
    except BaseException:
        _complete(folder)
        _remove_new(folder, held)
        raise
    finally:
        _BESIDE.reset(token)
    if mark is None or folder / mark in before:
        remove_stale(folder, before - saved_files(folder))
    return out


#: The names of files beside a run that describe it (:func:`outputs_beside`); none outside such a block.
_BESIDE: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("outputs_beside", default=())


@contextmanager
def outputs_beside(names: tuple[str, ...]) -> Iterator[None]:
    """While the block runs, a forecaster's save into a folder holding a saved run treats the regular files ``names``
    at its top (``rnnkit forecast --out``'s forecast.csv, metrics and plot: no digest map lists them) as that run's:
    moved aside with its files, removed with them once the new run is whole, put back when the save fails or is
    killed. A kill after the commit point, before the command removed them itself, left the earlier fit's forecast
    and plot beside the new model (nothing tells them apart: a forecast of another model, read as this one's)."""
    token = _BESIDE.set(tuple(names))
    try:
        yield
    finally:
        _BESIDE.reset(token)


def _with_outputs(names: tuple[str, ...]) -> Callable[[Path], set[Path]]:
    """The files of the run saved in a folder (:func:`saved_files`) and, when there are any, the regular files
    ``names`` beside it (:func:`outputs_beside`)."""
    def listed(folder: Path) -> set[Path]:
        files = saved_files(folder)
        if files:
            files |= {folder / n for n in names if (folder / n).is_file() and not (folder / n).is_symlink()}
        return files
    return listed


def _entries(folder: Path) -> set[str]:
    """The names at the top of ``folder`` (none when it does not exist yet)."""
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


#: The names a forecaster or candidate save writes at the top of its folder (and the temporary files of those).
SAVE_NAMES = re.compile(r"(?:\.tmp-new-|\.tmp-)?(?:\.replacing\.json|config\.json|digests\.json|model\.safetensors|vocab\.json|split\.json|"
                        r"baseline\.(?:safetensors|json)|metrics\.jsonl|candidates?\.json|auto|candidates|inner|"
                        r"validation\.npz|member_\d+|fit_\d+)(?:-[0-9a-f]{8})?")


def _complete(folder: Path) -> None:
    """Complete a certified replacement the failed save committed (a Ctrl-C after ``.replacing.json`` was written:
    :func:`rnnkit.training.certified.finish_replace`) before :func:`_remove_new` looks at the folder: it removed the
    files the record names but left the record in a folder that held a user's file, and every later save there
    failed ('model.safetensors: expected a file to record the digest of, got nothing'); in a folder holding an
    earlier run, the committed save is kept whole (a network's weights and config are one replacement)."""
    from rnnkit.training.certified import finish_replace

    try:
        finish_replace(folder)
    except Exception:    # the error that stopped the save is the one to report; its leftovers are removed below
        pass


def _remove_new(folder: Path, held: set[str]) -> None:
    """Remove what a failed save created at the top of ``folder`` (files and folders not in ``held``): a new folder
    is left as it was found. A save stopped after config.json left it listed by no digest map, and the same save
    once there was space was refused ('holding ['config.json'] that no run there wrote: choose another folder').
    In a folder that held entries before (``save('.')`` in a project), only new entries of the names a save writes
    (:data:`SAVE_NAMES`) are removed: another program's file created there meanwhile (a notebook's
    ``.ipynb_checkpoints/``, a log) is not this save's, and was removed, a folder with all it held."""
    for name in _entries(folder) - held:
        if held and not SAVE_NAMES.fullmatch(name):
            continue
        path = folder / name
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:   # the error that stopped the save is the one to report
            pass
