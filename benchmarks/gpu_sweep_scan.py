"""The Triton MinGRU scan's launch geometry on a GPU: time chunks (``chunks``: 1 = one pass over the whole
sequence per lane block, as before 2026-12-04; ``auto``: the default, about 8 programs a multiprocessor)
and lanes per program (``block_n``), each timed as a train step (projection GEMM + scan forward,
``y.sum()`` backward into x, W, b) against torch.nn.GRU (cuDNN) of the same sizes, interleaved in the
same run. Prints one line per configuration with its ratio to cuDNN ("xGRU", higher is faster).

    python benchmarks/gpu_sweep_scan.py [--shapes 16,128,128 64,256,256] [--T 4096] [--json out.json]

Not a test; nothing is asserted. Needs CUDA and triton (``--device cpu`` with ``TRITON_INTERPRET=1``
runs it in Triton's interpreter, to check the script).
"""

from __future__ import annotations

import argparse
import json

import torch

from rnnkit.bench import time_interleaved
from rnnkit.engine import triton_scan as ts

CONFIGS = [("chunks=1", dict(chunks=1)), ("auto", {}), ("chunks=auto/2", "half"), ("chunks=auto*2", "double"),
           ("auto,block_n=32", dict(block_n=32)), ("auto,block_n=64", dict(block_n=64))]


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shapes", nargs="+", default=["16,128,128", "64,256,256"], metavar="B,I,H")
    p.add_argument("--T", nargs="+", type=int, default=[4096])
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--budget", type=float, default=0.4)
    p.add_argument("--device", default="cuda", help="cuda; cpu only with TRITON_INTERPRET=1 (a dry run)")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    dev = torch.device(args.device)
    rows = []
    for shape in args.shapes:
        B, I, H = (int(v) for v in shape.split(","))
        for T in args.T:
            torch.manual_seed(0)
            gru = torch.nn.GRU(I, H).to(dev)
            lin = torch.nn.Linear(I, 2 * H).to(dev)
            x = torch.randn(T, B, I, device=dev)
            bt, bn = ts._config(T, B * H, dev, None, None)
            auto_L, auto_n = ts._chunking(T, B * H, dev, bt, bn, None)
            fns = {"torch.nn.GRU": lambda: gru(x.detach().requires_grad_())[0].sum().backward()}
            labels = {}
            for name, kw in CONFIGS:
                if kw == "half":
                    kw = dict(chunks=max(1, auto_n // 2))
                elif kw == "double":
                    kw = dict(chunks=auto_n * 2)
                labels[name] = kw

                def step(kw=kw):
                    xi = x.detach().requires_grad_()
                    y, _ = ts.triton_gated_scan(xi, lin.weight, lin.bias, "mingru", **kw)
                    y.sum().backward()
                fns[name] = step
            res = time_interleaved(fns, args.device, args.reps, args.budget)
            base = res["torch.nn.GRU"]
            for name, ms in res.items():
                kw = labels.get(name, {})
                bn_used = kw.get("block_n", bn)
                L, nch = ts._chunking(T, B * H, dev, bt, bn_used, kw.get("chunks"))
                row = {"B": B, "I": I, "H": H, "T": T, "config": name, "train_ms": ms, "x_gru": base / ms,
                       "block_t": bt, "block_n": bn_used if name != "torch.nn.GRU" else None,
                       "chunks": nch if name != "torch.nn.GRU" else None}
                rows.append(row)
                print(f"B{B:<4} I{I:<4} H{H:<4} T{T:<5} {name:18} train {ms:8.3f} ms  {base / ms:6.2f}x GRU  "
                      f"block_n {row['block_n']}  chunks {row['chunks']}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
