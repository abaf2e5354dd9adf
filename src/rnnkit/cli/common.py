"""Conventions every ``rnnkit`` command shares.

* Flags are hyphenated (``--hidden-size``) and typed whole (``--hid`` is refused, naming the flags it starts:
  :class:`Parser`); ``--json`` prints exactly one JSON object on stdout.
* ``--config FILE.toml``: keys are flag names (hyphens or underscores); precedence is
  defaults < config file < flags typed on the command line.
* ``--seed`` and ``--out DIR`` where a command trains or writes files.
* Usage errors (bad flags, bad values: :class:`UsageError`, and :class:`~rnnkit.errors.ConfigError`
  raised from a command) exit 2; runtime errors (``DataError``, ``CheckpointError``, ...) exit 1. Either
  way stderr gets exactly one line (argparse's own errors too: :class:`Parser`); the traceback only
  with ``--debug``.
* Checked before any work starts (:func:`check_out_dir`, :func:`check_memory`): an output folder that
  is a file, lies under a file or is not writable, and sizes whose weights, gradients and optimizer
  state cannot fit in the memory available -- both usage errors (exit 2) that name the flag.
* ``--quiet`` turns progress output off (the bars are also off when stderr is not a terminal; a long
  command still keeps one summary line per epoch on stderr).
* ``--threads N`` (:func:`add_common` with ``threads=True``, applied by :func:`set_threads`): torch CPU
  threads, **1 unless asked** (:data:`DEFAULT_THREADS`). Measured on the shared 2-core development machine
  (see docs/tasks.md, "Threads"): one thread is never much slower on these small recurrent models and is
  several times faster when the machine is busy.
* ``--help`` shows every flag's default (:class:`HelpFormatter`) and keeps the examples' line breaks.

A command module defines ``add_parser(subparsers) -> argparse.ArgumentParser`` and
``run(args) -> dict``; the returned dict is what ``--json`` prints (and is shown readably otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rnnkit.cli.clip_text import clip_quoted
from rnnkit._io import check_folder_path, dumps_json, to_jsonable
from rnnkit._memory import available_memory, human_size as _size
from rnnkit._paths import expand_user
from rnnkit._threads import max_threads
from rnnkit._validate import SEED_END
from rnnkit.cli.config_keys import config_bytes, unknown_key_hint
from rnnkit.cli.flag_hints import dash_value, flag_message, misplaced_flags, number_text, shown_args, stray_flag, whole_flags
from rnnkit.data.text import decode_utf8
from rnnkit.errors import CheckpointError, ConfigError, DataError, RnnkitError

__all__ = ["UsageError", "Parser", "HelpFormatter", "DEFAULT_THREADS", "set_threads", "add_threads", "bool_arg",
           "path_arg", "add_common", "apply_config", "print_result", "to_jsonable", "check_out_dir", "check_run_out",
           "available_memory", "rnn_params", "training_bytes", "check_memory", "read_numbered_lines", "load_run",
           "flag_message"]


class UsageError(RnnkitError, ValueError):
    """A command was called with flags or values that make no sense (exit code 2)."""


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line on stderr (``PROG: error: MESSAGE (see
    PROG --help)``) instead of the usage block; exit code 2 as argparse. Sub-parsers inherit it.

    A flag is typed whole: argparse's prefix matching (``allow_abbrev``) is off, so ``--hor 3`` is an unrecognized
    argument, not ``--horizon 3``: a script's abbreviation would break the day a flag sharing its prefix is added
    (``hopfield digits --thr`` already names ``--threads`` and ``--threshold``), and ``--js`` ran as ``--json``."""

    def __init__(self, *args: Any, allow_abbrev: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, allow_abbrev=allow_abbrev, **kwargs)

    def _print_message(self, message: str, file: Any = None) -> None:
        """argparse's, but a failed write to stdout raises (argparse swallows OSError: '--help > /dev/full' exited 0,
        the text lost); a closed stream (None: '>&-') still prints nothing, and an unwritable stderr (a usage error
        with '2> /dev/full') is swallowed as argparse does: nowhere to say it, and the usage error keeps exit 2."""
        file = sys.stderr if file is None else file
        try:
            if message and file is not None:
                file.write(message)
        except OSError:
            if file is not sys.stderr:
                raise

    def error(self, message: str):  # type: ignore[override]
        typed = getattr(self, "_typed_args", [])
        hint = (whole_flags(self, typed) or stray_flag(self, typed, message)
                or dash_value(self, typed, message, (path_arg, file_arg)))   # './-x' offered for paths alone
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}{hint} (see {self.prog} --help)\n")

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        """As argparse's, and the deepest (sub)parser left with unknown arguments notes itself, so that
        :meth:`parse_args` names that command's help (``rnnkit forecast --help``), not the root's."""
        self._typed_args = list(sys.argv[1:] if args is None else args)   # for error()'s hint
        namespace, extras = super().parse_known_args(args, namespace)
        if extras and not hasattr(namespace, "_extras_parser"):
            namespace._extras_parser = self
        return namespace, extras

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        namespace, extras = self.parse_known_args(args, namespace)
        owner = vars(namespace).pop("_extras_parser", self)
        if extras:
            owner.error(f"unrecognized arguments: {shown_args(extras)}{misplaced_flags(owner, namespace, extras)}")
        return namespace


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help that keeps the description's line breaks (the examples) and ends every flag's help with its
    default (``(default: 64)``), unless the help already mentions it or there is none to show
    (``None``, ``False`` of a switch)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "%(default)" in text or "(default" in text or not action.option_strings \
                or action.default is None or action.default == argparse.SUPPRESS \
                or (action.default is False and action.nargs == 0) \
                or isinstance(action, argparse._HelpAction):
            return text
        return f"{text} (default: %(default)s)"


