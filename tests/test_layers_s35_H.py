"""Session 35, helper H: rnnkit layers against torch.nn's contract -- ``all_weights``, and the dtype under CPU autocast
(rnnkit's rule: the autocast dtype whatever the lengths; torch.nn.LSTM's: the dtype of the kernel that ran).
Oracle: torch.nn run in the same test with the same weights."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnkit

pytestmark = pytest.mark.usefixtures("one_thread_module")

BF16 = torch.bfloat16


@pytest.mark.parametrize("kind,kw", [("LSTM", dict(num_layers=2, bidirectional=True, proj_size=2)),
                                     ("GRU", dict(num_layers=2, bias=False)), ("RNN", dict(bidirectional=True))])
def test_all_weights_are_torch_nn_s(kind, kw):
    """torch.nn.RNNBase.all_weights (public: per layer and direction, the weights in order) was an AttributeError on
    every rnnkit layer at 85b997f, so code written for torch.nn.LSTM that reads it failed."""
    torch.manual_seed(0)
    ref = getattr(nn, kind)(3, 4, **kw)
    layer = rnnkit.from_torch(ref)
    want, got = ref.all_weights, layer.all_weights
    assert [len(r) for r in got] == [len(r) for r in want]
    assert all(torch.equal(a, b) for rw, rg in zip(want, got) for a, b in zip(rw, rg))
    assert got[0][1] is layer.weight_hh_l0          # the parameters themselves (an optimizer may take them)


def test_all_weights_reads_a_pruned_weight_as_the_layer_runs_it():
    import torch.nn.utils.prune as prune

    layer = rnnkit.GRU(3, 4)
    prune.l1_unstructured(layer, "weight_hh_l0", 0.5)
    assert torch.equal(layer.all_weights[0][1], layer.weight_hh_l0) and bool((layer.all_weights[0][1] == 0).any())


def _torch_lstm(ref, x, lengths):
    if lengths is None:
        return ref(x)
    out, st = ref(pack_padded_sequence(x, lengths, enforce_sorted=False))
    return pad_packed_sequence(out, total_length=x.shape[0])[0], st


@pytest.mark.parametrize("engine", ["native", "bptt", "reference"])
def test_lstm_dtype_under_cpu_autocast_depends_neither_on_lengths_nor_on_the_onednn_flag(engine):
    """torch.nn.LSTM under CPU autocast returns the dtype of the kernel that ran: bfloat16 from oneDNN (padded input,
    or packed of equal lengths), float32 from its ATen cell (packed of unequal lengths, or any input with
    torch.backends.mkldnn off). rnnkit's LSTM returns bfloat16 in each case (docs/design.md, Engine), its values within
    bfloat16's rounding of torch.nn's."""
    torch.manual_seed(0)
    ref = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    layer = rnnkit.from_torch(ref)
    layer.engine = engine
    x = torch.randn(6, 3, 3)
    onednn_bf16 = torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    for lengths, mkldnn, torch_bf16 in ((None, True, True), (torch.tensor([6, 6, 6]), True, True),
                                        (torch.tensor([6, 2, 4]), True, False), (None, False, False)):
        with torch.autocast("cpu", dtype=BF16), torch.backends.mkldnn.flags(enabled=mkldnn):
            want, (wh, wc) = _torch_lstm(ref, x, lengths)
            got, (gh, gc) = layer(x, lengths=lengths)
        if onednn_bf16:   # torch's side, the premise (its kernel choice), where this CPU has oneDNN's bf16 kernels
            assert want.dtype == wh.dtype == wc.dtype == (BF16 if torch_bf16 else torch.float32)
        assert got.dtype == gh.dtype == gc.dtype == BF16
        for a, b in ((got, want), (gh, wh), (gc, wc)):
            assert (a.float() - b.float()).abs().max() < 0.03
