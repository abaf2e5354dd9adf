"""Vocabularies and tokenizers that work for any language and script (UTF-8).

A :class:`Vocab` maps tokens to ids. It always starts with its special tokens (by default ``<pad>`` at
id 0 and ``<unk>`` at id 1), then the rest sorted by frequency (ties by the token itself, so the same
data always gives the same ids). It is saved with every run as plain JSON (never pickle).

Tokenizers never assume English or spaces between words:

* ``"chars"``: one token per Unicode code point (after NFC normalisation), not per grapheme cluster: the
  tokens join back to the (NFC) text, the vocabulary stays bounded (a cluster unit makes each emoji
  combination and each Devanagari syllable an entry of its own, most of them unseen at test time), and bits
  per character count what BPE's ``char_lengths`` count. A ZWJ family emoji is 5 tokens, 'नि' two.
* ``"words"``: runs of letters/digits/``_`` and combining marks (Devanagari vowel signs and viramas, Arabic
  harakat, Hebrew niqqud: a word keeps them) with the zero-width non-joiner and joiner between them
  (Persian and Hindi words keep their ZWNJ/ZWJ) and soft hyphens (U+00AD) inside them kept; any other
  visible character is one token with its grapheme cluster (an emoji with its skin tone, a ZWJ family
  emoji, a flag's two regional indicators, a keycap); in scripts written without spaces (Han, kana, Thai,
  Lao, Khmer, Myanmar, Tibetan) a "word" token is one grapheme cluster -- a character with its vowel
  signs, tone marks and other combining marks, never a mark alone -- so a Japanese or Thai sentence is
  split into characters instead of one giant "word" (a dictionary word needs a dictionary: ICU or
  pythainlp; clusters are deterministic and need none). Spaces and invisible separators (zero-width space,
  word joiner, a byte-order mark inside a text, the bidirectional marks and controls of RTL text, control
  characters) are dropped. Every token is a substring of the NFC text.

>>> tokenize("Das Boot, 東京タワー!", "words")
['Das', 'Boot', ',', '東', '京', 'タ', 'ワ', 'ー', '!']
>>> tokenize("ภาษาไทยที่นี่", "words")
['ภ', 'า', 'ษ', 'า', 'ไ', 'ท', 'ย', 'ที่', 'นี่']
>>> tokenize("ok 👍🏽 🇩🇪 Silben\u00adtrennung", "words")
['ok', '👍🏽', '🇩🇪', 'Silben\xadtrennung']
>>> v = Vocab.build([["a", "b", "a"], ["c"]])
>>> v.tokens
['<pad>', '<unk>', 'a', 'b', 'c']
>>> v.encode(["a", "z"])
[2, 1]
>>> Vocab.from_dict(v.to_dict()) == v
True
"""

from __future__ import annotations

import functools
import json
import operator
import re
import unicodedata
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from rnnkit._io import atomic_write_text, read_json
from rnnkit._validate import check_bool, check_unicode, is_int
from rnnkit.errors import CheckpointError, ConfigError, DataError, InputTypeError

__all__ = ["Vocab", "tokenize", "unspaced", "splitter_spec", "TOKENIZERS", "PAD", "UNK", "BOS", "EOS", "checked_ids", "literal_tokens",
           "INVISIBLE_ONLY"]

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<s>", "</s>"
TOKENIZERS = ("words", "chars")

# Scripts written without spaces between words: every character is a token of its own.
_NO_SPACE_SCRIPTS = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u0f00-\u0fff"  # Tibetan
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width Katakana
)
_NO_SPACE = re.compile(f"[{_NO_SPACE_SCRIPTS}]")
# Invisible characters that separate words, never a token: zero-width space (Thai, Khmer and Burmese word
# breaks), word joiner, U+FEFF (a byte-order mark inside a text, where files were joined), and the bidirectional
# marks and controls of RTL text (LRM, RLM, ALM, the embeddings, overrides and isolates): each was a token of its
# own, so 'שלום\u200f' read as two tokens and a text of marks alone had one.
# Control characters (Unicode Cc: C0 but TAB/LF/CR, which are spaces, DEL, C1) separate words too (session 18:
# 'a\x01b' was three tokens, a terminal's escape U+001B one of them): \p{Cc} in the words pattern.
#: the bidirectional marks and controls (LRM, RLM, ALM, embeddings, overrides, isolates), a character class body
BIDI_MARKS = "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
_INVISIBLE_SEPARATORS = "\u200b\u2060\ufeff" + BIDI_MARKS
_JOINERS = "\u200c\u200d"   # zero-width non-joiner (Persian, Hindi) and joiner: inside a word or emoji only
#: text of white space, control characters and the invisible characters above alone (``fullmatch``): no word token
INVISIBLE_ONLY = re.compile(f"[\\s\x00-\x1f\x7f-\x9f\u00ad{_INVISIBLE_SEPARATORS}{_JOINERS}]*")


