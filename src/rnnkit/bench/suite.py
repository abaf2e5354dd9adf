"""The suite of ``rnnkit bench``: speed and memory of every cell and variant against torch.nn and the
plain autograd loop, measured in the same run (``benchmarks/`` holds the scripts that record
docs/benchmarks.md). The measuring itself is :mod:`rnnkit.bench.harness`; layers come from the layer
registry (:func:`rnnkit.layers.make_layer`), variants add constructor options.

Each configuration times a train step (forward + backward of ``outputs.sum()``, training mode) and
inference (``no_grad`` forward in eval mode: no dropout/zoneout masks) for models with identical shapes:

* ``torch.nn`` -- the baseline: ``torch.nn.LSTM`` for LSTM-family cells, ``nn.GRU`` for GRU-family and
  the scan cells, ``nn.RNN`` for Elman (ATen on CPU, cuDNN on GPU);
* ``rnnkit`` -- the layer as a user gets it (``engine="auto"``: native kernels when torch.nn computes the
  configuration, else the hand-written BPTT; the parallel scan for MinGRU/MinLSTM);
* ``fused`` (``fused=True``) -- the same layer with ``engine="fused"``: the hand-written BPTT with each
  step compiled into one GEMM + one fused pointwise kernel each way (:mod:`rnnkit.engine.fused`);
* ``graph`` (``fused=True``, CUDA, ``graph=True``) -- the fused layer's whole train step captured in one
  CUDA graph (:func:`rnnkit.capture_train_step`, forward + backward, no optimizer) and replayed;
* ``autograd`` (``autograd=True``) -- the same rnnkit math as a plain autograd loop
  (``engine="reference"``, or the sequential form of the scan cells).

``precision``: ``"fp32"`` (float32, TF32 off for cuBLAS matmuls *and* cuDNN), ``"tf32"`` (float32 with
TF32 tensor cores allowed for both: cuDNN's own default; CUDA only), ``"bf16"`` (bfloat16 parameters and
inputs; every path computes in bfloat16, the fused kernels internally in float32 with bfloat16 outputs).
The flags are restored after the run.

Timings are interleaved round-robin so that load elsewhere on the machine hits all models alike; ratios
are reported to the torch.nn time, and ``*_vs_lstm_x`` to torch.nn.LSTM's (cuDNN on GPU) at the same shape
and precision when an ``lstm`` row is in the run. Peak memory is measured on CUDA
(``max_memory_allocated`` over one train step, above what was allocated before; for ``graph`` over the
step that captures it, memory the graph's private pool then keeps); on CPU the allocator keeps no such
statistic and the column is empty. Never asserted in tests.
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import nn

from rnnkit.bench.names import SHAPE_PRESETS
from rnnkit.bench.harness import infer_step, output_sum, peak_mb, precision_mode, time_interleaved, train_step
from rnnkit._validate import check_int, check_number, first_repeat
from rnnkit.errors import ConfigError
from rnnkit.layers import RecurrentLayer, make_layer
from rnnkit.layers.inputs import check_factory
from rnnkit.training.capture import capture_train_step

__all__ = ["Variant", "VARIANTS", "SHAPE_PRESETS", "MODELS", "STEP_MEMORY", "train_memory", "run_benchmarks",
           "format_table"]


@dataclass(frozen=True)
class Variant:
    """A benchmarked configuration: the registry layer ``cell`` with constructor ``options``, timed
    against the torch.nn module ``baseline``. ``engine``: the engine of the "rnnkit" column (``"auto"``:
    as a user gets it); ``proj``: ``proj_size = H // 2`` at each shape."""

    cell: str
    baseline: type
    options: dict[str, Any] = field(default_factory=dict)
    engine: str = "auto"
    proj: bool = False

    def build(self, I: int, H: int, engine: str = "auto") -> nn.Module:
        """The layer with ``engine`` (``"auto"``: this variant's own; ``"reference"``: the plain autograd
        loop over the same math -- for the scan layers their sequential scan)."""
        options = dict(self.options, **self._proj(H))
        layer = make_layer(self.cell, I, H, **options)
        if isinstance(layer, RecurrentLayer):
            layer.engine = self.engine if engine == "auto" else engine
        elif engine == "reference":
            layer.scan = "sequential"
        return layer

    def build_baseline(self, I: int, H: int) -> nn.Module:
        """The torch.nn module timed against it, of the same shapes: ``proj_size = H // 2`` too when
        ``proj`` (an nn.LSTM without it, a bigger recurrence with other outputs, made lstm-proj's rnnkit
        column -- torch's own projection kernel -- look 2.6x slower than itself)."""
        return self.baseline(I, H, **self._proj(H))

    def _proj(self, H: int) -> dict[str, int]:
        return {"proj_size": H // 2} if self.proj else {}

    def fusable(self) -> bool:
        """Whether the layer has a time loop to fuse (the scan layers have none)."""
        return isinstance(self.build(1, 1), RecurrentLayer)


VARIANTS: dict[str, Variant] = {
    "lstm": Variant("lstm", nn.LSTM),
    "gru": Variant("gru", nn.GRU),
    "elman": Variant("elman", nn.RNN),
    "lstm-bptt": Variant("lstm", nn.LSTM, engine="bptt"),
    "gru-bptt": Variant("gru", nn.GRU, engine="bptt"),
    "lstm-layernorm": Variant("lstm", nn.LSTM, {"layer_norm": True}),
    "lstm-peephole": Variant("lstm", nn.LSTM, {"peephole": True}),
    "lstm-proj": Variant("lstm", nn.LSTM, proj=True),
    "lstm-zoneout": Variant("lstm", nn.LSTM, {"zoneout": 0.1}),
    "lstm-recdropout": Variant("lstm", nn.LSTM, {"recurrent_dropout": 0.25}),
    "lstm-dropconnect": Variant("lstm", nn.LSTM, {"dropconnect": 0.25}),
    "gru-layernorm": Variant("gru", nn.GRU, {"layer_norm": True}),
    "gru-zoneout": Variant("gru", nn.GRU, {"zoneout": 0.1}),
    "mingru": Variant("mingru", nn.GRU),
    "minlstm": Variant("minlstm", nn.GRU),
}


#: What one train step of a variant keeps per time step, per column: ``(F, c)`` for ``F`` KiB + ``4 B (I + c H)``
#: bytes a step, for the torch.nn and rnnkit columns (the larger of the two), the fused column (the hand-written
#: BPTT) and the autograd loop. Measured on CPU (torch 2.13, float32, 1 thread) as the peak RSS one train step
#: adds (VmHWM after clear_refs, a fresh process per figure): F at B1 T20000 I3 H4, c at B32 T1500 I=H=64, the
#: form checked at B8 T600 I=H=256 (within 6%); rounded up by about 15%, and 1.3x on top in :func:`train_memory`
#: (a whole run at B16 T200 I=H=32 came to 1.09x the rounded figures). The estimate ``B T (I + 6 H)`` floats
#: it replaces was 2-6x low at these sizes and 30-330x at tiny ones, where each step's Python and autograd
#: objects (up to 35 KiB a step: a LayerNorm LSTM's autograd loop) outweigh its numbers.
STEP_MEMORY: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[float, float]]] = {
    "lstm": ((0.5, 18), (3.5, 25), (19, 20)), "gru": ((19, 12), (5, 23), (19, 13)),
    "elman": ((6, 4), (1.5, 4.5), (7, 4)), "lstm-bptt": ((3.5, 25), (3.5, 25), (19, 20)),
    "gru-bptt": ((19, 23), (5, 23), (19, 13)), "lstm-layernorm": ((13, 45), (13, 45), (41, 32)),
    "lstm-peephole": ((8.5, 21), (8.5, 21), (27, 24)), "lstm-proj": ((21, 18), (8.5, 21), (25, 17)),
    "lstm-zoneout": ((3.6, 23), (3.6, 23), (25, 24)), "lstm-recdropout": ((3.5, 25), (3.5, 25), (20, 20)),
    "lstm-dropconnect": ((3.5, 25), (3.5, 25), (19, 20)), "gru-layernorm": ((19, 34), (7.5, 34), (29, 24)),
    "gru-zoneout": ((19, 27), (5, 27), (23, 14)), "mingru": ((19, 12), (19, 12), (4, 18)),
    "minlstm": ((19, 15), (19, 15), (4.1, 20)),
}


