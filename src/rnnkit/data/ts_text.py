"""The ``text=`` argument of the series readers (:func:`rnnkit.data.tsc.read_ts`, :func:`~rnnkit.data.tsc.read_ucr`)
read as the file's text would be: a leading byte-order mark dropped, one that starts a later line refused, as
:func:`rnnkit.data.text.decode_utf8` does for a file.

A string read with ``open(path, encoding="utf-8")`` keeps a BOM (U+FEFF) in front of a file a spreadsheet or
Notepad saved; before, ``read_ts(text=...)`` of such a string said "expected '@data' before the series, got data at
line 1 (a UCR archive file...)" about a correct header, and ``read_ucr(text=...)`` read the first label as
``'\\ufeff1'``, a class of its own, silently.

>>> given_text("\\ufeff@data\\n1,2:a\\n", "ts")
'@data\\n1,2:a\\n'
>>> given_text(b"@data", "ts")
Traceback (most recent call last):
rnnkit.errors.InputTypeError: text: expected a str (the file's text), got bytes (decode it first, or pass path=)
"""

from __future__ import annotations

from typing import Any

from rnnkit._validate import check_unicode
from rnnkit.data.text import decode_utf8
from rnnkit.errors import InputTypeError

__all__ = ["given_text"]


def given_text(text: Any, what: str) -> str:
    """``text`` as a reader's ``text=``: a str (bytes or a number were a bare TypeError or AttributeError naming no
    argument), its leading BOM dropped; a BOM starting a later line (texts joined) is a DataError naming the line."""
    if not isinstance(text, str):
        hint = " (decode it first, or pass path=)" if isinstance(text, (bytes, bytearray)) else ""
        raise InputTypeError(f"text: expected a str (the file's text), got {type(text).__name__}{hint}")
    if text.startswith("\ufeff") or "\n\ufeff" in text:   # decoded as a file's bytes would be: one rule for both
        return decode_utf8(check_unicode(text, "text").encode("utf-8"), "text", what)
    return text
