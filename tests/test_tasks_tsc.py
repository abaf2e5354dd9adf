"""Time-series classification: readers (.ts checked against sktime's own loader, long CSV), learning on
generated variable-length series, masking invariance, save/load, bad input, CLI, and a small real run on
JapaneseVowels (skipped when sktime is not installed)."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
import torch

from rnnkit.cli.main import main
from rnnkit.data.batching import pad_sequences
from rnnkit.data.tsc import read_long_csv, read_ts
from rnnkit.errors import CheckpointError, ConfigError, DataError
from rnnkit.tasks.common import accuracy
from rnnkit.tasks.tsc import OneNNEuclidean, TimeSeriesClassifier, TSCConfig, resample

HAS_SKTIME = importlib.util.find_spec("sktime") is not None
needs_sktime = pytest.mark.skipif(not HAS_SKTIME, reason="sktime not installed "
                                  "(pip install --no-deps sktime==1.2.0 scikit-base==1.1.1)")


pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)


FAST = dict(hidden_size=16, epochs=25, batch_size=16, lr=1e-2, val_fraction=0.0, progress=False)


def _series(n: int, seed: int = 0):
    """Two channels; class 'up' rises then falls in channel 0, 'down' the reverse; random lengths."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for i in range(n):
        T = int(rng.integers(8, 30))
        t = np.linspace(0, 1, T)
        up = i % 2 == 0
        c0 = np.sin(np.pi * t) * (1 if up else -1)
        X.append(np.stack([c0, rng.normal(size=T)], 1).astype(np.float32) + rng.normal(0, 0.3, (T, 2)).astype(np.float32))
        y.append("up" if up else "down")
    return X, y


def _write_ts(path, X, y):
    lines = ["@problemName toy", "@univariate false", f"@dimensions {X[0].shape[1]}", "@equalLength false",
             "@classLabel true up down", "@data"]
    for x, lab in zip(X, y):
        lines.append(":".join(",".join(f"{v:.6f}" for v in x[:, c]) for c in range(x.shape[1])) + f":{lab}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_rnn_and_baseline_learn_generated_series():
    X, y = _series(120)
    Xt, yt = _series(60, seed=1)
    torch.manual_seed(0)
    clf = TimeSeriesClassifier(TSCConfig(**FAST)).fit(X, y)
    assert accuracy(yt, clf.predict(Xt)) >= 0.9
    assert accuracy(yt, OneNNEuclidean().fit(X, y).predict(Xt)) >= 0.8


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan])
def test_missing_label_is_a_data_error_naming_the_row(missing):
    X, y = _series(20)
    y[3] = missing
    with pytest.raises(DataError, match=r"y\[3\]: expected a label, got a missing value"):
        TimeSeriesClassifier(TSCConfig(**{**FAST, "epochs": 1})).fit(X, y)


def test_training_order_changes_every_epoch():
    from test_tasks_classification import assert_new_order_every_epoch

    X, y = _series(48)
    clf = TimeSeriesClassifier(TSCConfig(**{**FAST, "epochs": 3}))
    assert_new_order_every_epoch(clf, lambda: clf.fit(X, y), 48)


def test_resample_endpoints_and_identity():
    x = np.arange(5, dtype=np.float32)[:, None]
    assert np.allclose(resample(x, 9)[:, 0], np.linspace(0, 4, 9))
    assert resample(x, 5) is x


@pytest.mark.parametrize("pooling", ["last", "max", "mean"])
def test_padding_does_not_change_predictions(pooling):
    X, y = _series(32)
    clf = TimeSeriesClassifier(TSCConfig(**{**FAST, "epochs": 1}, pooling=pooling)).fit(X, y)
    Xs = clf._prepare([X[0], X[1]])
    xb, L = pad_sequences(Xs, dtype=torch.float32)
    with torch.no_grad():
        together = clf.net(xb, L)
        alone = clf.net(torch.from_numpy(Xs[0])[None], torch.tensor([len(Xs[0])]))
        padded_more = clf.net(torch.cat([xb, torch.randn(2, 5, 2)], 1), L)
    torch.testing.assert_close(together[:1], alone)
    torch.testing.assert_close(together, padded_more)


def test_save_load_identical_and_bad_inputs(tmp_path):
    X, y = _series(40)
    clf = TimeSeriesClassifier(TSCConfig(**{**FAST, "epochs": 2})).fit(X, y)  # + its 1-NN baseline
    base = OneNNEuclidean().fit(X, y)
    clf.save(tmp_path / "run")
    again = TimeSeriesClassifier.load(tmp_path / "run")
    assert (again.predict_proba(X) == clf.predict_proba(X)).all()
    assert again.baseline.predict(X) == base.predict(X)
    with pytest.raises(DataError, match="expected 2 channels, got 3"):
        clf.predict([np.zeros((5, 3), np.float32)])
    bad = X[0].copy()
    bad[2, 0] = np.nan
    with pytest.raises(DataError, match="finite"):
        clf.predict([bad])
    m = clf.evaluate(X[:2], ["up", "sideways"])  # a label unseen in training: an error, counted
    assert m["unseen_labels"] == 1 and m["unseen_label_names"] == ["sideways"] and m["accuracy"] <= 0.5
    with pytest.raises(DataError, match="2-D array"):
        clf.predict([np.zeros(5, np.float32)])
    with pytest.raises(DataError, match="at most max_len=4"):
        TimeSeriesClassifier(TSCConfig(**FAST, max_len=4, on_long="error")).fit(X, y)
    with pytest.raises(ConfigError, match="pooling"):
        TSCConfig(model="feedforward", pooling="last")
    from rnnkit.tasks.classification import TextClassifier

    with pytest.raises(CheckpointError, match="expected a 'classify' run folder, got a 'tsc' run"):
        TextClassifier.load(tmp_path / "run")


