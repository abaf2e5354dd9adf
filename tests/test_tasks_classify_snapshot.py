"""Snapshot ensemble of the text classifier's network (rnnkit.tasks.classify_snapshot).

Oracles: the probabilities each epoch's weights give, recorded by a callback during the same fit (the
ensemble must equal the mean of the two ending at the best epoch; the fit with ``snapshots=1`` in the same
test must equal the best epoch alone); save/load round trips; a run folder rewritten as saved before the
field (no ``snapshots`` key) loads to the single network it had."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from rnnkit.errors import CheckpointError, ConfigError, InputTypeError
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig, TextClassifierNet
from rnnkit.tasks.classify_snapshot import EpochWeights, SnapshotEnsemble
from rnnkit.training.callbacks import Callback
from rnnkit.training.checkpoint import write_digests
from test_tasks_classification import FAST, _order_data

pytestmark = pytest.mark.usefixtures("one_thread_module")

# the input table ("auto"'s choice until session 31): the snapshot ensemble, not the input, is tested here; on the
# contextual states (today's default) the export test took 6.1 -> 35.2 s
FAST = {**FAST, "embeddings": "minilm"}
CFG = {**FAST, "epochs": 5, "patience": 5, "combine": False}


def _fit_recording(texts, labels, val, probe, **kw):
    """A classifier fitted (validation ``val``, or none), and the probabilities of ``probe`` after each epoch."""
    clf = TextClassifier(TextClassifierConfig(**{**CFG, **kw}))
    seen = []

    class Record(Callback):
        def on_epoch_end(self, trainer, epoch, row):
            seen.append(clf._network_proba(probe))
            clf.net.train()

    clf.fit(texts, labels, *val, callbacks=[Record()])
    return clf, seen


def test_the_network_is_the_mean_of_the_epochs_ending_at_the_best():
    texts, labels = _order_data(120)
    val = _order_data(40, seed=1)
    one, p1 = _fit_recording(texts, labels, val, val[0], snapshots=1)
    two, p2 = _fit_recording(texts, labels, val, val[0], snapshots=2)
    best = two.history["best_epoch"]
    assert best == one.history["best_epoch"] and best >= 2          # the fixture must have two epochs to average
    for a, b in zip(p1, p2):                                         # the copies do not change the training
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(one.predict_proba(val[0]), p1[best - 1], atol=1e-6)      # the old behaviour
    np.testing.assert_allclose(two.predict_proba(val[0]), (p2[best - 2] + p2[best - 1]) / 2, atol=1e-6)
    assert two.history["snapshot_epochs"] == [best - 1, best] and "snapshot_epochs" not in one.history
    assert isinstance(two.net, SnapshotEnsemble) and isinstance(one.net, TextClassifierNet)


def test_without_validation_the_last_epochs_are_averaged_and_a_single_epoch_is_the_network():
    texts, labels = _order_data(60)
    probe = texts[:15]
    clf, seen = _fit_recording(texts, labels, (None, None), probe, snapshots=3, val_fraction=0.0)
    assert len(seen) == 5 and clf.history["snapshot_epochs"] == [3, 4, 5]
    np.testing.assert_allclose(clf.predict_proba(probe), sum(seen[2:]) / 3, atol=1e-6)
    single = TextClassifier(TextClassifierConfig(**{**CFG, "val_fraction": 0.0, "epochs": 1, "snapshots": 2})
                            ).fit(texts, labels)
    assert isinstance(single.net, TextClassifierNet) and single.history["snapshot_epochs"] == [1]


class _Trainer:
    """What EpochWeights reads: the module, and the early-stopping callback's best epoch."""

    def __init__(self, module, best):
        self.module, self.es = module, type("ES", (), {"best_epoch": best})()
        self.callbacks = self

    def first(self, cls):
        return self.es


