"""Session 15's reliability sweep (helper S): layers, engines, training, export, Hopfield, data.

Each test fails on the code before its fix (checked with ``git archive`` of the commit before, PYTHONPATH).
"""

from __future__ import annotations

import importlib
import warnings

import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError, InputTypeError, ShapeError


# ------------------------------------------------------------------ gradient flow of a sequence that ended
def test_a_sequence_of_length_0_is_no_step_of_a_gradient_flow_record():
    """The layer runs a row of length 0 as one discarded step (layers.inputs.passes_ended): its record said
    length 1 with a norm of 0, which halved this batch's mean curve and `first` (the oracle: the batch
    without that row)."""
    from rnnkit.diagnostics import summarize_gradient_flow
    from rnnkit.engine.gradflow import GradFlowRecorder

    torch.manual_seed(0)
    lstm = rnnkit.LSTM(3, 4, bidirectional=True, dtype=torch.float64)
    x = torch.randn(5, 3, 3, dtype=torch.float64)
    summaries = []
    for rows, lengths in (([0, 1, 2], [5, 0, 2]), ([0, 2], [5, 2])):
        with GradFlowRecorder() as rec:
            y, _ = lstm(x[:, rows], lengths=torch.tensor(lengths))
            y.pow(2).sum().backward()
        summaries.append(summarize_gradient_flow(rec.norms))
    for tag in ("LSTM.l0.fwd", "LSTM.l0.bwd"):
        got, want = summaries[0][tag], summaries[1][tag]
        assert got.mean_norms == pytest.approx(want.mean_norms) and got.first == pytest.approx(want.first)
        assert (got.ratio, got.sequences) == pytest.approx((want.ratio, want.sequences))


def test_the_monitor_joins_truncated_chunks_without_a_step_after_a_sequence_ended():
    """tbptt: the chunk after a sequence of length 3 ended recorded it as 1 step of norm 0, so the joined record
    gave it 4 steps whose last had no gradient: it left the ratios (sequences 2, not 3) and `last` was diluted."""
    from rnnkit.training import TrainConfig, Trainer
    from rnnkit.training.callbacks import GradientFlowMonitor

    torch.manual_seed(0)
    batch = {"x": torch.randn(3, 6, 2), "lengths": torch.tensor([6, 3, 5])}

    def step_fn(model, chunk, state):
        out, state = model(chunk["x"], state, lengths=chunk["lengths"])
        return out[:, -1].pow(2).sum() + out.sum() * 0, state   # a loss at the chunk's last step

    monitor = GradientFlowMonitor(1)
    model = rnnkit.GRU(2, 4, batch_first=True)
    Trainer(model, step_fn=step_fn, callbacks=[monitor], config=TrainConfig(epochs=1, tbptt_k=3, quiet=True)).fit([batch])
    lens = monitor.last_lengths["GRU.l0.fwd"]
    assert lens.tolist() == [6, 3, 5]
    norms = monitor.last_norms["GRU.l0.fwd"]
    from rnnkit.diagnostics import summarize_gradient_flow
    s = summarize_gradient_flow({"t": norms}, lengths={"t": lens})["t"]
    last = torch.stack([norms[int(n) - 1, b] for b, n in enumerate(lens)])
    assert s.last == pytest.approx(float(last.double().mean()))


def test_summaries_and_time_order_take_recorded_lengths_of_0():
    from rnnkit.diagnostics import summarize_gradient_flow
    from rnnkit.engine.gradflow import GradFlowRecorder

    lstm = rnnkit.LSTM(3, 4)
    with GradFlowRecorder() as rec:
        y, _ = lstm(torch.randn(1, 2, 3), lengths=torch.tensor([0, 0]))   # every sequence ended
        y.sum().backward()
    s = summarize_gradient_flow(rec.norms)["LSTM.l0.fwd"]
    assert (s.steps, s.sequences, s.flag) == (0, 0, "no-gradient")
    assert rec.time_ordered(torch.tensor([0, 0]))["LSTM.l0.fwd"].shape == (1, 2)


# ------------------------------------------------------------------ lengths validated once per call
@pytest.mark.parametrize("make", [lambda: rnnkit.LSTM(3, 4, bidirectional=True),
                                  lambda: rnnkit.MinGRU(3, 4),
                                  lambda: rnnkit.Bidirectional(rnnkit.GRU(3, 4))])
