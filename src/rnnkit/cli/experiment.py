"""``rnnkit experiment``: the long-term dependency experiments (adding problem, copy memory, sequential
digits, bidirectional benefit), each beside its baseline, with training curve and gradient-flow plots.

Examples::

    rnnkit experiment list
    rnnkit experiment adding --cell lstm --length 200 --steps 3000 --json --out runs/adding-lstm
    rnnkit experiment compare adding --length 100 --steps 1500          # every cell, one table
    rnnkit experiment adding --cell elman lstm gru --length 100         # the same, chosen cells
    rnnkit experiment bidirectional --cell gru                          # bidirectional vs unidirectional

``--json`` prints one object: for one cell ``{"experiment", "cell", "length", "metrics", "baseline",
"steps", "seconds", "curve", "gradient_flow", ...}``; for a comparison ``{"experiment", "length", "rows",
"table", "results": [one such object per cell], ...}``. ``--out DIR`` writes ``result.json``,
``curve.png`` and ``gradflow.png`` (per cell under ``DIR/<cell>/`` when comparing, with ``compare.json``,
``curves.png`` and ``gradflow-{init,final}.png`` in ``DIR``).
"""

from __future__ import annotations

import argparse
import sys

from rnnkit._validate import first_repeat
from rnnkit.cli.common import (HelpFormatter, UsageError, add_common, check_memory, check_out_dir, rnn_params,
                               set_threads, training_bytes)
from rnnkit.errors import ConfigError

__all__ = ["add_parser", "run"]


def _float_or_none(text: str):
    if text.lower() in ("none", "off"):
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'none', got {text!r}") from None


def add_parser(sub):
    p = sub.add_parser("experiment", help="long-term dependency experiments (adding, copy, digits, bidirectional)",
                       description=__doc__, formatter_class=HelpFormatter)
    p.add_argument("name", metavar="NAME", help="experiment name, 'compare' (then NAME) or 'list'")
    p.add_argument("target", nargs="?", default=None, metavar="EXPERIMENT", help="with 'compare': the experiment")
    p.add_argument("--cell", nargs="+", default=None, metavar="CELL",
                   help="cell(s) (default lstm; several, or 'all', compare them)")
    p.add_argument("--length", type=int, default=None, metavar="T",
                   help="sequence length / copy delay (default per experiment; digits: 64)")
    p.add_argument("--steps", type=int, default=None, metavar="N", help="optimizer steps (default per experiment)")
    p.add_argument("--batch-size", type=int, default=64, metavar="N", help="sequences per optimizer step")
    p.add_argument("--hidden-size", type=int, default=128, metavar="H", help="recurrent units per direction")
    p.add_argument("--lr", type=float, default=None, help="Adam learning rate (default: 1e-2 adding, else 1e-3)")
    p.add_argument("--clip-norm", type=_float_or_none, default=1.0, metavar="X|none",
                   help="clip the global gradient norm (default 1.0; 'none': off)")
    p.add_argument("--init", choices=["default", "orthogonal", "identity"], default="default",
                   help="recurrent weight init (default: the cell's own; identity = IRNN, Elman only)")
    p.add_argument("--forget-bias", type=_float_or_none, default=1.0, metavar="X|none",
                   help="LSTM forget / GRU update gate bias at init (default 1.0; 'none': torch's init); Elman "
                        "cells have no such gate: refused for them alone, set on the other cells when comparing")
    p.add_argument("--eval-every", type=int, default=None, metavar="N", help="steps between evaluations")
    p.add_argument("--eval-size", type=int, default=None, metavar="N", help="held-out sequences")
    p.add_argument("--stop-when-solved", action="store_true", help="stop at the first evaluation that solves the task")
    p.add_argument("--max-seconds", type=float, default=None, metavar="S",
                   help="stop at the first evaluation after S seconds of training (results then depend on speed)")
    p.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu",
                   help="where to train (auto: cuda when available)")
    add_common(p, seed=True, out=True, threads=True)
    p.set_defaults(_parser=p)
    return p


#: what a run reads; ``list`` reads none of them (they were dropped silently: ``list --out DIR`` wrote nothing)
RUN_FLAGS = ("cell", "length", "steps", "batch_size", "hidden_size", "lr", "clip_norm", "init", "forget_bias",
             "eval_every", "eval_size", "stop_when_solved", "max_seconds", "device", "seed", "out")


