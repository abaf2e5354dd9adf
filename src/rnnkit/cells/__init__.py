"""Recurrent cells: one step's math and its hand-derived local backward, one file per family."""

from rnnkit.cells.base import CellMath, RecurrentCell, available_cells, get_cell, register_cell
from rnnkit.cells.elman import ElmanReLU, ElmanTanh
from rnnkit.cells.gru import GRUMath
from rnnkit.cells.lstm import LSTMMath

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
]
