"""Where the time of one train step goes, for the fused engine's captured step against cuDNN: kernels
launched, the sum of their durations ("busy") and the span from the first kernel's start to the last
one's end, next to the wall time of the call (torch.profiler, CUDA activity).

    python benchmarks/gpu_profile_fused.py [--device cuda] [--cases lstm:1,512,512 lstm-layernorm:8,1024,256]

Reading it: wall >> span means the host is the bottleneck (launches, Python); span >> busy means gaps
between kernels (launch latency, small kernels); busy itself is what kernels cost (then the top kernels
say which). "per step" divides the kernel count by T. The graph column replays the step captured by
:func:`rnnkit.capture_train_step` (forward + backward, no optimizer), as ``rnnkit bench`` times it.
Not a test; nothing here is asserted. On a machine without CUDA it runs the same code on the CPU (the
capture falls back to eager), which only checks that the script works.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections import defaultdict

import torch
from torch.profiler import ProfilerActivity, profile

from rnnkit.bench.harness import output_sum, train_step
from rnnkit.bench.suite import VARIANTS
from rnnkit.training.capture import capture_train_step


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _profile(fn, device: str, T: int, reps: int = 5) -> dict:
    for _ in range(2):
        fn()
    _sync(device)
    walls = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        _sync(device)
        walls.append(time.perf_counter() - t0)
    cuda = device.startswith("cuda")
    with profile(activities=[ProfilerActivity.CUDA if cuda else ProfilerActivity.CPU]) as prof:
        fn()
        _sync(device)
    kind = torch.autograd.DeviceType.CUDA if cuda else torch.autograd.DeviceType.CPU
    events = [e for e in prof.events() if e.device_type == kind and (cuda or e.name.startswith("aten::"))]
    per_name: dict[str, list[float]] = defaultdict(list)
    for e in events:
        per_name[e.name].append(e.time_range.end - e.time_range.start)
    busy = sum(sum(v) for v in per_name.values()) / 1e3
    span = ((max(e.time_range.end for e in events) - min(e.time_range.start for e in events)) / 1e3
            if events else 0.0)
    top = sorted(per_name.items(), key=lambda kv: -sum(kv[1]))[:6]
    return {"wall_ms": 1e3 * sorted(walls)[len(walls) // 2], "span_ms": span, "busy_ms": busy,
            "kernels": len(events), "per_step": len(events) / T,
            "top": [(name[:70], len(v), sum(v) / 1e3) for name, v in top]}


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--cases", nargs="+", default=["lstm:1,512,512", "lstm:8,1024,256", "lstm-layernorm:8,1024,256",
                                                  "lstm-layernorm:64,256,256"], metavar="CELL:B,T,H")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    rows = []
    for case in args.cases:
        cell, dims = case.split(":")
        B, T, H = (int(v) for v in dims.split(","))
        v = VARIANTS[cell]
        torch.manual_seed(0)
        x = torch.randn(T, B, H, device=args.device)
        nn_model = v.baseline(H, H).to(args.device)
        fused = v.build(H, H, "fused").to(args.device)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the CPU dry run says the capture falls back
            step = capture_train_step(fused, lambda m, inp: output_sum(m, inp.detach().requires_grad_()), None,
                                      warmup=1, max_cached=1)
            cands = {"torch.nn": lambda: train_step(nn_model, x), "fused eager": lambda: train_step(fused, x),
                     "graph": lambda: step(x)}
            for name, fn in cands.items():
                r = {"cell": cell, "B": B, "T": T, "H": H, "model": name, **_profile(fn, args.device, T)}
                rows.append(r)
                print(f"{cell:15} B{B:<4} T{T:<5} H{H:<5} {name:12} wall {r['wall_ms']:9.2f} ms  span "
                      f"{r['span_ms']:9.2f}  busy {r['busy_ms']:9.2f}  kernels {r['kernels']:6d} "
                      f"({r['per_step']:.1f}/step)", flush=True)
                for name_k, n, ms in r["top"]:
                    print(f"    {n:6d} x {ms:8.2f} ms  {name_k}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
