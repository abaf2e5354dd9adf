"""What selection among auto's candidates could reach at best on a collection: the per-series oracle.

For every series, every candidate of bench_forecast.py and every equal-weight combination of two or three
of them is scored on the held-out tail; the oracle takes, per series, the best of that pool **with
hindsight** (chosen on the scored tail itself: an upper bound for any selector over these candidates, not
a method). Printed next to it: the best *fixed* pool member (one choice for every series) by share of
series beating seasonal naive, and the baselines, with issue 16's two per-series criteria (share beating
seasonal naive; series worse than 1.5x the best of seasonal naive, naive, ETS, Theta, ETS+Theta).
Reads the candidates' forecasts from bench_forecast.py's cache (it runs them when missing):

    python benchmarks/bench_forecast_bounds.py --collection short --part holdout --cache runs/bench_cache
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import torch

from bench_collections import candidates, load_bench_collection, to_input, validation_for
from rnnkit.data.collections import split
from rnnkit.tasks.forecasting.metrics import mase

BASE = ("seasonal_naive", "naive", "ets", "theta", "ets+theta")


def pool_scores(collection: str, part: str, cache: Path | None, origins: int = 2) -> tuple[list[str], list[str], np.ndarray]:
    """Series ids, pool member names and their MASE ``(S, P)`` on the held-out tails."""
    groups: dict[tuple[int, int], list] = {}
    for s in split(load_bench_collection(collection), part):
        groups.setdefault((s.period, s.horizon), []).append(s)
    ids, rows, names = [], [], None
    for (period, horizon), members in sorted(groups.items()):
        inputs = [to_input(s) for s in members]
        tag = f"{collection}_{part}_m{period}_h{horizon}"
        final = {}
        for cname, cand in candidates([], collection == "mixed").items():
            v, _, _ = validation_for(cname, cand, inputs, horizon, origins, cache, tag)
            final[cname] = v.final[cname]
        pool = {}
        for r in (1, 2, 3):
            for combo in itertools.combinations(sorted(final), r):
                pool["+".join(combo)] = np.mean([final[m] for m in combo], axis=0)
        names = list(pool)
        for i, s in enumerate(members):
            ids.append(s.id)
            rows.append([mase(s.test, pool[n][i], s.train, period) for n in names])
    return ids, names, np.array(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--collection", required=True)
    ap.add_argument("--part", default="holdout", choices=("dev", "holdout", "all"))
    ap.add_argument("--cache", default=None)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    ids, names, M = pool_scores(a.collection, a.part, Path(a.cache) if a.cache else None)
    col = {n: j for j, n in enumerate(names)}
    sn = M[:, col["seasonal_naive"]]
    best_base = np.min([M[:, col["+".join(sorted(b.split("+")))]] for b in BASE], axis=0)

    def line(label: str, v: np.ndarray) -> str:
        return (f"| {label} | {v.mean():.3f} | {np.median(v):.3f} | {100 * np.mean(v < sn):.0f}% | "
                f"{int((v > 1.5 * best_base).sum())} |")

    print(f"{a.collection} ({a.part}): {len(ids)} series, pool of {len(names)} (every candidate, pairs, triples)\n")
    print("| forecast | mean MASE | median | beats sNaive | > 1.5x best baseline |\n|---|---|---|---|---|")
    print(line("oracle: best of the pool per series, with hindsight", M.min(axis=1)))
    fixed = max(range(len(names)), key=lambda j: (np.mean(M[:, j] < sn), -M[:, j].mean()))
    print(line(f"best fixed member by share: {names[fixed]}", M[:, fixed]))
    for b in ("ets", "theta", "ets+theta"):
        print(line(b, M[:, col[b]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
