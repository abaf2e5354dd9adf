"""What a file that is not UTF-8 likely is, for the message of :func:`rnnkit.data.text.decode_utf8`.

A character beyond U+FFFF (an emoji, a rare Han character) written as its two UTF-16 surrogate halves of three bytes
each -- CESU-8 (Oracle's and MySQL's old 'utf8' exports) or Java's modified UTF-8 (``DataOutputStream.writeUTF``,
which also writes NUL as ``0xC0 0x80``) -- is no UTF-8, and every byte of it is a Windows-1252 character, so the
message said 'Windows-1252 or Latin-1 text? ... iconv -f cp1252 -t utf-8': that command turns the emoji into
``'í\\xa0½í¸\\x80'``, valid UTF-8 read without a word. The message names the encoding instead.

>>> not_utf8_hint(b"good \\xed\\xa0\\xbd\\xed\\xb8\\x80", 5)[:53]
' (CESU-8 or Java modified UTF-8: bytes 0xed 0xa0 0xbd'
>>> not_utf8_hint(b"caf\\xe9", 3)
' (Windows-1252 or Latin-1 text? save it as UTF-8, e.g. iconv -f cp1252 -t utf-8)'
"""

from __future__ import annotations

import re

from rnnkit.data.encoding import legacy_hint

__all__ = ["not_utf8_hint"]

_SURROGATE = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")     # U+D800-U+DFFF in UTF-8's three-byte form
_JAVA_NUL = b"\xc0\x80"


def not_utf8_hint(data: bytes, start: int) -> str:
    """The parenthesised hint after "got invalid byte ... at line N": ``data``'s first invalid byte is at ``start``."""
    if _SURROGATE.match(data, start):
        return (f" (CESU-8 or Java modified UTF-8: bytes {' '.join(f'0x{b:02x}' for b in data[start:start + 3])} "
                "encode a UTF-16 surrogate, half of a character beyond U+FFFF such as an emoji; save it as UTF-8 -- "
                "iconv -f cp1252 would turn it into other characters)")
    if data.startswith(_JAVA_NUL, start):
        return " (Java modified UTF-8: bytes 0xc0 0x80 encode a NUL; save it as UTF-8)"
    return legacy_hint(data)
