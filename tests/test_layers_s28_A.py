"""Session 28, helper A: the layer call under arguments a practitioner passes (a generated sweep against
torch.nn with the same weights): wide unsigned lengths tensors."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.errors import ShapeError

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
