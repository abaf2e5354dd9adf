"""The docs' Python examples run as written (session 10; tests/test_readme.py does the same for README.md).

Every ```python block of ``docs/*.md`` (``results*.md`` aside: measurements, not examples) is executed in
order, one namespace per file, in a temporary working folder (the examples write ``runs/...``, ``*.onnx``,
``*.png``); a block written as a doctest (``>>>``) runs through ``doctest``. What a block leaves to the reader
(data loaders, a fitted classifier's graph, new observations) comes from ``GIVEN``, defined here: a new block
that needs a name nobody defines fails with a NameError, it is never skipped. After each block, ``CHECKS``
holds what its comments claim (shapes, keys, files, the claims of the prose beside it) against the objects
it made. ``SHRINK`` lists the blocks too slow to run as written here, with why and the exact text replaced
(each replacement must match once, so an edit of the doc shows up here).
"""

from __future__ import annotations

import doctest
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

DOCS = Path(__file__).resolve().parents[1] / "docs"

pytestmark = pytest.mark.usefixtures("one_thread_module")

# The docs with Python blocks and how many each has: a new block (or doc) fails here until its GIVEN / CHECKS are
# written.
BLOCKS = {"deploy.md": 2, "design.md": 1, "experiments.md": 1, "forecasting.md": 1, "hopfield.md": 1, "scan.md": 1,
          "tasks.md": 1, "training.md": 5}

SHRINK = {
    # run as written (helper D, session 10): 566 s on the shared 2-core machine (LSTM at T=200 for 3,000 steps,
    # then 3 cells x 1,500 steps at T=100); the same calls on short sequences and few steps check the API and keys
    ("experiments.md", 0): [("length=200, steps=3000", "length=20, steps=40"),
                            ("length=100, steps=1500", "length=20, steps=40")],
}


def _blocks(doc: str) -> list[str]:
    text = (DOCS / doc).read_text()
    return [m.group(1) for m in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M)]


def _shrunk(doc: str, index: int, code: str) -> str:
    for old, new in SHRINK.get((doc, index), []):
        assert code.count(old) == 1, f"{doc} block {index}: SHRINK expects {old!r} once; update the test"
        code = code.replace(old, new)
    return code


# ----------------------------------------------------------------------------------------------- training.md
def _sequences(n=32, t=12):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, t, 3, generator=g)
    return x, x.cumsum(1)[..., :1] / 4              # a target at every step: the running sum of feature 0


