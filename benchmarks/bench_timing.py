"""auto on co2 as ``make demo`` runs the LSTM: horizon 52, a 3-fold rolling-origin backtest, then the
fit on all the data; wall and process CPU time, and the backtest MASE next to the LSTM's."""

from __future__ import annotations

import os
import time

import numpy as np
import torch


def co2_input():
    from rnnkit.data.registry import get_dataset
    from rnnkit.data.transforms import interpolate_missing
    from rnnkit.tasks.forecasting.candidates import SeriesInput

    s = get_dataset("co2").load()
    y, _ = interpolate_missing(s.to_numpy(dtype=float))
    return SeriesInput("co2", y, 52, s.index)


def time_auto_co2(folds: int = 3, horizon: int = 52, candidates=None, **auto_kw) -> dict:
    from rnnkit.tasks.forecasting.auto import AutoForecaster, default_candidates

    torch.set_num_threads(1)
    s = co2_input()
    auto = AutoForecaster(candidates if candidates is not None else default_candidates(), **auto_kw)
    t0, c0 = time.perf_counter(), time.process_time()
    bt = auto.backtest([s], horizon, folds)          # the 3 folds and the final fit, one validation run
    t2, c2 = time.perf_counter(), time.process_time()
    return {"series": "co2", "points": len(s), "horizon": horizon, "folds": folds,
            "backtest_mase": {n: round(float(np.mean(v)), 4) for n, v in bt["mase"].items()},
            "chosen_per_fold": bt["chosen_per_fold"], "chosen_fit": bt["report"]["chosen"],
            "why_fit": bt["report"]["why"], "total_wall_s": round(t2 - t0, 1),
            "total_cpu_s": round(c2 - c0, 1), "load_avg_1m": os.getloadavg()[0]}


if __name__ == "__main__":
    print(time_auto_co2())
