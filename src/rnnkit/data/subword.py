r"""Subword units for language models: byte-pair encoding over *characters* (HuggingFace ``tokenizers``).

:class:`BPEVocab` learns merges of Unicode characters (after NFC, like ``tokenize(text, "chars")``)
from a training text and cuts any text into subword units that join back to exactly that text:

* **Lossless**: ``"".join(vocab.pieces(ids)) == NFC(text)`` for every text whose characters were seen
  in training. Pieces never cross the boundaries of the pre-split -- a run of letters, of digits, of
  other symbols (each with at most one leading space), or of whitespace -- and the pre-split keeps
  every character. Letters of any script count as letters: no assumption of English or of spaces
  between words (a run of Han characters is one pre-split piece, cut by the learned merges).
* **Unknown characters** (never seen in training) become ``<unk>``, one per character -- as in the
  character model, so bits per character stay comparable: each ``<unk>`` covers one character.
* **Bits per character**: :attr:`BPEVocab.char_lengths` gives the characters each id covers, so a
  model's total bits over a text divide by characters, not by units.

Why ``tokenizers`` rather than hand-written merges: a 4M-character corpus trains in seconds (Rust,
parallel) and the model is saved as its own JSON (never pickle).

>>> v = BPEVocab.train("the cat, the hat;\nthe bat " * 20, vocab_size=40)
>>> v.pieces(v.encode("the bat;\n"))
['the', ' bat', ';', '\n']
>>> ids = v.encode("the rat")          # 'r' was never seen: one <unk> for one character
>>> v.pieces(ids), [v.char_lengths[i] for i in ids]
(['the', ' ', '<unk>', 'at'], [3, 1, 1, 2])
>>> BPEVocab.from_dict(v.to_dict()).encode("the rat") == ids
True
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Iterable

from rnnkit._validate import check_number, check_unicode
from rnnkit.data.vocab import PAD, UNK, checked_ids
from rnnkit.errors import ConfigError, DataError, InputTypeError

__all__ = ["BPEVocab", "PRE_SPLIT", "segments"]

# Letters, digits, other symbols (each with one optional leading space), whitespace runs (a run before
# a word leaves its last space to the word). Letters keep their combining marks, zero-width (non-)joiners
# and soft hyphens (a Persian word was three pieces that no merge could join, cut at its ZWNJ); a run saved
# before keeps its own split (the tokenizers JSON holds it). Oniguruma syntax, as `tokenizers` uses.
PRE_SPLIT = r" ?\p{L}+(?:[\p{M}\x{200C}\x{200D}\x{00AD}]+\p{L}*)*| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
# Texts are first cut after every newline that a non-space follows (where the pre-split cuts anyway
# but for a whitespace run at a cut's end): the segments train and encode in parallel.
_SEGMENTS = re.compile(r"(?<=\n)(?=\S)")


def segments(text: str) -> list[str]:
    """``text`` cut after every newline followed by a non-space (joining them gives ``text`` back)."""
    return [s for s in _SEGMENTS.split(text) if s]


def _tokenizers():
    try:
        import tokenizers
    except ImportError as e:  # pragma: no cover - a project dependency
        raise ConfigError("units='bpe' needs the 'tokenizers' package (pip install tokenizers)") from e
    return tokenizers


class BPEVocab:
    """Subword units learned by BPE over characters; ids ``0`` = ``<pad>``, ``1`` = ``<unk>``."""

    def __init__(self, tokenizer: Any) -> None:
        self.tok = tokenizer
        # a literal '<unk>' or '<pad>' in a text is text: matched as the special token, it was one id covering
        # one character (<unk>) or none (<pad>: dropped from the bits per character), and not lossless
        tokenizer.encode_special_tokens = True
        vocab = tokenizer.get_vocab()
        if vocab.get(PAD) != 0 or vocab.get(UNK) != 1:
            raise DataError(f"bpe: expected <pad> at id 0 and <unk> at id 1, got {vocab.get(PAD)} and {vocab.get(UNK)}")
        self.tokens = [""] * len(vocab)
        for t, i in vocab.items():
            self.tokens[i] = t
        # characters each id covers: <pad> none, <unk> one (one <unk> per unseen character)
        self.char_lengths = [0, 1] + [len(t) for t in self.tokens[2:]]
        self.alphabet = {t for t in self.tokens[2:] if len(t) == 1}
        self._pairs: set[str] | None = None     # the adjacent character pairs of the units (joins), when asked

    @classmethod
    def train(cls, text: str, vocab_size: int) -> "BPEVocab":
        """Learn merges on ``text`` until the vocabulary (specials and every seen character included)
        has ``vocab_size`` units, or no pair is left to merge."""
        if not isinstance(text, str):
            raise InputTypeError(f"text: expected a str, got {type(text).__name__}")
        vocab_size = int(check_number("vocab_size", vocab_size, lo=3, integer=True))  # 3.0: a wrong type
        if not text.strip():
            raise DataError("text: expected a training text with characters to learn, got an empty or blank one")
        check_unicode(text, "text")
        tk = _tokenizers()
        tok = tk.Tokenizer(tk.models.BPE(unk_token=UNK))
        tok.normalizer = tk.normalizers.NFC()
        tok.pre_tokenizer = tk.pre_tokenizers.Split(tk.Regex(PRE_SPLIT), behavior="isolated")
        # The trainer reserves room for vocab_size units up front: 10**9 aborted the process (a Rust allocation
        # failure, no exception). No text yields more than its specials, characters and merges (each merge
        # shortens the text's distinct words by a symbol): 3 * len(text) + 16 bounds them after NFC, so the
        # units learned are those vocab_size itself gives.
        reachable = 3 * len(text) + 16
        trainer = tk.trainers.BpeTrainer(vocab_size=min(vocab_size, reachable), special_tokens=[PAD, UNK],
                                         show_progress=False, min_frequency=2)
        tok.train_from_iterator(segments(text), trainer=trainer)
        return cls(tok)

    def __len__(self) -> int:
        return len(self.tokens)

    def __repr__(self) -> str:
        return f"BPEVocab(size={len(self)})"

    @property
    def unk_id(self) -> int:
        return 1

    @property
    def pad_id(self) -> int:
        return 0

    def unseen(self, text: str) -> list[str]:
        """The characters of ``text`` (NFC) that training never saw, sorted."""
        return sorted(set(unicodedata.normalize("NFC", text)) - self.alphabet)

    def joins(self, pair: str) -> bool:
        """Whether a unit holds the two characters ``pair`` side by side: where none does, no merge crosses
        between them and the units on each side are those of each side alone (``rnnkit.data.heads``)."""
        if self._pairs is None:
            self._pairs = {t[k:k + 2] for t in self.tokens[2:] for k in range(len(t) - 1)}
        return pair in self._pairs

    def encode(self, text: str) -> list[int]:
        if not isinstance(text, str):
            raise InputTypeError(f"text: expected a str, got {type(text).__name__}")
        check_unicode(text, "text")
        return [i for e in self.tok.encode_batch(segments(text), add_special_tokens=False) for i in e.ids]

    def pieces(self, ids: Iterable[int]) -> list[str]:
        """The text of each id (``<unk>`` for an unknown character, ``""`` for ``<pad>``); an id that is not an
        int in ``[0, len(self))`` is a DataError."""
        return ["" if i == 0 else self.tokens[i] for i in checked_ids(ids, len(self.tokens))]

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.pieces(ids))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "bpe", "tokenizer": json.loads(self.tok.to_str())}

    @classmethod
    def from_dict(cls, d: Any) -> "BPEVocab":
        if not isinstance(d, dict) or d.get("kind") != "bpe" or not isinstance(d.get("tokenizer"), dict):
            raise DataError(f"vocab: expected a dict with kind 'bpe' and a 'tokenizer', got {type(d).__name__}")
        try:
            tok = _tokenizers().Tokenizer.from_str(json.dumps(d["tokenizer"]))
        except Exception as e:
            raise DataError(f"vocab: expected a tokenizers JSON model, got one that fails to load: {e}") from None
        return cls(tok)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BPEVocab) and self.to_dict() == other.to_dict()
