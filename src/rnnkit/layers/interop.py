"""Moving layers between rnnkit and torch.nn: same parameter names, gate order and state layout
(:func:`from_torch`; the other way is the layer's own :meth:`~rnnkit.RecurrentLayer.to_torch`)."""

from __future__ import annotations

import torch
from torch import nn

from rnnkit.errors import InputTypeError
from rnnkit.layers.inputs import check_plain_weights
from rnnkit.layers.recurrent import GRU, LSTM, ElmanRNN, RecurrentLayer

__all__ = ["from_torch", "to_torch"]


def from_torch(module: nn.Module):
    """Return the rnnkit layer computing exactly what ``module`` (``torch.nn.RNN/LSTM/GRU``) computes,
    with its weights copied, on the same device and dtype, in the same training mode and with the same
    parameters frozen (``requires_grad=False``).

    >>> import torch, rnnkit
    >>> m = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True)
    >>> layer = rnnkit.from_torch(m)
    >>> x = torch.randn(2, 4, 3)
    >>> torch.allclose(layer(x)[0], m(x)[0])
    True

    A subclass that overrides ``forward`` (weight drop, a residual, ...) is refused: its weights would be converted to
    the base class's computation, not its own.
    """
    return convert_torch(module, own_forward=False)


def convert_torch(module: nn.Module, own_forward: bool):
    """:func:`from_torch`; ``own_forward=True`` also converts a subclass that overrides ``forward``, to the base class's
    computation (for a caller that checks the result against the module itself: the export's parity check)."""
    if isinstance(module, nn.LSTM):
        cls, extra = LSTM, {"proj_size": module.proj_size}
    elif isinstance(module, nn.GRU):
        cls, extra = GRU, {}
    elif isinstance(module, nn.RNN):
        cls, extra = ElmanRNN, {"nonlinearity": module.nonlinearity}
    else:
        raise InputTypeError(f"module: expected torch.nn.RNN, LSTM or GRU, got {type(module).__name__}")
    base = {LSTM: nn.LSTM, GRU: nn.GRU, ElmanRNN: nn.RNN}[cls]
    if type(module).forward is not base.forward and not own_forward:   # converted to the base's math, silently
        raise InputTypeError(f"module: expected the computation of torch.nn.{base.__name__}, got "
                             f"{type(module).__name__}, a subclass overriding forward() (rnnkit would compute "
                             f"torch.nn.{base.__name__}'s, not its own)")
    check_plain_weights("module", module, module._flat_weights_names)   # weight norm, pruning: their parts
    w = module.weight_ih_l0
    layer = cls(module.input_size, module.hidden_size, num_layers=module.num_layers, bias=module.bias,
                batch_first=module.batch_first, dropout=float(module.dropout),
                bidirectional=module.bidirectional, device=w.device, dtype=w.dtype, **extra)
    with torch.no_grad():
        layer.load_state_dict(module.state_dict())
    layer.train(module.training)
    _same_frozen(module, layer)
    return layer


def _same_frozen(source: nn.Module, target: nn.Module) -> None:
    """Give ``target``'s parameters the ``requires_grad`` of ``source``'s of the same name: a weight frozen
    before a conversion stays frozen (a fresh module's were all trainable, so a conversion unfroze it, silently)."""
    params = dict(target.named_parameters())
    for name, p in source.named_parameters():
        params[name].requires_grad_(p.requires_grad)


def to_torch(layer: RecurrentLayer) -> nn.Module:
    """The ``torch.nn`` module equal to an rnnkit layer, with weights copied: :meth:`RecurrentLayer.to_torch`."""
    if not isinstance(layer, RecurrentLayer):
        raise InputTypeError(f"layer: expected an rnnkit RecurrentLayer (ElmanRNN, LSTM, GRU, ...), got {type(layer).__name__}")
    return layer.to_torch()
