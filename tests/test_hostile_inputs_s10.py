"""Sweep 7 (session 10, helper R): the core library as a PyTorch user calls it -- layers, engines, scans,
cells, Trainer -- with torch.nn / the sequential scan / float64 as oracles. Each test failed on the code
before its fix (the failure is in its docstring); findings in /work/scratch/s10/R/RESULTS.md."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.engine.pscan import log_scan, sequential_scan

pytestmark = pytest.mark.usefixtures("one_thread_module")

F64 = torch.float64


def _rounded_pair(cls, dtype, scan, **kw):
    """A layer in ``dtype`` and its float64 twin holding the same (rounded) weights."""
    low = cls(4, 8, dtype=dtype, scan=scan, **kw)
    high = cls(4, 8, dtype=F64, scan="sequential", **kw)
    high.load_state_dict({k: v.to(F64) for k, v in low.state_dict().items()})
    return low, high


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("cls", [rnnkit.MinGRU, rnnkit.MinLSTM])
def test_the_log_scan_in_16_bits_is_as_close_to_float64_as_the_other_scans(cls, dtype):
    """Before: scan="log" in bfloat16 was 1.7 off at T=200 (outputs of size 1.8) and 54 off at T=2000 --
    impossible values for a convex mix of positive candidates -- while "chunked" and "sequential" were
    0.01 off: the cumsum of log a and the logcumsumexp, each ~t, cancelled in 8 bits."""
    torch.manual_seed(0)
    x = torch.randn(300, 3, 4).to(dtype)
    ref = None
    errors = {}
    for scan in ("chunked", "sequential", "log"):
        torch.manual_seed(1)
        low, high = _rounded_pair(cls, dtype, scan)
        ref = high(x.to(F64), lengths=[300, 120, 7])[0]
        out = low(x, lengths=[300, 120, 7])[0]
        assert out.dtype == dtype
        errors[scan] = (out.to(F64) - ref).abs().max().item()
    assert errors["log"] < 2 * max(errors["chunked"], errors["sequential"]) + 1e-3, errors


def test_the_log_scan_under_bf16_autocast_and_the_function_alone():
    """Before: a float32 MinGRU with scan="log" under CPU bf16 autocast returned outputs 6.6 off at T=500;
    log_scan called on bfloat16 coefficients directly was as wrong."""
    torch.manual_seed(0)
    layer = rnnkit.MinGRU(4, 8, scan="log")
    twin = rnnkit.MinGRU(4, 8, scan="sequential", dtype=F64)
    twin.load_state_dict({k: v.to(F64) for k, v in layer.state_dict().items()})
    x = torch.randn(500, 2, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = layer(x)[0]
    assert out.dtype == torch.bfloat16
    assert (out.to(F64) - twin(x.to(F64))[0]).abs().max() < 0.05
    a = torch.rand(800, 5, dtype=F64) * 0.5 + 0.4
    b = torch.rand(800, 5, dtype=F64)
    h = log_scan(a.log().bfloat16(), b.log().bfloat16(), torch.ones(5, dtype=torch.bfloat16))
    exact = sequential_scan(a.log().bfloat16().to(F64).exp(), b.log().bfloat16().to(F64).exp(), torch.ones(5, dtype=F64))
    assert h.dtype == torch.bfloat16
    assert ((h.to(F64) - exact).abs() / exact.abs()).max() < 0.02


def test_an_engine_or_scan_set_after_construction_is_checked_as_in_the_constructor():
    """Before: ``layer.engine = "native"`` on a zoneout LSTM ran torch's kernel without zoneout (eval
    outputs 0.15 off the layer's own), ``"bogus"`` ran the hand engine, and ``MinGRU.scan = "bogus"`` the
    sequential loop -- all silently; the constructor refused each."""
    from rnnkit.errors import ConfigError

    x = torch.randn(5, 2, 3, dtype=F64)
    layer = rnnkit.LSTM(3, 4, zoneout=0.5, dtype=F64).eval()
    expected = layer(x)[0]
    with pytest.raises(ConfigError, match=r"^engine: 'native' needs a configuration torch.nn computes, got cell "
                                          r"'lstm' with zoneout=0.5$"):
        layer.engine = "native"
    with pytest.raises(ConfigError, match=r"^engine: expected one of \[.*\], got 'bogus'$"):
        layer.engine = "bogus"
    assert layer.engine == "auto" and torch.equal(layer(x)[0], expected)
    native = rnnkit.LSTM(3, 4, engine="native", dtype=F64)
    native.zoneout = 0.5                      # an option switched on after the engine was chosen
    with pytest.raises(ConfigError, match=r"^engine: 'native' needs"):
        native(x)
    scan_layer = rnnkit.MinGRU(3, 4)
    with pytest.raises(ConfigError, match=r"^scan: expected one of \[.*\], got 'bogus'$"):
        scan_layer.scan = "bogus"
    layer.engine = "reference"                # a valid switch still works, and survives pickling
    import pickle
    copy = pickle.loads(pickle.dumps(layer))
    assert copy.engine == "reference" and torch.equal(copy(x)[0], layer(x)[0])


def test_torch_func_transforms_run_the_autograd_paths_or_name_the_option():
    """Before: torch.func.grad / vmap through engine "bptt"/"fused" (and "auto" for every variant) and
    through MinGRU/MinLSTM's default scan raised torch's RuntimeError "In order to use an autograd.Function
    with functorch transforms ... it must override the setup_context staticmethod". Now "auto" takes the
    autograd path there (oracle: the same layer's eager gradients and a loop over the batch), scan="log"
    runs, and an explicit hand-written path is a ConfigError naming the option."""
    from torch.func import functional_call, grad, vmap

    from rnnkit.errors import ConfigError

    torch.manual_seed(0)
    x = torch.randn(5, 2, 3, dtype=F64)
    for layer in (rnnkit.LSTM(3, 4, zoneout=0.3, dtype=F64).eval(), rnnkit.GRU(3, 4, num_layers=2, dtype=F64),
                  rnnkit.MinLSTM(3, 4, dtype=F64), rnnkit.MinGRU(3, 4, dtype=F64, scan="log")):
        params = {k: v.detach() for k, v in layer.named_parameters()}
        got = grad(lambda p: functional_call(layer, p, (x,))[0].square().sum())(params)
        eager = torch.autograd.grad(layer(x)[0].square().sum(), list(layer.parameters()))
        for (name, _), g in zip(layer.named_parameters(), eager):
            assert torch.allclose(got[name], g, atol=1e-12), name
        xs = torch.randn(3, 5, 2, 3, dtype=F64)
        batched = vmap(lambda xx: layer(xx)[0])(xs)
        assert torch.allclose(batched, torch.stack([layer(xx)[0] for xx in xs]), atol=1e-12)
    for layer, option in ((rnnkit.LSTM(3, 4, engine="bptt", dtype=F64), "engine: expected 'auto' or 'reference'"),
                          (rnnkit.GRU(3, 4, engine="fused", dtype=F64), "engine: expected 'auto' or 'reference'"),
                          (rnnkit.MinGRU(3, 4, scan="chunked", dtype=F64), "scan: expected 'auto', 'log' or "
                                                                           "'sequential'")):
        with pytest.raises(ConfigError, match=f"^{option}.* under torch.func transforms .*, got '(bptt|fused|chunked)'"):
            vmap(lambda xx: layer(xx)[0])(torch.randn(3, 5, 2, 3, dtype=F64))


def _tiny_fit(loss_fn, callbacks=(), data=None, epochs=1):
    from rnnkit.training import TrainConfig, Trainer

    torch.manual_seed(0)
    net = rnnkit.GRU(2, 3, batch_first=True)
    if data is None:
        data = [(torch.randn(2, 4, 2), torch.randn(2, 4, 3)) for _ in range(2)]
    return Trainer(net, loss_fn, config=TrainConfig(epochs=epochs, quiet=True), callbacks=list(callbacks)).fit(data)


def _mse(model, batch):
    return torch.nn.functional.mse_loss(model(batch[0])[0], batch[1])


def test_a_callback_failing_in_on_exception_neither_hides_the_error_nor_skips_the_others():
    """Before: a NaN loss raised NonFiniteLossError, a callback's on_exception then raised ValueError, and the
    caller caught that ValueError; the callbacks after it (a logger closing its file, the gradient-flow
    monitor closing its recorder) never ran on_exception."""
    from rnnkit.errors import NonFiniteLossError
    from rnnkit.training.callbacks import Callback

    seen = []

    class Broken(Callback):
        def on_exception(self, trainer, error):
            raise ValueError("cleanup failed")

    class Closer(Callback):
        order = 50

        def on_exception(self, trainer, error):
            seen.append(type(error).__name__)

    with pytest.raises(NonFiniteLossError, match=r"^loss: expected a finite value, got nan") as info:
        _tiny_fit(lambda m, b: _mse(m, b) * float("nan"), [Broken(), Closer()])
    assert seen == ["NonFiniteLossError"]
    assert info.value.__notes__ == ["while handling it, callback Broken.on_exception raised ValueError: cleanup failed"]


@pytest.mark.parametrize("n", [-1.0, float("nan"), float("inf")])
def test_a_batch_weight_that_is_negative_or_not_finite_is_refused(n):
    """Before: ``(loss, {"n": -1})`` trained silently and the epoch's row had no ``train_loss`` at all (the
    weighted means dropped it); NaN did the same."""
    from rnnkit.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^metrics\['n'\]: expected a finite number >= 0 \(the batch's weight in "
                                          r"the means\), got "):
        _tiny_fit(lambda m, b: (_mse(m, b), {"n": n}))
    rows = _tiny_fit(lambda m, b: (_mse(m, b), {"n": 3})).history   # a valid weight: the row keeps its loss
    assert "train_loss" in rows[0]


def test_a_generator_as_training_data_names_what_went_wrong_in_the_second_epoch():
    """Before: a generator of batches trained one epoch, then failed with "expected at least one batch per
    epoch, got an empty iterable" -- about data that was not empty."""
    from rnnkit.errors import ConfigError

    data = [(torch.randn(2, 4, 2), torch.randn(2, 4, 3)) for _ in range(2)]
    with pytest.raises(ConfigError, match=r"^train_data: expected an iterable that starts again every epoch .*, got "
                                          r"a one-shot generator with no batch left for epoch 2"):
        _tiny_fit(_mse, data=(b for b in data), epochs=2)
    with pytest.raises(ConfigError, match=r"^train_data: expected at least one batch per epoch, got an empty"):
        _tiny_fit(_mse, data=[], epochs=2)
    assert len(_tiny_fit(_mse, data=data, epochs=2).history) == 2


