"""Conventions every ``rnnkit`` command shares.

* Flags are hyphenated (``--hidden-size``); ``--json`` prints exactly one JSON object on stdout.
* ``--config FILE.toml``: keys are flag names (hyphens or underscores); precedence is
  defaults < config file < flags typed on the command line.
* ``--seed`` and ``--out DIR`` where a command trains or writes files.
* Usage errors (bad flags, bad values: :class:`UsageError`, and :class:`~rnnkit.errors.ConfigError`
  raised from a command) exit 2; runtime errors exit 1 with one line on stderr (the traceback only
  with ``--debug``).
* ``--quiet`` turns progress output off (it is also off when stderr is not a terminal).

A command module defines ``add_parser(subparsers) -> argparse.ArgumentParser`` and
``run(args) -> dict``; the returned dict is what ``--json`` prints (and is shown readably otherwise).
"""

from __future__ import annotations

import argparse
import json
import math
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


def _all_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """Every action of ``parser`` and of the sub-parsers below it (nested commands)."""
    out, todo, seen = [], [parser], set()
    while todo:
        p = todo.pop()
        if id(p) in seen:
            continue
        seen.add(id(p))
        for a in p._actions:
            out.append(a)
            if isinstance(a, argparse._SubParsersAction):
                todo.extend(a.choices.values())
    return out


def _typed_dests(parser: argparse.ArgumentParser, argv: list[str]) -> set[str]:
    """The destinations the user typed explicitly (parse again with every default suppressed).

    ``parser`` may be the root parser with the full ``argv`` (nested sub-commands are followed) or a
    command's own parser with the arguments after the command name.
    """
    actions = _all_actions(parser)
    saved = [(a, a.default, a.required) for a in actions]
    try:
        for a in actions:
            if not isinstance(a, argparse._SubParsersAction):
                a.default = argparse.SUPPRESS
            a.required = False
        ns, _ = parser.parse_known_args(argv, argparse.Namespace())
    except SystemExit:  # pragma: no cover - argv already parsed once, so this does not happen
        return set()
    finally:
        for a, d, r in saved:
            a.default, a.required = d, r
    return set(vars(ns))


def _convert(key: str, action: argparse.Action, value: Any) -> Any:
    """A TOML value for ``action``, checked like a typed flag would be (never silently coerced)."""
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        if not isinstance(value, bool):
            raise UsageError(f"--config: key {key!r}: expected true or false, got {value!r}")
        return value
    if action.nargs in ("*", "+") or isinstance(action.nargs, int):
        if not isinstance(value, list):
            raise UsageError(f"--config: key {key!r}: expected a list, got {value!r}")
        return [_convert(key, _Scalar(action), v) for v in value]
    if isinstance(value, (list, dict)):
        raise UsageError(f"--config: key {key!r}: expected a single value, got {value!r}")
    typ = action.type
    if typ is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise UsageError(f"--config: key {key!r}: expected an integer, got {value!r}")
        return value
    if typ is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UsageError(f"--config: key {key!r}: expected a number, got {value!r}")
        return float(value)
    if typ is None or typ is str:
        if not isinstance(value, str):
            raise UsageError(f"--config: key {key!r}: expected a string, got {value!r}")
        return value
    try:  # custom types (Path, parsers): they take the string form, as on the command line
        return typ(value if isinstance(value, str) else str(value))
    except (TypeError, ValueError, argparse.ArgumentTypeError) as e:
        raise UsageError(f"--config: key {key!r}: {e}") from None


class _Scalar:
    """The element view of a list-valued action (same type, no nargs)."""

    def __init__(self, action: argparse.Action) -> None:
        self.type, self.nargs, self.choices = action.type, None, action.choices


def apply_config(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: list[str],
                 root: argparse.ArgumentParser | None = None, full_argv: list[str] | None = None) -> None:
    """Fill ``args`` from ``args.config`` (TOML) for every flag the user did not type.

    ``parser``: the command's parser (its flags are the valid keys); ``argv``: the arguments after the
    command name. With ``root``/``full_argv`` (the top-level parser and the whole command line), typed
    flags are found through nested sub-commands too. Keys are flag names with hyphens or underscores;
    values must have the flag's type (TOML ``true``/``false`` for switches; no silent conversion).
    """
    path = getattr(args, "config", None)
    if path is None:
        return
    try:
        data = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise UsageError(f"--config: expected an existing TOML file, got {str(path)!r} (not found)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"--config: expected a readable TOML file, got {str(path)!r} ({e})") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"--config: expected valid TOML in {str(path)!r}, got a parse error: {e}") from None
    actions = {a.dest: a for a in parser._actions
               if a.dest not in ("help", "config") and not isinstance(a, (argparse._SubParsersAction,
                                                                           argparse._VersionAction))}
    typed = _typed_dests(root, full_argv) if root is not None else _typed_dests(parser, argv)
    for key, value in data.items():
        dest = key.replace("-", "_")
        if dest not in actions:
            known = sorted(d.replace("_", "-") for d in actions)
            raise UsageError(f"--config: unknown key {key!r} in {str(path)!r}; expected one of {known}")
        if dest in typed:
            continue
        action = actions[dest]
        value = _convert(key, action, value)
        if action.choices is not None:
            bad = [v for v in (value if isinstance(value, list) else [value]) if v not in action.choices]
            if bad:
                raise UsageError(f"--config: key {key!r}: expected one of {list(action.choices)}, got {bad[0]!r}")
        setattr(args, dest, value)


def to_jsonable(obj: Any) -> Any:
    """Convert results (numpy/torch scalars and arrays, Paths, tuples) to plain JSON types; NaN and
    infinities become ``None`` (JSON has no such numbers)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):
        return to_jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def print_result(result: dict, as_json: bool) -> None:
    """``--json``: one JSON object on stdout. Otherwise a readable ``key: value`` listing."""
    result = to_jsonable(result)
    if as_json:
        print(json.dumps(result, allow_nan=False))
        return
    text = result.pop("text", None) if isinstance(result, dict) else None
    if text:
        print(text)
        return
    for key, value in result.items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        print(f"{key}: {value}")