# One "word" of a script without spaces: a grapheme cluster (UAX #29) with any marks UAX #29 leaves out of it
# (Myanmar's tall AA), never a mark alone after its base (regex V1 syntax).
_UNSPACED = rf"(?=[{_NO_SPACE_SCRIPTS}])\X\p{{M}}*"


def unspaced(token: str) -> bool:
    """Whether ``token`` is one ``words`` token of a script written without spaces (Thai, Lao, Khmer,
    Myanmar, Tibetan, Han, kana): a character with its vowel signs and marks. Two such tokens join without a
    space (``seq2seq_words.detokenize``).

    >>> unspaced("ที่"), unspaced("東"), unspaced("ok"), unspaced("ที่นี่")
    (True, True, False, False)
    """
    if not isinstance(token, str):
        raise InputTypeError(f"token: expected a str, got {type(token).__name__}")
    return _unspaced_re().fullmatch(token) is not None


@functools.cache
def _unspaced_re() -> Any:
    _word_re()   # the regex package, or the ConfigError saying how to install it
    import regex
    return regex.compile(_UNSPACED, regex.V1)


@functools.cache
def _word_re() -> Any:
    """The ``words`` splitter (the ``regex`` package: Unicode sets and grapheme clusters). A word is a run of
    letters, digits, ``_``, combining marks (Devanagari vowel signs and viramas, Arabic harakat, Hebrew niqqud,
    each once cut out as a 'punctuation' token: 'हिन्दी' -> 'ह', 'ि', ...) and zero-width (non-)joiners (a
    Persian or Hindi word was cut in three at its ZWNJ or ZWJ), soft hyphens (U+00AD) between its parts kept;
    any other visible character is one token with its extended grapheme cluster (``\\X``, UAX #29: an emoji
    with its skin tone, a ZWJ family, a flag's two regional indicators were cut into code points); in a script
    without spaces each grapheme cluster is a token: a character with its vowel signs and tone marks (Thai 'กำ',
    'ที่'; each vowel sign was a token alone until session 14)."""
    try:
        import regex
    except ImportError:  # pragma: no cover - installed with sacrebleu, a dependency
        raise ConfigError("tokenizer 'words': needs the 'regex' package (pip install regex)") from None
    ns = _NO_SPACE_SCRIPTS
    w = rf"[[\p{{L}}\p{{N}}\p{{M}}_]--[{ns}]]"
    part = rf"{w}(?:{w}|[{_JOINERS}]+(?={w}))*"      # joiners inside a word only: one at its edge joins nothing
    # regional indicators pair up from the left (a flag each, with its marks), as \X pairs them -- but \X counts
    # the run before each one: 200,001 of them took 201 s (quadratic), a service's request held for minutes
    ri = "\U0001F1E6-\U0001F1FF"
    # words first (the common token; no word starts with a character of a script without spaces, so the order
    # of the two alternatives changes no token, only how soon a match is found)
    return regex.compile(rf"{part}(?:\u00ad+{part})*|{_UNSPACED}|[{ri}]{{1,2}}\p{{M}}*"
                         rf"|(?=[^\s\p{{Cc}}{_INVISIBLE_SEPARATORS}\u00ad{_JOINERS}{ri}])\X", regex.V1)


