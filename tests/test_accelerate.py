"""rnnkit.accelerate (switch layers to the fused engine) and capture_train_step (CUDA-graph capture of a
train step): switching, the eager fallback on CPU equal to a plain training loop, argument errors; and
on CUDA (skipped without one) captured training against eager training, the LRU cache and fallbacks."""

import copy
import warnings

import pytest
import torch

import rnnkit
from rnnkit.training.capture import CaptureFallbackWarning
from rnnkit.errors import ConfigError, InputTypeError


class Net(torch.nn.Module):
    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn
        self.head = torch.nn.Linear(rnn.output_size, 1)

    def forward(self, x, lengths=None):
        y, _ = self.rnn(x, lengths=lengths)
        return self.head(y)


def _loss(model, x, target):
    return torch.nn.functional.mse_loss(model(x), target)


def test_accelerate_switches_every_recurrent_layer():
    model = torch.nn.ModuleDict({
        "ln": rnnkit.LSTM(3, 4, layer_norm=True),
        "plain": rnnkit.GRU(3, 4),
        "bi": rnnkit.Bidirectional(rnnkit.ElmanRNN(3, 4, zoneout=0.1)),
        "native": rnnkit.LSTM(3, 4, proj_size=2, engine="native"),
        "other": torch.nn.Linear(3, 4),
    })
    assert rnnkit.accelerate(model) is model
    engines = {n: m.engine for n, m in model.named_modules() if isinstance(m, rnnkit.RecurrentLayer)}
    assert engines == {"ln": "fused", "plain": "auto", "bi.forward_layer": "fused", "bi.backward_layer": "fused",
                       "native": "auto"}
    rnnkit.accelerate(model, keep_native=False)
    assert {m.engine for m in model.modules() if isinstance(m, rnnkit.RecurrentLayer)} == {"fused"}
    rnnkit.accelerate(model, engine="bptt")
    assert {m.engine for m in model.modules() if isinstance(m, rnnkit.RecurrentLayer)} == {"bptt"}


def test_accelerate_warns_without_layers_and_checks_arguments():
    with pytest.warns(UserWarning, match="holds no rnnkit recurrent layer"):
        rnnkit.accelerate(torch.nn.Linear(2, 2))
    with pytest.raises(InputTypeError, match="model: expected a torch.nn.Module, got str"):
        rnnkit.accelerate("lstm")
    with pytest.raises(ConfigError, match=r"engine: expected one of \['fused', 'bptt', 'auto'\], got 'native'"):
        rnnkit.accelerate(rnnkit.GRU(2, 2), engine="native")
    # a wrong type is a TypeError (rnnkit._validate), not a bad value: 1 is not a bool
    with pytest.raises(InputTypeError, match=r"keep_native: expected a bool, got 1 \(int\)"):
        rnnkit.accelerate(rnnkit.GRU(2, 2), keep_native=1)
    with pytest.raises(InputTypeError, match="engine: expected one of .* got 3 \\(int\\)"):
        rnnkit.accelerate(rnnkit.GRU(2, 2), engine=3)


def _batches(n, B=4, T=6, I=3, device="cpu", dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(B, T, I, generator=g, dtype=dtype).to(device),
             torch.randn(B, T, 1, generator=g, dtype=dtype).to(device)) for _ in range(n)]


def _eager_train(model, opt, batches):
    losses = []
    for x, y in batches:
        opt.zero_grad(set_to_none=True)
        loss = _loss(model, x, y)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return losses


def test_capture_on_cpu_falls_back_to_exactly_eager_training():
    torch.manual_seed(0)
    a = Net(rnnkit.LSTM(3, 5, batch_first=True, layer_norm=True, zoneout=0.1))
    b = copy.deepcopy(a)
    opt_a = torch.optim.Adam(a.parameters(), lr=1e-2)
    opt_b = torch.optim.Adam(b.parameters(), lr=1e-2)
    batches = _batches(3)
    torch.manual_seed(1)  # zoneout masks: the same random stream for both runs
    ref = _eager_train(a, opt_a, batches)
    step = rnnkit.capture_train_step(b, _loss, opt_b)
    torch.manual_seed(1)
    with pytest.warns(CaptureFallbackWarning, match="running eagerly .argument 0 is on cpu"):
        got = [step(x, y) for x, y in batches]
    for la, lb in zip(ref, got):
        assert torch.equal(la, lb)
    for (n, pa), pb in zip(a.named_parameters(), b.parameters()):
        assert torch.equal(pa, pb), n
    assert step.cache_info()["size"] == 0 and step.cache_info()["eager"] == 3
    assert list(step.fallbacks.values()) == ["argument 0 is on cpu: CUDA graphs capture CUDA work only"]


def test_capture_without_optimizer_leaves_the_gradients():
    torch.manual_seed(0)
    net = Net(rnnkit.GRU(3, 4, batch_first=True))
    (x, y), = _batches(1)
    step = rnnkit.capture_train_step(net, _loss, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CaptureFallbackWarning)
        loss = step(x, y)
    expect = torch.autograd.grad(_loss(net, x, y), list(net.parameters()))
    for p, g in zip(net.parameters(), expect):
        torch.testing.assert_close(p.grad, g, rtol=0, atol=0)
    assert torch.equal(loss, _loss(net, x, y).detach())


