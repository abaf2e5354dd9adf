"""Forecasting benchmark.

Bundled series (default): rolling-origin backtest (3 folds), default LSTM and GRU next to the baselines
(naive, seasonal naive, drift, ETS), plus the time of fit + 3-fold backtest on a 2,000-point series.

    python benchmarks/bench_forecast.py                 # all series, markdown table on stdout
    python benchmarks/bench_forecast.py --only co2,nile --json results.json

Collections of real public series (``rnnkit.data.collections``; one fit per series, or one global fit
per frequency group for global models; the held-out tail of each series is scored with MASE scaled by
its in-sample seasonal naive): seasonal naive, naive, ETS (AICc season), Theta, ETS+Theta, rnnkit's
default LSTM, LSTM+ETS+Theta, the ES-RNN hybrid and ``auto`` side by side, from one rolling-origin
validation run on the training parts:

    python benchmarks/bench_forecast.py --collection mixed --part holdout
    python benchmarks/bench_forecast.py --collection short --part all --cache runs/bench_cache
    python benchmarks/bench_forecast.py --timing-auto   # auto fit + 3-fold backtest on co2
    python benchmarks/bench_forecast.py --collection us_employment --part all --compare-local  # global vs per series
    python benchmarks/bench_forecast.py --collection fresh --part all   # 210 M3/tourism series never used in design
    python benchmarks/bench_forecast.py --collection fresh6 --alone     # each series alone, as one --csv call
    python benchmarks/bench_forecast.py --collection fresh9 --alone --also alone_leash=1.0   # + a candidate
    python benchmarks/bench_forecast.py --collection fresh10 --alone --also alone_anchor=True  # session 12
    python benchmarks/bench_forecast.py --collection fresh12 --alone --member shrink_windows=60  # session 13
    python benchmarks/bench_forecast.py --collection fresh16 --lstm-member lookback_ensemble=True  # session 15
    python benchmarks/bench_forecast.py --collection fresh18 --detect-period bound  # periods detected, session 15

``fresh`` (bench_collections.load_fresh) is the check on unseen data: 30 series of each of M3 yearly,
quarterly, monthly, other and tourism yearly, quarterly, monthly, the first by a hash of their id;
``fresh2`` .. ``fresh13`` are the next blocks of 30 per kind (disjoint; M3 "other" has none left after
fresh6; each run once, fresh7 .. fresh13 with ``--alone``; see docs/results_forecasting.md sessions 6
to 8 and 10 to 13).

Horizons are one natural cycle ahead (a year of weeks/months/quarters, a day of hours), or a few steps
for yearly data. Numbers depend on the machine; docs/forecasting.md records a run and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import torch

from rnnkit.data.registry import get_dataset
from rnnkit.tasks.forecasting import Forecaster

HORIZONS = {
    "co2": 52, "sunspots": 11, "nile": 10, "elec_equip": 12, "macrodata_realgdp": 8, "macrodata_cpi": 8,
    "macrodata_unemp": 8, "seattle_temp_max": 30, "seattle_temps": 24, "stocks": 12,
}
BASELINES = ("naive", "seasonal_naive", "drift", "ets")


def run_series(name: str, folds: int, cells=("lstm", "gru")) -> dict:
    data = get_dataset(name).load()
    cols = data.attrs.get("columns", {}) if hasattr(data, "attrs") else {}
    H = HORIZONS[name]
    out = {"name": name, "horizon": H, "models": {}, "seconds": {}}
    for i, cell in enumerate(cells):
        t0 = time.perf_counter()
        bt = Forecaster(cell, horizon=H).backtest(data, folds=folds, baselines=BASELINES if i == 0 else (), **cols)
        out["seconds"][cell] = round(time.perf_counter() - t0, 1)
        out["models"][cell] = bt.metrics[cell]
        if i == 0:
            for b in BASELINES:
                out["models"][b] = bt.metrics[b]
            out["lookback"], out["periods"] = bt.lookback, sorted(set(bt.periods.values()))
        else:
            out["lookback_" + cell] = bt.lookback
    return out


def time_2000(cell: str = "lstm") -> dict:
    """fit + 3-fold backtest (as `rnnkit forecast --backtest 3` runs them) on the first 2,000 co2 weeks."""
    y = get_dataset("co2").load().iloc[:2000]
    t0, c0 = time.perf_counter(), time.process_time()
    f = Forecaster(cell, horizon=52)
    f.backtest(y, folds=3)
    t1 = time.perf_counter()
    f.fit(y)
    t2, c2 = time.perf_counter(), time.process_time()
    # CPU seconds of this (single-threaded) process: what the wall time would be on an idle core
    return {"series": "co2[:2000]", "horizon": 52, "cell": cell, "backtest_s": round(t1 - t0, 1),
            "fit_s": round(t2 - t1, 1), "total_s": round(t2 - t0, 1), "cpu_s": round(c2 - c0, 1)}


def markdown(rows: list[dict]) -> str:
    lines = ["| series | h | lookback | period | LSTM | GRU | naive | seasonal naive | drift | ETS | LSTM < sNaive | LSTM vs ETS |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        m = r["models"]
        cell = lambda k: f"{m[k]['MASE']:.3f} / {m[k]['sMAPE']:.1f}"  # noqa: E731
        beats = "yes" if m["lstm"]["MASE"] < m["seasonal_naive"]["MASE"] else "no"
        ratio = m["lstm"]["MASE"] / m["ets"]["MASE"]
        lines.append(f"| {r['name']} | {r['horizon']} | {r['lookback']} | {','.join(map(str, r['periods']))} | "
                     + " | ".join(cell(k) for k in ("lstm", "gru", *BASELINES)) + f" | {beats} | {ratio:.2f}x |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=None, help="comma-separated series names")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--json", default=None, help="also write the results to this JSON file")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--collection", default=None, help="a collection of rnnkit.data.collections (e.g. mixed, short)")
    ap.add_argument("--part", default="all", choices=("dev", "holdout", "all"))
    ap.add_argument("--models", default=None, help="comma-separated candidates (default: all)")
    ap.add_argument("--cache", default=None, help="folder for per-candidate validation/forecast caches")
    ap.add_argument("--origins", type=int, default=2, help="validation windows for auto")
    ap.add_argument("--timing-auto", action="store_true", help="auto fit + 3-fold backtest on co2")
    ap.add_argument("--static", action="store_true",
                    help="give the collection's static covariates (M1: category one-hot) to the global models")
    ap.add_argument("--alone", action="store_true",
                    help="every series chooses alone on its own validation windows, networks fitted per series "
                         "(what one `rnnkit forecast --csv` call does; always so for --collection mixed)")
    ap.add_argument("--also", default=None, metavar="KEY=VALUE[,KEY=VALUE]",
                    help="also score an AutoForecaster with these settings (e.g. alone_leash=1.0) from the same "
                         "validation sets, as auto_candidate (a pre-registered candidate next to the default)")
    ap.add_argument("--member", default=None, metavar="KEY=VALUE[,KEY=VALUE]",
                    help="also fit an ES-RNN with these settings (e.g. shrink_windows=60) as esrnn_candidate, and "
                         "score auto_candidate with it in the default hybrid's place (from the same run)")
    ap.add_argument("--lstm-member", default=None, metavar="KEY=VALUE[,KEY=VALUE]",
                    help="also fit an LSTM candidate with these settings (e.g. lookback_ensemble=True) as "
                         "lstm_candidate, and score auto_candidate with it in the default LSTM's place")
    ap.add_argument("--detect-period", default=None, choices=("default", "bound"),
                    help="each series' period is detect_period's on its training part (as `rnnkit forecast` without "
                         "--period), not the collection's; bound: with noise_bound=True (scoring keeps the collection's)")
    ap.add_argument("--pretrained", action="store_true",
                    help="also score the pretrained networks (transfer.py) for every group they serve, as "
                         "pretrained_all, and auto_candidate with them chosen in the pool (not averaged in) in the "
                         "place of the default's yearly member (averaged in by the default auto; same run)")
    ap.add_argument("--compare-local", action="store_true",
                    help="also fit the ES-RNN on each series alone (esrnn_local) next to the global one")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    if args.collection or args.timing_auto:
        from bench_collections import run_collection_cli

        return run_collection_cli(args)
    names = args.only.split(",") if args.only else list(HORIZONS)
    rows = []
    for name in names:
        info = get_dataset(name)
        if not info.available():
            print(f"skip {name}: {info.install}", file=sys.stderr)
            continue
        r = run_series(name, args.folds)
        rows.append(r)
        print(f"{name}: done in {sum(r['seconds'].values()):.0f}s", file=sys.stderr, flush=True)
    machine = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
               "torch": torch.__version__, "python": platform.python_version(),
               "load_avg_1m": os.getloadavg()[0]}
    timing = None if args.no_timing else time_2000()
    print("MASE / sMAPE (%), mean of 3 rolling-origin folds (lower is better)\n")
    print(markdown(rows))
    wins = sum(r["models"]["lstm"]["MASE"] < r["models"]["seasonal_naive"]["MASE"] for r in rows)
    print(f"\nLSTM beats seasonal naive on MASE on {wins} of {len(rows)} series")
    cov = {r["name"]: round(r["models"]["lstm"]["coverage"], 2) for r in rows}
    print(f"LSTM 90% interval coverage: {cov}")
    if timing:
        print(f"timing (fit + 3-fold backtest, {timing['series']}, h={timing['horizon']}): {timing}")
    print(f"machine: {machine}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"rows": rows, "timing": timing, "machine": machine}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
