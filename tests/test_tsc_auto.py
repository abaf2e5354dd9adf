"""The time-series classifier's derived settings and its auto model (session 9): the schedule in optimizer
steps, the patch that bounds the recurrence, and the choice between the network and 1-NN Euclidean made on
one validation split -- checked against the 1-NN fitted in the test on the same training part and scored on
the same validation series (sktime's UnitTest files: 20 training series of 24 steps)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from rnnkit.errors import CheckpointError, ConfigError, InputTypeError
from rnnkit.tasks.common import accuracy
from rnnkit.tasks.runs import config_from_dict
from rnnkit.tasks.tsc import OneNNEuclidean, TimeSeriesClassifier, TSCConfig
from rnnkit.tasks.tsc_auto import (
    AUTO, MAX_RECURRENT_STEPS, MIN_STEPS, auto_patch, auto_val_fraction, choose, derived_schedule,
)

HAS_SKTIME = importlib.util.find_spec("sktime") is not None
needs_sktime = pytest.mark.skipif(not HAS_SKTIME, reason="sktime not installed")
pytestmark = pytest.mark.usefixtures("one_thread")


def _unit_test():
    import sktime

    from rnnkit.data.tsc import read_ts

    d = Path(sktime.__file__).parent / "datasets" / "data" / "UnitTest"
    return (*read_ts(d / "UnitTest_TRAIN.ts"), *read_ts(d / "UnitTest_TEST.ts"))


def test_derived_schedule_makes_enough_steps_and_keeps_what_is_given():
    for n in (8, 20, 36, 100, 270, 5000):
        s = derived_schedule(n, batch_size=None, epochs=None, patience=None)
        steps = s["epochs"] * -(-n // s["batch_size"])
        assert steps >= MIN_STEPS and s["epochs"] >= 60 and 4 <= s["batch_size"] <= 32
        assert -(-n // s["batch_size"]) >= min(4, n // 4)          # several steps an epoch, not one
        assert s["patience"] == s["epochs"] // 4
    assert derived_schedule(36, batch_size=16, epochs=3, patience=2) == {"batch_size": 16, "epochs": 3, "patience": 2}


def test_auto_patch_bounds_the_recurrence_and_respects_max_len():
    for T in (1, 24, 64, 65, 251, 1460, 2000):
        p = auto_patch([T, max(1, T // 2)], max_len=None)
        assert -(-T // p) <= MAX_RECURRENT_STEPS and (p == 1 or -(-T // (p - 1)) > MAX_RECURRENT_STEPS)
    assert auto_patch([5000], max_len=640) == 10                   # the series is cut to 640 steps first


def test_auto_validation_share_and_choice_rule():
    assert auto_val_fraction(36, 0.1) * 36 == pytest.approx(9) and auto_val_fraction(270, 0.1) == 0.1
    assert auto_val_fraction(36, 0.0) == 0.0
    assert choose(0.9, 0.8, learned=False, n_val=10)[0] == "1nn_euclidean"
    assert choose(None, None, learned=True, n_val=0)[0] == "network"
    chose, why = choose(0.5, 0.75, learned=True, n_val=8)
    assert chose == "1nn_euclidean" and "0.500" in why and "0.750" in why and "8 series" in why


def test_config_checks_name_the_argument_and_old_runs_keep_their_settings():
    with pytest.raises(ConfigError, match="patch"):
        TSCConfig(patch=0)
    with pytest.raises(InputTypeError, match="epochs: expected an int or None, got 2.5"):
        TSCConfig(epochs=2.5)
    with pytest.raises(ConfigError, match="model"):
        TSCConfig(model="knn")
    assert {k: getattr(TSCConfig(), k) for k in AUTO} == AUTO   # the default (DECISIONS D1, session 9)
    old = {k: v for k, v in vars(TSCConfig(**AUTO)).items() if k not in AUTO}
    cfg = config_from_dict(TSCConfig, old, "RUN/config.json")   # a run saved before these fields: as it ran
    assert (cfg.model, cfg.patch, cfg.epochs, cfg.batch_size, cfg.patience) == ("rnn", 1, 60, 32, 15)


@needs_sktime
def test_auto_chooses_by_the_same_split_as_a_1nn_fitted_here(tmp_path):
    X, y, Xt, yt = _unit_test()
    clf = TimeSeriesClassifier(TSCConfig(**AUTO, hidden_size=8, progress=False)).fit(X, y)
    auto = clf.history["auto"]
    assert hasattr(clf.net, "encoder")                         # the auto model's network is the recurrent one
    val = clf.split["validation"]["indices"]
    assert len(val) == 5                                       # min(10, 20 // 4), not 10% (2 series)
    part = [i for i in range(len(X)) if i not in val]
    nn1 = OneNNEuclidean().fit([X[i] for i in part], [y[i] for i in part])   # the oracle: same part, same series
    gold = [y[i] for i in val]
    assert auto["val_accuracy"]["1nn_euclidean"] == accuracy(gold, nn1.predict([X[i] for i in val]))
    chose = clf.chose
    clf.chose = "network"
    assert auto["val_accuracy"]["network"] == accuracy(gold, clf.predict([X[i] for i in val]))
    clf.chose = chose
    assert chose == choose(auto["val_accuracy"]["network"], auto["val_accuracy"]["1nn_euclidean"],
                           learned=clf.history["learned"], n_val=5)[0]
    best = max(auto["val_accuracy"].values())
    assert auto["val_accuracy"][chose] == best or not clf.history["learned"]   # never below 1-NN on validation
    want = clf.baselines["1nn_euclidean"].predict(Xt) if chose == "1nn_euclidean" else None
    if want is not None:
        assert clf.predict(Xt) == want
    m = clf.evaluate(Xt, yt)
    assert m["model"] == chose and m["accuracy"] == accuracy(yt, clf.predict(Xt))
    d = clf.history["derived"]                                 # resolved and saved: the run reloads as it ran
    assert d["batch_size"] == clf.config.batch_size == 4 and clf.config.patch == 1
    clf.save(tmp_path / "run")
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    back = TimeSeriesClassifier.load(tmp_path / "run")
    assert back.chose == chose and back.predict(Xt) == clf.predict(Xt)
    assert np.allclose(back.predict_proba(Xt), clf.predict_proba(Xt))
    cfg = saved.get("config", saved)
    assert (cfg["batch_size"], cfg["patch"], cfg["model"]) == (4, 1, "auto") and back.config == clf.config


@needs_sktime
def test_a_network_that_did_not_learn_gives_way_to_1nn_and_rnn_forces_the_network(tmp_path):
    X, y, Xt, yt = _unit_test()
    clf = TimeSeriesClassifier(TSCConfig(**{**AUTO, "epochs": 1, "batch_size": 32}, hidden_size=4, progress=False))
    with pytest.warns(UserWarning, match="did not learn"):
        clf.fit(X, y)
    assert clf.chose == "1nn_euclidean" and "did not learn" in clf.history["auto"]["why"]
    assert clf.predict(Xt) == OneNNEuclidean().fit(X, y).predict(Xt)   # all 20 training series, as the baseline
    p = clf.predict_proba(Xt)
    assert set(np.unique(p)) <= {0.0, 1.0} and (p.sum(1) == 1).all()
    clf.save(tmp_path / "run")
    assert TimeSeriesClassifier.load(tmp_path / "run").predict(Xt) == clf.predict(Xt)
    bare = TimeSeriesClassifier(TSCConfig(**{**AUTO, "epochs": 1, "batch_size": 32}, hidden_size=4, progress=False))
    with pytest.warns(UserWarning, match="did not learn"):
        bare.fit(X, y, baselines=False)      # no 1-NN to predict with: the network, and the run says why
    assert bare.chose == "network" and bare.baselines == {} and "baselines=False" in bare.history["auto"]["why"]
    forced = TimeSeriesClassifier(TSCConfig(model="rnn", hidden_size=4, epochs=1, batch_size=32, progress=False))
    with pytest.warns(UserWarning, match="did not learn"):
        forced.fit(X, y)
    assert forced.chose == "network" and "auto" not in forced.history and "model" not in forced.evaluate(Xt, yt)


def test_a_run_whose_choice_is_not_known_is_refused(tmp_path):
    X = [np.sin(np.linspace(0, f, 12))[:, None].astype("float32") for f in (1, 9) * 6]
    y = ["slow", "fast"] * 6
    clf = TimeSeriesClassifier(TSCConfig(**{**AUTO, "epochs": 1}, hidden_size=4, val_fraction=0.0, progress=False))
    with pytest.warns(UserWarning, match="did not learn"):
        clf.fit(X, y)
    clf.chose = "knn"
    clf.save(tmp_path / "run")
    with pytest.raises(CheckpointError, match="chose"):
        TimeSeriesClassifier.load(tmp_path / "run")


@needs_sktime
def test_cli_auto_reports_its_choice_and_predicts_with_it(tmp_path, capsys):
    import sktime

    from rnnkit.cli.main import main

    d = Path(sktime.__file__).parent / "datasets" / "data" / "UnitTest"
    run = tmp_path / "run"
    assert main(["tsc", "train", "--ts", str(d / "UnitTest_TRAIN.ts"), "--test-ts", str(d / "UnitTest_TEST.ts"),
                 "--model", "auto", "--patch", "0", "--batch-size", "0", "--patience", "0", "--epochs", "1",
                 "--hidden-size", "4", "--out", str(run), "--quiet", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["auto"]["chose"] == "1nn_euclidean" and "did not learn" in out["auto"]["why"]
    assert out["derived"] == {"batch_size": 4, "patience": 1, "patch": 1}          # epochs=1 was given
    assert out["metrics"]["model"] == "1nn_euclidean" and out["metrics"]["accuracy"] == out["baseline"]["accuracy"]
    assert json.loads((run / "config.json").read_text())["config"]["batch_size"] == 4
    assert main(["tsc", "predict", "--run", str(run), "--ts", str(d / "UnitTest_TEST.ts"), "--json"]) == 0
    X, y, Xt, _ = _unit_test()
    assert json.loads(capsys.readouterr().out)["predictions"] == OneNNEuclidean().fit(X, y).predict(Xt)
