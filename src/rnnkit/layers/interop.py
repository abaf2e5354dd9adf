"""Moving layers between rnnkit and torch.nn: same parameter names, gate order and state layout."""

from __future__ import annotations

import torch
from torch import nn

from rnnkit.errors import ConfigError, InputTypeError

__all__ = ["from_torch", "to_torch"]


def from_torch(module: nn.Module):
    """Return the rnnkit layer computing exactly what ``module`` (``torch.nn.RNN/LSTM/GRU``) computes,
    with its weights copied, on the same device and dtype and in the same training mode.

    >>> import torch, rnnkit
    >>> m = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True)
    >>> layer = rnnkit.from_torch(m)
    >>> x = torch.randn(2, 4, 3)
    >>> torch.allclose(layer(x)[0], m(x)[0])
    True
    """
    from rnnkit.layers.recurrent import GRU, LSTM, ElmanRNN

    if isinstance(module, nn.LSTM):
        cls, extra = LSTM, {"proj_size": module.proj_size}
    elif isinstance(module, nn.GRU):
        cls, extra = GRU, {}
    elif isinstance(module, nn.RNN):
        cls, extra = ElmanRNN, {"nonlinearity": module.nonlinearity}
    else:
        raise InputTypeError(f"module: expected torch.nn.RNN, LSTM or GRU, got {type(module).__name__}")
    w = module.weight_ih_l0
    layer = cls(module.input_size, module.hidden_size, num_layers=module.num_layers, bias=module.bias,
                batch_first=module.batch_first, dropout=float(module.dropout),
                bidirectional=module.bidirectional, device=w.device, dtype=w.dtype, **extra)
    with torch.no_grad():
        layer.load_state_dict(module.state_dict())
    layer.train(module.training)
    return layer


def to_torch(layer) -> nn.Module:
    """The ``torch.nn`` module equal to an rnnkit layer, with weights copied (where representable)."""
    if not layer.native_ok or getattr(layer, "layer_norm", False) or getattr(layer, "peephole", False):
        raise ConfigError(f"layer: {layer._variant_summary()} has no torch.nn equivalent")
    if layer.merge != "concat" and layer.bidirectional:
        raise ConfigError(f"layer: merge={layer.merge!r} has no torch.nn equivalent (torch concatenates directions)")
    kinds = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn_tanh": nn.RNN, "rnn_relu": nn.RNN}
    native = layer.cell.native
    if native not in kinds:
        raise ConfigError(f"layer: cell {layer.cell.name!r} has no torch.nn equivalent")
    extra = {"nonlinearity": native[4:]} if native.startswith("rnn_") else {}
    if layer.proj_size:
        extra["proj_size"] = layer.proj_size
    w = layer.weight_ih_l0
    module = kinds[native](layer.input_size, layer.hidden_size, num_layers=layer.num_layers, bias=layer.bias,
                           batch_first=layer.batch_first, dropout=layer.dropout,
                           bidirectional=layer.bidirectional, device=w.device, dtype=w.dtype, **extra)
    with torch.no_grad():
        module.load_state_dict(layer.state_dict())
    module.train(layer.training)
    return module
