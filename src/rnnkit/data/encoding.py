"""Text encoded twice (mojibake): a UTF-8 file read as Windows-1252 or Latin-1 and saved as UTF-8 again.

Such a file is valid UTF-8, so :func:`rnnkit.data.text.read_utf8` took it, and every text task learned
``cafÃ©`` and ``donâ€™t`` as words and characters of their own, silently (a Latin-1 or Windows-1252 file
itself is refused: its bytes are not UTF-8). :func:`warn_twice_encoded` says so, naming the file, how many
lines hold such text, the first one and what it reads decoded once; the text is read as written (the project
guesses no encoding). A fragment counts only when it is a whole UTF-8 sequence read as Windows-1252 or
Latin-1 characters and those bytes decode as UTF-8: ``Ã©`` (``é``), ``â€™`` (``’``), ``Ã±`` (``ñ``). A fragment
that would read as a letter or digit of another script (Cyrillic, Arabic, NKo, CJK...) or of IPA, glued to an
ASCII letter (directly or through Latin letters in no fragment), is text typed once: an accented capital before a
quote, a guillemet or an ellipsis (``«CAFÉ»``: ``É»`` read as ``ɻ``; ``PERÚ…``, ``JOSÉ’S``), ``m×²``, German
``Groß…`` and ``Gefäß…`` (``ß…`` reads NKo's digit five) -- a word of such a script encoded twice has more
letters, one of them not glued to ASCII.

>>> twice_encoded_lines("café\\ncafÃ©\\ndonâ€™t\\n")
(2, 2, 'Ã©', 'é')
>>> twice_encoded_lines("São Paulo, 25 °C, «quoted», Ñandú, «CAFÉ», PERÚ…")[0]
0
"""

from __future__ import annotations

import re
import unicodedata
import warnings

__all__ = ["twice_encoded_lines", "warn_twice_encoded", "bom_encoding", "legacy_hint"]

# the characters Windows-1252 (or Latin-1, for its C1 controls) gives the continuation bytes 0x80-0xBF
_CONT = ("\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a"
         "\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122")
_LEAD = re.compile("[\u00c2-\u00f4]")
_CONT_CHAR = re.compile(f"[{_CONT}]")
#: a UTF-8 lead byte read as one character, then as many continuation characters as it announces
_TWICE = re.compile(f"[\u00c2-\u00df][{_CONT}]|[\u00e0-\u00ef][{_CONT}]{{2}}|[\u00f0-\u00f4][{_CONT}]{{3}}")


def _once(fragment: str) -> str | None:
    """What ``fragment`` reads decoded once (its Windows-1252, else Latin-1, bytes as UTF-8), or ``None``."""
    for codec in ("cp1252", "latin-1"):
        try:
            once = fragment.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        # a mark, control or unassigned code point once decoded is no character a writer typed ('Ûª': U+06EA)
        return None if unicodedata.category(once)[0] in "MC" else once
    return None


def _typed_once(line: str, start: int, end: int, once: str, inside: set[int]) -> bool:
    """Whether the fragment ``line[start:end]``, reading ``once`` decoded once, is text typed once: ``once`` a
    letter or digit of no Latin alphabet (or of IPA: ``É»`` is ``ɻ``; German ``Groß…``: ``ß…`` is NKo's digit
    five) and the fragment glued to an ASCII letter, directly or through Latin letters in no fragment (the ``ä``
    of ``Gefäß…``; ``inside``: the positions of the line's fragments). ``ÄÖÜß“``, no ASCII letter in the word, is still counted."""
    if unicodedata.category(once)[0] not in "LN":
        return False
    if unicodedata.name(once, "").startswith("LATIN") and not 0x250 <= ord(once) <= 0x2FF:
        return False
    return _glued(line, start - 1, -1, inside) or _glued(line, end, 1, inside)


