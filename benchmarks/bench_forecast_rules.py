"""Selection and combination rules for ``auto``, compared offline on bench_forecast.py's cached forecasts.

Issue 16's per-series criteria (share of series beating seasonal naive, series worse than 1.5x the
best baseline on them) next to the mean MASE, for rules that choose or combine the same candidates'
forecasts in other ways: the library's selections (``pooled``, ``champion``, ``shrunk``; ``pooled`` with
``hedge``, the default of sessions 6 to 9, and with ``median_margin`` too, the default since session 10),
robust combinations (median / trimmed mean of the candidates, the mean of the k best members), choices by
the error relative to seasonal naive or by the worst window, a shrinkage of the choice toward the
candidates' median or toward seasonal naive, the choice blended toward or replaced by the median by its
validation margin over it (``regime``), and (``--origins 4``) the choice made on 4
validation windows instead of 2. Nothing is fitted again but the extra origins (cached next to the
others as ``<tag>_<candidate>_o4.npy``). Protocol as bench_forecast.py: ``mixed`` chooses per series
alone, the other collections once per frequency group, or (``--alone``, from a ``bench_forecast.py --alone``
cache) every series alone, as one ``rnnkit forecast --csv`` call (the rows for ``alone_margin``, session 10).

    python benchmarks/bench_forecast_rules.py --collection short --part dev --cache runs/bench_cache
    python benchmarks/bench_forecast_rules.py --collection mixed --part dev --cache runs/bench_cache --origins 4
    python benchmarks/bench_forecast_rules.py --collection fresh8 --part all --cache runs/bench_cache --alone
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch

from bench_collections import candidates, load_bench_collection, to_input, validation_for
from rnnkit.data.collections import split
from rnnkit.tasks.forecasting.auto import AutoForecaster, ValidationSet, _combine, _nanmean, _OriginGrid, combination_pool
from rnnkit.tasks.forecasting.candidates import origin_forecasts
from rnnkit.tasks.forecasting.metrics import mase

NAIVE = ("seasonal_naive", "naive")
BASE = ("seasonal_naive", "naive", "ets", "theta", "ets+theta")
Rule = Callable[[ValidationSet, bool], np.ndarray]     # (validation set, series alone?) -> (S, H)


def groups(collection: str, part: str, cache: Path | None, origins: int = 2, alone: bool = False):
    """``(members, ValidationSet)`` per (period, horizon) group, from the cache (filled when missing);
    ``origins`` 4 adds the origins ``n - 4h``, ``n - 3h`` to the cached ``n - 2h``, ``n - h``, ``n``;
    ``alone``: the networks fitted per series (bench_collections.run_collection's ``_alone`` tags)."""
    by: dict[tuple[int, int], list] = {}
    for s in split(load_bench_collection(collection), part):
        by.setdefault((s.period, s.horizon), []).append(s)
    for (period, h), members in sorted(by.items()):
        inputs = [to_input(s) for s in members]
        local = alone or collection == "mixed"
        tag = f"{collection}_{part}_m{period}_h{h}" + ("_alone" if local and collection != "mixed" else "")
        cands = candidates([], local)
        v = None
        for name, cand in cands.items():
            x, _, _ = validation_for(name, cand, inputs, h, 2, cache, tag)
            v = x if v is None else v.merge(x)
        if origins == 4:
            grid = _OriginGrid({}, inputs, h, 4, None)
            grid.raw = {n: np.concatenate([_extra(n, c, inputs, h, cache, tag), v.val[n], v.final[n][:, None]], axis=1)
                        for n, c in cands.items()}
            v = grid.window(0, 4, [len(s) for s in inputs])
        yield members, v


def _extra(name, cand, inputs, h, cache: Path | None, tag: str) -> np.ndarray:
    path = cache / f"{tag}_{name}_o4.npy" if cache else None
    if path is not None and path.exists():
        return np.load(path)
    f = origin_forecasts(cand, inputs, h, [4 * h, 3 * h])
    if path is not None:
        np.save(path, f)
    return f


# ------------------------------------------------------------------------------------------ rules
def _members(v: ValidationSet, alone: bool) -> list[str]:
    skip = NAIVE + (("drift",) if alone else ())          # as AutoForecaster (drift is pooled-only)
    return [n for n in v.val if n not in skip]


def _pool_errors(v: ValidationSet, pool: dict) -> tuple[list[str], np.ndarray]:
    names = list(pool)
    return names, np.stack([v.errors(_combine(v.val, n, pool[n])) for n in names])   # (P, S, K)


def _pick(v: ValidationSet, pool: dict, names: list[str], score: np.ndarray) -> np.ndarray:
    j = int(np.argmin(np.where(np.isfinite(score), score, np.inf)))
    return _combine(v.final, names[j], pool[names[j]])


def library(selection: str, **kw) -> Rule:
    return lambda v, alone: AutoForecaster(selection=selection, **kw).forecast_from(v)


def median_of_candidates(v, alone):
    return np.median(np.stack([v.final[n] for n in _members(v, alone)]), axis=0)


def trimmed_mean(v, alone):
    st = np.sort(np.stack([v.final[n] for n in _members(v, alone)]), axis=0)
    return st[1:-1].mean(axis=0) if len(st) >= 4 else st.mean(axis=0)


def top_k(k: int, shrink: float | None = None) -> Rule:
    """The mean of the ``k`` pool members with the lowest pooled validation MASE (``shrink``: per
    series, the lowest score of ``selection="shrunk"``)."""
    def rule(v, alone):
        pool = combination_pool(_members(v, alone))
        names, errs = _pool_errors(v, pool)
        pooled = _nanmean(errs.reshape(len(names), -1), axis=1)
        score = np.repeat(pooled[:, None], len(v.ids), axis=1)
        if shrink is not None:
            kk = np.isfinite(errs).sum(axis=2)
            own = np.nan_to_num(_nanmean(errs, axis=2))
            score = np.where(kk > 0, (kk * own + shrink * pooled[:, None]) / (kk + shrink), score)
        score = np.where(np.isfinite(score), score, np.inf)
        out = []
        for i in range(len(v.ids)):
            best = np.argsort(score[:, i], kind="stable")[:k]
            out.append(np.mean([_combine(v.final, names[j], pool[names[j]])[i] for j in best], axis=0))
        return np.stack(out)
    return rule


def relative_to_snaive(v, alone):
    """The member with the lowest geometric mean of its window errors relative to seasonal naive's."""
    pool = combination_pool(_members(v, alone))
    names, errs = _pool_errors(v, pool)
    with np.errstate(all="ignore"):
        r = np.log(errs / v.errors(v.val["seasonal_naive"])[None])
    return _pick(v, pool, names, _nanmean(np.where(np.isfinite(r), r, np.nan).reshape(len(names), -1), axis=1))


def minimax_ratio(v, alone):
    """The member whose worst window (ratio to the best member in that window) is the least bad."""
    pool = combination_pool(_members(v, alone))
    names, errs = _pool_errors(v, pool)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)          # windows no member could forecast
        r = (errs / np.nanmin(errs, axis=0)[None]).reshape(len(names), -1)
    r = np.where(np.isfinite(r), r, -np.inf).max(axis=1)
    return _pick(v, pool, names, np.where(np.isfinite(r), r, np.inf))


