"""Run the long-term dependency experiments: one cell (:func:`run_experiment`) or several on the same data
and seed (:func:`compare`), each reporting its metric beside the task's baseline, the training curve and
the gradient flow through time ‖∂L/∂h_t‖ at initialisation and after training.

Training goes through :class:`rnnkit.training.Trainer`: one trainer "epoch" is ``eval_every`` optimizer
steps on freshly generated batches (the trainer reseeds the data generator every epoch, so every cell of a
comparison sees the same batches), followed by an evaluation on a fixed held-out set.

>>> from rnnkit.experiments import run_experiment
>>> r = run_experiment("adding", cell="gru", length=8, steps=4, hidden_size=8, batch_size=4, eval_size=8)
>>> sorted(r["metrics"]), sorted(r["baseline"]), r["steps"], len(r["curve"])
(['mse'], ['mse'], 4, 4)
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any, Callable

import torch
from torch import Tensor, nn

from rnnkit._io import check_folder_path
from rnnkit.diagnostics import GradFlowRecorder
from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.experiments.config import ExperimentConfig, check_cells, resolve_config, resolve_configs
from rnnkit.experiments.models import _spec, build_model, compare_cells, has_keep_gate
from rnnkit.experiments.report import (COMPARE_FILES, RUN_FILES, check_out_folder, flow_json, format_table,
                                      keep_earlier, plot_comparison, summarize, write_json, write_run)
from rnnkit.experiments.tasks import EXPERIMENTS, ExperimentSpec, Stream, Task, device_of
from rnnkit.training import EarlyStoppingConfig, OptimConfig, TrainConfig, Trainer, seed_everything
from rnnkit.training.host import kept_host_rng

__all__ = ["run_experiment", "run_config", "compare"]

_PROBE_SIZE = 64            # sequences in the gradient-flow probe batch


def _probe_gradflow(model: nn.Module, loss_fn: Callable, batch) -> dict[str, Tensor]:
    """‖∂L/∂h_t‖ per step on ``batch`` (no optimizer step; gradients are cleared afterwards), in the
    order each direction processed the steps (what :func:`~rnnkit.diagnostics.summarize_gradient_flow`
    expects: index 0 is the step farthest, in the direction's own time, from where its loss enters)."""
    dev = device_of(model)
    batch = tuple(t[:_PROBE_SIZE].to(dev) for t in batch)
    with GradFlowRecorder() as rec:
        loss = loss_fn(model, batch)[0]
        loss.backward()
    model.zero_grad(set_to_none=True)
    return dict(rec.norms)


def _train(cfg: ExperimentConfig, spec: ExperimentSpec, task: Task, *, bidirectional: bool) -> dict:
    seed_everything(cfg.seed)
    model = build_model(cfg.cell, input_size=task.input_size, out_features=task.out_features,
                        hidden_size=cfg.hidden_size, readout=task.readout, init=cfg.init,
                        forget_bias=cfg.forget_bias, bidirectional=bidirectional).to(cfg.device)
    init_flow = _probe_gradflow(model, task.loss_fn, task.val[0])
    epochs = math.ceil(cfg.steps / cfg.eval_every)
    # "solved" is a target on one validation metric: the Trainer's early stopping stops there (no patience)
    solve = EarlyStoppingConfig(monitor=f"val_{spec.solve_metric}", mode="min" if spec.solve_lower else "max",
                                patience=epochs + 1, restore_best=False, target=spec.solve_threshold) \
        if cfg.stop_when_solved else None
    tcfg = TrainConfig(epochs=epochs, max_steps=cfg.steps, max_seconds=cfg.max_seconds, early_stopping=solve,
                       optim=OptimConfig(lr=cfg.lr), clip_norm=cfg.clip_norm, seed=cfg.seed, quiet=True)
    trainer = Trainer(model, task.loss_fn, config=tcfg, eval_fn=lambda m, val: task.evaluate(m, val))
    t0 = time.perf_counter()
    fit = trainer.fit(Stream(task.make_train, cfg.eval_every), task.val)
    seconds = time.perf_counter() - t0
    stopped_by = {"target": "solved", "max_seconds": "max_seconds"}.get(fit.stop_reason, "steps")
    final_flow = _probe_gradflow(model, task.loss_fn, task.val[0])
    metric_names = [k for k in fit.history[-1] if k.startswith("val_") and k != "val_loss"]
    curve = [{"step": r["step"], "train_loss": r.get("train_loss"),
              **{k[4:]: r[k] for k in metric_names}} for r in fit.history]
    solved_at = next((p["step"] for p in curve if spec.solved(p)), None)
    return {
        "metrics": {k[4:]: fit.history[-1][k] for k in metric_names},
        "steps": fit.global_step,
        "stopped_by": stopped_by,
        "steps_to_solve": solved_at,
        "seconds": round(seconds, 3),
        "train_seconds": round(sum(r["time_s"] for r in fit.history), 3),
        "curve": curve,
        "flows": {"init": init_flow, "final": final_flow},
        "parameters": sum(p.numel() for p in model.parameters()),
    }


def run_experiment(name: str, cell: str = "lstm", length: int | None = None, steps: int | None = None,
                   seed: int = 0, *, out: str | os.PathLike | None = None, **options: Any) -> dict:
    """Train ``cell`` on experiment ``name`` and report it beside the task's baseline.

    ``options`` are the other :class:`ExperimentConfig` fields (``batch_size``, ``hidden_size``, ``lr``,
    ``clip_norm``, ``init``, ``forget_bias``, ``eval_every``, ``eval_size``, ``stop_when_solved``,
    ``max_seconds``, ``device``). With ``out``, writes ``result.json``, ``curve.png`` (held-out metric vs
    step, baseline dashed) and ``gradflow.png`` (‖∂L/∂h_t‖ vs t at init and after training) there.

    Returns a JSON-able dict: ``experiment``, ``cell``, ``length``, ``metrics`` (held-out, after the last
    step), ``baseline`` (same metric names), ``baseline_note``, ``steps`` (optimizer steps run),
    ``stopped_by`` (``"steps"``, ``"solved"`` or ``"max_seconds"``),
    ``steps_to_solve`` (first evaluated step meeting ``solve_criterion``, else ``None``), ``seconds`` (wall
    time of training and its evaluations), ``load_avg`` (1/5/15-min load when it ended), ``curve``,
    ``gradient_flow`` (``{"init"|"final": {tag: summary}}``, see
    :func:`rnnkit.diagnostics.summarize_gradient_flow`), ``config`` and ``files``. The bidirectional
    experiment trains the cell twice (both directions, then left to right only); ``baseline`` is the
    unidirectional accuracy and ``unidirectional`` holds that run's details.
    """
    cfg = resolve_config(name, cell=cell, length=length, steps=steps, seed=seed, **options)
    return run_config(cfg, out)


def run_config(cfg: ExperimentConfig, out: str | os.PathLike | None = None) -> dict:
    """Run an :class:`ExperimentConfig` (see :func:`run_experiment`). It is checked and its ``None`` fields take the
    experiment's defaults (:func:`resolve_config`; a resolved config comes back unchanged): one built directly,
    ``ExperimentConfig("adding")``, failed inside training with a bare TypeError, and ``steps=-2`` was reported as
    ``optim.lr`` (the config's fields were used as they came)."""
    if not isinstance(cfg, ExperimentConfig):   # a dict was a bare AttributeError
        raise InputTypeError(f"cfg: expected an ExperimentConfig (resolve_config(name, ...)), got {type(cfg).__name__}")
    cfg = resolve_config(**cfg.to_dict())
    if out is not None:   # a file or an unwritable folder was a raw OSError after the whole training
        out = check_folder_path(out, "out")   # '~/x' expanded (rnnkit._paths)
        check_out_folder(out)
    result, flows, spec = _run(cfg)
    if out is not None:   # the earlier run's files whole until these are (report.keep_earlier)
        result["files"] = keep_earlier(out, list(RUN_FILES), lambda: write_run(Path(out), result, flows, spec))
    return result


def _run(cfg: ExperimentConfig) -> tuple[dict, dict, ExperimentSpec]:
    """Train a resolved config: ``(result, the gradient flows, the experiment)``, nothing written."""
    spec = EXPERIMENTS[cfg.experiment]
    task = spec.build(cfg)
    bi = cfg.experiment == "bidirectional"
    with kept_host_rng():   # _train seeds every global generator: the caller's came back reseeded (training.host)
        main = _train(cfg, spec, task, bidirectional=bi)
        uni = _train(cfg, spec, task, bidirectional=False) if bi else None
    baseline = dict(task.baseline)
    extra = dict(task.extra)
    if bi:
        baseline = dict(uni["metrics"])
        extra["unidirectional"] = {k: v for k, v in uni.items() if k != "flows"}
        extra["unidirectional"]["gradient_flow"] = flow_json(uni["flows"])
        main["seconds"] = round(main["seconds"] + uni["seconds"], 3)
    result = {
        "experiment": cfg.experiment,
        "cell": cfg.cell,
        "length": cfg.length,
        "metrics": main["metrics"],
        "baseline": baseline,
        "baseline_note": task.baseline_note,
        "solve_criterion": spec.solve_text,
        "solved": main["steps_to_solve"] is not None,
        "steps_to_solve": main["steps_to_solve"],
        "steps": main["steps"],
        "stopped_by": main["stopped_by"],
        "seconds": main["seconds"],
        "train_seconds": main["train_seconds"],
        "load_avg": [round(v, 2) for v in os.getloadavg()],
        "torch_threads": torch.get_num_threads(),
        "device": cfg.device,
        "parameters": main["parameters"],
        "curve": main["curve"],
        "gradient_flow": flow_json(main["flows"]),
        **extra,
        "config": cfg.to_dict(),
    }
    return result, main["flows"], spec


def compare(name: str, cells: list[str] | None = None, length: int | None = None, steps: int | None = None,
            seed: int = 0, *, out: str | os.PathLike | None = None, **options: Any) -> dict:
    """Run several cells on experiment ``name`` with the same data and seed; one table.

    ``cells``: names from :func:`rnnkit.experiments.compare_cells` (default: all of them). Returns
    ``{"experiment", "length", "cells", "baseline", "rows", "table", "results", ...}`` where ``rows`` are
    one-line summaries per cell and ``results`` the full :func:`run_experiment` dicts. A cell whose run
    raises is reported in its row (``"error"``) and the others still run. The options are shared;
    ``forget_bias`` is set on the cells with a forget or update gate only: ``"forget_bias": {"value",
    "set_on", "no_such_gate"}`` says which (and the table's last line, when some cells have none). With
    ``out``, each cell's files go to ``out/<cell>/`` and ``compare.json``, ``curves.png``,
    ``gradflow-init.png``, ``gradflow-final.png`` to ``out``.
    """
    cells = compare_cells() if cells is None else check_cells(cells)   # list("gru") compared 'g', 'r', 'u'
    for c in cells:   # before set(cells): a list among them was a bare 'unhashable' TypeError
        _spec(c)
    if len(set(cells)) != len(cells):
        raise ConfigError(f"cells: expected distinct names, got {cells}")
    cfgs = resolve_configs(name, cells, length=length, steps=steps, seed=seed, **options)
    if out is not None:   # before the first cell (each cell's own check would be reported as that cell's error)
        out = check_folder_path(out, "out")   # '~/x' expanded (rnnkit._paths)
        check_out_folder(out, COMPARE_FILES)
        for cfg in cfgs:
            check_out_folder(Path(out) / cfg.cell)
    runs, errors = [], {}
    for cfg in cfgs:
        try:
            runs.append(_run(resolve_config(**cfg.to_dict())))
        except (RuntimeError, FloatingPointError, ValueError) as e:   # e.g. NonFiniteLossError, a broken variant
            errors[cfg.cell] = f"{type(e).__name__}: {e}"
    results = [r for r, _, _ in runs]
    first = cfgs[0]
    summary = summarize(results, errors, experiment=name, length=first.length, seed=seed, device=first.device)
    summary["cells"] = cells
    summary["forget_bias"] = {"value": options.get("forget_bias", ExperimentConfig.forget_bias),
                              "set_on": [c.cell for c in cfgs if c.forget_bias is not None],
                              "no_such_gate": [c.cell for c in cfgs if not has_keep_gate(c.cell)]}
    summary["table"] = format_table(summary)
    summary["results"] = results
    if out is not None and results:     # every file written once all cells ran, the earlier ones whole until then

        def save() -> dict:
            for result, flows, spec in runs:
                result["files"] = write_run(Path(out) / result["cell"], result, flows, spec)
            summary["files"] = plot_comparison(results, out)
            write_json(Path(summary["files"]["json"]), summary)
            return summary["files"]
        keep_earlier(out, list(COMPARE_FILES) + [f"{r['cell']}/{n}" for r in results for n in RUN_FILES], save)
    return summary
