"""Values at their edges through the scans, layers, Hopfield and training (session 26, helper N).

Oracles: the sequential recurrence (float64 where named), torch.nn, closed forms."""

from __future__ import annotations

import math

import pytest
import torch

import rnnkit
from rnnkit.engine.pscan import linear_scan, log_scan, sequential_scan


# ---------------------------------------------------------------- log scan: a step with a_t = 0 in the dtype
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("log_a1", [-math.inf, -1e20, -1e4, -2000.0])
def test_log_scan_step_that_resets_matches_the_recurrence(dtype, log_a1):
    # a_1 = exp(log_a1) is 0 in both dtypes: h_1 = b_1 and h_2 = a_2 b_1 + b_2. Before the floor: -inf gave
    # NaN (-inf + inf), -1e20 gave h = 1 everywhere (1e20 swallowed the later steps of the cumulative sum),
    # -1e4 / -2000 left their rounding (1e-3 / 1e-4) in every later exponent.
    log_a = torch.tensor([[-0.7], [log_a1], [-0.7], [-0.2]], dtype=dtype)
    b = torch.tensor([[1.0], [2.0], [1.0], [3.0]], dtype=dtype)
    h0 = torch.tensor([5.0], dtype=dtype)
    want = sequential_scan(log_a.exp(), b, h0)
    got = log_scan(log_a, b.log(), h0)
    # the log scan's own rounding: a* holds about -104 (float32's floor) after the reset, ulp 8e-6
    torch.testing.assert_close(got, want, rtol=2e-5 if dtype == torch.float32 else 1e-13, atol=0)


def test_log_scan_floor_keeps_gradients_finite_and_exact():
    log_a = torch.tensor([[-0.7], [-1e20], [-0.3]], dtype=torch.float64, requires_grad=True)
    log_b = torch.tensor([[0.1], [0.2], [0.3]], dtype=torch.float64, requires_grad=True)
    log_scan(log_a, log_b).sum().backward()
    la, lb = log_a.detach().clone().requires_grad_(), log_b.detach().clone().requires_grad_()
    sequential_scan(la.exp(), lb.exp()).sum().backward()
    torch.testing.assert_close(log_a.grad, la.grad)
    torch.testing.assert_close(log_b.grad, lb.grad)


@pytest.mark.parametrize("cls", [rnnkit.MinGRU, rnnkit.MinLSTM])
@pytest.mark.parametrize("value", [1e20, -1e20, 1e38, 1e4])
def test_min_layers_log_scan_with_huge_input_matches_float64_sequential(cls, value):
    # one input of size 1e20 saturates a gate: a = 0 exactly; the log scan gave outputs off by 100% (1e20, 1e38)
    torch.manual_seed(1)
    layer = cls(3, 4, scan="log")
    oracle = cls(3, 4, scan="sequential").double()
    oracle.load_state_dict(layer.state_dict())
    x = torch.randn(40, 2, 3)
    x[2, 0, 1] = value
    y, h = layer(x)
    y64, h64 = oracle(x.double())
    assert torch.isfinite(y).all()
    scale = y64.abs().max()
    assert ((y.double() - y64).abs().max() / scale).item() < 1e-4


# ---------------------------------------------------------------- log scan: error growth with T
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_log_scan_long_sequence_keeps_its_dtypes_rounding(dtype):
    # closed form: a_t = a, b_t = 1 gives h_t = (1 - a^(t+1)) / (1 - a). a* = t log a reaches -4.6e4 at
    # T = 10^4: scanned in float32 its rounding (ulp 0.004) left h off by 0.3% (float32's own loop: 1e-7)
    T, a = 10_000, 0.01
    log_a = torch.full((T, 3), math.log(a), dtype=dtype)
    log_b = torch.zeros(T, 3, dtype=dtype)
    t = torch.arange(T, dtype=torch.float64)[:, None]
    la = log_a.double()       # the coefficient as the dtype holds it
    want = (1 - torch.exp(la * (t + 1))) / (1 - la.exp())
    got = log_scan(log_a, log_b)
    eps = torch.finfo(dtype).eps
    assert ((got.double() - want).abs() / want).max().item() <= eps


def test_min_gru_log_scan_matches_chunked_on_a_long_sequence():
    torch.manual_seed(0)
    layer = rnnkit.MinGRU(2, 3, scan="log")
    x = 3 * torch.randn(20_000, 1, 2)     # gates far from 1/2: |log a| ~ 1 per step
    y_log, _ = layer(x)
    layer.scan = "chunked"
    y_chunked, _ = layer(x)
    assert (y_log - y_chunked).abs().max().item() < 1e-5 * y_chunked.abs().max().item()


