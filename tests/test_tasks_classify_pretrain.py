"""Bidirectional-LM pretraining of the classifier's encoder (rnnkit.tasks.classify_pretrain): neither
direction sees the token it predicts (perturbation oracle), the pretrained LM beats the unigram model of
the same texts and the untrained network (baselines in the same test), the classifier starts from the
pretrained weights and saves/loads them like any run (the LM head is not saved), bad settings refused."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch

from rnnkit.errors import CheckpointError, ConfigError, InputTypeError
from rnnkit.tasks.base import fit_network
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig, TextClassifierNet
from rnnkit.tasks.classify_pretrain import BiLMHead, pretrain_encoder
from rnnkit.training.checkpoint import write_digests
from test_tasks_classification import FAST, _order_data

pytestmark = pytest.mark.usefixtures("one_thread")


def _net(vocab=12, seed=0):
    torch.manual_seed(seed)
    return TextClassifierNet(vocab, 2, TextClassifierConfig(embed_dim=8, hidden_size=6, dropout=0.0))


def test_neither_direction_sees_the_token_it_predicts():
    net = _net()
    lm = BiLMHead(net, top=12).eval()
    ids, lengths = torch.tensor([[2, 3, 4, 5, 6, 7]]), torch.tensor([6])
    H = net.cfg.hidden_size

    def states(x):
        with torch.no_grad():
            out, _ = net.encoder(net.embed(x), lengths)
        return out[0, :, :H], out[0, :, H:]

    fwd, bwd = states(ids)
    for t in range(6):
        changed = ids.clone()
        changed[0, t] = 9
        f2, b2 = states(changed)
        # forward states before t (they predict tokens up to t) and backward states after t do not move
        torch.testing.assert_close(f2[:t], fwd[:t])
        torch.testing.assert_close(b2[t + 1:], bwd[t + 1:])
        assert not torch.allclose(f2[t], fwd[t]) and not torch.allclose(b2[t], bwd[t])
    # and the loss pairs forward state t with token t + 1, backward state t with token t - 1: computed by hand
    want = []
    for t in range(5):
        want.append(torch.nn.functional.cross_entropy(lm._logits(fwd[t:t + 1], 0), ids[0, t + 1:t + 2]))
    for t in range(1, 6):
        want.append(torch.nn.functional.cross_entropy(lm._logits(bwd[t:t + 1], 1), ids[0, t - 1:t]))
    with torch.no_grad():
        torch.testing.assert_close(lm.loss(ids, lengths), torch.stack(want).mean())


def test_padding_does_not_change_the_lm_loss():
    lm = BiLMHead(_net(), top=12).eval()
    with torch.no_grad():
        alone = lm.loss(torch.tensor([[2, 3, 4]]), torch.tensor([3]))
        padded = lm.loss(torch.tensor([[2, 3, 4, 0, 0]]), torch.tensor([3]))
    torch.testing.assert_close(alone, padded)


def _chain_texts(n, seed=0):
    """Each token determines the next one (a cycle over 8 tokens), so an LM can do far better than unigram."""
    rng = random.Random(seed)
    return [[2 + (s + k) % 8 for k in range(rng.randint(4, 9))] for s in (rng.randrange(8) for _ in range(n))]


def test_pretraining_beats_the_unigram_model_and_the_untrained_net():
    seqs = _chain_texts(120)
    counts = np.bincount([t for s in seqs for t in s])[2:]
    unigram = float(-(counts / counts.sum() * np.log(counts / counts.sum())).sum())   # its cross-entropy, nats
    net = _net()

    def batches(_epoch):
        for i in range(0, len(seqs), 20):
            part = seqs[i:i + 20]
            L = max(map(len, part))
            yield None, torch.tensor([s + [0] * (L - len(s)) for s in part]), torch.tensor([len(s) for s in part]), None

    lm = BiLMHead(net, top=12)
    ids, lengths = next(batches(0))[1:3]
    with torch.no_grad():
        before = float(lm.eval().loss(ids, lengths))
    hist = pretrain_encoder(net, batches, 6, epochs=15, train=fit_network, lr=0.03, progress=False, top=12)
    assert len(hist["loss"]) == 15 and hist["loss"][-1] < hist["loss"][0]
    assert hist["loss"][-1] < 0.5 * unigram < before, (hist["loss"], unigram, before)


def test_classifier_with_pretraining_saves_and_loads(tmp_path, flip_byte):
    texts, labels = _order_data(80)
    cfg = TextClassifierConfig(**{**FAST, "epochs": 2}, pretrain_epochs=1, combine=False)
    clf = TextClassifier(cfg).fit(texts, labels)
    assert len(clf.history["pretrain"]["loss"]) == 1
    assert not any("proj" in k or k == "bias" for k in clf.net.state_dict())    # the LM head is not kept
    clf.save(tmp_path / "run")
    again = TextClassifier.load(tmp_path / "run")
    assert again.config.pretrain_epochs == 1
    np.testing.assert_array_equal(again.predict_proba(texts[:20]), clf.predict_proba(texts[:20]))
    flip_byte(max((p for p in (tmp_path / "run").rglob("*") if p.is_file()), key=lambda p: p.stat().st_size))
    with pytest.raises(CheckpointError):
        TextClassifier.load(tmp_path / "run")


def test_run_saved_before_the_field_loads_without_pretraining(tmp_path):
    """A config.json without pretrain_epochs (a run saved before it existed) loads with 0, predicting as saved."""
    texts, labels = _order_data(60)
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "epochs": 1}, combine=False)).fit(texts, labels)
    clf.save(tmp_path / "run")
    meta = json.loads((tmp_path / "run" / "config.json").read_text())
    cfg = meta["config"] if "config" in meta else meta
    del cfg["pretrain_epochs"]
    (tmp_path / "run" / "config.json").write_text(json.dumps(meta))
    write_digests(tmp_path / "run", sorted(json.loads((tmp_path / "run" / "digests.json").read_text())["sha256"]))
    again = TextClassifier.load(tmp_path / "run")
    assert again.config.pretrain_epochs == 0
    np.testing.assert_array_equal(again.predict_proba(texts[:10]), clf.predict_proba(texts[:10]))


def test_pretraining_changes_the_starting_point_not_only_the_budget():
    """Same seed, same batches: with pretraining the classifier's first epoch starts elsewhere."""
    texts, labels = _order_data(60)
    base = TextClassifier(TextClassifierConfig(**{**FAST, "epochs": 1}, combine=False)).fit(texts, labels)
    cfg = TextClassifierConfig(**{**FAST, "epochs": 1}, combine=False, pretrain_epochs=2)
    pre = TextClassifier(cfg).fit(texts, labels)
    assert "pretrain" not in base.history and len(pre.history["pretrain"]["loss"]) == 2
    assert base.history["loss"][0] != pre.history["loss"][0]


