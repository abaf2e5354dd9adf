"""The names ``rnnkit bench``'s flags offer (its ``--help`` lists them, its flag types check them), without torch:
the variants (:data:`rnnkit.bench.suite.VARIANTS` builds one model each, in this order), the precisions of
:func:`rnnkit.bench.harness.precision_mode` and the shape presets."""

from __future__ import annotations

VARIANT_NAMES: tuple[str, ...] = (
    "lstm", "gru", "elman", "lstm-bptt", "gru-bptt", "lstm-layernorm", "lstm-peephole", "lstm-proj", "lstm-zoneout",
    "lstm-recdropout", "lstm-dropconnect", "gru-layernorm", "gru-zoneout", "mingru", "minlstm")

PRECISIONS = ("fp32", "tf32", "bf16")

# Named shape sets (B, T, I, H) with I = H. "gpu-sweep": from latency-bound (one sequence of 512 steps)
# to compute-bound (B64, H1024) and a wide batch (B256), the shapes the fused engine and the CUDA-graph
# capture were measured on against cuDNN.
SHAPE_PRESETS: dict[str, list[tuple[int, int, int, int]]] = {
    "gpu-sweep": [(1, 512, 512, 512), (8, 1024, 256, 256), (64, 256, 256, 256), (64, 256, 1024, 1024),
                  (256, 100, 512, 512)],
}
