"""Lines of a token-a-line (CoNLL) file that are not token lines: comments, and sentences written whole.

Two shapes users have, read by :func:`rnnkit.data.text.read_conll` (training, evaluate) and
:func:`rnnkit.data.text.read_conll_tokens` (predict) alike:

* ``# sent_id = 12`` / ``# text = ...`` comment lines, as CoNLL-U writes them, in a two-column file (spaCy's and
  UD-derived NER/POS files keep them). A token holds no white space, so a line whose first field starts with ``#``
  and holds white space is a comment, skipped as in CoNLL-U; ``#`` and ``#NBA`` with their tags stay tokens. Until
  session 27 such a file was refused at its first line with "separate columns with a TAB".
* ``word/TAG word/TAG ...``: a whole sentence of slash-tagged words on one line (the Brown and PKU corpora, NLTK's
  tagged files). It is refused with that name and the fix (one ``token<TAB>tag`` a line), not the hint "separate
  columns with a TAB", which gave a file of one token and one tag on a line with both still wrong.

>>> comment_line("# sent_id = 3"), comment_line("#NBA\\tO"), comment_line("#\\tSYM")
(True, False, False)
>>> header_pair("token", "tag"), header_pair("Word", "NER_tags"), header_pair("Tag", "O"), header_pair("word", "NN")
(True, True, False, False)
>>> spaced_hint("the DET", ["the DET"])
'; separate columns with a TAB'
>>> spaced_hint("The/at Fulton/np-tl County/nn-tl", ["The/at Fulton/np-tl County/nn-tl"])[:52]
'; a sentence of word/TAG pairs on one line (the Brow'
"""

from __future__ import annotations

import re

__all__ = ["comment_line", "spaced_hint", "header_pair", "SentencePlace"]

#: a token column's and a tag column's names, as pandas' to_csv(sep='\t') or a spreadsheet writes a header line: no
#: tag set has such a tag ('tag', 'ner_tags', 'upos'), so a first line of two of them is a header, never a token
_TOKEN_COL = re.compile(r"(tokens?|words?|forms?|text|terms?|chars?|characters?)", re.IGNORECASE)
_TAG_COL = re.compile(r"(tags?|labels?|classe?s?|(ner|pos|upos|xpos|iob|bio|chunk|entity|entities)([ _-]?(tags?|labels?))?)",
                      re.IGNORECASE)


def header_pair(token: str, tag: str) -> bool:
    """Whether a first ``token<TAB>tag`` line is a header (``token<TAB>tag``, ``word<TAB>ner_tags``, ``Word<TAB>POS``):
    read as a token, its 'tag' was a class of its own -- and, being no BIO tag, turned the entity metrics and the
    BIO constraints off (the warning blamed the tag set)."""
    return bool(_TOKEN_COL.fullmatch(token) and _TAG_COL.fullmatch(tag))


_SLASHED = re.compile(r"\S*[^\s/]/[^\s/]+")   # 'word/TAG' ('1/2/CD': the last slash splits)


def comment_line(line: str) -> bool:
    """A comment of a token-a-line file: its first TAB-separated field starts with ``#`` and holds white space
    (``# sent_id = 1``, ``# id 3f2a\\tdomain=en``); a token holds none."""
    first = line.split("\t", 1)[0].strip()
    return first.startswith("#") and len(first.split()) > 1


def spaced_hint(line: str, parts: list[str]) -> str:
    """What a message adds for a token line that has one TAB-separated column but white space inside: a sentence
    of ``word/TAG`` pairs named as such (most of its words slash-tagged), else columns separated by spaces."""
    words = line.split()
    if len(parts) != 1 or len(words) < 2:
        return ""
    if 2 * sum(_SLASHED.fullmatch(w) is not None for w in words) > len(words):
        return ("; a sentence of word/TAG pairs on one line (the Brown/PKU slash format)? write one 'token<TAB>tag' "
                "a line, a blank line between sentences")
    return "; separate columns with a TAB"


class SentencePlace(str):
    """Where a sentence of a CoNLL file is, as a message names it (the text: its first token's line, ``"--conll
    'a.conll' line 7"``), knowing each token's own line: :meth:`token_place` names token ``j``'s (a ``#`` comment
    or a CoNLL-U ``1-2``/``1.1`` line inside the sentence makes it other than the first line + ``j``).

    >>> p = SentencePlace("--conll 'a.conll'", [7, 9]); p, p.token_place(1)
    ("--conll 'a.conll' line 7", "--conll 'a.conll' line 9")
    """

    def __new__(cls, where: str, token_lines) -> "SentencePlace":
        place = super().__new__(cls, f"{where} line {token_lines[0]}")
        place.where, place.token_lines = where, tuple(token_lines)
        return place

    def __getnewargs__(self):   # copy / pickle: str's would pass the text alone
        return self.where, self.token_lines

    def token_place(self, j: int) -> str:
        return f"{self.where} line {self.token_lines[j]}"
