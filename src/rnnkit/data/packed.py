"""A text file given compressed, one rule for every reader: gzip, bzip2, xz and a zip of one file are read.

``Coffee_TRAIN.tsv.gz``, ``reviews.csv.bz2``, ``ner.conll.xz`` and a ``corpus.zip`` holding one file are how data
sets are handed over. Only tsc's and forecast's readers read gzip (session 34); classify ``--csv``, tag ``--conll``,
translate ``--tsv``, generate ``--text`` and every ``--input`` refused it ("gunzip it first"), and a bzip2 or zip
file given to ``--ucr`` was "expected a CSV file". Now :func:`rnnkit.data.text.read_utf8`, which every text reader
goes through, hands a file's bytes to :func:`unpacked`: known by its magic bytes (whatever its name), a compressed
file is decompressed whole, its checksum verified (a truncated or corrupted file is a DataError naming the format and
the file, never part of a table), bounded by a quarter of the memory a run can still use (a 10 kB gzip of zeros
expands to 10 MB). A zip's one file (``__MACOSX/``, ``.DS_Store`` and ``Thumbs.db`` entries skipped) may itself be
gzip, bzip2 or xz (``data.csv.gz``): read one level down. A zip of several files, zstd (no reader in the standard library before Python 3.14) and
compressed data from a stream (stdin, a pipe: read only up to a bound, never rewound) are refused by name, with the
command that opens them. A spreadsheet or binary table (an ``.xlsx`` is a zip) is left to the UTF-8 decoder, which
names it (:func:`rnnkit.data.not_utf8.table_format`).

>>> import gzip
>>> unpacked(gzip.compress(b"t,y\\n1,2\\n"), "a.csv.gz", "--csv")
b't,y\\n1,2\\n'
>>> unpacked(b"t,y\\n1,2\\n", "a.csv", "--csv")
b't,y\\n1,2\\n'
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Any

from rnnkit.data.not_utf8 import GZIP, OTHER_PACKINGS, table_format
from rnnkit.errors import DataError

__all__ = ["packing", "unpacked"]

_ZIP_OTHERS = ("__MACOSX/",)      # macOS Finder's resource forks beside the file ('Compress "data.csv"')
_OS_FILES = (".DS_Store", "Thumbs.db")   # Finder's and Windows Explorer's folder metadata, at any depth (these names only)
#: after 'BZh' and a level digit: a block's magic, or the end-of-stream magic of a stream of no data (bzip2 of an
#: empty file, 14 bytes; review s36 W2)
_BZIP2_NEXT = (b"1AY&SY", b"\x17rE8P\x90")


def packing(head: bytes) -> tuple[str, str] | None:
    """``(format, the command that opens it)`` when ``head`` (a file's first bytes) begins as compressed data does --
    gzip, bzip2, xz, zip, zstd -- else ``None`` (a spreadsheet or binary table is not packing: ``None``)."""
    if table_format(head[:4096]) is not None:     # an .xlsx is a zip: named as a workbook by the decoder
        return None
    for magic, kind, fix in ((GZIP, "gzip", "gunzip it"), *OTHER_PACKINGS):
        if head.startswith(magic) and (magic != b"BZh" or head[3:4].isdigit() and head[4:10] in _BZIP2_NEXT):
            return kind.removeprefix("a ").removesuffix(" data").removesuffix(" archive"), fix
    return None


def unpacked(data: bytes, name: str, what: str, stream: bool = False) -> bytes:
    """``data`` (the bytes of the file ``name``) decompressed when it is gzip, bzip2, xz or a zip of one file, else
    ``data`` itself; DataError (naming ``what``, the format and ``name``) when it does not decompress whole, holds
    several files, is zstd, comes from a stream (``stream=True``), expands past a quarter of the memory available, or
    holds white space alone."""
    found = packing(data[:4096])
    if found is None:
        return data
    kind, fix = found
    if stream:
        raise DataError(f"{what}: expected text from the stream {name!r}, got {kind} data (a stream is read as text; "
                        f"give the file's path, or pipe it through {fix.split()[0]} -c)")
    if kind == "zstd":
        raise DataError(f"{what}: expected plain text, gzip, bzip2, xz or a zip of one file, got zstd data in "
                        f"{name!r}; {fix} first")
    out = _unpacked(kind, data, name, what)
    if kind == "zip" and (inner := packing(out[:4096])) is not None:      # a zip of data.csv.gz: one level more
        member = f"{name}:{_member(data)}"
        if inner[0] not in ("gzip", "bzip2", "xz"):
            raise DataError(f"{what}: expected a zip of one text file (plain, gzip, bzip2 or xz), got {inner[0]} "
                            f"data in {member!r}; {inner[1]} and give the file to read")
        out = _unpacked(inner[0], out, member, what)
        name, kind = member, inner[0]     # an empty inner file is named as itself (review W2-4: "'a.zip' (zip of ...")
    if not out.strip():
        raise DataError(f"{what}: expected a non-empty file, got {name!r} ({kind} of "
                        f"{'nothing' if not out else 'white space alone'})")
    return out


def _unpacked(kind: str, data: bytes, name: str, what: str) -> bytes:
    """``data`` (``kind`` as :func:`packing` names it, not zstd) decompressed whole; DataError when it does not."""
    try:
        return _read(_opened(kind, data, name, what), kind, name, len(data), what)
    except DataError:      # several files in a zip; past the memory bound: said already
        raise
    except (EOFError, OSError, zlib.error, zipfile.BadZipFile, ValueError, RuntimeError, NotImplementedError,
            _lzma_error()) as e:
        # truncated (EOFError), a bad CRC or header (BadGzipFile, OSError, BadZipFile, LZMAError), an encrypted zip
        # member (RuntimeError), a compression zipfile cannot read (NotImplementedError)
        raise DataError(f"{what}: expected a complete {kind} file, got {name!r} that does not decompress "
                        f"({e})") from None


def _files(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The zip's entries that are data: not a folder, ``__MACOSX/``, ``.DS_Store`` or ``Thumbs.db``."""
    return [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith(_ZIP_OTHERS)
            and i.filename.rsplit("/", 1)[-1] not in _OS_FILES]


def _member(data: bytes) -> str:
    """The name of the one file in the zip ``data`` (read already)."""
    return _files(zipfile.ZipFile(io.BytesIO(data)))[0].filename


def _opened(kind: str, data: bytes, name: str, what: str) -> Any:
    """A binary file object reading the decompressed bytes of ``data`` (``kind`` as :func:`packing` names it)."""
    import bz2
    import gzip
    import lzma

    raw = io.BytesIO(data)
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw)      # every member, each CRC checked (what `cat a.gz b.gz` writes)
    if kind == "bzip2":                        # every stream, as bunzip2 reads it
        return _Streams(bz2.BZ2Decompressor, data, kind)
    if kind == "xz":
        return _Streams(lzma.LZMADecompressor, data, kind)
    archive = zipfile.ZipFile(raw)
    files = _files(archive)
    if len(files) != 1:
        shown = ", ".join(repr(i.filename) for i in files[:4]) + (", ..." if len(files) > 4 else "")
        raise DataError(f"{what}: expected a zip archive of one file, got {len(files)} files in {name!r}"
                        f"{f' ({shown})' if files else ''}; unzip it and give the file to read")
    return archive.open(files[0])              # its CRC-32 is checked once it is read to the end


