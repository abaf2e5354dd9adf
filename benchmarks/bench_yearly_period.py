"""How yearly data gets its period (``detect_period(yearly=...)``, session 17): bench_collections' protocol with every
series' period detected as ``rnnkit forecast`` without ``--period`` does (``--detect-period default``), run once per
rule of :data:`rnnkit.data.timeseries.seasonality.YEARLY_RULES` on the same series; MASE is scored with the
collection's period (1) whatever was detected.

``--dates``: the undated yearly series (M1, M3, tourism: integer steps in the collections) get yearly dates from
2001 (a user's yearly CSV has them; integer steps are never read as yearly). ``mixed``: its yearly series only.

    python benchmarks/bench_yearly_period.py --collections m3_yearly,mixed --rules periodogram,bound --dates
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

import numpy as np
import pandas as pd
import torch

import bench_collections as bc
from rnnkit.data.timeseries import seasonality

YEARLY_START = "2001-01-01"
_LOAD = bc.load_bench_collection


def load_yearly(name: str, dates: bool) -> list:
    """``name``'s series (``mixed``: its yearly ones), the undated yearly ones dated from :data:`YEARLY_START` when
    ``dates``."""
    out = _LOAD(name)
    if name == "mixed":
        out = [s for s in out if seasonality.yearly_or_coarser(s.freq)]
    if dates:
        out = [dataclasses.replace(s, start=YEARLY_START) if s.start is None and s.freq == "YS" else s for s in out]
    return out


def table(rows: list[dict], model: str) -> dict:
    df = pd.DataFrame(rows)
    base = df[[b for b in ("seasonal_naive", "naive", "ets", "theta", "ets+theta") if b in df.columns]].min(axis=1)
    v = df[model]
    return {"mean": float(v.mean()), "median": float(v.median()),
            "beats_snaive": int((v < df["seasonal_naive"]).sum()),
            "over_1.5x_best_baseline": int((v / base.replace(0, np.nan) > 1.5).sum())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--collections", required=True, help="comma-separated bench collections (e.g. m3_yearly,mixed)")
    ap.add_argument("--rules", default=",".join(seasonality.YEARLY_RULES), help="comma-separated detect_period "
                    "yearly= rules, each run on the same series")
    ap.add_argument("--dates", action="store_true", help="give undated yearly series yearly dates")
    ap.add_argument("--also", default="pretrained_blend=False", help="bench_collections' --also (auto_candidate)")
    ap.add_argument("--origins", type=int, default=2)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    rules = args.rules.split(",")
    bad = [r for r in rules if r not in seasonality.YEARLY_RULES]
    if bad:
        raise SystemExit(f"--rules: expected names among {list(seasonality.YEARLY_RULES)}, got {bad[0]!r}")
    torch.set_num_threads(1)
    bc.load_bench_collection = lambda name: load_yearly(name, args.dates)
    also = bc._also(args.also)
    out: dict = {}
    for name in args.collections.split(","):
        for rule in rules:
            seasonality.YEARLY = rule                   # what rnnkit forecast would use with this default
            t0 = time.perf_counter()
            res = bc.run_collection(name, "all", [], args.origins, None, also=also, detect="default")
            res["wall_s"] = time.perf_counter() - t0
            out[f"{name}:{rule}"] = res
            print(f"\n## {name}, yearly={rule!r} ({res['wall_s']:.0f}s wall)\n{bc.summary(res)}", flush=True)
    print("\n| collection | rule | series | period > 1 | auto | auto, no blend | ETS | Theta | auto beats sNaive |"
          " auto > 1.5x best baseline |\n|---|---|---|---|---|---|---|---|---|---|")
    for key, res in out.items():
        name, rule = key.split(":")
        rows = res["rows"]
        a, c = table(rows, "auto"), table(rows, "auto_candidate")
        seas = sum(r["_used_period"] > 1 for r in rows)
        print(f"| {name} | {rule} | {len(rows)} | {seas} | {a['mean']:.3f} | {c['mean']:.3f} | "
              f"{table(rows, 'ets')['mean']:.3f} | {table(rows, 'theta')['mean']:.3f} | {a['beats_snaive']} | "
              f"{a['over_1.5x_best_baseline']} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
