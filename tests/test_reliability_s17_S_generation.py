"""Session 17, helper S: hostile inputs to the character LM and its n-gram baseline (each test fails on the code
before its fix)."""

import json

import pytest

from rnnkit.tasks.generation import NGramCharModel


def test_ngram_context_of_an_unseen_character_is_not_the_literal_text_unk():
    # contexts were their characters joined, and <unk> was the 5-character "<unk>": at order >= 6 the context
    # of one unseen character and the text's own five characters '<', 'u', 'n', 'k', '>' shared their counts.
    # Oracle: the same model on a training text with the same characters, "<knu>" for "<unk>", which no unseen
    # character's context can be mistaken for; the scored text reads neither.
    literal = NGramCharModel(6).fit("x<unk>a" * 20 + "b" * 3)
    other = NGramCharModel(6).fit("x<knu>a" * 20 + "b" * 3)
    assert literal.bits_per_char("zb") == pytest.approx(other.bits_per_char("zb"), abs=1e-12)   # was 9.67 vs 5.28
    again = NGramCharModel.from_state(json.loads(json.dumps(literal.state(), ensure_ascii=False)))
    assert again.bits_per_char("zb") == literal.bits_per_char("zb")


def test_ngram_saved_before_the_fix_is_read_as_it_was_made():
    m = NGramCharModel(6).fit("x<unk>a" * 20 + "b" * 3)
    old = m.state()[1]
    old = {k: v for k, v in old.items() if k != "unk_key"}
    old["counts"] = {h.replace(m.unk_key, "<unk>"): {c.replace(m.unk_key, "<unk>"): n for c, n in d.items()}
                     for h, d in old["counts"].items()}
    assert NGramCharModel.from_state(({}, old)).unk_key == "<unk>"
    with pytest.raises(ValueError, match="unk_key: expected one character outside the vocabulary"):
        NGramCharModel.from_state(({}, {**old, "unk_key": "x"}))
