"""Property-based tests (hypothesis) of the recurrent layers against oracles, over generated configurations
nobody wrote down (session 20, helper G). Each property has an oracle:

* torch.nn: rnnkit's ElmanRNN/LSTM/GRU on every CPU engine (auto, native, bptt, reference) equal
  ``torch.nn.RNN/LSTM/GRU`` with the same weights over generated sizes, num_layers, bidirectional,
  batch_first, bias, proj_size, float32/float64, B and T including 1, lengths of any order and integer
  type (list, numpy, int16/int32/int64/uint8 tensors; packed sequences in the oracle; a length of 0 is a
  row torch does not run, whose state passes through), given or absent initial state: outputs, final states and the gradients of a random loss w.r.t. the input, the initial
  state and every weight;
* the reference engine (a plain autograd loop over the same math): the variant cells (LayerNorm,
  peephole, proj_size, zoneout in eval) on the hand-BPTT engine; MinGRU/MinLSTM's chunked and log scans
  against their sequential loop;
* invariants: running T in two halves with the state passed equals running T at once; a batch of one
  equals the same row inside a batch (with lengths).

Examples are derandomized and bounded (the file runs in ~15 s on one thread).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnkit

pytestmark = pytest.mark.usefixtures("one_thread")

PROPS = settings(max_examples=40, deadline=None, derandomize=True, print_blob=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                        HealthCheck.differing_executors])

TORCH = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "ElmanRNN": torch.nn.RNN}
LENGTH_FORMS = ["list", "numpy", "int64", "int32", "int16", "uint8", "numpy_uint8"]
TOL = {torch.float64: dict(rtol=1e-9, atol=1e-10), torch.float32: dict(rtol=2e-4, atol=2e-5)}


def _as_form(lengths: list[int], form: str):
    if form == "list":
        return list(lengths)
    if form == "numpy":
        return np.array(lengths, dtype=np.int64)
    if form == "numpy_uint8":
        return np.array(lengths, dtype=np.uint8)
    return torch.tensor(lengths, dtype=getattr(torch, form))


@st.composite
def torch_configs(draw):
    cls_name = draw(st.sampled_from(list(TORCH)))
    H = draw(st.integers(1, 4))
    c = dict(cls_name=cls_name, I=draw(st.integers(1, 4)), H=H, L=draw(st.integers(1, 3)),
             bidir=draw(st.booleans()), batch_first=draw(st.booleans()), bias=draw(st.booleans()),
             dtype=draw(st.sampled_from([torch.float32, torch.float64])),
             engine=draw(st.sampled_from(["auto", "native", "bptt", "reference"])),
             T=draw(st.integers(1, 5)), B=draw(st.integers(1, 4)), with_state=draw(st.booleans()),
             seed=draw(st.integers(0, 2**16)))
    c["proj"] = draw(st.integers(0, H - 1)) if cls_name == "LSTM" else 0
    c["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"])) if cls_name == "ElmanRNN" else None
    has_lengths = draw(st.booleans())
    c["lengths"] = (draw(st.lists(st.integers(0, c["T"]), min_size=c["B"], max_size=c["B"]))
                    if has_lengths else None)
    c["form"] = draw(st.sampled_from(LENGTH_FORMS))
    return c


def _pair(c):
    """The rnnkit layer and the torch.nn module with the same weights."""
    kw = dict(num_layers=c["L"], bias=c["bias"], batch_first=c["batch_first"], bidirectional=c["bidir"],
              dtype=c["dtype"])
    extra = {}
    if c["proj"]:
        extra["proj_size"] = c["proj"]
    if c["nonlinearity"]:
        extra["nonlinearity"] = c["nonlinearity"]
    torch.manual_seed(c["seed"])
    layer = getattr(rnnkit, c["cls_name"])(c["I"], c["H"], engine=c["engine"], **kw, **extra)
    ref = TORCH[c["cls_name"]](c["I"], c["H"], **kw, **extra)
    ref.load_state_dict(layer.state_dict())
    return layer, ref


def _states(s):
    return list(s) if isinstance(s, (tuple, list)) else [s]


def _inputs(c):
    g = torch.Generator().manual_seed(c["seed"])
    shape = (c["B"], c["T"], c["I"]) if c["batch_first"] else (c["T"], c["B"], c["I"])
    x = torch.randn(*shape, generator=g, dtype=c["dtype"]).requires_grad_(True)
    state = None
    if c["with_state"]:
        D = 2 if c["bidir"] else 1
        h = torch.randn(c["L"] * D, c["B"], c["proj"] or c["H"], generator=g, dtype=c["dtype"]).requires_grad_(True)
        if c["cls_name"] == "LSTM":
            state = (h, torch.randn(c["L"] * D, c["B"], c["H"], generator=g, dtype=c["dtype"]).requires_grad_(True))
        else:
            state = h
    return x, state


def _loss(out, state, seed):
    g = torch.Generator().manual_seed(seed + 1)
    loss = (out * torch.randn(out.shape, generator=g, dtype=out.dtype)).sum()
    for s in _states(state):
        loss = loss + (s * torch.randn(s.shape, generator=g, dtype=s.dtype)).sum()
    return loss


def _torch_run(ref, x, state, lengths, c):
    """torch.nn's answer; with lengths, on a packed sequence of the rows of length >= 1 (torch refuses 0): a row
    of length 0 (a sequence that ended before this chunk) reads nothing, its outputs are zeros and its final
    state is the state given (zeros for None), as rnnkit documents (``rnnkit.layers.inputs.passes_ended``)."""
    if lengths is None:
        return ref(x, state)
    bdim = 0 if c["batch_first"] else 1
    live = [b for b, n in enumerate(lengths) if n > 0]
    parts = _states(state) if state is not None else None
    sub = None if parts is None else [s[:, live] for s in parts]
    sub = None if sub is None else (tuple(sub) if isinstance(state, tuple) else sub[0])
    out = x.new_zeros(*x.shape[:-1], ref.proj_size or ref.hidden_size) if ref.bidirectional is False else \
        x.new_zeros(*x.shape[:-1], 2 * (ref.proj_size or ref.hidden_size))
    if parts is None:
        finals = [x.new_zeros(ref.num_layers * (2 if ref.bidirectional else 1), c["B"], S)
                  for S in ([ref.proj_size or ref.hidden_size] + ([ref.hidden_size] if c["cls_name"] == "LSTM" else []))]
    else:
        finals = list(parts)
    if live:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x.index_select(bdim, torch.tensor(live)),
                                                         torch.tensor([lengths[b] for b in live]),
                                                         batch_first=c["batch_first"], enforce_sorted=False)
        o, st_ = ref(packed, sub)
        o, _ = torch.nn.utils.rnn.pad_packed_sequence(o, batch_first=c["batch_first"], total_length=c["T"])
        index = torch.tensor(live)
        out = out.index_copy(bdim, index, o)
        finals = [f.index_copy(1, index, s) for f, s in zip(finals, _states(st_))]
    return out, (tuple(finals) if c["cls_name"] == "LSTM" else finals[0])


@PROPS
@given(c=torch_configs())
def test_layers_equal_torch_nn_outputs_states_and_gradients(c):
    layer, ref = _pair(c)
    x, state = _inputs(c)
    lengths = None if c["lengths"] is None else _as_form(c["lengths"], c["form"])
    out, st_ = layer(x, state, lengths=lengths)
    ref_out, ref_st = _torch_run(ref, x, state, c["lengths"], c)
    tol = TOL[c["dtype"]]
    torch.testing.assert_close(out, ref_out, **tol)
    assert len(_states(st_)) == len(_states(ref_st))
    for a, b in zip(_states(st_), _states(ref_st)):
        torch.testing.assert_close(a, b, **tol)
    leaves = [x, *_states(state)] if state is not None else [x]
    # (+ 0 * every leaf: a graph even where every row has length 0 and no state was given)
    anchor = lambda ps: sum((p * 0).sum() for p in leaves + ps)  # noqa: E731
    grads = torch.autograd.grad(_loss(out, st_, c["seed"]) + anchor(list(layer.parameters())),
                                leaves + list(layer.parameters()), allow_unused=True)
    ref_grads = torch.autograd.grad(_loss(ref_out, ref_st, c["seed"]) + anchor(list(ref.parameters())),
                                    leaves + list(ref.parameters()), allow_unused=True)
    names = [f"input{i}" for i in range(len(leaves))] + [n for n, _ in layer.named_parameters()]
    for name, a, b in zip(names, grads, ref_grads):
        a = torch.zeros_like(b) if a is None else a
        b = torch.zeros_like(a) if b is None else b
        torch.testing.assert_close(a, b, **tol, msg=lambda m, name=name: f"{name}: {m}")


# ============================================================================ variants: hand BPTT vs the reference loop
@st.composite
def variant_configs(draw):
    cls_name = draw(st.sampled_from(["LSTM", "GRU", "ElmanRNN"]))
    H = draw(st.integers(1, 4))
    variant = {"layer_norm": draw(st.booleans()), "zoneout": draw(st.sampled_from([0.0, 0.3, 0.9])),
               "checkpoint_steps": draw(st.sampled_from([0, 0, 1, 2]))}
    if cls_name == "LSTM":
        variant["peephole"] = draw(st.booleans())
        variant["proj_size"] = draw(st.integers(0, H - 1))
    T, B = draw(st.integers(1, 6)), draw(st.integers(1, 3))
    return dict(cls_name=cls_name, I=draw(st.integers(1, 3)), H=H, L=draw(st.integers(1, 2)),
                bidir=draw(st.booleans()), batch_first=draw(st.booleans()), bias=draw(st.booleans()),
                dtype=torch.float64, T=T, B=B,   # float64: LayerNorm over one input is ill-conditioned in float32
                with_state=draw(st.booleans()), seed=draw(st.integers(0, 2**16)), variant=variant,
                lengths=draw(st.one_of(st.none(), st.lists(st.integers(0, T), min_size=B, max_size=B))))


def _variant_layer(c, engine):
    torch.manual_seed(c["seed"])
    layer = getattr(rnnkit, c["cls_name"])(c["I"], c["H"], num_layers=c["L"], bias=c["bias"],
                                           batch_first=c["batch_first"], bidirectional=c["bidir"], dtype=c["dtype"],
                                           engine=engine, **c["variant"]).eval()   # eval: zoneout's expectation
    with torch.no_grad():   # LayerNorm gains/shifts off their neutral init, so a wrong gain gradient shows
        for name, p in layer.named_parameters():
            if name.startswith("ln_"):
                p.add_(torch.randn(p.shape, generator=torch.Generator().manual_seed(c["seed"] + 7), dtype=p.dtype))
    return layer


def _run_with_grads(layer, c, x, state, lengths):
    out, st_ = layer(x, state, lengths=lengths)
    leaves = [x] + ([] if state is None else _states(state))
    grads = torch.autograd.grad(_loss(out, st_, c["seed"]), leaves + list(layer.parameters()), allow_unused=True)
    return out, _states(st_), grads


def _assert_runs_equal(a, b, names, tol):
    out, st_, grads = a
    ref_out, ref_st, ref_grads = b
    torch.testing.assert_close(out, ref_out, **tol)
    for s, r in zip(st_, ref_st, strict=True):
        torch.testing.assert_close(s, r, **tol)
    for name, g, r in zip(names, grads, ref_grads, strict=True):
        if g is None or r is None:
            assert g is None and r is None or not (g if g is not None else r).any(), name
            continue
        torch.testing.assert_close(g, r, **tol, msg=lambda m, name=name: f"{name}: {m}")


@PROPS
@given(c=variant_configs())
def test_variant_cells_on_hand_bptt_equal_the_reference_loop(c):
    """LayerNorm, peephole, proj_size, zoneout (eval) and checkpointing, in any combination, with lengths
    (0 included) and a given state: the hand-written BPTT equals autograd over the reference loop."""
    x, state = _inputs({**c, "proj": c["variant"].get("proj_size", 0)})
    lengths = c["lengths"]
    bptt, ref = _variant_layer(c, "bptt"), _variant_layer(c, "reference")
    names = ["x"] + ([] if state is None else [f"state{i}" for i in range(len(_states(state)))])
    names += [n for n, _ in bptt.named_parameters()]
    _assert_runs_equal(_run_with_grads(bptt, c, x, state, lengths), _run_with_grads(ref, c, x, state, lengths),
                       names, TOL[c["dtype"]])


# ============================================================================ MinGRU / MinLSTM: scans vs the sequential loop
@st.composite
def minimal_configs(draw):
    T, B = draw(st.sampled_from([1, 2, 5, 15, 16, 17, 33, 40])), draw(st.integers(1, 3))
    return dict(cls_name=draw(st.sampled_from(["MinGRU", "MinLSTM"])), I=draw(st.integers(1, 3)),
                H=draw(st.integers(1, 4)), L=draw(st.integers(1, 2)), bidir=draw(st.booleans()),
                batch_first=draw(st.booleans()), bias=draw(st.booleans()),
                dtype=draw(st.sampled_from([torch.float32, torch.float64])), T=T, B=B,
                with_state=draw(st.booleans()), seed=draw(st.integers(0, 2**16)),
                scan=draw(st.sampled_from(["chunked", "log", "auto"])),
                lengths=draw(st.one_of(st.none(), st.lists(st.integers(0, T), min_size=B, max_size=B))))


def _minimal_layer(c, scan):
    torch.manual_seed(c["seed"])
    return getattr(rnnkit, c["cls_name"])(c["I"], c["H"], num_layers=c["L"], bias=c["bias"],
                                          batch_first=c["batch_first"], bidirectional=c["bidir"], dtype=c["dtype"],
                                          scan=scan)


@PROPS
@given(c=minimal_configs())
def test_minimal_scans_equal_the_sequential_loop(c):
    """MinGRU/MinLSTM: the chunked scan (hand-written backward; T across its chunk sizes) and the log scan
    equal the sequential autograd loop: outputs, final state, gradients of the input, state and weights."""
    x, state = _inputs({**c, "cls_name": "MinGRU", "proj": 0})
    fast, seq = _minimal_layer(c, c["scan"]), _minimal_layer(c, "sequential")
    names = ["x"] + ([] if state is None else ["state"]) + [n for n, _ in fast.named_parameters()]
    tol = TOL[c["dtype"]]
    if c["scan"] == "log":   # the log scan's rounding grows with T (rnnkit.engine.pscan.log_scan)
        tol = {torch.float64: dict(rtol=1e-7, atol=1e-8), torch.float32: dict(rtol=2e-3, atol=2e-4)}[c["dtype"]]
    _assert_runs_equal(_run_with_grads(fast, c, x, state, c["lengths"]),
                       _run_with_grads(seq, c, x, state, c["lengths"]), names, tol)


# ============================================================================ invariants
@st.composite
def any_layer_configs(draw):
    cls_name = draw(st.sampled_from(["LSTM", "GRU", "ElmanRNN", "MinGRU", "MinLSTM"]))
    T = draw(st.integers(2, 7))
    B = draw(st.integers(1, 3))
    c = dict(cls_name=cls_name, I=draw(st.integers(1, 3)), H=draw(st.integers(1, 4)), L=draw(st.integers(1, 2)),
             bidir=False, batch_first=draw(st.booleans()), bias=draw(st.booleans()), dtype=torch.float64, T=T, B=B,
             with_state=draw(st.booleans()), seed=draw(st.integers(0, 2**16)), cut=draw(st.integers(1, T - 1)),
             lengths=draw(st.one_of(st.none(), st.lists(st.integers(1, T), min_size=B, max_size=B))))
    if cls_name in ("MinGRU", "MinLSTM"):
        c["kw"] = {"scan": draw(st.sampled_from(["chunked", "log", "sequential"]))}
    else:
        kw = {"engine": draw(st.sampled_from(["auto", "bptt", "reference"])), "layer_norm": draw(st.booleans()),
              "zoneout": draw(st.sampled_from([0.0, 0.4]))}
        if cls_name == "LSTM":
            kw["peephole"] = draw(st.booleans())
            kw["proj_size"] = draw(st.integers(0, c["H"] - 1))
        if kw["layer_norm"] or kw["zoneout"] or kw.get("peephole"):
            kw["engine"] = "bptt" if kw["engine"] == "auto" else kw["engine"]
        c["kw"] = kw
    return c


def _any_layer(c):
    torch.manual_seed(c["seed"])
    layer = getattr(rnnkit, c["cls_name"])(c["I"], c["H"], num_layers=c["L"], bias=c["bias"],
                                           batch_first=c["batch_first"], dtype=c["dtype"],
                                           bidirectional=c["bidir"] == "flag", **c["kw"])
    return (rnnkit.Bidirectional(layer) if c["bidir"] == "wrap" else layer).eval()


@PROPS
@given(c=any_layer_configs())
def test_two_halves_with_the_state_passed_equal_one_run(c):
    """State in -> state out continuity: T run as [0, cut) then [cut, T) with the first call's final state
    passed equals T run at once (outputs and final state), with lengths too (a sequence that ended in the
    first half has length 0 in the second: its state passes through)."""
    layer = _any_layer(c)
    x, state = _inputs({**c, "proj": c["kw"].get("proj_size", 0)})
    x = x.detach()
    tdim = 1 if c["batch_first"] else 0
    lengths, cut = c["lengths"], c["cut"]
    out, st_ = layer(x, state, lengths=lengths)
    first = None if lengths is None else [min(n, cut) for n in lengths]
    second = None if lengths is None else [max(n - cut, 0) for n in lengths]
    out1, st1 = layer(x.narrow(tdim, 0, cut), state, lengths=first)
    out2, st2 = layer(x.narrow(tdim, cut, c["T"] - cut), st1, lengths=second)
    torch.testing.assert_close(torch.cat([out1, out2], tdim), out, rtol=1e-9, atol=1e-10)
    for a, b in zip(_states(st2), _states(st_), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-10)


@PROPS
@given(c=any_layer_configs(), row=st.integers(0, 2), bidir=st.sampled_from([False, "flag", "wrap"]))
def test_a_row_alone_equals_the_row_in_the_batch(c, row, bidir):
    """A batch of one (3-D) and the unbatched form (2-D) equal the same row inside a batch, with that
    row's length and initial state; bidirectional (flag or rnnkit.Bidirectional) too."""
    c = {**c, "bidir": bidir}
    layer = _any_layer(c)
    x, state = _inputs({**c, "proj": c["kw"].get("proj_size", 0)})
    x = x.detach()
    row = row % c["B"]
    bdim = 0 if c["batch_first"] else 1
    out, st_ = layer(x, state, lengths=c["lengths"])
    n = c["T"] if c["lengths"] is None else c["lengths"][row]
    xb = x.narrow(bdim, row, 1).narrow(1 - bdim, 0, n)
    sb = None if state is None else type(state)(s.narrow(1, row, 1) for s in _states(state)) \
        if isinstance(state, tuple) else state.narrow(1, row, 1)
    ob, stb = layer(xb, sb, lengths=None if c["lengths"] is None else [n])
    torch.testing.assert_close(ob, out.narrow(bdim, row, 1).narrow(1 - bdim, 0, n), rtol=1e-9, atol=1e-10)
    for a, b in zip(_states(stb), _states(st_), strict=True):
        torch.testing.assert_close(a, b.narrow(1, row, 1), rtol=1e-9, atol=1e-10)
    su = None if sb is None else (tuple(s.squeeze(1) for s in sb) if isinstance(sb, tuple) else sb.squeeze(1))
    ou, stu = layer(xb.squeeze(bdim), su)
    torch.testing.assert_close(ou, ob.squeeze(bdim), rtol=1e-9, atol=1e-10)
    for a, b in zip(_states(stu), _states(stb), strict=True):
        torch.testing.assert_close(a, b.squeeze(1), rtol=1e-9, atol=1e-10)


