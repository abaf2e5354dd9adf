"""Checkpoints without pickle: tensors in safetensors files, everything else in JSON; atomic writes.

Run folder layout::

    run_dir/
      config.json                 fully resolved config + schema_version (write_config)
      model.safetensors           the final weights (best ones when early stopping restores them)
      digests.json                sha256 of config.json + model.safetensors (written when fit ends; a fit that
                                  resumes a finished run replaces them so that they verify at every moment:
                                  rnnkit.training.certified)
      metrics.jsonl | metrics.csv one row per epoch
      checkpoints/
        latest.json               {"name": "step-00000120", "step": 120}   (replaced atomically)
        step-00000120/
          model.safetensors       weights at that step
          state.safetensors       every other tensor (optimizer moments, RNG states, best weights)
          state.json              the rest of the state as JSON; tensors referenced by key
          digests.json            sha256 of the three files above

Atomicity: every file is written to a temporary name in the same folder, flushed and fsynced, then moved
into place with ``os.replace``. A checkpoint folder is assembled under a temporary name and renamed as a
whole; only then is ``latest.json`` switched to it. A process killed at any point therefore leaves the
previous checkpoint loadable (a stale ``.tmp-*`` folder is removed by the next save). Saving a step that
exists (after a resume) moves the old folder aside first and deletes it only once the new one is in
place; a kill between the two renames leaves it complete under ``.tmp-old-*``, which loading uses and
the next save puts back.

Loading never unpickles: safetensors and JSON only. Every file is verified against its folder's
``digests.json`` first (:mod:`rnnkit._io`; a missing or empty map is an error). Truncated or
edited files (digest mismatch, bad JSON, bad safetensors header), a different schema version, or weights
that do not fit the model raise :class:`~rnnkit.errors.CheckpointError` saying which file or tensor is
wrong.

>>> import tempfile, torch
>>> from rnnkit.training.checkpoint import save_checkpoint, load_checkpoint
>>> d = tempfile.mkdtemp()
>>> _ = save_checkpoint(d, step=3, model_state={"w": torch.ones(2)}, state={"epoch": 1, "betas": (0.9, 0.99)})
>>> ck = load_checkpoint(d)
>>> ck.step, ck.state["betas"], ck.model_state["w"].tolist()
(3, (0.9, 0.99), [1.0, 1.0])
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save
from torch import Tensor, nn

from rnnkit._oserrors import with_name
from rnnkit._paths import expand_user, user_path
from rnnkit._saved_version import version_hint
from rnnkit._validate import is_int
from rnnkit.errors import CheckpointError
from rnnkit.training.certified import finish_replace, relocate, replace_certified
from rnnkit.training.config import SCHEMA_VERSION
from rnnkit._io import (  # re-exported (see __all__); _fsync_dir is used here
    DIGESTS_FILE,
    _fsync_dir,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    read_json,
    verify_digests,
    write_digests,
)

__all__ = [
    "Checkpoint",
    "copy_weights",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "encode_state",
    "decode_state",
    "save_checkpoint",
    "load_checkpoint",
    "latest_checkpoint",
    "save_weights",
    "load_weights",
    "write_config",
    "read_config",
    "DIGESTS_FILE",
    "write_digests",
    "verify_digests",
    "read_json",
]

CHECKPOINTS = "checkpoints"
_CHECKPOINT_FILES = ("model.safetensors", "state.safetensors", "state.json")
_NAME = re.compile(r"^step-(\d{8,})$")


# ---------------------------------------------------------------------------------------- state codec
_MARKERS = ("__tensor__", "__tuple__", "__dict__", "__float__", "__ndarray__")


def encode_state(obj: Any, prefix: str = "s") -> tuple[Any, dict[str, Tensor]]:
    """Split a nest of dicts/lists/tuples/scalars/tensors/ndarrays into ``(json_obj, tensors)``.

    Tensors go to the returned dict (CPU, contiguous, under generated keys) and are referenced from the
    JSON by ``{"__tensor__": key}``; tuples, dicts with non-string keys, non-finite floats and numpy
    arrays are tagged so :func:`decode_state` restores them exactly. Anything else is refused (no pickle).
    """
    tensors: dict[str, Tensor] = {}

    def enc(o: Any, path: str) -> Any:
        if isinstance(o, Tensor):
            key = f"{prefix}{len(tensors)}"
            tensors[key] = o.detach().to("cpu").contiguous().clone()
            return {"__tensor__": key}
        if isinstance(o, np.ndarray):
            key = f"{prefix}{len(tensors)}"
            tensors[key] = torch.from_numpy(np.ascontiguousarray(o).astype(np.int64) if o.dtype.kind in "ui" else np.ascontiguousarray(o)).clone()
            return {"__ndarray__": key, "dtype": str(o.dtype)}
        if isinstance(o, np.generic):
            o = o.item()
        if o is None or isinstance(o, (bool, str)):
            return o
        if isinstance(o, int):
            return o
        if isinstance(o, float):
            return o if math.isfinite(o) else {"__float__": repr(o)}
        if isinstance(o, tuple):
            return {"__tuple__": [enc(v, f"{path}[{i}]") for i, v in enumerate(o)]}
        if isinstance(o, list):
            return [enc(v, f"{path}[{i}]") for i, v in enumerate(o)]
        if isinstance(o, dict):
            if all(isinstance(k, str) for k in o) and not any(k in _MARKERS for k in o):
                return {k: enc(v, f"{path}.{k}") for k, v in o.items()}
            return {"__dict__": [[enc(k, path), enc(v, f"{path}[{k!r}]")] for k, v in o.items()]}
        raise CheckpointError(f"state{path}: expected tensors, numbers, strings, lists, tuples or dicts "
                              f"(stored without pickle), got {type(o).__name__}")

    return enc(obj, ""), tensors


def decode_state(obj: Any, tensors: dict[str, Tensor]) -> Any:
    """Inverse of :func:`encode_state`."""

    def dec(o: Any) -> Any:
        if isinstance(o, list):
            return [dec(v) for v in o]
        if not isinstance(o, dict):
            return o
        if "__tensor__" in o:
            key = o["__tensor__"]
            if key not in tensors:
                raise CheckpointError(f"state.json: references tensor {key!r}, missing from state.safetensors")
            return tensors[key]
        if "__ndarray__" in o:
            key = o["__ndarray__"]
            if key not in tensors:
                raise CheckpointError(f"state.json: references array {key!r}, missing from state.safetensors")
            return tensors[key].numpy().astype(o["dtype"])
        if "__tuple__" in o:
            return tuple(dec(v) for v in o["__tuple__"])
        if "__float__" in o:
            return float(o["__float__"])
        if "__dict__" in o:
            return {_hashable(dec(k)): dec(v) for k, v in o["__dict__"]}
        return {k: dec(v) for k, v in o.items()}

    return dec(obj)


def _hashable(k: Any) -> Any:
    return tuple(_hashable(v) for v in k) if isinstance(k, list) else k


# ---------------------------------------------------------------------------------------- checkpoints
@dataclass
class Checkpoint:
    """A loaded checkpoint: ``model_state`` (name -> tensor), ``state`` (decoded trainer state)."""

    path: Path
    step: int
    model_state: dict[str, Tensor] = field(repr=False)   # the repr is one line: it printed every tensor (40 KB, 432
    state: Any = field(repr=False)                        # lines for one LSTM(8, 64))


def _tensor_bytes(tensors: dict[str, Tensor]) -> bytes:
    return st_save({k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()})


def _sha256(data: bytes) -> str:  # of bytes in memory (_io.sha256_file streams a file)
    return hashlib.sha256(data).hexdigest()


def _ckpt_dir(run_dir: Path) -> Path:
    return Path(expand_user(run_dir, "run_dir")) / CHECKPOINTS   # '~/runs/x' (rnnkit._paths)


def save_checkpoint(run_dir: str | os.PathLike, *, step: int, model_state: dict[str, Tensor], state: Any,
                    keep: int = 2) -> Path:
    """Write checkpoint ``step`` into ``run_dir/checkpoints`` atomically; keep the newest ``keep``.

    ``model_state``: a ``state_dict`` (name -> tensor). ``state``: any nest :func:`encode_state` accepts
    (optimizer/scheduler state dicts, RNG states, progress counters). Returns the checkpoint folder.
    """
    if not is_int(step) or step < 0:
        raise CheckpointError(f"step: expected an int >= 0, got {step!r}")
    if not is_int(keep) or keep < 1:   # 0 and -1 kept every checkpoint
        raise CheckpointError(f"keep: expected a positive int, got {keep!r}")
    step, keep = int(step), int(keep)   # numpy ints too, written as JSON numbers (latest.json)
    root = _ckpt_dir(Path(run_dir))
    try:
        root.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):   # a file named checkpoints (or run_dir a file)
        raise CheckpointError(f"run_dir: expected {str(root)!r} to be a folder for checkpoints, got a file "
                              f"there") from None
    _recover(root)
    for stale in root.glob(".tmp-*"):  # left by a process killed while saving
        shutil.rmtree(stale, ignore_errors=True)
    name = f"step-{step:08d}"
    tmp = root / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        model_bytes = _tensor_bytes(model_state)
        state_json, state_tensors = encode_state(state)
        state_bytes = _tensor_bytes(state_tensors)
        _write_file(tmp / "model.safetensors", model_bytes)
        _write_file(tmp / "state.safetensors", state_bytes)
        meta = {"schema_version": SCHEMA_VERSION, "step": step,
                "sha256": {"model.safetensors": _sha256(model_bytes), "state.safetensors": _sha256(state_bytes)},
                "state": state_json}
        _write_file(tmp / "state.json", (json.dumps(meta, allow_nan=False) + "\n").encode())
        write_digests(tmp, _CHECKPOINT_FILES)
        _fsync_dir(tmp)
        final = root / name
        old = None
        if final.exists():  # the same step saved again (e.g. after a resume): move the old one aside
            # A folder cannot replace a non-empty one in one rename, so there is a moment with no `name`: a
            # kill there leaves the old copy complete under .tmp-old-*, where latest_checkpoint and the next
            # save find it (_moved_aside). It is deleted only once the new one is in place (before, it was
            # deleted first: a kill then left latest.json pointing at nothing and no checkpoint to resume).
            old = relocate(final, root / f"{_OLD_PREFIX}{name}-{uuid.uuid4().hex[:8]}")
        os.replace(tmp, final)
        _fsync_dir(root)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _named(e, tmp, root / name) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    atomic_write_json(root / "latest.json", {"name": name, "step": step})
    _prune(root, keep, current=name)
    return final


def _named(e: OSError, tmp: Path, final: Path) -> OSError:
    """``e`` naming the checkpoint's file where it names none (a full disk: write() and fsync() errors carry no
    file name, so 'No space left on device' named nothing) or names its temporary folder (removed by then)."""
    if e.errno is None:
        return e
    name = e.filename
    if name is None:
        name = final
    elif Path(name) == tmp or tmp in Path(name).parents:
        name = final / Path(name).relative_to(tmp)
    else:
        return e
    return with_name(e, name)


def _write_file(path: Path, data: bytes) -> None:
    try:
        with open(path, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:   # write() and fsync() errors name no file
        if e.filename is None and e.errno is not None:
            raise type(e)(e.errno, e.strerror, str(path)) from None
        raise


def _prune(root: Path, keep: int, current: str) -> None:
    done = sorted((p for p in root.iterdir() if p.is_dir() and _NAME.match(p.name)), key=lambda p: p.name)
    for p in done[:-keep] if keep > 0 else []:
        if p.name != current:
            shutil.rmtree(p, ignore_errors=True)


_OLD_PREFIX = ".tmp-old-"


def _moved_aside(root: Path, name: str) -> Path | None:
    """The complete copy of checkpoint ``name`` that a save killed while replacing it left under
    ``.tmp-old-<name>-*`` (see :func:`save_checkpoint`), when ``name`` itself is missing; else ``None``."""
    if (root / name).exists():
        return None
    found = sorted(p for p in root.glob(f"{_OLD_PREFIX}{name}-*") if (p / "state.json").is_file())
    return found[-1] if found else None


def _recover(root: Path) -> None:
    """Put back the checkpoint ``latest.json`` names if a killed save left it moved aside."""
    pointer = root / "latest.json"
    if not pointer.is_file():
        return
    try:
        name = json.loads(pointer.read_text(encoding="utf-8")).get("name")
    except (ValueError, OSError, AttributeError, RecursionError):
        return   # latest_checkpoint reports a bad pointer when it is read
    _put_back(root, name)


def _put_back(root: Path, name: Any) -> Path | None:
    """Put checkpoint ``name`` back in place if a killed save left it moved aside (:func:`_moved_aside`);
    returns its path then, else ``None``. An OSError (a read-only folder) propagates."""
    if not (isinstance(name, str) and _NAME.match(name)) or (aside := _moved_aside(root, name)) is None:
        return None
    return relocate(aside, root / name)


def latest_checkpoint(run_dir: str | os.PathLike) -> Path | None:
    """The folder ``latest.json`` points to (or the newest complete ``step-*`` folder), else ``None``. If a
    save was killed while it replaced that folder, the old copy it moved aside (``.tmp-old-*``) is put back
    (or, in a folder that cannot be written, returned where it is)."""
    root = _ckpt_dir(Path(run_dir))
    pointer = root / "latest.json"
    if pointer.exists():
        data = read_json(pointer, "a checkpoint pointer {\"name\": \"step-NNNNNNNN\", \"step\": N}")
        name = data.get("name") if isinstance(data, dict) else data
        try:   # put it back, so the path a resume reports stays valid; a read-only folder reads it aside
            back = _put_back(root, name)
        except OSError:   # not moved (still aside), or moved and only the folder's fsync failed
            return _moved_aside(root, name) or root / name
        if back is not None:
            return back
        if not isinstance(name, str) or not _NAME.match(name) or not (root / name).is_dir():
            raise CheckpointError(f"{pointer}: points to {name!r}, expected an existing step-* folder in {root}")
        return root / name
    if not root.is_dir():
        return None
    done = sorted(p for p in root.iterdir() if p.is_dir() and _NAME.match(p.name))
    return done[-1] if done else None


def _read_tensors(path: Path, expected_sha: str | None) -> dict[str, Tensor]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"{path}: expected a safetensors file, got nothing (missing)") from None
    if expected_sha is not None and _sha256(data) != expected_sha:
        raise CheckpointError(f"{path}: expected sha256 {expected_sha[:12]}… (recorded in state.json), got "
                              f"{_sha256(data)[:12]}…; the file is corrupt or was modified")
    try:
        return st_load(data)
    except (SafetensorError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"{path}: expected a valid safetensors file, got a corrupt one ({e})") from None


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Load a checkpoint: ``path`` is a run folder (its latest checkpoint) or a ``step-*`` folder."""
    path = user_path(path, "checkpoint")   # '~/x' expanded, bytes refused (rnnkit._paths)
    if not path.exists():
        raise CheckpointError(f"checkpoint: expected an existing run or checkpoint folder, got {str(path)!r}")
    if not (path / "state.json").exists():
        found = latest_checkpoint(path)
        if found is None:
            raise CheckpointError(f"checkpoint: expected a checkpoint in {str(path)!r}, found none")
        path = found
    meta_path = path / "state.json"
    verify_digests(path, _CHECKPOINT_FILES)
    meta = read_json(meta_path, "a checkpoint state file (valid JSON)")
    if not isinstance(meta, dict) or not {"schema_version", "step", "sha256", "state"} <= set(meta):
        raise CheckpointError(f"{meta_path}: expected keys schema_version, step, sha256, state; got "
                              f"{sorted(meta) if isinstance(meta, dict) else type(meta).__name__}")
    if meta["schema_version"] != SCHEMA_VERSION:
        hint = version_hint(meta["schema_version"], SCHEMA_VERSION) or " (written by another rnnkit version)"
        raise CheckpointError(f"{meta_path}: expected schema_version {SCHEMA_VERSION}, got {meta['schema_version']!r}"
                              f"{hint}")
    sha = meta["sha256"] if isinstance(meta["sha256"], dict) else {}
    model_state = _read_tensors(path / "model.safetensors", sha.get("model.safetensors"))
    tensors = _read_tensors(path / "state.safetensors", sha.get("state.safetensors"))
    return Checkpoint(path=path, step=int(meta["step"]), model_state=model_state,
                      state=decode_state(meta["state"], tensors))


