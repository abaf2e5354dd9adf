"""``rnnkit bench``: the harness (:mod:`rnnkit.bench.harness`: train/inference steps, interleaved timing,
peak memory, precision modes, machine description) and the suite (:mod:`rnnkit.bench.suite`: every cell
and variant against torch.nn, the fused engine, CUDA-graph capture and the autograd loop, one table)."""

from rnnkit.bench.harness import (
    PRECISIONS,
    cpu_model,
    infer_step,
    machine_info,
    output_sum,
    peak_mb,
    precision_mode,
    time_interleaved,
    train_step,
)
from rnnkit.bench.suite import MODELS, SHAPE_PRESETS, VARIANTS, Variant, format_table, run_benchmarks

__all__ = ["PRECISIONS", "cpu_model", "infer_step", "machine_info", "output_sum", "peak_mb", "precision_mode",
           "time_interleaved", "train_step", "MODELS", "SHAPE_PRESETS", "VARIANTS", "Variant", "format_table",
           "run_benchmarks"]
