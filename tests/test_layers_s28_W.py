"""Session 28, helper W (review of the session's change): the dtypes a layer takes under CPU autocast."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.errors import InputTypeError


@pytest.mark.parametrize("kind, kw", [("GRU", {}), ("LSTM", {}), ("LSTM", {"proj_size": 2}), ("ElmanRNN", {})])
@pytest.mark.parametrize("engine", ["native", "bptt"])
def test_the_other_16_bit_dtype_under_bfloat16_autocast_is_refused(kind, kw, engine):
    """68c2853 let any of float16/bfloat16/float32 meet float32 weights under autocast; a float16 tensor under
    bfloat16 autocast then chose the result's dtype by engine: GRU(engine="bptt") computed and returned float16 where
    torch.nn.GRU and the native engine return float32 (bfloat16 and float16 promote to float32), an LSTM with a
    float16 input returned bfloat16 where torch.nn.LSTM returns float32. Refused again, as at 9e7b5a7, naming the
    tensor. Fails at 845b857 (accepted: 8 of 8)."""
    layer = getattr(rnnkit, kind)(3, 4, batch_first=True, engine=engine, **kw)
    hs = kw.get("proj_size", 4)
    h16 = torch.zeros(1, 2, hs, dtype=torch.float16)
    state = (h16, torch.zeros(1, 2, 4, dtype=torch.float16)) if kind == "LSTM" else h16
    with torch.autocast("cpu", dtype=torch.bfloat16):
        with pytest.raises(InputTypeError, match=r"^state.*expected dtype torch.float32, got torch.float16"):
            layer(torch.randn(2, 5, 3), state)
        with pytest.raises(InputTypeError, match=r"^x: expected dtype torch.float32 \(the layer's\), got torch.float16"):
            layer(torch.randn(2, 5, 3, dtype=torch.float16))


@pytest.mark.parametrize("engine", ["native", "bptt"])
def test_the_autocast_dtype_and_float32_are_still_taken_as_torch_nn_takes_them(engine):
    """The case 68c2853 opened stays open: a bfloat16 input (a Linear's output under autocast) with a float32 state,
    the dtypes torch.nn.GRU returns (float32 for a float32 state, bfloat16 for a bfloat16 one)."""
    gru = rnnkit.GRU(3, 4, batch_first=True, engine=engine)
    x = torch.randn(2, 5, 3, dtype=torch.bfloat16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out32, h32 = gru(x, torch.zeros(1, 2, 4))
        out16, h16 = gru(x, torch.zeros(1, 2, 4, dtype=torch.bfloat16))
    assert (out32.dtype, h32.dtype, out16.dtype, h16.dtype) == (torch.float32,) * 2 + (torch.bfloat16,) * 2