def _options(args) -> dict:
    return {"batch_size": args.batch_size, "hidden_size": args.hidden_size, "lr": args.lr,
            "clip_norm": args.clip_norm, "init": args.init, "forget_bias": args.forget_bias,
            "eval_every": args.eval_every, "eval_size": args.eval_size, "stop_when_solved": args.stop_when_solved,
            "max_seconds": args.max_seconds, "device": args.device}


def _memory_check(args, cells: list[str], default_length: int) -> None:
    """Refuse sizes that cannot fit before any training (the largest cell counts; input of a few features)."""
    import torch

    def need(a) -> int:
        T = a.length if a.length is not None else default_length
        held_out = 4 * (a.eval_size or 0) * T * (12 + 6 * a.hidden_size)   # the held-out set and its forward pass
        return max(max(training_bytes(rnn_params(c.split("-")[0], 10, a.hidden_size),
                                      a.batch_size * T * 6 * a.hidden_size) for c in cells), held_out)

    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    check_memory(args, need, ["--hidden-size", "--batch-size", "--length", "--eval-size"],
                 device="cuda" if cuda else "cpu")


def _list() -> dict:
    from rnnkit.experiments import CELLS, EXPERIMENTS, compare_cells

    exps = {n: {"description": s.description, "metric": s.metric, "solved_when": s.solve_text,
                "default_length": s.default_length, "default_steps": s.default_steps} for n, s in EXPERIMENTS.items()}
    cells = {c: (CELLS[c].description if c in CELLS else "registered cell") for c in compare_cells()}
    lines = ["experiments:"] + [f"  {n:16s} {e['description']}" for n, e in exps.items()]
    lines += ["cells:"] + [f"  {c:16s} {d}" for c, d in cells.items()]
    return {"experiments": exps, "cells": cells, "text": "\n".join(lines)}


def run(args) -> dict:
    from rnnkit.experiments import (EXPERIMENTS, compare, compare_cells, format_table, resolve_configs, run_config,
                                    summarize)

    if args.name == "list":
        if args.target is not None:
            raise UsageError(f"list: expected no further argument, got {args.target!r}")
        given = [f"--{d.replace('_', '-')}" for d in RUN_FLAGS if getattr(args, d) != args._parser.get_default(d)]
        if given:
            raise UsageError(f"list: expected no flag of a run (it lists the experiments and cells), got "
                             f"{', '.join(given)}")
        out = _list()
        if args.json:
            out.pop("text")
        return out
    comparing = args.name == "compare"
    name = args.target if comparing else args.name
    if comparing and name is None:
        raise UsageError("compare: expected an experiment name after 'compare', got none")
    if not comparing and args.target is not None:
        raise UsageError(f"NAME: expected one experiment name, got a second argument {args.target!r} "
                         "(to compare cells: rnnkit experiment compare NAME --cell A B)")
    if name not in EXPERIMENTS and comparing:   # 'compare list' was told 'expected ... 'compare' or 'list', got 'list''
        raise UsageError(f"compare: expected an experiment name after 'compare' (one of {list(EXPERIMENTS)}), got "
                         f"{name!r}")
    if name not in EXPERIMENTS:
        raise UsageError(f"experiment: expected one of {list(EXPERIMENTS)}, 'compare' or 'list', got {name!r}")
    cells = args.cell
    if cells is None:
        cells = compare_cells() if comparing else ["lstm"]
    elif cells == ["all"]:
        cells = compare_cells()
    if (rep := first_repeat(cells)) is not None:
        raise UsageError(f"--cell: expected distinct names, got {rep!r} twice")
    set_threads(args)
    opts = _options(args)
    try:
        cfgs = resolve_configs(name, cells, length=args.length, steps=args.steps, seed=args.seed, **opts)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    check_out_dir(args.out)
    _memory_check(args, cells, cfgs[0].length)
    if not args.quiet:
        c0 = cfgs[0]
        print(f"rnnkit experiment: {name} T={c0.length}, {c0.steps} steps, cells {', '.join(cells)} ({c0.device})",
              file=sys.stderr)
    if len(cells) == 1 and not comparing:
        result = run_config(cfgs[0], args.out)
        if not args.json:
            result = {"text": format_table(summarize([result]))
                      + (f"\nfiles: {', '.join(result['files'].values())}" if "files" in result else "")}
        return result
    summary = compare(name, cells, length=args.length, steps=args.steps, seed=args.seed, out=args.out, **opts)
    if not args.json:
        return {"text": summary["table"] + (f"\nfiles: {args.out}" if args.out is not None else "")}
    return summary
