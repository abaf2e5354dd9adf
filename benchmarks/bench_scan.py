"""Parallel-scan cells benchmark: MinGRU / MinLSTM train step (forward + backward) and inference vs
torch.nn.GRU (same input and hidden sizes; ATen on CPU, cuDNN on GPU) and vs the plain autograd loop over
time of the same math, in the same run, with ratios.

    .venv/bin/python benchmarks/bench_scan.py [--device cpu|cuda] [--T 256 1024 2048 4096]
        [--batch 16] [--input-size 128] [--hidden-size 128] [--threads N] [--json OUT]

Columns (median ms per call, candidates timed round-robin so load from elsewhere hits all alike):
  torch.nn.GRU  -- torch.nn.GRU(I, H)
  chunked       -- rnnkit layer, scan="chunked" (fused projection + gates + chunked scan, hand backward)
  log           -- rnnkit layer, scan="log" (the paper's log-space scan: cumsum + logcumsumexp, autograd)
  loop          -- rnnkit layer, scan="sequential" (autograd loop over time of the same math)
Ratios: "xGRU" = torch.nn.GRU time / this time (higher is faster), "xloop" = loop time / this time.
Not a test: timings are never asserted. The loop is skipped above --max-loop-T (it is the slowest).
"""

from __future__ import annotations

import argparse
import json
import os
import platform

import torch

from rnnkit.bench import time_interleaved
from rnnkit.layers.minimal import MinGRU, MinLSTM

CELLS = {"mingru": MinGRU, "minlstm": MinLSTM}
SCANS = ("chunked", "log", "sequential")


def bench(cell: str, B: int, T: int, I: int, H: int, device: str, reps: int, budget_s: float,
          max_loop_T: int) -> dict:
    torch.manual_seed(0)
    modules = {"torch.nn.GRU": torch.nn.GRU(I, H).to(device)}
    for scan in SCANS:
        if scan == "sequential" and T > max_loop_T:
            continue
        modules["loop" if scan == "sequential" else scan] = CELLS[cell](I, H, scan=scan).to(device)
    x = torch.randn(T, B, I, device=device)

    def train_step(m):
        m.zero_grad(set_to_none=True)
        xi = x.detach().requires_grad_()
        y, _ = m(xi)
        y.sum().backward()

    def infer(m):
        with torch.no_grad():
            m(x)

    train = time_interleaved({k: (lambda m=m: train_step(m)) for k, m in modules.items()}, device, reps, budget_s)
    inf = time_interleaved({k: (lambda m=m: infer(m)) for k, m in modules.items()}, device, reps, budget_s)
    out = {}
    for k in modules:
        row = {"train_ms": train[k], "infer_ms": inf[k],
               "train_x_gru": train["torch.nn.GRU"] / train[k], "infer_x_gru": inf["torch.nn.GRU"] / inf[k]}
        if "loop" in modules:
            row["train_x_loop"] = train["loop"] / train[k]
            row["infer_x_loop"] = inf["loop"] / inf[k]
        out[k] = row
    return out


def machine(device: str) -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(), "torch": torch.__version__,
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(), "device": device,
            "cpu_capability": torch.backends.cpu.get_cpu_capability()}
    if hasattr(os, "sched_getaffinity"):
        info["cpus_allowed"] = len(os.sched_getaffinity(0))
    if device.startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name(device)
        info["cudnn"] = torch.backends.cudnn.version()
    return info


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cpu")
    p.add_argument("--cells", nargs="+", default=list(CELLS), choices=list(CELLS))
    p.add_argument("--T", nargs="+", type=int, default=[256, 1024, 2048, 4096])
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--input-size", type=int, default=128)
    p.add_argument("--hidden-size", type=int, default=128)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (CPU)")
    p.add_argument("--reps", type=int, default=5, help="at least this many timed rounds per candidate")
    p.add_argument("--budget", type=float, default=3.0, help="seconds per measurement after --reps rounds")
    p.add_argument("--max-loop-T", type=int, default=4096, help="skip the autograd loop above this T")
    p.add_argument("--json", default=None, help="also write the results to this file")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    results = {"machine": machine(args.device), "load_before": load_before,
               "shape": {"B": args.batch, "I": args.input_size, "H": args.hidden_size}, "runs": []}
    print(f"# device={args.device} threads={torch.get_num_threads()} B={args.batch} I={args.input_size} "
          f"H={args.hidden_size} load={load_before}")
    header = f"{'cell':8} {'T':>5} {'candidate':13} {'train ms':>10} {'xGRU':>6} {'xloop':>6} {'infer ms':>10} {'xGRU':>6} {'xloop':>6}"
    print(header)
    for cell in args.cells:
        for T in args.T:
            r = bench(cell, args.batch, T, args.input_size, args.hidden_size, args.device, args.reps,
                      args.budget, args.max_loop_T)
            results["runs"].append({"cell": cell, "T": T, "results": r})
            for k, v in r.items():
                xl = lambda key: f"{v[key]:6.2f}" if key in v else f"{'-':>6}"  # noqa: E731
                print(f"{cell:8} {T:5d} {k:13} {v['train_ms']:10.2f} {v['train_x_gru']:6.2f} {xl('train_x_loop')} "
                      f"{v['infer_ms']:10.2f} {v['infer_x_gru']:6.2f} {xl('infer_x_loop')}", flush=True)
    results["load_after"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"# load after: {results['load_after']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