def mark_only_tokens(tokens: Iterable[str]) -> list[str]:
    """The tokens made of combining marks alone: what the ``"words"`` tokenizer split off words before it
    kept marks inside them ('हिन्दी' -> 'ह', 'ि', ...). A word vocabulary holding any was built by that
    tokenizer (a run saved before session 10), and reads text differently from today's.

    >>> mark_only_tokens(["ह", "\u093f", "भाषा"])
    ['ि']
    """
    return [t for t in tokens if t and all(unicodedata.category(ch) in ("Mn", "Mc", "Me") for ch in t)]


def warn_split_marks(task: str, *vocabs: "Vocab", stacklevel: int = 4) -> None:
    """Warn once per load when a word vocabulary of a saved run holds mark-only tokens
    (:func:`mark_only_tokens`): the run was trained on the older word splitter and reads text differently."""
    split = [t for v in vocabs for t in mark_only_tokens(v.tokens)]
    if split:
        warnings.warn(f"{task}: this run's word vocabulary holds combining marks as tokens ({split[:3]}): it was "
                      "trained before the word splitter kept them inside words (session 10; the marks of Thai, Lao, Khmer, "
                      "Myanmar, Tibetan and kana since session 14), so today's tokens "
                      "differ from its training tokens; retrain it", stacklevel=stacklevel)


def tokenize(text: str, mode: str = "words", lowercase: bool = False) -> list[str]:
    """Split ``text`` into tokens by ``mode`` (``"words"`` or ``"chars"``); see the module docstring.

    >>> tokenize("Ça va?", "chars", lowercase=True)
    ['ç', 'a', ' ', 'v', 'a', '?']
    """
    if not isinstance(text, str):
        raise InputTypeError(f"text: expected a str, got {type(text).__name__}")
    if mode not in TOKENIZERS:
        raise ConfigError(f"tokenizer: expected one of {list(TOKENIZERS)}, got {mode!r}")
    lowercase = check_bool("lowercase", lowercase)   # lowercase="no" lowercased
    text = unicodedata.normalize("NFC", text)
    if lowercase:
        text = text.casefold()
    if mode == "chars":
        return list(text)
    return _word_re().findall(text)


def splitter_spec(mode: str, lowercase: bool = False) -> dict[str, Any]:
    """What :func:`tokenize` does, as data a consumer outside Python can follow (an exported graph's meta): NFC,
    then ``str.casefold`` if ``lowercase``, then one token per code point (``chars``) or every match of
    ``pattern`` read with the ``regex`` package's V1 flags, left to right (``words``).

    >>> splitter_spec("chars")["tokens"]
    'one token per code point'
    """
    if mode not in TOKENIZERS:
        raise ConfigError(f"tokenizer: expected one of {list(TOKENIZERS)}, got {mode!r}")
    spec: dict[str, Any] = {"normalize": "NFC", "casefold": bool(lowercase)}
    if mode == "chars":
        return {**spec, "tokens": "one token per code point"}
    return {**spec, "tokens": "every match of pattern, left to right (findall)", "pattern": _word_re().pattern,
            "flags": "the regex package's V1 (set operations, \\X grapheme clusters, \\p{...} properties)"}


def literal_tokens(tokens: Iterable[str], specials: Sequence[str] = (PAD, UNK, BOS, EOS)) -> list[str]:
    r"""``tokens`` of a text as ordinary tokens, never a vocabulary's special: one spelled like a special
    (``<unk>`` in Penn Treebank text, ``<pad>`` in a tweet) gets a leading ESC (U+001B), as does one that
    is already ESCs before a special (so no two tokens become one). Encoded as-is, a literal ``<unk>`` was
    the unknown-word id (every unseen word then took its tag) and ``<pad>`` the padding id.

    >>> literal_tokens(["a", "<unk>", "\x1b<unk>", "<s>x"])
    ['a', '\x1b<unk>', '\x1b\x1b<unk>', '<s>x']
    """
    specials = set(specials)
    return [("\x1b" + t) if t.lstrip("\x1b") in specials else t for t in tokens]


