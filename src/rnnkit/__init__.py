"""rnnkit: recurrent neural networks on PyTorch.

>>> import torch, rnnkit
>>> lstm = rnnkit.LSTM(input_size=3, hidden_size=16, num_layers=2, batch_first=True)
>>> outputs, (h, c) = lstm(torch.randn(4, 10, 3), lengths=torch.tensor([10, 7, 3, 1]))
>>> outputs.shape
torch.Size([4, 10, 16])
>>> rnnkit.make_layer("mingru", 3, 16, batch_first=True)(torch.randn(4, 10, 3))[0].shape
torch.Size([4, 10, 16])

The names below load on first use (PEP 562): ``import rnnkit`` -- and so every ``rnnkit`` command's start, whose
console script imports ``rnnkit.cli.main`` through this package -- does not import torch (a second or more, during
which a Ctrl-C was Python's traceback: the CLI's handlers were not installed yet).
"""

import sys as _sys
import types as _types

from rnnkit._lazy import lazy_names as _lazy_names
from rnnkit._version import __version__

# public name -> (module, attribute in it; None: the module itself)
_LAZY: dict[str, tuple[str, str | None]] = {
    **{name: ("rnnkit.layers", name) for name in (
        "ElmanRNN", "LSTM", "GRU", "MinGRU", "MinLSTM", "RecurrentLayer", "Bidirectional", "Recurrent", "make_layer",
        "register_layer", "available_layers", "from_torch", "to_torch", "accelerate")},
    **{name: ("rnnkit.cells", name) for name in (
        "RecurrentCell", "CellMath", "register_cell", "get_cell", "available_cells")},
    "capture_train_step": ("rnnkit.training.capture", "capture_train_step"),
    # the tasks, as docs/tasks.md names them (``from rnnkit import Forecaster`` was an ImportError: session 28)
    "Forecaster": ("rnnkit.tasks.forecasting", "Forecaster"),
    "ForecastConfig": ("rnnkit.tasks.forecasting", "ForecastConfig"),
    "TextClassifier": ("rnnkit.tasks.classification", "TextClassifier"),
    "TextClassifierConfig": ("rnnkit.tasks.classify_config", "TextClassifierConfig"),
    "TimeSeriesClassifier": ("rnnkit.tasks.tsc", "TimeSeriesClassifier"),
    "TSCConfig": ("rnnkit.tasks.tsc_config", "TSCConfig"),
    "SequenceTagger": ("rnnkit.tasks.tagging", "SequenceTagger"),
    "TaggerConfig": ("rnnkit.tasks.tagging_config", "TaggerConfig"),
    "Translator": ("rnnkit.tasks.seq2seq", "Translator"),
    "Seq2SeqConfig": ("rnnkit.tasks.seq2seq_config", "Seq2SeqConfig"),
    "CharLM": ("rnnkit.tasks.generation", "CharLM"),
    "CharLMConfig": ("rnnkit.tasks.generation_config", "CharLMConfig"),
    "Trainer": ("rnnkit.training", "Trainer"),
    "TrainConfig": ("rnnkit.training", "TrainConfig"),
    # ``rnnkit.export(target, path, format="onnx")``: ONNX / torch.export with a parity check (docs/deploy.md).
    # The attribute is the function (it shadows the subpackage's); ``from rnnkit.export import ...`` and
    # ``from rnnkit.export.graph import ...`` still reach the subpackage (through ``sys.modules``).
    "export": ("rnnkit.export", "export"),
    "cells": ("rnnkit.cells", None),
    "engine": ("rnnkit.engine", None),
    "errors": ("rnnkit.errors", None),
    # subpackages the eager imports left bound here (``import rnnkit; rnnkit.training.Trainer``): still reached
    **{name: (f"rnnkit.{name}", None) for name in ("layers", "training", "diagnostics")},
}

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
    "Forecaster",
    "ForecastConfig",
    "TextClassifier",
    "TextClassifierConfig",
    "TimeSeriesClassifier",
    "TSCConfig",
    "SequenceTagger",
    "TaggerConfig",
    "Translator",
    "Seq2SeqConfig",
    "CharLM",
    "CharLMConfig",
    "Trainer",
    "TrainConfig",
    "export",
    "cells",
    "engine",
    "errors",
    "__version__",
]


__getattr__, __dir__ = _lazy_names("rnnkit", _LAZY, globals())   # a name's module imported at its first use


class _Package(_types.ModuleType):
    """The package's module type: importing the ``rnnkit.export`` subpackage first (``from rnnkit.export.graph import
    exportable``) makes Python's import system set ``rnnkit.export`` to the subpackage; the name stays the function,
    as it was when this module imported it eagerly."""

    def __setattr__(self, name, value):
        if name == "export" and isinstance(value, _types.ModuleType) and hasattr(value, "export"):
            value = value.export
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
