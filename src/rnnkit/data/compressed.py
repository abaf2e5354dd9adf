"""A series CSV given compressed: gzip is read (its checksum verified), other archives are named.

``sales.csv.gz`` is how many exports and pipelines hand a CSV over, and pandas reads it by its name; here it was
read as text and refused as "expected UTF-8 text, got invalid byte 0x8b ... at line 1" (gzip's second magic
byte), which sent the user looking for an encoding problem. A gzip file (known by its magic bytes, whatever its
name) is decompressed whole, which checks its CRC-32 and length: a truncated or corrupted file is a DataError
naming it, never a partial table. A zip, bzip2, xz or zstd file is refused by name (decompress it first).
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from rnnkit._io import is_stream
from rnnkit.errors import DataError

__all__ = ["csv_text"]

_GZIP = b"\x1f\x8b"
_OTHERS = ((b"PK\x03\x04", "a zip archive", "unzip it"), (b"BZh", "bzip2 data", "bunzip2 it"),   # BZh + level + 1AY&SY
           (b"\xfd7zXZ\x00", "xz data", "unxz it"), (b"\x28\xb5\x2f\xfd", "zstd data", "unzstd it"))


def csv_text(path: str | Path, what: str) -> str:
    """The text of the CSV file ``path`` (:func:`rnnkit.data.text.read_utf8`'s rules: UTF-8, a BOM dropped, the bad
    byte's line named), decompressed first when it is gzip; another compressed format is a DataError naming it."""
    from rnnkit.data.text import decode_utf8, read_utf8, warn_twice_encoded

    p = Path(path)
    if is_stream(p) or not p.is_file():       # a pipe is read once: as text, by read_utf8
        return read_utf8(p, what)
    try:
        with open(p, "rb") as f:
            head = f.read(10)
    except OSError:
        return read_utf8(p, what)             # its own message for a file that cannot be read
    for magic, kind, fix in _OTHERS:
        if head.startswith(magic) and (magic != b"BZh" or head[3:4].isdigit() and head[4:10] == b"1AY&SY"):
            raise DataError(f"{what}: expected a CSV file (plain text or gzip), got {kind} in {str(p)!r}; {fix} first")
    if not head.startswith(_GZIP):
        return read_utf8(p, what)
    try:
        data = gzip.decompress(p.read_bytes())
    except (EOFError, OSError, zlib.error) as e:       # truncated (EOFError), a bad CRC or header (BadGzipFile)
        raise DataError(f"{what}: expected a complete gzip file, got {str(p)!r} that does not decompress "
                        f"({e})") from None
    if not data.strip():
        raise DataError(f"{what}: expected a non-empty file, got {str(p)!r} (gzip of "
                        f"{'nothing' if not data else 'white space alone'})")
    return warn_twice_encoded(decode_utf8(data, str(p), what), str(p), what)
