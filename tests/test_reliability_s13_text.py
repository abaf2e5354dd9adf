"""Session 13, helper S: text units and text files on hostile inputs. Each test failed on the code before its fix.

* The ``words`` tokenizer cut a word at its zero-width non-joiner (Persian, Hindi) or joiner and at a soft
  hyphen, and cut emoji sequences (a ZWJ family, a flag's regional-indicator pair, a skin-tone modifier) into
  their code points; invisible separators (zero-width space, a BOM inside a text) became tokens.
* CoNLL readers kept stray spaces around a token (``'Anna \\tB-PER'`` made ``'Anna '`` a token of its own),
  refused a trailing TAB, and read an empty token before a TAB as a token.
* UTF-8 text: a NUL byte (UTF-16 without a byte-order mark) and a BOM starting a later line (files joined
  with ``cat``) were read silently; so were a CSV row repeating the header and one number written two ways
  as labels. A package's RECORD was parsed for every file read. (Pipes, predict and the service:
  tests/test_reliability_s13_serve.py.)
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from rnnkit.data.text import decode_utf8, read_conll, read_conll_tokens, read_csv_texts, read_text_lines
from rnnkit.data.vocab import tokenize
from rnnkit.errors import DataError

ZWNJ, ZWJ, SHY = "\u200c", "\u200d", "\u00ad"
FAMILY = "\U0001F468" + ZWJ + "\U0001F469" + ZWJ + "\U0001F467"
FLAG_DE, FLAG_FR = "\U0001F1E9\U0001F1EA", "\U0001F1EB\U0001F1F7"
THUMB_DARK = "\U0001F44D\U0001F3FD"
ENGLAND = "\U0001F3F4" + "".join(chr(0xE0000 + ord(c)) for c in "gbeng") + "\U000E007F"   # a tag sequence


# ----------------------------------------------------------------------------------------------- tokenizer
@pytest.mark.parametrize("text, expected", [
    ("من می" + ZWNJ + "خواهم", ["من", "می" + ZWNJ + "خواهم"]),          # Persian 'I want': one word
    ("क्" + ZWJ + "ष", ["क्" + ZWJ + "ष"]),                               # Devanagari half form requested by ZWJ
    ("Silben" + SHY + "trennung!", ["Silben" + SHY + "trennung", "!"]),  # a hyphenation hint inside a word
    ("we " + FAMILY + " ok", ["we", FAMILY, "ok"]),
    (FLAG_DE + FLAG_FR, [FLAG_DE, FLAG_FR]),
    ("ok" + THUMB_DARK + "!", ["ok", THUMB_DARK, "!"]),
    (ENGLAND + " go", [ENGLAND, "go"]),
    ("a\u200bb \ufeffc\u2060", ["a", "b", "c"]),                           # invisible separators: no token
    (ZWJ + "abc" + ZWNJ + " " + SHY + " x" + SHY, ["abc", "x"]),          # joiners/hyphens at edges: nothing
])
def test_words_keep_joined_words_and_grapheme_clusters_whole(text, expected):
    assert tokenize(text, "words") == expected


HOSTILE = ["من می" + ZWNJ + "خواهم " + FAMILY + " " + FLAG_DE + FLAG_FR + "!", "e\u0301cole Ça\u00a0va? 東京タワー",
           "हिन्दी " + THUMB_DARK + ZWJ + " " + ENGLAND, "x" + SHY + SHY + "y\u200b\ufeff" + ZWNJ, "#\ufe0f\u20e3 1\u20e3"]


def test_words_are_substrings_in_order_and_ascii_words_are_unchanged():
    # every token is a piece of the NFC text, in order (seq2seq_words.spans rebuilds texts from them), never
    # blank; on plain ASCII the splitter is the simple \w+ / punctuation split
    for text in HOSTILE:
        nfc, pos = unicodedata.normalize("NFC", text), 0
        for tok in tokenize(text, "words"):
            assert tok.strip() and tok.strip(ZWNJ + ZWJ + SHY + "\u200b\ufeff\u2060"), (text, tok)
            start = nfc.find(tok, pos)
            assert start >= 0, (text, tok)
            pos = start + len(tok)
    ascii_text = "Don't stop -- it's 3.5 km/h (approx.) at 10:30, ok?_yes"
    assert tokenize(ascii_text, "words") == re.findall(r"\w+|[^\w\s]", ascii_text)


def test_words_take_linear_time_on_long_runs_of_joiners_marks_and_flags():
    # grapheme clusters (regex's \X) count the regional indicators before each one: 200,001 took 201 s
    import time

    n = 40_000
    plain = "ab " * (n // 3)
    start = time.perf_counter()
    tokenize(plain, "words")
    budget = 20 * (time.perf_counter() - start) + 0.5
    for text in ["\U0001F1E9" * (n + 1), "a" + ZWJ * n, ("\U0001F468" + ZWJ) * (n // 2), "a" + "\u0301" * n,
                 ("x" + SHY) * (n // 2) + " ", SHY * n + "a", "क्" * (n // 2)]:
        start = time.perf_counter()
        tokenize(text, "words")
        assert time.perf_counter() - start < budget, (text[:4], budget)


def test_chars_are_code_points_that_join_back_to_the_text():
    # the documented decision: 'chars' is one token per code point (after NFC), lossless, not grapheme clusters
    for text in HOSTILE:
        toks = tokenize(text, "chars")
        assert "".join(toks) == unicodedata.normalize("NFC", text) and all(len(t) == 1 for t in toks)
    assert len(tokenize(FAMILY, "chars")) == 5


def test_bpe_merges_may_cross_a_zwnj_or_soft_hyphen_inside_a_word():
    # the pre-split cut 'می<ZWNJ>خواهم' into three pieces no merge could join, so the word was never one unit
    from rnnkit.data.subword import BPEVocab

    word = "می" + ZWNJ + "خواهم"
    v = BPEVocab.train(("من " + word + " و تو " + word + "\n") * 50, 60)
    assert v.pieces(v.encode("من " + word)) == ["من", " " + word]
    v = BPEVocab.train(("Silben" + SHY + "trennung ist gut\n") * 50, 60)
    assert v.pieces(v.encode("Silben" + SHY + "trennung")) == ["Silben" + SHY + "trennung"]
    assert v.decode(v.encode("gut Silben" + SHY + "trennung")) == "gut Silben" + SHY + "trennung"   # lossless


# ----------------------------------------------------------------------------------------------- CoNLL
def test_conll_stray_spaces_and_trailing_tabs_do_not_make_new_tokens_or_tags():
    text = "Anna \tB-PER \nlebt\tO\t\n \n\r\n Berlin\tB-LOC\r\n  \t \n"
    expected = [(["Anna", "lebt"], ["B-PER", "O"]), (["Berlin"], ["B-LOC"])]
    assert read_conll("x", text=text) == expected
    # the same tokens, written cleanly, read the same
    assert read_conll("x", text="Anna\tB-PER\nlebt\tO\n\nBerlin\tB-LOC\n") == expected
    with pytest.raises(DataError, match=r"expected 'token<TAB>tag' at line 1, got 'Anna\\t'"):
        read_conll("x", text="Anna\t\n")          # a missing tag is still an error, not an empty tag


def test_a_tag_holding_a_space_is_refused_not_a_new_tag():
    # 'Anna<TAB>NNP B-PER' (the last two columns separated by a space) gave the tag 'NNP B-PER'
    with pytest.raises(DataError, match=r"expected a tag without spaces at line 2, got 'NNP B-PER' \(columns"):
        read_conll("x", text="Hi\tO\nAnna\tNNP B-PER\n")
    with pytest.raises(DataError, match="expected a tag without spaces at line 1"):
        read_conll("x", text="1\tAnna\t_\tPROPN X\t_\t_\t0\troot\t_\t_\n")
    assert read_conll("x", text="New York\tB-LOC\n") == [(["New York"], ["B-LOC"])]   # a token may hold one


def test_conll_u_form_with_stray_spaces_is_the_form():
    line = "1\tAnna \t_\tPROPN\t_\t_\t0\troot\t_\t_\n"
    assert read_conll("x", text=line) == [(["Anna"], ["PROPN"])]


def test_prediction_tokens_lose_stray_spaces_and_an_empty_token_is_refused(tmp_path):
    p = tmp_path / "in.txt"
    p.write_text("the\tDET\ndog \n  cat\t\n\nNew York\tPROPN\n", encoding="utf-8")
    assert read_conll_tokens(p, lines=True) == ([["the", "dog", "cat"], ["New York"]], [1, 5])
    p.write_text("the\n\tDET\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"expected a token before the TAB at line 2"):
        read_conll_tokens(p)


# ----------------------------------------------------------------------------------------------- UTF-8 files
def test_a_nul_byte_is_refused_with_its_line():
    utf16 = "text,label\nhi,a\n".encode("utf-16-le")        # no BOM: every other byte NUL, valid 'UTF-8'
    with pytest.raises(DataError, match=r"expected UTF-8 text, got a NUL byte in 'f.csv' at line 1 \(a binary"):
        decode_utf8(utf16, "f.csv", "csv")
    with pytest.raises(DataError, match="NUL byte in 'f' at line 2"):
        decode_utf8(b"ok\nbad\x00\n", "f")


def test_a_bom_inside_a_file_is_refused_with_its_line(tmp_path):
    a = "\ufefftext,label\nhi,a\n".encode("utf-8")
    p = tmp_path / "joined.csv"
    p.write_bytes(a + "\ufeffbye,b\n".encode("utf-8"))       # cat a.csv b.csv, each saved with a BOM
    with pytest.raises(DataError, match=r"byte-order mark \(U\+FEFF\) only at the start of .*joined.csv', got one "
                                        r"at the start of line 3"):
        read_csv_texts(p)
    p.write_bytes(a)                                          # a leading BOM alone stays dropped
    assert read_csv_texts(p) == (["hi"], ["a"])
    p.write_text("Anna\tB-PER\n\n\ufeffBerlin\tB-LOC\n", encoding="utf-8")
    with pytest.raises(DataError, match="at the start of line 3"):
        read_conll(p)
    with pytest.raises(DataError, match="at the start of line 2"):
        read_text_lines_of(tmp_path, "a\n\ufeffb\n")


def read_text_lines_of(folder, text):
    p = folder / "lines.txt"
    p.write_text(text, encoding="utf-8")
    return read_text_lines(p)


# ----------------------------------------------------------------------------------------------- RECORD
def _install(root, data: bytes, mtime_ns: int) -> None:
    """A distribution 'pkgs13' under ``root``: ``pkgs13/data.txt`` holding ``data``, listed in its RECORD."""
    import base64
    import hashlib
    import os

    (root / "pkgs13").mkdir(exist_ok=True)
    (root / "pkgs13" / "__init__.py").write_text("")
    (root / "pkgs13" / "data.txt").write_bytes(data)
    info = root / "pkgs13-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pkgs13\nVersion: 1.0\n")
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    (info / "RECORD").write_text(f"pkgs13/__init__.py,,\npkgs13/data.txt,sha256={digest},{len(data)}\n")
    os.utime(info / "RECORD", ns=(mtime_ns, mtime_ns))


def test_a_record_is_parsed_once_per_version_of_it(tmp_path, monkeypatch):
    import csv

    from rnnkit.data.text import verified_package_text

    _install(tmp_path, b"one", 1_000_000_000_000_000_000)
    monkeypatch.syspath_prepend(str(tmp_path))
    parsed = []
    reader = csv.reader
    monkeypatch.setattr(csv, "reader", lambda *a, **k: parsed.append(1) or reader(*a, **k))
    read = [verified_package_text("pkgs13", "pkgs13", "data.txt", "pip install pkgs13", "t")[1] for _ in range(3)]
    assert read == ["one"] * 3 and len(parsed) == 1          # it was parsed for every file read
    _install(tmp_path, b"two", 1_000_000_001_000_000_000)    # a reinstall: same RECORD size, a new mtime
    assert verified_package_text("pkgs13", "pkgs13", "data.txt", "pip install pkgs13", "t")[1] == "two"
    (tmp_path / "pkgs13" / "data.txt").write_bytes(b"owt")   # changed since install: still refused
    with pytest.raises(DataError, match="changed since install"):
        verified_package_text("pkgs13", "pkgs13", "data.txt", "pip install pkgs13", "t")


# ----------------------------------------------------------------------------------------------- hunt
def test_one_number_written_two_ways_is_not_two_labels(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("text,label\nok,1\nbad,0\nfine,1.0\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"column 'label': expected each label written one way, got '1' \(row 2\) and "
                                        r"'1\.0' \(row 4\)"):
        read_csv_texts(p)
    p.write_text("text,label\nok,1\nbad,0\nfine, 1\nmeh,n/a\n", encoding="utf-8")
    assert read_csv_texts(p)[1] == ["1", "0", "1", "n/a"]


def test_a_csv_row_that_repeats_the_header_is_refused(tmp_path):
    # `cat a.csv b.csv`: the second header was a data row -- 'label' a class of its own, silently
    p = tmp_path / "joined.csv"
    p.write_text("text,label\nok,pos\nbad,neg\ntext,label\nfine,pos\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"expected data rows after the header, got the header again at row 4"):
        read_csv_texts(p)
