"""rnnkit: recurrent neural networks on PyTorch.

>>> import torch, rnnkit
>>> lstm = rnnkit.LSTM(input_size=3, hidden_size=16, num_layers=2, batch_first=True)
>>> outputs, (h, c) = lstm(torch.randn(4, 10, 3), lengths=torch.tensor([10, 7, 3, 1]))
>>> outputs.shape
torch.Size([4, 10, 16])
>>> rnnkit.make_layer("mingru", 3, 16, batch_first=True)(torch.randn(4, 10, 3))[0].shape
torch.Size([4, 10, 16])
"""

from rnnkit import cells, engine, errors
from rnnkit._version import __version__
from rnnkit.cells import CellMath, RecurrentCell, available_cells, get_cell, register_cell
from rnnkit.layers import (
    GRU,
    LSTM,
    Bidirectional,
    ElmanRNN,
    MinGRU,
    MinLSTM,
    Recurrent,
    RecurrentLayer,
    accelerate,
    available_layers,
    from_torch,
    make_layer,
    register_layer,
    to_torch,
)
from rnnkit.training.capture import capture_train_step

# ``rnnkit.export(target, path, format="onnx")``: ONNX / torch.export with a parity check (docs/deploy.md).
# The attribute is the function (it shadows the subpackage's); ``from rnnkit.export import ...`` and
# ``from rnnkit.export.graph import ...`` still reach the subpackage (through ``sys.modules``).
from rnnkit.export import export

__all__ = [
    "ElmanRNN",
    "LSTM",
    "GRU",
    "MinGRU",
    "MinLSTM",
    "RecurrentLayer",
    "Bidirectional",
    "Recurrent",
    "RecurrentCell",
    "CellMath",
    "register_cell",
    "get_cell",
    "available_cells",
    "make_layer",
    "register_layer",
    "available_layers",
    "from_torch",
    "to_torch",
    "accelerate",
    "capture_train_step",
    "export",
    "cells",
    "engine",
    "errors",
    "__version__",
]