def test_initial_state_checks_its_batch_size_and_dtype():
    """Before: ``initial_state(2.0)`` raised torch's TypeError, ``initial_state(-1)`` its RuntimeError,
    ``initial_state(True)`` returned a batch of one and ``dtype=torch.long`` an int state the layer then
    refused."""
    from rnnkit.errors import ConfigError, InputTypeError

    for layer in (rnnkit.LSTM(3, 4, proj_size=2, num_layers=2), rnnkit.MinGRU(3, 4)):
        with pytest.raises(InputTypeError, match=r"^batch_size: expected an int >= 0, got 2.0 \(float\)$"):
            layer.initial_state(2.0)
        with pytest.raises(InputTypeError, match=r"^batch_size: expected an int >= 0, got True \(bool\)$"):
            layer.initial_state(True)
        with pytest.raises(ConfigError, match=r"^batch_size: expected an int >= 0, got -1$"):
            layer.initial_state(-1)
        with pytest.raises(ConfigError, match=r"^dtype: expected a floating torch.dtype"):
            layer.initial_state(2, dtype=torch.long)
        x = torch.randn(5, 3, 3)
        assert torch.equal(layer(x, layer.initial_state(3))[0], layer(x)[0])


def test_a_built_in_cell_name_cannot_be_taken_by_another_cell():
    """Before: ``register_cell`` of a user class named "lstm" replaced rnnkit's LSTM math for every later
    ``rnnkit.LSTM`` (and task, experiment, benchmark) silently -- no longer torch.nn.LSTM's computation."""
    from rnnkit.cells.base import CellMath, get_cell, register_cell
    from rnnkit.errors import ConfigError

    class Imposter(CellMath):
        name, num_gates, state_names, additive = "lstm", 1, ("h",), True

    builtin = get_cell("lstm")
    try:
        with pytest.raises(ConfigError, match=r"^cell: expected a name no built-in cell has, got 'lstm' \(rnnkit's "
                                              r"LSTMMath, .*\); register it under another name$"):
            register_cell(Imposter())
    finally:
        if get_cell("lstm") is not builtin:
            register_cell(builtin)
    assert get_cell("lstm") is builtin
    torch.manual_seed(0)
    m = torch.nn.LSTM(3, 4)
    x = torch.randn(5, 2, 3)
    assert torch.allclose(rnnkit.from_torch(m)(x)[0], m(x)[0], atol=1e-6)