#: Torch CPU threads of a command unless ``--threads`` says otherwise.
DEFAULT_THREADS = 1


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, else ``os.cpu_count()``)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):   # not on Linux
        return os.cpu_count() or 1


THREADS_BEFORE: list[int] = []   # torch's thread count before each set_threads (cli.main restores the first)


def set_threads(args: argparse.Namespace) -> None:
    """Apply ``--threads`` (``torch.set_num_threads``); a value below 1, or above the threads this process
    could start (:func:`max_threads`), is a usage error. More threads than :func:`usable_cpus` are applied as
    asked (a config may come from a larger machine), with a one-line warning on stderr: torch then
    oversubscribes the cores (a 2-CPU tagger run took 8.3 s at 999 threads, 4.1 s at 1). Beyond what the
    system lets it start, libgomp failed to create a thread at the first parallel operation and the process
    died of a segmentation fault (``--threads 99999``: exit 139, max_map_count 65530 here)."""
    n = getattr(args, "threads", None)
    if n is None:
        return
    if n < 1:
        raise UsageError(f"--threads: expected an int >= 1, got {n}")
    limit = max_threads()
    if limit is not None and n > limit:
        raise UsageError(f"--threads: expected an int in [1, {limit}] (the threads this system lets a process start), "
                         f"got {n}")
    import torch

    cpus = usable_cpus()
    if n > cpus:
        # a warning, so the command's one-line format names it ('rnnkit CMD: warning: ...', training.md)
        warnings.warn(f"--threads {n} is more than the {cpus} CPU(s) this process may use; the threads will share "
                      f"them (usually slower than --threads {cpus})", RuntimeWarning, stacklevel=2)
    THREADS_BEFORE.append(torch.get_num_threads())   # main() puts the first back: a host's count is its own
    torch.set_num_threads(n)


def bool_arg(text: str) -> bool:
    """An argparse ``type`` for BOOL values: true/false, yes/no, on/off, 1/0 (any case)."""
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true/false, got {text!r}")


def path_arg(text: str) -> Path:
    """An argparse ``type`` for path flags: ``Path(text)``, refusing an empty or blank text (a usage error,
    exit 2): ``Path("")`` is the current folder, so ``--out ""`` (an unset shell variable) wrote the run's
    files into the working folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a path, got {text!r}")
    try:   # a quoted '~/x' (or a --config value): the user's home, as the shell gives it unquoted (rnnkit._paths)
        return Path(expand_user(text, "--"))
    except ConfigError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix("--: ")) from None


def file_arg(text: str) -> Path:
    """:func:`path_arg` for a flag naming a file: one ending in ``/`` (``/.``, ``/..``: a folder) is a usage error --
    ``Path()`` dropped the slash, so ``--input in.txt/`` read ``in.txt`` and ``export --out x.onnx/`` wrote ``x.onnx``."""
    try:
        expand_user(text, "--", file=True)
    except ConfigError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix("--: ")) from None
    return path_arg(text)


def seed_arg(text: str) -> int:
    """An argparse ``type`` for ``--seed``: an int in torch's seed range [0, 2**64) (a usage error, exit 2,
    before any work; a larger one overflowed inside torch after the data was read)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an int, got {text!r}") from None
    if not 0 <= value < SEED_END:
        raise argparse.ArgumentTypeError(f"expected an int in [0, 2**64), got {text}")
    return value