# ============================================================================ bad inputs: tensors that are not dense
NOT_DENSE = ["x_nested", "x_nested_lengths", "x_jagged", "x_sparse", "lengths_sparse", "state_sparse",
             "x_t_nested", "x_t_sparse"]


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors:UserWarning")
@pytest.mark.parametrize("kind", NOT_DENSE)
@settings(PROPS, max_examples=8)
@given(cls_name=st.sampled_from(["LSTM", "GRU", "ElmanRNN", "MinGRU", "MinLSTM", "Bidirectional"]),
       batch_first=st.booleans(), engine=st.sampled_from(["auto", "bptt", "reference"]))
def test_sparse_or_nested_arguments_are_typed_errors_naming_them(kind, cls_name, batch_first, engine):
    """A sparse or nested tensor as ``x``, ``x_t``, ``lengths`` or ``state`` is an InputTypeError naming the
    argument. Before, a nested x was torch's 'Internal error: NestedTensorImpl doesn't support sizes', sparse
    lengths torch's NotImplementedError of min(), and a sparse state either torch's NotImplementedError (GRU,
    MinGRU, Bidirectional) or accepted by some engines (ElmanRNN, MinLSTM's log scan)."""
    if cls_name == "Bidirectional":
        layer = rnnkit.Bidirectional(rnnkit.GRU(3, 4, batch_first=batch_first, engine=engine))
        if kind.startswith("x_t"):
            kind = "x_sparse"   # (its step is a ConfigError of its own)
    elif cls_name.startswith("Min"):
        layer = getattr(rnnkit, cls_name)(3, 4, batch_first=batch_first, scan="log" if engine == "bptt" else "auto")
    else:
        layer = getattr(rnnkit, cls_name)(3, 4, batch_first=batch_first, engine=engine)
    seqs = [torch.randn(4, 3), torch.randn(2, 3)]
    x, lengths = torch.nn.utils.rnn.pad_sequence(seqs, batch_first=batch_first), torch.tensor([4, 2])
    rows = 2 if cls_name == "Bidirectional" else 1
    state = torch.zeros(rows, 2, 4)
    if cls_name == "LSTM":
        state = (state, state.clone())
    name = kind.rsplit("_", 1)[0] if kind.startswith(("x_t", "lengths", "state")) else "x"
    if kind == "x_nested":
        call = lambda: layer(torch.nested.nested_tensor(seqs))  # noqa: E731
    elif kind == "x_nested_lengths":
        call = lambda: layer(torch.nested.nested_tensor(seqs), lengths=lengths)  # noqa: E731
    elif kind == "x_jagged":
        call = lambda: layer(torch.nested.nested_tensor(seqs, layout=torch.jagged), lengths=lengths)  # noqa: E731
    elif kind == "x_sparse":
        call = lambda: layer(x.to_sparse(), lengths=lengths)  # noqa: E731
    elif kind == "lengths_sparse":
        call = lambda: layer(x, lengths=lengths.to_sparse())  # noqa: E731
    elif kind == "state_sparse":
        sparse = tuple(s.to_sparse() for s in state) if isinstance(state, tuple) else state.to_sparse()
        call = lambda: layer(x, sparse, lengths=lengths)  # noqa: E731
    elif kind == "x_t_nested":
        call = lambda: layer.step(torch.nested.nested_tensor([torch.randn(3), torch.randn(3)]))  # noqa: E731
    else:
        call = lambda: layer.step(torch.randn(2, 3).to_sparse())  # noqa: E731
    with pytest.raises(rnnkit.errors.InputTypeError, match=rf"^{name}( \(\w+\))?: expected a dense"):
        call()