def test_gradient_flow_summaries_flag_non_finite_norms_and_check_thresholds():
    """Before: a NaN gradient norm was flagged "ok" (every comparison with NaN is false), and thresholds
    such as ``vanishing=-1`` (nothing ever vanishes) or NaN were taken as given."""
    from rnnkit.diagnostics import summarize_gradient_flow
    from rnnkit.errors import ConfigError

    s = summarize_gradient_flow({"a": torch.tensor([float("nan"), 1.0]), "b": torch.tensor([1.0, float("inf")]),
                                 "c": torch.tensor([1e-5, 1.0])})
    assert [s[k].flag for k in "abc"] == ["non-finite", "non-finite", "vanishing"]
    assert s["b"].to_dict()["ratio"] is None
    for kw, msg in (({"vanishing": -1}, "vanishing: expected a number > 0.0"),
                    ({"vanishing": 2.0}, "vanishing: expected a number <= 1.0"),
                    ({"exploding": float("nan")}, "exploding: expected a finite number")):
        with pytest.raises(ConfigError, match=f"^{msg}"):
            summarize_gradient_flow({}, **kw)


def test_a_gradient_flow_record_of_another_shape_is_kept_not_overwritten():
    """Before: a layer called on a 6-step and a 4-step batch inside one recorder kept one record (the last
    backward's): ‖∂L/∂h_t‖ of the other call was dropped silently. Oracle: each call recorded alone."""
    from rnnkit.engine.gradflow import GradFlowRecorder

    torch.manual_seed(0)
    layer = rnnkit.GRU(3, 4, bidirectional=True, dtype=F64)
    a, b = torch.randn(6, 2, 3, dtype=F64), torch.randn(4, 2, 3, dtype=F64)
    alone = []
    for x in (a, b):
        with GradFlowRecorder() as rec:
            layer(x)[0].square().sum().backward()
        alone.append(rec.time_ordered())
    with GradFlowRecorder() as rec:
        (layer(a)[0].square().sum() + layer(b)[0].square().sum()).backward()
    both = rec.time_ordered()
    assert sorted(both) == ["GRU.l0.bwd", "GRU.l0.bwd#2", "GRU.l0.fwd", "GRU.l0.fwd#2"]
    for tag in ("GRU.l0.fwd", "GRU.l0.bwd"):
        got = {tuple(both[t].shape): both[t] for t in (tag, tag + "#2")}
        for rec_alone in alone:
            assert torch.allclose(got[tuple(rec_alone[tag].shape)], rec_alone[tag])