def add_common(parser: argparse.ArgumentParser, *, seed: bool = False, out: bool = False,
               config: bool = True, threads: bool = False) -> None:
    """Add the shared flags: ``--json``, ``--quiet``, ``--debug`` and optionally ``--config``,
    ``--seed``, ``--out``, ``--threads`` (apply it with :func:`set_threads`)."""
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress output (no bars, no epoch lines)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    if config:
        parser.add_argument("--config", type=file_arg, default=None, metavar="FILE.toml", action=_OneFile,
                            help="TOML file of flag values (flags typed here take precedence)")
    if seed:
        parser.add_argument("--seed", type=seed_arg, default=0, help="random seed")
    if out:
        parser.add_argument("--out", type=path_arg, default=None, metavar="DIR", help="output folder")
    if threads:
        add_threads(parser)


class _OneFile(argparse.Action):
    """``--config`` typed once: a second one was kept alone (argparse's last wins) and the first file's settings
    dropped, silently -- files are not merged."""

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ARG002 - argparse's signature
        first = getattr(namespace, self.dest, None)
        if first not in (None, argparse.SUPPRESS):
            parser.error(f"{option_string}: expected one file (files are not merged), got {str(first)!r} and "
                         f"{str(values)!r}")
        setattr(namespace, self.dest, values)


