"""Session 28, helper A: the layer call under arguments a practitioner passes (a generated sweep against
torch.nn with the same weights): wide unsigned lengths tensors, and the
dtypes torch.nn takes and returns under CPU autocast."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnkit
from rnnkit.errors import ConfigError, InputTypeError, ShapeError

BF16 = torch.bfloat16
F64 = torch.float64


def _layers(dtype=F64):
    torch.manual_seed(0)
    yield rnnkit.LSTM(3, 4, bidirectional=True, dtype=dtype)
    yield rnnkit.GRU(3, 4, engine="bptt", dtype=dtype)
    yield rnnkit.ElmanRNN(3, 4, engine="reference", dtype=dtype)
    yield rnnkit.MinGRU(3, 4, dtype=dtype)


@pytest.mark.parametrize("dtype", [torch.uint16, torch.uint32, torch.uint64])
def test_wide_unsigned_lengths_read_as_int64_lengths(dtype):
    """torch has no min/max for uint16/32/64 tensors: lengths of these dtypes (which torch.nn's
    pack_padded_sequence takes) were torch's untyped NotImplementedError "'min_all' not implemented" at 9e7b5a7."""
    x = torch.randn(5, 3, 3, dtype=F64)
    for layer in _layers():
        want = layer(x, lengths=torch.tensor([5, 2, 4]))
        got = layer(x, lengths=torch.tensor([5, 2, 4], dtype=dtype))
        assert torch.equal(got[0], want[0])
        for a, b in zip(got[1] if isinstance(got[1], tuple) else (got[1],),
                        want[1] if isinstance(want[1], tuple) else (want[1],)):
            assert torch.equal(a, b)
        with pytest.raises(ShapeError, match=r"lengths: expected values in \[\d, 5\]"):
            layer(x, lengths=torch.tensor([5, 6, 4], dtype=dtype))
        with pytest.raises(ShapeError, match=r"lengths: expected shape \(3,\)"):
            layer(x, lengths=torch.tensor([5, 2], dtype=dtype))


def test_uint64_lengths_above_int64_are_refused_not_wrapped():
    x = torch.randn(5, 2, 3, dtype=F64)
    big = torch.tensor([2**63 + 3, 5], dtype=torch.uint64)     # int64 would read -9223372036854775805
    with pytest.raises(ShapeError, match="lengths: expected values in"):
        rnnkit.LSTM(3, 4, dtype=F64)(x, lengths=big)


def _torch_run(module, x, lengths):
    if lengths is None:
        return module(x)
    out, st = module(pack_padded_sequence(x, lengths, enforce_sorted=False))
    return pad_packed_sequence(out, total_length=x.shape[0])[0], st


def _flat(st):
    return st if isinstance(st, tuple) else (st,)


@pytest.mark.parametrize("lengths", [None, torch.tensor([6, 3, 5])], ids=["full", "lengths"])
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("engine", ["native", "bptt", "reference"])
def test_bf16_input_under_cpu_autocast_as_torch_nn(kind, engine, lengths):
    """Under autocast a Linear's output is bfloat16: torch.nn.{RNN,LSTM,GRU} with float32 weights take it; an
    rnnkit layer refused it ("x: expected dtype torch.float32 (the layer's), got torch.bfloat16") at 9e7b5a7, so
    a Linear -> rnnkit.LSTM model failed under autocast. Now taken, with torch.nn's output dtype and values (the
    native engine exactly), and a float32 state beside it too."""
    torch.manual_seed(0)
    ref = getattr(torch.nn, kind)(3, 5)
    layer = rnnkit.from_torch(ref)
    layer.engine = engine
    x = torch.randn(6, 3, 3).to(BF16)
    h0 = torch.randn(1, 3, 5)
    state = (h0, torch.randn(1, 3, 5)) if kind == "LSTM" else h0
    with torch.autocast("cpu", dtype=BF16):
        want, want_st = _torch_run(ref, x, lengths)
        got, got_st = layer(x, lengths=lengths)
        want2, _ = (ref(x, state) if lengths is None else
                    (_torch_run(lambda p: ref(p, state), x, lengths)))
        got2, _ = layer(x, state, lengths=lengths)
    # torch.nn.LSTM given lengths (packed) and a float32 state returns float32 (its ATen cell, not oneDNN's):
    # rnnkit's dtype never depends on whether lengths are given (docs/design.md), so bfloat16 as without them
    packed_lstm = kind == "LSTM" and lengths is not None
    for i, (a, b) in enumerate(zip((got, *_flat(got_st), got2), (want, *_flat(want_st), want2))):
        last = i == len(_flat(got_st)) + 1
        assert a.dtype == (BF16 if packed_lstm and last else b.dtype)
        if engine == "native" and not (packed_lstm and last):
            assert torch.equal(a, b)
        else:
            assert (a.float() - b.float()).abs().max() < 0.03


