"""Hopfield benchmark: batched recall, learning rules, the N=500 capacity sweep, modern retrieval.

    .venv/bin/python benchmarks/bench_hopfield.py [--device cpu|cuda] [--threads K] [--json OUT] [--quick]

What is timed (median of --reps runs, wall clock; CUDA synchronised):
  recall      -- 1,000 cues (20 % of bits flipped) in a 1,000-unit Hebbian network holding 50 patterns
                 (load 0.05), async and sync, to convergence; also how many sweeps that took
  store       -- Hebbian and Storkey learning of 138 patterns (load 0.138) in 1,000 units
  capacity    -- capacity_experiment(sizes=[500]) with the default 20 loads, both rules, async
  modern      -- ModernHopfield recall of 1,000 queries from 1,000 stored 1,000-d patterns
Not a test: timings are never asserted. The machine, thread count, torch version and load average are
printed with the numbers, since on a shared 2-core machine other processes change them a lot.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import torch

from rnnkit.hopfield import HopfieldNetwork, ModernHopfield
from rnnkit.hopfield.experiments import capacity_experiment, flip_bits, random_patterns


def timed(fn, device: str, reps: int):
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    times, out = [], None
    for _ in range(reps):
        sync()
        t = time.perf_counter()
        out = fn()
        sync()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="skip the capacity sweep")
    ap.add_argument("--json", default=None, metavar="OUT", help="also write the numbers to this file")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = args.device
    info = {
        "device": dev if dev == "cpu" else torch.cuda.get_device_name(),
        "cpu_count": os.cpu_count(), "threads": torch.get_num_threads(), "torch": torch.__version__,
        "python": platform.python_version(), "loadavg_before": os.getloadavg(),
    }
    res: dict = {"machine": info}
    g = torch.Generator().manual_seed(0)
    N, P, B = 1000, 50, 1000
    X = random_patterns(P, N, g, dev)
    target = X[torch.randint(0, P, (B,), generator=g).to(dev)]
    cues = flip_bits(target, 0.2, g)
    net = HopfieldNetwork(N).store(X)
    for mode in ("async", "sync"):
        net.recall(cues[:10], mode=mode, seed=0)                          # warm-up
        sec, r = timed(lambda: net.recall(cues, mode=mode, seed=0), dev, args.reps)
        res[f"recall_{mode}"] = {
            "seconds": sec, "us_per_cue": sec / B * 1e6, "mean_sweeps": float(r.steps.double().mean()),
            "max_sweeps": int(r.steps.max()), "recalled_exactly": float((r.states == target).all(1).double().mean()),
        }
    X2 = random_patterns(138, N, g, dev)
    for rule in ("hebbian", "storkey"):
        sec, _ = timed(lambda: HopfieldNetwork(N, rule).store(X2), dev, args.reps)
        res[f"store_{rule}_P138_N1000"] = {"seconds": sec}
    if not args.quick:
        t = time.perf_counter()
        cap = capacity_experiment(sizes=[500], device=dev)
        res["capacity_sweep_N500"] = {
            "seconds": time.perf_counter() - t, "loads": len(cap["loads"]), "rules": cap["rules"],
            "summary": cap["summary"],
        }
    Xm = torch.nn.functional.normalize(torch.randn(1000, 1000, generator=g), dim=1).to(dev)
    q = (Xm + 0.05 * torch.randn(1000, 1000, generator=g).to(dev))
    mem = ModernHopfield(beta=50.0).store(Xm)
    sec, r = timed(lambda: mem.recall(q), dev, args.reps)
    res["modern_recall_B1000_P1000_D1000"] = {"seconds": sec, "mean_steps": float(r.steps.double().mean()),
                                              "retrieved": float((r.attention.argmax(1).cpu() == torch.arange(1000))
                                                                 .double().mean())}
    info["loadavg_after"] = os.getloadavg()
    print(json.dumps(res, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
