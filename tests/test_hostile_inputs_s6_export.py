"""Export of models the docs say export, session 6 sweep: a bias-free ``nn.Linear`` (any head without
a bias, and HopfieldPooling's key projection) and a float64 layer. Oracle: the eager model, run again
by onnxruntime at a size other than the traced one."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnnkit

ort = pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.usefixtures("one_thread_module")


class Head(torch.nn.Module):
    """GRU -> HopfieldPooling (its key is a Linear without bias) -> a Linear head without bias."""

    def __init__(self):
        from rnnkit.hopfield import HopfieldPooling

        super().__init__()
        self.rnn = rnnkit.GRU(3, 4, batch_first=True)
        self.pool = HopfieldPooling(4)
        self.out = torch.nn.Linear(4, 2, bias=False)

    def forward(self, x):
        return self.out(self.pool(self.rnn(x)[0]))


def test_a_module_with_a_bias_free_linear_exports_with_parity(tmp_path):
    # exportable() turned parameters into buffers and dropped the None ones: Linear(bias=False).forward
    # then read self.bias -> AttributeError "'Linear' object has no attribute 'bias'" (raw, mid-trace)
    from rnnkit.export import InputSpec, export

    torch.manual_seed(0)
    model = Head().eval()
    res = export(model, tmp_path / "head.onnx", inputs=[InputSpec("x", ("batch", "time", 3))])
    assert res.max_abs_diff <= 1e-5
    x = torch.randn(3, 7, 3)
    sess = ort.InferenceSession(str(tmp_path / "head.onnx"), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        want = model(x).numpy()
    assert np.abs(sess.run(None, {"x": x.numpy()})[0] - want).max() <= 1e-5
    assert model.out.bias is None and model.out.weight.requires_grad      # the caller's model untouched


def test_a_float64_layer_exports_in_float64(tmp_path):
    # the example and state inputs were float32 whatever the layer: a float64 GRU was refused with
    # "x: expected dtype torch.float64 (the layer's), got torch.float32" for an x the caller never gave
    from rnnkit.export import export

    torch.manual_seed(0)
    gru = rnnkit.GRU(3, 4, batch_first=True, dtype=torch.float64)
    res = export(gru, tmp_path / "gru64.onnx")
    assert res.max_abs_diff <= 1e-12
    sess = ort.InferenceSession(str(tmp_path / "gru64.onnx"), providers=["CPUExecutionProvider"])
    assert [i.type for i in sess.get_inputs()] == ["tensor(double)", "tensor(double)"]
    x, h0 = torch.randn(2, 9, 3, dtype=torch.float64), torch.randn(1, 2, 4, dtype=torch.float64)
    with torch.no_grad():
        out, h = gru(x, h0)
    got_out, got_h = sess.run(None, {"x": x.numpy(), "h0": h0.numpy()})
    assert np.abs(got_out - out.numpy()).max() <= 1e-12 and np.abs(got_h - h.numpy()).max() <= 1e-12