def _given_training_data(ns):
    x, y = _sequences()
    batches = [(x[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8)]
    return {"train_loader": batches, "val_loader": batches[:1]}


def _check_fit(ns):
    result, rows = ns["result"], ns["result"].history
    assert {"epoch", "step", "lr", "train_loss", "train_mae", "val_loss", "val_mae", "time_s"} <= set(rows[0])
    assert set(result.best) == {"monitor", "value", "epoch"} and result.best["monitor"] == "val_loss"
    best = min(rows, key=lambda r: r["val_loss"])
    assert (result.best["epoch"], result.best["value"]) == (best["epoch"], best["val_loss"])
    assert result.stop_reason in ("patience", "epochs") and len(rows) == result.epochs_run <= 50
    run = Path("runs/demo")                           # the run folder of "Run folder, checkpoints and resume"
    assert {"config.json", "model.safetensors", "metrics.jsonl", "digests.json", "checkpoints"} <= \
        {p.name for p in run.iterdir()}
    latest = json.loads((run / "checkpoints/latest.json").read_text())
    assert {p.name for p in (run / "checkpoints" / latest["name"]).iterdir()} == \
        {"model.safetensors", "state.safetensors", "state.json", "digests.json"}
    assert json.loads((run / "config.json").read_text())["train"]["epochs"] == 50


def _given_callback_block(ns):
    return {"model": ns["Net"](), "cfg": ns["TrainConfig"](epochs=3, quiet=True)}


def _check_stop_when_perfect(ns):
    """The block only builds a Trainer; its comment's claim: val_acc == 1.0 ends the fit with reason 'perfect'."""
    x, _ = _sequences(8)

    def acc_loss(model, batch):
        out, _ = model(batch)
        return out.pow(2).mean(), {"acc": torch.tensor(1.0)}

    trainer = ns["Trainer"](ns["Net"](), acc_loss, config=ns["TrainConfig"](epochs=4, quiet=True),
                            callbacks=[ns["StopWhenPerfect"]()])
    result = trainer.fit([x], [x])
    assert (result.stop_reason, result.stopped_early, result.epochs_run) == ("perfect", True, 1)


def _check_tbptt(ns):
    """``state is None for the first chunk of a batch``; one optimizer step per chunk."""
    seen = []

    def recording(model, chunk, state):
        seen.append((state is None, chunk[0].shape[1]))
        return ns["step_fn"](model, chunk, state)

    x, y = _sequences(8)
    result = ns["Trainer"](ns["Net"](), step_fn=recording,
                           config=ns["TrainConfig"](tbptt_k=5, time_dim=1, epochs=1, quiet=True)).fit([(x, y)] * 2)
    assert seen == [(True, 5), (False, 5), (False, 2)] * 2 and result.global_step == 6


def _given_gradflow_block(ns):
    return {"model": ns["Net"](), "batch": _given_training_data(ns)["train_loader"][0]}


def _check_gradflow(ns):
    norms, batch = ns["rec"].norms, ns["batch"]
    assert set(norms) == {"LSTM.l0.fwd"} and norms["LSTM.l0.fwd"].shape == batch[0].shape[1::-1]   # (T, B)
    summary = ns["summarize_gradient_flow"](norms)["LSTM.l0.fwd"]
    n = norms["LSTM.l0.fwd"].double()
    per_seq = n[0] / n[-1]                                                  # every sequence is full length here
    assert summary.ratio == pytest.approx(float(per_seq.quantile(0.5)))    # "ratio is the median of r_b"
    assert summary.min_ratio == pytest.approx(float(per_seq.min()))
    assert summary.max_ratio == pytest.approx(float(per_seq.max()))
    expected = "exploding" if summary.max_ratio > 1e3 else "vanishing" if summary.min_ratio < 1e-3 else "ok"
    assert summary.flag == expected                                        # the doc's thresholds
    assert Path("gradflow.png").stat().st_size > 0


def _given_ddp_block(ns):
    x, y = _sequences()
    return {"dataset": torch.utils.data.TensorDataset(x, y)}


def _check_ddp(ns):
    env = ns["env"]                                   # without torchrun: one process, nothing initialised
    assert (env.world_size, env.rank, ns["dist"].is_distributed()) == (1, 0, False)
    assert ns["result"].epochs_run == 10 and len(ns["loader"]) == 1 and Path("runs/ddp/model.safetensors").is_file()


# ------------------------------------------------------------------------------------------------- deploy.md
def _check_exports(ns):
    import onnxruntime as ort

    sess = ort.InferenceSession("lstm.onnx", providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["x", "h0", "c0", "lengths"]
    assert [o.name for o in sess.get_outputs()] == ["output", "h_n", "c_n"]
    x = torch.randn(3, 7, 3)                          # neither the traced size (2, 5) nor a checked one
    lengths = torch.tensor([7, 2, 5])
    got = sess.run(None, {"x": x.numpy(), "lengths": lengths.numpy(),
                          "h0": np.zeros((4, 3, 64), np.float32), "c0": np.zeros((4, 3, 64), np.float32)})
    want = ns["lstm"].eval()(x, lengths=lengths)
    np.testing.assert_allclose(got[0], want[0].detach().numpy(), atol=1e-5)
    sess = ort.InferenceSession("model.onnx", providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["x", "lengths"]
    assert sess.run(None, {"x": x.numpy(), "lengths": lengths.numpy()})[0].shape == (3, 2)
    assert torch.export.load("model.pt2").module()(torch.randn(2, 5, 3)).shape == (2, 2)


def _given_classifier_graph(ns):
    """``clf.onnx`` exported from a small fitted text classifier, and a padded batch of its ids."""
    from rnnkit.data.vocab import tokenize
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts, labels = _texts()
    cfg = TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=2, batch_size=8, val_fraction=0.0,
                               progress=False, embeddings="own")   # word units: the graph reads vocab.json ids
    clf = TextClassifier(cfg).fit(texts, labels)
    res = ns["rnnkit"].export(clf, "clf.onnx")
    new = ["good nice fine great", "bad", "awful terrible but nice"]
    ids = [clf.vocab.encode(tokenize(t, res.meta["tokenizer"], cfg.lowercase)) for t in new]
    width = max(map(len, ids))
    return {"ids": np.array([s + [0] * (width - len(s)) for s in ids]), "lengths": np.array([len(s) for s in ids]),
            "_clf": clf, "_new": new}


def _check_classifier_graph(ns):
    probs, clf = ns["probs"], ns["_clf"]
    assert ns["logits"].shape == probs.shape == (3, len(clf.classes))
    np.testing.assert_allclose(probs, clf.predict_proba(ns["_new"]), atol=1e-5)


# ---------------------------------------------------------------------------------------------- the others
def _check_design(ns):
    pass                                              # the doctest's own outputs are its checks


def _documented_keys(doc: str, heading: str) -> set[str]:
    """The backquoted names in the first column of the table under ``heading``."""
    section = (DOCS / doc).read_text().split(heading, 1)[1]
    rows = re.findall(r"^\| ([^|]*) \|", section.split("\n\n|", 1)[1].split("\n\n", 1)[0], re.M)
    return {k for row in rows for k in re.findall(r"`(\w+)`", row)}


def _check_experiments(ns):
    r, s = ns["r"], ns["s"]
    assert set(r) == _documented_keys("experiments.md", "### What a run reports")    # the table of keys
    assert r["baseline"] == {"mse": pytest.approx(1 / 6)} and set(r["metrics"]) == {"mse"}
    assert r["steps_to_solve"] is None or r["steps_to_solve"] <= r["steps"]
    assert {"result.json", "curve.png", "gradflow.png"} <= {p.name for p in Path("runs/adding-lstm").iterdir()}
    assert [row["cell"] for row in s["rows"]] == ["elman", "lstm", "gru"]
    assert all(c in s["table"] for c in ("elman", "lstm", "gru"))


def _given_new_weeks(ns):
    import pandas as pd

    return {"new_weeks": pd.Series([371.6, 371.8], index=pd.date_range("2002-01-05", periods=2, freq="W-SAT"))}


def _check_forecasting(ns):
    import pandas as pd

    f, fc, g = ns["f"], ns["fc"], ns["g"]
    assert list(fc.columns) == ["id", "time", "value", "lower", "upper", "q0.1", "q0.5", "q0.9"] and len(fc) == 52
    assert isinstance(ns["y"].index, pd.DatetimeIndex) and ns["y"].index.freqstr == "W-SAT"
    assert "auto" in ns["bt"].table() and f.summary()["report"]["why"]
    after = f.predict()                               # the forecast from the new end, which the saved run keeps
    assert after["time"].iloc[0] == ns["new_weeks"].index[-1] + pd.Timedelta(weeks=1)
    pd.testing.assert_frame_equal(g.predict(), after)
    assert Path("co2.png").stat().st_size > 0


def _check_hopfield(ns):
    r, cues, net = ns["r"], ns["cues"], ns["net"]
    B, N = cues.shape
    assert r.states.shape == (B, N) and all(t.shape == (B,) for t in (r.steps, r.fixed_point, r.two_cycle, r.energy))
    assert bool(r.fixed_point.all())                  # async recall always ends at a fixed point
    torch.testing.assert_close(net.energy(cues), -0.5 * torch.einsum("bi,ij,bj->b", cues, net.weights, cues))
    assert bool((net.recall(ns["X"], mode="async", seed=0).steps == 1).all())   # a stored pattern: one sweep
    m = ns["m"]
    assert m.states.shape == (5, 64) and m.attention.shape == (5, 1000) and m.converged.shape == (5,)
    assert ns["outputs"].shape == (4, 10, 8) and ns["pooled"].shape == (4, 8)
    ns["pooled"].sum().backward()                     # differentiable, down to the LSTM
    assert all(p.grad is not None for p in ns["lstm"].parameters())
    net.store(ns["X"][:2])                            # "store() again adds more patterns"
    assert net.n_patterns == len(ns["X"]) + 2


def _check_scan(ns):
    assert ns["y"].shape == (8, 500, 128) and ns["h"].shape == (4, 8, 64)
    lm, xs = ns["lm"], torch.randn(20, 1, 32)         # streaming equals the full-sequence call
    state, steps = None, []
    for x_t in xs:
        y_t, state = lm.step(x_t, state)
        steps.append(y_t)
    full, last = lm(xs)
    torch.testing.assert_close(torch.stack(steps), full)
    torch.testing.assert_close(state, last)


def _texts():
    pos, neg = ["good", "fine", "nice", "great"], ["bad", "awful", "terrible", "poor"]
    texts = [f"{pos[i % 4]} {pos[(i + 1) % 4]}" if i % 2 else f"{neg[i % 4]} {neg[(i + 3) % 4]}" for i in range(36)]
    return texts, ["pos" if i % 2 else "neg" for i in range(36)]


def _given_task(ns):
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    inputs, targets = _texts()
    return {"TextClassifier": TextClassifier, "TextClassifierConfig": TextClassifierConfig, "inputs": inputs,
            "targets": targets}


def _check_task(ns):
    task, inputs, targets = ns["task"], ns["inputs"], ns["targets"]
    pred, proba = task.predict(inputs), task.predict_proba(inputs)
    assert len(pred) == len(inputs) and proba.shape == (len(inputs), len(task.classes))
    assert pred == [task.classes[i] for i in np.asarray(proba).argmax(1)]       # columns = task.classes
    scores = task.evaluate(inputs, targets)
    assert "accuracy" in scores and set(scores["baselines"]) == set(task.baselines) != set()
    assert ns["TextClassifier"].load("runs/x").predict(inputs) == pred


# (doc, block index) -> names the block leaves to the reader, made from the namespace so far
GIVEN = {("training.md", 0): _given_training_data, ("training.md", 1): _given_callback_block,
         ("training.md", 2): lambda ns: {"loader": _given_training_data(ns)["train_loader"]},
         ("training.md", 3): _given_gradflow_block, ("training.md", 4): _given_ddp_block,
         ("deploy.md", 1): _given_classifier_graph, ("forecasting.md", 0): _given_new_weeks,
         ("tasks.md", 0): _given_task}

CHECKS = {("training.md", 0): _check_fit, ("training.md", 1): _check_stop_when_perfect,
          ("training.md", 2): _check_tbptt, ("training.md", 3): _check_gradflow, ("training.md", 4): _check_ddp,
          ("deploy.md", 0): _check_exports, ("deploy.md", 1): _check_classifier_graph,
          ("design.md", 0): _check_design, ("experiments.md", 0): _check_experiments,
          ("forecasting.md", 0): _check_forecasting, ("hopfield.md", 0): _check_hopfield,
          ("scan.md", 0): _check_scan, ("tasks.md", 0): _check_task}


def test_every_doc_with_python_blocks_is_listed():
    found = {p.name: len(_blocks(p.name)) for p in sorted(DOCS.glob("*.md")) if not p.name.startswith("results")}
    assert {d: n for d, n in found.items() if n} == BLOCKS, "a doc's Python blocks changed: add GIVEN / CHECKS here"
    assert set(CHECKS) == {(d, i) for d, n in BLOCKS.items() for i in range(n)}


@pytest.fixture()
def scratch_cells():
    """The design doc registers a cell; the registries are process-wide, so put them back afterwards."""
    from rnnkit.cells import base
    from rnnkit.layers import registry

    cells, layers = dict(base._REGISTRY), dict(registry._LAYERS)
    yield
    base._REGISTRY.clear(), base._REGISTRY.update(cells)
    registry._LAYERS.clear(), registry._LAYERS.update(layers)


@pytest.mark.parametrize("doc", sorted(BLOCKS))
def test_doc_python_blocks_run(doc, tmp_path, monkeypatch, scratch_cells):
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    for i, code in enumerate(_blocks(doc)):
        if (doc, i) in GIVEN:
            ns.update(GIVEN[doc, i](ns))
        code = _shrunk(doc, i, code)
        if code.lstrip().startswith(">>>"):
            test = doctest.DocTestParser().get_doctest(code, dict(ns), f"{doc} block {i}", str(DOCS / doc), 0)
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
            runner.run(test, clear_globs=False)
            ns.update(test.globs)
            assert runner.failures == 0 and runner.tries == len(test.examples) > 0, f"{doc} block {i}"
        else:
            exec(compile(code, f"docs/{doc} (block {i})", "exec"), ns)  # noqa: S102 - the doc's own code
        CHECKS[doc, i](ns)
