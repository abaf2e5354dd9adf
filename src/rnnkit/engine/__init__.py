"""The time loop: hand-written BPTT (eager or with fused compiled steps), the autograd reference path,
native dispatch, nested scan, masks."""

from rnnkit.engine import gradflow
from rnnkit.engine.bptt import BPTTFunction, LoopOptions, run_bptt
from rnnkit.engine.masks import check_lengths, flip_sequences, last_valid, step_mask
from rnnkit.engine.native import run_native
from rnnkit.engine.reference import run_reference
from rnnkit.engine.scan import scan, tree_map

ENGINES = ("auto", "native", "bptt", "fused", "reference")

__all__ = [
    "ENGINES",
    "BPTTFunction",
    "LoopOptions",
    "run_bptt",
    "run_reference",
    "run_native",
    "scan",
    "tree_map",
    "check_lengths",
    "step_mask",
    "flip_sequences",
    "last_valid",
    "gradflow",
]