def train_memory(variants: list[str], shape: tuple[int, int, int, int], fused: bool = False,
                 autograd: bool = True) -> int:
    """Bytes :func:`run_benchmarks` needs at ``shape`` ``(B, T, I, H)``: every model's weights and gradients
    (all five columns are alive at once), the input and its gradient, and the largest train step of one column
    (:data:`STEP_MEMORY`; one model trains at a time). A variant added without a row counts as the largest."""
    B, T, I, H = shape
    worst = max(STEP_MEMORY.values(), key=lambda cols: max(c for _, c in cols))
    need = 0
    for v in variants:
        cols = STEP_MEMORY.get(v, worst)
        run = [cols[0]] + ([cols[1]] if fused else []) + ([cols[2]] if autograd else [])
        step = 1.3 * max(1024 * F + 4 * B * (I + c * H) for F, c in run)   # 1.3: the allocator's slack; small shapes
        n_params = 8 * H * (I + H + 2) + 4 * H * H    # an LSTM's, with room for LayerNorm / projection parameters
        need = max(need, int(T * step) + 8 * n_params * len(MODELS) + 8 * T * B * I)
    return need


def _check_plan(variants: Any, shapes: Any, reps: Any, budget_s: Any) -> None:
    """What :func:`run_benchmarks` times: a non-empty list of distinct known variants, of distinct ``(B, T,
    I, H)`` shapes of positive ints (a batch of 0 timed an empty step; a float size failed inside torch), a
    positive ``reps`` and a finite ``budget_s`` > 0 (NaN timed 100 rounds). A repeat is an error, not a
    second identical row."""
    for name, items in (("variants", variants), ("shapes", shapes)):
        if not isinstance(items, (list, tuple)) or not items:
            raise ConfigError(f"{name}: expected a non-empty list, got {items!r}")
    for v in variants:
        if not isinstance(v, str) or v not in VARIANTS:
            raise ConfigError(f"variants: expected names from {sorted(VARIANTS)}, got {v!r}")
    for s in shapes:
        if (not isinstance(s, (list, tuple)) or len(s) != 4
                or any(isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1 for n in s)):
            raise ConfigError(f"shapes: expected (B, T, I, H) tuples of four positive ints, got {s!r}")
    for name, items in (("variants", variants), ("shapes", [tuple(s) for s in shapes])):
        if (rep := first_repeat(items)) is not None:
            raise ConfigError(f"{name}: expected distinct values, got {rep!r} twice")
    check_int("reps", reps)
    check_number("budget_s", budget_s, lo=0, lo_open=True)


