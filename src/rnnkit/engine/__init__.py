"""The time loop: one step's pure functions (step), hand-written BPTT (eager or with fused compiled
steps), the autograd reference path, native dispatch, parallel scans (pscan, Triton), the nested scan,
masks and the gradient-flow recorder. Imports only cells below it."""

from rnnkit.engine import gradflow
from rnnkit.engine.bptt import BPTTFunction, run_bptt
from rnnkit.engine.masks import check_lengths, flip_sequences, last_valid, step_mask
from rnnkit.engine.native import run_native
from rnnkit.engine.reference import run_reference
from rnnkit.engine.scan import scan, tree_map
from rnnkit.engine.step import LoopOptions, StepSpec, backward_step, forward_step

ENGINES = ("auto", "native", "bptt", "fused", "reference")

__all__ = [
    "ENGINES",
    "BPTTFunction",
    "LoopOptions",
    "StepSpec",
    "forward_step",
    "backward_step",
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
