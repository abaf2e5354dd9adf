"""rnnkit's layers inside PyTorch's own machinery (session 24, helper L): forward-mode AD, batched backward,
hooks, reparametrisations, pruning, state_dict interop, compile. Oracles: torch.nn's same module under the same
machinery, finite differences in float64, or the same layer without the machinery."""

import copy

import pytest
import torch
import torch.autograd.forward_ad as fwAD
from torch import nn

import rnnkit
from rnnkit.engine.pscan import linear_scan, log_scan
from rnnkit.errors import ConfigError


def _x(T=4, B=2, I=3):
    torch.manual_seed(0)
    return torch.randn(T, B, I, dtype=torch.float64)


def _jvp(f, x, t):
    with fwAD.dual_level():
        y = f(fwAD.make_dual(x, t))
        return fwAD.unpack_dual(y).primal, fwAD.unpack_dual(y).tangent


def _central_difference(f, x, t, eps=1e-6):
    return (f(x + eps * t) - f(x - eps * t)) / (2 * eps)


# the configurations whose "auto" runs a hand-written Function (bptt, the chunked scan) or the log scan's own Function
FORWARD_AD_LAYERS = {
    "lstm-layer_norm": lambda: rnnkit.LSTM(3, 4, layer_norm=True),
    "lstm-peephole-proj": lambda: rnnkit.LSTM(3, 4, peephole=True, proj_size=2, bidirectional=True),
    "gru-zoneout-eval": lambda: rnnkit.GRU(3, 4, num_layers=2, zoneout=0.2).eval(),
    "elman-checkpoint": lambda: rnnkit.ElmanRNN(3, 4, checkpoint_steps=2),
    "mingru-auto": lambda: rnnkit.MinGRU(3, 4, num_layers=2),
    "minlstm-log": lambda: rnnkit.MinLSTM(3, 4, scan="log", bidirectional=True),
}


@pytest.mark.parametrize("name", sorted(FORWARD_AD_LAYERS))
def test_forward_ad_through_auto_equals_finite_differences(name):
    # before: NotImplementedError ('You must implement the jvp function for custom autograd.Function') from inside
    # the engine; torch.nn.LSTM takes dual tensors
    torch.manual_seed(1)
    layer = FORWARD_AD_LAYERS[name]().double()
    x = _x()
    t = torch.randn_like(x)
    f = lambda a: layer(a)[0]  # noqa: E731
    y, tangent = _jvp(f, x, t)
    assert torch.allclose(y, f(x), atol=1e-12)   # the autograd path's rounding
    assert torch.allclose(tangent, _central_difference(f, x, t), atol=1e-7)


def test_forward_ad_tangents_on_weights_and_state():
    torch.manual_seed(2)
    layer = rnnkit.LSTM(3, 4, layer_norm=True).double()
    x = _x()
    h0 = (torch.randn(1, 2, 4, dtype=torch.float64), torch.randn(1, 2, 4, dtype=torch.float64))
    params = dict(layer.named_parameters())
    tw = {k: torch.randn_like(v) for k, v in params.items()}
    ts = tuple(torch.randn_like(s) for s in h0)

    def f(eps):
        p = {k: v.detach() + eps * tw[k] for k, v in params.items()}
        return torch.func.functional_call(layer, p, (x, tuple(s + eps * d for s, d in zip(h0, ts))))[0]

    with fwAD.dual_level():
        p = {k: fwAD.make_dual(v.detach(), tw[k]) for k, v in params.items()}
        state = tuple(fwAD.make_dual(s, d) for s, d in zip(h0, ts))
        tangent = fwAD.unpack_dual(torch.func.functional_call(layer, p, (x, state))[0]).tangent
    assert torch.allclose(tangent, (f(1e-6) - f(-1e-6)) / 2e-6, atol=1e-7)


