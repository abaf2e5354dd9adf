"""Conventions every ``rnnkit`` command shares.

* Flags are hyphenated (``--hidden-size``); ``--json`` prints exactly one JSON object on stdout.
* ``--config FILE.toml``: keys are flag names (hyphens or underscores); precedence is
  defaults < config file < flags typed on the command line.
* ``--seed`` and ``--out DIR`` where a command trains or writes files.
* Usage errors (bad flags, bad values) exit 2; runtime errors exit 1 with one line on stderr
  (the traceback only with ``--debug``).

A command module defines ``add_parser(subparsers) -> argparse.ArgumentParser`` and
``run(args) -> dict``; the returned dict is what ``--json`` prints (and is shown readably otherwise).
"""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path
from typing import Any

from rnnkit.errors import RnnkitError

__all__ = ["UsageError", "add_common", "apply_config", "print_result", "to_jsonable"]


class UsageError(RnnkitError, ValueError):
    """A command was called with flags or values that make no sense (exit code 2)."""


def add_common(parser: argparse.ArgumentParser, *, seed: bool = False, out: bool = False,
               config: bool = True) -> None:
    """Add the shared flags: ``--json``, ``--quiet``, ``--debug`` and optionally ``--config``,
    ``--seed``, ``--out``."""
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    if config:
        parser.add_argument("--config", type=Path, default=None, metavar="FILE.toml",
                            help="TOML file of flag values (flags typed here take precedence)")
    if seed:
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    if out:
        parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder")


def _typed_dests(parser: argparse.ArgumentParser, argv: list[str]) -> set[str]:
    """The destinations the user typed explicitly (parse again with every default suppressed)."""
    saved = [(a, a.default, a.required) for a in parser._actions]
    try:
        for a in parser._actions:
            a.default = argparse.SUPPRESS
            a.required = False
        ns, _ = parser.parse_known_args(argv, argparse.Namespace())
    finally:
        for a, d, r in saved:
            a.default, a.required = d, r
    return set(vars(ns))


def apply_config(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: list[str]) -> None:
    """Fill ``args`` from ``args.config`` (TOML) for every flag the user did not type."""
    path = getattr(args, "config", None)
    if path is None:
        return
    try:
        data = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise UsageError(f"--config: expected an existing TOML file, got {str(path)!r} (not found)") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"--config: expected valid TOML in {str(path)!r}, got a parse error: {e}") from None
    actions = {a.dest: a for a in parser._actions if a.dest not in ("help", "config")}
    typed = _typed_dests(parser, argv)
    for key, value in data.items():
        dest = key.replace("-", "_")
        if dest not in actions:
            known = sorted(d.replace("_", "-") for d in actions)
            raise UsageError(f"--config: unknown key {key!r} in {str(path)!r}; expected one of {known}")
        if dest in typed:
            continue
        action = actions[dest]
        if action.type is not None and not isinstance(value, (list, dict)):
            try:
                value = action.type(value) if isinstance(value, str) or action.type in (int, float) else value
            except (TypeError, ValueError) as e:
                raise UsageError(f"--config: key {key!r}: {e}") from None
        if action.choices is not None and value not in action.choices:
            raise UsageError(f"--config: key {key!r}: expected one of {list(action.choices)}, got {value!r}")
        setattr(args, dest, value)


def to_jsonable(obj: Any) -> Any:
    """Convert results (numpy/torch scalars, Paths, tuples) to plain JSON types."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, float) and obj != obj:
        return None
    return obj


def print_result(result: dict, as_json: bool) -> None:
    """``--json``: one JSON object on stdout. Otherwise a readable ``key: value`` listing."""
    result = to_jsonable(result)
    if as_json:
        print(json.dumps(result))
        return
    text = result.pop("text", None) if isinstance(result, dict) else None
    if text:
        print(text)
        return
    for key, value in result.items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        print(f"{key}: {value}")