def test_a_nested_cell_s_padded_outputs_are_zeros_even_when_the_cell_gives_nan_there():
    """Before: ``Recurrent`` zeroed padded outputs by multiplying with the mask, so a cell giving NaN on the
    zeroed padding (``x / |x|``) emitted NaN at every padded step instead of zeros; ``step`` of an empty
    structure raised an IndexError."""
    from rnnkit.errors import ShapeError

    class Normalise(rnnkit.RecurrentCell):
        def initial_state(self, batch_size, device=None, dtype=None):
            return torch.zeros(batch_size, 3, device=device, dtype=dtype)

        def forward(self, x, h):
            y = x / x.norm(dim=-1, keepdim=True)
            return y, h + y

    layer = rnnkit.Recurrent(Normalise())
    x = torch.randn(4, 2, 3, dtype=F64)
    y, h = layer(x, lengths=torch.tensor([4, 2]))
    assert torch.equal(y[2:, 1], torch.zeros(2, 3, dtype=F64))
    short_y, short_h = layer(x[:2, 1:])
    assert torch.allclose(y[:2, 1], short_y[:, 0]) and torch.allclose(h[1], short_h[0])
    with pytest.raises(ShapeError, match=r"^x_t: expected at least one tensor, got an empty structure$"):
        layer.step([])


