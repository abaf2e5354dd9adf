"""Speed and memory of every cell and variant against torch.nn and the plain autograd loop, measured
in the same run (``rnnkit bench``; ``benchmarks/`` holds the scripts that record docs/benchmarks.md).

Each configuration times a train step (forward + backward of ``outputs.sum()``) and inference
(``no_grad`` forward) for three models with identical shapes:

* ``torch.nn`` -- the baseline: ``torch.nn.LSTM`` for LSTM-family cells, ``nn.GRU`` for GRU-family and
  the scan cells, ``nn.RNN`` for Elman (ATen on CPU, cuDNN on GPU);
* ``rnnkit`` -- the layer as a user gets it (``engine="auto"``: native kernels when torch.nn computes the
  configuration, else the hand-written BPTT; the parallel scan for MinGRU/MinLSTM);
* ``autograd`` -- the same rnnkit math as a plain autograd loop (``engine="reference"``, or the
  sequential form of the scan cells).

Timings are interleaved round-robin so that load elsewhere on the machine hits all three alike; ratios
are reported to the torch.nn time. Peak memory is measured on CUDA (``max_memory_allocated`` per
configuration); on CPU the allocator keeps no such statistic and the column is empty. Never asserted in
tests.
"""

from __future__ import annotations

import platform
import statistics
import time
from typing import Callable

import torch
from torch import nn

from rnnkit.errors import ConfigError

__all__ = ["VARIANTS", "time_interleaved", "run_benchmarks", "machine_info", "format_table"]


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


def machine_info(device: str) -> dict:
    info = {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
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


def run_benchmarks(variants: list[str], shapes: list[tuple[int, int, int, int]], device: str = "cpu",
                   dtype: torch.dtype = torch.float32, reps: int = 5, budget_s: float = 4.0,
                   progress: Callable[[dict], None] | None = None) -> list[dict]:
    """Time every variant on every ``(B, T, I, H)`` shape; returns one row per (variant, shape)."""
    for v in variants:
        if v not in VARIANTS:
            raise ConfigError(f"cells: expected names from {sorted(VARIANTS)}, got {v!r}")
    rows = []
    for variant in variants:
        for (B, T, I, H) in shapes:
            torch.manual_seed(0)
            models = {
                "torch.nn": VARIANTS[variant][1](I, H),
                "rnnkit": _build(variant, I, H, "auto"),
                "autograd": _build(variant, I, H, "reference"),
            }
            for m in models.values():
                m.to(device=device, dtype=dtype).train()
            x = torch.randn(T, B, I, device=device, dtype=dtype)

            def train(m):
                m.zero_grad(set_to_none=True)
                y = m(x.detach().requires_grad_())[0]
                y = y if torch.is_tensor(y) else torch.cat(y, -1)
                y.float().sum().backward()

            def infer(m):
                with torch.no_grad():
                    m(x)

            tr = time_interleaved({k: (lambda m=m: train(m)) for k, m in models.items()}, device, reps, budget_s)
            inf = time_interleaved({k: (lambda m=m: infer(m)) for k, m in models.items()}, device, reps, budget_s)
            row = {"cell": variant, "B": B, "T": T, "I": I, "H": H, "dtype": str(dtype).replace("torch.", ""),
                   "rnnkit_engine": getattr(models["rnnkit"], "_pick_engine", lambda: "scan")()}
            for k, m in models.items():
                row[f"{k}_train_ms"] = tr[k]
                row[f"{k}_infer_ms"] = inf[k]
                row[f"{k}_peak_mb"] = _peak_mb(lambda m=m: train(m), device)
            for k in ("rnnkit", "autograd"):
                row[f"{k}_train_x"] = tr[k] / tr["torch.nn"]
                row[f"{k}_infer_x"] = inf[k] / inf["torch.nn"]
            rows.append(row)
            if progress is not None:
                progress(row)
    return rows


def format_table(rows: list[dict]) -> str:
    """Markdown table: times (ms) and ratios to torch.nn."""
    head = ("| cell | engine | B,T,I,H | dtype | torch.nn train ms | rnnkit train ms (x) | autograd train ms (x) "
            "| torch.nn infer ms | rnnkit infer ms (x) | autograd infer ms (x) | peak MB nn/rnnkit/autograd |")
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        mem = "/".join("-" if r[f"{k}_peak_mb"] is None else f"{r[f'{k}_peak_mb']:.0f}"
                       for k in ("torch.nn", "rnnkit", "autograd"))
        lines.append(
            f"| {r['cell']} | {r['rnnkit_engine']} | {r['B']},{r['T']},{r['I']},{r['H']} | {r['dtype']} "
            f"| {r['torch.nn_train_ms']:.2f} | {r['rnnkit_train_ms']:.2f} ({r['rnnkit_train_x']:.2f}x) "
            f"| {r['autograd_train_ms']:.2f} ({r['autograd_train_x']:.2f}x) | {r['torch.nn_infer_ms']:.2f} "
            f"| {r['rnnkit_infer_ms']:.2f} ({r['rnnkit_infer_x']:.2f}x) | {r['autograd_infer_ms']:.2f} "
            f"({r['autograd_infer_x']:.2f}x) | {mem} |")
    return "\n".join(lines)
