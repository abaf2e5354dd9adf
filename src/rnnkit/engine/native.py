"""Native dispatch: when a layer computes exactly what torch.nn.RNN/LSTM/GRU computes, run torch's
fused kernels (cuDNN on GPU, ATen on CPU) -- the same calls ``torch.nn.LSTM.forward`` makes.

Variable lengths go through ``pack_padded_sequence`` (``enforce_sorted=False``), so the kernels see a
packed batch and return each sequence's last valid state, with zeros at padded output steps.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

__all__ = ["run_native"]

_KERNELS = {
    "lstm": torch._VF.lstm,
    "gru": torch._VF.gru,
    "rnn_tanh": torch._VF.rnn_tanh,
    "rnn_relu": torch._VF.rnn_relu,
}


def run_native(kind: str, x: Tensor, state: tuple[Tensor, ...], flat_weights: list[Tensor], *, bias: bool,
               num_layers: int, dropout: float, training: bool, bidirectional: bool,
               lengths: Tensor | None) -> tuple[Tensor, tuple[Tensor, ...]]:
    """Time-major ``x`` ``(T, B, I)``; ``state`` tuple of ``(L*D, B, H)``; returns ``(out, state)``.

    Inside ``torch.compile`` it runs eagerly (a graph break), as dynamo treats ``torch.nn.LSTM``
    (``allow_rnn=False``): traced, the kernels' training graph failed ("expected Tensor() for op
    aten.mkldnn_rnn_layer"); ``torch.export``, which sets ``allow_rnn``, still traces them."""
    args = (kind, x, state, flat_weights, bias, num_layers, dropout, training, bidirectional, lengths)
    if torch.compiler.is_compiling():
        from torch._dynamo import config

        if not config.allow_rnn:
            return _run_eagerly()(*args)
    return _run(*args)


def _run(kind, x, state, flat_weights, bias, num_layers, dropout, training, bidirectional, lengths):
    fn = _KERNELS[kind]
    hx = state if kind == "lstm" else state[0]
    if lengths is None:
        out, *new = fn(x, hx, flat_weights, bias, num_layers, dropout, training, bidirectional, False)
        return out, tuple(new)
    packed = pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False)
    idx = packed.sorted_indices
    hx = tuple(h.index_select(1, idx) for h in state)
    hx = hx if kind == "lstm" else hx[0]
    out, *new = fn(packed.data, packed.batch_sizes, hx, flat_weights, bias, num_layers, dropout, training,
                   bidirectional)
    out_packed = PackedSequence(out, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
    out, _ = pad_packed_sequence(out_packed, total_length=x.shape[0])
    new = tuple(h.index_select(1, packed.unsorted_indices) for h in new)
    return out, new


_EAGER: list = []


def _run_eagerly():
    """``_run`` behind ``torch.compiler.disable``, made at its first use: wrapping it at import loaded
    ``torch._dynamo`` (3-4 s of a CLI start-up on a loaded 2-core machine) for every command, most of which never
    compile. Its first use is inside a trace, where dynamo reads the wrapper as it read the module-level one."""
    if not _EAGER:
        _EAGER.append(torch.compiler.disable(_run))
    return _EAGER[0]
