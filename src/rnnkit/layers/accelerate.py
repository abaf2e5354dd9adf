"""The speed switch for a whole model: :func:`accelerate` puts every rnnkit recurrent layer inside a
model on the fused engine.

``rnnkit.accelerate(model)`` sets ``engine="fused"`` on every :class:`rnnkit.RecurrentLayer` (and its
subclasses, also inside :class:`rnnkit.Bidirectional`): the hand-written BPTT whose every step is one
GEMM + one compiled pointwise kernel forward and one compiled pointwise kernel + one GEMM backward
(:mod:`rnnkit.engine.fused`). Layers whose configuration torch's own fused kernels compute (plain
LSTM/GRU/Elman, ``proj_size``) keep ``engine="auto"`` (cuDNN / oneDNN) unless ``keep_native=False``.
MinGRU/MinLSTM (parallel scan) and :class:`rnnkit.Recurrent` (nested cells, autograd) are left alone.
The other speed switch, CUDA-graph capture of a whole train step, is
:func:`rnnkit.training.capture.capture_train_step`.
"""

from __future__ import annotations

import warnings

from torch import nn

from rnnkit._validate import check_bool, check_choice
from rnnkit.errors import InputTypeError
from rnnkit.layers.recurrent import RecurrentLayer

__all__ = ["accelerate"]

_SWITCH_ENGINES = ("fused", "bptt", "auto")


def accelerate(model: nn.Module, *, engine: str = "fused", keep_native: bool = True) -> nn.Module:
    """Switch every rnnkit recurrent layer inside ``model`` to ``engine`` (in place; returns ``model``).

    ``engine="fused"``: compiled per-step kernels (see :mod:`rnnkit.engine.fused`); ``"bptt"`` / ``"auto"``
    switch back. ``keep_native``: leave layers that torch's own fused kernels compute (cuDNN / oneDNN) on
    ``"auto"``. Precision is unchanged: every path computes in the parameters' dtype.

    >>> import torch, rnnkit
    >>> net = torch.nn.Sequential(rnnkit.LSTM(3, 4, layer_norm=True), rnnkit.GRU(4, 4))
    >>> _ = rnnkit.accelerate(net)
    >>> [m.engine for m in net]   # the LayerNorm LSTM is fused, the plain GRU stays on torch's kernel
    ['fused', 'auto']
    """
    if not isinstance(model, nn.Module):
        raise InputTypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    check_choice("engine", engine, _SWITCH_ENGINES)
    keep_native = check_bool("keep_native", keep_native)
    layers = [m for m in model.modules() if isinstance(m, RecurrentLayer)]
    if not layers:
        warnings.warn(f"accelerate: model ({type(model).__name__}) holds no rnnkit recurrent layer; nothing "
                      "was switched", stacklevel=2)
    for layer in layers:
        layer.engine = "auto" if keep_native and engine == "fused" and layer.native_ok else engine
    return model
