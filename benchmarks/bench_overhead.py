"""Per-call overhead at small shapes: what a user calling a layer in a loop (generation, a service answering one
request, RL) pays for rnnkit's checks, against torch.nn with the same weights, in the same run.

    .venv/bin/python benchmarks/bench_overhead.py [--shapes B,T,H ...] [--cells lstm gru elman] [--rounds 15]
                                                  [--calls 50] [--profile]

Rows: one cell, one shape (B, T, I=H, H), one mode:
  infer  -- ``layer(x)`` under ``torch.no_grad()`` (eval mode)
  train  -- ``layer(x)[0].sum().backward()``
  step   -- ``layer.step(x_t, state)`` (no grad) against ``torch.nn.LSTMCell/GRUCell/RNNCell`` on the same weights
Columns: microseconds per call (median over ``--rounds`` interleaved rounds of ``--calls`` calls each) with the
spread (min-max of the rounds), and each rnnkit engine's ratio to torch.nn. ``--profile`` prints, for one shape,
the functions rnnkit spends its own time in (cProfile of the calls, not of the import).
On a shared machine the medians of the smallest shapes swing (other jobs): read the min column as the floor, and
compare columns of one row only (measured in the same rounds). ``--engines fused`` adds the compiled engine (its
compilation runs in the warm-up). Timings are never asserted; one torch thread.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

import torch
from torch import nn

import rnnkit
from rnnkit.bench import machine_info

DEFAULT_SHAPES = [(1, 1, 32), (1, 20, 128), (8, 1, 64), (8, 20, 128)]
_TORCH_CELLS = {"lstm": nn.LSTMCell, "gru": nn.GRUCell, "elman": nn.RNNCell}


def interleaved_us(fns: dict, rounds: int, calls: int) -> dict[str, tuple[float, float, float]]:
    """``{name: (median, min, max)}`` microseconds per call over ``rounds`` rounds, the functions taking turns
    within each round (load elsewhere on the machine hits all alike); one warm-up round first."""
    for fn in fns.values():
        for _ in range(3):
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(calls):
                fn()
            times[k].append((time.perf_counter() - t0) / calls * 1e6)
    return {k: (statistics.median(v), min(v), max(v)) for k, v in times.items()}


def layers(cell: str, H: int, engines):
    torch.manual_seed(0)
    base = rnnkit.make_layer(cell, H, H)
    mods = {"torch.nn": base.to_torch()}
    for e in engines:
        m = rnnkit.make_layer(cell, H, H)
        m.load_state_dict(base.state_dict())
        m.engine = e
        mods[e] = m
    return mods


def torch_cell(cell: str, layer: nn.Module, H: int) -> nn.Module:
    c = _TORCH_CELLS[cell](H, H)
    with torch.no_grad():
        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(c, n).copy_(getattr(layer, f"{n}_l0"))
    return c


def bench(cell, B, T, H, engines, rounds, calls):
    mods = layers(cell, H, engines)
    x = torch.randn(T, B, H)
    rows = {}
    for m in mods.values():
        m.eval()

    def infer(m):
        def f():
            with torch.no_grad():
                m(x)
        return f

    def train(m):
        xg = x.clone().requires_grad_()

        def f():
            m.zero_grad(set_to_none=True)
            m(xg)[0].sum().backward()
        return f

    rows["infer"] = interleaved_us({k: infer(m) for k, m in mods.items()}, rounds, calls)
    rows["train"] = interleaved_us({k: train(m) for k, m in mods.items()}, rounds, calls)
    if T == 1:
        tc = torch_cell(cell, mods["torch.nn"], H)
        xt = x[0]
        h0 = torch.zeros(B, H)
        hs = (h0, h0) if cell == "lstm" else h0

        def tstep():
            with torch.no_grad():
                tc(xt, hs)
        fns = {"torch.nn": tstep}
        for e in engines:
            m = mods[e]
            st = m.initial_state(B)

            def rstep(m=m, st=st):
                with torch.no_grad():
                    m.step(xt, st)
            fns[e] = rstep
        rows["step"] = interleaved_us(fns, rounds, calls)
    return rows


def profile(cell, B, T, H, engine, calls=2000):
    m = layers(cell, H, [engine])[engine].eval()
    x = torch.randn(T, B, H)
    with torch.no_grad():
        m(x)
        pr = cProfile.Profile()
        pr.enable()
        for _ in range(calls):
            m(x)
        pr.disable()
    pstats.Stats(pr).sort_stats("tottime").print_stats(25)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cells", nargs="+", default=["lstm", "gru"])
    p.add_argument("--shapes", nargs="+", default=None, help="B,T,H (I = H)")
    p.add_argument("--engines", nargs="+", default=["native", "bptt", "reference"])
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--calls", type=int, default=50)
    p.add_argument("--profile", action="store_true", help="cProfile the infer calls of the first cell and shape")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    shapes = [tuple(int(v) for v in s.split(",")) for s in args.shapes] if args.shapes else DEFAULT_SHAPES
    if args.profile:
        B, T, H = shapes[0]
        for e in args.engines:
            print(f"## profile {args.cells[0]} B{B} T{T} H{H} engine={e}")
            profile(args.cells[0], B, T, H, e)
        return
    print(f"# machine: {machine_info('cpu')}")
    print("| cell | B,T,H | mode | torch.nn us (min-max) | "
          + " | ".join(f"{e} us (x torch.nn)" for e in args.engines) + " |")
    print("|" + "---|" * (4 + len(args.engines)))
    for cell in args.cells:
        for B, T, H in shapes:
            for mode, r in bench(cell, B, T, H, args.engines, args.rounds, args.calls).items():
                ref = r["torch.nn"][0]
                cols = " | ".join(f"{r[e][0]:.0f} ({r[e][1]:.0f}-{r[e][2]:.0f}) x{r[e][0] / ref:.2f}"
                                  for e in args.engines)
                print(f"| {cell} | {B},{T},{H} | {mode} | {ref:.0f} ({r['torch.nn'][1]:.0f}-{r['torch.nn'][2]:.0f})"
                      f" | {cols} |", flush=True)


if __name__ == "__main__":
    main()