@PROPS
@given(c=any_layer_configs())
def test_step_by_step_equals_the_sequence_call(c):
    """``layer.step`` one step at a time (state carried) equals the full-sequence call: outputs and final state
    (the streaming oracle every layer documents), from a given state or from None."""
    layer = _any_layer(c)
    x, state = _inputs({**c, "proj": c["kw"].get("proj_size", 0)})
    x = x.detach()
    tdim = 1 if c["batch_first"] else 0
    out, st_ = layer(x, state)
    s, ys = state, []
    for t in range(c["T"]):
        y, s = layer.step(x.select(tdim, t), s)
        ys.append(y)
    torch.testing.assert_close(torch.stack(ys, tdim), out, rtol=1e-9, atol=1e-10)
    for a, b in zip(_states(s), _states(st_), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-10)


@settings(PROPS, max_examples=25)
@given(c=torch_configs(), enforce_sorted=st.booleans())
def test_packed_input_equals_torch_nn_packed(c, enforce_sorted):
    """A PackedSequence in gives torch.nn's PackedSequence out (same data, batch_sizes and indices) and its final
    state, in the caller's batch order, with a given initial state too."""
    layer, ref = _pair(c)
    x, state = _inputs(c)
    lengths = [max(n, 1) for n in (c["lengths"] or [c["T"]] * c["B"])]
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), batch_first=c["batch_first"],
                                                     enforce_sorted=enforce_sorted)
    out, st_ = layer(packed, state)
    ref_out, ref_st = ref(packed, state)
    tol = TOL[c["dtype"]]
    assert isinstance(out, torch.nn.utils.rnn.PackedSequence)
    torch.testing.assert_close(out.data, ref_out.data, **tol)
    assert torch.equal(out.batch_sizes, ref_out.batch_sizes)
    for a, b in ((out.sorted_indices, ref_out.sorted_indices), (out.unsorted_indices, ref_out.unsorted_indices)):
        assert (a is None and b is None) or torch.equal(a, b)
    for a, b in zip(_states(st_), _states(ref_st), strict=True):
        torch.testing.assert_close(a, b, **tol)


