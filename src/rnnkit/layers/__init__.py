"""nn.Modules users hold: one base for the stacked layers' shared mechanics (base), the cell layers
ElmanRNN/LSTM/GRU over any registered cell (recurrent), MinGRU/MinLSTM (minimal), Bidirectional over any
layer (bidirectional), the nested-cell runner (nested), a name -> layer registry (registry), interop with
torch.nn (interop) and the fused-engine switch for a whole model (accelerate)."""

from rnnkit.layers.accelerate import accelerate
from rnnkit.layers.base import MERGE_MODES, StackedLayer, merge_directions
from rnnkit.layers.bidirectional import Bidirectional
from rnnkit.layers.interop import from_torch, to_torch
from rnnkit.layers.minimal import MinGRU, MinimalRNN, MinLSTM
from rnnkit.layers.nested import Recurrent
from rnnkit.layers.recurrent import GRU, LSTM, ElmanRNN, RecurrentLayer
from rnnkit.layers.registry import LayerSpec, available_layers, get_layer, make_layer, register_layer

__all__ = ["StackedLayer", "RecurrentLayer", "ElmanRNN", "LSTM", "GRU", "Bidirectional", "Recurrent", "MERGE_MODES",
           "merge_directions", "from_torch", "to_torch", "MinGRU", "MinLSTM", "MinimalRNN", "accelerate",
           "LayerSpec", "register_layer", "get_layer", "make_layer", "available_layers"]