def _pooled(v, alone, extra=()):
    pool = combination_pool(_members(v, alone) + list(extra))
    names, errs = _pool_errors(v, pool)
    j = int(np.nanargmin(np.where(np.isfinite(s := _nanmean(errs.reshape(len(names), -1), axis=1)), s, np.inf)))
    return _combine(v.final, names[j], pool[names[j]]), errs[j]


def shrink_to_median(v, alone):
    """The pooled choice moved toward the candidates' median by the share of windows it did not win."""
    pool = combination_pool(_members(v, alone))
    names, errs = _pool_errors(v, pool)
    flat = errs.reshape(len(names), -1)
    j = int(np.nanargmin(np.where(np.isfinite(s := _nanmean(flat, axis=1)), s, np.inf)))
    ok = np.isfinite(flat).all(axis=0)
    agree = float((np.argmin(flat[:, ok], axis=0) == j).mean()) if ok.any() else 0.0
    return agree * _combine(v.final, names[j], pool[names[j]]) + (1 - agree) * median_of_candidates(v, alone)


def with_snaive(weight: float | None = None, lost: str = "") -> Rule:
    """``weight``: the pooled choice mixed with seasonal naive at a fixed weight; ``lost`` ("all" or
    "most"): mixed half and half only for the series whose own windows seasonal naive won (all: what
    ``AutoForecaster(hedge=True)`` does / most); neither: seasonal naive joins the pool as a member."""
    def rule(v, alone):
        if weight is None and not lost:
            return _pooled(v, alone, ("seasonal_naive",))[0]
        choice, e = _pooled(v, alone)
        sn, fallback = v.errors(v.val["seasonal_naive"]), v.final["seasonal_naive"]
        if weight is not None:
            return weight * choice + (1 - weight) * fallback
        fin = np.isfinite(e) & np.isfinite(sn)
        won = np.where(fin, sn < e, False)
        bad = (won.all(axis=1) & fin.any(axis=1)) if lost == "all" else won.sum(axis=1) > fin.sum(axis=1) / 2
        out = choice.copy()
        out[bad] = (choice[bad] + fallback[bad]) / 2
        return out
    return rule