# ---------------------------------------------------------------- training: an optimizer state that overflows
def _fit_scaled(tmp_path, scale, **optim):
    from rnnkit.training import OptimConfig, TrainConfig, Trainer
    torch.manual_seed(0)
    net = rnnkit.GRU(2, 4, batch_first=True)
    data = [(torch.randn(3, 5, 2), torch.randn(3, 5, 4)) for _ in range(3)]

    def loss_fn(model, batch):
        out, _ = model(batch[0])
        return torch.nn.functional.mse_loss(out, batch[1]) * scale

    cfg = TrainConfig(epochs=3, optim=OptimConfig(lr=1e-2, **optim), quiet=True)
    return Trainer(net, loss_fn, config=cfg, run_dir=tmp_path / "run").fit(data)


@pytest.mark.parametrize("scale, optim", [(1e30, {}), (1e30, {"name": "adamw"}), (1.0, {"weight_decay": 1e30})])
def test_trainer_stops_when_the_optimizer_state_overflows(tmp_path, scale, optim):
    # Adam's exp_avg_sq of gradients ~1e30 is inf (float32): every later step is m / inf = 0. The run ended as
    # a success (train_loss the same in every epoch, final weights written) with weights that never moved.
    with pytest.raises(rnnkit.errors.NonFiniteLossError, match=r"optimizer state: .*'exp_avg_sq' of '.*' after step 1 "):
        _fit_scaled(tmp_path, scale, **optim)
    assert not (tmp_path / "run" / "model.safetensors").exists()


def test_trainer_scaled_loss_below_the_overflow_still_trains(tmp_path):
    # Adam is invariant to the loss's scale: 1e15 (squares 1e30, finite) trains as 1 does
    small, big = _fit_scaled(tmp_path / "a", 1.0), _fit_scaled(tmp_path / "b", 1e15)
    assert big.history[-1]["train_loss"] < big.history[0]["train_loss"]
    assert big.history[-1]["train_loss"] / 1e15 == pytest.approx(small.history[-1]["train_loss"], rel=1e-3)


# ---------------------------------------------------------------- training config: the range a message states
@pytest.mark.parametrize("field, bad", [("clip_norm", 0.0), ("clip_value", -1.0)])
def test_train_config_range_excludes_the_infinity_it_refuses(field, bad):
    # 'expected a number in (0.0, inf], got 0.0' named inf as allowed; clip_norm=inf is refused ('a finite number')
    from rnnkit.training import TrainConfig
    with pytest.raises(rnnkit.errors.ConfigError, match=rf"^{field}: expected a number in \(0\.0, inf\), got "):
        TrainConfig(**{field: bad})
    with pytest.raises(rnnkit.errors.ConfigError, match=rf"^{field}: expected a finite number or None, got inf"):
        TrainConfig(**{field: math.inf})


# ---------------------------------------------------------------- gradient flow: an exploding gradient is finite
def test_gradient_flow_of_a_finite_exploding_gradient_is_exploding_not_non_finite():
    # W_hh = 10 I, relu: dL/dh_0 ~ 1e29 per element, finite in float32; torch's norm summed the squares in
    # float32 (inf), so the summary flagged 'non-finite' (ratio NaN) a gradient that is finite and exploding
    from rnnkit.diagnostics import summarize_gradient_flow
    from rnnkit.engine.gradflow import GradFlowRecorder
    layer = rnnkit.ElmanRNN(2, 4, nonlinearity="relu", engine="bptt")
    with torch.no_grad():
        layer.weight_hh_l0.copy_(10 * torch.eye(4))
        layer.bias_hh_l0.fill_(1.0)
        layer.bias_ih_l0.fill_(1.0)
        layer.weight_ih_l0.zero_()
    x = torch.randn(30, 1, 2, requires_grad=True)
    with GradFlowRecorder() as rec:
        y, _ = layer(x)
        y[-1].sum().backward()
    (norms,) = rec.norms.values()
    assert torch.isfinite(x.grad).all() and torch.isfinite(norms).all()
    # closed form: dL/dh_{29} = 1 (4 units, norm 2), then x10 per step back: ‖dL/dh_t‖ = 2 * 10**(29 - t)
    torch.testing.assert_close(norms[:, 0].double(), 2 * 10.0 ** (29 - torch.arange(30, dtype=torch.float64)),
                               rtol=1e-5, atol=0)
    summary = summarize_gradient_flow(rec.norms)["ElmanRNN.l0.fwd"]
    assert summary.flag == "exploding" and summary.ratio == pytest.approx(1e29, rel=1e-5)