def test_forward_ad_of_a_native_configuration_equals_torch_nn():
    m = nn.LSTM(3, 4, num_layers=2).double()
    x, t = _x(), torch.randn(4, 2, 3, dtype=torch.float64)
    want = _jvp(lambda a: m(a)[0], x, t)[1]
    for engine in ("auto", "native", "reference"):
        layer = rnnkit.from_torch(m)
        layer.engine = engine
        assert torch.allclose(_jvp(lambda a: layer(a)[0], x, t)[1], want, atol=1e-12), engine


@pytest.mark.parametrize("make, match", [
    (lambda: rnnkit.LSTM(3, 4, engine="bptt"), "engine: expected 'auto', 'reference' or 'native' under forward-mode AD"),
    (lambda: rnnkit.GRU(3, 4, layer_norm=True, engine="fused"), "engine: expected .* under forward-mode AD.*got 'fused'"),
    (lambda: rnnkit.MinGRU(3, 4, scan="chunked"), "scan: expected 'auto', 'log' or 'sequential' under forward-mode AD"),
])
def test_hand_written_paths_refuse_dual_tensors_by_name(make, match):
    layer = make().double()
    x = _x()
    with pytest.raises(ConfigError, match=match):
        _jvp(lambda a: layer(a)[0], x, torch.ones_like(x))
    if getattr(layer, "engine", None) == "fused":    # refused before any compile; no inductor compile in tests
        return
    want = layer(x)[0]
    with fwAD.dual_level():     # a dual level open, nothing dual: the path runs (no false refusal)
        assert torch.equal(layer(x)[0], want)


def test_linear_scan_chunked_refuses_dual_tensors_sequential_takes_them():
    torch.manual_seed(3)
    a, b = torch.rand(6, 2, dtype=torch.float64), torch.randn(6, 2, dtype=torch.float64)
    t = torch.randn_like(b)
    with pytest.raises(ConfigError, match="method: expected 'sequential' under forward-mode AD .*got 'chunked'"):
        _jvp(lambda v: linear_scan(a, v), b, t)
    got = _jvp(lambda v: linear_scan(a, v, method="sequential"), b, t)[1]
    assert torch.allclose(got, linear_scan(a, t), atol=1e-12)   # linear in b: the tangent is the scan of t


def test_log_scan_jvp_equals_finite_differences_with_zero_and_negative_tangents():
    torch.manual_seed(4)
    log_a, log_b = -torch.rand(7, 3, dtype=torch.float64), torch.randn(7, 3, dtype=torch.float64)
    t = torch.randn_like(log_b)
    t[2] = 0.0
    f = lambda v: log_scan(log_a, v)  # noqa: E731
    y, tangent = _jvp(f, log_b, t)
    assert torch.allclose(tangent, _central_difference(f, log_b, t), atol=1e-8)
    # the same through torch.func.jvp (a transform: the Function's jvp under functorch)
    assert torch.allclose(torch.func.jvp(f, (log_b,), (t,))[1], tangent, atol=1e-12)


def _batched_grads(layer, x):
    y = layer(x)[0][-1].sum(0)                               # (H,): one row of the Jacobian per output unit
    eye = torch.eye(y.numel(), dtype=x.dtype)
    return torch.autograd.grad(y, x, eye, is_grads_batched=True)[0]


def test_batched_backward_of_the_chunked_scan_is_refused_by_name_others_equal_a_loop():
    # before: RuntimeError 'Batching rule not implemented for aten::addcmul.out' from inside the backward
    torch.manual_seed(5)
    x = _x().requires_grad_()
    chunked = rnnkit.MinGRU(3, 4).double()
    with pytest.raises(ConfigError, match="scan: expected 'log' or 'sequential' for a batched backward.*got 'chunked'"):
        _batched_grads(chunked, x)
    with pytest.raises(ConfigError, match="method: expected 'sequential' for a batched backward"):
        a = torch.rand(5, 3, dtype=torch.float64, requires_grad=True)
        torch.autograd.grad(linear_scan(a, a).sum(0), a, torch.eye(3, dtype=torch.float64), is_grads_batched=True)
    for scan in ("log", "sequential"):
        layer = copy.deepcopy(chunked)
        layer.scan = scan
        got = _batched_grads(layer, x)
        y = layer(x)[0][-1].sum(0)
        rows = torch.stack([torch.autograd.grad(y[i], x, retain_graph=True)[0] for i in range(y.numel())])
        assert torch.allclose(got, rows, atol=1e-12), scan


