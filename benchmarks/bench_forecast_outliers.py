"""Issue 16, session 29: ``outliers="missing"`` (a lone value read as missing, ``rnnkit.tasks.forecasting.outliers``)
against today's ``"warn"``, both arms on the same data -- the pre-registered check of whether it becomes the default
(scratch s29/T/DECISIONS.md).

    python bench_forecast_outliers.py real --collection fresh --part all [--alone] --json R1.json
    python bench_forecast_outliers.py real --collection mixed --part all --json R3.json
    python bench_forecast_outliers.py constructed --json C.json

``real``: every series' training part is read as a fit reads it (``parse_series`` of the part as a Series, with
``outliers="missing"``: the library's rule, :func:`.input_values.lone_value`). Where the rule fires on no series of a
run, the option's inputs are today's bit for bit, and so are its forecasts (tests/test_forecast_outliers_s29_T.py:
byte-identical forecasts and backtests), so nothing is fitted and the run says so. Where it fires, the affected
series -- each alone with ``--alone`` or for ``mixed``; pooled: its whole (period, horizon) group, whose global fits
change -- go through ``bench_collections.run_collection`` twice, the training parts as given and as read with the
option, each scored with MASE on the same held-out tails (``auto``: today's selection; the tails are never changed).

``constructed``: a monthly series y = 100 + 0.5 t + 10 sin(2 pi t / 12) + N(0, 2) of 108 values, the last 12 held out
and clean, one value of the first 96 replaced (1e12 or 1e5 at positions 12, 36, 60; 1e12 also at 80 and 90, reported
only), seeds 0, 1, 2; ``Forecaster(horizon=12)`` (auto, the default candidates, period detected, one thread) fitted
with ``outliers="warn"`` and ``"missing"``; seasonal naive with the true period 12 on the same 96 values as given.
MAE on the clean tail.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def read_as_fit(s) -> tuple[np.ndarray, tuple]:
    """The training part of the collection series ``s`` as a fit with ``outliers="missing"`` reads it: the values
    (a lone one interpolated) and what was read as missing, ``((position, value),)``."""
    from rnnkit.data.timeseries.transforms import interpolate_missing
    from rnnkit.tasks.forecasting.inputs import parse_series

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        [read] = parse_series(s.to_series(), allow_constant=True, outliers="missing")
    if not read.outliers:
        return s.train, ()
    train = s.train.astype(float).copy()
    for at, _ in read.outliers:
        train[at] = np.nan
    return interpolate_missing(train)[0], read.outliers


def real(args) -> dict:
    import bench_collections as bc
    from rnnkit.data.collections import split

    series = split(bc.load_bench_collection(args.collection), args.part)
    alone = args.alone or args.collection == "mixed"
    fired = {}
    cleaned = {}
    for s in series:
        train, out = read_as_fit(s)
        if out:
            fired[s.id] = [(int(p), float(v)) for p, v in out]
            cleaned[s.id] = dataclasses.replace(s, values=np.concatenate([train, s.test]))
    res = {"collection": args.collection, "part": args.part, "alone": alone, "series": len(series),
           "fired": fired, "rows": []}
    if not fired:
        return res
    if alone:
        affected = [s for s in series if s.id in fired]
    else:
        groups = {(s.period, s.horizon) for s in series if s.id in fired}
        affected = [s for s in series if (s.period, s.horizon) in groups]
    arms = {}
    real_loader = bc.load_bench_collection
    try:
        for arm, items in (("warn", affected), ("missing", [cleaned.get(s.id, s) for s in affected])):
            bc.load_bench_collection = lambda name, items=items: list(items)
            arms[arm] = bc.run_collection(args.collection, "all", [], 2, None, alone=args.alone)
    finally:
        bc.load_bench_collection = real_loader
    today = {r["id"]: r for r in arms["warn"]["rows"]}
    for r in arms["missing"]["rows"]:
        t = today[r["id"]]
        res["rows"].append({"id": r["id"], "fired": r["id"] in fired, "auto_warn": t["auto"],
                            "auto_missing": r["auto"], "seasonal_naive": t.get("seasonal_naive")})
    res["affected"] = len(affected)
    return res


def constructed(args) -> dict:
    import torch

    from rnnkit.tasks.forecasting import Forecaster

    torch.set_num_threads(1)
    H, N = 12, 108
    rows = []
    cases = [(v, p) for v in (1e12, 1e5) for p in (12, 36, 60)] + [(1e12, 80), (1e12, 90)]
    for seed in (0, 1, 2):
        for value, pos in cases:
            rng = np.random.default_rng(seed)
            t = np.arange(N)
            y = 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, N)
            train, tail = y[:-H].copy(), y[-H:]
            train[pos] = value
            t0 = time.process_time()
            out = {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for mode in ("warn", "missing"):
                    f = Forecaster(horizon=H, outliers=mode, threads=1).fit(train)
                    out[mode] = (f.predict()["value"].to_numpy(), f.summary())
                sn = Forecaster("seasonal_naive", horizon=H, period=12, threads=1).fit(train).predict()["value"]
            mae = {m: float(np.mean(np.abs(tail - out[m][0]))) for m in out}
            rows.append({"seed": seed, "value": value, "pos": pos, "criterion": pos < 72,
                         "mae_warn": mae["warn"], "mae_missing": mae["missing"],
                         "mae_snaive": float(np.mean(np.abs(tail - sn.to_numpy()))),
                         "fired": bool(out["missing"][1]["series"][0]["outliers_missing"]),
                         "chosen_warn": out["warn"][1]["chosen"], "chosen_missing": out["missing"][1]["chosen"],
                         "period_warn": out["warn"][1]["period"], "period_missing": out["missing"][1]["period"],
                         "cpu_s": round(time.process_time() - t0, 1)})
            print(json.dumps(rows[-1]), flush=True)
    return {"rows": rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("real", "constructed"))
    ap.add_argument("--collection", default="fresh")
    ap.add_argument("--part", default="all", choices=("dev", "holdout", "all"))
    ap.add_argument("--alone", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    t0, c0 = time.perf_counter(), time.process_time()
    res = real(args) if args.what == "real" else constructed(args)
    res["wall_s"], res["cpu_s"] = round(time.perf_counter() - t0, 1), round(time.process_time() - c0, 1)
    res["machine"] = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                      "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0]}
    if args.what == "real":
        print(f"{res['collection']} ({res['part']}{', alone' if res['alone'] else ''}): {res['series']} series; the "
              f"rule fired on {len(res['fired'])}: {res['fired']}")
        for r in res["rows"]:
            print(json.dumps(r))
    print(f"total: {res['wall_s']}s wall, {res['cpu_s']}s process CPU; machine: {res['machine']}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1, default=float)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