def test_a_layer_call_checks_its_lengths_once(make, monkeypatch):
    """passes_ended checked them (min 0), then the layer again (each check two host reads, a GPU sync each);
    the Bidirectional wrapper four times more."""
    import rnnkit.layers.bidirectional as bidir
    import rnnkit.layers.inputs as inputs

    calls = []
    real = inputs.check_lengths

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(inputs, "check_lengths", counting)
    if hasattr(bidir, "check_lengths"):
        monkeypatch.setattr(bidir, "check_lengths", counting)
    layer = make()
    for lengths in ([5, 2], [5, 0], [5, 5]):
        calls.clear()
        layer(torch.randn(5, 2, 3), lengths=torch.tensor(lengths))
        assert len(calls) == 1, lengths
    with pytest.raises(ShapeError, match=r"^lengths: expected values in \[0, 5\]"):
        layer(torch.randn(5, 2, 3), lengths=[6, 1])
    with pytest.raises(InputTypeError, match="^lengths: expected an integer tensor"):
        layer(torch.randn(5, 2, 3), lengths=torch.tensor([5.0, 1.0]))
    with pytest.raises(ShapeError, match="^lengths: expected None for unbatched"):
        layer(torch.randn(5, 3), lengths=[5])


# ------------------------------------------------------------------ every batch of weight 0
def test_every_batch_weighing_0_warns_that_the_row_has_no_loss():
    """metrics['n'] = 0 in every batch: the epoch's row silently held no train_loss / val_loss (early stopping
    then said 'expected one of [], got val_loss')."""
    from torch import nn

    from rnnkit.training import TrainConfig, Trainer

    torch.manual_seed(0)
    data = [(torch.randn(4, 2), torch.randn(4, 1))] * 2
    loss_fn = lambda m, b: (((m(b[0]) - b[1]) ** 2).mean(), {"n": 0, "acc": 1.0})  # noqa: E731
    tr = Trainer(nn.Linear(2, 1), loss_fn, config=TrainConfig(epochs=2, quiet=True))
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        tr.fit(data, val_data=data)
    said = [str(w.message) for w in got if "metrics['n']" in str(w.message)]
    assert said == ["train_data: expected a batch weight metrics['n'] > 0 in some batch, got 0 in every batch at "
                    "epoch 1: the row holds no train_loss, train_acc (a mean over no weight)",
                    "val_data: expected a batch weight metrics['n'] > 0 in some batch, got 0 in every batch at "
                    "epoch 1: the row holds no val_loss, val_acc (a mean over no weight)"]   # once a fit each
    assert "train_loss" not in tr.history[0]
    tr = Trainer(nn.Linear(2, 1), lambda m, b: ((m(b[0]) - b[1]) ** 2).mean(), config=TrainConfig(epochs=1, quiet=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # weights given (the default 1): no warning
        tr.fit(data, val_data=data)


# ------------------------------------------------------------------ export without the deploy extras
@pytest.mark.parametrize("missing, kw", [("onnx", {"opset": 18}), ("onnx", {}), ("onnxscript", {"check": False}),
                                         ("onnxruntime", {})])
def test_onnx_export_without_the_deploy_extras_names_them_before_tracing(missing, kw, tmp_path, monkeypatch):
    """The opset check's bare `import onnx` was a ModuleNotFoundError; without an opset, torch's exporter failed
    after the trace, and the parity check's onnxruntime after the export."""
    import sys

    monkeypatch.setitem(sys.modules, missing, None)    # `import missing` raises ImportError
    traced = []
    api = importlib.import_module("rnnkit.export.api")   # rnnkit.export is also the function
    monkeypatch.setattr(api, "trace", lambda spec: traced.append(spec) or pytest.fail("traced"))
    with pytest.raises(ConfigError, match=rf"^format: expected the deploy extras for 'onnx' \(pip install "
                                          rf"'rnnkit\[deploy\]'\), got no module '{missing}'(, '\w+')*; format 'torch-export' needs none"):
        rnnkit.export(rnnkit.LSTM(2, 3), tmp_path / "m.onnx", **kw)
    assert not traced and not list(tmp_path.iterdir())


# ------------------------------------------------------------------ load_dataset's arguments
def test_load_dataset_names_an_unknown_argument_and_the_loaders_own():
    """num2words-en-fr's loader took **kw: `bogus=1` was num2words_pairs' own TypeError; the UCR sets' loaders were
    `lambda reg=reg: ...`, so `load_dataset('gunpoint', reg='italy-power-demand')` loaded another data set."""
    from rnnkit.data.registry import get_dataset, load_dataset

    if not get_dataset("num2words-en-fr").available():
        pytest.skip("num2words is not installed")
    with pytest.raises(ConfigError, match=r"^bogus: expected an argument of dataset 'num2words-en-fr' \(\['max_number', "
                                          r"'n', 'seed', 'src_lang', 'tgt_lang'\]\), got \['bogus'\]$"):
        load_dataset("num2words-en-fr", bogus=1)
    assert len(load_dataset("num2words-en-fr", n=3, max_number=50)) == 3
    for name in ("gunpoint", "japanese-vowels", "italy-power-demand", "basic-motions"):
        if get_dataset(name).available():
            with pytest.raises(ConfigError, match=rf"^reg: expected an argument of dataset '{name}' \(it takes none\)"):
                load_dataset(name, reg="italy-power-demand")


# ------------------------------------------------------------------ hopfield_update's shapes
def test_hopfield_update_names_shapes_as_shape_errors_and_a_mask_never_adds_a_batch():
    """A 1-D states was an InputTypeError (a shape, not a type); stored of other leading dims torch's matmul
    RuntimeError; a (Q, P) mask over unbatched queries broadcast the output to (Q, Q, D), silently (torch's
    scaled_dot_product_attention takes a mask broadcastable *to* the weights' shape, the oracle below)."""
    from rnnkit.hopfield.modern import hopfield_update, scaled_softmax

    g = torch.Generator().manual_seed(0)
    q, x = torch.randn(4, 3, generator=g), torch.randn(5, 3, generator=g)
    with pytest.raises(ShapeError, match=r"^states: expected a tensor of shape \(\.\.\., Q, D\) \(at least 2-D\), got "
                                         r"shape \(3,\)$"):
        hopfield_update(q[0], x, 1.0)
    with pytest.raises(ShapeError, match=r"^stored: expected a tensor of shape \(\.\.\., P, D\)"):
        hopfield_update(q, x[0], 1.0)
    with pytest.raises(InputTypeError, match=r"^states: expected a floating-point tensor \(\.\.\., Q, D\), got dtype "
                                             r"torch.int64$"):
        hopfield_update(q.long(), x, 1.0)
    with pytest.raises(ShapeError, match=r"^stored: expected leading dims that broadcast against states' \(2,\), got "
                                         r"shape \(3, 5, 3\)$"):
        hopfield_update(q.expand(2, 4, 3), x.expand(3, 5, 3), 1.0)
    with pytest.raises(ShapeError, match=r"^mask: expected a shape that broadcasts to \(5,\), got \(4, 5\)$"):
        hopfield_update(q, x, 1.0, mask=torch.ones(4, 5, dtype=torch.bool))
    with pytest.raises(ShapeError, match=r"^mask: expected a shape that broadcasts to \(3,\), got \(2, 3\)$"):
        scaled_softmax(torch.randn(3), 1.0, mask=torch.ones(2, 3, dtype=torch.bool))
    # a mask per batch item over a shared memory still works, as torch's attention with that mask
    mask = torch.tensor([[True, False, True, True, False], [False, True, True, True, True]])
    new, att = hopfield_update(q.expand(2, 4, 3), x, 1.0, mask=mask)
    want = torch.nn.functional.scaled_dot_product_attention(q.expand(2, 4, 3), x.expand(2, 5, 3), x.expand(2, 5, 3),
                                                            attn_mask=mask[:, None, :], scale=1.0)
    torch.testing.assert_close(new, want)


# ------------------------------------------------------------------ the service answers while a prediction runs
def test_health_is_served_while_a_long_prediction_runs():
    """/predict was an async handler calling the (blocking) classifier: one client's 1,024 long texts held the
    event loop, so no other request -- /health included -- was answered until it finished (the service's lock,
    meant for worker threads, never had one to order)."""
    import threading
    import time
    from pathlib import Path
    from types import SimpleNamespace

    import anyio
    import httpx
    import numpy as np

    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import ClassifierService

    release, finished = threading.Event(), []

    class SlowModel:
        classes = ["neg", "pos"]
        config = SimpleNamespace(max_len=8, on_long="truncate")

        def predict_proba(self, texts):
            release.wait(3.0)                       # a long prediction (released by the health check)
            finished.append(time.monotonic())
            return np.tile([0.25, 0.75], (len(texts), 1))

        def no_token_rows(self, texts):             # the service flags texts with no token (since 09ddd82)
            return []

        vocab = SimpleNamespace(index={})           # ... and texts of unseen units alone (session 22: unknown_only_rows)

        def _require_fitted(self):
            pass

        def _encode(self, texts):
            return [[5] for _ in texts]

    service = ClassifierService.__new__(ClassifierService)
    service.run, service.model, service.lock = Path("run"), SlowModel(), threading.Lock()
    app = create_app(service)
    seen = {}

    async def talk():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            async def predict():
                seen["predict"] = await c.post("/predict", json={"texts": ["good"]})

            async def health():
                await anyio.sleep(0.2)
                seen["health"] = await c.get("/health")
                seen["health_at"] = time.monotonic()
                release.set()

            async with anyio.create_task_group() as tg:
                tg.start_soon(predict)
                tg.start_soon(health)

    anyio.run(talk)
    assert seen["health"].status_code == 200 and seen["predict"].status_code == 200
    assert seen["predict"].json()["predictions"][0]["label"] == "pos"
    assert seen["health_at"] < finished[0]          # answered while the prediction was still running


# ------------------------------------------------------------------ two layers under one gradient-flow tag
def test_two_layers_of_one_class_are_recorded_apart_and_the_wrappers_reverse_stack_as_bwd():
    """Both GRUs of an encoder-decoder recorded 'GRU.l0.fwd' and the recorder summed their norms; the
    Bidirectional wrapper's two stacks likewise, the backward one's steps in reversed time order. Oracle: each
    layer's record alone (the other on the 'reference' engine, which records nothing)."""
    from rnnkit.engine.gradflow import GradFlowRecorder

    torch.manual_seed(0)
    enc, dec = rnnkit.GRU(3, 4, dtype=torch.float64), rnnkit.GRU(4, 4, dtype=torch.float64)
    x = torch.randn(6, 2, 3, dtype=torch.float64)

    def record():
        with GradFlowRecorder() as rec:
            y, _ = dec(enc(x)[0])
            y[-1].sum().backward()
        return rec.norms

    alone = {}
    for on, off in ((enc, dec), (dec, enc)):
        off.engine = "reference"
        alone[id(on)] = record()["GRU.l0.fwd"]
        off.engine = "auto"
    both = record()
    assert set(both) == {"GRU.l0.fwd", "GRU.l0.fwd#2"}
    torch.testing.assert_close(both["GRU.l0.fwd"], alone[id(dec)])       # the decoder's backward runs first
    torch.testing.assert_close(both["GRU.l0.fwd#2"], alone[id(enc)])

    bi = rnnkit.Bidirectional(rnnkit.GRU(3, 4, dtype=torch.float64))
    with GradFlowRecorder() as rec:
        y, _ = bi(x, lengths=[6, 4])
        y[-1].sum().backward()
    assert set(rec.norms) == {"GRU.l0.fwd", "GRU.l0.bwd"}
    bi.forward_layer.engine = "reference"
    with GradFlowRecorder() as alone_rec:
        y, _ = bi(x, lengths=[6, 4])
        y[-1].sum().backward()
    torch.testing.assert_close(rec.norms["GRU.l0.bwd"], alone_rec.norms["GRU.l0.bwd"])


# ------------------------------------------------------------------ time_ordered() of a padded batch
def test_time_ordered_without_arguments_uses_the_recorded_lengths():
    """time_ordered() meant 'every sequence full' although the recorder held the lengths: a padded batch's
    backward records were flipped whole, moving the padding's zeros into the valid steps (oracle: the call
    with the batch's lengths, which was already right)."""
    from rnnkit.engine.gradflow import GradFlowRecorder

    torch.manual_seed(0)
    lstm = rnnkit.LSTM(3, 4, bidirectional=True, dtype=torch.float64)
    lengths = torch.tensor([5, 2])
    with GradFlowRecorder() as rec:
        y, _ = lstm(torch.randn(5, 2, 3, dtype=torch.float64), lengths=lengths)
        y.pow(2).sum().backward()
    got, want = rec.time_ordered(), rec.time_ordered(lengths)
    assert set(got) == {"LSTM.l0.fwd", "LSTM.l0.bwd"}
    for tag in got:
        assert torch.equal(got[tag], want[tag]), tag
    assert bool((got["LSTM.l0.bwd"][2:, 1] == 0).all())     # the short sequence's padding stays at its end


# ------------------------------------------------------------------ the plot's band over valid steps only
def test_the_gradient_flow_plots_band_reads_only_the_sequences_valid_at_each_step(tmp_path, monkeypatch):
    """The 10-90 % band took the quantiles over every sequence, padded steps' zeros included: the lower edge
    dropped to the floor (1e-30 on the log axis) wherever a short sequence had ended."""
    import rnnkit.diagnostics.gradflow as gf

    drawn = []
    real = gf.figure

    def spy(*a, **k):
        fig, ax = real(*a, **k)
        fill = ax.fill_between
        ax.fill_between = lambda x, lo, hi, **kw: drawn.append((lo, hi)) or fill(x, lo, hi, **kw)
        return fig, ax

    monkeypatch.setattr(gf, "figure", spy)
    norms = {"t": torch.tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 0.0], [1.0, 0.0, 0.0]], dtype=torch.float64)}
    gf.plot_gradient_flow(norms, tmp_path / "g.png", lengths=torch.tensor([3, 2, 1]))
    lo, hi = drawn[0]
    valid = [[1.0, 2.0, 3.0], [1.0, 2.0], [1.0]]
    want = [torch.quantile(torch.tensor(v, dtype=torch.float64), torch.tensor([0.1, 0.9], dtype=torch.float64))
            for v in valid]
    assert lo == pytest.approx([float(w[0]) for w in want]) and hi == pytest.approx([float(w[1]) for w in want])