def _check_device(device: Any) -> str:
    """``device`` as a string: ``"cpu"`` or a CUDA device this torch can use. Timings elsewhere are not
    synchronised (``"mps"``) or compute nothing (``"meta"``: the suite returned rows of empty timings);
    a CUDA device on a CPU-only torch was torch's bare AssertionError."""
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError):
        kind = None
    if kind not in ("cpu", "cuda"):
        raise ConfigError(f"device: expected 'cpu' or a CUDA device ('cuda', 'cuda:0'), got {device!r}")
    check_factory(device, None)   # a device this torch can use (ConfigError naming it otherwise)
    return str(device)


def run_benchmarks(variants: list[str], shapes: list[tuple[int, int, int, int]], device: str = "cpu",
                   precision: str = "fp32", reps: int = 5, budget_s: float = 4.0,
                   progress: Callable[[dict], None] | None = None, fused: bool = False, graph: bool = True,
                   autograd: bool = True) -> list[dict]:
    """Time every variant on every ``(B, T, I, H)`` shape; returns one row per (variant, shape)."""
    _check_plan(variants, shapes, reps, budget_s)
    device = _check_device(device)
    fusable = {v: VARIANTS[v].fusable() for v in variants}
    cuda = str(device).startswith("cuda")
    rows = []
    with precision_mode(precision, device) as dtype:
        for variant in variants:
            for (B, T, I, H) in shapes:
                rows.append(_bench_one(variant, B, T, I, H, device, dtype, precision, reps, budget_s,
                                       fused and fusable[variant], fused and graph and cuda and fusable[variant],
                                       autograd))
                if progress is not None:
                    progress(rows[-1])
    by_shape = {(r["B"], r["T"], r["I"], r["H"]): r["torch.nn_train_ms"] for r in rows if r["cell"] == "lstm"}
    for r in rows:
        ref = by_shape.get((r["B"], r["T"], r["I"], r["H"]))
        for k in MODELS[1:]:
            if ref is not None and r.get(f"{k}_train_ms") is not None:
                r[f"{k}_vs_lstm_x"] = r[f"{k}_train_ms"] / ref
    return rows


MODELS = ("torch.nn", "rnnkit", "fused", "graph", "autograd")


