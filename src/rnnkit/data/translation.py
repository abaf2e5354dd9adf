"""Sentence pairs for translation: the Debian trans-de-en dictionary's example sentences, number words
made by num2words, and any ``source<TAB>target`` TSV (:func:`rnnkit.data.text.read_tsv_pairs`).

* ``trans-de-en`` -- German -> English sentence pairs taken from the example sentences of Frank
  Richter's German-English dictionary (``apt-get install trans-de-en``; ``/usr/share/trans/de-en``,
  ``de :: en`` lines). Filter rule (:func:`parse_trans_line`), per line:

  1. skip comments (``#``) and lines without exactly one `` :: ``;
  2. split both sides at `` | `` into sub-entries; if the two sides have different counts the line
     cannot be aligned and is skipped, else sub-entries pair up by position;
  3. strip annotations ``{...}`` (grammar), ``[...]`` (register, region, field), ``(...)``
     (explanations) and ``<...>`` (alternative spellings), nested ones too, and tidy spaces;
  4. split each sub-entry at ``"; "`` into alternatives: equal counts pair one-to-one, a single
     alternative on one side pairs with every alternative on the other, otherwise the first two pair;
  5. keep a pair when both sides look like sentences: at least 3 words, first character upper-case
     (or a digit or an opening quote), last character ``.``, ``!``, ``?`` or ``…`` (a closing quote
     may follow), and no ``/`` (the dictionary writes word alternatives as ``a / b``);
  6. drop exact duplicates (first occurrence kept, file order).

  On the 2023-01-30 dictionary (206,238 lines) this keeps **19,606 pairs**.
* ``num2words-en-fr`` -- English -> French number words (``one hundred and one`` -> ``cent un``),
  distinct numbers drawn with a seed (``pip install num2words``); for fast tests.

>>> parse_trans_line("Er gilt als sehr reich.; Er soll sehr reich sein. {v} :: He is reputed to be very rich.")
[('Er gilt als sehr reich.', 'He is reputed to be very rich.'), ('Er soll sehr reich sein.', 'He is reputed to be very rich.')]
>>> parse_trans_line("Aal {m} | Aale {pl} :: eel | eels")
[]
"""

from __future__ import annotations

import re
from pathlib import Path

from rnnkit._paths import expand_user
from rnnkit._validate import is_int
from rnnkit.data.file_memory import read_file
from rnnkit.data.registry import DatasetInfo, register_dataset, require_package
from rnnkit.errors import ConfigError, DataError, InputTypeError

__all__ = ["parse_trans_line", "trans_subentries", "load_trans_de_en", "read_trans_text", "num2words_pairs", "TRANS_DE_EN_PATH", "TRANS_INSTALL",
           "NUM2WORDS_INSTALL"]

TRANS_DE_EN_PATH = Path("/usr/share/trans/de-en")
DPKG_MD5SUMS = Path("/var/lib/dpkg/info/trans-de-en.md5sums")
TRANS_INSTALL = "apt-get install trans-de-en"
NUM2WORDS_INSTALL = "pip install num2words"

_ANNOTATION = re.compile(r"\{[^{}]*\}|\[[^\[\]]*\]|<[^<>]*>|\([^()]*\)")
_SENTENCE_END = re.compile(r"[.!?…][\"'’”»«]?$")
_ANY_END = re.compile(r"[.!?…]")
_OPENERS = "\"'„“‚‘»«¿¡"


def _strip_annotations(s: str) -> str:
    prev = None
    while prev != s:  # innermost first, so nested annotations go too
        prev, s = s, _ANNOTATION.sub(" ", s)
    s = re.sub(r"\s+", " ", s).strip()
    return re.sub(r"\s+([,.!?;:])", r"\1", s)


def _looks_like_sentence(s: str) -> bool:
    return (len(s.split()) >= 3 and bool(_SENTENCE_END.search(s)) and "/" not in s
            and (s[0].isupper() or s[0].isdigit() or s[0] in _OPENERS))


def trans_subentries(line: str) -> list[tuple[str, str]]:
    """The ``(german, english)`` sub-entries of one ``de :: en`` line, paired by position (rules 1-2 of the
    module docstring; annotations not stripped yet); ``[]`` for a comment or a line that cannot be aligned."""
    if not isinstance(line, str):     # None raised AttributeError: 'NoneType' object has no attribute 'rstrip'
        raise InputTypeError(f"line: expected a str, got {type(line).__name__}")
    line = line.rstrip("\r\n")
    if not line or line.startswith("#"):
        return []
    sides = line.split(" :: ")
    if len(sides) != 2:
        return []
    de_subs, en_subs = sides[0].split(" | "), sides[1].split(" | ")
    return list(zip(de_subs, en_subs)) if len(de_subs) == len(en_subs) else []


def parse_trans_line(line: str) -> list[tuple[str, str]]:
    """The ``(german, english)`` sentence pairs of one dictionary line (see the module docstring)."""
    out = []
    for d, e in trans_subentries(line):
        if d.count(" ") < 2 or e.count(" ") < 2 or not _ANY_END.search(e):  # cannot hold a sentence: skip fast
            continue
        da = [a.strip() for a in _strip_annotations(d).split("; ")]
        ea = [a.strip() for a in _strip_annotations(e).split("; ")]
        if len(da) == len(ea):
            cand = list(zip(da, ea))
        elif len(ea) == 1:
            cand = [(a, ea[0]) for a in da]
        elif len(da) == 1:
            cand = [(da[0], a) for a in ea]
        else:
            cand = [(da[0], ea[0])]
        out += [(a, b) for a, b in cand if _looks_like_sentence(a) and _looks_like_sentence(b)]
    return out


