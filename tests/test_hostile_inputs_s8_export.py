"""Export of a time-series classifier (session 8): no test exported a tsc network before. The graph is
fed as docs/deploy.md says a user must feed it -- standardised with the sidecar's mean/std, windows of
``patch`` steps side by side with the last window filled by the series' last step, ``lengths`` in
windows -- on real series cut to different lengths in one padded batch, and must give the run's
``predict_proba``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")


def _as_the_doc_says(x: np.ndarray, mean: np.ndarray, std: np.ndarray, k: int) -> np.ndarray:
    z = (x - mean) / std
    n = -(-len(z) // k)
    return np.concatenate([z, np.repeat(z[-1:], n * k - len(z), 0)], 0).reshape(n, -1)


def test_a_patched_tsc_run_exports_and_the_graph_fed_as_documented_gives_predict_proba(tmp_path):
    import rnnkit
    from rnnkit.data.tsc import load_ucr
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    torch.manual_seed(0)
    data = load_ucr("gunpoint")                                       # real series of 150 steps
    X, y = data.X_train[:24], data.y_train[:24]
    clf = TimeSeriesClassifier(TSCConfig(hidden_size=8, patch=4, epochs=2, val_fraction=0.0, progress=False))
    clf.fit(X, y)
    res = rnnkit.export(clf, tmp_path / "tsc.onnx")
    side = json.loads((tmp_path / "tsc.onnx.json").read_text())["meta"]
    assert side["task"] == "tsc" and side["patch"] == 4 and res.outputs == ["logits", "probabilities"]
    mean, std = np.asarray(side["mean"]), np.asarray(side["std"])
    series = [np.asarray(x, np.float64)[:n] for x, n in zip(data.X_test, (150, 97, 41, 6, 5, 1))]
    windows = [_as_the_doc_says(x, mean, std, side["patch"]) for x in series]    # 150 % 4 != 0: a filled tail
    batch = np.zeros((len(windows), max(map(len, windows)), windows[0].shape[1]), np.float32)
    for i, w in enumerate(windows):
        batch[i, :len(w)] = w
    sess = ort.InferenceSession(str(tmp_path / "tsc.onnx"), providers=["CPUExecutionProvider"])
    _, probs = sess.run(None, {"x": batch, "lengths": np.array([len(w) for w in windows], np.int64)})
    want = np.asarray(clf.predict_proba(series))
    assert probs.shape == want.shape and np.abs(probs - want).max() <= 1e-5
    assert side["classes"] == clf.labels.tokens
