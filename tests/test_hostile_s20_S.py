"""Session 20, helper S: hostile inputs of export, service, Hopfield, tsc, training and experiments."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnnkit.errors import ConfigError


def test_optim_betas_take_a_numpy_pair_and_store_python_floats():
    # np.array([0.8, 0.9]) -- betas read from an array, a grid row -- was 'optim.betas: expected a pair of numbers in
    # [0, 1), got array([0.8, 0.9])' while each of its numbers alone was taken (the numpy-scalar rule)
    from rnnkit.training import OptimConfig, TrainConfig

    for pair in (np.array([0.8, 0.9]), np.array([0.8, 0.9], dtype=np.float32), np.array([0, 0])):
        cfg = OptimConfig("adamw", betas=pair)
        assert cfg.betas == tuple(float(b) for b in pair.tolist())
        assert all(type(b) is float for b in cfg.betas)
        t = TrainConfig(optim=cfg)
        assert TrainConfig.from_dict(json.loads(json.dumps(t.to_dict()))) == t   # JSON numbers, round trip
    # oracle: the same config from a tuple
    assert OptimConfig("adam", betas=np.array([0.5, 0.75])) == OptimConfig("adam", betas=(0.5, 0.75))
    # the checks behind it stay: a pair, numbers in [0, 1), no bools, a setting only adam/adamw read
    for bad in (np.array([0.9]), np.array([[0.8, 0.9]]), np.array([0.9, 1.0]), np.array([0.9, np.nan]),
                np.array([True, False]), np.array(["0.8", "0.9"])):
        with pytest.raises(ConfigError, match=r"^optim\.betas: expected"):
            OptimConfig("adam", betas=bad)
    with pytest.raises(ConfigError, match=r"^optim\.betas: expected the default"):
        OptimConfig("sgd", betas=np.array([0.5, 0.9]))


def test_tsc_evaluate_hint_names_the_held_out_file_from_any_working_folder(tmp_path, monkeypatch, capsys):
    # a run trained with a relative --test-ts recorded the path as typed, and evaluate's hint ('score it with --ts
    # PATH', 42bc41e) named a file that does not exist from another working folder
    from test_tasks_tsc import _series, _write_ts

    from rnnkit.cli.main import main

    X, y = _series(30)
    (tmp_path / "data").mkdir()
    _write_ts(tmp_path / "data" / "train.ts", X[:20], y[:20])
    _write_ts(tmp_path / "data" / "test.ts", X[20:], y[20:])
    monkeypatch.chdir(tmp_path / "data")
    assert main(["tsc", "train", "--ts", str(tmp_path / "data" / "train.ts"), "--test-ts", "test.ts", "--out", str(tmp_path / "run"),
                 "--epochs", "1", "--hidden-size", "4", "--quiet", "--json"]) == 0
    capsys.readouterr()
    monkeypatch.chdir(tmp_path)
    assert main(["tsc", "evaluate", "--run", "run"]) == 2
    err = capsys.readouterr().err
    assert f"score it with --ts {str(tmp_path / 'data' / 'test.ts')!r}" in err, err
    # the path named reads: the command the hint gives scores the held-out file
    assert main(["tsc", "evaluate", "--run", "run", "--ts", str(tmp_path / "data" / "test.ts"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"]["accuracy"] >= 0


def test_a_callback_raising_before_the_checkpointer_loses_nothing_a_resume_cannot_rerun(tmp_path):
    # documented in docs/training.md (session 20): the epoch whose on_epoch_end raised before the Checkpointer has
    # no checkpoint; a resume reruns it from the last one, the metric log keeps one row per epoch, and the weights
    # equal an uninterrupted run's (oracle: the same fit without the exception)
    import torch

    from rnnkit.training import Trainer, TrainConfig
    from rnnkit.training.callbacks import Callback

    class Boom(Callback):
        def __init__(self, order, armed):
            self.order, self.armed = order, armed

        def on_epoch_end(self, trainer, epoch, row):
            if epoch == 1 and self.armed:
                raise RuntimeError("boom")

    g = torch.Generator().manual_seed(0)
    data = [(torch.randn(4, 3, generator=g), torch.randn(4, 1, generator=g)) for _ in range(3)]

    def loss(m, b):
        return torch.nn.functional.mse_loss(m(b[0]), b[1])

    def model():
        torch.manual_seed(0)
        return torch.nn.Linear(3, 1)

    ref = model()
    Trainer(ref, loss, config=TrainConfig(epochs=3, quiet=True), run_dir=tmp_path / "ref",
            callbacks=[Boom(0, False)]).fit(data)
    for order in (0, 60):   # before the metric log (50) and between it and the Checkpointer (100)
        run = tmp_path / f"run{order}"
        with pytest.raises(RuntimeError, match="boom"):
            Trainer(model(), loss, config=TrainConfig(epochs=3, quiet=True), run_dir=run,
                    callbacks=[Boom(order, True)]).fit(data)
        assert json.loads((run / "checkpoints" / "latest.json").read_text())["step"] == 3   # epoch 1's checkpoint, none of epoch 2
        m = model()
        r = Trainer(m, loss, config=TrainConfig(epochs=3, quiet=True), run_dir=run,
                    callbacks=[Boom(order, False)]).fit(data, resume=True)
        assert r.epochs_run == 3 and r.global_step == 9
        rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        assert [row["epoch"] for row in rows] == [1, 2, 3]
        for p, q in zip(m.parameters(), ref.parameters()):
            torch.testing.assert_close(p, q, rtol=0, atol=0)


def _labelled_ts(path, X, labels, declared):
    lines = ["@problemName toy", "@univariate true", "@equalLength false",
             f"@classLabel {'true ' + ' '.join(declared) if declared else 'false'}", "@data"]
    for x, lab in zip(X, labels):
        lines.append(",".join(f"{v:.6f}" for v in x[:, 0]) + (f":{lab}" if declared else ""))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("test_labels, declared, message", [
    (["1.0", "2.0"], ["1.0", "2.0"], r"y: expected each label written one way, got '(\d)' \(a class of training\) and '\1\.0' "
                                     r"\(y\[0\] \(--test-ts '[^']*test\.ts' series 1\)\)"),
    (None, None, r"y\[0\] \(--test-ts '[^']*test\.ts' series 1\): expected a label, got a missing value"),
])
def test_tsc_train_checks_the_held_out_labels_before_the_fit(tmp_path, capsys, test_labels, declared, message):
    # a --test-ts file whose labels scoring refuses (none, or '1.0' for training's '1') was refused after the fit:
    # the trained run was lost (only the live metrics.jsonl left), and its series were named '--ts FILE series 1'
    import re

    from test_tasks_tsc import _series

    from rnnkit.cli.main import main

    X, y = _series(30)
    num = {lab: str(k) for k, lab in enumerate(sorted(set(y)), 1)}
    _labelled_ts(tmp_path / "train.ts", X[:20], [num[v] for v in y[:20]], sorted(num.values()))
    labels = [test_labels[int(num[v]) - 1] for v in y[20:]] if test_labels else None
    _labelled_ts(tmp_path / "test.ts", X[20:], labels or [None] * 10, declared)
    out = tmp_path / "run"
    assert main(["tsc", "train", "--ts", str(tmp_path / "train.ts"), "--test-ts", str(tmp_path / "test.ts"),
                 "--out", str(out), "--epochs", "1", "--hidden-size", "4", "--quiet", "--json"]) == 1
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert not out.exists()            # refused before the fit began (nothing trained, nothing half-written)
    # the oracle: the same files where the labels agree train and score
    _labelled_ts(tmp_path / "test.ts", X[20:], [num[v] for v in y[20:]], sorted(num.values()))
    assert main(["tsc", "train", "--ts", str(tmp_path / "train.ts"), "--test-ts", str(tmp_path / "test.ts"),
                 "--out", str(out), "--epochs", "1", "--hidden-size", "4", "--quiet", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["test_size"] == 10


@pytest.mark.parametrize("fmt, suffix", [("onnx", "onnx"), ("torch-export", "pt2")])
def test_load_runner_reads_a_tensor_that_requires_grad_and_names_a_time_axis_of_zero(tmp_path, fmt, suffix):
    # the onnx runner fed x.numpy(): a tensor that requires grad (a model's own output, a leaf being optimised) was
    # torch's "Can't call numpy() on Tensor that requires grad" where the torch-export runner ran it; and a time axis
    # of 0 was onnxruntime's 'FAIL : Non-zero status code returned while running Scan node' (torch-export: 'IndexError:
    # select(): index 0 out of range'), where the layer itself says 'x: expected at least one time step'
    pytest.importorskip("onnxruntime")
    import torch

    import rnnkit
    from rnnkit.errors import ShapeError
    from rnnkit.export import export, load_runner

    torch.manual_seed(0)
    layer = rnnkit.GRU(3, 4, batch_first=True)
    path = tmp_path / f"gru.{suffix}"
    export(layer, path, format=fmt, state=False)
    run = load_runner(path, fmt)
    x = torch.randn(2, 5, 3, requires_grad=True)
    with torch.no_grad():
        want = layer(x)[0].numpy()
    assert np.abs(run(x)[0] - want).max() <= 1e-5             # oracle: the layer on the same input
    with pytest.raises(ShapeError, match="x: expected at least one time step"):
        layer(torch.zeros(2, 0, 3))                             # the layer's own answer
    with pytest.raises(ShapeError, match=r"^x: expected at least one time step \(this exported graph reads none: "
                                         r"\w+\), got time size 0$"):
        run(torch.zeros(2, 0, 3))
    assert run(torch.zeros(0, 5, 3))[0].shape == (0, 5, 4)    # a batch of none still runs


def test_lr_schedule_checks_epochs_monitor_and_mode_when_built():
    # LRSchedule(cosine, epochs=0) spanned one epoch (epochs or 1), epochs=-1 / 2.5 built a cosine of T_max -1 / 2.5
    # (the LR climbed back or went below min_lr), epochs=True one epoch, silently; epochs='3' and mode='maximum' were
    # bare TypeError / ValueError from torch at setup
    import torch

    from rnnkit.errors import InputTypeError
    from rnnkit.training import ScheduleConfig, Trainer, TrainConfig
    from rnnkit.training.callbacks import LRSchedule

    cosine = ScheduleConfig("cosine")
    for bad in (0, -1, 2.5, True, "3", np.float64(3.0)):
        with pytest.raises(ConfigError, match=r"^epochs: expected a positive int or None, got "):
            LRSchedule(cosine, epochs=bad)
    with pytest.raises(ConfigError, match=r"^mode: expected one of \['min', 'max'\], got 'maximum'$"):
        LRSchedule(ScheduleConfig("plateau"), monitor="train_loss", mode="maximum")
    with pytest.raises(InputTypeError, match=r"^mode: expected one of"):
        LRSchedule(ScheduleConfig("plateau"), monitor="train_loss", mode=["min"])
    for bad in (3, ""):
        with pytest.raises(ConfigError, match=r"^monitor: expected a metric name"):
            LRSchedule(ScheduleConfig("plateau"), monitor=bad)
    # a numpy count is taken and stored as the int: the same LRs as TrainConfig(schedule=cosine) over 3 epochs
    data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(2)]

    def lrs(**kw):
        torch.manual_seed(0)
        t = Trainer(torch.nn.Linear(3, 1), lambda m, b: torch.nn.functional.mse_loss(m(b[0]), b[1]),
                    config=TrainConfig(epochs=3, quiet=True, **kw.pop("config", {})), **kw)
        return [row["lr"] for row in t.fit(data).history]

    given = LRSchedule(cosine, epochs=np.int64(3))
    assert type(given.epochs) is int
    assert lrs(callbacks=[given]) == lrs(config={"schedule": cosine})


@pytest.mark.parametrize("body, expected", [
    (b'{"texts": ["good"], "t\\ud800": 1}', r"^body: expected keys of valid Unicode \(UTF-8 encodable\), got a lone "
                                           r"surrogate in the key 't\\ud800'$"),
    (b'{"te\\udfffxts": ["good"]}', r"^body: expected keys of valid Unicode \(UTF-8 encodable\), got a lone surrogate "
                                    r"in the key 'te\\udfffxts'$"),
])
def test_serve_a_key_with_a_lone_surrogate_is_a_422_naming_it(tmp_path, body, expected):
    # JSON's \ud800 escape in a key: pydantic said 'body: Input should be a valid string, unable to parse raw data as
    # a unicode string' (its own wording, no key named); a lone surrogate in a text was already
    # 'texts[0]: expected valid Unicode (UTF-8 encodable), got a lone surrogate ...'
    import re

    import anyio
    import httpx

    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    cfg = TextClassifierConfig(min_freq=1, embed_dim=4, hidden_size=4, epochs=1, batch_size=4, val_fraction=0.0,
                               progress=False, embeddings="own")    # the service's reading of a body, not the run's
    TextClassifier(cfg).fit(["good fine", "bad awful"] * 4, ["pos", "neg"] * 4).save(tmp_path / "clf")
    app = create_app(open_service(tmp_path / "clf"))

    async def talk():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            return (await c.post("/predict", content=body, headers={"content-type": "application/json"}),
                    await c.post("/predict", json={"texts": ["good"]}))

    bad, good = anyio.run(talk)
    assert bad.status_code == 422 and re.search(expected, bad.json()["error"]), bad.text
    assert good.status_code == 200 and len(good.json()["predictions"]) == 1   # oracle: the same body, a valid key


def test_warmup_cosine_and_checkpointer_store_numpy_settings_as_python_numbers():
    # WarmupCosine(total_steps=np.int64(6), lr=np.float32(0.01)) kept the numpy numbers, and its state_dict() -- 'JSON
    # values and tensors' (Callback) -- failed json.dumps ('Object of type int64 is not JSON serializable');
    # Checkpointer(np.int64(2), np.int64(3)) kept them too (the numpy-scalar rule: stored as the Python value)
    from rnnkit.training.callbacks import Checkpointer, WarmupCosine

    w = WarmupCosine(total_steps=np.int64(6), lr=np.float32(0.5), warmup=np.float64(0.25))
    expected = WarmupCosine(total_steps=6, lr=0.5, warmup=0.25)        # oracle: the same settings as Python numbers
    assert json.dumps(w.state_dict()) == json.dumps(expected.state_dict())
    assert type(w.total_steps) is int and type(w.base_lr) is float
    d = WarmupCosine(deadline_seconds=np.float32(2.5))
    assert type(d.deadline_seconds) is float and json.loads(json.dumps(d.state_dict()))["deadline_seconds"] == 2.5
    c = Checkpointer(np.int64(2), np.int64(3))
    assert (type(c.every_steps), type(c.keep)) == (int, int) and (c.every_steps, c.keep) == (2, 3)