def checked_ids(ids: Iterable[Any], n: int) -> list[int]:
    """``ids`` as ints in ``[0, n)``; anything else is a DataError naming its position (a negative id would
    index from the end of a token list, a float id be truncated by ``int()``)."""
    if not hasattr(ids, "__iter__"):   # None was Python's bare "'NoneType' object is not iterable"
        raise InputTypeError(f"ids: expected a list of int ids, got {type(ids).__name__}")
    out = []
    for k, i in enumerate(ids):
        try:
            if isinstance(i, bool):   # True was the id 1 (numpy bools have no __index__)
                raise TypeError
            j = operator.index(i)
        except TypeError:
            raise DataError(f"ids[{k}]: expected an int id, got {type(i).__name__} {i!r}") from None
        if not 0 <= j < n:
            raise DataError(f"ids[{k}]: expected an id in [0, {n - 1}], got {j}")
        out.append(j)
    return out


def _not_one_text(name: str, tokens: Any) -> Any:
    """``tokens`` unchanged unless it is a str or bytes (iterating it would read its characters as tokens:
    ``"hello world"`` became 11 char ids silently) or a mapping (``Counter.update`` would read it as counts):
    a DataError naming ``name``."""
    if isinstance(tokens, (str, bytes)):
        raise DataError(f"{name}: expected a list of tokens, got a single {type(tokens).__name__} {tokens[:20]!r} "
                        "(pass list(text) for its characters)")
    if isinstance(tokens, Mapping):
        raise DataError(f"{name}: expected a list of tokens, got a {type(tokens).__name__}")
    if not hasattr(tokens, "__iter__"):   # None or a number: Python's bare "'NoneType' object is not iterable"
        raise InputTypeError(f"{name}: expected a list of tokens, got {type(tokens).__name__}")
    return tokens


def _token_list(name: str, tokens: Any) -> list[str]:
    """``tokens`` as a list of strings that UTF-8 can write (a vocabulary is saved as UTF-8 JSON): a str
    given whole, a non-str token or a lone surrogate is a DataError naming ``name``."""
    out = list(_not_one_text(name, tokens))
    for t in out:
        if not isinstance(t, str):
            raise DataError(f"{name}: expected str tokens, got {type(t).__name__} {t!r}")
        check_unicode(t, f"{name} {t!r}")
    return out


