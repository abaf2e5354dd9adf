"""Atomic writes, digests and ``read_json``: moved to :mod:`rnnkit._io` (the one home of file and JSON
helpers); re-exported here so older imports keep working."""

from rnnkit._io import (  # noqa: F401  re-exports
    DIGESTS_FILE,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    file_sha256,
    read_json,
    sha256_file,
    verify_digests,
    write_digests,
)

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_write_json", "DIGESTS_FILE", "write_digests",
           "verify_digests", "read_json", "file_sha256", "sha256_file"]