def add_threads(parser: argparse.ArgumentParser) -> None:
    """Add ``--threads`` (one default for every command; apply it with :func:`set_threads`)."""
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, metavar="N",
                        help="torch CPU threads (1 unless asked: on a shared 2-core machine classify trained "
                             "2,000 tweets x 2 epochs in 7-12 s with 1 thread and 224 s with 2, tsc GunPoint "
                             "in 3-4 s and 3-15 s; docs/tasks.md, 'Threads')")


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
    saved = [(a, a.default, a.required, a.choices, a.type) for a in actions]
    try:
        for a in actions:
            if not isinstance(a, argparse._SubParsersAction):
                a.default = argparse.SUPPRESS
                if not a.option_strings:    # an optional positional left out is given its default, which
                    a.choices = a.type = None   # argparse checks: SUPPRESS is no choice (forecast's action)
            a.required = False
        ns, _ = parser.parse_known_args(argv, argparse.Namespace())
        vars(ns).pop("_extras_parser", None)     # Parser's note of who had leftovers: no typed flag
    finally:
        for a, d, r, c, t in saved:
            a.default, a.required, a.choices, a.type = d, r, c, t
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
        if action.nargs == "+" and not value:   # the flag takes at least one: `sizes = []` was max()'s bare ValueError
            flag = max(action.option_strings, key=len, default=key)
            raise UsageError(f"--config: key {key!r}: expected a list of at least one value (as {flag} takes), got []")
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
    if typ is None or typ is str or typ in (path_arg, file_arg):    # `out = 5` made a folder named '5'
        if not isinstance(value, str):
            raise UsageError(f"--config: key {key!r}: expected a string, got {value!r}")
        if typ not in (path_arg, file_arg):
            return value
    if action.nargs == "?" and typ is not bool_arg and isinstance(value, bool) and action.default is False:
        return action.const if value else False   # `resume = true`: the bare flag (--resume), was 'got 'True''
    if typ is bool_arg:       # `dayfirst = 1` or `"yes"` was taken as true: TOML has true/false for that
        if not isinstance(value, bool):
            raise UsageError(f"--config: key {key!r}: expected true or false, got {value!r}")
        return value
    try:  # custom types (Path, parsers): they take the string form, as on the command line
        converted = typ(value if isinstance(value, str) else str(value))
    except (TypeError, ValueError, argparse.ArgumentTypeError) as e:
        raise UsageError(f"--config: key {key!r}: {e}") from None
    if typ not in (path_arg, file_arg) and isinstance(value, str) and number_text(value):   # `seed = "1"`
        raise UsageError(f"--config: key {key!r}: expected a number without quotes, got {value!r}")
    return converted


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
    values must have the flag's type (TOML ``true``/``false`` for switches; no silent conversion), the keys
    of flags typed on the command line too (their values are not used, but the file is checked whole).
    """
    args._typed_source = (root, full_argv) if root is not None else (parser, argv)   # cli.unread_flags: typed?
    path = getattr(args, "config", None)
    if path is None:
        return
    try:
        data = tomllib.loads(decode_utf8(config_bytes(path), str(path), "--config"))  # UTF-8 whatever the locale
    except FileNotFoundError:
        raise UsageError(f"--config: expected an existing TOML file, got {str(path)!r} (not found)") from None
    except DataError as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"--config: expected a readable TOML file, got {str(path)!r} ({e})") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"--config: expected valid TOML in {str(path)!r}, got a parse error: {e}") from None
    actions = {a.dest: a for a in parser._actions
               if a.dest not in ("help", "config") and not isinstance(a, (argparse._SubParsersAction,
                                                                           argparse._VersionAction))}
    typed = _typed_dests(root, full_argv) if root is not None else _typed_dests(parser, argv)
    spelled: dict[str, str] = {}
    for key, value in data.items():
        dest = key.replace("-", "_")
        if dest in spelled:   # TOML holds 'hidden-size' and 'hidden_size' as two keys: the later won silently
            raise UsageError(f"--config: expected each setting once in {str(path)!r}, got {spelled[dest]!r} and "
                             f"{key!r} ({data[spelled[dest]]!r} and {value!r}); keep one")
        spelled[dest] = key
        if dest not in actions:
            known = sorted(d.replace("_", "-") for d in actions)
            raise UsageError(f"--config: unknown key {key!r} in {str(path)!r}; expected one of {known}"
                             f"{unknown_key_hint(key, known, parser, root)}")
        action = actions[dest]
        value = _convert(key, action, value)   # checked even where a typed flag wins: a wrong value (`epochs =
        if action.choices is not None:         # [1]`) passed unseen until the day the flag was left out
            bad = [v for v in (value if isinstance(value, list) else [value]) if v not in action.choices]
            if bad:
                raise UsageError(f"--config: key {key!r}: expected one of {list(action.choices)}, got {bad[0]!r}")
        if dest not in typed:
            setattr(args, dest, value)


def print_result(result: dict, as_json: bool) -> None:
    """``--json``: one JSON object on stdout. Otherwise a readable ``key: value`` listing."""
    result = to_jsonable(result)
    if as_json:
        print(dumps_json(result))
        return
    text = result.pop("text", None) if isinstance(result, dict) else None
    if text:
        print(text)
        return
    for key, value in result.items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        print(f"{key}: {value}")


@contextmanager
def one_line_warnings(command: str) -> Iterator[None]:
    """While a command runs, a warning is one stderr line, ``rnnkit COMMAND: warning: TEXT`` (not Python's two
    lines with the source line), and the same text is shown once (a data set read twice -- scored, then its
    combination -- warned twice). The API's warnings keep Python's format: only the CLI wraps its run in this.
    Under ``warnings.catch_warnings(record=True)`` (``pytest.warns``) nothing changes: the recorder gets them."""
    if getattr(getattr(warnings, "_showwarnmsg_impl", None), "__name__", "") != "_showwarnmsg_impl":
        yield                                  # recorded (its list's append), not shown
        return
    shown: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ARG001 - showwarning's
        text = clip_quoted(" ".join(str(message).split()))    # a 1 MB field was a 1 MB warning line (session 27)
        text = text[len(command) + 2:] if text.startswith(f"{command}: ") else text   # not 'tsc: warning: tsc: ...'
        if text not in shown:
            shown.add(text)
            print(f"rnnkit {command}: warning: {text}", file=file or sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


# ------------------------------------------------------------------ checks before any work starts
def check_out_dir(path: str | os.PathLike | None, flag: str = "--out") -> None:
    """Refuse an output folder that cannot be written, before any fitting (:class:`UsageError`, exit 2;
    the rules of :func:`rnnkit._io.check_folder_path`). ``None``: no check."""
    if path is None:
        return
    if str(path) == "-":   # stdout by convention (as '-' reads stdin): a folder named '-' was written, silently
        raise UsageError(f"{flag}: expected a folder name, got '-' (standard output: the output is several files; "
                         "give a folder, e.g. ./out)")
    try:
        check_folder_path(path, flag)   # one that takes no new file too (/proc, a read-only mount): before the fit
    except (ConfigError, TypeError) as e:
        raise UsageError(str(e)) from None


def check_run_out(path: str | os.PathLike, task: str, flag: str = "--out") -> None:
    """:func:`check_out_dir`, then refuse (:class:`UsageError`) a folder a ``task`` run's save would wrongly
    replace: files of a run's names that no save there wrote, or a saved run of another task
    (:func:`rnnkit.tasks.runs.check_run_folder`); before any work."""
    from rnnkit.tasks.runs import check_run_folder

    check_out_dir(path, flag)
    try:
        check_run_folder(path, flag, task=task)
    except CheckpointError as e:
        raise UsageError(str(e)) from None


GATES = {"lstm": 4, "gru": 3, "elman": 1, "rnn": 1}
BYTES_PER_PARAM = 16  # float32 weight + gradient + Adam's two moments


def rnn_params(cell: str, input_size: int, hidden_size: int, num_layers: int = 1,
               bidirectional: bool = False) -> int:
    """Parameters of a stacked (bi)directional ``cell`` layer (unknown cells count as LSTMs)."""
    g, d = GATES.get(cell, 4), 2 if bidirectional else 1
    first = d * g * hidden_size * (input_size + hidden_size + 2)       # each later layer reads d * hidden_size
    return first + max(num_layers - 1, 0) * d * g * hidden_size * (d * hidden_size + hidden_size + 2) \
        if num_layers > 0 else 0     # closed form: a loop over --num-layers 99999999999 never returned


def training_bytes(params: int, activations: int = 0) -> int:
    """Memory to train ``params`` parameters with Adam (16 bytes each) plus ``activations`` float32 values
    kept for the backward pass."""
    return BYTES_PER_PARAM * params + 4 * activations


def check_memory(args: argparse.Namespace, need: Callable[[argparse.Namespace], int], flags: Sequence[str],
                 device: str = "cpu", what: str = "weights, gradients and Adam state, plus one batch of "
                                                    "activations") -> None:
    """Refuse sizes whose estimated memory ``need(args)`` (bytes) exceeds :func:`available_memory`, before
    any allocation: a :class:`~rnnkit.errors.ConfigError` (exit 2) naming the flag among ``flags`` whose
    typed value costs the most (the one whose default would lower the estimate most) and the memory.
    Values below 1 are left to the configs' own checks."""
    dests = {f: f.lstrip("-").replace("-", "_") for f in flags}
    for d in dests.values():
        v = getattr(args, d, None)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v < 1:
            return
    total = need(args)
    avail = available_memory(device)
    if avail is None or total <= avail:
        return
    parser = getattr(args, "_parser", None)
    drops = {}
    for flag, d in dests.items():
        default = parser.get_default(d) if parser is not None else None
        if parser is None or default == getattr(args, d, None):
            continue
        trial = argparse.Namespace(**{**vars(args), d: default})
        try:        # a None default (e.g. --horizon) is a value need() reads too; one it cannot read is skipped
            drops[flag] = total - need(trial)
        except TypeError:
            continue
    flag = max(drops, key=drops.get) if drops else flags[0]
    raise ConfigError(f"{flag}: expected a size that fits in memory ({_size(avail)} available on {device}), got "
                      f"{_shown(getattr(args, dests[flag], None))}, which would need about {_size(total)} ({what})")


