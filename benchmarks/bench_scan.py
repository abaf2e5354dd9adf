"""Parallel-scan cells benchmark: MinGRU / MinLSTM train step (forward + backward) and inference vs
torch.nn.GRU (same input and hidden sizes; ATen on CPU, cuDNN on GPU) and vs the plain autograd loop over
time of the same math, in the same run, with ratios.

    .venv/bin/python benchmarks/bench_scan.py [--device cpu|cuda] [--T 256 1024 2048 4096]
        [--batch 16] [--input-size 128] [--hidden-size 128] [--shapes B,I,H ...] [--dtype float32]
        [--scans chunked log loop triton] [--threads N] [--json OUT]

Columns (median ms per call, candidates timed round-robin so load from elsewhere hits all alike):
  torch.nn.GRU  -- torch.nn.GRU(I, H)
  chunked       -- rnnkit layer, scan="chunked" (fused projection + gates + chunked scan, hand backward)
  log           -- rnnkit layer, scan="log" (the paper's log-space scan: cumsum + logcumsumexp, autograd)
  loop          -- rnnkit layer, scan="sequential" (autograd loop over time of the same math)
  triton        -- rnnkit layer, scan="triton" (one GEMM + one fused Triton gate-and-scan kernel each
                   way; CUDA with the triton package only, included by default there)
Ratios: "xGRU" = torch.nn.GRU time / this time (higher is faster), "xloop" = loop time / this time.
With the triton candidate, the last lines check issue 9's target: MinGRU train step >= 20x
torch.nn.GRU (cuDNN) at the largest T. Precision: our GEMMs follow torch.backends.cuda.matmul.allow_tf32,
cuDNN's GRU follows torch.backends.cudnn.allow_tf32 (both recorded in the JSON's "machine").
Not a test: timings are never asserted. The loop is skipped above --max-loop-T (it is the slowest).
"""

from __future__ import annotations

import argparse
import json
import os
import platform

import torch

from rnnkit.bench import infer_step, time_interleaved, train_step
from rnnkit.layers.minimal import MinGRU, MinLSTM

CELLS = {"mingru": MinGRU, "minlstm": MinLSTM}
CANDIDATES = {"chunked": "chunked", "log": "log", "loop": "sequential", "triton": "triton"}
TARGET_X_GRU = 20.0  # issue 9: MinGRU scan >= 20x faster than cuDNN GRU at T = 4096


def default_scans(device: str) -> list[str]:
    from rnnkit.engine.pscan import triton_available
    scans = ["chunked", "log", "loop"]
    if device.startswith("cuda") and triton_available():
        scans.append("triton")
    return scans


def bench(cell: str, B: int, T: int, I: int, H: int, device: str, reps: int, budget_s: float,
          max_loop_T: int, scans=("chunked", "log", "loop"), dtype: torch.dtype = torch.float32) -> dict:
    torch.manual_seed(0)
    modules = {"torch.nn.GRU": torch.nn.GRU(I, H).to(device, dtype)}
    for name in scans:
        if name == "loop" and T > max_loop_T:
            continue
        modules[name] = CELLS[cell](I, H, scan=CANDIDATES[name]).to(device, dtype)
    x = torch.randn(T, B, I, device=device, dtype=dtype)


    train = time_interleaved({k: (lambda m=m: train_step(m, x)) for k, m in modules.items()}, device, reps, budget_s)
    inf = time_interleaved({k: (lambda m=m: infer_step(m, x)) for k, m in modules.items()}, device, reps, budget_s)
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
        info["cudnn_allow_tf32"] = torch.backends.cudnn.allow_tf32
        info["matmul_allow_tf32"] = torch.backends.cuda.matmul.allow_tf32
    try:
        import triton
        info["triton"] = triton.__version__
    except ImportError:
        info["triton"] = None
    return info


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cpu")
    p.add_argument("--cells", nargs="+", default=list(CELLS), choices=list(CELLS))
    p.add_argument("--T", nargs="+", type=int, default=[256, 1024, 2048, 4096])
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--input-size", type=int, default=128)
    p.add_argument("--hidden-size", type=int, default=128)
    p.add_argument("--shapes", nargs="+", default=None, metavar="B,I,H",
                   help="several (batch, input, hidden) shapes; overrides --batch/--input-size/--hidden-size")
    p.add_argument("--scans", nargs="+", default=None, choices=list(CANDIDATES),
                   help="rnnkit candidates (default: chunked log loop, plus triton on CUDA when installed)")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16", "float64"])
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (CPU)")
    p.add_argument("--reps", type=int, default=5, help="at least this many timed rounds per candidate")
    p.add_argument("--budget", type=float, default=3.0, help="seconds per measurement after --reps rounds")
    p.add_argument("--max-loop-T", type=int, default=4096, help="skip the autograd loop above this T")
    p.add_argument("--json", default=None, help="also write the results to this file")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    shapes = [(args.batch, args.input_size, args.hidden_size)]
    if args.shapes:
        try:
            shapes = [tuple(int(v) for v in sh.split(",")) for sh in args.shapes]
        except ValueError:
            p.error(f"--shapes: expected B,I,H integers, got {args.shapes}")
        if any(len(sh) != 3 or min(sh) < 1 for sh in shapes):
            p.error(f"--shapes: expected B,I,H positive integers, got {args.shapes}")
    scans = args.scans or default_scans(args.device)
    dtype = getattr(torch, args.dtype)
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    results = {"machine": machine(args.device), "load_before": load_before, "dtype": args.dtype,
               "scans": scans, "shape": {"B": shapes[0][0], "I": shapes[0][1], "H": shapes[0][2]}, "runs": []}
    print(f"# device={args.device} threads={torch.get_num_threads()} dtype={args.dtype} shapes(B,I,H)={shapes} "
          f"scans={scans} load={load_before}")
    header = (f"{'cell':8} {'B,I,H':>11} {'T':>5} {'candidate':13} {'train ms':>10} {'xGRU':>6} {'xloop':>6} "
              f"{'infer ms':>10} {'xGRU':>6} {'xloop':>6}")
    print(header)
    for B, I, H in shapes:
        for cell in args.cells:
            for T in args.T:
                r = bench(cell, B, T, I, H, args.device, args.reps, args.budget, args.max_loop_T, scans, dtype)
                results["runs"].append({"cell": cell, "T": T, "B": B, "I": I, "H": H, "results": r})
                for k, v in r.items():
                    xl = lambda key: f"{v[key]:6.2f}" if key in v else f"{'-':>6}"  # noqa: E731
                    print(f"{cell:8} {f'{B},{I},{H}':>11} {T:5d} {k:13} {v['train_ms']:10.2f} {v['train_x_gru']:6.2f} "
                          f"{xl('train_x_loop')} {v['infer_ms']:10.2f} {v['infer_x_gru']:6.2f} {xl('infer_x_loop')}",
                          flush=True)
    if "triton" in scans:
        T = max(args.T)
        for run in results["runs"]:
            if run["cell"] == "mingru" and run["T"] == T and "triton" in run["results"]:
                x = run["results"]["triton"]["train_x_gru"]
                print(f"# target: mingru triton train step at T={T}, B,I,H={run['B']},{run['I']},{run['H']}: "
                      f"{x:.1f}x torch.nn.GRU ({'meets' if x >= TARGET_X_GRU else 'misses'} >= {TARGET_X_GRU:.0f}x)")
    results["load_after"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"# load after: {results['load_after']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