class Vocab:
    """Token <-> id mapping with special tokens first (``<pad>`` = 0, ``<unk>`` = 1 by default).

    ``specials=()`` makes a closed vocabulary (for labels/tags): encoding an unknown token raises a
    DataError instead of mapping it to ``<unk>``.
    """

    def __init__(self, tokens: Sequence[str], specials: Sequence[str] = (PAD, UNK)) -> None:
        tokens, specials = _token_list("tokens", tokens), _token_list("specials", specials)
        if tokens[: len(specials)] != specials:
            raise ConfigError(f"tokens: expected to start with the specials {specials}, got {tokens[:len(specials)]}")
        if len(set(tokens)) != len(tokens):
            dup = [t for t, n in Counter(tokens).items() if n > 1][:5]
            raise DataError(f"tokens: expected unique tokens, got duplicates {dup}")
        if "" in tokens:   # no tokenizer makes one, no label is blank: a run's edited vocab.json predicted '' as a class
            raise DataError(f"tokens: expected non-empty tokens, got '' at position {tokens.index('')}")
        self.tokens = tokens
        self.specials = specials
        self.index = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def build(cls, sequences: Iterable[Iterable[str]], min_freq: int = 1, max_size: int | None = None,
              specials: Sequence[str] = (PAD, UNK)) -> "Vocab":
        """Count tokens over ``sequences``; keep those seen ``min_freq`` times (the ``max_size`` most
        frequent, specials included, when given)."""
        specials = _token_list("specials", specials)
        if not is_int(min_freq) or min_freq < 1:
            raise ConfigError(f"min_freq: expected a positive int, got {min_freq!r}")
        if max_size is not None and (not is_int(max_size) or max_size <= len(specials)):
            raise ConfigError(f"max_size: expected None or an int > {len(specials)} (the specials), got {max_size!r}")
        counts: Counter[str] = Counter()
        for k, seq in enumerate(_not_one_text("sequences", sequences)):
            counts.update(_not_one_text(f"sequences[{k}]", seq))
        for s in specials:
            counts.pop(s, None)
        _token_list("sequences", list(counts))  # before sorting: a non-str token is named, not a TypeError of sort
        items = sorted(((t, n) for t, n in counts.items() if n >= min_freq), key=lambda tn: (-tn[1], tn[0]))
        if max_size is not None:
            items = items[: max_size - len(specials)]
        return cls(list(specials) + [t for t, _ in items], specials)

    def __len__(self) -> int:
        return len(self.tokens)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.tokens == other.tokens and self.specials == other.specials

    def __contains__(self, token: str) -> bool:
        return isinstance(token, str) and token in self.index   # a list was a bare 'unhashable type' TypeError

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, specials={self.specials})"

    @property
    def pad_id(self) -> int:
        if PAD not in self.index:
            raise ConfigError("pad_id: expected a vocabulary with <pad>, got one without it")
        return self.index[PAD]

    @property
    def unk_id(self) -> int | None:
        return self.index.get(UNK)

    def id(self, token: str) -> int:
        """The id of ``token`` (``<unk>``'s for unknown tokens; DataError in a closed vocabulary); a non-str token
        is a DataError, as in :meth:`encode` (``id(5)`` was ``<unk>``'s id, silently; a list a bare TypeError)."""
        if not isinstance(token, str):
            raise DataError(f"token: expected a str token, got {type(token).__name__} {token!r}")
        i = self.index.get(token)
        if i is not None:
            return i
        if UNK in self.index:
            return self.index[UNK]
        known = self.tokens[:10]
        raise DataError(f"token: expected one seen in training ({known}{'...' if len(self) > 10 else ''}), "
                        f"got {token!r}")

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """The ids of ``tokens`` (a list of str: a str given whole, or a non-str token, which would map to
        ``<unk>`` silently, is a DataError)."""
        tokens = _not_one_text("tokens", tokens)
        tokens = tokens if isinstance(tokens, list) else list(tokens)
        get = self.index.get
        try:
            out = [get(t, -1) for t in tokens]    # a non-str token never equals a str key: it lands on -1
        except TypeError:                         # an unhashable token
            out = [-1] * len(tokens)
        if -1 not in out:
            return out
        for k in [k for k, i in enumerate(out) if i < 0]:
            t = tokens[k]
            if not isinstance(t, str):
                raise DataError(f"tokens[{k}]: expected a str token, got {type(t).__name__} {t!r}")
            out[k] = self.id(t)
        return out

    def decode(self, ids: Iterable[int]) -> list[str]:
        """The tokens of ``ids``; DataError for an id that is not an int in ``[0, len(self))`` (a negative
        id would otherwise index from the end, a float be truncated)."""
        return [self.tokens[j] for j in checked_ids(ids, len(self.tokens))]

    def to_dict(self) -> dict[str, Any]:
        return {"tokens": self.tokens, "specials": self.specials}

    @classmethod
    def from_dict(cls, d: Any) -> "Vocab":
        """Inverse of :meth:`to_dict`; DataError unless ``d`` has ``tokens`` and ``specials`` lists of strings."""
        if not isinstance(d, dict) or not isinstance(d.get("tokens"), list) or not isinstance(d.get("specials"), list):
            got = sorted(d) if isinstance(d, dict) else type(d).__name__
            raise DataError(f"vocab: expected a dict with 'tokens' and 'specials' lists, got {got}")
        for key in ("specials", "tokens"):
            bad = next((t for t in d[key] if not isinstance(t, str)), None)
            if bad is not None:
                raise DataError(f"vocab[{key!r}]: expected strings, got {type(bad).__name__} {bad!r}")
        return cls(d["tokens"], d["specials"])

    def save(self, path: str | Path) -> None:
        """Write the vocabulary as JSON (atomically: a reader sees the old file or the new one)."""
        atomic_write_text(path, json.dumps(self.to_dict(), ensure_ascii=False))

    @classmethod
    def load(cls, path: str | Path) -> "Vocab":
        """Read a file written by :meth:`save`; a missing, corrupt or malformed file is a CheckpointError
        naming it."""
        d = read_json(path, "a vocabulary")
        try:
            return cls.from_dict(d)
        except (DataError, ConfigError) as e:
            raise CheckpointError(f"{path}: expected a vocabulary, got {e}") from None
