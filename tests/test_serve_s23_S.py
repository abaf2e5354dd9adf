"""Session 23, helper S: the HTTP service under slow and hostile clients, and export's lengths dtypes.

Servers are real uvicorn servers on 127.0.0.1 (a thread of the test) talked to over raw sockets where the client's
timing is the point. Oracles: the same body sent whole (a 200 and its journal line), the service's own sequential
answers and ``TextClassifier.predict_proba``, the forecasts of ``Forecaster.load(run).update(...)``, and, for export,
the model itself fed int64 lengths.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.usefixtures("one_thread")


# ------------------------------------------------------------------ 4. export: lengths dtypes
def test_input_spec_refuses_a_lengths_dtype_that_wraps_or_rounds():
    """A lengths input of dtype int8/uint8 held lengths up to 127/255: a sequence of 300 steps had length 44, and
    bfloat16/float16 round lengths past 256/2048 (301 -> 300), silently. Such a spec is a ConfigError naming the
    dtype; int16 and wider, float32/64 and the ids of any integer dtype are taken as before."""
    from rnnkit.errors import ConfigError
    from rnnkit.export.signature import InputSpec

    assert torch.tensor(300).to(torch.int8).item() == 44 and torch.tensor(301.0).to(torch.bfloat16).item() == 300
    for dtype, top in ((torch.int8, 127), (torch.uint8, 255), (torch.bfloat16, 256), (torch.float16, 2048)):
        with pytest.raises(ConfigError, match=rf"^InputSpec.dtype: expected a dtype holding lengths up to at least "
                                              rf"32767 for kind 'lengths' .*{dtype} holds whole numbers up to {top} "
                                              rf"only"):
            InputSpec("lengths", ("batch",), dtype, "lengths")
    for dtype in (torch.int16, torch.int32, torch.int64, torch.float32, torch.float64):
        InputSpec("lengths", ("batch",), dtype, "lengths")
    InputSpec("ids", ("batch", "time"), torch.int8, "ids", high=100)
    InputSpec("x", ("batch", "time", 3), torch.float16)


class _LengthsModel(torch.nn.Module):
    """A GRU reading ``(x, lengths)``; lengths of any dtype are read as int64."""

    def __init__(self):
        super().__init__()
        import rnnkit

        torch.manual_seed(0)
        self.gru = rnnkit.GRU(3, 4, batch_first=True)

    def forward(self, x, lengths):
        return self.gru(x, None, lengths.long())[1]


def test_the_runner_refuses_lengths_that_are_not_whole_or_a_time_axis_past_their_dtype(tmp_path):
    """onnxruntime ran float lengths 2.5 (as 3 steps: the model itself refuses them) and NaN (NaN passes every range
    check); a time axis longer than the lengths dtype holds (int16: 32767) can only come with wrapped lengths. Each is
    a typed error naming the input. Oracle: the model fed the same whole lengths as int64."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from rnnkit.errors import DataError, ShapeError
    from rnnkit.export import export, load_runner
    from rnnkit.export.signature import InputSpec

    model = _LengthsModel().eval()
    x = torch.randn(2, 5, 3)
    for dtype in (torch.float32, torch.int16):
        path = tmp_path / f"m_{str(dtype)[6:]}.onnx"
        export(model, path, inputs=[InputSpec("x", ("batch", "time", 3)), InputSpec("lengths", ("batch",), dtype,
                                                                                     "lengths")])
        run = load_runner(path, "onnx")
        with torch.no_grad():
            want = model(x, torch.tensor([5, 3])).numpy()
        np.testing.assert_allclose(run(x, torch.tensor([5, 3], dtype=dtype))[0], want, atol=1e-5)
        if dtype == torch.float32:
            for bad in (2.5, float("nan")):
                with pytest.raises(DataError, match=rf"^lengths: expected whole numbers \(lengths in dtype float32\), "
                                                    rf"got {bad}$"):
                    run(x, torch.tensor([5.0, bad]))
        else:
            with pytest.raises(ShapeError, match=r"^lengths: expected a time axis of at most 32767 steps \(the longest "
                                                 r"length its dtype int16 holds"):
                run(torch.zeros(1, 32768, 3), torch.tensor([5], dtype=dtype))