def _hedge(v: ValidationSet, final: np.ndarray, val: np.ndarray) -> np.ndarray:
    """As ``AutoForecaster(hedge=True)``: half seasonal naive for a series whose every validation window
    seasonal naive won against ``val`` (the rule's own validation forecasts, ``(S, K, H)``)."""
    mine, sn = v.errors(val), v.errors(v.val["seasonal_naive"])
    bad = (np.isfinite(mine) & np.isfinite(sn) & (sn < mine)).all(axis=1)
    out = final.copy()
    out[bad] = (final[bad] + v.final["seasonal_naive"][bad]) / 2
    return out


def regime(threshold: float, by: str = "margin", blend: bool = False, pooled_only: bool = False) -> Rule:
    """Session 10: which of the two regimes of session 8 a group is in. The pooled choice (the member
    with the lowest mean validation MASE over the group's windows) is kept where its evidence over the
    candidates' median is strong, else the median forecasts; then the seasonal-naive hedge. ``by``:
    ``"margin"`` (``1 - choice / median``, the pooled validation MASEs) or ``"t"`` (the paired t-statistic
    of the median's minus the choice's window errors); the choice is kept iff it reaches ``threshold``
    (``blend``: weight ``clip(statistic / threshold, 0, 1)`` on the choice, the rest on the median);
    ``pooled_only``: a series choosing alone keeps its choice (the rule was developed on pooled groups)."""
    def rule(v, alone):
        members = _members(v, alone)
        pool = combination_pool(members)
        names, errs = _pool_errors(v, pool)
        flat = errs.reshape(len(names), -1)
        score = _nanmean(flat, axis=1)
        j = int(np.argmin(np.where(np.isfinite(score), score, np.inf)))
        med = f"median({','.join(members)})"
        if med not in pool or not np.isfinite(score[j]):
            return _hedge(v, _combine(v.final, names[j], pool[names[j]]), _combine(v.val, names[j], pool[names[j]]))
        m = names.index(med)
        if by == "margin":
            stat = 1 - score[j] / score[m] if score[m] > 0 else 0.0
        else:
            d = (flat[m] - flat[j])[np.isfinite(flat[m]) & np.isfinite(flat[j])]
            sd = d.std(ddof=1) if d.size > 1 else 0.0
            stat = d.mean() / (sd / np.sqrt(d.size)) if sd > 0 else (np.inf if d.size and d.mean() > 0 else 0.0)
        w = float(np.clip(stat / threshold, 0, 1)) if blend else float(stat >= threshold)
        w = 1.0 if alone and pooled_only else w
        fin = w * _combine(v.final, names[j], pool[names[j]]) + (1 - w) * _combine(v.final, med, pool[med])
        val = w * _combine(v.val, names[j], pool[names[j]]) + (1 - w) * _combine(v.val, med, pool[med])
        return _hedge(v, fin, val)
    return rule