def test_long_csv_and_ts_readers(tmp_path):
    X, y = _series(5)
    rows = ["id,time,label,a,b"]
    for i, (x, lab) in enumerate(zip(X, y)):
        for t in reversed(range(len(x))):  # unordered time steps are sorted
            rows.append(f"s{i},{t},{lab},{x[t, 0]},{x[t, 1]}")
    (tmp_path / "long.csv").write_text("\n".join(rows) + "\n")
    X2, y2 = read_long_csv(tmp_path / "long.csv")
    assert y2 == y and all(np.allclose(a, b) for a, b in zip(X, X2))
    (tmp_path / "bad.csv").write_text("id,time,label,a\ns0,0,up,1\ns0,1,down,2\n")
    with pytest.raises(DataError, match="one label per series"):
        read_long_csv(tmp_path / "bad.csv")
    with pytest.raises(DataError, match=r"expected column\(s\) \['t'\]"):
        read_long_csv(tmp_path / "long.csv", time_col="t")
    _write_ts(tmp_path / "x.ts", X, y)
    X3, y3 = read_ts(tmp_path / "x.ts")
    assert y3 == y and all(np.allclose(a, b, atol=1e-5) for a, b in zip(X, X3))
    with pytest.raises(DataError, match="expected 2 channels at line 3"):
        read_ts(text="@data\n1,2:3,4:a\n1,2:b\n")


@needs_sktime
def test_ts_reader_matches_sktime_loader():
    from sktime.datasets import load_japanese_vowels

    from rnnkit.data.tsc import load_ucr

    Xs, ys = load_japanese_vowels(split="train", return_type="nested_univ")
    d = load_ucr("japanese-vowels")
    assert len(d.X_train) == len(Xs) == 270 and len(d.X_test) == 370
    assert [str(v) for v in ys] == d.y_train
    for i in (0, 1, 137, 269):
        ref = np.stack([Xs.iloc[i, c].to_numpy() for c in range(12)], 1)
        np.testing.assert_allclose(d.X_train[i], ref, rtol=1e-6)
    assert {len(x) for x in d.X_train} != {len(d.X_train[0])}  # variable length


@needs_sktime
def test_japanese_vowels_small_run_beats_chance_by_far():
    from rnnkit.data.tsc import load_ucr

    d = load_ucr("japanese-vowels")
    torch.manual_seed(0)
    clf = TimeSeriesClassifier(TSCConfig(hidden_size=32, epochs=8, lr=1e-2, val_fraction=0.0, progress=False))
    clf.fit(d.X_train, d.y_train)
    idx = list(range(0, 370, 3))
    acc = accuracy([d.y_test[i] for i in idx], clf.predict([d.X_test[i] for i in idx]))
    assert acc >= 0.8, acc  # 9 classes: chance is ~0.11
    g = load_ucr("gunpoint")
    assert len(g.X_train) == 50 and g.X_train[0].shape == (150, 1)


def test_cli_train_predict_evaluate(tmp_path, capsys):
    X, y = _series(60)
    _write_ts(tmp_path / "train.ts", X[:40], y[:40])
    _write_ts(tmp_path / "test.ts", X[40:], y[40:])
    run = tmp_path / "run"
    assert main(["tsc", "train", "--ts", str(tmp_path / "train.ts"), "--test-ts", str(tmp_path / "test.ts"),
                 "--out", str(run), "--epochs", "3", "--hidden-size", "8", "--quiet", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "accuracy" in out["metrics"] and "accuracy" in out["baseline"]
    assert main(["tsc", "predict", "--run", str(run), "--ts", str(tmp_path / "test.ts"), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["predictions"]) == 20
    assert main(["tsc", "evaluate", "--run", str(run), "--ts", str(tmp_path / "test.ts"), "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert set(ev) >= {"metrics", "baseline"} and "accuracy" in ev["baseline"]
    (tmp_path / "empty.ts").write_text("")
    assert main(["tsc", "evaluate", "--run", str(run), "--ts", str(tmp_path / "empty.ts")]) == 1
    assert "non-empty" in capsys.readouterr().err
    assert main(["tsc", "predict", "--run", str(run)]) == 2
    capsys.readouterr()
    # evaluate without a data flag: the held-out part is a file of its own, and the message named --test-ts, a flag
    # evaluate does not take (session 19, helper N): it says which flag scores it
    assert main(["tsc", "evaluate", "--run", str(run)]) == 2
    assert f"score it with --ts {str(tmp_path / 'test.ts')!r}" in capsys.readouterr().err


def test_patch_shortens_series_and_keeps_values():
    from rnnkit.tasks.tsc import _patchify

    x = np.arange(14, dtype=np.float32).reshape(7, 2)
    p = _patchify(x, 3)
    assert p.shape == (3, 6) and p[0].tolist() == [0, 1, 2, 3, 4, 5] and p[2].tolist() == [12, 13] * 3
    X, y = _series(20)
    clf = TimeSeriesClassifier(TSCConfig(**{**FAST, "epochs": 1}, patch=4)).fit(X, y)
    assert clf.net.encoder.rnn.input_size == 8 and len(clf.predict(X)) == 20
