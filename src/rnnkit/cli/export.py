"""``rnnkit export``: write a saved run's network as an ONNX model (for onnxruntime) or a
``torch.export`` program, with a dynamic batch and time axis, checked against the original first.

    rnnkit forecast --dataset co2 --horizon 52 --model lstm --out runs/co2
    rnnkit export --run runs/co2 --format onnx --out model.onnx
    rnnkit export --run runs/sentiment --format torch-export --out model.pt2 --json

Runs of ``rnnkit classify``, ``rnnkit tsc`` and network runs of ``rnnkit forecast`` (``--model lstm``,
``gru`` or ``elman``; ``auto`` and the statistical models are not one network graph) export. The file is written only
when the runtime's outputs are within ``--atol`` of the original model at two batch/time sizes other than
the traced one; ``FILE.json`` beside it lists the inputs, outputs and those differences (docs/deploy.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rnnkit.cli.common import HelpFormatter, UsageError, add_common, check_out_dir, file_arg, path_arg, set_threads

__all__ = ["add_parser", "run", "check_run", "check_out_file"]


def check_run(run: Path | None, tasks: str) -> Path:
    """``--run``: an existing folder (UsageError naming the commands that write one otherwise)."""
    if run is None:
        raise UsageError(f"--run: expected a run folder (written with --out by {tasks}), got none")
    if not run.is_dir():   # the loads' wording (tasks.runs): 'an existing run folder' said it otherwise, naming no cause
        raise UsageError(f"--run: expected a run folder, got {str(run)!r} "
                         f"({'a file' if run.exists() else 'no such folder'})")
    return run


def check_out_file(out: Path | None) -> Path:
    """``--out``: a file path that can be written (not an existing folder; its folder -- or the nearest
    one that exists -- a writable folder that takes new files, :func:`~rnnkit.cli.common.check_out_dir`);
    UsageError, exit 2, before any work."""
    if out is None:
        raise UsageError("--out: expected the file to write (e.g. model.onnx), got none")
    if str(out) == "-":   # stdout by convention: the model was written to a file named '-' (and '-.json'), silently
        raise UsageError("--out: expected a file name, got '-' (standard output: an export is a model file and its "
                         "FILE.json description; give a file name, e.g. model.onnx)")
    from rnnkit.errors import ConfigError
    from rnnkit.export.api import check_export_path

    if out.is_dir():
        raise UsageError(f"--out: expected a file to write, got the folder {str(out)!r}")
    try:
        check_export_path(out, "--out")
    except ConfigError as e:
        raise UsageError(str(e)) from None
    check_out_dir(out.parent, "--out")   # and that it takes new files: /proc, a read-only mount (os.access passes)
    return out


#: ``--atol``'s default: the parity check's tolerance from the model's dtype (1e-5 for float32, rnnkit.export.tolerance)
ATOL = None


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("export", help="export a saved run to ONNX or torch.export, checked for parity",
                              description=__doc__, formatter_class=HelpFormatter)
    p.add_argument("--run", type=path_arg, default=None, metavar="DIR", help="run folder (forecast, classify, tsc)")
    p.add_argument("--format", default="onnx", choices=["onnx", "torch-export"], help="file format")
    p.add_argument("--out", type=file_arg, default=None, metavar="FILE", help="file to write (.onnx / .pt2)")
    p.add_argument("--no-state", action="store_true",
                   help="forecaster: no initial-state inputs (h0/c0; the graph then starts from zeros)")
    p.add_argument("--atol", type=float, default=ATOL,
                   help="largest accepted difference (default: 1e-5 for a float32 model, a few float16 steps for a "
                        "float16 one)")
    p.add_argument("--no-check", action="store_true", help="skip the parity check (not recommended)")
    p.add_argument("--opset", type=int, default=None, help="ONNX opset (default: the exporter's)")
    add_common(p, threads=True)
    return p


def run(args: argparse.Namespace) -> dict:
    from rnnkit.export import export
    from rnnkit.export.api import implied_format

    check_run(args.run, "forecast, classify or tsc")
    check_out_file(args.out)
    implied = implied_format(args.out)
    if implied not in (None, args.format):      # an ONNX file named model.pt2 (the default format) otherwise
        raise UsageError(f"--out: expected a file for --format {args.format}, got {str(args.out)!r} (a "
                         f"{args.out.suffix} file is --format {implied})")
    if args.atol is not None and not args.atol > 0:
        raise UsageError(f"--atol: expected a positive number, got {args.atol}")
    if args.no_check and args.atol is not None:   # the check's tolerance, where no check runs: ignored, silently
        raise UsageError(f"--atol: expected it without --no-check (the tolerance of the parity check that --no-check "
                         f"skips), got {args.atol} with --no-check")
    if args.no_state:   # a classify or tsc run's graph has no state inputs: the flag was ignored, silently
        from rnnkit.export.tasks import run_task

        task = run_task(args.run)
        if task in ("classify", "tsc"):
            raise UsageError(f"--no-state: applies to forecast runs only (a {task} run's graph has no state inputs), "
                             f"got it for {str(args.run)!r}")
    set_threads(args)
    progress = None if args.quiet else lambda message: print(f"export: {message}", file=sys.stderr, flush=True)
    res = export(args.run, args.out, format=args.format, state=not args.no_state, check=not args.no_check,
                 atol=args.atol, opset=args.opset, progress=progress)
    result = res.to_dict()
    result["sidecar"] = str(res.path) + ".json"
    if not args.json:
        lines = [f"wrote {res.path} ({res.format}, {res.seconds:.1f} s) and {result['sidecar']}",
                 "inputs:  " + ", ".join(f"{i['name']} {tuple(i['shape'])} {i['dtype']}" for i in res.inputs),
                 "outputs: " + ", ".join(res.outputs)]
        for row in res.parity:
            lines.append(f"parity at batch {row['batch']}, time {row['time']}: max |diff| "
                         f"{max(row['max_abs_diff'].values()):.2e}")
        mix = {k: w for k, w in (res.meta.get("weights") or {}).items() if k != "network" and w}
        if mix:   # the parity above is the network's: the run's predictions were not what the graph gives, unsaid
            lines.append(f"note: the run predicts a combination (network {res.meta['weights'].get('network', 0):g}, "
                         + ", ".join(f"{k} {w:g}" for k, w in mix.items()) + "); the graph gives the network's "
                         "probabilities only (FILE.json 'weights'; docs/deploy.md)")
        result["text"] = "\n".join(lines)
    return result
