"""Session 19 (helper Q): hostile inputs of the text tasks, round 3 -- each test fails on the code before its fix."""

import unicodedata

import pytest

from rnnkit.errors import DataError

NFD = lambda s: unicodedata.normalize("NFD", s)   # noqa: E731


# ---------------------------------------------------------------------------------------- translation scores and NFC
def test_translation_scores_compare_the_nfc_forms():
    """A reference typed decomposed ('cafe' + U+0301) is the network's NFC output on screen: scored 100, as the
    same text in one form is (it scored BLEU 9.3, chrF 39.7)."""
    from rnnkit.tasks.seq2seq import translation_metrics

    hyp = "le café est très bon à Paris"
    assert NFD(hyp) != hyp
    same = translation_metrics([hyp], [hyp])
    assert translation_metrics([hyp], [NFD(hyp)]) == same
    assert translation_metrics([NFD(hyp)], [hyp]) == same


def test_copy_source_writes_nfc_as_the_other_translations():
    from rnnkit.tasks.seq2seq_words import CopySource, WordDictionary

    src = "le café à Paris"
    assert CopySource().translate([NFD(src)]) == [src]
    # the dictionary baseline (an unknown word is copied) already wrote NFC: one rule for both baselines
    wd = WordDictionary().fit(["der Tee", "der Kaffee"], ["the tea", "the coffee"])
    assert unicodedata.is_normalized("NFC", wd.translate([NFD("der café")])[0])
