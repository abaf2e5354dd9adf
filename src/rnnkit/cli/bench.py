"""``rnnkit bench``: train-step and inference timings of every cell and variant vs torch.nn and the
plain autograd loop, in the same run; a ratio table for people, JSON with ``--json`` / ``--out``."""

from __future__ import annotations

import argparse
import json
import sys

import torch

from rnnkit.cli.common import UsageError, add_common

DEFAULT_SHAPES = ["32,100,64,128", "64,256,128,256", "1,512,64,256"]


def _shape(text: str) -> tuple[int, int, int, int]:
    try:
        parts = tuple(int(v) for v in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 4 or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"expected B,T,I,H (four positive ints), got {text!r}")
    return parts  # type: ignore[return-value]


def add_parser(subparsers) -> argparse.ArgumentParser:
    from rnnkit.bench import VARIANTS

    p = subparsers.add_parser("bench", help="time every cell/variant vs torch.nn and the autograd loop",
                              description=__doc__)
    p.add_argument("--cells", nargs="+", default=["lstm", "gru", "lstm-bptt", "lstm-layernorm", "lstm-peephole",
                                                  "lstm-zoneout", "gru-layernorm", "mingru", "minlstm"],
                   metavar="NAME", help=f"cells/variants: {', '.join(VARIANTS)}")
    p.add_argument("--shapes", nargs="+", type=_shape, default=[_shape(s) for s in DEFAULT_SHAPES],
                   metavar="B,T,I,H")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    p.add_argument("--reps", type=int, default=5, help="minimum timed repetitions per model")
    p.add_argument("--budget-s", type=float, default=4.0, help="time budget per configuration and mode")
    add_common(p, out=True)
    return p


def run(args) -> dict:
    from rnnkit.bench import VARIANTS, format_table, machine_info, run_benchmarks

    unknown = [c for c in args.cells if c not in VARIANTS]
    if unknown:
        raise UsageError(f"--cells: expected names from {sorted(VARIANTS)}, got {unknown}")
    if args.device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device: expected a machine with CUDA for 'cuda', got none available")
    if args.reps < 1 or args.budget_s <= 0:
        raise UsageError(f"--reps/--budget-s: expected positive values, got {args.reps}, {args.budget_s}")
    dtype = getattr(torch, args.dtype)
    show = not args.json and not args.quiet

    def progress(row):
        if show:
            print(format_table([row]).splitlines()[-1], file=sys.stderr, flush=True)

    rows = run_benchmarks(args.cells, args.shapes, device=args.device, dtype=dtype, reps=args.reps,
                          budget_s=args.budget_s, progress=progress)
    result = {"machine": machine_info(args.device), "rows": rows}
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench.json").write_text(json.dumps(result, indent=1))
        (args.out / "bench.md").write_text(format_table(rows) + "\n")
    if args.json:
        return result
    return {"text": f"machine: {json.dumps(result['machine'])}\n" + format_table(rows)}
