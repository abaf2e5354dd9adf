"""A source with no word token (zero-width spaces, a BOM) in the dict-pointer translator (session 15, found by
helper Q): in `translate` one such line failed the whole batch with pad_sequences' 'seqs: ... an empty one at index
0' (neither the argument nor the line named, the good lines untranslated); in `fit` the same error. Now: translated
as '' with a warning naming it, the other lines exactly as without it; in fit a DataError naming the pair."""

from __future__ import annotations

import pytest

from rnnkit.errors import DataError
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator
from test_translate_ensemble_s15 import CFG, S, T   # the same toy pairs and small network

pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.fixture(scope="module")
def translator():
    return Translator(Seq2SeqConfig(**CFG)).fit(S * 3, T * 3, baselines=False)


def test_a_source_without_a_word_is_translated_as_empty_and_named(translator):
    good = ["das Haus ist alt", "die Zeile"]
    alone = translator.translate(good)
    with pytest.warns(UserWarning, match=r"^sources\[1\]: expected a text with at least one word token, got none "
                                         r"from '\\u200b'; translated as '' \(2 such source\(s\)\)"):
        got = translator.translate([good[0], "\u200b", "\ufeff", good[1]])
    assert got == [alone[0], "", "", alone[1]]


def test_every_source_without_a_word(translator):
    with pytest.warns(UserWarning, match=r"translated as ''"):
        assert translator.translate(["\u200b"]) == [""]


def test_a_training_pair_whose_source_has_no_word_is_named():
    with pytest.raises(DataError, match=r"^sources\[24\]: expected a source with at least one word token, got none "
                                        r"from '\\u200b'"):
        Translator(Seq2SeqConfig(**CFG)).fit(S * 3 + ["\u200b"], T * 3 + ["x"], baselines=False)
