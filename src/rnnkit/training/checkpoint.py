"""Checkpoints without pickle: tensors in safetensors files, everything else in JSON; atomic writes.

Run folder layout::

    run_dir/
      config.json                 fully resolved config + schema_version (write_config)
      model.safetensors           the final weights (best ones when early stopping restores them)
      metrics.jsonl | metrics.csv one row per epoch
      checkpoints/
        latest.json               {"name": "step-00000120", "step": 120}   (replaced atomically)
        step-00000120/
          model.safetensors       weights at that step
          state.safetensors       every other tensor (optimizer moments, RNG states, best weights)
          state.json              the rest of the state as JSON; tensors referenced by key;
                                  sha256 of both .safetensors files

Atomicity: every file is written to a temporary name in the same folder, flushed and fsynced, then moved
into place with ``os.replace``. A checkpoint folder is assembled under a temporary name and renamed as a
whole; only then is ``latest.json`` switched to it. A process killed at any point therefore leaves the
previous checkpoint loadable (a stale ``.tmp-*`` folder is removed by the next save).

Loading never unpickles: safetensors and JSON only. Truncated or edited files (hash mismatch, bad JSON,
bad safetensors header), a different schema version, or weights that do not fit the model raise
:class:`~rnnkit.errors.CheckpointError` saying which file or tensor is wrong.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save
from torch import Tensor, nn

from rnnkit.errors import CheckpointError
from rnnkit.training.config import SCHEMA_VERSION

__all__ = [
    "Checkpoint",
    "atomic_write_bytes",
    "atomic_write_json",
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


# ---------------------------------------------------------------------------------------- atomic files
def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder + fsync + ``os.replace``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}-{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented JSON atomically (non-finite floats are refused: encode them first)."""
    return atomic_write_bytes(path, (json.dumps(obj, indent=1, allow_nan=False) + "\n").encode())


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
    model_state: dict[str, Tensor]
    state: Any


def _tensor_bytes(tensors: dict[str, Tensor]) -> bytes:
    return st_save({k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()})


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _ckpt_dir(run_dir: Path) -> Path:
    return Path(run_dir) / CHECKPOINTS


def save_checkpoint(run_dir: str | os.PathLike, *, step: int, model_state: dict[str, Tensor], state: Any,
                    keep: int = 2) -> Path:
    """Write checkpoint ``step`` into ``run_dir/checkpoints`` atomically; keep the newest ``keep``.

    ``model_state``: a ``state_dict`` (name -> tensor). ``state``: any nest :func:`encode_state` accepts
    (optimizer/scheduler state dicts, RNG states, progress counters). Returns the checkpoint folder.
    """
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise CheckpointError(f"step: expected an int >= 0, got {step!r}")
    root = _ckpt_dir(Path(run_dir))
    root.mkdir(parents=True, exist_ok=True)
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
        if final.exists():  # the same step saved again (e.g. after a resume): move the old one aside
            old = root / f".tmp-old-{name}-{uuid.uuid4().hex[:8]}"
            os.replace(final, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, final)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    atomic_write_json(root / "latest.json", {"name": name, "step": step})
    _prune(root, keep, current=name)
    return final


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _prune(root: Path, keep: int, current: str) -> None:
    done = sorted((p for p in root.iterdir() if p.is_dir() and _NAME.match(p.name)), key=lambda p: p.name)
    for p in done[:-keep] if keep > 0 else []:
        if p.name != current:
            shutil.rmtree(p, ignore_errors=True)


def latest_checkpoint(run_dir: str | os.PathLike) -> Path | None:
    """The folder ``latest.json`` points to (or the newest complete ``step-*`` folder), else ``None``."""
    root = _ckpt_dir(Path(run_dir))
    pointer = root / "latest.json"
    if pointer.exists():
        try:
            name = json.loads(pointer.read_text())["name"]
        except (ValueError, KeyError, TypeError) as e:
            raise CheckpointError(f"{pointer}: expected JSON {{'name': 'step-NNNNNNNN', ...}}, got unreadable content ({e})") from None
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
    path = Path(path)
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
        raise CheckpointError(f"{meta_path}: expected schema_version {SCHEMA_VERSION}, got {meta['schema_version']!r} "
                              "(written by another rnnkit version)")
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
    path = atomic_write_bytes(path, _tensor_bytes(sd))
    write_digests(path.parent, [path.name], merge=True)
    return path


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
    path = Path(path)
    verify_digests(path.parent, [path.name])
    state = _read_tensors(path, None)
    check_state_dict(model, state, str(path))
    model.load_state_dict(state)
    return model


# ---------------------------------------------------------------------------------------- config
def write_config(run_dir: str | os.PathLike, config: dict) -> Path:
    """Write ``config.json`` (``{"schema_version": ..., **config}``) atomically."""
    if not isinstance(config, dict):
        raise CheckpointError(f"config: expected a dict, got {type(config).__name__}")
    try:
        return atomic_write_json(Path(run_dir) / "config.json", {"schema_version": SCHEMA_VERSION, **config})
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"config: expected JSON-serialisable values, got {e}") from None


def read_config(run_dir: str | os.PathLike) -> dict:
    """Read ``config.json``; CheckpointError when missing, corrupt or of another schema version."""
    path = Path(run_dir) / "config.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{path}: expected a config file, got nothing (missing)") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path}: expected valid JSON, got a corrupt file ({e})") from None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        got = data.get("schema_version") if isinstance(data, dict) else type(data).__name__
        raise CheckpointError(f"{path}: expected schema_version {SCHEMA_VERSION}, got {got!r}")
    return data