@pytest.mark.parametrize("engine", ["native", "bptt", "reference"])
def test_gru_under_cpu_autocast_keeps_torch_nn_gru_dtype(engine):
    """torch's CPU autocast casts no GRU op but the matmuls, so torch.nn.GRU returns float32 outputs and state for
    a float32 input; rnnkit's GRU returned bfloat16 at 9e7b5a7 (session 27's note). Now float32, the native engine
    exactly torch.nn.GRU's (outputs, state and every gradient), the hand engines within bf16's rounding."""
    torch.manual_seed(1)
    ref = torch.nn.GRU(3, 5, num_layers=2, bidirectional=True)
    layer = rnnkit.from_torch(ref)
    layer.engine = engine
    x = torch.randn(7, 2, 3)
    lengths = torch.tensor([7, 4])
    with torch.autocast("cpu", dtype=BF16):
        want, want_h = _torch_run(ref, x, lengths)
        got, got_h = layer(x, lengths=lengths)
    assert got.dtype == got_h.dtype == want.dtype == want_h.dtype == torch.float32
    tol = 0 if engine == "native" else 0.02
    assert (got - want).abs().max() <= tol and (got_h - want_h).abs().max() <= tol
    (want.square().sum() + want_h.sum()).backward()
    (got.square().sum() + got_h.sum()).backward()
    for (name, p), q in zip(layer.named_parameters(), ref.parameters()):
        scale = q.grad.abs().max().clamp_min(1e-3)
        assert (p.grad - q.grad).abs().max() <= tol * scale * 5, name
    # the float32 state goes back in under autocast, as torch.nn.GRU's does; a bfloat16 state makes it bfloat16
    with torch.autocast("cpu", dtype=BF16):
        assert layer(x, got_h)[0].dtype == torch.float32
        assert layer(x, got_h.detach().to(BF16))[0].dtype == ref(x, got_h.detach().to(BF16))[0].dtype == BF16


def test_gru_variants_under_cpu_autocast_follow_the_gru():
    x = torch.randn(5, 2, 3)
    for layer in (rnnkit.GRU(3, 4, layer_norm=True), rnnkit.GRU(3, 4, zoneout=0.2).eval()):
        with torch.autocast("cpu", dtype=BF16):
            out, h = layer(x)
            out16, h16 = layer(x.to(BF16))
        assert out.dtype == h.dtype == torch.float32 and torch.allclose(out, layer(x)[0], atol=1e-6)
        assert out16.dtype == h16.dtype == BF16


@pytest.mark.parametrize("make", [lambda: rnnkit.LSTM(3, 4, dtype=F64), lambda: rnnkit.GRU(3, 4, dtype=F64),
                                  lambda: rnnkit.ElmanRNN(3, 4, engine="bptt", dtype=F64),
                                  lambda: rnnkit.LSTM(3, 4, layer_norm=True, dtype=F64),
                                  lambda: rnnkit.MinGRU(3, 4, scan="chunked", dtype=F64)])
def test_float64_layer_under_autocast_stays_float64(make):
    """Autocast leaves float64 alone: a float64 torch.nn.LSTM computes in float64 under it. An rnnkit float64 layer
    computed in bfloat16 at 9e7b5a7 and returned bfloat16 (values ~1e-3 off), silently."""
    layer = make()
    x = torch.randn(6, 2, 3, dtype=F64)
    want = layer(x)
    with torch.autocast("cpu", dtype=BF16):
        got = layer(x)
    assert got[0].dtype == F64 and torch.equal(got[0], want[0])
    for a, b in zip(_flat(got[1]), _flat(want[1])):
        assert a.dtype == F64 and torch.equal(a, b)


def test_autocast_does_not_take_other_dtypes():
    layer = rnnkit.LSTM(3, 4)
    with torch.autocast("cpu", dtype=BF16):
        with pytest.raises(InputTypeError, match="x: expected dtype torch.float32"):
            layer(torch.randn(5, 2, 3, dtype=F64))
        with pytest.raises(InputTypeError, match=r"state \(h\): expected dtype"):
            layer(torch.randn(5, 2, 3), (torch.zeros(1, 2, 4, dtype=F64), torch.zeros(1, 2, 4)))
    with pytest.raises(InputTypeError, match="x: expected dtype torch.float32"):     # outside autocast: refused
        layer(torch.randn(5, 2, 3).to(BF16))


class _Echo(rnnkit.RecurrentCell):
    def initial_state(self, batch_size):
        return torch.zeros(batch_size, 2)

    def forward(self, x_t, state):
        return x_t, state + x_t


@pytest.mark.parametrize("make", [lambda: rnnkit.LSTM(3, 4), lambda: rnnkit.GRU(3, 4, zoneout=0.1),
                                  lambda: rnnkit.MinGRU(3, 4), lambda: rnnkit.Bidirectional(rnnkit.ElmanRNN(3, 4)),
                                  lambda: rnnkit.Recurrent(_Echo()),
                                  lambda: torch.nn.Sequential(torch.nn.Linear(3, 3), rnnkit.LSTM(3, 4))])