def test_only_the_epochs_that_can_still_be_averaged_are_kept():
    net = torch.nn.Linear(2, 2)
    keep = EpochWeights(2)
    trainer = _Trainer(net, None)
    kept = []
    for epoch, best in enumerate([1, 2, 3, 3, 3, 6]):          # best epoch after each epoch (1-based)
        trainer.es.best_epoch = best
        with torch.no_grad():
            net.weight.fill_(epoch + 1)
        keep.on_epoch_end(trainer, epoch, {})
        kept.append(sorted(keep.weights))
    assert kept == [[1], [1, 2], [2, 3], [2, 3, 4], [2, 3, 4, 5], [5, 6]]
    assert keep.epochs(6) == [5, 6]
    ens, epochs = keep.ensemble(net, 6)
    assert epochs == [5, 6] and float(ens.members[0].weight.detach()[0, 0]) == 5 and ens.members[1] is net


def test_saves_loads_identically_and_refuses_a_flipped_byte(tmp_path, flip_byte):
    texts, labels = _order_data(80)
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "epochs": 3}, snapshots=2)).fit(texts, labels)
    assert isinstance(clf.net, SnapshotEnsemble)
    clf.save(tmp_path / "run")
    again = TextClassifier.load(tmp_path / "run")
    assert isinstance(again.net, SnapshotEnsemble) and len(again.net.members) == 2
    np.testing.assert_array_equal(again.predict_proba(texts[:20]), clf.predict_proba(texts[:20]))
    flip_byte(tmp_path / "run" / "model.safetensors")
    with pytest.raises(CheckpointError):
        TextClassifier.load(tmp_path / "run")


def test_run_saved_before_the_field_loads_as_the_single_network_it_was(tmp_path):
    texts, labels = _order_data(60)
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "epochs": 2}, snapshots=1, combine=False)).fit(texts, labels)
    clf.save(tmp_path / "run")
    meta = json.loads((tmp_path / "run" / "config.json").read_text())
    del meta["config"]["snapshots"]
    del meta["state"]["snapshots"]
    (tmp_path / "run" / "config.json").write_text(json.dumps(meta))
    write_digests(tmp_path / "run", sorted(json.loads((tmp_path / "run" / "digests.json").read_text())["sha256"]))
    again = TextClassifier.load(tmp_path / "run")
    assert again.config.snapshots == 1 and isinstance(again.net, TextClassifierNet)
    np.testing.assert_array_equal(again.predict_proba(texts[:10]), clf.predict_proba(texts[:10]))


@pytest.mark.parametrize("value, error", [(0, ConfigError), (1.5, InputTypeError), ("2", InputTypeError)])
def test_bad_snapshots_are_refused_in_one_line(value, error):
    with pytest.raises(error, match="snapshots") as e:
        TextClassifierConfig(snapshots=value)
    assert "\n" not in str(e.value)


def test_the_exported_graph_gives_the_ensembles_probabilities(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from rnnkit.export import export

    texts, labels = _order_data(60)
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "epochs": 2}, snapshots=2)).fit(texts, labels)
    assert isinstance(clf.net, SnapshotEnsemble)
    export(clf, tmp_path / "c.onnx")
    probe = texts[:5]
    ids = clf._encode(probe)          # the units the run reads (wordpieces with the default embeddings)
    T = max(map(len, ids))
    batch = np.array([s + [0] * (T - len(s)) for s in ids], np.int64)
    sess = ort.InferenceSession(str(tmp_path / "c.onnx"), providers=["CPUExecutionProvider"])
    _, probs = sess.run(None, {"ids": batch, "lengths": np.array([len(s) for s in ids], np.int64)})
    single = clf.net.members[-1]                       # the best epoch alone differs: the graph is the mean
    with torch.no_grad():
        alone = torch.softmax(single(torch.tensor(batch), torch.tensor([len(s) for s in ids])), -1).numpy()
    assert np.abs(probs - clf.predict_proba(probe)).max() <= 1e-5 < np.abs(probs - alone).max()
