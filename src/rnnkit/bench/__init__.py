"""``rnnkit bench``: the harness (:mod:`rnnkit.bench.harness`: train/inference steps, interleaved timing,
peak memory, precision modes, machine description) and the suite (:mod:`rnnkit.bench.suite`: every cell
and variant against torch.nn, the fused engine, CUDA-graph capture and the autograd loop, one table).

The names load on first use (PEP 562): ``rnnkit bench --help`` reads :mod:`rnnkit.bench.names` without torch."""

from rnnkit._lazy import lazy_names

_HARNESS = ("cpu_model", "infer_step", "machine_info", "output_sum", "peak_mb", "precision_mode", "time_interleaved",
            "train_step")
_SUITE = ("MODELS", "VARIANTS", "Variant", "format_table", "run_benchmarks")

__all__ = ["PRECISIONS", "cpu_model", "infer_step", "machine_info", "output_sum", "peak_mb", "precision_mode",
           "time_interleaved", "train_step", "MODELS", "SHAPE_PRESETS", "VARIANTS", "Variant", "format_table",
           "run_benchmarks"]

__getattr__, __dir__ = lazy_names(__name__, {
    "PRECISIONS": ("rnnkit.bench.names", "PRECISIONS"), "SHAPE_PRESETS": ("rnnkit.bench.names", "SHAPE_PRESETS"),
    **{name: ("rnnkit.bench.harness", name) for name in _HARNESS},
    **{name: ("rnnkit.bench.suite", name) for name in _SUITE}}, globals())