def _minlstm_pair(scale, dtype=torch.float32):
    """A MinLSTM in ``dtype``, its float64 log-scan twin (log a from softplus identities: independent of the
    quotient under test) and an input of size ``scale`` (gate pre-activations of that size)."""
    torch.manual_seed(0)
    layer = rnnkit.MinLSTM(4, 6, dtype=dtype)
    twin = rnnkit.MinLSTM(4, 6, dtype=F64, scan="log")
    twin.load_state_dict({k: v.to(F64) for k, v in layer.state_dict().items()})
    return layer, twin, (torch.randn(12, 3, 4, dtype=F64) * scale)


@pytest.mark.parametrize("scan", ["chunked", "sequential"])
def test_minlstm_with_saturated_gates_is_finite_and_right(scan):
    """Before: ``a = f / (f + i)`` was 0 / 0 = NaN wherever both gates underflow: MinLSTM on inputs of size
    100 in float32 (pre-activations below about -88) returned NaN outputs and gradients with the default
    (chunked) and the sequential scan, and in float16 already at pre-activations below -17."""
    layer, twin, x = _minlstm_pair(100.0)
    layer.scan = scan
    lengths = [12, 7, 1]
    want = twin(x, lengths=lengths)[0]
    xx = x.float().requires_grad_()
    out = layer(xx, lengths=lengths)[0]
    assert torch.isfinite(out).all()
    assert ((out.double() - want).abs() / want.abs().max()).max() < 1e-5
    grads = torch.autograd.grad(out.square().sum(), [xx, *layer.parameters()])
    assert all(torch.isfinite(g).all() for g in grads)
    xw = x.clone().requires_grad_()
    want_grads = torch.autograd.grad(twin(xw, lengths=lengths)[0].square().sum(), [xw, *twin.parameters()])
    for g, w in zip(grads, want_grads):
        assert ((g.double() - w).abs().max() / w.abs().max()) < 1e-4
    y_t, _ = layer.step(x[0].float())                    # streaming uses the same gate math
    assert torch.allclose(y_t.double(), want[0], rtol=1e-5, atol=1e-3)
    half, _, _ = _minlstm_pair(30.0, torch.float16)
    half.scan = scan
    assert torch.isfinite(half((torch.randn(12, 3, 4) * 30).half())[0]).all()


