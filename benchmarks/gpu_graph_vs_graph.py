"""Graph against graph: torch.nn's cuDNN layers also launch a few kernels per time step, so the fair
comparison for a CUDA-graph-captured rnnkit train step is cuDNN's train step captured the same way
(:func:`rnnkit.capture_train_step` takes any module). Times, interleaved in one run, for each case:
cuDNN eager (as `rnnkit bench` times it), cuDNN captured, rnnkit eager (fused engine for the LSTM
cells, the Triton scan for MinGRU) and rnnkit captured; ratios are rnnkit captured / each cuDNN time
(lower is faster). A capture that falls back to eager is reported, not hidden.

    python benchmarks/gpu_graph_vs_graph.py [--cases lstm:8,1024,256 mingru:16,4096,128] [--precision fp32]

Not a test; nothing is asserted. Needs CUDA.
"""

from __future__ import annotations

import argparse
import copy
import json
import warnings

import torch

from rnnkit.bench import precision_mode, time_interleaved
from rnnkit.bench.harness import output_sum, train_step
from rnnkit.bench.suite import VARIANTS
from rnnkit.training.capture import capture_train_step

DEFAULT_CASES = ["lstm:1,512,512", "lstm:8,1024,256", "lstm:64,256,256", "lstm:256,100,512", "lstm:64,256,1024",
                 "lstm-layernorm:8,1024,256", "lstm-layernorm:64,256,256", "lstm-layernorm:256,100,512",
                 "mingru:16,4096,128", "mingru:64,4096,256", "mingru:16,1024,128"]


def _captured(model):
    step = capture_train_step(model, lambda m, inp: output_sum(m, inp.detach().requires_grad_()), None,
                              warmup=2, max_cached=1)
    return step


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", nargs="+", default=DEFAULT_CASES, metavar="CELL:B,T,H")
    p.add_argument("--precision", default="fp32", choices=["fp32", "tf32", "bf16"])
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--budget", type=float, default=0.4)
    p.add_argument("--device", default="cuda", help="cuda (cpu: a dry run of the script; captures fall back)")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    dev = args.device
    rows = []
    with precision_mode(args.precision, dev) as dtype:
        for case in args.cases:
            cell, dims = case.split(":")
            B, T, H = (int(v) for v in dims.split(","))
            v = VARIANTS[cell]
            torch.manual_seed(0)
            ref = v.baseline(H, H).to(dev, dtype)
            ours = (v.build(H, H, "fused") if v.fusable() else v.build(H, H)).to(dev, dtype)
            if not v.fusable() and dev.startswith("cuda"):
                ours.scan = "triton"
            x = torch.randn(T, B, H, device=dev, dtype=dtype)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                # captured copies: a module stepped eagerly between replays would free the graph's buffers
                ref_step, ours_step = _captured(copy.deepcopy(ref)), _captured(copy.deepcopy(ours))
                fns = {"cudnn eager": lambda: train_step(ref, x), "cudnn graph": lambda: ref_step(x),
                       "rnnkit eager": lambda: train_step(ours, x), "rnnkit graph": lambda: ours_step(x)}
                res = time_interleaved(fns, dev, args.reps, args.budget)
            fallbacks = {"cudnn": next(iter(ref_step.fallbacks.values()), None),
                         "rnnkit": next(iter(ours_step.fallbacks.values()), None)}
            row = {"cell": cell, "B": B, "T": T, "H": H, "precision": args.precision, **res,
                   "graph_vs_cudnn_eager": res["rnnkit graph"] / res["cudnn eager"],
                   "graph_vs_cudnn_graph": res["rnnkit graph"] / res["cudnn graph"], "fallbacks": fallbacks,
                   "warnings": sorted({str(w.message)[:120] for w in caught})[:3]}
            rows.append(row)
            print(f"{cell:15} B{B:<4} T{T:<5} H{H:<5} {args.precision}  cuDNN eager {res['cudnn eager']:8.2f}  "
                  f"cuDNN graph {res['cudnn graph']:8.2f}  rnnkit eager {res['rnnkit eager']:8.2f}  rnnkit graph "
                  f"{res['rnnkit graph']:8.2f} ms  ->  {row['graph_vs_cudnn_eager']:.2f}x of cuDNN eager, "
                  f"{row['graph_vs_cudnn_graph']:.2f}x of cuDNN graph"
                  + (f"  FALLBACK {fallbacks}" if any(fallbacks.values()) else ""), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