def _bench_one(variant, B, T, I, H, device, dtype, precision, reps, budget_s, fused, graph, autograd) -> dict:
    torch.manual_seed(0)
    v = VARIANTS[variant]
    models = {"torch.nn": v.build_baseline(I, H), "rnnkit": v.build(I, H, "auto")}
    if fused:
        models["fused"] = v.build(I, H, "fused")
    if graph:
        models["graph"] = v.build(I, H, "fused")
    if autograd:
        models["autograd"] = v.build(I, H, "reference")
    for m in models.values():
        m.to(device=device, dtype=dtype).train()
    x = torch.randn(T, B, I, device=device, dtype=dtype)

    train_fns = {k: (lambda m=m: train_step(m, x)) for k, m in models.items()}
    row = {"cell": variant, "B": B, "T": T, "I": I, "H": H, "dtype": str(dtype).replace("torch.", ""),
           "precision": precision, "tf32": precision == "tf32",
           "rnnkit_engine": getattr(models["rnnkit"], "_pick_engine", lambda: "scan")()}
    peaks = {}
    if fused:  # the first call compiles (once per cell, options and shape): reported, not timed
        t0 = time.perf_counter()
        train_step(models["fused"], x)
        row["fused_first_call_s"] = time.perf_counter() - t0
    if graph:
        # as train_step(): the input's gradient too (a fresh leaf inside the graph)
        step = capture_train_step(models["graph"], lambda m, inp: output_sum(m, inp.detach().requires_grad_()), None,
                                  warmup=1, max_cached=1)
        step(x)  # warm-up (eager, compiles), then the next call captures and replays
        peaks["graph"] = peak_mb(lambda: step(x), device)
        row["graph_fallback"] = next(iter(step.fallbacks.values()), None)
        train_fns["graph"] = lambda: step(x)
    tr = time_interleaved(train_fns, device, reps, budget_s)
    inf_models = {k: m for k, m in models.items() if k != "graph"}  # inference is not captured
    for m in inf_models.values():   # inference in eval mode (infer_step would switch per call, timed)
        m.eval()
    inf = time_interleaved({k: (lambda m=m: infer_step(m, x)) for k, m in inf_models.items()}, device, reps, budget_s)
    for m in inf_models.values():   # the peak memory below is a train step's
        m.train()
    for k in MODELS:
        row[f"{k}_train_ms"] = tr.get(k)
        row[f"{k}_infer_ms"] = inf.get(k)
        row[f"{k}_peak_mb"] = peaks[k] if k in peaks else (
            peak_mb(lambda m=models[k]: train_step(m, x), device) if k in models else None)
        if k != "torch.nn":
            row[f"{k}_train_x"] = tr[k] / tr["torch.nn"] if k in tr else None
            row[f"{k}_infer_x"] = inf[k] / inf["torch.nn"] if k in inf else None
    return row


def _ms(r: dict, k: str, mode: str) -> str:
    v = r.get(f"{k}_{mode}_ms")
    if v is None:
        return "-"
    return f"{v:.2f}" if k == "torch.nn" else f"{v:.2f} ({r[f'{k}_{mode}_x']:.2f}x)"


def format_table(rows: list[dict]) -> str:
    """Markdown table: times (ms) and ratios to torch.nn (``-``: not measured in this run)."""
    head = ("| cell | engine | B,T,I,H | precision | torch.nn train ms | rnnkit train ms (x) | fused train ms (x) "
            "| graph train ms (x) | autograd train ms (x) | best vs nn.LSTM | torch.nn infer ms | rnnkit infer ms (x) "
            "| fused infer ms (x) | peak MB nn/rnnkit/fused/graph/autograd |")
    lines = [head, "|" + "---|" * 14]
    for r in rows:
        mem = "/".join("-" if r.get(f"{k}_peak_mb") is None else f"{r[f'{k}_peak_mb']:.0f}" for k in MODELS)
        best = [r[f"{k}_vs_lstm_x"] for k in MODELS[1:] if r.get(f"{k}_vs_lstm_x") is not None]
        lines.append(
            f"| {r['cell']} | {r['rnnkit_engine']} | {r['B']},{r['T']},{r['I']},{r['H']} | {r.get('precision', r['dtype'])} "
            + "".join(f"| {_ms(r, k, 'train')} " for k in MODELS)
            + f"| {f'{min(best):.2f}x' if best else '-'} "
            + "".join(f"| {_ms(r, k, 'infer')} " for k in ("torch.nn", "rnnkit", "fused"))
            + f"| {mem} |")
    return "\n".join(lines)
