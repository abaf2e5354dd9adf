"""The measuring half of ``rnnkit bench``: what a train step and an inference step are, interleaved
timing, peak memory, the precision modes and a description of the machine. Used by the suite
(:mod:`rnnkit.bench.suite`) and by the scripts in ``benchmarks/``; it knows no layer or cell.

Timings are interleaved round-robin (:func:`time_interleaved`) so that load elsewhere on the machine hits
all models alike. Never asserted in tests.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from contextlib import contextmanager
from typing import Callable

import torch

from rnnkit.bench.names import PRECISIONS   # the one list; --help reads it without torch
from rnnkit.errors import ConfigError

__all__ = ["PRECISIONS", "output_sum", "train_step", "infer_step", "cpu_model", "machine_info", "time_interleaved",
           "peak_mb", "precision_mode"]


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
    """What every benchmark times as inference: a forward without autograd, in eval mode (no dropout,
    zoneout or DropConnect masks drawn; the kernels a deployed model runs). A module in training mode is
    switched to eval for the call and back after it (it timed the training-mode forward before: masks
    sampled every step); the suite switches its models to eval before timing, so no switch is timed."""
    was_training = m.training
    if was_training:
        m.eval()
    try:
        with torch.no_grad():
            m(x)
    finally:
        if was_training:
            m.train()


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
    """Median milliseconds per call of each function, measured round-robin (after one warm-up each): at
    least ``reps`` rounds, then rounds until ``budget_s`` has passed, at most ``max(100, reps)``."""
    sync = torch.cuda.synchronize if str(device).startswith("cuda") else (lambda: None)
    for fn in fns.values():
        fn()
    sync()
    times: dict[str, list[float]] = {k: [] for k in fns}
    start = time.perf_counter()
    for r in range(max(100, reps)):       # (100 at most before: --reps 500 timed 100, silently)
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            sync()
            times[k].append(time.perf_counter() - t0)
        if r + 1 >= reps and time.perf_counter() - start > budget_s:
            break
    return {k: statistics.median(v) * 1e3 for k, v in times.items()}


def peak_mb(fn: Callable[[], None], device: str) -> float | None:
    """Peak CUDA memory (MiB) ``fn`` allocates above what was allocated before; ``None`` off CUDA (the
    CPU allocator keeps no such statistic)."""
    if not str(device).startswith("cuda"):
        return None
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    fn()
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - base) / 2**20


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