# ----------------------------------------------------------------------------- machinery that works: kept working
def _pair(engine):
    torch.manual_seed(6)
    m = nn.LSTM(3, 4)
    layer = rnnkit.LSTM(3, 4, engine=engine)
    layer.load_state_dict(m.state_dict())
    return m, layer


@pytest.mark.parametrize("engine", ["native", "bptt", "reference"])
def test_module_hooks_fire_once_per_call_with_torch_nn_gradients(engine):
    m, layer = _pair(engine)
    seen = {}
    for mod, key in ((m, "torch"), (layer, "rnnkit")):
        calls = seen[key] = []
        mod.register_forward_hook(lambda _m, _i, out, calls=calls: calls.append(("fwd", out[0].detach().clone())))
        mod.register_full_backward_hook(lambda _m, gi, _go, calls=calls: calls.append(("bwd", gi[0].clone())))
        x = _x().float().requires_grad_()
        y, (h, c) = mod(x)
        (y.pow(2).sum() + c.sum()).backward()
    assert [k for k, _ in seen["rnnkit"]] == ["fwd", "bwd"] == [k for k, _ in seen["torch"]]
    for (_, a), (_, b) in zip(seen["rnnkit"], seen["torch"]):
        assert torch.allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("engine", ["native", "bptt", "reference"])
def test_weight_norm_and_pruning_of_weight_hh_are_read_as_torch_nn_reads_them(engine):
    from torch.nn.utils import prune
    from torch.nn.utils.parametrizations import weight_norm

    x = _x().float()
    for apply, leaf in ((lambda mod: weight_norm(mod, "weight_hh_l0"), "parametrizations.weight_hh_l0.original1"),
                        (lambda mod: prune.l1_unstructured(mod, "weight_hh_l0", amount=0.5), "weight_hh_l0_orig")):
        m, layer = _pair(engine)
        outs = []
        for mod in (m, layer):
            apply(mod)
            with torch.no_grad():     # the reparametrised weight changes: a stale copy would show
                mod.get_parameter(leaf).mul_(1.5)
            y = mod(x)[0]
            y.pow(2).sum().backward()
            outs.append((y.detach(), mod.get_parameter(leaf).grad))
        assert torch.allclose(outs[0][0], outs[1][0], atol=1e-6)
        assert torch.allclose(outs[0][1], outs[1][1], atol=1e-5)


def test_state_dict_moves_both_ways_and_frozen_weights_get_no_gradient():
    m, layer = _pair("bptt")
    back = nn.LSTM(3, 4)
    back.load_state_dict(layer.state_dict())
    x = _x().float().requires_grad_()
    assert torch.allclose(back(x)[0], layer(x)[0], atol=1e-6)
    layer.weight_hh_l0.requires_grad_(False)
    m.weight_hh_l0.requires_grad_(False)
    layer(x)[0].sum().backward()
    m(x)[0].sum().backward()
    assert layer.weight_hh_l0.grad is None
    assert torch.allclose(layer.weight_ih_l0.grad, m.weight_ih_l0.grad, atol=1e-5)


def test_compile_aot_eager_forward_and_backward_equal_eager():
    torch._dynamo.reset()
    layer = rnnkit.LSTM(3, 4, layer_norm=True)
    compiled = torch.compile(layer, backend="aot_eager", fullgraph=True)
    x = _x().float().requires_grad_()
    y = compiled(x)[0]
    y.pow(2).sum().backward()
    gx, gw = x.grad.clone(), layer.weight_hh_l0.grad.clone()
    x.grad = None
    layer.zero_grad()
    y2 = layer(x)[0]
    y2.pow(2).sum().backward()
    assert torch.allclose(y, y2) and torch.allclose(gx, x.grad) and torch.allclose(gw, layer.weight_hh_l0.grad)