def _shown(value: Any) -> str:
    """A flag value as typed: lists space-separated, tuples (``B,T,I,H``) comma-separated."""
    if isinstance(value, list):
        return " ".join(_shown(v) for v in value)
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def read_numbered_lines(path: str | os.PathLike, flag: str = "--input") -> tuple[list[str], list[int]]:
    """The lines of a UTF-8 file (``"-"``: stdin) and their 1-based line numbers. A blank (or
    whitespace-only) line is a :class:`~rnnkit.errors.DataError` naming it: one input per line, so no
    prediction is ever paired with the wrong line. The final newline ends the last line."""
    from rnnkit.data.text import read_utf8, split_lines

    name = "<stdin>" if str(path) == "-" else str(path)
    lines = split_lines(read_utf8(path, flag), f"{flag} {name!r}")   # 'a\rb': a lone CR joined two inputs
    if lines[-1] == "":
        lines.pop()
    for i, ln in enumerate(lines, 1):
        if not ln.strip():
            raise DataError(f"{flag}: expected one non-blank input per line, got a blank line {i} in {name!r}")
    return lines, list(range(1, len(lines) + 1))


def load_run(loader: Callable[[Any], Any], path: str | os.PathLike, flag: str = "--run") -> Any:
    """``loader(path)`` for a run folder named by ``flag``; a corrupt folder that the loader reports with
    an untyped or config error (bad JSON, a missing key, a wrong type or value) becomes a
    :class:`~rnnkit.errors.CheckpointError` naming the folder (exit 1, never a usage error)."""
    try:
        return loader(path)
    except (CheckpointError, DataError):
        raise
    except (ConfigError, KeyError, IndexError, TypeError, ValueError) as e:
        detail = " ".join(str(e).split()) or type(e).__name__
        raise CheckpointError(f"{flag}: expected a valid run folder, got {str(path)!r} "
                              f"({type(e).__name__}: {detail})") from e
