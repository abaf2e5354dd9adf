"""``rnnkit bench``: train-step and inference timings of every cell and variant vs torch.nn and the
plain autograd loop, in the same run; a ratio table for people, JSON with ``--json`` / ``--out``.

``--fused`` adds the fused engine (and on CUDA the fused step captured in a CUDA graph; ``--no-graph``
leaves that out); ``--precision fp32 bf16`` runs each precision in turn (``tf32``: CUDA only);
``--shapes gpu-sweep`` is the GPU shape set (batch 1 to 256, 100 to 1024 steps, hidden 256 to 1024);
``--no-autograd`` skips the slow autograd loop.
With ``--out DIR`` every finished row is also appended to ``DIR/bench.partial.jsonl`` at once, so a run
cut short by a time limit keeps what it measured.

Examples::

    rnnkit bench --cells lstm gru mingru --shapes 32,100,64,128 --reps 3
    rnnkit bench --cells lstm lstm-layernorm --device cuda --fused --precision fp32 bf16 --shapes gpu-sweep --out runs/bench
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from rnnkit._io import atomic_write_text, dumps_json
from rnnkit._validate import first_repeat
from rnnkit.cli.common import HelpFormatter, UsageError, add_common, check_memory, check_out_dir, set_threads

DEFAULT_SHAPES = ["32,100,64,128", "64,256,128,256", "1,512,64,256"]
DEFAULT_CELLS = ["lstm", "gru", "lstm-bptt", "lstm-layernorm", "lstm-peephole", "lstm-zoneout", "gru-layernorm",
                 "mingru", "minlstm"]


def _shape(text: str) -> list[tuple[int, int, int, int]]:
    from rnnkit.bench.names import SHAPE_PRESETS   # no torch: --help and usage errors need none

    if text in SHAPE_PRESETS:
        return list(SHAPE_PRESETS[text])
    try:
        parts = tuple(int(v) for v in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 4 or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"expected B,T,I,H (four positive ints) or a preset "
                                         f"({', '.join(SHAPE_PRESETS)}), got {text!r}")
    return [parts]  # type: ignore[list-item]


def add_parser(subparsers) -> argparse.ArgumentParser:
    from rnnkit.bench.names import PRECISIONS, VARIANT_NAMES as VARIANTS

    p = subparsers.add_parser("bench", help="time every cell/variant vs torch.nn and the autograd loop",
                              description=__doc__, formatter_class=HelpFormatter)
    p.add_argument("--cells", nargs="+", default=DEFAULT_CELLS, metavar="NAME",
                   help=f"cells/variants: {', '.join(VARIANTS)} (default: {' '.join(DEFAULT_CELLS)})")
    p.add_argument("--shapes", nargs="+", type=_shape, default=[_shape(s) for s in DEFAULT_SHAPES],
                   metavar="B,T,I,H", help="shapes, or a preset name: gpu-sweep = (B1,T512,H512) (B8,T1024,H256) "
                   f"(B64,T256,H256) (B64,T256,H1024) (B256,T100,H512) with I = H (default: {' '.join(DEFAULT_SHAPES)})")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="where the models run")
    p.add_argument("--precision", nargs="+", default=["fp32"], choices=list(PRECISIONS),
                   help="fp32: float32 with TF32 off (matmuls and cuDNN); tf32: float32 with TF32 on (CUDA "
                   "only); bf16: bfloat16 weights and inputs")
    p.add_argument("--fused", action="store_true", help="also time engine='fused' (compiled steps)")
    p.add_argument("--no-graph", action="store_true", help="with --fused on CUDA: skip the CUDA-graph column")
    p.add_argument("--no-autograd", action="store_true", help="skip the autograd-loop baseline")
    p.add_argument("--reps", type=int, default=5, help="minimum timed repetitions per model")
    p.add_argument("--budget-s", type=float, default=4.0, help="time budget per configuration and mode")
    add_common(p, out=True, threads=True)
    return p


def _memory_need(args) -> int:
    """The most any shape needs: every model's weights and gradients, the input, and the largest train step of
    the cells asked for, in the columns asked for (:func:`rnnkit.bench.suite.train_memory`, measured per variant;
    ``B*T*(I+6H)`` floats of an LSTM, the estimate before, was 2-6x low, 30-330x at tiny sizes)."""
    from rnnkit.bench.suite import train_memory

    return max(train_memory(args.cells, shape, fused=args.fused, autograd=not args.no_autograd)
               for group in args.shapes for shape in group)


def run(args) -> dict:
    import torch

    from rnnkit.bench import VARIANTS, format_table, machine_info, run_benchmarks

    set_threads(args)  # before anything is timed; machine_info records the count
    unknown = [c for c in args.cells if c not in VARIANTS]
    if unknown:
        raise UsageError(f"--cells: expected names from {sorted(VARIANTS)}, got {unknown}")
    if args.device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device: expected a machine with CUDA for 'cuda', got none available")
    for flag, values in (("--cells", args.cells), ("--precision", args.precision)):
        if (rep := first_repeat(values)) is not None:   # the library names its own argument ('variants')
            raise UsageError(f"{flag}: expected distinct values, got {rep!r} twice")
    if (rep := first_repeat(s for group in args.shapes for s in group)) is not None:   # before --out is made
        raise UsageError(f"--shapes: expected distinct values, got {rep!r} twice")
    if "tf32" in args.precision and args.device != "cuda":
        raise UsageError(f"--precision: 'tf32' is a CUDA tensor-core mode, expected --device cuda, got {args.device}")
    if args.reps < 1:
        raise UsageError(f"--reps: expected a positive int, got {args.reps}")
    if not math.isfinite(args.budget_s) or args.budget_s <= 0:   # nan/inf: 100 reps, silently
        raise UsageError(f"--budget-s: expected a finite number > 0, got {args.budget_s}")
    check_out_dir(args.out)
    check_memory(args, _memory_need, ["--shapes"], device=args.device,
                 what="every model's weights and gradients, the input, and the largest train step")
    shapes = [s for group in args.shapes for s in group]
    show = not args.json and not args.quiet
    partial = None
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        partial = args.out / "bench.partial.jsonl"
        partial.write_text("")

    def progress(row):
        if show:
            print(format_table([row]).splitlines()[-1], file=sys.stderr, flush=True)
        if partial is not None:
            with partial.open("a") as f:
                f.write(dumps_json(row) + "\n")     # NaN as null: every line stays JSON

    rows = []
    for precision in args.precision:
        rows += run_benchmarks(args.cells, shapes, device=args.device, precision=precision, reps=args.reps,
                               budget_s=args.budget_s, progress=progress, fused=args.fused,
                               graph=not args.no_graph, autograd=not args.no_autograd)
    result = {"machine": machine_info(args.device), "rows": rows}
    if args.out is not None:
        atomic_write_text(args.out / "bench.json", dumps_json(result, indent=1))   # whole files, valid JSON
        atomic_write_text(args.out / "bench.md", format_table(rows) + "\n")
    if args.json:
        return result
    return {"text": f"machine: {json.dumps(result['machine'])}\n" + format_table(rows)}