# ---------------------------------------------------------------------------------------- weights
def save_weights(model: nn.Module | dict[str, Tensor], path: str | os.PathLike) -> Path:
    """Write a module's ``state_dict`` (or a name -> tensor dict) to a safetensors file atomically and
    record its sha256 in the folder's ``digests.json`` (other entries of that map are kept)."""
    sd = model.state_dict() if isinstance(model, nn.Module) else model
    path = user_path(path, file=True)   # '~/x' expanded; bytes, 'x.safetensors/' refused (rnnkit._paths)
    # the file and its digest replaced so that the folder verifies at every moment (the old file or the new):
    # a fit that resumes a finished run replaces weights that were loadable
    replace_certified(path.parent, {path.name: _tensor_bytes(sd)})
    return path


def copy_weights(module: nn.Module) -> dict[str, Tensor]:
    """Detached CPU copies of ``module``'s state dict: the one way a fit keeps weights to come back to
    (early stopping's best, snapshot ensembles, checkpoint averaging, warm starts), unaffected by later
    steps and holding no accelerator memory; ``load_state_dict`` copies them back to the module's device."""
    return {n: t.detach().to("cpu", copy=True) for n, t in module.state_dict().items()}


def check_state_dict(model: nn.Module, state: dict[str, Tensor], where: str) -> None:
    """Raise CheckpointError unless ``state`` has exactly the model's keys, shapes and dtypes."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise CheckpointError(f"{where}: expected the model's tensors; missing {missing[:5]}"
                              f"{'…' if len(missing) > 5 else ''}, unexpected {unexpected[:5]}"
                              f"{'…' if len(unexpected) > 5 else ''}")
    for k, v in own.items():
        if tuple(v.shape) != tuple(state[k].shape):
            raise CheckpointError(f"{where}: tensor {k!r}: expected shape {tuple(v.shape)} (the model's), "
                                  f"got {tuple(state[k].shape)}")
        if v.dtype != state[k].dtype:
            raise CheckpointError(f"{where}: tensor {k!r}: expected dtype {v.dtype} (the model's), got {state[k].dtype}")


def load_weights(model: nn.Module, path: str | os.PathLike) -> nn.Module:
    """Load a safetensors file written by :func:`save_weights` into ``model`` (strict: same names/shapes).

    The file (and every other file listed there) is first checked against the folder's ``digests.json``:
    a modified file, or a file without a recorded digest, is a CheckpointError.
    """
    path = user_path(path, file=True)   # '~/x' expanded; bytes, 'x.safetensors/' refused (rnnkit._paths)
    try:   # a replacement interrupted after its commit point is completed first (training.certified)
        finish_replace(path.parent)
    except OSError:   # a folder that cannot be written: verified as it is
        pass
    verify_digests(path.parent, [path.name])
    state = _read_tensors(path, None)
    check_state_dict(model, state, str(path))
    model.load_state_dict(state)
    return model


# ---------------------------------------------------------------------------------------- config
def write_config(run_dir: str | os.PathLike, config: dict) -> Path:
    """Write ``config.json`` (``{"schema_version": ..., **config}``) atomically."""
    return atomic_write_bytes(Path(run_dir) / "config.json", config_bytes(config))


def config_bytes(config: dict) -> bytes:
    """What :func:`write_config` writes for ``config``."""
    if not isinstance(config, dict):
        raise CheckpointError(f"config: expected a dict, got {type(config).__name__}")
    try:
        return (json.dumps({"schema_version": SCHEMA_VERSION, **config}, indent=1, allow_nan=False) + "\n").encode("utf-8")
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"config: expected JSON-serialisable values, got {e}") from None


def read_config(run_dir: str | os.PathLike) -> dict:
    """Read ``config.json``; CheckpointError when missing, corrupt or of another schema version."""
    path = Path(run_dir) / "config.json"
    data = read_json(path, "a config file (valid JSON)")
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        got = data.get("schema_version") if isinstance(data, dict) else type(data).__name__
        task = data.get("task") if isinstance(data, dict) else None
        what = f" (the config of a {task!r} run)" if isinstance(task, str) else ""
        saved = data.get("rnnkit_version") if isinstance(data, dict) else None   # newer: upgrade; older: save again
        other = what and {"state", "history", "data"} <= set(data)   # a task's run folder (save_run): no version of ours
        raise CheckpointError(f"{path}: expected schema_version {SCHEMA_VERSION}, got {got!r}{what}"
                              f"{'' if other else version_hint(got, SCHEMA_VERSION, saved)}")
    return data
