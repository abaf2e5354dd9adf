"""Session 34, helper H: hostile sweep of rnnkit.export. Oracles: the rnnkit layer itself run on the same inputs
(its own engine, not the export's scan twin), and its halves run by hand."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.mark.parametrize("cls_name", ["MinGRU", "MinLSTM"])
def test_a_bidirectional_wrapper_over_a_minimal_layer_exports_with_lengths(tmp_path, cls_name):
    # Bidirectional(MinGRU(...)) was an AttributeError ('MinGRU' object has no attribute 'cell') from the export's
    # signature, which read a RecurrentLayer's .cell on whatever the wrapper held; docs name Bidirectional over any
    # unidirectional layer, and the export error messages list MinGRU, MinLSTM and Bidirectional as exported.
    import torch

    import rnnkit
    from rnnkit.export import export, load_runner

    torch.manual_seed(0)
    bi = rnnkit.Bidirectional(getattr(rnnkit, cls_name)(3, 4, num_layers=2, batch_first=True), merge="sum").eval()
    res = export(bi, tmp_path / "bi.onnx", lengths=True)
    assert [i["name"] for i in res.inputs] == ["x", "h0", "lengths"] and res.outputs == ["output", "h_n"]
    assert res.inputs[1]["shape"] == [4, "batch", 4]       # both stacks' 2 layers, forward first
    run = load_runner(tmp_path / "bi.onnx", "onnx")
    x, h0, lengths = torch.randn(3, 6, 3), torch.randn(4, 3, 4), torch.tensor([6, 1, 3])   # unsorted, short rows
    got = run(x, h0, lengths)
    with torch.no_grad():
        want = bi(x, h0, lengths)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w.numpy(), atol=1e-5)


def test_a_layer_with_an_orthogonal_weight_exports_to_onnx_and_stays_parametrized(tmp_path):
    # torch.nn.utils.parametrizations.orthogonal: its matrix exponential went into the graph, which the ONNX exporter
    # cannot convert (torch's many-line ConversionError). The copy the export traces now holds the weight's value; the
    # caller's layer keeps its parametrization (torch's remove_parametrizations on the copy would delete the weight's
    # property from the class the copy shares with it: the layer then had no weight_hh_l0).
    import torch
    from torch.nn.utils import parametrizations, parametrize

    import rnnkit
    from rnnkit.export import export, load_runner

    torch.manual_seed(0)
    gru = rnnkit.GRU(3, 4, bidirectional=True).eval()
    parametrizations.orthogonal(gru, "weight_hh_l0")
    x, h0, lengths = torch.randn(6, 3, 3), torch.randn(2, 3, 4), torch.tensor([6, 2, 4])
    with torch.no_grad():
        before = gru(x, h0, lengths)
    export(gru, tmp_path / "gru.onnx", lengths=True)
    assert parametrize.is_parametrized(gru, "weight_hh_l0")
    with torch.no_grad():
        after = gru(x, h0, lengths)
    for a, b in zip(after, before):
        assert torch.equal(a, b)
    got = load_runner(tmp_path / "gru.onnx", "onnx")(x, h0, lengths)
    for g, w in zip(got, before):
        np.testing.assert_allclose(g, w.numpy(), atol=1e-5)


def test_a_torch_lstm_with_parametrized_weights_exports_alone_and_stays_parametrized(tmp_path):
    # export(torch.nn.LSTM) converts the layer with from_torch, which refuses a parametrized weight with the advice to
    # remove_parametrizations -- which changes the caller's layer; the same LSTM inside a module exported (a802c81).
    # Now the conversion reads a baked copy. Oracle: the torch.nn.LSTM itself on a packed batch.
    import torch
    from torch.nn.utils import parametrizations, parametrize
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    from rnnkit.export import export, load_runner

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4, bidirectional=True).eval()
    parametrizations.orthogonal(lstm, "weight_hh_l0_reverse")
    parametrizations.weight_norm(lstm, "weight_ih_l0")
    x, lengths = torch.randn(6, 3, 3), torch.tensor([6, 2, 4])
    with torch.no_grad():
        out, (h_n, c_n) = lstm(pack_padded_sequence(x, lengths, enforce_sorted=False))
    out = pad_packed_sequence(out, total_length=6)[0]
    export(lstm, tmp_path / "lstm.onnx", state=False, lengths=True)
    assert parametrize.is_parametrized(lstm, "weight_hh_l0_reverse") and parametrize.is_parametrized(lstm, "weight_ih_l0")
    got = load_runner(tmp_path / "lstm.onnx", "onnx")(x, lengths)
    for g, w in zip(got, (out, h_n, c_n)):
        np.testing.assert_allclose(g, w.numpy(), atol=1e-5)
