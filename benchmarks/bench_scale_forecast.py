"""Scale of ``rnnkit forecast --id-col`` on many series, whole runs: this checkout's code and other source trees
(``--src``, e.g. an older commit's ``src`` from ``git archive``) on the same generated panel, in the same run, their
forecasts and backtest metrics compared value for value.

The panel is :func:`bench_scale.write_panel`'s (monthly, 48-150 values a series, rows shuffled). Each arm is one
``python -m rnnkit forecast --csv panel.csv --target y --time-col date --id-col id --horizon H --backtest K --no-plot
--threads T --out DIR`` in its own process (``PYTHONPATH`` = the arm's ``src``; ``OMP_NUM_THREADS=1``); its wall time
and CPU time (its own and its children's, the pool's workers included) are measured here. An arm is
``NAME=SRC:THREADS`` (``this`` is this checkout's ``src``). Compared between arms: ``forecast.csv`` (every column but
none dropped, exact) and ``metrics.json``'s backtest metrics and auto's choice; a difference is printed and makes the
exit status 1 (``--tolerance`` > 0 allows that relative difference, for arms meant to differ).

    python benchmarks/bench_scale_forecast.py --series 100 --arm old=/tmp/old/src:1 --arm new=this:1 \\
        --arm new2=this:2 --json benchmarks/results/scale_forecast.json

``--arm-args NAME=FLAGS`` gives one arm flags of its own (e.g. the ES-RNN's series per step against the full batch,
arms meant to differ: their differences are printed, and ``--tolerance`` decides the exit status):

    python benchmarks/bench_scale_forecast.py --series 200 --arm exact=this:1 --arm capped=this:1 \\
        --arm-args "capped=--esrnn-batch-series 100" --tolerance 1
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import write_panel  # noqa: E402

HERE = Path(__file__).resolve().parent.parent / "src"


def parse_arm(text: str) -> tuple[str, str, int]:
    name, _, rest = text.partition("=")
    src, _, thr = rest.rpartition(":")
    if not name or not src or not thr.isdigit() or int(thr) < 1:
        raise SystemExit(f"--arm: expected NAME=SRC:THREADS (threads >= 1), got {text!r}")
    src = str(HERE) if src == "this" else src
    if not (Path(src) / "rnnkit").is_dir():
        raise SystemExit(f"--arm {name}: expected a source tree holding rnnkit/, got {src!r}")
    return name, src, int(thr)


def run_arm(src: str, threads: int, csv: Path, out: Path, horizon: int, backtest: int, extra: list[str]) -> dict:
    cmd = [sys.executable, "-m", "rnnkit", "forecast", "--csv", str(csv), "--target", "y", "--time-col", "date",
           "--id-col", "id", "--horizon", str(horizon), "--backtest", str(backtest), "--no-plot",
           "--threads", str(threads), "--out", str(out), *extra]
    env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"arm {src} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    metrics = json.loads((out / "metrics.json").read_text())
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "max_rss_mb": round(after.ru_maxrss / 1024, 1),
            "timing": metrics.get("timing")}


def compare(a: Path, b: Path, tol: float) -> list[str]:
    """The differences between two runs' forecasts and backtest metrics (empty: equal)."""
    diffs = []
    fa, fb = pd.read_csv(a / "forecast.csv"), pd.read_csv(b / "forecast.csv")
    if list(fa.columns) != list(fb.columns) or len(fa) != len(fb):
        return [f"forecast.csv: columns/rows {list(fa.columns)} x {len(fa)} vs {list(fb.columns)} x {len(fb)}"]
    for c in fa.columns:
        x, y = fa[c].to_numpy(), fb[c].to_numpy()
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            x, y = x.astype(float), y.astype(float)
            bad = ~((x == y) | (np.isnan(x) & np.isnan(y)) | (np.abs(x - y) <= tol * np.maximum(np.abs(x), np.abs(y))))
        else:
            bad = x != y
        if bad.any():
            diffs.append(f"forecast.csv {c}: {int(bad.sum())} of {len(x)} values differ")
    ma, mb = (json.loads((p / "metrics.json").read_text()) for p in (a, b))
    for model, row in (ma.get("backtest") or {}).items():
        for k, v in row.items():
            w = (mb.get("backtest") or {}).get(model, {}).get(k)
            same = v == w or (isinstance(v, float) and isinstance(w, float) and (
                (math.isnan(v) and math.isnan(w)) or abs(v - w) <= tol * max(abs(v), abs(w))))
            if not same:
                diffs.append(f"backtest {model} {k}: {v} vs {w}")
    if json.dumps(ma.get("auto", {}).get("chosen")) != json.dumps(mb.get("auto", {}).get("chosen")):
        diffs.append("auto's choice differs")
    return diffs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--series", type=int, default=100, help="number of generated monthly series")
    ap.add_argument("--arm", action="append", required=True, help="NAME=SRC:THREADS (SRC 'this': this checkout)")
    ap.add_argument("--horizon", type=int, default=12)
    ap.add_argument("--backtest", type=int, default=3)
    ap.add_argument("--candidates", nargs="*", default=None, help="passed to --candidates (default: auto's own)")
    ap.add_argument("--arm-args", action="append", default=[], metavar="NAME=FLAGS",
                    help="extra forecast flags for the arm NAME only (shell-quoted)")
    ap.add_argument("--tolerance", type=float, default=0.0, help="relative difference allowed between arms")
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("--keep", default=None, help="keep the panel and the runs' folders here")
    args = ap.parse_args()
    if args.series < 1:
        raise SystemExit(f"--series: expected an int >= 1, got {args.series}")
    arms = [parse_arm(a) for a in args.arm]
    if len({a[0] for a in arms}) != len(arms):
        raise SystemExit("--arm: expected distinct names")
    extra = ["--candidates", *args.candidates] if args.candidates else []
    own: dict[str, list[str]] = {}
    for text in args.arm_args:
        name, sep, flags = text.partition("=")
        if not sep or name not in {a[0] for a in arms} or name in own:
            raise SystemExit(f"--arm-args: expected NAME=FLAGS for a named arm, once each, got {text!r}")
        own[name] = shlex.split(flags)
    rows, diffs = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep or tmp)
        root.mkdir(parents=True, exist_ok=True)
        csv = root / f"panel_{args.series}.csv"
        n_rows = write_panel(args.series, csv)
        for name, src, thr in arms:
            r = run_arm(src, thr, csv, root / name, args.horizon, args.backtest, extra + own.get(name, []))
            rows.append({"arm": name, "src": src, "threads": thr, "series": args.series, "rows": n_rows,
                         "args": own.get(name, []), **r})
            print(f"{args.series:>6} series  {name:<10} threads {thr}  wall {r['wall_s']:8.1f} s  cpu {r['cpu_s']:8.1f} s"
                  f"  (load {os.getloadavg()[0]:.1f})", flush=True)
        first = arms[0][0]
        for name, _, _ in arms[1:]:
            diffs[name] = compare(root / first, root / name, args.tolerance)
            print(f"{name} vs {first}: " + ("identical forecasts, bands and backtest metrics" if not diffs[name]
                                            else "; ".join(diffs[name][:8])), flush=True)
    result = {"machine": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
              "load_1min_end": os.getloadavg()[0], "command": " ".join(sys.argv), "rows": rows,
              "differences_vs_" + arms[0][0]: diffs}
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1))
    if any(diffs.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