# ---------------------------------------------------------------------------------------- digests
DIGESTS_FILE = "digests.json"
_DIGESTS_FORMAT = 1
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _digest_name(name: Any) -> str:
    """A file name relative to the folder, in POSIX form; absolute paths and ``..`` are refused."""
    if not isinstance(name, (str, os.PathLike)):
        raise CheckpointError(f"names: expected file names relative to the folder, got {type(name).__name__}")
    rel = Path(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise CheckpointError(f"names: expected a file name relative to the folder, got {str(name)!r}")
    return rel.as_posix()


def write_digests(folder: str | os.PathLike, names: Any, *, merge: bool = False) -> Path:
    """Record the sha256 of each named file (paths relative to ``folder``) in ``folder/digests.json``.

    The file is ``{"format": 1, "sha256": {name: hexdigest}}``, written atomically; call it after the
    files themselves are written. Returns its path. :func:`verify_digests` checks it at load time.
    ``merge=True`` keeps the other entries of an existing (readable) map; by default the map lists
    exactly ``names``.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "w.bin").write_bytes(b"abc")
    >>> write_digests(d, ["w.bin"]).name
    'digests.json'
    >>> verify_digests(d, ["w.bin"])["w.bin"][:12]
    'ba7816bf8f01'
    """
    folder = Path(folder)
    if isinstance(names, (str, os.PathLike)):
        raise CheckpointError(f"names: expected a list of file names, got a single {type(names).__name__}")
    rels = [_digest_name(n) for n in names]
    if not rels:
        raise CheckpointError("names: expected at least one file to record a digest of, got none")
    digests: dict[str, str] = {}
    for rel in rels:
        try:
            digests[rel] = _file_sha256(folder / rel)
        except (FileNotFoundError, IsADirectoryError):
            raise CheckpointError(f"{folder / rel}: expected a file to record the digest of, got nothing") from None
    if merge:
        digests = {**_existing_digests(folder / DIGESTS_FILE), **digests}
    return atomic_write_json(folder / DIGESTS_FILE, {"format": _DIGESTS_FORMAT, "sha256": digests})


def _existing_digests(path: Path) -> dict[str, str]:
    """The map of a readable ``digests.json`` (``{}`` when it is missing or malformed: it is rewritten)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    ok = isinstance(data, dict) and data.get("format") == _DIGESTS_FORMAT and isinstance(data.get("sha256"), dict)
    return {k: v for k, v in data["sha256"].items() if isinstance(v, str)} if ok else {}


def verify_digests(folder: str | os.PathLike, names: Any = None) -> dict[str, str]:
    """Check every file listed in ``folder/digests.json`` against its recorded sha256; return the map.

    Raises :class:`~rnnkit.errors.CheckpointError` naming the file when a listed file is missing or
    differs, when ``digests.json`` is missing, unreadable, of the wrong schema or lists nothing (a missing
    digest map is an error, never "skip the check"), and when a name in ``names`` (the files the caller
    is about to load) is not listed.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "w.bin").write_bytes(b"abc")
    >>> _ = write_digests(d, ["w.bin"])
    >>> _ = (d / "w.bin").write_bytes(b"abd")
    >>> verify_digests(d)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.errors.CheckpointError: .../w.bin: expected sha256 ba7816bf8f01… (recorded in digests.json), got ...
    """
    folder = Path(folder)
    path = folder / DIGESTS_FILE
    data = read_json(path, "a digest map {\"format\": 1, \"sha256\": {file: hexdigest}}")
    if (not isinstance(data, dict) or data.get("format") != _DIGESTS_FORMAT
            or not isinstance(data.get("sha256"), dict)):
        got = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise CheckpointError(f"{path}: expected {{\"format\": {_DIGESTS_FORMAT}, \"sha256\": {{file: hexdigest}}}}, got {got}")
    digests = data["sha256"]
    if not digests:
        raise CheckpointError(f"{path}: expected the sha256 of the run's files, got an empty map")
    for rel, want in digests.items():
        if not isinstance(want, str) or not _HEX64.match(want):
            raise CheckpointError(f"{path}: {rel!r}: expected a 64-digit hex sha256, got {want!r}")
        _digest_name(rel)
    for name in [] if names is None else names:
        rel = _digest_name(name)
        if rel not in digests:
            raise CheckpointError(f"{folder / rel}: expected its sha256 in {DIGESTS_FILE}, got no entry "
                                  f"(listed: {sorted(digests)})")
    for rel, want in digests.items():
        try:
            got = _file_sha256(folder / rel)
        except (FileNotFoundError, IsADirectoryError):
            raise CheckpointError(f"{folder / rel}: expected a file (listed in {DIGESTS_FILE}), got nothing (missing)") from None
        if got != want:
            raise CheckpointError(f"{folder / rel}: expected sha256 {want[:12]}… (recorded in {DIGESTS_FILE}), "
                                  f"got {got[:12]}…; the file is corrupt or was modified")
    return dict(digests)


def read_json(path: str | os.PathLike, what: str | None = None) -> Any:
    """``json.load`` of ``path``; a missing file, bad JSON or non-UTF-8 bytes raise a one-line
    :class:`~rnnkit.errors.CheckpointError` naming the file (``what`` says what was expected).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "c.json"
    >>> _ = p.write_text('{"a": 1')
    >>> read_json(p, "a run config")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.errors.CheckpointError: .../c.json: expected a run config, got invalid JSON (Expecting ',' delimiter: line 1 column 8 (char 7))
    """
    path = Path(path)
    what = what or "a JSON file"
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise CheckpointError(f"{path}: expected {what}, got nothing (missing)") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise CheckpointError(f"{path}: expected {what} in UTF-8, got undecodable bytes at offset {e.start}") from None
    except ValueError as e:
        raise CheckpointError(f"{path}: expected {what}, got invalid JSON ({e})") from None