# ----------------------------------------------------------------------------- step() runs the forward pre-hooks
STEP_LAYERS = {
    "lstm": (lambda: rnnkit.LSTM(3, 4, num_layers=2), "weight_hh_l1"),
    "gru-bptt": (lambda: rnnkit.GRU(3, 4, engine="bptt"), "weight_ih_l0"),
    "mingru": (lambda: rnnkit.MinGRU(3, 4), "weight_l0"),
}


@pytest.mark.parametrize("name", sorted(STEP_LAYERS))
@pytest.mark.parametrize("how", ["prune", "legacy_weight_norm"])
def test_step_after_an_update_of_a_pruned_or_weight_normed_weight_equals_the_call(name, how):
    # before: step() called forward / its own math directly, so the pre-hook that recomputes the weight never ran
    # and a step after an optimiser update used the weight of the last full call (0.04-0.5 off the call)
    from torch.nn.utils import prune

    make, weight = STEP_LAYERS[name]
    torch.manual_seed(7)
    layer = make()
    if how == "prune":
        prune.l1_unstructured(layer, weight, amount=0.5)
        source = weight + "_orig"
    else:
        torch.nn.utils.weight_norm(layer, weight)
        source = weight + "_g"
    x = torch.randn(3, 2, 3)
    _, state = layer(x)
    with torch.no_grad():
        getattr(layer, source).mul_(2.0)
    y_step, s_step = layer.step(x[0], state)
    y_call, s_call = layer(x[:1], state)
    assert torch.allclose(y_step, y_call[0], atol=1e-6)
    for a, b in zip(s_step if isinstance(s_step, tuple) else (s_step,), s_call if isinstance(s_call, tuple) else (s_call,)):
        assert torch.allclose(a, b, atol=1e-6)


def test_step_takes_the_inputs_a_pre_hook_returns_and_refuses_keyword_arguments():
    layer = rnnkit.GRU(3, 4)
    x, h = torch.randn(2, 3), torch.randn(1, 2, 4)
    want = layer.step(2 * x, h)
    handle = layer.register_forward_pre_hook(lambda _m, args: (2 * args[0], *args[1:]))
    assert all(torch.equal(a, b) for a, b in zip(layer.step(x, h), want))
    handle.remove()
    layer.register_forward_pre_hook(lambda _m, args, kwargs: (args, {"lengths": None}), with_kwargs=True)
    with pytest.raises(ConfigError, match=r"step: expected a forward pre-hook that passes no keyword arguments"):
        layer.step(x, h)


# ----------------------------------------------------------------------------- the Triton scans (CPU interpreter)
def test_triton_scans_refuse_dual_tensors_and_a_batched_backward_by_name(monkeypatch):
    from test_triton_scan import _interpreter_problem, ts

    if not ts.HAS_TRITON or _interpreter_problem():
        pytest.skip("needs triton and its interpreter")
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    torch.manual_seed(8)
    a, b = torch.rand(6, 2, 3, dtype=torch.float64), torch.randn(6, 2, 3, dtype=torch.float64)
    with pytest.raises(ConfigError, match="method: expected 'sequential' under forward-mode AD .*got 'triton'"):
        _jvp(lambda v: linear_scan(a, v, method="triton"), b, torch.ones_like(b))
    with pytest.raises(ConfigError, match="method: expected 'logcumsumexp' under forward-mode AD .*got 'triton'"):
        _jvp(lambda v: log_scan(a.log(), v, method="triton"), b, torch.ones_like(b))
    b.requires_grad_()
    out = ts.triton_linear_scan(a, b)[-1, 0]                  # (3,)
    with pytest.raises(ConfigError, match="for a batched backward .*got 'triton'"):
        torch.autograd.grad(out, b, torch.eye(3, dtype=torch.float64), is_grads_batched=True)