# ============================================================================ the scans on their own
@settings(PROPS, max_examples=30)
@given(T=st.sampled_from([1, 3, 15, 16, 17, 40, 70]), S=st.lists(st.integers(1, 3), min_size=1, max_size=2),
       with_h0=st.booleans(), with_mask=st.booleans(), method=st.sampled_from(["chunked", "sequential", "log"]),
       seed=st.integers(0, 2**16))
def test_linear_and_log_scans_equal_the_loop(T, S, with_h0, with_mask, method, seed):
    """``linear_scan`` (chunked, sequential) and ``log_scan`` solve h_t = a_t h_{t-1} + b_t as the loop written
    here does (padded steps keep the state and emit zeros; ``last`` is the last valid state), and their gradients
    w.r.t. a, b and h0 equal autograd's through that loop."""
    from rnnkit.engine.pscan import linear_scan, log_scan

    g = torch.Generator().manual_seed(seed)
    a = torch.rand(T, *S, generator=g, dtype=torch.float64).requires_grad_(True)
    b = (torch.rand(T, *S, generator=g, dtype=torch.float64) + 0.1).requires_grad_(True)
    h0 = torch.randn(*S, generator=g, dtype=torch.float64).requires_grad_(True) if with_h0 else None
    mask = None
    if with_mask:
        lengths = torch.randint(1, T + 1, (S[0],), generator=g)
        mask = (torch.arange(T).view(T, *([1] * len(S))) < lengths.view(1, -1, *([1] * (len(S) - 1))))
    if method == "log":
        h, last = log_scan(a.log(), b.log(), h0, mask=mask, return_last=True)
    else:
        h, last = linear_scan(a, b, h0, mask=mask, method=method, return_last=True)
    state, outs = (h0 if h0 is not None else torch.zeros(S, dtype=torch.float64)), []
    for t in range(T):
        new = a[t] * state + b[t]
        if mask is not None:
            new = torch.where(mask[t], new, state)
        outs.append(new if mask is None else new * mask[t])
        state = new
    ref = torch.stack(outs)
    tol = dict(rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(h, ref, **tol)
    torch.testing.assert_close(last, state, **tol)
    w = torch.randn(ref.shape, generator=g, dtype=torch.float64)
    leaves = [a, b] + ([h0] if h0 is not None else [])
    got = torch.autograd.grad((h * w).sum() + last.sum(), leaves)
    want = torch.autograd.grad((ref * w).sum() + state.sum(), leaves)
    for name, x, y in zip("ab0", got, want):
        torch.testing.assert_close(x, y, **tol, msg=lambda m, name=name: f"{name}: {m}")


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors:UserWarning")
@settings(PROPS, max_examples=30)
@given(fn=st.sampled_from(["linear_scan", "log_scan"]), arg=st.sampled_from(["a", "b", "h0", "mask", "return_last"]),
       kind=st.sampled_from(["sparse", "nested"]),
       flag=st.sampled_from(["no", "False", 1, 0, None, 1.0, (), [True]]))
def test_scans_name_a_sparse_nested_or_non_bool_argument(fn, arg, kind, flag):
    """``linear_scan``/``log_scan``: a sparse or nested tensor as a, b, h0 or mask is an InputTypeError naming it
    (torch's 'unsupported memory format option Contiguous', NotImplementedError of where/cumsum, 'Internal error:
    NestedTensorImpl doesn't support sizes'); ``return_last`` that is no bool is refused ("no" returned the pair)."""
    from rnnkit.engine import pscan

    a, b = torch.rand(5, 2, 3), torch.rand(5, 2, 3) + 0.1
    kwargs = {"a": a, "b": b, "h0": torch.zeros(2, 3), "mask": torch.ones(5, 2, 1, dtype=torch.bool)}
    if fn == "log_scan":
        kwargs["a"], kwargs["b"] = a.log(), b.log()
    if arg == "return_last":
        kwargs["return_last"] = flag
    elif kind == "sparse":
        kwargs[arg] = kwargs[arg].to_sparse()
    else:
        kwargs[arg] = torch.nested.nested_tensor(list(kwargs[arg]))
    name = {"a": "a" if fn == "linear_scan" else "log_a", "b": "b" if fn == "linear_scan" else "log_b"}.get(arg, arg)
    first, second = kwargs.pop("a"), kwargs.pop("b")
    with pytest.raises(rnnkit.errors.InputTypeError, match=rf"^{name}: expected a"):
        getattr(pscan, fn)(first, second, **kwargs)
