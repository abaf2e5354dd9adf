"""Core benchmark: train step (forward + backward) and inference of rnnkit's engines vs torch.nn and the
plain autograd loop over the same math, in the same run, with ratios.

    .venv/bin/python benchmarks/bench_core.py [--device cpu|cuda] [--shapes B,T,I,H ...] [--json OUT]

Columns (median time per call, ms; ratios to torch.nn on the same shape), one per --engines name:
  torch.nn   -- torch.nn.LSTM/GRU/RNN (ATen on CPU, cuDNN on GPU)
  native     -- rnnkit layer, engine="native" (dispatch to the same kernels)
  bptt       -- rnnkit layer, engine="bptt" (hand-written BPTT)
  reference  -- rnnkit layer, engine="reference": the plain autograd loop over the same cell math (the
                "autograd" column of docs/benchmarks.md's tables)
Not a test: timings are never asserted.
"""

from __future__ import annotations

import argparse
import json

import torch

import rnnkit
from rnnkit.bench import infer_step, machine_info, time_interleaved, train_step

DEFAULT_SHAPES = [(1, 100, 64, 128), (32, 100, 64, 128), (64, 200, 128, 256)]


def bench_shape(cell, B, T, I, H, device, engines):
    torch.manual_seed(0)
    layer = rnnkit.make_layer(cell, I, H).to(device)  # the layer registry: lstm, gru, elman, elman_relu, ...
    ref = layer.to_torch()
    x = torch.randn(T, B, I, device=device)
    results = {}
    modules = {"torch.nn": ref}
    for e in engines:
        m = rnnkit.make_layer(cell, I, H).to(device)
        m.load_state_dict(layer.state_dict())
        m.engine = e
        modules[e] = m

    train = time_interleaved({k: (lambda m=m: train_step(m, x)) for k, m in modules.items()}, device)
    inf = time_interleaved({k: (lambda m=m: infer_step(m, x)) for k, m in modules.items()}, device)
    return {k: {"train_ms": train[k], "infer_ms": inf[k]} for k in modules}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cpu")
    p.add_argument("--cells", nargs="+", default=["lstm", "gru"])
    p.add_argument("--shapes", nargs="+", default=None, help="B,T,I,H")
    p.add_argument("--engines", nargs="+", default=["native", "bptt", "reference"])
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    shapes = [tuple(int(v) for v in s.split(",")) for s in args.shapes] if args.shapes else DEFAULT_SHAPES
    machine = machine_info(args.device)
    print(f"# machine: {machine}")
    header = f"| cell | B,T,I,H | mode | torch.nn ms | " + " | ".join(f"{e} ms (x)" for e in args.engines) + " |"
    print(header)
    print("|" + "---|" * (4 + len(args.engines)))
    rows = []
    for cell in args.cells:
        for (B, T, I, H) in shapes:
            r = bench_shape(cell, B, T, I, H, args.device, args.engines)
            for mode in ("train", "infer"):
                base = r["torch.nn"][f"{mode}_ms"]
                cols = " | ".join(f"{r[e][f'{mode}_ms']:.2f} ({r[e][f'{mode}_ms'] / base:.2f}x)" for e in args.engines)
                print(f"| {cell} | {B},{T},{I},{H} | {mode} | {base:.2f} | {cols} |", flush=True)
            rows.append({"cell": cell, "shape": [B, T, I, H], **r})
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
