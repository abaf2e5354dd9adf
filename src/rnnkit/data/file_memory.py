"""Text files read whole, bounded by the memory a run can still use.

Every reader of a user's text file (series and text CSVs, text lines, ``.ts`` and UCR files, CoNLL, translation
pairs, a generator's text: :func:`rnnkit.data.text.read_utf8`) reads the file whole, decodes it and builds a table
or lists beside it -- several times the file's size. A gzip file was refused past a quarter of the memory
available (session 25, :mod:`rnnkit.data.compressed`); a plain file had no bound: a 30 GB CSV was read by
``f.read()`` and the kernel killed the process (exit 137, no message). Now a regular file larger than a quarter
of :func:`rnnkit._memory.available_memory` is a DataError naming the file, its size and the memory before a byte is
read, and a stream (stdin, a pipe) is refused once what it gave passes that bound. When the memory cannot be
told, nothing is refused.

>>> import io
>>> read_bounded(io.BytesIO(b"t,y\\n1,2\\n"), "<stdin>", "--csv")
b't,y\\n1,2\\n'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from rnnkit._io import read_until_binary
from rnnkit.errors import DataError

__all__ = ["TEXT_SHARE", "text_bound", "read_file", "read_bounded"]

#: the share of the memory a run can still use that a file's text may take: the bytes are decoded to a str and
#: parsed into a table beside it (several times its size), so a quarter
TEXT_SHARE = 4

_FIX = "split it (split -l), keep the rows needed, or run where more memory is free"


def text_bound() -> tuple[int | None, int | None]:
    """``(available, bound)``: the bytes a run can still use and a quarter of them; ``(None, None)`` when unknown."""
    from rnnkit import _memory

    avail = _memory.available_memory("cpu")
    return avail, None if avail is None else avail // TEXT_SHARE


class _Counted:
    """A binary stream whose reads raise ``fail(total)`` once more than ``bound`` bytes came."""

    def __init__(self, stream: BinaryIO, bound: int, fail: Any) -> None:
        self.stream, self.bound, self.fail, self.total = stream, bound, fail, 0

    def read(self, n: int = -1) -> bytes:
        block = self.stream.read(n)
        self.total += len(block)
        if self.total > self.bound:
            self.fail(self.total)
        return block


def read_bounded(stream: BinaryIO, name: str, what: str) -> bytes:
    """The bytes of the stream ``stream`` (:func:`rnnkit._io.read_until_binary`: a binary one up to its first NUL),
    a DataError naming ``what`` and ``name`` once they pass a quarter of the memory available."""
    from rnnkit._memory import human_size

    avail, bound = text_bound()
    if bound is None:
        return read_until_binary(stream)

    def fail(total: int) -> None:
        raise DataError(f"{what}: expected text that fits in memory (a quarter of the {human_size(avail)} available), "
                        f"got {name!r}, which passed {human_size(total)} while being read; {_FIX}")

    return read_until_binary(_Counted(stream, bound, fail))


def read_file(path: Path, name: str, what: str) -> bytes:
    """The bytes of the file or stream at ``path`` (named ``name``): a regular file larger than a quarter of the
    memory available is a DataError naming its size before it is read; a stream is bounded by
    :func:`read_bounded`; an OSError (no permission) is a DataError naming ``what``."""
    from rnnkit._memory import human_size

    try:
        with open(path, "rb") as f:
            size = path.stat().st_size if path.is_file() else None
            avail, bound = text_bound()
            if size is not None and bound is not None and size > bound:
                raise DataError(f"{what}: expected a file that fits in memory (a quarter of the {human_size(avail)} "
                                f"available: the text is decoded and parsed beside its bytes), got {name!r} of "
                                f"{human_size(size)}; {_FIX}")
            return f.read() if size is not None else read_bounded(f, name, what)
    except OSError as e:   # PermissionError escaped untyped, naming no flag
        raise DataError(f"{what}: expected a readable file, got {name!r} ({e.strerror or e})") from None
