"""Session 17, helper S: exported graphs used from their FILE.json alone (each test fails on the code before its
fix)."""

import json

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def _windows(x: np.ndarray, patch: int) -> np.ndarray:
    """docs/deploy.md's recipe: ceil(T / k) windows of k steps side by side, the last filled with the last step."""
    n = -(-len(x) // patch)
    x = np.concatenate([x, np.repeat(x[-1:], n * patch - len(x), 0)], 0)
    return x.reshape(n, patch * x.shape[1])


def test_a_tsc_graph_says_its_max_len_so_long_series_get_the_runs_probabilities(tmp_path):
    import torch

    from rnnkit import export
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = [np.sin(np.linspace(0, f, 30))[:, None] + 0.1 * rng.standard_normal((30, 2)) for f in (2, 9) * 8]
    y = ["slow", "fast"] * 8
    with pytest.warns(UserWarning):   # truncation (and possibly 'did not learn'): not what is tested
        clf = TimeSeriesClassifier(TSCConfig(model="rnn", epochs=2, hidden_size=4, max_len=7, patch=2,
                                             progress=False)).fit(X, y)
    export(clf, tmp_path / "t.onnx")
    meta = json.loads((tmp_path / "t.onnx.json").read_text())["meta"]
    assert (meta["max_len"], meta["on_long"]) == (7, "truncate")   # was absent: the graph read all 30 steps
    series = [X[0], X[1][:13], X[2][:5]]
    cut = [s[: meta["max_len"]] for s in series]                   # what FILE.json now says to do
    std = [(s - np.array(meta["mean"])) / np.array(meta["std"]) for s in cut]
    win = [_windows(s.astype(np.float32), meta["patch"]) for s in std]
    T = max(len(w) for w in win)
    batch = np.stack([np.concatenate([w, np.zeros((T - len(w), w.shape[1]), np.float32)]) for w in win])
    sess = ort.InferenceSession(str(tmp_path / "t.onnx"), providers=["CPUExecutionProvider"])
    with pytest.warns(UserWarning, match="truncated"):
        want = clf.predict_proba(series)
    _, probs = sess.run(None, {"x": batch.astype(np.float32), "lengths": np.array([len(w) for w in win], np.int64)})
    assert np.abs(probs - want).max() <= 1e-5


def test_load_runner_checks_its_format_and_the_files_recorded_sha256(tmp_path):
    import torch

    import rnnkit
    from rnnkit.errors import CheckpointError, ConfigError, InputTypeError
    from rnnkit.export import export, load_runner

    gru = rnnkit.GRU(3, 4, batch_first=True).eval()
    path = tmp_path / "m.onnx"
    export(gru, path, state=False)
    x = torch.randn(2, 5, 3)
    with torch.no_grad():
        want = gru(x)[0].numpy()
    assert np.abs(load_runner(path, "onnx")(x)[0] - want).max() <= 1e-5     # the intact file runs
    with pytest.raises(ConfigError, match=r"^format: expected one of \['onnx', 'torch-export'\], got 'ONNX'"):
        load_runner(path, "ONNX")                 # was read as a torch-export archive: 'File is not a zip file'
    with pytest.raises(InputTypeError, match=r"^format: expected one of"):
        load_runner(path, ["onnx"])
    data = bytearray(path.read_bytes())
    data[-200] ^= 0x55                            # one byte of the weights: the file still parses
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"^path: expected the file m\.onnx\.json describes"):
        load_runner(path, "onnx")                 # loaded and ran with the edited weights, silently
    path.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(CheckpointError, match=r"edited, truncated or replaced"):
        load_runner(path, "onnx")                 # was onnxruntime's InvalidProtobuf