def test_optimizer_state_check_reads_entries_when_only_their_sum_overflows():
    # a state whose entries are finite but whose float32 sum overflows is no reason to stop
    from rnnkit.training.optim import check_state_finite
    p = torch.nn.Parameter(torch.zeros(4))
    opt = torch.optim.Adam([p])
    opt.state[p] = {"exp_avg_sq": torch.full((4,), 3e38), "step": torch.tensor(1.0)}
    check_state_finite(opt, [("p", p)], "step 1", "last good checkpoint: none")
    opt.state[p]["exp_avg_sq"][2] = math.inf
    with pytest.raises(rnnkit.errors.NonFiniteLossError, match=r"'exp_avg_sq' of 'p' after step 1 "):
        check_state_finite(opt, [("p", p)], "step 1", "last good checkpoint: none")


@pytest.mark.parametrize("name", ["sgd", "adamw"])
def test_a_nan_loss_from_weights_an_update_made_infinite_names_the_weights(tmp_path, name):
    # weight_decay=1e30: p <- p (1 - lr wd) twice is inf in float32 after step 2; step 3's loss is NaN. The error
    # read 'loss: expected a finite value, got nan at step 3' -- the data looked at fault; the update made the weights
    with pytest.raises(rnnkit.errors.NonFiniteLossError,
                       match=r"^weights: expected finite values, got NaN/inf in '.*' after step 2; the loss at step 3 "
                             r"\(epoch 1, batch 3\) was nan; training stopped; last good checkpoint: none$"):
        _fit_scaled(tmp_path, 1.0, name=name, weight_decay=1e30)


# ---------------------------------------------------------------- modern Hopfield energy of huge float64 patterns
def test_modern_energy_of_patterns_whose_squares_overflow_is_not_nan():
    # the energy is >= 0; M^2 - |x_top|^2 was inf - inf = NaN once |x| > 1.3e154 in float64 (on MPS, which works in
    # float32, once |x| > 1.8e19). Closed form for P equal patterns x: lse = x.q + log(P)/beta, so E = |q - x|^2 / 2
    from rnnkit.hopfield import ModernHopfield
    torch.manual_seed(0)
    x = torch.randn(1, 8, dtype=torch.float64) * 1e155
    q = x * (1 + 1e-3 * torch.randn(1, 8, dtype=torch.float64))
    memory = ModernHopfield(beta=0.5).store(x.repeat(3, 1))
    want = 0.5 * ((q - x) ** 2).sum(1)
    torch.testing.assert_close(memory.energy(q), want, rtol=1e-12, atol=0)
    distinct = ModernHopfield(beta=1.0).store(torch.randn(4, 8, dtype=torch.float64) * 1e160)
    assert distinct.energy(torch.randn(2, 8, dtype=torch.float64) * 1e160).tolist() == [math.inf, math.inf]


def test_modern_energy_unchanged_for_ordinary_patterns():
    # dividing by a power of two is exact: the same bits as the sums of the patterns as given
    from rnnkit.hopfield import ModernHopfield
    torch.manual_seed(1)
    X, q = torch.randn(6, 5), torch.randn(3, 5)
    memory = ModernHopfield(beta=2.0).store(X)
    Xd, qd = X.double(), q.double()
    sq = (Xd * Xd).sum(1)
    lse = torch.logsumexp(2.0 * qd @ Xd.T, 1) / 2.0
    want = -lse + 0.5 * (qd * qd).sum(1) + math.log(6) / 2.0 + 0.5 * sq.max()
    torch.testing.assert_close(memory.energy(q).double(), want, rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- padded steps emit 0 after a non-finite sequence
_PAD_LAYERS = [
    (lambda: rnnkit.LSTM(3, 4, num_layers=2, bidirectional=True), "engine", ["auto", "bptt", "reference"]),
    (lambda: rnnkit.RecurrentLayer("gru", 3, 4, layer_norm=True), "engine", ["bptt", "reference"]),
    (lambda: rnnkit.MinGRU(3, 4, bidirectional=True), "scan", ["chunked", "log", "sequential"]),
]


@pytest.mark.parametrize("make, option, choices", _PAD_LAYERS)
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_padded_steps_are_zero_after_a_nan_inside_a_sequence(make, option, choices, bad):
    # torch.nn (packed) and 'auto' / the chunked scan give 0 at padded steps; bptt, reference, log and sequential
    # gave NaN there (out * mask = NaN * 0) once a sequence's valid steps held NaN/inf
    torch.manual_seed(0)
    layer = make()
    x = torch.randn(7, 3, 3)
    x[1, 1, 0] = bad                      # sequence 1 (length 4): NaN/inf inside its valid steps
    lengths = torch.tensor([7, 4, 2])
    for choice in choices:
        setattr(layer, option, choice)
        y, _ = layer(x, lengths=lengths)
        assert bool((y[4:, 1] == 0).all()) and bool((y[2:, 2] == 0).all()), choice
        assert torch.isfinite(y[:, 0]).all() and torch.isfinite(y[:, 2]).all(), choice
