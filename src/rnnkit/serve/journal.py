"""The service's durable state: an append-only journal of accepted requests, one JSON line each, written
and ``fsync``-ed before the reply; a restart replays it over the saved run.

A line is either complete (ends with ``\\n`` and parses) or the torn tail of a write that was killed
before its reply: that tail is cut on open, never replayed (its client got no answer). A bad line before
the last is corruption and an error. One process owns a state folder at a time (an exclusive ``flock``
on ``STATE/lock``, released by the kernel even on ``kill -9``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from rnnkit._io import atomic_write_bytes, not_a_file_reason
from rnnkit.errors import CheckpointError

__all__ = ["Journal", "run_digest", "run_stamp"]

_RUN_FILES = ("config.json", "model.safetensors")


def run_digest(run: Path) -> str:
    """sha256 of the run's ``config.json`` and weights: a journal only replays over the run it was made on."""
    h = hashlib.sha256()
    for name in _RUN_FILES:
        p = run / name
        h.update(name.encode())
        h.update(p.read_bytes() if p.is_file() else b"")
    return h.hexdigest()


def run_stamp(run: Path) -> tuple:
    """What tells, without reading them, that the run's files were replaced or rewritten: inode, size and
    mtime of each (``None`` for a missing file)."""
    def one(p: Path):
        try:
            st = p.stat()
        except OSError:
            return None
        return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns

    return tuple(one(Path(run) / name) for name in _RUN_FILES)


class Journal:
    """``STATE/journal.jsonl`` (+ ``STATE/meta.json`` naming the run, ``STATE/lock``)."""

    def __init__(self, folder: Path, run: Path) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(self.folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:  # an existing file, a path under a file, a folder that cannot be written
            raise CheckpointError(f"state: expected a folder the server can write, got {str(self.folder)!r} "
                                  f"({e.strerror or e})") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            raise CheckpointError(f"state: expected a state folder no other server uses, got {str(self.folder)!r} "
                                  "locked by another process") from None
        except OSError as e:     # a file system without locks (some NFS: ENOLCK): two servers could not be kept apart
            os.close(self._lock)
            raise CheckpointError(f"state: expected a folder whose files can be locked (one server a state folder), "
                                  f"got {str(self.folder)!r} ({e.strerror or e}): give a local folder") from None
        try:
            self._open(Path(run))
        except BaseException:   # the lock is released: the same process may open the folder once it is fixed
            self.close()
            raise

    def _open(self, run: Path) -> None:
        self.path = self.folder / "journal.jsonl"
        for path, what in ((self.folder / "meta.json", "the run's digest"), (self.path, "the journal")):
            if path.exists() and not path.is_file():   # a raw IsADirectoryError naming a temporary file
                raise CheckpointError(f"state: expected {str(path)!r} to be a file ({what}), got "
                                      f"{not_a_file_reason(path)}")
        digest = run_digest(Path(run))
        meta = self.folder / "meta.json"
        if meta.is_file():
            try:
                saved = json.loads(meta.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError, RecursionError):
                saved = None
            if not isinstance(saved, dict) or not isinstance(saved.get("run_sha256"), str):
                raise CheckpointError(f"state: expected {str(meta)!r} to be JSON naming the run's sha256, got a "
                                      "corrupt file")
            saved = saved["run_sha256"]
            if saved != digest:
                raise CheckpointError(f"state: expected a journal made on this run ({run}), got one made on another "
                                      f"(run sha256 {str(saved)[:12]}..., this run {digest[:12]}...): the run was "
                                      f"saved again since, or another run's state given; serve with another state "
                                      f"folder to start afresh (the observations in {str(self.path)!r} are not in "
                                      "this run)")
        elif self.path.is_file() and self.path.stat().st_size:
            # meta.json is written before the first entry: a journal without it was copied from another state
            # folder (or its meta.json deleted), and was adopted as this run's -- replayed over it, silently
            raise CheckpointError(f"state: expected {str(meta)!r} beside the journal {str(self.path)!r} (it names the "
                                  "run the journal was made on; the server writes it before the first entry), got "
                                  "none: restore it, or serve with an empty state folder to start afresh")
        else:
            atomic_write_bytes(meta, json.dumps({"run": str(run), "run_sha256": digest}).encode())
        self.entries = self._read()
        self._broken: str | None = None
        self._appending = threading.Lock()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        _fsync_dir(self.folder)

    def _read(self) -> list[Any]:
        if not self.path.is_file():
            return []
        data = self.path.read_bytes()
        entries, offset = [], 0
        lines = data.split(b"\n")
        for i, line in enumerate(lines):
            last = i == len(lines) - 1
            if last:  # no newline after it: a write killed before its reply (or the empty tail)
                if line:
                    with open(self.path, "r+b") as f:
                        f.truncate(offset)
                        os.fsync(f.fileno())
                break
            try:
                entries.append(json.loads(line))
            except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError (not UTF-8), nested too deep
                raise CheckpointError(f"state: expected JSON lines in {str(self.path)!r}, got a corrupt line "
                                      f"{i + 1}") from None
            offset += len(line) + 1
        return entries

    def intact(self) -> bool:
        """Whether ``STATE/journal.jsonl`` is still the file this journal writes to (not removed or
        replaced, e.g. with the run folder that holds the default state, while the server ran)."""
        try:
            return os.path.samestat(os.fstat(self._fd), os.stat(self.path))
        except OSError:
            return False

    def append(self, entry: Any) -> None:
        """Write one entry as a line and ``fsync`` it (durable when this returns). One append at a time: a failed
        one cuts the file back to where its line began, which cut an acknowledged line another thread had appended
        after it (the services serialise their updates; the journal no longer relies on it, session 35)."""
        with self._appending:
            self._append(entry)

    def _append(self, entry: Any) -> None:
        if not self.intact():     # writing to an unlinked file would acknowledge what no restart replays
            raise OSError("the journal file was removed or replaced while serving (restart the server)")
        if self._broken:
            raise OSError(self._broken)
        data = (json.dumps(entry, allow_nan=False, separators=(",", ":")) + "\n").encode()
        start = os.fstat(self._fd).st_size
        try:
            written = os.write(self._fd, data)
            while written < len(data):   # a short write (the disk filled, a file-size limit): the next one says why
                more = os.write(self._fd, data[written:])
                if not more:
                    raise OSError(f"expected to write {len(data)} bytes, wrote {written}")
                written += more
            os.fsync(self._fd)
        except BaseException:
            # not durable, so not acknowledged: cut the line (a failed fsync left it in the file, and a restart
            # replayed an update its client was told was not applied -- after a retry, twice: no restart)
            self._cut(start)
            raise
        self.entries.append(entry)

    def _cut(self, size: int) -> None:
        """Truncate the journal back to ``size`` bytes, durably; when that fails too, refuse every later
        append (the file may hold a line no reply acknowledged; a restart replays it and starts clean)."""
        try:
            os.ftruncate(self._fd, size)
            os.fsync(self._fd)
        except OSError as e:
            self._broken = (f"the journal could not be cut back after a failed write ({e.strerror or e}); restart "
                            "the server")

    def close(self) -> None:
        for name in ("_fd", "_lock"):
            fd = getattr(self, name, None)
            if fd is not None:
                os.close(fd)
                setattr(self, name, None)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
