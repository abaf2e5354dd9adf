"""How two labels compare on screen: the key that :func:`rnnkit.tasks.common.one_spelling_per_label` and
:func:`~rnnkit.tasks.common.check_label_spelling` group labels by, and what a message says they differ by.

A label is read as it shows: NFC, the spaces around it stripped (:func:`rnnkit.data.text.screen_spelling`), and
without the invisible characters that text copied from the web carries -- the zero-width space, the word joiner, a
byte-order mark, the bidirectional marks and controls (the invisible separators of :mod:`rnnkit.data.vocab`), soft
hyphens, and a zero-width (non-)joiner at its ends (inside a word it shapes Persian or Hindi script, so it stays).
``'pos'`` and ``'pos\\u200b'`` were two classes, silently, where ``'pos'`` and ``'pos '`` were refused. So are the
control characters that are no white space (C0 and C1 controls: BEL, ESC, DEL, ...; session 21: ``'pos'`` and
``'pos\\x07'``, a terminal's bell pasted into a spreadsheet cell, were two classes and a tag ``'B-per\\x07'`` a tag of
its own); a tab or a line break inside a label is white space and stays.
:func:`~rnnkit.data.text.screen_spelling` itself keeps them: texts are compared as the tokenizers read them, and
there an invisible separator separates words.

>>> label_spelling("\\u200fpos\\u200b ") == label_spelling("pos")
True
>>> differ_by("pos", "pos\\u200d")
'invisible characters (zero-width, bidi marks, BOM, soft hyphens)'
>>> label_spelling("pos\\x07") == label_spelling("\\x1bpos") == "pos", differ_by("pos", "pos\\x7f")
(True, 'control characters (U+0000-U+001F, U+007F-U+009F that are no white space: BEL, ESC, DEL, ...)')
"""

from __future__ import annotations

import re
import unicodedata

from rnnkit.data.text import screen_spelling
from rnnkit.data.vocab import _INVISIBLE_SEPARATORS, _JOINERS, INVISIBLE_ONLY

__all__ = ["label_spelling", "invisible_only", "differ_by"]

_INVISIBLE = re.compile(f"[\u00ad{_INVISIBLE_SEPARATORS}]")
_CONTROLS = "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"     # Unicode Cc but white space (TAB, LF, ..., U+001C-U+001F, NEL)
_CONTROL = re.compile(f"[{_CONTROLS}]")
_HIDDEN = re.compile(f"[\u00ad{_INVISIBLE_SEPARATORS}{_CONTROLS}]")
_EDGES = re.compile(f"^[\\s{_JOINERS}]+|[\\s{_JOINERS}]+$")
_JOINER_EDGES = re.compile(f"^[{_JOINERS}]+|[{_JOINERS}]+$")
_NAMED = "invisible characters (zero-width, bidi marks, BOM, soft hyphens)"
_CONTROLS_NAMED = "control characters (U+0000-U+001F, U+007F-U+009F that are no white space: BEL, ESC, DEL, ...)"


def label_spelling(text: str) -> str:
    """``text`` as a label reads on screen (the module's rule). Every such character is a format character
    (Unicode Cf) or a control (Cc), which ``str.isprintable`` is false for: a printable label takes the plain screen
    spelling."""
    if text.isprintable():
        return screen_spelling(text)
    return unicodedata.normalize("NFC", _EDGES.sub("", _HIDDEN.sub("", text)))


def invisible_only(text: str) -> bool:
    """Whether ``text`` is white space, control and invisible characters alone (no label on screen, a missing
    one), as a tagger's token of them alone is no token (:data:`rnnkit.data.vocab.INVISIBLE_ONLY`)."""
    return not text.strip() or (not text.isprintable() and INVISIBLE_ONLY.fullmatch(text) is not None)


def differ_by(a: str, b: str, them: str = "them") -> str:
    """What two labels with one :func:`label_spelling` differ by, for a message."""
    spaces = f"spaces around {them}"
    if screen_spelling(a) != screen_spelling(b):
        def one(pattern):
            return len({_JOINER_EDGES.sub("", pattern.sub("", t)) for t in (a, b)}) == 1
        if one(_INVISIBLE) or one(_CONTROL):
            return _NAMED if one(_INVISIBLE) else _CONTROLS_NAMED
        named = f"{_NAMED} or {_CONTROLS_NAMED}" if _CONTROL.search(a + b) else _NAMED
        return named if one(_HIDDEN) else f"{named}, Unicode composition (NFC / NFD) or {spaces}"
    return spaces if a.strip() == b.strip() else f"Unicode composition (NFC / NFD) or {spaces}"
