"""Seed ensemble of the text classifier's network (rnnkit.tasks.classify_seeds; ``TextClassifierConfig.seeds``).

Oracles, fitted in the same test: each member must be exactly the network a one-network fit with that member's
seed gives (same data, same given validation split), the ensemble's probabilities the mean of theirs, and
``seeds=1`` the network alone; save/load and the exported graph must give the fitted probabilities."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig, TextClassifierNet
from rnnkit.tasks.classify_seeds import member_seed
from rnnkit.tasks.classify_snapshot import SnapshotEnsemble
from rnnkit.training.checkpoint import write_digests
from test_tasks_classification import FAST, _order_data, _write_csv

pytestmark = pytest.mark.usefixtures("one_thread_module")

# the input table ("auto"'s choice until session 31): the seed ensemble, not the input, is tested here; on the
# contextual states (today's default) this file took 8.7 -> 77.7 s for the export test alone
FAST = {**FAST, "embeddings": "minilm"}
CFG = {**FAST, "epochs": 3, "patience": 1, "combine": False}


def _member_proba(clf, net, texts):
    """``clf``'s network probabilities with ``net`` in its place."""
    whole, clf.net = clf.net, net
    try:
        return clf._network_proba(texts)
    finally:
        clf.net = whole


def test_each_member_is_the_fit_of_its_seed_and_the_network_their_mean():
    texts, labels = _order_data(120)
    val = _order_data(40, seed=1)
    probe = val[0]
    ens = TextClassifier(TextClassifierConfig(**CFG, seeds=3)).fit(texts, labels, *val)
    singles = [TextClassifier(TextClassifierConfig(**CFG, seed=member_seed(0, i))).fit(texts, labels, *val)
               for i in range(3)]
    assert isinstance(ens.net, SnapshotEnsemble) and len(ens.net.members) == 3
    assert all(isinstance(s.net, TextClassifierNet) and "seeds" not in s.history for s in singles)
    p = [s.predict_proba(probe) for s in singles]
    for member, single, pi in zip(ens.net.members, singles, p):
        np.testing.assert_array_equal(_member_proba(ens, member, probe), pi)   # the same recipe, its own seed
    assert min(np.abs(p[i] - p[j]).max() for i, j in ((0, 1), (0, 2), (1, 2))) > 1e-3   # the seeds differ
    np.testing.assert_allclose(ens.predict_proba(probe), sum(p) / 3, atol=1e-6)
    assert [m["seed"] for m in ens.history["seeds"]] == [0, member_seed(0, 1), member_seed(0, 2)]
    assert [m["best_epoch"] for m in ens.history["seeds"]] == [s.history["best_epoch"] for s in singles]
    assert ens.history["val"] == singles[0].history["val"]          # the run's own curve: member 0's
    untimed = lambda log: [{k: v for k, v in r.items() if k != "time_s"} for r in log]  # noqa: E731
    # the log: every member's rows, tagged (session 17); member j's rows are its single fit's
    for j, single in enumerate(singles):
        rows = [{k: v for k, v in r.items() if k != "member"} for r in ens.epoch_log if r["member"] == j]
        assert untimed(rows) == untimed(single.epoch_log)


def test_the_saved_and_exported_run_give_the_fitted_probabilities(tmp_path, onnx_text_probs):
    pytest.importorskip("onnxruntime")
    from rnnkit.export import export

    texts, labels = _order_data(120)
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "epochs": 1, "val_fraction": 0.25}, seeds=2)).fit(texts, labels)
    assert clf.mix is not None and len(clf.history["seeds"]) == 2      # the combination weighs the ensemble
    probe = texts[:12]
    clf.save(tmp_path / "run")
    again = TextClassifier.load(tmp_path / "run")
    assert again.config.seeds == 2 and isinstance(again.net, SnapshotEnsemble) and len(again.net.members) == 2
    np.testing.assert_array_equal(again.predict_proba(probe), clf.predict_proba(probe))
    export(tmp_path / "run", tmp_path / "c.onnx")
    probs, _ = onnx_text_probs(clf, tmp_path / "c.onnx", probe)
    alone = _member_proba(clf, clf.net.members[0], probe)
    assert np.abs(probs - clf._network_proba(probe)).max() <= 1e-5 < np.abs(probs - alone).max()


def test_a_run_saved_before_the_field_loads_as_one_network(tmp_path):
    texts, labels = _order_data(60)
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "epochs": 1})).fit(texts, labels)
    clf.save(tmp_path)
    meta = json.loads((tmp_path / "config.json").read_text())
    del meta["config"]["seeds"]
    (tmp_path / "config.json").write_text(json.dumps(meta))
    write_digests(tmp_path, sorted(json.loads((tmp_path / "digests.json").read_text())["sha256"]))
    again = TextClassifier.load(tmp_path)
    assert again.config.seeds == 1 and isinstance(again.net, TextClassifierNet)
    np.testing.assert_array_equal(again.predict_proba(texts[:10]), clf.predict_proba(texts[:10]))


@pytest.mark.parametrize("value, error, message", [
    (0, ConfigError, "seeds: expected an int >= 1, got 0"),
    (1.5, InputTypeError, "seeds: expected an int, got 1.5 (float)"),
    ("3", InputTypeError, "seeds: expected an int, got '3' (str)"),
    (True, InputTypeError, "seeds: expected an int, got True (bool)"),
])
def test_bad_seeds_are_refused_in_one_line(value, error, message):
    with pytest.raises(error) as e:
        TextClassifierConfig(seeds=value)
    assert str(e.value) == message


def test_seeds_with_snapshots_is_refused():
    with pytest.raises(ConfigError, match=r"^seeds: expected 1 with snapshots=2 \(one kind of network ensemble at a "
                                          r"time\), got 3$"):
        TextClassifierConfig(seeds=3, snapshots=2)


def test_cli_flag_trains_the_ensemble_and_refuses_zero(tmp_path, capsys):
    from rnnkit.cli.main import main

    _write_csv(tmp_path / "d.csv", *_order_data(60))
    common = ["classify", "train", "--csv", str(tmp_path / "d.csv"), "--epochs", "1", "--min-freq", "1",
              "--hidden-size", "8", "--embed-dim", "8", "--quiet", "--json", "--embeddings", "minilm"]
    assert main(common + ["--seeds", "2", "--out", str(tmp_path / "run")]) == 0
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["config"]["seeds"] == 2 and config["state"]["snapshots"] == 2   # the members saved
    capsys.readouterr()
    probe = _order_data(5, seed=2)[0]
    (tmp_path / "in.txt").write_text("\n".join(probe) + "\n", encoding="utf-8")
    assert main(["classify", "predict", "--run", str(tmp_path / "run"), "--input", str(tmp_path / "in.txt"), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    clf = TextClassifier.load(tmp_path / "run")
    assert got["predictions"] == clf.predict(probe) and isinstance(clf.net, SnapshotEnsemble)
    assert main(common + ["--seeds", "0", "--out", str(tmp_path / "bad")]) != 0
    assert "seeds: expected an int >= 1, got 0" in capsys.readouterr().err