def test_capture_train_step_argument_errors():
    net = rnnkit.GRU(2, 3)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(InputTypeError, match="model: expected a torch.nn.Module, got function"):
        rnnkit.capture_train_step(_loss, _loss, opt)
    with pytest.raises(InputTypeError, match="loss_fn: expected a callable"):
        rnnkit.capture_train_step(net, "mse", opt)
    with pytest.raises(InputTypeError, match="optimizer: expected a torch.optim.Optimizer or None, got list"):
        rnnkit.capture_train_step(net, _loss, [opt])
    with pytest.raises(ConfigError, match="max_cached: expected a positive int, got 0"):
        rnnkit.capture_train_step(net, _loss, opt, max_cached=0)
    with pytest.raises(InputTypeError, match=r"warmup: expected a positive int, got True \(bool\)"):
        rnnkit.capture_train_step(net, _loss, opt, warmup=True)
    with pytest.raises(InputTypeError, match=r"max_cached: expected a positive int, got 2.0 \(float\)"):
        rnnkit.capture_train_step(net, _loss, opt, max_cached=2.0)
    step = rnnkit.capture_train_step(net, lambda m, x: m(x)[0], opt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CaptureFallbackWarning)
        with pytest.raises(InputTypeError, match=r"loss_fn: expected it to return a one-element loss tensor .* "
                                                  r"got Tensor of shape \(5, 2, 3\)"):
            step(torch.randn(5, 2, 2))


# ------------------------------------------------------------------------------------------- CUDA only
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture
def no_tf32():
    old = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


def _cuda_pair(**layer_kw):
    torch.manual_seed(0)
    a = Net(rnnkit.LSTM(3, 8, batch_first=True, **layer_kw)).cuda()
    rnnkit.accelerate(a)
    b = copy.deepcopy(a)
    opts = [torch.optim.Adam(m.parameters(), lr=1e-2, capturable=True) for m in (a, b)]
    return a, b, opts


@cuda
def test_cuda_fused_equals_eager_engine(no_tf32):
    layer = rnnkit.LSTM(3, 8, num_layers=2, layer_norm=True, peephole=True, zoneout=0.2).cuda()
    x = torch.randn(12, 4, 3, device="cuda")
    out = {}
    for engine in ("bptt", "fused"):
        layer.engine = engine
        torch.manual_seed(3)
        y, (h, c) = layer(x)
        grads = torch.autograd.grad(y.pow(2).sum() + c.sum(), list(layer.parameters()))
        out[engine] = (y, h, c, *grads)
    for a, b in zip(out["fused"], out["bptt"]):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


@cuda
def test_cuda_captured_training_equals_eager(no_tf32):
    a, b, (opt_a, opt_b) = _cuda_pair(layer_norm=True)
    batches = _batches(5, device="cuda")
    ref = _eager_train(a, opt_a, batches)
    step = rnnkit.capture_train_step(b, _loss, opt_b, warmup=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CaptureFallbackWarning)
        got = [step(x, y) for x, y in batches]
    info = step.cache_info()
    assert (info["captures"], info["replays"], info["eager"]) == (1, 4, 1) and not step.fallbacks
    for la, lb in zip(ref, got):
        torch.testing.assert_close(lb, la, rtol=1e-4, atol=1e-6)
    for (n, pa), pb in zip(a.named_parameters(), b.parameters()):
        torch.testing.assert_close(pb, pa, rtol=1e-4, atol=1e-5, msg=lambda m, n=n: f"{n}: {m}")
        torch.testing.assert_close(pb.grad, pa.grad, rtol=1e-3, atol=1e-5, msg=lambda m, n=n: f"grad {n}: {m}")


@cuda
def test_cuda_capture_cache_is_keyed_by_shape_and_bounded(no_tf32):
    a, b, (opt_a, opt_b) = _cuda_pair(peephole=True)
    short, long_ = _batches(4, T=5, device="cuda", seed=1), _batches(4, T=7, device="cuda", seed=2)
    order = [short[0], long_[0], short[1], long_[1], short[2], long_[2], short[3], long_[3]]
    ref = _eager_train(a, opt_a, order)
    step = rnnkit.capture_train_step(b, _loss, opt_b, warmup=1, max_cached=1)
    got = [step(x, y) for x, y in order]
    assert step.cache_info()["evictions"] >= 1 and step.cache_info()["size"] == 1
    for la, lb in zip(ref, got):
        torch.testing.assert_close(lb, la, rtol=1e-4, atol=1e-6)
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pb, pa, rtol=1e-4, atol=1e-5)


@cuda
def test_cuda_capture_with_lengths_falls_back_and_still_trains(no_tf32):
    a, b, (opt_a, opt_b) = _cuda_pair(layer_norm=True)
    lengths = torch.tensor([6, 3, 5, 1])

    def loss_len(model, x, y):
        return torch.nn.functional.mse_loss(model(x, lengths=lengths), y)

    batches = _batches(3, device="cuda")
    ref = []
    for x, y in batches:
        opt_a.zero_grad(set_to_none=True)
        loss = loss_len(a, x, y)
        loss.backward()
        opt_a.step()
        ref.append(loss.detach())
    step = rnnkit.capture_train_step(b, loss_len, opt_b, warmup=1)
    with pytest.warns(CaptureFallbackWarning, match="capture failed"):
        got = [step(x, y) for x, y in batches]
    assert step.fallbacks and step.cache_info()["size"] == 0
    for la, lb in zip(ref, got):
        torch.testing.assert_close(lb, la, rtol=1e-4, atol=1e-6)
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pb, pa, rtol=1e-4, atol=1e-5)


@cuda
def test_cuda_optimizer_must_be_capturable():
    net = rnnkit.GRU(2, 3).cuda()
    with pytest.raises(ConfigError, match="optimizer: expected capturable=True .* got capturable=False in param group 0"):
        rnnkit.capture_train_step(net, _loss, torch.optim.Adam(net.parameters()))
