"""Long quoted values in a one-line message, shortened: an error or warning names a value, not all of it.

A 1 MB field in a CSV (a text cell with no newline, a number glued to a megabyte of junk) came back as a 1 MB stderr
line: the readers quote the offending value whole (``expected numeric values, got dtype str (e.g. '13.125xxx...')``,
``expected one label per series, got 'B' and 'Bxxx...'``), 17 of helper F's fuzz cases (session 27) in forecast,
classify and tsc. :func:`clip_quoted` keeps each long quoted value's head and tail (a path's file name stays) and
says how long it was; the rest of the line (the flag, the file, the row) is kept as it is.
"""

from __future__ import annotations

import re

__all__ = ["clip_quoted", "QUOTED_LIMIT"]

#: Longest quoted value kept whole in a message (characters between the quotes). Large: a message's prose between two
#: apostrophes ("pandas' ... 'x'") also reads as quoted, and the messages' own prose runs to a few hundred characters.
QUOTED_LIMIT = 1000
_END = 60
_QUOTED = re.compile(r"'([^'\n]{%d,})'|\"([^\"\n]{%d,})\"" % (QUOTED_LIMIT + 1, QUOTED_LIMIT + 1))


def clip_quoted(text: str) -> str:
    """``text`` with every quoted value longer than :data:`QUOTED_LIMIT` characters cut to its first and last 60
    and its length.

    >>> clip_quoted("--csv: expected numbers, got '" + "1" * 600 + "2" * 600 + "' at row 4")
    "--csv: expected numbers, got '111111111111111111111111111111111111111111111111111111111111...222222222222222222222222222222222222222222222222222222222222' (1,200 characters) at row 4"
    >>> clip_quoted("got 'B' and 'B'")
    "got 'B' and 'B'"
    """
    def cut(m: re.Match) -> str:
        q = "'" if m.group(1) is not None else '"'
        value = m.group(1) if m.group(1) is not None else m.group(2)
        return f"{q}{value[:_END]}...{value[-_END:]}{q} ({len(value):,} characters)"

    return _QUOTED.sub(cut, text) if len(text) > QUOTED_LIMIT else text