# ------------------------------------------------------------------ the memory check inside a cgroup
def test_available_memory_is_what_the_cgroup_has_left_not_its_whole_limit(tmp_path, monkeypatch):
    """A container limited to 8 GB that already used 7 GB was told 8 GB were available (memory.max alone):
    a run needing 5 GB passed the check and met the OOM killer."""
    import rnnkit._memory as mem

    (tmp_path / "memory.max").write_text("8589934592\n")
    (tmp_path / "memory.current").write_text(f"{7 * 2 ** 30}\n")
    monkeypatch.setattr(mem, "CGROUP", tmp_path, raising=False)
    got = mem.available_memory()
    assert got is not None and got <= 2 ** 30
    (tmp_path / "memory.current").write_text(f"{9 * 2 ** 30}\n")   # over its limit (reclaim pending): 0 left
    assert mem.available_memory() == 0
    (tmp_path / "memory.max").write_text("max\n")                   # no limit: the system's MemAvailable
    assert mem.available_memory() > 0


# ------------------------------------------------------------------ LayerNorm of a large cell state in float16
@pytest.mark.parametrize("engine", ["bptt", "reference"])
def test_a_float16_layer_norm_lstm_normalises_a_cell_state_over_256(engine):
    """The hand LayerNorm computed (c - mean)^2 in float16: past |c - mean| = 256 it overflowed to inf, r to 0, and
    every normalised value was 0 -- h = o * tanh(beta), 0.77 away from the float64 layer's, silently (torch's
    F.layer_norm computes 16-bit rows in float32; so does ours now). Oracle: the float64 layer."""
    import copy

    torch.manual_seed(0)
    a = rnnkit.LSTM(2, 8, layer_norm=True, dtype=torch.float64, engine=engine)
    with torch.no_grad():   # i, f, o saturated open, g = +1 / -1 in alternate units: c grows by ~1 a step
        a.bias_ih_l0.zero_()
        a.bias_hh_l0.zero_()
        a.ln_ih_bias_l0.copy_(torch.cat([torch.full((16,), 10.0), torch.tensor([10.0, -10.0] * 4),
                                         torch.full((8,), 10.0)]).double())
    x = torch.randn(400, 1, 2, dtype=torch.float64)
    y64, (_, c64) = a(x)
    assert float(c64.detach().abs().max()) > 300
    half = copy.deepcopy(a).half()
    x16 = x.half().requires_grad_()
    y16, _ = half(x16)
    assert y16.dtype == torch.float16
    assert float((y16.double() - y64).detach().abs().max()) < 0.05          # was 0.77
    y16.float().sum().backward()
    assert all(bool(torch.isfinite(p.grad).all()) for p in half.parameters())


def test_a_layer_keeps_its_gradient_flow_name_after_the_recorder_is_cleared():
    """The monitor clears its recorder after every truncated chunk: a chunk in which only the encoder ran must
    still file it under the encoder's name ('GRU.l0.fwd#2'), not the decoder's."""
    from rnnkit.engine.gradflow import GradFlowRecorder

    enc, dec = rnnkit.GRU(3, 4), rnnkit.GRU(4, 4)
    x = torch.randn(5, 2, 3)
    with GradFlowRecorder() as rec:
        dec(enc(x)[0])[0].sum().backward()
        assert set(rec.norms) == {"GRU.l0.fwd", "GRU.l0.fwd#2"}
        rec.clear()
        enc(x)[0].sum().backward()                    # the encoder alone
        assert set(rec.norms) == {"GRU.l0.fwd#2"}
        rec.clear()
        enc(x[:3])[0].sum().backward()                # another length: its own shape, the same layer's name
        assert set(rec.norms) == {"GRU.l0.fwd#2"}