RULES: dict[str, Rule] = {
    "pooled, no hedge (the default before session 6)": library("pooled", hedge=False, median_margin=None,
                                                               alone_margin=None),
    "champion": library("champion", hedge=False),
    "shrunk (per series, shrink 2)": library("shrunk", hedge=False),
    "median of the candidates": median_of_candidates,
    "trimmed mean of the candidates": trimmed_mean,
    "mean of the 3 best members": top_k(3),
    "mean of the 5 best members": top_k(5),
    "shrunk, mean of the 3 best": top_k(3, shrink=2.0),
    "shrunk, mean of the 5 best": top_k(5, shrink=2.0),
    "lowest error relative to sNaive": relative_to_snaive,
    "best worst window (minimax ratio)": minimax_ratio,
    "choice shrunk toward the median": shrink_to_median,
    "sNaive joins the pool": with_snaive(),
    "pooled + hedge (the default before session 10)": library("pooled", median_margin=None, alone_margin=None),
    "half sNaive where it won most own windows": with_snaive(lost="most"),
    "choice 0.8 + sNaive 0.2": with_snaive(0.8),
    "choice 0.6 + sNaive 0.4": with_snaive(0.6),
    "regime, margin 0.05": regime(0.05),
    "regime, margin 0.10": regime(0.10),
    "regime, margin 0.15": regime(0.15),
    "regime, t 1": regime(1.0, "t"),
    "regime, t 2": regime(2.0, "t"),
    "regime blend, margin 0.10": regime(0.10, blend=True),
    "regime blend, margin 0.20": regime(0.20, blend=True),
    # session 10's pre-registered candidate (/work/scratch/s10/F/DECISIONS.md), checked on fresh6
    "regime blend 0.15, pooled only": regime(0.15, blend=True, pooled_only=True),
    "pooled + hedge + median_margin 0.15, a series alone keeps its choice": library("pooled", alone_margin=None),
    # session 10's pre-registered rule for a series alone (/work/scratch/s10/F3/DECISIONS.md), checked on fresh8
    "a series alone: its choice keeps the weight of its margin (alone_margin 1.0)": library("pooled", alone_margin=1.0),
    "the default, AutoForecaster() (since session 10: the two candidates above)": library("pooled"),
}


def evaluate(collection: str, part: str, cache: Path | None, origins: int = 2, rules=RULES,
             alone: bool = False) -> pd.DataFrame:
    """MASE on the held-out tail per series (rows) for the baselines and every rule (columns)."""
    alone = alone or collection == "mixed"
    rows = []
    for members, v in groups(collection, part, cache, origins, alone):
        fc = {n: v.final[n] for n in ("seasonal_naive", "naive", "ets", "theta")}
        fc["ets+theta"] = (v.final["ets"] + v.final["theta"]) / 2
        for name, rule in rules.items():
            fc[name] = (np.concatenate([rule(v.subset([i]), True) for i in range(len(members))]) if alone
                        else rule(v, False))
        rows += [{"id": s.id, **{k: mase(s.test, f[i], s.train, s.period) for k, f in fc.items()}}
                 for i, s in enumerate(members)]
    return pd.DataFrame(rows)


def table(df: pd.DataFrame, names: list[str]) -> str:
    best = df[list(BASE)].min(axis=1)
    ref = min(df[b].mean() for b in ("ets", "theta", "ets+theta"))
    out = ["| rule | mean MASE | median | vs best of ETS/Theta/ETS+Theta | beats sNaive | > 1.5x best baseline |",
           "|---|---|---|---|---|---|"]
    for m in names:
        v = df[m]
        out.append(f"| {m} | {v.mean():.3f} | {v.median():.3f} | {100 * (v.mean() / ref - 1):+.1f}% | "
                   f"{100 * (v < df['seasonal_naive']).mean():.0f}% | {int((v > 1.5 * best).sum())} |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--collection", required=True)
    ap.add_argument("--part", default="dev", choices=("dev", "holdout", "all"))
    ap.add_argument("--cache", default=None)
    ap.add_argument("--origins", type=int, default=2, choices=(2, 4))
    ap.add_argument("--alone", action="store_true", help="every series chooses alone (a bench_forecast.py --alone cache)")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    df = evaluate(a.collection, a.part, Path(a.cache) if a.cache else None, a.origins, alone=a.alone)
    alone = ", every series alone" if a.alone or a.collection == "mixed" else ""
    print(f"{a.collection} ({a.part}{alone}): {len(df)} series, {a.origins} validation windows\n")
    print(table(df, ["ets", "theta", "ets+theta", *RULES]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
