"""Export rnnkit models to a runtime: ONNX (run by onnxruntime) or a ``torch.export`` program, with a
dynamic batch and time axis, checked against the original model before the file is written.

``rnnkit.export(target, path, format="onnx")`` (:func:`rnnkit.export.api.export`) takes a run folder, a
fitted task, a recurrent layer or any module built on them; :func:`exportable` returns the
export-friendly copy of a model (time loop as ``torch.scan``; see :mod:`rnnkit.export.graph` for why).
What exports and what cannot: docs/deploy.md.
"""

from rnnkit.export.api import (
    CHECK_SIZES, EXAMPLE_SIZE, FORMATS, ExportResult, ParityError, export, export_spec, load_runner,
)
from rnnkit.export.graph import exportable
from rnnkit.export.signature import GraphSpec, InputSpec

__all__ = ["export", "export_spec", "exportable", "ExportResult", "ParityError", "InputSpec", "GraphSpec",
           "load_runner", "FORMATS", "EXAMPLE_SIZE", "CHECK_SIZES"]
