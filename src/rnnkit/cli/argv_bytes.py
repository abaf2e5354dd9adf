"""An error naming a command-line value that Python read as raw bytes: the hint of how to give it as text.

Python decodes the command line in the locale's encoding. Under an ASCII locale without Python's UTF-8 mode
(``LC_ALL=C`` with ``PYTHONUTF8=0``: Python turns that mode on by itself for a plain C / POSIX locale) a UTF-8
argument such as ``--target 'prix€'`` arrives as ``'prix\\udce2\\udc82\\udcac'`` (PEP 383's escaped bytes). A path
so given still opens the file (the same bytes), but a column name is not found in the UTF-8 header
(``column 'prix\\udce2\\udc82\\udcac' not found; expected one of [..., 'prix€']``) and a ``--prompt`` is refused
as a lone surrogate, with nothing saying why. Such an error line now ends with what the bytes read as UTF-8 and
the fix (``PYTHONUTF8=1`` or ``LC_ALL=C.UTF-8``); nothing is decoded behind the user's back (the bytes of a path
are the file's name).
"""

from __future__ import annotations

import re
import sys

_RUN = re.compile(r"(?:\\udc[89a-f][0-9a-f])+")


def argv_bytes_hint(message: str) -> str:
    """``message`` with a hint appended when it holds escaped bytes (``\\udce2...``, as ``repr`` writes them) that
    read as UTF-8 text and the command line was not decoded as UTF-8; otherwise ``message`` unchanged.

    >>> argv_bytes_hint("no such column") == "no such column"
    True
    """
    if sys.flags.utf8_mode or sys.getfilesystemencoding().lower().replace("-", "").replace("_", "") == "utf8":
        return message
    for run in _RUN.finditer(message):
        text = _utf8(run.group())
        if text is None:     # part of a value ('a lone surrogate '\udcc4''): the argument it came from
            text = next((_utf8(a) for a in sys.argv[1:] if ascii(a)[1:-1].find(run.group()) >= 0 and _utf8(a)), None)
            if text is None:  # bytes of another encoding (a Latin-1 file name): nothing to say
                continue
        return (f"{message} (the command line was read as {sys.getfilesystemencoding()!r}, not UTF-8: "
                f"{run.group()} are raw bytes of the UTF-8 text {text!r}; to give a column name or a text so written, "
                "run with PYTHONUTF8=1 or a UTF-8 locale, e.g. LC_ALL=C.UTF-8)")
    return message


def _utf8(escaped: str) -> str | None:
    """The text whose UTF-8 bytes ``escaped`` (an argument, or ``\\udcXX`` escapes as ``repr`` writes them)
    holds as PEP 383 surrogates; ``None`` when they are no UTF-8 or there are none."""
    if escaped.startswith("\\udc"):
        raw = bytes(int(escaped[i + 2:i + 6], 16) - 0xDC00 for i in range(0, len(escaped), 6))
    elif any("\udc80" <= c <= "\udcff" for c in escaped):
        raw = escaped.encode("utf-8", "surrogateescape")
    else:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
