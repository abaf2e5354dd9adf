"""One registry of recurrent layers by name: ``"lstm"``, ``"gru"``, ``"elman"``, ``"elman_relu"``,
``"mingru"``, ``"minlstm"``, and every cell registered with :func:`rnnkit.register_cell` (as a
:class:`~rnnkit.RecurrentLayer` over that cell). Tasks, experiments and benchmarks build their layers
here, so a name means the same layer everywhere and a new cell is usable by all of them at once.

``make_layer(cell, input_size, hidden_size, **kwargs)`` passes ``kwargs`` to the layer's constructor
(``num_layers``, ``batch_first``, ``bidirectional``, ``dropout``, ``merge``; ``engine`` and the variants
for the cell layers, ``scan`` for MinGRU/MinLSTM).

>>> import torch
>>> layer = make_layer("gru", 3, 8, num_layers=2, batch_first=True)
>>> type(layer).__name__, layer(torch.randn(4, 5, 3))[0].shape
('GRU', torch.Size([4, 5, 8]))
>>> type(make_layer("minlstm", 3, 8)).__name__
'MinLSTM'
>>> make_layer("lstmm", 3, 8)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
rnnkit.errors.ConfigError: cell: expected one of [...'lstm'...], got 'lstmm'
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import partial
from typing import Callable

from torch import nn

from rnnkit._validate import plain
from rnnkit.cells.base import available_cells
from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.layers.minimal import MinGRU, MinLSTM
from rnnkit.layers.recurrent import GRU, LSTM, ElmanRNN, RecurrentLayer

__all__ = ["LayerSpec", "register_layer", "get_layer", "make_layer", "available_layers"]


@dataclass(frozen=True)
class LayerSpec:
    """A named layer: ``build(input_size, hidden_size, **kwargs) -> nn.Module`` and a one-line description."""

    name: str
    build: Callable[..., nn.Module]
    description: str = ""


_LAYERS: dict[str, LayerSpec] = {}


def register_layer(name: str, build: Callable[..., nn.Module], description: str = "") -> LayerSpec:
    """Add (or replace) the layer ``name``: ``build(input_size, hidden_size, **kwargs)`` returns it.

    >>> import rnnkit
    >>> spec = register_layer("wide_gru", lambda i, h, **kw: rnnkit.GRU(i, 2 * h, **kw), "a GRU of twice the size")
    >>> make_layer("wide_gru", 3, 4).hidden_size
    8
    >>> _ = _LAYERS.pop("wide_gru")   # (keep the doctest's registry as it was)
    """
    if not isinstance(name, str) or not name:
        raise InputTypeError(f"name: expected a non-empty str, got {name!r}")
    if not callable(build):
        raise InputTypeError(f"build: expected a callable build(input_size, hidden_size, **kwargs), got {type(build).__name__}")
    name = plain(name)     # np.str_ as str: available_layers() listed np.str_('wide_gru')
    spec = LayerSpec(name, build, description)
    _LAYERS[name] = spec
    return spec


def available_layers() -> list[str]:
    """Every name :func:`make_layer` accepts: the registered layers and the registered cells."""
    return sorted(set(_LAYERS) | set(available_cells()))


def get_layer(cell: str) -> LayerSpec:
    """The :class:`LayerSpec` of ``cell``; a registered cell without a layer entry is a
    :class:`~rnnkit.RecurrentLayer` over it."""
    if not isinstance(cell, str):
        raise InputTypeError(f"cell: expected a layer name (one of {available_layers()}), got {cell!r} "
                             f"({type(cell).__name__})")
    if cell in _LAYERS:
        return _LAYERS[cell]
    if cell in available_cells():
        return LayerSpec(cell, partial(RecurrentLayer, cell), f"RecurrentLayer over the registered cell {cell!r}")
    raise ConfigError(f"cell: expected one of {available_layers()}, got {cell!r}")


def make_layer(cell: str, input_size: int, hidden_size: int, **kwargs) -> nn.Module:
    """The layer named ``cell`` (see the module docstring), built with ``kwargs``; an option the layer does
    not have is an InputTypeError (a TypeError, as Python's own) naming it and the options it has."""
    spec = get_layer(cell)
    try:
        signature = inspect.signature(spec.build)
    except (TypeError, ValueError):  # a builder without a signature: let it check its own arguments
        signature = None
    if signature is not None:
        try:
            signature.bind(input_size, hidden_size, **kwargs)
        except TypeError:
            takes = [n for n, p in signature.parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
            unknown = sorted(set(kwargs) - set(takes))
            raise InputTypeError(f"kwargs: expected options of the {cell!r} layer ({', '.join(takes[2:])}), got "
                              f"{', '.join(unknown) or 'an argument twice'}") from None
    return spec.build(input_size, hidden_size, **kwargs)


register_layer("lstm", LSTM, "LSTM (torch.nn.LSTM's computation)")
register_layer("gru", GRU, "GRU (torch.nn.GRU's computation)")
register_layer("elman", partial(ElmanRNN, nonlinearity="tanh"), "tanh Elman RNN (torch.nn.RNN)")
register_layer("elman_tanh", partial(ElmanRNN, nonlinearity="tanh"), "tanh Elman RNN (the same as 'elman')")
register_layer("elman_relu", partial(ElmanRNN, nonlinearity="relu"), "ReLU Elman RNN (torch.nn.RNN, relu)")
register_layer("mingru", MinGRU, "minGRU, solved over time by a parallel scan (Feng et al. 2024)")
register_layer("minlstm", MinLSTM, "minLSTM, solved over time by a parallel scan (Feng et al. 2024)")
