"""Property-based tests (hypothesis) of the vocabulary and the tokenizers on generated Unicode, against
oracles (session 20, helper G): encode/decode round-trips, unseen tokens map to ``<unk>`` (a DataError in a
closed vocabulary), specials first, the JSON and file round-trips (the oracle: the tokens counted by hand);
``chars`` tokens join back to the NFC text and ``words`` tokens are substrings of it, in order; anything that
is no token, list of tokens or list of ids is a typed error naming the argument.

Examples are derandomized and bounded.
"""

from __future__ import annotations

import json
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnkit.data.vocab import PAD, UNK, Vocab, tokenize
from rnnkit.errors import DataError, RnnkitError

pytestmark = pytest.mark.usefixtures("one_thread")

PROPS = settings(max_examples=60, deadline=None, derandomize=True, print_blob=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# ============================================================================ vocab and tokenizers
# Any code point UTF-8 can write (no lone surrogates), control characters and combining marks included.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
TOKEN = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=4)
SPECIAL_SETS = [(PAD, UNK), (PAD, UNK, "<s>", "</s>"), (UNK,), ()]


@PROPS
@given(seqs=st.lists(st.lists(TOKEN, max_size=6), max_size=5), unseen=st.lists(TOKEN, max_size=4),
       specials=st.sampled_from(SPECIAL_SETS), min_freq=st.integers(1, 2))
def test_vocab_round_trips_on_any_unicode(seqs, unseen, specials, min_freq):
    v = Vocab.build(seqs, min_freq=min_freq, specials=specials)
    assert v.tokens[: len(specials)] == list(specials)
    assert len(set(v.tokens)) == len(v)
    counts = {}
    for s in seqs:
        for t in s:
            counts[t] = counts.get(t, 0) + 1
    kept = {t for t, n in counts.items() if n >= min_freq and t not in specials}
    assert set(v.tokens[len(specials):]) == kept
    known = [t for s in seqs for t in s if t in v]
    assert v.decode(v.encode(known)) == known                      # seen tokens round-trip
    assert v.encode(v.tokens) == list(range(len(v)))
    new = [t for t in unseen if t not in v]
    if UNK in specials:
        assert v.encode(new) == [v.index[UNK]] * len(new)
    elif new:
        with pytest.raises(DataError):
            v.encode(new)
    assert Vocab.from_dict(json.loads(json.dumps(v.to_dict(), ensure_ascii=False))) == v
    with tempfile.TemporaryDirectory() as d:
        v.save(Path(d) / "vocab.json")
        assert Vocab.load(Path(d) / "vocab.json") == v


@PROPS
@given(ids=st.lists(st.one_of(st.integers(-3, 12), st.floats(0, 3), st.booleans(), st.none()), max_size=5))
def test_vocab_decode_takes_exactly_the_valid_ids(ids):
    v = Vocab.build([list("abcdefgh")])
    valid = all(type(i) is int and 0 <= i < len(v) for i in ids)
    if valid:
        assert v.encode(v.decode(ids)) == ids
    else:
        with pytest.raises(DataError, match=r"ids\["):
            v.decode(ids)


@PROPS
@given(text=TEXT, lowercase=st.booleans())
def test_tokenizers_keep_the_text(text, lowercase):
    nfc = unicodedata.normalize("NFC", text)
    if lowercase:
        nfc = nfc.casefold()
    assert "".join(tokenize(text, "chars", lowercase=lowercase)) == nfc
    at = 0
    for tok in tokenize(text, "words", lowercase=lowercase):
        assert tok and not tok.isspace()
        found = nfc.find(tok, at)
        assert found >= 0, (tok, nfc)           # every word token is a substring of the text, in order
        assert nfc[at:found].strip() == "" or not any(c.isalnum() for c in nfc[at:found]), (tok, nfc, at)
        at = found + len(tok)


@PROPS
@given(text=TEXT)
def test_vocab_of_a_text_encodes_it_and_unseen_text_to_unk(text):
    tokens = tokenize(text, "chars")
    v = Vocab.build([tokens])
    assert v.decode(v.encode(tokens)) == [t if t not in (PAD, UNK) else t for t in tokens]
    other = [t for t in tokenize(text + "\u2603\U0001F600", "chars") if t not in v]
    assert v.encode(other) == [v.unk_id] * len(other)


NOT_TOKEN = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(), st.binary(max_size=3),
                      st.lists(st.text(max_size=2), max_size=2), st.tuples(st.text(max_size=2)),
                      st.builds(np.int64, st.integers(-5, 5)), st.builds(object))


@PROPS
@given(bad=NOT_TOKEN, specials=st.sampled_from(SPECIAL_SETS))
def test_vocab_refuses_what_is_not_a_token_naming_it(bad, specials):
    """Anything but a str as a token (``id``, ``encode``), a non-list as tokens, ids or specials, is a typed
    rnnkit error naming the argument -- never ``<unk>``'s id silently (``id(5)`` was) or Python's bare TypeError
    (``encode(None)``, ``decode(None)``, ``Vocab(tokens, specials=None)``, ``id(["a"])``); ``in`` answers False."""
    v = Vocab.build([["a", "b"]], specials=specials)
    with pytest.raises(DataError, match=r"^token: expected a str token"):
        v.id(bad)
    with pytest.raises(RnnkitError, match=r"^tokens(\[0\])?: expected"):
        v.encode([bad])
    assert (bad in v) is False
    if not isinstance(bad, (list, tuple, bytes)):   # (iterables: their items are judged, as above)
        with pytest.raises(RnnkitError, match=r"^tokens: expected a list of tokens"):
            v.encode(bad)
        with pytest.raises(RnnkitError, match=r"^ids: expected a list of int ids"):
            v.decode(bad)
        with pytest.raises(RnnkitError, match=r"^specials: expected a list of tokens"):
            Vocab(["a"], specials=bad)
        with pytest.raises(RnnkitError, match=r"^sequences: expected a list of tokens"):
            Vocab.build(bad)