def _read(f: Any, kind: str, name: str, size: int, what: str) -> bytes:
    """``f``'s bytes read in 16 MiB blocks, a DataError once they pass a quarter of the memory a run can still use
    (``gzip.decompress`` took a bomb whole: the OOM killer, or minutes of swapping, before a word)."""
    from rnnkit._memory import human_size
    from rnnkit.data.file_memory import text_bound

    avail, bound = text_bound()
    blocks, total = [], 0
    with f:
        while block := f.read(1 << 24):
            total += len(block)
            if bound is not None and total > bound:
                raise DataError(f"{what}: expected a {kind} file whose text fits in memory (a quarter of the "
                                f"{human_size(avail)} available), got {name!r}, which decompresses past "
                                f"{human_size(total)} ({human_size(size)} compressed)")
            blocks.append(block)
    return b"".join(blocks)


def _lzma_error() -> type[Exception]:
    import lzma

    return lzma.LZMAError


class _Streams:
    """bzip2 or xz streams one after another (what ``cat a.bz2 b.bz2`` and pbzip2 write) decompressed in turn, a new
    decompressor at each one's end. Each stream is fed from its own start in pieces that double from 256 bytes to
    1 MiB, and the next stream starts where the last one's ``unused_data`` began: the bytes a stream's end copies (its
    last piece's rest) are at most about twice that stream's size plus 256, so a file of many streams -- thousands of
    one-line streams from ``bzip2 -c >> log.bz2`` -- is read in time linear in its size (handing each new decompressor
    the last one's ``unused_data`` copied everything after a stream at its end: 5,500 times a file of 16,707 one-line
    streams). Bytes after a stream that start no valid one are refused (OSError / LZMAError); bz2.BZ2File and
    lzma.LZMAFile took them for the file's end and dropped them, silently (review W2-1). xz's stream padding (zero
    bytes in fours, part of the format) is read past, at the end or between streams (review W2-8)."""

    _FIRST, _BLOCK = 256, 1 << 20

    def __init__(self, new: Any, data: bytes, kind: str) -> None:
        self._new, self._kind, self._data, self._pos, self._stream = new, kind, memoryview(data), 0, 0
        self._start()

    def __enter__(self) -> "_Streams":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def _start(self) -> None:
        self._d, self._feed, self._stream = self._new(), self._FIRST, self._stream + 1

    def _more(self) -> bytes:
        block = bytes(self._data[self._pos:self._pos + self._feed])
        self._pos, self._feed = self._pos + len(block), min(2 * self._feed, self._BLOCK)
        return block

    def _next_stream(self) -> bool:
        """Whether a stream follows the one just ended (its padding passed); ``self._pos`` is then its start."""
        self._pos -= len(self._d.unused_data)
        if self._kind == "xz":
            start = self._pos
            while self._pos < len(self._data) and not any(self._data[self._pos:self._pos + 4096]):
                self._pos += 4096
            tail = bytes(self._data[self._pos:self._pos + 4096])
            self._pos = min(self._pos + len(tail) - len(tail.lstrip(b"\0")), len(self._data))
            if (self._pos - start) % 4:
                raise OSError(f"{self._pos - start} zero bytes after its stream {self._stream}: xz stream padding "
                              f"is a multiple of 4")
        return self._pos < len(self._data)

    def read(self, size: int) -> bytes:
        while True:
            if self._d.eof:
                if not self._next_stream():
                    return b""
                self._start()
                after = len(self._data) - self._pos
                try:
                    out = self._d.decompress(self._more(), size)
                except (OSError, _lzma_error()) as e:
                    raise OSError(f"{after} bytes after its stream "
                                  f"{self._stream - 1} start no {self._kind} stream: {e}") from None
            else:
                feed = self._more() if self._d.needs_input else b""
                if self._d.needs_input and not feed:
                    raise EOFError(f"stream {self._stream} ends before its end-of-stream marker")
                out = self._d.decompress(feed, size)
            if out:
                return out
