"""Session 32, H: the layers inside torch's own machinery (torch.jit.trace, torch.func, ...).

Oracles: the same layer called eagerly on the same inputs (never golden numbers)."""

import copy
import warnings

import pytest
import torch
import torch.nn.utils.prune

import rnnkit
from rnnkit.errors import ConfigError, InputTypeError

I, H = 3, 4
F64 = torch.float64


def _flat(result):
    y, state = result
    return [y, *(state if isinstance(state, tuple) else (state,))]


class _WithLengths(torch.nn.Module):
    """``layer(x, lengths=lengths)`` as a module torch.jit.trace can record (its parameters stay parameters)."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, lengths):
        return self.layer(x, lengths=lengths)


class _Leaky(rnnkit.RecurrentCell):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(I + H, H, dtype=F64)

    def initial_state(self, batch_size, device=None, dtype=None):
        return torch.zeros(batch_size, H, device=device, dtype=dtype)

    def forward(self, x, h):
        h = 0.5 * h + torch.tanh(self.lin(torch.cat((x, h), -1)))
        return h, h


# (builder, whether the traced graph keeps the time axis free: the reference engine and the sequential scan
# loop in Python, so a trace is unrolled to the example's length -- documented, and a loud error elsewhere)
TRACED = {
    "lstm-bptt": (lambda: rnnkit.LSTM(I, H, engine="bptt", dtype=F64), True),
    "gru-native-2bi": (lambda: rnnkit.GRU(I, H, num_layers=2, bidirectional=True, engine="native", dtype=F64), True),
    "elman-reference": (lambda: rnnkit.ElmanRNN(I, H, engine="reference", dtype=F64), False),
    "lstm-peephole-zoneout": (lambda: rnnkit.LSTM(I, H, peephole=True, zoneout=0.2, dtype=F64), True),
    "mingru-chunked": (lambda: rnnkit.MinGRU(I, H, scan="chunked", dtype=F64), True),
    "minlstm-log-bi": (lambda: rnnkit.MinLSTM(I, H, bidirectional=True, scan="log", dtype=F64), True),
    "bidirectional-wrapper": (lambda: rnnkit.Bidirectional(rnnkit.LSTM(I, H, dtype=F64)), True),
    "nested": (lambda: rnnkit.Recurrent(_Leaky()), False),
}


@pytest.mark.parametrize("name", sorted(TRACED))
@pytest.mark.parametrize("example", [[5, 5, 5], [3, 1, 2]], ids=["full", "all-short"])
def test_a_trace_with_lengths_runs_every_later_batch_s_own_lengths(name, example):
    # At 7f82da7 a trace made with full lengths recorded the unmasked path (check_lengths returned None) and ran
    # every later batch as full: padding read as input, the final state taken after the padded steps, silently
    # (every layer kind). A trace made with lengths all below T recorded the hand engines' cut to this batch's
    # longest sequence: later batches lost their steps past it (bptt/reference), silently.
    build, free_time = TRACED[name]
    torch.manual_seed(0)
    layer = build().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # torch's TracerWarnings and trace's deprecation
        traced = torch.jit.trace(_WithLengths(layer), (torch.randn(5, 3, I, dtype=F64), torch.tensor(example)),
                                 check_trace=False)
    calls = [(5, [5, 2, 3]), (5, [5, 0, 2]), (5, [5, 5, 5]), (5, [1, 1, 1])]
    if free_time:
        calls += [(7, [7, 3, 7]), (7, [2, 0, 4])]
    for T, lengths in calls:
        x = torch.randn(T, 3, I, dtype=F64)
        got = _flat(traced(x, torch.tensor(lengths)))
        want = _flat(layer(x, lengths=torch.tensor(lengths)))
        for g, w in zip(got, want):
            torch.testing.assert_close(g, w, msg=lambda m: f"T={T}, lengths={lengths}: {m}")


NATIVE = {
    "lstm": lambda: rnnkit.LSTM(I, H, engine="native", dtype=F64),
    "gru-2bi": lambda: rnnkit.GRU(I, H, num_layers=2, bidirectional=True, engine="native", dtype=F64),
    "elman": lambda: rnnkit.ElmanRNN(I, H, engine="native", dtype=F64),
}


@pytest.mark.parametrize("name", sorted(NATIVE))
def test_native_engine_under_vmap_or_with_lengths_under_grad_is_a_config_error_naming_it(name):
    # At 7f82da7: torch's bare RuntimeErrors from inside the kernel ("Batching rule not implemented for
    # aten::lstm.input"; with lengths under grad "Cannot access data pointer of Tensor that doesn't have storage").
    from torch.func import functional_call, grad, stack_module_state, vmap

    torch.manual_seed(0)
    layer = NATIVE[name]().eval()
    x, lengths = torch.randn(4, 2, I, dtype=F64), torch.tensor([4, 2])
    members = [NATIVE[name]().eval() for _ in range(2)]
    params, buffers = stack_module_state(members)
    ensemble = lambda p, b: functional_call(layer, (p, b), (x,), {"lengths": lengths})[0]  # noqa: E731
    with pytest.raises(ConfigError, match=r"^engine: expected 'auto' or 'reference' under torch\.func\.vmap"):
        vmap(ensemble)(params, buffers)
    with pytest.raises(ConfigError, match=r"^engine: expected 'auto' or 'reference' with lengths under"):
        grad(lambda a: layer(a, lengths=lengths)[0].sum())(x)
    # what the kernels can run still runs, with the eager numbers: grad without lengths, a vmap batching nothing
    # the layer reads
    xx = x.clone().requires_grad_()
    layer(xx)[0].pow(2).sum().backward()
    torch.testing.assert_close(grad(lambda a: layer(a)[0].pow(2).sum())(x), xx.grad)
    scale = torch.tensor([1.0, 2.0], dtype=F64)
    torch.testing.assert_close(vmap(lambda s: layer(x)[0].sum() * s)(scale), layer(x)[0].sum() * scale)
    # the way out the message names: "auto" runs the autograd loop there, equal to each member called eagerly
    layer.engine = "auto"
    torch.testing.assert_close(vmap(ensemble)(params, buffers),
                               torch.stack([m(x, lengths=lengths)[0] for m in members]))


@pytest.mark.parametrize("build", [lambda: rnnkit.LSTM(I, H, engine="bptt"), lambda: rnnkit.MinGRU(I, H),
                                   lambda: rnnkit.Bidirectional(rnnkit.GRU(I, H))], ids=["lstm", "mingru", "bidir"])
@pytest.mark.parametrize("as_list", [False, True], ids=["tensor", "list"])
def test_torch_export_of_a_module_passing_lengths_is_a_config_error_naming_lengths(build, as_list):
    # At 7f82da7: torch's GuardOnDataDependentSymNode ('Could not extract specialized integer from data-dependent
    # expression u0') from check_lengths' reads of the values, a page of torch internals, for a tensor or a list.
    layer = build().eval()
    lengths = [5, 2, 3]

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x, n):
            return self.layer(x, lengths=lengths if as_list else n)[0]

    x = torch.randn(5, 3, I)
    with pytest.raises(ConfigError, match=r"^lengths: expected None under torch\.export .* rnnkit\.export"):
        torch.export.export(Model(), (x, torch.tensor(lengths)))


@pytest.mark.parametrize("name", ["lstm-bptt", "mingru-chunked", "bidirectional-wrapper", "nested"])
def test_lengths_batched_by_vmap_are_an_input_type_error_shared_lengths_run(name):
    # At 7f82da7: torch's RuntimeError "vmap: It looks like you're calling .item() on a Tensor" from check_lengths.
    from torch.func import vmap

    torch.manual_seed(0)
    layer = TRACED[name][0]().eval()
    for attr in ("engine", "scan"):              # an explicit hand-written path is refused under vmap (by name)
        if hasattr(layer, attr):
            setattr(layer, attr, "auto")
    xs = torch.randn(3, 4, 2, I, dtype=F64)      # vmapped dim, T, B, I
    with pytest.raises(InputTypeError, match=r"^lengths: expected lengths torch\.func\.vmap does not batch"):
        vmap(lambda x, n: layer(x, lengths=n)[0])(xs, torch.tensor([[4, 2], [3, 4], [1, 1]]))
    # lengths from outside the vmapped function: equal to a loop over the vmapped dim (the autograd loop runs there)
    shared = torch.tensor([4, 2])
    torch.testing.assert_close(vmap(lambda x: layer(x, lengths=shared)[0])(xs),
                               torch.stack([layer(x, lengths=shared)[0] for x in xs]))


def test_linear_scan_under_torch_func_refuses_chunked_by_name_and_auto_runs_sequential():
    # At 7f82da7 linear_scan's default method="chunked" (and "auto", which is "chunked" on CPU) under vmap, grad
    # or jacrev raised torch's RuntimeError "In order to use an autograd.Function with functorch transforms ... it
    # must override the setup_context staticmethod"; the layers already refused their chunked scan by name.
    from torch.func import grad, vmap

    from rnnkit.engine.pscan import linear_scan

    torch.manual_seed(0)
    a, b = torch.rand(3, 6, 2, dtype=F64), torch.randn(3, 6, 2, dtype=F64)      # vmapped dim, T, S
    mask = torch.ones(6, 2, dtype=torch.bool)
    mask[4:, 1] = False
    with pytest.raises(ConfigError, match=r"^method: expected 'sequential' under torch\.func .* got 'chunked'"):
        vmap(lambda u, v: linear_scan(u, v, mask=mask))(a, b)
    with pytest.raises(ConfigError, match=r"^method: expected 'sequential' under torch\.func .* got 'chunked'"):
        grad(lambda u: linear_scan(u, b[0]).sum())(a[0])
    want = torch.stack([linear_scan(u, v, mask=mask) for u, v in zip(a, b)])   # eager, chunked
    torch.testing.assert_close(vmap(lambda u, v: linear_scan(u, v, mask=mask, method="auto"))(a, b), want)
    u = a[0].clone().requires_grad_()
    linear_scan(u, b[0], mask=mask).pow(2).sum().backward()
    torch.testing.assert_close(grad(lambda v: linear_scan(v, b[0], mask=mask, method="auto").pow(2).sum())(a[0]), u.grad)


@pytest.mark.parametrize("second", [lambda: rnnkit.GRU(H, H), lambda: rnnkit.MinGRU(H, H),
                                    lambda: rnnkit.Bidirectional(rnnkit.LSTM(H, H))], ids=["gru", "mingru", "bidir"])
def test_a_layer_after_a_layer_in_nn_sequential_names_the_outputs_state_pair(second):
    # At 7f82da7: "x: expected a torch.Tensor, got tuple", which did not say whose tuple or what to do.
    model = torch.nn.Sequential(rnnkit.LSTM(I, H), second())
    with pytest.raises(InputTypeError, match=r"^x: expected a torch\.Tensor, got a tuple of 2 \(a recurrent layer's "
                                             r"\(outputs, state\), as torch\.nn\.Sequential passes it on"):
        model(torch.randn(5, 2, I))


def _pruned(module):
    return torch.nn.utils.prune.l1_unstructured(module, "weight_hh_l0", amount=0.5)


def _legacy_weight_norm(module):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # deprecated by torch
        return torch.nn.utils.weight_norm(module, "weight_hh_l0")


@pytest.mark.parametrize("hook", [_pruned, _legacy_weight_norm], ids=["prune", "legacy-weight-norm"])
def test_converting_a_pruned_or_legacy_weight_normed_rnn_is_an_input_type_error_naming_the_weight(hook):
    # At 7f82da7 from_torch / to_torch of such a module raised load_state_dict's multi-line RuntimeError ("Missing
    # key(s) in state_dict: "weight_hh_l0". Unexpected key(s) ...: "weight_hh_l0_orig", "weight_hh_l0_mask"); a
    # parametrized one was already refused this way.
    expect = r"expected plain weights, got \['weight_hh_l0'\] recomputed by a forward pre-hook"
    with pytest.raises(InputTypeError, match=r"^module: " + expect):
        rnnkit.from_torch(hook(torch.nn.LSTM(I, H)))
    layer = hook(rnnkit.GRU(I, H))
    for convert in (layer.to_torch, lambda: rnnkit.to_torch(layer)):
        with pytest.raises(InputTypeError, match=r"^layer: " + expect):
            convert()
    # made plain as the message says, both ways compute what the hooked module computed
    x = torch.randn(5, 2, I)
    with torch.no_grad():
        want = layer(x)[0]
        torch.nn.utils.prune.remove(layer, "weight_hh_l0") if hook is _pruned else \
            torch.nn.utils.remove_weight_norm(layer, "weight_hh_l0")
        torch.testing.assert_close(layer.to_torch()(x)[0], want)
        torch.testing.assert_close(rnnkit.from_torch(layer.to_torch())(x)[0], want)


@pytest.mark.parametrize("build", [lambda: rnnkit.MinGRU(I, H, num_layers=2), lambda: rnnkit.MinLSTM(I, H, scan="log"),
                                   lambda: rnnkit.MinGRU(I, H, bidirectional=True, scan="chunked")],
                         ids=["mingru-auto", "minlstm-log", "mingru-chunked-bi"])
def test_fullgraph_compile_of_the_scan_layers_equals_eager(build):
    # At 7f82da7 torch.compile(..., fullgraph=True) failed for the scan layers' default (auto = chunked on CPU: its
    # backward's batched-gradient check calls is_legacy_batchedtensor, which dynamo cannot trace) and for
    # scan="log" ("Unsupported custom jvp": the logcumsumexp Function defined jvp).
    import torch._dynamo

    torch._dynamo.reset()
    torch.manual_seed(0)
    layer = build()
    x = torch.randn(5, 2, I, requires_grad=True)
    got = torch.compile(layer, backend="eager", fullgraph=True)(x)[0]
    gx, = torch.autograd.grad(got.pow(2).sum(), x)
    want = layer(x)[0]
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(gx, torch.autograd.grad(want.pow(2).sum(), x)[0])


class _Counted(torch.nn.Module):
    """An identity parametrization counting its evaluations."""

    def __init__(self):
        super().__init__()
        self.n = 0

    def forward(self, w):
        self.n += 1
        return w


COUNTED = {
    "lstm-native": (lambda: rnnkit.LSTM(I, H), "weight_ih_l0"),
    "lstm-bptt-layer-norm": (lambda: rnnkit.LSTM(I, H, engine="bptt", layer_norm=True), "weight_ih_l0"),
    "gru-reference": (lambda: rnnkit.GRU(I, H, engine="reference"), "weight_ih_l0"),
    "mingru": (lambda: rnnkit.MinGRU(I, H), "weight_l0"),
}


@pytest.mark.parametrize("name", sorted(COUNTED))
def test_a_parametrized_weight_is_computed_once_a_call_and_once_a_step(name):
    # At 7f82da7 a call read weight_ih_l0 three times (dtype/device, the engine's choice, the projection) and a step
    # up to four: a parametrization ran that often -- an orthogonal weight's matrix exponential three times a call,
    # a spectral norm in training three power-iteration steps (three updates of its _u buffer) a call.
    import torch.nn.utils.parametrize as parametrize

    build, weight = COUNTED[name]
    layer = build()
    want = layer(torch.zeros(5, 2, I))[0]
    counter = _Counted()
    parametrize.register_parametrization(layer, weight, counter)
    counter.n = 0                            # registering evaluates it once
    torch.testing.assert_close(layer(torch.zeros(5, 2, I))[0], want)
    assert counter.n == 1
    layer.step(torch.zeros(2, I))
    assert counter.n == 2
    wrapper = rnnkit.Bidirectional(build())
    counter = _Counted()
    parametrize.register_parametrization(wrapper.backward_layer, weight, counter)
    counter.n = 0
    wrapper(torch.zeros(5, 2, I), lengths=torch.tensor([5, 3]))
    assert counter.n == 1


def test_a_spectral_norm_in_training_takes_one_power_iteration_a_call():
    from torch.nn.utils import parametrizations

    torch.manual_seed(0)
    layer = parametrizations.spectral_norm(rnnkit.LSTM(I, H, engine="bptt"), "weight_ih_l0").train()
    norm = layer.parametrizations.weight_ih_l0
    alone = copy.deepcopy(norm[0])          # the same power iteration, run once by hand on the same weight
    layer(torch.randn(5, 2, I))
    alone(norm.original)
    torch.testing.assert_close(norm[0]._u, alone._u)
    torch.testing.assert_close(norm[0]._v, alone._v)



def _weight_normed(module):
    return torch.nn.utils.parametrizations.weight_norm(module, "weight_ih_l0")


def _ln_gain_parametrized(module):
    import torch.nn.utils.parametrize as parametrize

    parametrize.register_parametrization(module, "ln_ih_weight_l0", _Counted())
    return module


@pytest.mark.parametrize("hook", [_weight_normed, _pruned, _legacy_weight_norm, _ln_gain_parametrized],
                         ids=["parametrized", "pruned", "legacy-weight-norm", "layer-norm-gain"])
def test_reset_parameters_and_bidirectional_of_a_parametrized_or_pruned_layer(hook):
    # At 7f82da7 reset_parameters() raised KeyError ('parametrizations.weight_ih_l0.original', 'weight_hh_l0_orig',
    # 'weight_hh_l0_g'), and so did rnnkit.Bidirectional(layer), which re-initialises its backward copy.
    # torch.nn.LSTM.reset_parameters initialises every parameter it holds: so do the layers, each by its weight's init.
    torch.manual_seed(0)
    layer = hook(rnnkit.LSTM(I, H, layer_norm=True))
    layer.reset_parameters()
    k = 1.0 / H ** 0.5
    fresh = dict(rnnkit.LSTM(I, H, layer_norm=True).named_parameters())    # each weight's own init
    for name, p in layer.named_parameters():
        own = next(f for f in fresh if name in (f, f + "_orig", f + "_g", f + "_v")
                   or name.startswith(f"parametrizations.{f}.original"))
        if torch.all(fresh[own] == 1) or torch.all(fresh[own] == 0):     # a LayerNorm gain or shift
            assert torch.equal(p, torch.full_like(p, float(fresh[own].detach().flatten()[0]))), name
        else:
            assert p.abs().max() <= k and p.std() > 0, name
    if hook in (_pruned, _legacy_weight_norm):    # their weight is no leaf: copy.deepcopy cannot copy the layer
        with pytest.raises(ConfigError, match=r"^layer: expected a layer copy\.deepcopy can copy"):
            rnnkit.Bidirectional(layer)                 # (torch's RuntimeError at 7f82da7, after the KeyError)
        return
    wrapper = rnnkit.Bidirectional(layer)
    y, _ = wrapper(torch.randn(5, 2, I), lengths=torch.tensor([5, 3]))
    assert y.shape == (5, 2, 2 * H) and torch.isfinite(y).all()
