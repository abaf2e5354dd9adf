"""Helper W, session 29: the Hopfield *layers* read no values in forward, as rnnkit's recurrent layers and torch.nn's
modules do (5749ea6 made HopfieldLayer/HopfieldPooling check every input for NaN/inf on every call: a host-device
sync per forward on CUDA -- no CUDA-graph capture, a stalled training loop -- and, under float16, an overflow inside
the model named the user's finite 'inputs'). NaN in gives NaN out, where it is; the Trainer names a non-finite loss.
The memories and the functions (hopfield_update, scaled_softmax, overlap) still refuse non-finite values."""

from __future__ import annotations

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from rnnkit.errors import DataError
from rnnkit.hopfield import HopfieldLayer, HopfieldPooling, hopfield_update

G = torch.Generator().manual_seed(0)


class _Reads(TorchDispatchMode):
    """Records the ops that read a tensor's value on the host (bool(t), t.item(), float(t)): on CUDA each is a sync."""

    def __init__(self):
        super().__init__()
        self.reads = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func in (torch.ops.aten._local_scalar_dense.default, torch.ops.aten.is_nonzero.default):
            self.reads.append(str(func))
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("name", ["layer learned", "layer given stored", "pooling"])
def test_a_forward_reads_no_value(name):
    q = torch.randn(2, 3, 8, generator=G)
    layer = {"layer learned": lambda: HopfieldLayer(8, n_patterns=4)(q),
             "layer given stored": lambda: HopfieldLayer(8)(q, torch.randn(2, 5, 8, generator=G)),
             "pooling": lambda: HopfieldPooling(8)(q)}[name]
    with _Reads() as seen:
        out = layer()
    assert out.shape[0] == 2 and seen.reads == []


def test_nan_in_a_query_gives_nan_in_its_row_only_as_the_recurrent_layers_do():
    q = torch.randn(2, 3, 8, generator=G)
    q[1, 2, 3] = float("nan")
    out = HopfieldLayer(8, n_patterns=4)(q)
    assert torch.isnan(out[1, 2]).all() and torch.isfinite(out[0]).all() and torch.isfinite(out[1, :2]).all()
    pooled = HopfieldPooling(8)(q)
    assert torch.isnan(pooled[1]).all() and torch.isfinite(pooled[0]).all()


def test_the_functions_still_refuse_non_finite_values():
    q = torch.randn(3, 8, generator=G)
    q[2, 3] = float("inf")
    with pytest.raises(DataError, match=r"^states: expected finite values, got inf at \[2, 3\]$"):
        hopfield_update(q, torch.randn(5, 8, generator=G), 1.0)