def _check_dpkg_md5(p: Path, data: bytes, md5sums: Path | None = None) -> None:
    """The installed dictionary's bytes against the md5 that dpkg recorded for it at install
    (``/var/lib/dpkg/info/trans-de-en.md5sums``): a file changed since, or none recorded, is a DataError."""
    import hashlib

    md5sums = DPKG_MD5SUMS if md5sums is None else md5sums
    want = None
    if md5sums.is_file():
        for line in md5sums.read_text(encoding="utf-8", errors="replace").splitlines():
            digest, _, name = line.partition("  ")
            if "/" + name.strip() == str(p):
                want = digest.strip()
    if want is None:
        raise DataError(f"trans-de-en: expected dpkg's md5 of {str(p)!r} in {str(md5sums)!r} (the file as installed), "
                        f"got none; install it with: {TRANS_INSTALL}")
    got = hashlib.md5(data).hexdigest()
    if got != want:
        raise DataError(f"trans-de-en: expected {str(p)!r} with md5 {want} (as dpkg installed it), got {got} (changed "
                        f"since install); reinstall it with: apt-get install --reinstall trans-de-en")


def read_trans_text(path: str | Path | None = None) -> tuple[Path, str]:
    """``(path, text)`` of the trans-de-en dictionary file: ``path`` or the installed one (then checked against
    dpkg's md5); DataError when missing, unreadable or not UTF-8."""
    p = Path(expand_user(path)) if path is not None else TRANS_DE_EN_PATH   # '~/x' (rnnkit._paths)
    if not p.is_file():
        raise DataError(f"trans-de-en: expected the Debian dictionary file {str(p)!r}, got no such file; "
                        f"install it with: {TRANS_INSTALL}")
    data = read_file(p, str(p), "trans-de-en")     # a user's copy past a quarter of free memory: refused
    if path is None:
        _check_dpkg_md5(p, data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"trans-de-en: expected UTF-8 text in {str(p)!r}, got {e}") from None
    return p, text


def load_trans_de_en(path: str | Path | None = None) -> list[tuple[str, str]]:
    """German -> English sentence pairs from the Debian trans-de-en dictionary (19,606 with the
    2023-01-30 file), in file order, duplicates removed."""
    p, text = read_trans_text(path)
    seen: set[tuple[str, str]] = set()
    pairs = []
    for line in text.split("\n"):
        for pair in parse_trans_line(line):
            if pair not in seen:
                seen.add(pair)
                pairs.append(pair)
    if not pairs:
        raise DataError(f"trans-de-en: expected 'de :: en' lines with example sentences in {str(p)!r}, got none")
    return pairs


def num2words_pairs(n: int = 2000, seed: int = 0, src_lang: str = "en", tgt_lang: str = "fr",
                    max_number: int = 9999) -> list[tuple[str, str]]:
    """``n`` pairs ``(num2words(k, src_lang), num2words(k, tgt_lang))`` for distinct numbers ``k`` drawn
    from ``0..max_number`` with ``seed``.

    >>> num2words_pairs(2, seed=0, max_number=99)  # doctest: +SKIP
    [('eighty-five', 'quatre-vingt-cinq'), ('sixty-three', 'soixante-trois')]
    """
    import numpy as np

    mod = require_package("num2words", NUM2WORDS_INSTALL, "num2words-en-fr")
    for name, v, lo in (("n", n, 1), ("max_number", max_number, 0), ("seed", seed, 0)):
        if not is_int(v) or v < lo:
            raise ConfigError(f"{name}: expected an int >= {lo}, got {v!r}")
    if max_number >= 2 ** 63:   # numpy's OverflowError ('too large to convert to C long')
        raise ConfigError(f"max_number: expected an int below 2**63, got {max_number}")
    for name, lang in (("src_lang", src_lang), ("tgt_lang", tgt_lang)):
        if not isinstance(lang, str):   # num2words' "'int' object is not subscriptable"
            raise InputTypeError(f"{name}: expected a language code (str), got {type(lang).__name__} {lang!r}")
    if n > max_number + 1:
        raise ConfigError(f"n: expected at most max_number + 1 = {max_number + 1} distinct numbers, got {n}")
    ks = np.random.default_rng(seed).choice(max_number + 1, size=n, replace=False)
    try:
        return [(mod.num2words(int(k), lang=src_lang), mod.num2words(int(k), lang=tgt_lang)) for k in ks]
    except NotImplementedError as e:
        raise ConfigError(f"lang: expected languages num2words knows, got {src_lang!r}/{tgt_lang!r} ({e})") from None


def _trans_available() -> bool:
    return TRANS_DE_EN_PATH.is_file()


register_dataset(DatasetInfo(
    "trans-de-en", "translation", "German->English example sentences of the Debian trans-de-en dictionary",
    load_trans_de_en, package="trans-de-en", install=TRANS_INSTALL, size="19,606 sentence pairs",
    available_check=_trans_available))
register_dataset(DatasetInfo(
    "num2words-en-fr", "translation", "English->French number words generated by num2words (0..9999)",
    num2words_pairs, package="num2words", install=NUM2WORDS_INSTALL, size="any number of pairs"))
