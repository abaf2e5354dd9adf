"""Session 18, helper Q: hostile inputs of the text tasks (classify, tag, translate, generate). Each test fails on
the code before its fix (session start 2193376)."""

from __future__ import annotations

import pytest

from rnnkit.cli.main import main
from rnnkit.errors import DataError
from rnnkit.tasks.tagging import MostFrequentTag, SequenceTagger, TaggerConfig

pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)

TINY_TAGGER = dict(word_dim=4, char_dim=4, char_hidden=4, hidden_size=4, epochs=1, val_fraction=0.0, progress=False)


# ----------------------------------------------------------------------------- tagger
def test_a_tagger_is_not_trained_on_one_tag():
    # before: fit on sentences tagged 'O' alone trained a network that tags every token 'O' (token accuracy 1.0 on
    # such data), where the classifier and tsc refuse one class
    sents = [["The", "cat"], ["sat"]] * 3
    with pytest.raises(DataError, match=r"^tags: expected at least 2 different tags to learn from, got only \['O'\]$"):
        SequenceTagger(TaggerConfig(**TINY_TAGGER)).fit(sents, [["O", "O"], ["O"]] * 3)
    tagger = SequenceTagger(TaggerConfig(**TINY_TAGGER)).fit(sents, [["O", "B-ANI"], ["O"]] * 3, baselines=False)
    assert sorted(tagger.tags.tokens) == ["B-ANI", "O"]       # two tags: trained as before


def test_a_conll_file_of_one_tag_is_refused_by_tag_train(tmp_path, capsys):
    path = tmp_path / "one.conll"
    path.write_text("".join(f"The\tO\ncat{i}\tO\n\n" for i in range(10)), encoding="utf-8")
    assert main(["tag", "train", "--conll", str(path), "--out", str(tmp_path / "run"), "--epochs", "1",
                 "--word-dim", "4", "--char-dim", "4", "--char-hidden", "4", "--hidden-size", "4", "--quiet"]) == 1
    assert "tags: expected at least 2 different tags to learn from, got only ['O']" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("where", ["fit", "predict", "evaluate", "baseline"])
def test_a_token_with_a_nul_is_refused_as_the_shared_rule_says(where):
    # before: 'a\0b' was a word (and '\0' a character) the tagger learned, and predict tagged it; a CoNLL file
    # holding one is refused (not UTF-8 text), the classifier's and translator's texts too (check_no_nul)
    sents, tags = [["The", "cat"], ["sat"]] * 2, [["O", "B-ANI"], ["O"]] * 2
    bad = [["The", "c\0t"], ["sat"]] + sents[2:]
    msg = r"^sentences\[0\]\[1\]: expected text without NUL characters \(U\+0000\), got one at character 1$"
    if where == "baseline":
        with pytest.raises(DataError, match=msg):
            MostFrequentTag().fit(bad, tags)
        return
    if where == "fit":
        with pytest.raises(DataError, match=msg):
            SequenceTagger(TaggerConfig(**TINY_TAGGER)).fit(bad, tags)
        return
    tagger = SequenceTagger(TaggerConfig(**TINY_TAGGER)).fit(sents, tags, baselines=False)
    with pytest.raises(DataError, match=msg):
        tagger.predict(bad) if where == "predict" else tagger.evaluate(bad, tags)


def test_a_tag_with_a_nul_is_refused():
    # before: 'B-ANI\0' was a tag of its own, learned and predicted
    with pytest.raises(DataError, match=r"^tags\[1\]\[0\]: expected text without NUL characters \(U\+0000\), got one "
                                        r"at character 5$"):
        SequenceTagger(TaggerConfig(**TINY_TAGGER)).fit([["The", "cat"], ["cat"]], [["O", "B-ANI"], ["B-ANI\0"]])

