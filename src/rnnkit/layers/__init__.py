"""nn.Modules users hold: recurrent layers, Bidirectional, the nested-cell runner, torch.nn interop."""

from rnnkit.layers.interop import from_torch, to_torch
from rnnkit.layers.minimal import MinGRU, MinimalRNN, MinLSTM
from rnnkit.layers.recurrent import (
    GRU,
    LSTM,
    MERGE_MODES,
    Bidirectional,
    ElmanRNN,
    Recurrent,
    RecurrentLayer,
    merge_directions,
)

__all__ = ["RecurrentLayer", "ElmanRNN", "LSTM", "GRU", "Bidirectional", "Recurrent", "MERGE_MODES",
           "merge_directions", "from_torch", "to_torch", "MinGRU", "MinLSTM", "MinimalRNN"]
