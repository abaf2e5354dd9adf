"""Hints that a usage error adds when a flag was typed in a form or a place the parser does not take."""

from __future__ import annotations

import argparse
import re

from rnnkit.cli.config_keys import _commands


def whole_flags(parser: argparse.ArgumentParser, typed: list[str]) -> str:
    """`` (flags are typed whole: --json?)`` where an argument typed to ``parser`` is no flag of it but the start
    of some (the abbreviations argparse no longer expands: :class:`Parser`; ``--hor 3`` may surface as another
    error, the 3 read as a positional), else ``''``."""
    flags = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
    for extra in typed:
        head = extra.split("=", 1)[0] if isinstance(extra, str) else ""
        if head.startswith("--") and len(head) > 2 and head not in flags:
            whole = [o for o in flags if o.startswith(head)]
            if whole:
                return f" (flags are typed whole: {' or '.join(whole[:4])}?)"
    return ""


def stray_flag(parser: argparse.ArgumentParser, typed: list[str], message: str) -> str:
    """`` (--bogus is no flag of rnnkit)`` where argparse stopped at a missing COMMAND / ACTION (checked before the
    unknown flags: ``rnnkit --bogus`` said only "the following arguments are required: COMMAND") and an argument
    typed to ``parser`` looks like a flag that neither it nor any command below it has; or where a positional's
    choice was refused and the refused value follows such a flag (``rnnkit forecast --horizn 12`` said only
    "argument action: invalid choice: '12'": the mistyped flag's value was read as the action), else ``''``."""
    required = message.startswith("the following arguments are required")
    choice = re.match(r"argument ([^:]+): invalid choice: ", message)
    if not (required or choice):
        return ""
    known = {o for p in _commands(parser) for a in p._actions for o in a.option_strings}
    for i, extra in enumerate(typed):
        if extra == "--":
            break
        head = extra.split("=", 1)[0] if isinstance(extra, str) else ""
        if head.startswith("-") and len(head) > 1 and head not in known and not number_text(head):
            if required:
                return f" ({shown_args([head])} is no flag of {parser.prog})"
            value = typed[i + 1] if "=" not in extra and i + 1 < len(typed) else None
            if isinstance(value, str) and message[choice.end():].startswith(repr(value)):
                return (f" ({shown_args([head])} is no flag of {parser.prog}: the {shown_args([value])!r} after it was "
                        f"read as the {choice[1]})")
    return ""


def dash_value(parser: argparse.ArgumentParser, typed: list[str], message: str, path_types: tuple = ()) -> str:
    """`` (a value starting with '-' reads as a flag: write --run=-run, or ./-run for a path)`` where argparse found a
    flag without its value because the value typed after it starts with ``-`` (a folder named ``-run``: "expected one
    argument" alone left the user to guess) and is no flag of ``parser`` (``--csv --quiet``: a value left out), else
    ``''``; ``./`` is offered only for a flag whose type is one of ``path_types`` (``--prompt -abc`` is no path)."""
    flags = {o: a for a in parser._actions for o in a.option_strings}
    m = re.fullmatch(r"argument (\S+): expected one argument", message)
    names = m[1].split("/") if m else []
    for flag, value in zip(typed, typed[1:]):
        if flag in names and isinstance(value, str) and value.startswith("-") and value.split("=")[0] not in flags:
            is_path = flag in flags and flags[flag].type in path_types
            path = f", or ./{value} for a path" if is_path and not value.startswith("--") else ""
            return f" (a value starting with '-' reads as a flag: write {flag}={value}{path})"
    return ""


def shown_args(args: list[str], most: int = 8, width: int = 60) -> str:
    """``args`` joined for an error line: at most ``most`` of them, each cut at ``width`` characters, and how many
    more there were (20,000 unknown flags made one 150 kB line)."""
    cut = [a if len(a) <= width else a[:width] + "…" for a in map(str, args[:most])]
    more = f" … ({len(args) - most:,} more)" if len(args) > most else ""
    return " ".join(cut) + more


