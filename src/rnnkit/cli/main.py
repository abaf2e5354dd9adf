"""``rnnkit`` entry point: only registers the commands (one module each under ``rnnkit.cli``)."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from rnnkit.cli.common import UsageError, apply_config, print_result

# Command name -> module under rnnkit.cli defining add_parser(subparsers) and run(args).
COMMANDS: dict[str, str] = {
    "hopfield": "hopfield",
    "classify": "classify",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rnnkit", description="Recurrent neural networks on PyTorch.")
    from rnnkit import __version__

    parser.add_argument("--version", action="version", version=f"rnnkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module in COMMANDS.items():
        mod = importlib.import_module(f"rnnkit.cli.{module}")
        p = mod.add_parser(sub)
        p.set_defaults(_run=mod.run, _parser=p)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 runtime error, 2 usage error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(e.code or 0)
    debug = getattr(args, "debug", False)
    try:
        sub_argv = argv[argv.index(args.command) + 1:]
        apply_config(args._parser, args, sub_argv)
        result = args._run(args)
        if result is not None:
            print_result(result, getattr(args, "json", False))
        return 0
    except UsageError as e:
        if debug:
            traceback.print_exc()
        print(f"rnnkit {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"rnnkit {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # runtime error: one line unless --debug
        if debug:
            traceback.print_exc()
        print(f"rnnkit {args.command}: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


def entry() -> None:  # pragma: no cover - console script shim
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
