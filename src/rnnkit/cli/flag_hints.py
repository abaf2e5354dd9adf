"""Hints that a usage error adds when a flag was typed in a form or a place the parser does not take."""

from __future__ import annotations

import argparse

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
    typed to ``parser`` looks like a flag that neither it nor any command below it has, else ``''``."""
    if not message.startswith("the following arguments are required"):
        return ""
    known = {o for p in _commands(parser) for a in p._actions for o in a.option_strings}
    for extra in typed:
        if extra == "--":
            break
        head = extra.split("=", 1)[0] if isinstance(extra, str) else ""
        if head.startswith("-") and len(head) > 1 and head not in known and not number_text(head):
            return f" ({shown_args([head])} is no flag of {parser.prog})"
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
