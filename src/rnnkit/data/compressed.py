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
from rnnkit.data.not_utf8 import GZIP as _GZIP, OTHER_PACKINGS as _OTHERS, table_format    # the magic numbers
from rnnkit.errors import DataError

__all__ = ["csv_text"]


def csv_text(path: str | Path, what: str) -> str:
    """The text of the CSV file ``path`` (:func:`rnnkit.data.text.read_utf8`'s rules: UTF-8, a BOM dropped, the bad
    byte's line named), decompressed first when it is gzip; another compressed format is a DataError naming it."""
    from rnnkit.data.text import decode_utf8, read_utf8, warn_twice_encoded

    p = Path(path)
    if is_stream(p) or not p.is_file():       # a pipe is read once: as text, by read_utf8
        return read_utf8(p, what)
    try:
        with open(p, "rb") as f:
            head = f.read(4096)
    except OSError:
        return read_utf8(p, what)             # its own message for a file that cannot be read
    if (table := table_format(head)) is not None:   # an .xlsx was 'a zip archive ...; unzip it first' (XML inside)
        raise DataError(f"{what}: expected a CSV file (plain text or gzip), got {table[0]} in {str(p)!r}; {table[1]}")
    for magic, kind, fix in _OTHERS:
        if head.startswith(magic) and (magic != b"BZh" or head[3:4].isdigit() and head[4:10] == b"1AY&SY"):
            raise DataError(f"{what}: expected a CSV file (plain text or gzip), got {kind} in {str(p)!r}; {fix} first")
    if not head.startswith(_GZIP):
        return read_utf8(p, what)
    try:
        data = _gunzip(p, what)
    except (EOFError, OSError, zlib.error) as e:       # truncated (EOFError), a bad CRC or header (BadGzipFile)
        raise DataError(f"{what}: expected a complete gzip file, got {str(p)!r} that does not decompress "
                        f"({e})") from None
    if not data.strip():
        raise DataError(f"{what}: expected a non-empty file, got {str(p)!r} (gzip of "
                        f"{'nothing' if not data else 'white space alone'})")
    return warn_twice_encoded(decode_utf8(data, str(p), what), str(p), what)


def _gunzip(p: Path, what: str) -> bytes:
    """The decompressed bytes of the gzip file ``p`` (every member, each CRC checked), read in 16 MiB blocks and
    refused as a DataError once they pass a quarter of the memory a run can still use: a gzip file expands up to
    ~1000 times (10 MB of zeros compress to 10 kB), and ``gzip.decompress`` took it whole -- the OOM killer, or
    minutes of swapping, before a word."""
    from rnnkit._memory import human_size
    from rnnkit.data.file_memory import text_bound

    avail, bound = text_bound()      # a quarter: as a plain file's (rnnkit.data.file_memory)
    blocks, total = [], 0
    with gzip.open(p, "rb") as f:
        while block := f.read(1 << 24):
            total += len(block)
            if bound is not None and total > bound:
                raise DataError(f"{what}: expected a gzip file whose text fits in memory (a quarter of the "
                                f"{human_size(avail)} available), got {str(p)!r}, which decompresses past "
                                f"{human_size(total)} ({human_size(p.stat().st_size)} compressed)")
            blocks.append(block)
    return b"".join(blocks)
