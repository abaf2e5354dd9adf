"""Results runs of the long-term dependency experiments (docs/experiments.md): adding problem at several
lengths, copy memory, sequential / permuted digits and the bidirectional benefit, for every cell.

Each run is one :func:`rnnkit.experiments.run_experiment` in its own worker process with its own torch
thread count (``--threads``, default 1); ``--jobs`` runs go in parallel. Runs of the same task and length
use the same seed, so they see the same batches and the same held-out set. Writes, under ``--out``:

* ``<experiment>-T<length>/<cell>/{result.json, curve.png, gradflow.png}`` per run,
* ``<experiment>-T<length>/{curves.png, gradflow-init.png, gradflow-final.png}`` per task and length,
* ``summary.json`` (every run's summary, the machine, the load) and ``results.md`` (the tables).

Usage::

    python benchmarks/bench_experiments.py --preset quick --out /tmp/exp-quick        # smoke test, ~1 min
    python benchmarks/bench_experiments.py --preset full --jobs 14 --out runs/experiments
    python benchmarks/bench_experiments.py --preset full --only adding --cuda-lengths 400

Timings are wall-clock seconds of training and its periodic evaluations, per run; read them with the
recorded load average and parallelism (``--jobs`` runs share the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

CELLS = ["elman", "irnn", "lstm", "gru"]

# (experiment, length, steps, extra options); the cells run are CELLS unless "cells" is given.
PRESETS = {
    "full": [
        ("adding", 50, 2000, {}),
        ("adding", 100, 3000, {}),
        ("adding", 200, 4000, {}),
        ("adding", 400, 6000, {}),
        ("copy", 50, 3000, {}),
        ("copy", 50, 3000, {"lr": 1e-2}),
        ("digits", 64, 1500, {}),
        ("permuted-digits", 64, 1500, {}),
        ("bidirectional", 20, 800, {}),
    ],
    # sized for a 2-core machine (about 15-20 minutes with --jobs 2): hidden 64, fewer steps, no T=400
    "local": [
        ("adding", 50, 1000, {"hidden_size": 64, "eval_size": 500}),
        ("adding", 100, 1500, {"hidden_size": 64, "eval_size": 500}),
        ("adding", 200, 2500, {"hidden_size": 64, "eval_size": 500}),
        ("copy", 50, 1500, {"hidden_size": 64, "eval_size": 250, "lr": 1e-2, "cells": ["elman", "lstm", "gru"]}),
        ("digits", 64, 800, {"hidden_size": 64, "cells": ["elman", "lstm", "gru"]}),
        ("permuted-digits", 64, 800, {"hidden_size": 64, "cells": ["elman", "lstm", "gru"]}),
        ("bidirectional", 20, 500, {"hidden_size": 64, "eval_size": 250, "cells": ["elman", "lstm", "gru"]}),
    ],
    "quick": [
        ("adding", 10, 40, {"hidden_size": 16, "eval_size": 64, "eval_every": 20}),
        ("copy", 5, 40, {"hidden_size": 16, "eval_size": 64, "eval_every": 20}),
        ("digits", 64, 40, {"hidden_size": 16, "eval_every": 20}),
        ("bidirectional", 8, 40, {"hidden_size": 16, "eval_size": 64, "eval_every": 20, "cells": ["lstm"]}),
    ],
}

# options every results run shares (see rnnkit.experiments.ExperimentConfig)
COMMON = {"batch_size": 64, "hidden_size": 128, "clip_norm": 1.0, "seed": 0, "eval_every": 100}  # lr: per experiment


def _cost(job: dict) -> float:
    """Rough relative cost, to start the longest runs first."""
    per_step = {"elman": 1.0, "irnn": 1.0, "lstm": 3.0, "gru": 2.7}.get(job["cell"], 3.0)
    length = job["length"] + (20 if job["experiment"] == "copy" else 0)
    twice = 2.0 if job["experiment"] == "bidirectional" else 1.0
    return per_step * length * job["steps"] * twice


def _jobs(preset: str, only: set[str] | None, cells: list[str] | None, cuda_lengths: set[int], stop: bool,
          max_seconds: float | None) -> list[dict]:
    jobs = []
    for exp, length, steps, extra in PRESETS[preset]:
        if only and exp not in only:
            continue
        extra = dict(extra)
        run_cells = extra.pop("cells", None) or cells or CELLS
        if exp == "bidirectional":
            run_cells = [c for c in run_cells if c != "irnn"] or run_cells
        opts = {**COMMON, **extra, "stop_when_solved": stop and exp in ("adding", "copy"),
                "max_seconds": max_seconds}
        device = "cuda" if exp == "adding" and length in cuda_lengths else "cpu"
        group = f"{exp}-T{length}" + (f"-lr{extra['lr']:g}" if "lr" in extra else "")
        for cell in run_cells:
            jobs.append({"experiment": exp, "cell": cell, "length": length, "steps": steps, "device": device,
                         "options": opts, "group": group})
    return jobs


def _time_job(job: dict, threads: int, steps: int = 20) -> dict:
    """Worker: CPU milliseconds per training step of one (experiment, cell, length), ``threads`` threads."""
    import torch

    torch.set_num_threads(threads)
    from rnnkit.experiments import run_experiment

    opts = {**job["options"], "eval_every": steps, "eval_size": 64, "stop_when_solved": False, "max_seconds": None}
    if job["experiment"] in ("digits", "permuted-digits"):
        opts.pop("eval_size")
    r = run_experiment(job["experiment"], cell=job["cell"], length=job["length"], steps=steps, device="cpu", **opts)
    return {**job, "cpu_ms_per_step": 1000 * r["train_seconds"] / steps, "cpu_threads": threads}


def _run_job(job: dict, out: str, threads: int) -> dict:
    """Worker: one run; returns its summary (the full result is in its folder)."""
    import torch

    torch.set_num_threads(threads)
    from rnnkit.experiments import run_experiment

    folder = Path(out) / job["group"] / job["cell"]
    t0 = time.perf_counter()
    try:
        r = run_experiment(job["experiment"], cell=job["cell"], length=job["length"], steps=job["steps"],
                           out=folder, device=job["device"], **job["options"])
    except Exception as e:  # a failed run is a result too (e.g. a diverging IRNN)
        err = {**job, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc(limit=3),
               "seconds": round(time.perf_counter() - t0, 1)}
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "error.json").write_text(json.dumps(err, indent=1))
        return err
    return {**job, "result": str(folder / "result.json"), "threads": threads}


def _fmt(v, digits=4):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def _brief(flow: dict) -> str:
    if not flow:
        return "-"
    parts = []
    for tag, s in flow.items():
        direction = tag.rsplit(".", 1)[-1]
        r = s["ratio"]
        parts.append(f"{r:.1e}" + (f" ({direction})" if direction == "bwd" else "") if r is not None else s["flag"])
    return ", ".join(parts)


def _table(group: list[dict], cpu_ms: dict, timing_threads: int = 2) -> list[str]:
    r0 = group[0]
    metrics = list(r0["metrics"])
    bi = r0["experiment"] == "bidirectional"
    head = ["cell"] + metrics + [("unidirectional " if bi else "baseline ") + m for m in r0["baseline"]]
    if r0.get("chance"):
        head += ["chance"]
    head += [f"solved ({r0['solve_criterion']}) at step", "steps run", "stopped by", "wall s", "ms/step", "device"]
    if cpu_ms:
        head += [f"CPU ms/step ({timing_threads} thr)"]
    head += ["‖∂L/∂h_0‖/‖∂L/∂h_T‖ init", "after"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in group:
        if "error" in r:
            lines.append(f"| {r['cell']} | error: {r['error'][:120]} |" + " |" * (len(head) - 2))
            continue
        row = [r["cell"]] + [_fmt(r["metrics"][m]) for m in metrics] + [_fmt(v) for v in r["baseline"].values()]
        if r0.get("chance"):
            row += [_fmt(r["chance"]["accuracy"], 3)]
        ms = 1000 * r["train_seconds"] / max(r["steps"], 1)     # the main (for bidirectional: 2-way) model
        row += [_fmt(r["steps_to_solve"]), str(r["steps"]), r["stopped_by"], f"{r['seconds']:.0f}", f"{ms:.0f}",
                f"{r['device']}, {r['torch_threads']} thr" if r["device"] == "cpu" else r["device"]]
        if cpu_ms:
            row += [_fmt(cpu_ms.get((r["group"], r["cell"])), 3)]
        row += [_brief(r["gradient_flow"]["init"]), _brief(r["gradient_flow"]["final"])]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _machine() -> dict:
    import torch

    from rnnkit.bench import cpu_model

    info = {"python": sys.version.split()[0], "torch": torch.__version__, "cpu_count": os.cpu_count(),
            "platform": platform.platform(), "processor": platform.processor(), "cpu_model": cpu_model()}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="full")
    ap.add_argument("--out", type=Path, default=Path("runs/experiments"))
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel (worker processes)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per run")
    ap.add_argument("--only", nargs="+", default=None, help="experiments to run (default all of the preset)")
    ap.add_argument("--cells", nargs="+", default=None, help=f"cells (default {CELLS})")
    ap.add_argument("--cuda-lengths", nargs="*", type=int, default=[],
                    help="adding lengths to run on the GPU, e.g. 200 400")
    ap.add_argument("--gpu-jobs", type=int, default=1, help="GPU runs in parallel (worker processes)")
    ap.add_argument("--cpu-timing", action="store_true",
                    help="first time 20 CPU steps of every run with --timing-threads threads (a column of the tables)")
    ap.add_argument("--timing-threads", type=int, default=2)
    ap.add_argument("--no-stop", action="store_true", help="train every run for all its steps (default: "
                    "adding and copy stop at the first evaluation that solves them)")
    ap.add_argument("--max-seconds", type=float, default=None, help="per-run wall-time cap (stops at the next evaluation)")
    ap.add_argument("--report-only", action="store_true",
                    help="run nothing: rebuild results.md and the comparison plots from the runs under --out")
    args = ap.parse_args(argv)
    if args.report_only:
        # a folder with no run (a typo, or no run yet) was a bare FileNotFoundError, or an empty results.md
        if not any(args.out.glob("*/*/result.json")) and not any(args.out.glob("*/*/error.json")):
            print(f"bench_experiments.py: error: --report-only: expected a folder of runs this script wrote "
                  f"(<experiment>-T<length>/<cell>/result.json), got '{args.out}' holding none", file=sys.stderr)
            return 2
        print(_report(args, None))
        return 0
    import torch

    cuda = set(args.cuda_lengths) if torch.cuda.is_available() else set()
    jobs = _jobs(args.preset, set(args.only) if args.only else None, args.cells, cuda, not args.no_stop,
                 args.max_seconds)
    jobs.sort(key=_cost, reverse=True)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    load_start = os.getloadavg()
    print(f"{len(jobs)} runs, {args.jobs} in parallel x {args.threads} thread(s); load {load_start[0]:.2f}; "
          f"GPU runs: {sum(j['device'] == 'cuda' for j in jobs)}", flush=True)
    ctx = get_context("spawn")
    cpu_ms: dict[tuple, float] = {}
    if args.cpu_timing:
        workers = max(1, (os.cpu_count() or 2) // (2 * args.timing_threads))   # half the cores: no contention
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            for t in pool.map(_time_job, jobs, [args.timing_threads] * len(jobs)):
                cpu_ms[(t["group"], t["cell"])] = t["cpu_ms_per_step"]
        (args.out / "cpu_timing.json").write_text(json.dumps(
            {"threads": args.timing_threads, "ms_per_step": {f"{g}/{c}": v for (g, c), v in cpu_ms.items()}}, indent=1))
        print(f"[{time.time() - started:6.0f}s] CPU timing done ({workers} x {args.timing_threads} threads): "
              + ", ".join(f"{k[0]} {k[1]}: {v:.0f} ms" for k, v in cpu_ms.items()), flush=True)
    done: list[dict] = []
    cpu_jobs = [j for j in jobs if j["device"] == "cpu"]
    gpu_jobs = [j for j in jobs if j["device"] == "cuda"]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs), mp_context=ctx) as cpu_pool, \
            ProcessPoolExecutor(max_workers=max(1, args.gpu_jobs), mp_context=ctx) as gpu_pool:
        futures = [cpu_pool.submit(_run_job, j, str(args.out), args.threads) for j in cpu_jobs]
        futures += [gpu_pool.submit(_run_job, j, str(args.out), args.threads) for j in gpu_jobs]
        for f in as_completed(futures):
            s = f.result()
            done.append(s)
            tag = f"{s['group']} {s['cell']}"
            if "error" in s:
                print(f"[{time.time() - started:6.0f}s] {tag}: {s['error']}", flush=True)
            else:
                r = json.loads(Path(s["result"]).read_text())
                print(f"[{time.time() - started:6.0f}s] {tag}: {r['metrics']} vs {r['baseline']}, solved at "
                      f"{r['steps_to_solve']}, {r['steps']} steps, {r['seconds']:.0f}s", flush=True)
    header = (f"{len(jobs)} runs, {args.jobs} CPU runs in parallel x {args.threads} torch thread(s), "
              f"{args.gpu_jobs} GPU runs in parallel; load average at start {load_start[0]:.2f}, at end "
              f"{os.getloadavg()[0]:.2f}; total wall {time.time() - started:.0f} s")
    print(_report(args, header))
    return 0


def _report(args, header: str | None) -> str:
    """Tables (results.md), comparison plots and summary.json from every run folder under ``args.out``."""
    from rnnkit.experiments import plot_comparison

    results = []
    for path in sorted(args.out.glob("*/*/result.json")):
        results.append({**json.loads(path.read_text()), "group": path.parent.parent.name})
    for path in sorted(args.out.glob("*/*/error.json")):
        if not (path.parent / "result.json").exists():
            results.append(json.loads(path.read_text()))
    timing = args.out / "cpu_timing.json"
    cpu_ms, threads = {}, args.timing_threads
    if timing.exists():
        t = json.loads(timing.read_text())
        threads = t["threads"]
        cpu_ms = {tuple(k.split("/", 1)): v for k, v in t["ms_per_step"].items()}
    order = {c: i for i, c in enumerate(args.cells or CELLS)}
    groups: dict[tuple, list[dict]] = {}
    for r in results:
        groups.setdefault((r["experiment"], r["length"], r["group"]), []).append(r)
    lines = [f"Machine: {json.dumps(_machine())}"] + ([header] if header else []) + [""]
    exp_order = [p[0] for p in PRESETS["full"]]
    for key in sorted(groups, key=lambda k: (exp_order.index(k[0]), k[1], k[2])):
        group = sorted(groups[key], key=lambda r: order.get(r["cell"], 99))
        ok = [r for r in group if "error" not in r]
        lines += [f"### {key[2]} ({key[0]}, T = {key[1]})", ""]
        if ok:
            c = ok[0]["config"]
            # the first run is often an Elman cell, which records forget_bias None: report the gated cells' value
            gated = [r for r in ok if r["config"]["forget_bias"] is not None]
            bias = (f"forget/update-gate bias {gated[0]['config']['forget_bias']:g} ({', '.join(r['cell'] for r in gated)})"
                    if gated else "no forget/update gate")
            lines += [f"Baseline: {ok[0]['baseline_note']}. Adam lr {c['lr']:g}, batch {c['batch_size']}, hidden "
                      f"{c['hidden_size']}, clip {c['clip_norm']}, {bias}, seed "
                      f"{c['seed']}; load average {ok[0]['load_avg'][0]:.2f} at the end of the first run.", ""]
            plot_comparison(ok, args.out / key[2])
            lines += _table(ok + [r for r in group if "error" in r], cpu_ms, threads)
        else:
            lines += [f"all runs failed: {[r['error'] for r in group]}"]
        lines.append("")
    text = "\n".join(lines)
    (args.out / "results.md").write_text(text)
    summary = {"machine": _machine(), "header": header, "cpu_ms_per_step": {"/".join(k): v for k, v in cpu_ms.items()},
               "cpu_timing_threads": threads,
               "runs": [{k: v for k, v in r.items() if k not in ("curve",)} for r in results]}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    return text


if __name__ == "__main__":
    sys.exit(main())