def test_torch_jit_script_is_a_config_error_naming_the_layer(make):
    """torch.jit.script of a model holding an rnnkit layer raised torch's errors about a line of rnnkit's checks
    ('NotSupportedError: Don't support conversion in JoinedStr', "ValueError: Unknown type annotation: 'GateMath'")
    at 9e7b5a7; now a ConfigError naming the layer and the ways out (rnnkit.export, to_torch, torch.compile)."""
    with pytest.raises(ConfigError, match=r"^layer: expected a module torch.jit.script can compile, got rnnkit \w+ "
                                          r"\(its time loop and checks are Python\); export it with rnnkit.export"):
        torch.jit.script(make())


def test_jit_script_message_offers_to_torch_only_where_torch_nn_computes_it():
    with pytest.raises(ConfigError, match=r"put layer.to_torch\(\) \(the torch.nn module computing the same\) in"):
        torch.jit.script(rnnkit.LSTM(3, 4))
    with pytest.raises(ConfigError) as e:
        torch.jit.script(rnnkit.LSTM(3, 4, zoneout=0.1))
    assert "to_torch" not in str(e.value)
    layer = rnnkit.LSTM(3, 4)
    scripted = torch.jit.script(torch.nn.Sequential(layer.to_torch()))   # the way out it names works
    x = torch.randn(5, 2, 3)
    assert torch.allclose(scripted(x)[0], layer(x)[0])


@pytest.mark.parametrize("engine", ["native", "bptt", "reference"])
@pytest.mark.parametrize("given", [None, torch.float32, BF16], ids=["no_state", "f32_state", "bf16_state"])
def test_projected_lstm_under_cpu_autocast_keeps_torch_nn_dtypes(engine, given):
    """torch.nn.LSTM(proj_size=...) does not run in oneDNN: under CPU autocast its outputs and h (a projection, a
    matmul) are bfloat16 and its cell state c stays in the state's dtype (float32 for a float32 input); rnnkit
    returned c in bfloat16 at 9e7b5a7. Native: torch's own call under autocast, exactly; the hand engines within
    bf16's rounding."""
    torch.manual_seed(2)
    ref = torch.nn.LSTM(3, 5, proj_size=2)
    layer = rnnkit.from_torch(ref)
    layer.engine = engine
    x = torch.randn(6, 3, 3)
    state = None if given is None else (torch.randn(1, 3, 2).to(given), torch.randn(1, 3, 5).to(given))
    lengths = torch.tensor([6, 3, 5])
    with torch.autocast("cpu", dtype=BF16):
        want = _torch_run(lambda p: ref(p, state), x, lengths)
        got = layer(x, state, lengths=lengths)
    c_dtype = torch.float32 if given is None else given
    for a, b in zip((got[0], *got[1]), (want[0], *want[1])):
        assert a.dtype == b.dtype
        assert torch.equal(a, b) if engine == "native" else (a.float() - b.float()).abs().max() < 0.02
    assert got[0].dtype == got[1][0].dtype == BF16 and got[1][1].dtype == c_dtype


def test_a_state_tuple_of_arrays_names_what_it_holds():
    """A (h, c) pair of numpy arrays (or of the wrong arity) read 'state: expected a tuple of 2 tensors ('h', 'c'),
    got tuple' at 9e7b5a7 -- the right type named as the wrong one."""
    layer = rnnkit.LSTM(3, 4)
    x = torch.randn(5, 2, 3)
    with pytest.raises(InputTypeError, match=r"^state: expected a tuple of 2 tensors \('h', 'c'\), got a tuple of 2: "
                                             r"\(ndarray, ndarray\)$"):
        layer(x, (np.zeros((1, 2, 4), np.float32), np.zeros((1, 2, 4), np.float32)))
    with pytest.raises(InputTypeError, match=r"got a tuple of 1: \(Tensor\)$"):
        layer(x, (torch.zeros(1, 2, 4),))


class _Add(rnnkit.RecurrentCell):
    def initial_state(self, batch_size, device=None, dtype=None):
        return {"h": torch.zeros(batch_size, 3, device=device, dtype=dtype), "n": None}

    def forward(self, x_t, state):
        return x_t, {"h": torch.cat([state["h"][:, :0], state["h"] + x_t], -1), "n": None}


def test_recurrent_state_of_arrays_is_a_type_error_naming_the_state():
    """A numpy array of the initial state's shape passed rnnkit.Recurrent's state check (which read shapes only) and
    failed inside the cell with torch's TypeError ('expected Tensor as element 1 in argument 0, but got
    numpy.ndarray') at 9e7b5a7."""
    layer = rnnkit.Recurrent(_Add())
    x = torch.randn(4, 2, 3)
    with pytest.raises(InputTypeError, match=r"^state: expected the nest and shapes of cell.initial_state\(2\), "
                                             r"\{'h': \(2, 3\), 'n': 'NoneType'\}, got \{'h': 'ndarray', 'n': 'NoneType'\}$"):
        layer(x, {"h": np.zeros((2, 3), np.float32), "n": None})
    with pytest.raises(ShapeError, match=r"got \{'h': \(2, 4\), 'n': 'NoneType'\}$"):
        layer(x, {"h": torch.zeros(2, 4), "n": None})
    out, state = layer(x, {"h": torch.ones(2, 3), "n": None})
    assert torch.allclose(state["h"], 1 + x.sum(0))