def number_text(text: str) -> bool:
    """Whether ``text`` reads as a number (Python's float: '1', ' 2.5', '1e3', 'nan', '-5')."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def misplaced_flags(owner: argparse.ArgumentParser, namespace: argparse.Namespace, extras: list[str]) -> str:
    """`` (flags go after the command: rnnkit env --json)`` where ``owner`` (the root parser) was left with a flag
    that the command chosen takes -- ``rnnkit --json env`` -- else ``''``."""
    command = getattr(namespace, "_parser", None)
    if command is None or command is owner:
        return ""
    for extra in extras:
        head = extra.split("=", 1)[0] if isinstance(extra, str) else ""
        for p in _commands(command):
            if head.startswith("-") and any(head in a.option_strings for a in p._actions):
                return f" (flags go after the command: {p.prog} {head})"
    return ""


def flag_message(message: str, parser: argparse.ArgumentParser | None, mentions: bool = False) -> str:
    """``message`` with a leading ``name:`` that is a flag's destination written as the flag
    (``hidden_size: expected ...`` -> ``--hidden-size: expected ...``), and with ``mentions`` every ``name=value`` in
    it that is a flag's setting written as typed (:func:`typed_mentions`), so an error a config raises for values
    typed on the command line names what the user typed (``mentions``: a usage error's; a runtime error's text is
    the task's own)."""
    head, sep, rest = message.partition(":")
    mention = (lambda text: typed_mentions(text, parser)) if mentions and parser is not None else (lambda text: text)
    if sep and parser is not None:
        for a in parser._actions:
            if a.dest == head and a.option_strings:
                return f"{_long(a)}{sep}{mention(_bools_as_typed(_none_as_typed(rest, a), a))}"
    return mention(message)


def _long(action: argparse.Action) -> str:
    """The flag of ``action`` as ``--help`` names it (its long form)."""
    longs = [o for o in action.option_strings if o.startswith("--")]
    return (longs or action.option_strings)[0]


#: ``name=value`` as the Python API writes a setting in a message (``with snapshots=2``, ``tokenizer='bpe'``)
_SETTING = re.compile(r"(?<![\w.-])([a-z][a-z0-9_]*)=('[^']*'|\"[^\"]*\"|[^\s,;:()'\"]+)")
#: ``name > 0`` (a bound on a setting: ``val_fraction > 0``) and a setting of two words named alone (``date_format
#: '%Y'``): a name no English word spells
_BARE = re.compile(r"(?<![\w.-])([a-z][a-z0-9_]*(?= [<>]=? )|[a-z][a-z0-9]*_[a-z0-9_]*\b(?![=(]))")


def _is_bool_flag(action: argparse.Action) -> bool:
    return getattr(action.type, "__name__", "") == "bool_arg"


def _bools_as_typed(rest: str, action: argparse.Action) -> str:
    """``expected False ..., got True`` of a BOOL flag as it is typed (``false``, ``true``)."""
    if not _is_bool_flag(action):
        return rest
    return re.sub(r"\b(expected|got) (True|False)\b", lambda m: f"{m[1]} {m[2].lower()}", rest)


def typed_mentions(text: str, parser: argparse.ArgumentParser) -> str:
    """``text`` with each ``name=value`` that names a flag of ``parser`` written as that flag is typed (``with
    snapshots=2`` -> ``with --snapshots 2``, ``tokenizer='bpe'`` -> ``--tokenizer bpe``, ``refit=False`` -> ``--refit
    false``; ``val_fraction > 0`` -> ``--val-fraction > 0``, ``date_format '%Y'`` -> ``--date-format '%Y'``): a
    contradiction between two flags named the second by its config field, which no command line has. A name inside
    quotes is what a file or the user wrote (a --config file's key ``'hidden_size'``, a path): left as it is."""
    flags = {a.dest: a for a in parser._actions if a.option_strings and a.dest not in ("help", "version")}

    def bare(m: re.Match) -> str:
        return _long(flags[m[1]]) if m[1] in flags and not _quoted_at(m.string, m.start()) else m[0]

    def typed(m: re.Match) -> str:
        action = flags.get(m[1])
        if action is None or _quoted_at(m.string, m.start()):
            return m[0]
        value = m[2]
        if value[:1] in "'\"" and value[-1:] == value[:1] and value[1:-1] and not any(c.isspace() for c in value):
            value = value[1:-1]
        elif value in ("True", "False") and _is_bool_flag(action):
            value = value.lower()
        return f"{_long(action)} {value}"

    text = _BARE.sub(bare, text)
    return _SETTING.sub(typed, text)


_QUOTED_SPAN = re.compile(r"'[^']*'|\"[^\"]*\"")


def _quoted_at(text: str, at: int) -> bool:
    """Whether position ``at`` of ``text`` lies inside a quoted value (``'...'`` or ``"..."``, read left to right)."""
    return any(m.start() < at < m.end() - 1 for m in _QUOTED_SPAN.finditer(text) if m.start() < at)


def _none_as_typed(rest: str, action: argparse.Action) -> str:
    """The Python API's "expected X or None, got Y" as the flag takes it: ``or 'none'`` for a flag whose type
    reads 'none' as None (``--clip-norm none``), else without the alternative (None cannot be typed: a flag
    left out takes its default); "expected None with ..." as "expected no --flag with ..."."""
    expected, sep, got = rest.partition(", got ")
    if expected.startswith(" expected None "):   # 'dayfirst: expected None with date_format ...': leave the flag out
        return f" expected no {_long(action)}{expected.removeprefix(' expected None')}{sep}{got}"
    if " or None" not in expected:
        return rest
    try:
        typed_none = callable(action.type) and action.type("none") is None
    except Exception:  # noqa: BLE001 - any type that refuses 'none' cannot be given None
        typed_none = False
    return expected.replace(" or None", " or 'none'" if typed_none else "") + sep + got
