"""Speed and memory of every cell and variant against torch.nn and the plain autograd loop, measured
in the same run (``rnnkit bench``; ``benchmarks/`` holds the scripts that record docs/benchmarks.md).

Each configuration times a train step (forward + backward of ``outputs.sum()``) and inference
(``no_grad`` forward) for models with identical shapes:

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

import os
import platform
import statistics
import time
from contextlib import contextmanager
from typing import Callable

import torch
from torch import nn

from rnnkit.errors import ConfigError

__all__ = ["VARIANTS", "PRECISIONS", "SHAPE_PRESETS", "time_interleaved", "run_benchmarks", "machine_info", "cpu_model",
           "format_table", "precision_mode"]

PRECISIONS = ("fp32", "tf32", "bf16")

# The GPU issue's shape set (B, T, I, H) with I = H, as its measurements used.
SHAPE_PRESETS: dict[str, list[tuple[int, int, int, int]]] = {
    "issue9": [(1, 512, 512, 512), (8, 1024, 256, 256), (64, 256, 256, 256), (64, 256, 1024, 1024),
               (256, 100, 512, 512)],
}


def _lstm(**kw):
    from rnnkit.layers import LSTM

    return lambda I, H, engine="auto": LSTM(I, H, engine=engine, **kw)


def _gru(**kw):
    from rnnkit.layers import GRU

    return lambda I, H, engine="auto": GRU(I, H, engine=engine, **kw)


def _elman(**kw):
    from rnnkit.layers import ElmanRNN

    return lambda I, H, engine="auto": ElmanRNN(I, H, engine=engine, **kw)


def _scan(name):
    def build(I, H, engine="auto"):
        from rnnkit.layers import minimal

        # "reference": the same math as a plain sequential autograd loop
        return getattr(minimal, name)(I, H, scan="sequential" if engine == "reference" else "chunked")

    return build


# name -> (rnnkit builder, torch.nn baseline class)
VARIANTS: dict[str, tuple[Callable, type]] = {
    "lstm": (_lstm(), nn.LSTM),
    "gru": (_gru(), nn.GRU),
    "elman": (_elman(), nn.RNN),
    "lstm-bptt": (lambda I, H, engine="auto": _lstm()(I, H, engine="bptt" if engine == "auto" else engine), nn.LSTM),
    "gru-bptt": (lambda I, H, engine="auto": _gru()(I, H, engine="bptt" if engine == "auto" else engine), nn.GRU),
    "lstm-layernorm": (_lstm(layer_norm=True), nn.LSTM),
    "lstm-peephole": (_lstm(peephole=True), nn.LSTM),
    "lstm-proj": (_lstm(proj_size=0), nn.LSTM),  # replaced per shape (proj_size = H // 2)
    "lstm-zoneout": (_lstm(zoneout=0.1), nn.LSTM),
    "lstm-recdropout": (_lstm(recurrent_dropout=0.25), nn.LSTM),
    "lstm-dropconnect": (_lstm(dropconnect=0.25), nn.LSTM),
    "gru-layernorm": (_gru(layer_norm=True), nn.GRU),
    "gru-zoneout": (_gru(zoneout=0.1), nn.GRU),
    "mingru": (_scan("MinGRU"), nn.GRU),
    "minlstm": (_scan("MinLSTM"), nn.GRU),
}


def output_sum(m: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The benchmarks' loss: ``outputs.sum()`` in float32 (outputs split by merge="none" concatenated)."""
    y = m(x)[0]
    y = y if torch.is_tensor(y) else torch.cat(y, -1)
    return y.float().sum()


def train_step(m: torch.nn.Module, x: torch.Tensor) -> None:
    """What every benchmark times as a train step: forward, :func:`output_sum`, backward into the
    parameters and the input."""
    m.zero_grad(set_to_none=True)
    output_sum(m, x.detach().requires_grad_()).backward()


def infer_step(m: torch.nn.Module, x: torch.Tensor) -> None:
    """What every benchmark times as inference: a forward without autograd."""
    with torch.no_grad():
        m(x)


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (``platform.processor()`` is often empty on Linux);
    ``platform.processor() or platform.machine()`` where there is no such file."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(device: str) -> dict:
    info = {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu": cpu_model(), "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "device": device}
    if device == "cuda":
        info["gpu"] = torch.cuda.get_device_name()
        info["tf32_matmul"] = torch.backends.cuda.matmul.allow_tf32
        info["cudnn_tf32"] = torch.backends.cudnn.allow_tf32
    return info


