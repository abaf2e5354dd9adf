"""Session 30 (lead, from W's review of d6b75a5): the frozen encoder's arguments are checked, typed, naming them."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.tasks import classify_context as C
from rnnkit.tasks import classify_pretrained as P

pytestmark = [pytest.mark.usefixtures("one_thread"),
              pytest.mark.skipif(importlib.util.find_spec(P.MODULE) is None,
                                 reason=f"{P.PACKAGE} not installed ({P.INSTALL})")]


@pytest.fixture(scope="module")
def enc():
    return C.ContextEncoder.from_package(P.WordPieces.from_package().tok.get_vocab())


@pytest.mark.parametrize("bad, err, msg", [
    (-1, ConfigError, "batch_size: expected a positive int, got -1"),
    (0, ConfigError, "batch_size: expected a positive int, got 0"),
    (1.5, InputTypeError, "batch_size: expected a positive int, got 1.5")])
def test_batch_size_is_checked(enc, bad, err, msg):
    for call in (enc.states, enc.sentence_vectors):
        with pytest.raises(err, match=f"^{msg}"):
            call([["good"]], batch_size=bad)


@pytest.mark.parametrize("pieces, msg", [
    (["hello world"], r"pieces\[0\]: expected a list of wordpieces .*got str 'hello world'"),   # read per character
    ("hello", "pieces: expected a list of wordpiece lists .*got str"),
    (None, "pieces: expected a list of wordpiece lists .*got NoneType"),
    ([[5]], r"pieces\[0\]: expected wordpieces as str, got int 5")])
def test_pieces_are_lists_of_wordpiece_strings(enc, pieces, msg):
    with pytest.raises(InputTypeError, match=f"^{msg}"):
        enc.states(pieces)


def test_no_texts_give_no_vectors(enc):
    assert enc.sentence_vectors([]).shape == (0, enc.width)      # numpy's bare 'need at least one array to stack'
    assert enc.states([]) == []
    assert enc.states((("good",),))[0].shape == (1, enc.width)
    assert np.isfinite(enc.sentence_vectors([["good"]])).all()
