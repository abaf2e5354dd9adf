"""Sources a translator cannot read: mostly characters that no training source held.

A German -> English model given Cyrillic or Han reads every unit of it as ``<unk>`` (the char model's characters, the
dict-pointer's words) and writes an output that looks like a translation -- silent garbage. Translating warns (a
``rnnkit translate: warning:`` line on stderr in the CLI) naming how many sources are so and the first; nothing is
refused (a name or a word in another script inside a sentence is a source as any other).

A source is named when more than half of its visible characters (NFC, as the tokenizers read it; white space,
control and format characters such as a zero-width space aside) never occurred in a training source: the alphabet
of the training sources is read from the source vocabulary (characters for ``model="char"``, the characters of every
word for the dict-pointer, whose vocabulary holds every training source word). Characters, not words: unseen words
are the rule for a small model on new text (names, numbers, inflections: the dict-pointer copies and glosses them),
unseen characters are another script.

>>> import warnings
>>> from rnnkit.data.vocab import Vocab
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     warn_unseen_sources(["das Haus", "Привет мир", "Haus 東京"], Vocab.build([["das", "Haus"]]))
>>> print(w[0].message)  # doctest: +NORMALIZE_WHITESPACE
sources: 1 of 3 are mostly characters never seen in a training source, e.g. sources[1] 'Привет мир' (9 of 9
characters: a script or symbols the model was not trained on): their translations are guesses
"""

from __future__ import annotations

import unicodedata
import warnings
from typing import Any, Sequence

__all__ = ["unseen_share", "warn_unseen_sources", "source_alphabet", "check_sources"]

#: More than this share of a source's characters unseen in training: named.
MOSTLY = 0.5


def source_alphabet(vocab: Any) -> set[str]:
    """The characters of a source :class:`~rnnkit.data.vocab.Vocab`'s tokens (its specials, ``<unk>`` and the like,
    aside)."""
    skip = set(vocab.specials)
    return {ch for t in vocab.tokens if t not in skip for ch in t}


def unseen_share(text: str, known: set[str]) -> tuple[int, int]:
    """``(unseen, total)``: how many of ``text``'s visible characters (NFC; white space, control and format characters
    aside: a source of zero-width spaces alone is warned as one without a word) are outside ``known``."""
    chars = [ch for ch in unicodedata.normalize("NFC", text)
             if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf")]
    return sum(ch not in known for ch in chars), len(chars)


def warn_unseen_sources(sources: Sequence[str], vocab: Any, what: str = "sources", stacklevel: int = 4) -> None:
    """Warn (once per call) when sources are mostly characters outside the source vocabulary ``vocab``'s (the
    module's rule), naming how many and the first with its share. The warning names the caller of
    :meth:`~rnnkit.tasks.seq2seq.Translator.translate`."""
    known = source_alphabet(vocab)
    first, n = None, 0
    for i, text in enumerate(sources):
        unseen, total = unseen_share(text, known)
        if total and unseen > MOSTLY * total:
            n += 1
            first = first or (i, unseen, total)
    if first is not None:
        i, unseen, total = first
        warnings.warn(f"{what}: {n} of {len(sources)} are mostly characters never seen in a training source, e.g. "
                      f"{what}[{i}] {sources[i][:60]!r} ({unseen} of {total} characters: a script or symbols the model "
                      "was not trained on): their translations are guesses", stacklevel=stacklevel)   # no_grad's wrapper: 1


def check_sources(translator: Any, sources: Any) -> list[str]:
    """The checks and warnings of ``translator.translate(sources)`` (a fitted
    :class:`~rnnkit.tasks.seq2seq.Translator`) over all of ``sources``, without translating: the sources checked
    (an error names one by its index in all), the warnings that count or name sources given once (unseen scripts;
    dict-pointer: sources without a word), ``on_long="error"``'s refusal of a long one. A caller that translates
    them by parts (``rnnkit translate predict``) runs this first, then each part with ``warn=False``: a part's
    own warnings counted its own sources and named them by their index in it."""
    from rnnkit.data.batching import truncations
    from rnnkit.tasks.common import check_texts

    translator._require_fitted()
    src = check_texts(sources, "sources")
    warn_unseen_sources(src, (translator.words or translator).src_vocab, stacklevel=3)
    with truncations():   # a long source is cut where it is translated (and told there), refused here on 'error'
        if translator.words is not None:
            from rnnkit.tasks.seq2seq_pointer import warn_wordless

            warn_wordless(src, translator.words._words(src, "sources"))
        elif translator.config.on_long == "error":
            translator._src_ids(src)
    return src