def time_interleaved(fns: dict[str, Callable[[], None]], device: str, reps: int = 5,
                     budget_s: float = 4.0) -> dict[str, float]:
    """Median milliseconds per call of each function, measured round-robin (after one warm-up each)."""
    sync = torch.cuda.synchronize if str(device).startswith("cuda") else (lambda: None)
    for fn in fns.values():
        fn()
    sync()
    times: dict[str, list[float]] = {k: [] for k in fns}
    start = time.perf_counter()
    for r in range(100):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            sync()
            times[k].append(time.perf_counter() - t0)
        if r + 1 >= reps and time.perf_counter() - start > budget_s:
            break
    return {k: statistics.median(v) * 1e3 for k, v in times.items()}


def _peak_mb(fn: Callable[[], None], device: str) -> float | None:
    if not str(device).startswith("cuda"):
        return None
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    fn()
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - base) / 2**20


def _build(variant: str, I: int, H: int, engine: str):
    if variant == "lstm-proj":
        return _lstm(proj_size=H // 2)(I, H, engine=engine)
    return VARIANTS[variant][0](I, H, engine=engine)


@contextmanager
def precision_mode(precision: str, device: str):
    """Set torch's TF32 flags for ``precision`` (restored on exit); yields the parameter dtype."""
    if precision not in PRECISIONS:
        raise ConfigError(f"precision: expected one of {list(PRECISIONS)}, got {precision!r}")
    if precision == "tf32" and not str(device).startswith("cuda"):
        raise ConfigError(f"precision: 'tf32' is a CUDA tensor-core mode, expected device 'cuda', got {device!r}")
    old = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = precision == "tf32"
    try:
        yield torch.bfloat16 if precision == "bf16" else torch.float32
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


def _has_fused(variant: str) -> bool:
    return variant not in ("mingru", "minlstm")  # the scan cells have no time loop to fuse


def run_benchmarks(variants: list[str], shapes: list[tuple[int, int, int, int]], device: str = "cpu",
                   precision: str = "fp32", reps: int = 5, budget_s: float = 4.0,
                   progress: Callable[[dict], None] | None = None, fused: bool = False, graph: bool = True,
                   autograd: bool = True) -> list[dict]:
    """Time every variant on every ``(B, T, I, H)`` shape; returns one row per (variant, shape)."""
    for v in variants:
        if v not in VARIANTS:
            raise ConfigError(f"cells: expected names from {sorted(VARIANTS)}, got {v!r}")
    cuda = str(device).startswith("cuda")
    rows = []
    with precision_mode(precision, device) as dtype:
        for variant in variants:
            for (B, T, I, H) in shapes:
                rows.append(_bench_one(variant, B, T, I, H, device, dtype, precision, reps, budget_s,
                                       fused and _has_fused(variant), fused and graph and cuda and _has_fused(variant),
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
    models = {"torch.nn": VARIANTS[variant][1](I, H), "rnnkit": _build(variant, I, H, "auto")}
    if fused:
        models["fused"] = _build(variant, I, H, "fused")
    if graph:
        models["graph"] = _build(variant, I, H, "fused")
    if autograd:
        models["autograd"] = _build(variant, I, H, "reference")
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
        from rnnkit.accel import capture_train_step

        # as train_step(): the input's gradient too (a fresh leaf inside the graph)
        step = capture_train_step(models["graph"], lambda m, inp: output_sum(m, inp.detach().requires_grad_()), None,
                                  warmup=1, max_cached=1)
        step(x)  # warm-up (eager, compiles), then the next call captures and replays
        peaks["graph"] = _peak_mb(lambda: step(x), device)
        row["graph_fallback"] = next(iter(step.fallbacks.values()), None)
        train_fns["graph"] = lambda: step(x)
    tr = time_interleaved(train_fns, device, reps, budget_s)
    inf_models = {k: m for k, m in models.items() if k != "graph"}  # inference is not captured
    inf = time_interleaved({k: (lambda m=m: infer_step(m, x)) for k, m in inf_models.items()}, device, reps, budget_s)
    for k in MODELS:
        row[f"{k}_train_ms"] = tr.get(k)
        row[f"{k}_infer_ms"] = inf.get(k)
        row[f"{k}_peak_mb"] = peaks[k] if k in peaks else (
            _peak_mb(lambda m=models[k]: train_step(m, x), device) if k in models else None)
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
