"""Recurrent cells: one step's math and its hand-derived local backward, one file per family (Elman,
LSTM, GRU, their variants, layer normalisation, and the minGRU/minLSTM gate math of the scan cells).
A cell knows nothing of time: it imports nothing else of rnnkit but the errors."""

from rnnkit.cells.base import CellMath, RecurrentCell, available_cells, get_cell, register_cell
from rnnkit.cells.elman import ElmanReLU, ElmanTanh
from rnnkit.cells.gru import GRUMath
from rnnkit.cells.lstm import LSTMMath
from rnnkit.cells.minimal import GateMath, MinGRUMath, MinLSTMMath

__all__ = [
    "CellMath",
    "RecurrentCell",
    "available_cells",
    "get_cell",
    "register_cell",
    "ElmanTanh",
    "ElmanReLU",
    "LSTMMath",
    "GRUMath",
    "GateMath",
    "MinGRUMath",
    "MinLSTMMath",
]
