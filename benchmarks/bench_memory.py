"""Memory/time trade-off of ``checkpoint_steps`` (recomputing each segment's activations in backward).

Each configuration runs in a fresh subprocess (so peak RSS is its own) doing one LSTM train step on the
hand-BPTT engine; on CUDA the peak of ``torch.cuda.max_memory_allocated`` is reported instead.

    .venv/bin/python benchmarks/bench_memory.py [--device cpu|cuda] [--T 2048] [--B 32] [--H 256]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time, torch, rnnkit
T, B, I, H, k, device = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
torch.manual_seed(0)
torch.set_num_threads(int(sys.argv[7]))
m = rnnkit.LSTM(I, H, engine="bptt", checkpoint_steps=k).to(device)
x = torch.randn(T, B, I, device=device, requires_grad=True)
def step():
    m.zero_grad(set_to_none=True)
    y, _ = m(x)
    y.sum().backward()
if device == "cuda":
    step(); torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats(); base = torch.cuda.memory_allocated()
times = []
for _ in range(2):
    t0 = time.perf_counter(); step()
    if device == "cuda": torch.cuda.synchronize()
    times.append(time.perf_counter() - t0)
peak = (torch.cuda.max_memory_allocated() - base) / 2**20 if device == "cuda" else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"checkpoint_steps": k, "train_ms": min(times) * 1e3, "peak_mb": peak}))
"""


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cpu")
    p.add_argument("--T", type=int, default=1024)
    p.add_argument("--B", type=int, default=32)
    p.add_argument("--I", type=int, default=64)
    p.add_argument("--H", type=int, default=256)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--ks", type=int, nargs="+", default=[0, 256, 64, 16])
    args = p.parse_args(argv)
    what = "peak CUDA MB (above inputs)" if args.device == "cuda" else "peak RSS MB (whole process)"
    print(f"LSTM hand-BPTT train step, T={args.T} B={args.B} I={args.I} H={args.H}, device={args.device}, "
          f"threads={args.threads}")
    print(f"| checkpoint_steps | train ms | {what} |\n|---|---|---|")
    rows = []
    for k in args.ks:
        out = subprocess.run([sys.executable, "-c", CHILD, str(args.T), str(args.B), str(args.I), str(args.H),
                              str(k), args.device, str(args.threads)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(f"| {k or 'off'} | {r['train_ms']:.0f} | {r['peak_mb']:.0f} |", flush=True)
    return rows


if __name__ == "__main__":
    main()