@pytest.mark.parametrize("kw,needle", [({"pretrain_epochs": -1}, "pretrain_epochs"),
                                       ({"pretrain_epochs": 1, "model": "feedforward", "pooling": "max"},
                                        "pretrain_epochs: expected 0 with model='feedforward'")])
def test_bad_pretraining_settings(kw, needle):
    with pytest.raises(ConfigError, match=needle) as e:
        TextClassifierConfig(**kw)
    assert "\n" not in str(e.value)


def test_unidirectional_encoder_pretrains_its_forward_direction():
    torch.manual_seed(0)
    net = TextClassifierNet(12, 2, TextClassifierConfig(embed_dim=8, hidden_size=6, dropout=0.0, bidirectional=False))
    lm = BiLMHead(net, top=12).eval()
    ids, lengths = torch.tensor([[2, 3, 4, 5]]), torch.tensor([4])
    with torch.no_grad():
        out, _ = net.encoder(net.embed(ids), lengths)
        want = torch.nn.functional.cross_entropy(lm._logits(out[0, :3], 0), ids[0, 1:])
        torch.testing.assert_close(lm.loss(ids, lengths), want)


def test_pretraining_epochs_must_be_an_int():
    with pytest.raises(InputTypeError, match="pretrain_epochs: expected an int, got 1.5"):
        TextClassifierConfig(pretrain_epochs=1.5)


def test_max_seconds_bounds_the_pretraining_too():
    """A budget far shorter than one LM epoch: the pretraining is cut, the classifier then stops at once
    (its first epoch cut), and the recorded fit time stays near the budget (generous slack, no tight timing)."""
    rng = random.Random(0)
    texts = [" ".join(rng.choice(["good", "bad", "fine", "awful", "ok"]) for _ in range(30)) for _ in range(3000)]
    labels = [("pos" if t.count("good") > t.count("bad") else "neg") for t in texts]
    clf = TextClassifier(TextClassifierConfig(epochs=50, pretrain_epochs=50, batch_size=4, max_seconds=0.5,
                                              combine=False, progress=False))
    clf.fit(texts, labels, baselines=False)
    assert len(clf.history["pretrain"]["loss"]) <= 1 and clf.history["stop_reason"] == "max_seconds"
    assert len(clf.history["loss"]) <= 1 and clf.history["seconds"] < 0.5 + 20.0, clf.history