def _glued(line: str, k: int, step: int, inside: set[int]) -> bool:
    """Whether ``line[k]``, then on by ``step``, reaches an ASCII letter (or a letter :func:`_typed_letter` calls
    typed once) through Latin letters that are part of no fragment."""
    while 0 <= k < len(line):
        c = line[k]
        if _typed_letter(c):
            return True
        if not (c.isalpha() and unicodedata.name(c, "").startswith("LATIN")) or k in inside:
            return False
        k += step
    return False


def _typed_letter(c: str) -> bool:
    """An ASCII letter, or a Latin letter that no text encoded twice holds (no UTF-8 lead byte and no
    continuation byte read as Windows-1252 or Latin-1): the 'ü' of 'süß“', whose 'ß“' reads an NKo letter."""
    if c.isascii():
        return c.isalpha()
    return (c.isalpha() and unicodedata.name(c, "").startswith("LATIN")
            and _LEAD.fullmatch(c) is None and _CONT_CHAR.fullmatch(c) is None)


def twice_encoded_lines(text: str) -> tuple[int, int, str, str]:
    """``(lines, first_line, fragment, once)``: how many lines of ``text`` hold text encoded twice, the first
    such line (1-based), its first fragment and what that reads decoded once; ``(0, 0, '', '')`` when none."""
    count, first = 0, (0, "", "")
    if _TWICE.search(text) is None:   # the usual case, in one pass over the text
        return (0, 0, "", "")
    for number, line in enumerate(text.split("\n"), 1):
        found = list(_TWICE.finditer(line))
        inside = {k for m in found for k in range(*m.span())}   # a set: a list of spans scanned at each letter
        for m in found:   # walked made a long line quadratic (96,000 'Groß…' words on one line: 109 s)
            once = _once(m.group())
            if once is not None and not _typed_once(line, m.start(), m.end(), once, inside):
                count += 1
                first = first if first[0] else (number, m.group(), once)
                break
    return (count, *first)


def warn_twice_encoded(text: str, name: str, what: str = "file") -> str:
    """``text`` unchanged, with a warning when lines of it are text encoded twice (see the module)."""
    count, line, fragment, once = twice_encoded_lines(text)
    if count:
        warnings.warn(f"{what}: {count} line(s) of {name!r} hold text encoded twice (mojibake), the first line "
                      f"{line}: {fragment!r} reads {once!r} decoded once -- a UTF-8 file read as Windows-1252 or "
                      "Latin-1 and saved again; it is read as written (re-save it from its first encoding, or "
                      "repair it, e.g. with ftfy)", stacklevel=3)
    return text


def bom_encoding(data: bytes) -> str:
    """The encoding a UTF-16 or UTF-32 byte-order mark at the start of ``data`` names, with the mark, for a message
    (UTF-32's little-endian mark ``FF FE 00 00`` begins with UTF-16's ``FF FE``: it was called UTF-16); else ``""``.

    >>> bom_encoding("a".encode("utf-32")), bom_encoding(b"a")
    ('UTF-32 little-endian (byte-order mark 0xff 0xfe 0x00 0x00)', '')
    """
    for mark, name in ((b"\xff\xfe\x00\x00", "UTF-32 little-endian"), (b"\x00\x00\xfe\xff", "UTF-32 big-endian"),
                       (b"\xff\xfe", "UTF-16 little-endian"), (b"\xfe\xff", "UTF-16 big-endian")):
        if data.startswith(mark):
            return f"{name} (byte-order mark {' '.join(f'0x{b:02x}' for b in mark)})"
    return ""


def legacy_hint(data: bytes) -> str:
    """For the message of bytes that are not UTF-8: ``"; Windows-1252 or Latin-1 text? ..."`` when every byte of
    ``data`` is a Windows-1252 character (what a Western-European spreadsheet or editor writes), else ``""``."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return " (Windows-1252 or Latin-1 text? save it as UTF-8, e.g. iconv -f cp1252 -t utf-8)"
