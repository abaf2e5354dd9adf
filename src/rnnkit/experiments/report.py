"""What a run or a comparison leaves behind: the result files and plots of one run
(``result.json``, ``curve.png``, ``gradflow.png``), the comparison's plots (:func:`plot_comparison`),
the one-row-per-run summary (:func:`summarize`) and its plain-text table (:func:`format_table`)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Callable

import torch
from torch import Tensor

from rnnkit._io import atomic_write_text, dumps_json
from rnnkit._io import format_table as _format_rows
from rnnkit._plot import figure, save_png
from rnnkit.diagnostics import plot_gradient_flow, summarize_gradient_flow
from rnnkit.errors import ConfigError
from rnnkit.experiments.tasks import EXPERIMENTS, ExperimentSpec

__all__ = ["write_run", "plot_comparison", "summarize", "format_table", "flow_json", "write_json", "keep_earlier"]


def flow_json(flows: dict[str, dict[str, Tensor]]) -> dict:
    """``{when: {tag: summary dict}}`` of recorded norms ``{when: {tag: (T, B) tensor}}``."""
    return {when: {tag: s.to_dict() for tag, s in summarize_gradient_flow(norms).items()}
            for when, norms in flows.items()}


def _flow_brief(flow: dict) -> str:
    """``ratio (flag)`` of the first forward tag of a :func:`flow_json` entry."""
    if not flow:
        return "-"
    s = next(iter(flow.values()))
    r = s["ratio"]
    return f"{r:.1e} ({s['flag']})" if r is not None else s["flag"]


def _plot_curves(runs: list[tuple[str, list[dict]]], spec: ExperimentSpec, baseline: float | None, title: str,
                 path: Path) -> Path:
    fig, ax = figure()
    for label, curve in runs:
        ax.plot([p["step"] for p in curve], [p.get(spec.metric) for p in curve], marker=".", label=label)
    if baseline is not None:
        ax.axhline(baseline, color="k", ls="--", lw=1, label=f"baseline {baseline:.3g}")
    if spec.lower_is_better:
        ax.set_yscale("log")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel(f"held-out {spec.metric}")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return save_png(fig, path)


def write_json(path: Path, obj: dict) -> Path:
    """``obj`` as indented JSON (non-finite numbers as ``null``), written atomically."""
    return atomic_write_text(path, dumps_json(obj, indent=1))


def _title(result: dict) -> str:
    return f"{result['experiment']} T={result['length']} seed={result['config']['seed']}"


RUN_FILES = ("result.json", "curve.png", "gradflow.png")
COMPARE_FILES = ("compare.json", "curves.png", "gradflow-init.png", "gradflow-final.png")


def check_out_folder(out: str | os.PathLike, names: tuple[str, ...] = RUN_FILES) -> None:
    """A ConfigError naming ``out`` when its JSON file (``names[0]``: result.json, compare.json) is there and no
    experiment wrote it: ``out="."`` in a project replaced its own result.json, silently, where a task's save, a
    Trainer's run_dir and ``forecast --out`` refuse such files. A rerun into its own folder replaces its files, as
    before, and so does one into a folder an interrupted run left with its plots alone (the JSON is written last)."""
    path = Path(out) / names[0]
    if not path.exists():
        return
    try:
        mine = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        mine = None
    if not (isinstance(mine, dict) and mine.get("experiment") in EXPERIMENTS and isinstance(mine.get("files"), dict)):
        raise ConfigError(f"out: expected a new folder or one an experiment wrote, got {str(out)!r} holding a "
                          f"{names[0]} that no experiment wrote (it would be replaced, with {list(names[1:])}): "
                          "choose another folder")


def keep_earlier(folder: str | os.PathLike, files: list[str], save: Callable[[], Any]) -> Any:
    """``save()`` writing ``files`` (paths relative to ``folder``: ``result.json``, ``gru/curve.png``...) over the
    results of an earlier run there, the earlier files kept whole until the new ones are: moved aside and put back
    when the save fails or is killed (:func:`rnnkit.tasks.forecasting.save_backup.kept`, as every task's save). A
    full disk at ``gradflow.png`` left the new ``curve.png`` beside the earlier ``result.json`` and ``gradflow.png``,
    and one in a comparison's last files new cell folders beside the earlier ``compare.json``. Returns what
    ``save`` returned."""
    from rnnkit.tasks.forecasting.save_backup import kept

    folder = Path(folder)
    tops = sorted({Path(f).parts[0] for f in files})
    return kept(folder, save, lambda f: {f / rel for rel in files},
                re.compile("|".join(re.escape(t) for t in tops)))


def write_run(folder: Path, result: dict, flows: dict, spec: ExperimentSpec) -> dict:
    files = {"json": str(folder / "result.json"), "curve": str(folder / "curve.png"),
             "gradient_flow": str(folder / "gradflow.png")}
    runs = [(result["cell"], result["curve"])]
    if "unidirectional" in result:
        runs = [(f"{result['cell']} bidirectional", result["curve"]),
                (f"{result['cell']} unidirectional", result["unidirectional"]["curve"])]
    base = None if "unidirectional" in result else result["baseline"].get(spec.metric)
    _plot_curves(runs, spec, base, f"{_title(result)}: {result['cell']}", Path(files["curve"]))
    norms = {f"{when} {tag}": n for when, per in flows.items() for tag, n in per.items()}
    plot_gradient_flow(norms, files["gradient_flow"], title=f"‖∂L/∂h_t‖, {_title(result)}: {result['cell']}")
    write_json(Path(files["json"]), {**result, "files": files})
    return files


def plot_comparison(results: list[dict], out: str | os.PathLike) -> dict:
    """Write ``curves.png`` (every run's held-out metric vs step, baseline dashed) and
    ``gradflow-init.png`` / ``gradflow-final.png`` (every run's mean ‖∂L/∂h_t‖ vs t) for runs of one
    experiment and length into ``out``; returns the paths (plus where ``compare.json`` goes)."""
    if not results:
        raise ConfigError("results: expected at least one run result to plot, got none")
    out = Path(out)
    r0 = results[0]
    spec = EXPERIMENTS[r0["experiment"]]
    files = {"json": str(out / "compare.json"), "curves": str(out / "curves.png"),
             "gradient_flow_init": str(out / "gradflow-init.png"),
             "gradient_flow_final": str(out / "gradflow-final.png")}
    title = _title(r0)
    base = None if "unidirectional" in r0 else r0["baseline"].get(spec.metric)
    runs = [(r["cell"], r["curve"]) for r in results]
    if "unidirectional" in r0:
        runs += [(f"{r['cell']} unidirectional", r["unidirectional"]["curve"]) for r in results]
    _plot_curves(runs, spec, base, title, Path(files["curves"]))
    for when in ("init", "final"):
        runs_flow = {tag: s for r in results for tag, s in r["gradient_flow"][when].items()}
        flows = {tag: torch.tensor(s["mean_norms"]) for tag, s in runs_flow.items()}
        plot_gradient_flow(flows, files[f"gradient_flow_{when}"], summaries=runs_flow,   # per-sequence ratio, as the tables
                           title=f"‖∂L/∂h_t‖ {'at init' if when == 'init' else 'after training'}, {title}")
    return files


def summarize(results: list[dict], errors: dict[str, str] | None = None, **context: Any) -> dict:
    """One row per run (and per failed cell in ``errors``) of :func:`run_experiment` results on one
    experiment, plus the shared context (``experiment``, ``length``, ``seed``, ``device``: taken from the
    first result when not given). :func:`format_table` prints it."""
    errors = errors or {}
    if not results and not errors:
        raise ConfigError("results: expected at least one run result, got none")
    r0 = results[0] if results else {}
    name = context.get("experiment", r0.get("experiment"))
    spec = EXPERIMENTS[name]
    rows = []
    for r in results:
        gf = r["gradient_flow"]
        rows.append({"cell": r["cell"], **r["metrics"], "baseline": r["baseline"].get(spec.metric),
                     "steps_to_solve": r["steps_to_solve"], "steps": r["steps"], "seconds": r["seconds"],
                     "gradflow_init": _flow_brief(gf["init"]), "gradflow_final": _flow_brief(gf["final"])})
    rows += [{"cell": c, "error": e} for c, e in errors.items()]
    return {
        "experiment": name,
        "length": context.get("length", r0.get("length")),
        "seed": context.get("seed", r0.get("config", {}).get("seed")),
        "metric": spec.metric, "solve_criterion": spec.solve_text,
        "baseline": r0.get("baseline") if r0 and name != "bidirectional" else None,
        "rows": rows, "load_avg": [round(v, 2) for v in os.getloadavg()],
        "torch_threads": torch.get_num_threads(), "device": context.get("device", r0.get("device")),
    }


def format_table(summary: dict) -> str:
    """The plain-text table of a :func:`compare` summary: a title line (experiment, baseline, what solves
    it), one row per cell, and the load the run saw."""
    metric = summary["metric"]
    base = summary.get("baseline")
    head = f"{summary['experiment']}, T={summary['length']}, seed {summary['seed']}: held-out {metric}"
    if base:
        head += f"; baseline {base.get(metric):.4g}"
    head += f"; solved when {summary['solve_criterion']}"
    flow = "‖∂L/∂h_0‖/‖∂L/∂h_T‖ init"
    rows = []
    for r in summary["rows"]:
        if "error" in r:
            rows.append({"cell": r["cell"], metric: "error: " + r["error"]})
        else:
            rows.append({"cell": r["cell"], metric: r.get(metric), "baseline": r["baseline"],
                         "solved at": r["steps_to_solve"], "steps": r["steps"], "seconds": f"{r['seconds']:.1f}",
                         flow: r["gradflow_init"], "final": r["gradflow_final"]})
    table = _format_rows(rows, ["cell", metric, "baseline", "solved at", "steps", "seconds", flow, "final"])
    load = summary.get("load_avg")
    tail = f"(load average {load[0]:.2f}, {summary.get('torch_threads')} torch threads, {summary.get('device')})" if load else ""
    fb = summary.get("forget_bias") or {}
    if fb.get("value") is not None and fb.get("set_on") and fb.get("no_such_gate"):
        tail += (f"\nforget_bias {fb['value']:g}: set on {', '.join(fb['set_on'])}; not on "
                 f"{', '.join(fb['no_such_gate'])} (no forget or update gate)")
    return "\n".join([head, table, tail])
