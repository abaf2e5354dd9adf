"""The classifier's second network member (a BiGRU on BPE subwords, rnnkit.tasks.classify_subword) and the
``tokenizer="bpe"`` units it reads: word order learned on subwords where the feed-forward control on the
same subwords cannot; the four-member combination checked against the weighted sum of its members by
hand and against its best member on the validation split; the saved run (identical probabilities, the
member not refitted, a flipped byte or a tampered state refused); bad inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnnkit.errors import CheckpointError, ConfigError, InputTypeError
from rnnkit.tasks.classification import SubwordNet, TextClassifier, TextClassifierConfig
from rnnkit.tasks.common import accuracy
from rnnkit.training.checkpoint import write_digests
from test_tasks_classification import FAST, _order_data
from test_tasks_classify_linear import _keyword_data

pytestmark = pytest.mark.usefixtures("one_thread")


def test_bpe_units_learn_word_order_that_feedforward_cannot():
    texts, labels = _order_data(400)
    tt, tl = _order_data(200, seed=1)
    cfg = {**FAST, "epochs": 6, "tokenizer": "bpe", "bpe_size": 60}
    rnn = TextClassifier(TextClassifierConfig(**cfg)).fit(texts, labels)
    ff = TextClassifier(TextClassifierConfig(**cfg, model="feedforward")).fit(texts, labels)
    assert rnn.units == "bpe" and len(rnn.bpe) <= 60
    assert any(len(p) > 1 for p in rnn._tokens(texts[:20])[0])      # merged units, not single characters
    acc_rnn, acc_ff = accuracy(tl, rnn.predict(tt)), accuracy(tl, ff.predict(tt))
    assert acc_rnn >= 0.9, acc_rnn
    assert acc_ff <= 0.7, acc_ff


def _fit_four(seed=0):
    """The main network reads its own table: the combination's arithmetic, choice and saving are checked, whatever
    the network member reads (the default's contextual states: test_classify_default_s31_A)."""
    texts, labels = _keyword_data(160, seed, three=True)
    cfg = TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=2, batch_size=16, lr=0.02,
                               val_fraction=0.25, progress=False, bpe_size=40, subword_member=True, embeddings="own")
    return TextClassifier(cfg).fit(texts, labels), texts, labels


def test_four_member_combination_by_hand_and_never_worse_than_a_member(tmp_path):
    clf, texts, labels = _fit_four()
    assert set(clf.baselines) == {"tfidf_logreg", "nb_logreg", "subword_net"}
    assert set(clf.mix) == {"network", *clf.baselines} and abs(sum(clf.mix.values()) - 1) < 1e-9
    member = clf.baselines["subword_net"]
    assert member is clf._members["subword_net"] and member.clf.units == "bpe"   # trained once, not refitted
    # the combination is the weighted sum of its members, computed here from each member alone
    clf.mix = {"network": 0.4, "tfidf_logreg": 0.1, "nb_logreg": 0.2, "subword_net": 0.3}
    want = 0.4 * clf._network_proba(texts) + sum(w * clf.baselines[k].proba_for(texts, clf.classes)
                                                 for k, w in clf.mix.items() if k != "network")
    np.testing.assert_allclose(clf.predict_proba(texts), want, atol=1e-6)
    # on the validation split the chosen weights are at least as good as the best member alone (every
    # member fitted on the same training part: the linear ones refitted on the split by hand)
    clf, texts, labels = _fit_four(1)
    va = set(clf.split["validation"]["indices"])
    tr = [i for i in range(len(texts)) if i not in va]
    vt, vl = [texts[i] for i in sorted(va)], [labels[i] for i in sorted(va)]
    probs = {"network": clf._network_proba(vt), "subword_net": clf._members["subword_net"].proba_for(vt, clf.classes)}
    for kind in ("tfidf_logreg", "nb_logreg"):
        m = type(clf.baselines[kind])("words", C=clf.baselines[kind].C).fit([texts[i] for i in tr], [labels[i] for i in tr])
        probs[kind] = m.proba_for(vt, clf.classes)
    acc = lambda p: accuracy(vl, [clf.classes[i] for i in p.argmax(1)])  # noqa: E731
    assert acc(sum(clf.mix[k] * p for k, p in probs.items())) >= max(acc(p) for p in probs.values()) - 1e-9


def test_saved_run_identical_and_tampering_refused(tmp_path):
    clf, texts, labels = _fit_four(2)
    run = clf.save(tmp_path / "run")
    again = TextClassifier.load(run)
    assert again.mix == clf.mix and (again.predict_proba(texts) == clf.predict_proba(texts)).all()
    assert (again.baselines["subword_net"].proba_for(texts, clf.classes)
            == clf.baselines["subword_net"].proba_for(texts, clf.classes)).all()
    assert set(again.evaluate(texts, labels)["baselines"]) == {"tfidf_logreg", "nb_logreg", "subword_net"}
    meta = json.loads((run / "baseline.json").read_text())
    meta["subword_net"]["kind"] = "words_net"
    (run / "baseline.json").write_text(json.dumps(meta))
    write_digests(run, sorted(json.loads((run / "digests.json").read_text())["sha256"]))
    with pytest.raises(CheckpointError, match="baseline.json.*subword_net"):
        TextClassifier.load(run)
    run = clf.save(tmp_path / "run2")
    raw = bytearray((run / "baseline.safetensors").read_bytes())
    raw[-3] ^= 0x01
    (run / "baseline.safetensors").write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="baseline.safetensors"):
        TextClassifier.load(run)


def test_bad_inputs():
    with pytest.raises(ConfigError, match="bpe_size"):
        TextClassifierConfig(bpe_size=2)
    with pytest.raises(InputTypeError, match="subword_member"):
        TextClassifierConfig(subword_member="yes")
    with pytest.raises(ConfigError, match="tokenizer"):
        TextClassifierConfig(tokenizer="sentencepiece")
    with pytest.raises(ConfigError, match="config"):
        SubwordNet({"cell": "gru"})
    with pytest.raises(ConfigError, match="unfitted"):
        SubwordNet().predict(["good"])
    texts, labels = _keyword_data(80, 3)
    off = TextClassifier(TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=1, batch_size=16,
                                              val_fraction=0.25, progress=False, subword_member=False,
                                              embeddings="own")).fit(texts, labels)
    assert "subword_net" not in off.baselines and "subword_net" not in off.mix
