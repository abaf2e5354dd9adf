"""What a lone carriage return (CR) that stops a CSV reader is: an old Mac file's line end, or a CR inside a field
that its writer left unquoted.

pandas' ``to_csv`` and Python's ``csv`` writer (lineterminator LF, QUOTE_MINIMAL) quote a field holding a LF but
not one holding a lone CR, which tweets and text pasted from old Mac or Windows programs carry: 'My interview on
CNBC<CR>My in... (cont)' was written unquoted in the middle of its row (line 623 of the dslabs trump_tweets table
written by pandas). rnnkit refuses a lone CR outside quotes (documented: never kept inside a line, never a line end
of its own), and said "a line ended by a lone carriage return (CR; lines end with LF or CRLF)" -- true of an old
Mac file, not of this one, whose lines end with LF. The message now says which.

>>> lone_cr_what("text,label\\nab\\rcd,pos\\n", 2)  # doctest: +ELLIPSIS
"a carriage return (CR) inside an unquoted field (pandas' to_csv and Python's csv writer quote a field ...
>>> lone_cr_what("text,label\\rab,pos\\r", 1)
'a line ended by a lone carriage return (CR; lines end with LF or CRLF)'
"""

from __future__ import annotations

__all__ = ["lone_cr_what"]


def lone_cr_what(text: str, line: int) -> str:
    """What the csv reader's "new-line character seen in unquoted field" at ``line`` (its 1-based line count, lines
    split at LF) of ``text`` is: a CR with more of its line after it in a file of LF line ends is inside a field."""
    lines = text.split("\n")
    at = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\n" in text and at.rstrip("\r").count("\r") and at.rstrip("\r").rsplit("\r", 1)[-1].strip():
        return ("a carriage return (CR) inside an unquoted field (pandas' to_csv and Python's csv writer quote a "
                "field holding a LF, not one holding a lone CR: replace the CRs in the texts, e.g. "
                "str.replace('\\r', ' '), or write with quoting=csv.QUOTE_ALL)")
    return "a line ended by a lone carriage return (CR; lines end with LF or CRLF)"