def test_minlstm_triton_kernels_with_saturated_gates(monkeypatch):
    """The same quotient in the fused Triton kernels (forward and the backward's recomputed gates), run in
    Triton's interpreter on CPU tensors; before, NaN like the chunked scan."""
    ts = pytest.importorskip("rnnkit.engine.triton_scan")
    if not ts.HAS_TRITON:
        pytest.skip("triton is not installed")
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    torch.manual_seed(0)
    x = (torch.randn(9, 2, 2, dtype=F64) * 3000).requires_grad_()   # float64 underflows below about -745
    weight = torch.randn(6, 2, dtype=F64).requires_grad_()
    try:
        y, last = ts.triton_gated_scan(x, weight, None, "minlstm", block_t=4, block_n=4)
    except Exception as e:  # noqa: BLE001 - an interpreter that cannot run loops (triton 3.6 + numpy 2)
        if "interpreter" in repr(e) or "int()" in repr(e):
            pytest.skip(f"Triton's interpreter cannot run the kernels here: {e!r}"[:200])
        raise
    log_a, log_b = rnnkit.MinLSTM(2, 2).math.log_coefficients(torch.nn.functional.linear(x, weight))
    want = log_scan(log_a, log_b)
    assert torch.isfinite(y).all() and torch.allclose(y, want, rtol=1e-9, atol=1e-9)
    got = torch.autograd.grad(y.square().sum(), (x, weight))
    exp = torch.autograd.grad(want.square().sum(), (x, weight))
    for g, w in zip(got, exp):                 # the log path's own float64 error here is ~1e-10 relative
        assert torch.isfinite(g).all() and (g - w).abs().max() / w.abs().max() < 1e-8


def test_a_packed_sequence_runs_as_torch_nn_runs_it_s10():
    """Session 10 refused a PackedSequence with the pad_packed_sequence advice; since session 13 the layers take
    it as torch.nn does (tests/test_reliability_s13_gradflow_packed.py: gradients, layouts, bidirectional).
    Oracle: torch.nn on the same packed input."""
    from torch.nn.utils.rnn import pack_padded_sequence

    torch.manual_seed(0)
    m = torch.nn.GRU(2, 3, batch_first=True, dtype=F64)
    layer = rnnkit.from_torch(m)
    packed = pack_padded_sequence(torch.randn(3, 5, 2, dtype=F64), [5, 2, 1], batch_first=True)
    want, h_want = m(packed)
    got, h_got = layer(packed)
    assert torch.allclose(got.data, want.data) and torch.equal(got.batch_sizes, want.batch_sizes)
    assert torch.allclose(h_got, h_want)


def test_the_modern_hopfield_functions_check_beta_as_the_classes_do():
    """Before: ``hopfield_update`` / ``scaled_softmax`` (public) took beta NaN (NaN attention), a negative
    beta (weight on the least similar patterns) and a tensor beta (read as a float: no gradient reached a
    learnable one); ModernHopfield / HopfieldLayer refused all three."""
    from rnnkit.errors import ConfigError
    from rnnkit.hopfield import HopfieldLayer, hopfield_update
    from rnnkit.hopfield.modern import scaled_softmax

    q, x = torch.randn(2, 4, 8), torch.randn(2, 3, 8)
    for beta in (float("nan"), -2.0, 0.0, float("inf"), torch.tensor(2.0, requires_grad=True)):
        for call in (lambda: hopfield_update(q, x, beta), lambda: scaled_softmax(q @ x.transpose(1, 2), beta)):
            with pytest.raises(ConfigError, match=r"^beta: expected a finite number > 0, got "):
                call()
        with pytest.raises(ConfigError, match=r"^beta: expected a finite number > 0, got "):
            HopfieldLayer(8, beta=beta)
    new, att = hopfield_update(q, x, 2.0)                 # oracle: softmax attention written out
    want = torch.softmax(2.0 * q @ x.transpose(1, 2), -1)
    assert torch.allclose(att, want, atol=1e-6) and torch.allclose(new, want @ x, atol=1e-5)


