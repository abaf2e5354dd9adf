"""Where the time of ``rnnkit forecast --id-col`` goes as the series grow, member by member: one fit of each of
auto's default candidates (the per-series ETS / Theta / naive fits, the global LSTM forecaster with its lookback
selection, the global ES-RNN hybrid, full batch: ``batch_series=None``) on the first ``n`` series of :func:`bench_scale.write_panel`'s generator
(monthly, 48-150 values), horizon 12, one torch thread, CPU time of this process (``time.process_time``: the
figure that a loaded machine changes least; the wall time is printed too). ``--esrnn-batch N`` adds the hybrid
with ``batch_series=N`` (:mod:`rnnkit.tasks.forecasting.series_batches`) next to the full-batch one.

    python benchmarks/bench_scale_members.py --sizes 100,200,500 --esrnn-batch 64 --json runs/members.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import write_panel  # noqa: E402


def panel_inputs(n: int) -> list:
    from rnnkit.tasks.forecasting.candidates import SeriesInput

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "panel.csv"
        write_panel(n, path)
        frame = pd.read_csv(path)
    out = []
    for sid, g in frame.groupby("id", sort=True):
        g = g.sort_values("date")
        idx = pd.DatetimeIndex(pd.PeriodIndex(g["date"], freq="M").to_timestamp(), freq="MS")
        out.append(SeriesInput(str(sid), g["y"].to_numpy(float), period=12, index=idx))
    return out


def timed(fn) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,200", help="comma-separated numbers of series")
    ap.add_argument("--members", default="stats,lstm,esrnn", help="comma-separated among stats, lstm, esrnn")
    ap.add_argument("--esrnn-batch", type=int, default=None, help="also the hybrid with this batch_series")
    ap.add_argument("--horizon", type=int, default=12)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    from rnnkit.tasks.forecasting.auto import default_candidates
    from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate

    members = args.members.split(",")
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        batch = panel_inputs(n)
        cands = default_candidates(network=True)
        runs = []
        if "stats" in members:
            runs += [(k, cands[k]) for k in ("seasonal_naive", "naive", "ets", "theta", "drift")]
        if "lstm" in members:
            runs.append(("lstm", cands["lstm"]))
        if "esrnn" in members:
            runs.append(("esrnn", ESRNNCandidate(batch_series=None)))   # the full batch whatever the series
            if args.esrnn_batch is not None:
                runs.append((f"esrnn_batch{args.esrnn_batch}", ESRNNCandidate(batch_series=args.esrnn_batch)))
        for name, cand in runs:
            cpu, wall = timed(lambda: cand.forecast(batch, args.horizon))
            rows.append({"series": n, "member": name, "cpu_s": round(cpu, 2), "wall_s": round(wall, 2)})
            print(f"{n:>6} series  {name:<16} cpu {cpu:8.2f} s  wall {wall:8.2f} s  (load {os.getloadavg()[0]:.1f})",
                  flush=True)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(),
                                               "command": " ".join(sys.argv), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