def test_gradient_flow_monitoring_a_model_that_records_nothing_says_so():
    """Before: ``TrainConfig(gradflow_every=1)`` on a model whose layers record no gradient flow (engine
    "native" or "reference", MinGRU) trained with no ``gradflow/...`` entries in any row and no word why;
    ``GradientFlowMonitor(plots="no")`` was taken as true."""
    import warnings

    from rnnkit.errors import InputTypeError
    from rnnkit.training import TrainConfig, Trainer
    from rnnkit.training.callbacks import GradientFlowMonitor

    for net, records in ((rnnkit.GRU(2, 3, batch_first=True), True),
                         (rnnkit.GRU(2, 3, batch_first=True, engine="native"), False),
                         (rnnkit.MinGRU(2, 3, batch_first=True), False)):
        data = [(torch.randn(2, 4, 2), torch.randn(2, 4, 3)) for _ in range(2)]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rows = Trainer(net, _mse, config=TrainConfig(epochs=2, quiet=True, gradflow_every=1)).fit(data).history
        said = [str(w.message) for w in caught if "gradient flow: the recorded batch gave no record" in str(w.message)]
        assert any(k.startswith("gradflow/") for k in rows[0]) == records
        assert len(said) == (0 if records else 1)     # once per monitor, not once per epoch
    with pytest.raises(InputTypeError, match=r"^plots: expected a bool, got 'no' \(str\)$"):
        GradientFlowMonitor(plots="no")


@pytest.mark.parametrize("cls", [rnnkit.LSTM, rnnkit.MinGRU])
def test_a_merge_on_a_unidirectional_layer_warns_as_dropout_on_one_layer_does(cls):
    """Before: ``merge="sum"`` or ``"none"`` on a unidirectional layer was ignored without a word
    (``"none"`` promises a ``(forward, backward)`` pair and returned one tensor); torch.nn warns on the
    similar dropout with one layer, and so did rnnkit."""
    with pytest.warns(UserWarning, match=r"^merge='none' combines the two directions; with bidirectional=False it "
                                         r"does nothing"):
        layer = cls(3, 4, merge="none")
    assert isinstance(layer(torch.randn(5, 2, 3))[0], torch.Tensor)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cls(3, 4, bidirectional=True, merge="sum")
        rnnkit.Bidirectional(cls(3, 4), merge="sum")


def test_an_unusable_device_or_a_non_float_dtype_is_named_by_every_module():
    """Before: ``rnnkit.LSTM(..., device="cuda")`` on a CPU-only torch raised torch's bare AssertionError;
    "mps" (and for HopfieldLayer/HopfieldPooling any bad device or dtype=torch.long/"float32") came out as
    "n_patterns/hidden_size: expected sizes whose weights fit in memory" -- the wrong argument; a complex
    dtype built Hopfield modules that failed later."""
    from rnnkit.errors import ConfigError, InputTypeError
    from rnnkit.hopfield import HopfieldLayer, HopfieldPooling

    bad_device = "cuda:1000" if torch.cuda.is_available() else "cuda"
    builders = (lambda **kw: rnnkit.LSTM(3, 4, **kw), lambda **kw: rnnkit.MinGRU(3, 4, **kw),
                lambda **kw: HopfieldLayer(8, n_patterns=3, **kw), lambda **kw: HopfieldPooling(8, **kw))
    for build in builders:
        with pytest.raises(ConfigError, match=rf"^device: expected a device this torch can use, got '{bad_device}' \("):
            build(device=bad_device)
        for dtype, error in ((torch.long, ConfigError), (torch.complex64, ConfigError), ("float32", InputTypeError)):
            with pytest.raises(error, match=r"^dtype: expected a floating torch.dtype"):
                build(dtype=dtype)
        assert next(build(device="cpu", dtype=F64).parameters()).dtype == F64
