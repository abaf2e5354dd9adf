"""What a ``--config`` key that the command does not take may have meant (:func:`unknown_key_hint`)."""

from __future__ import annotations

import argparse
import difflib
import os


def _commands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """``parser`` and every (sub-)command parser below it."""
    out, todo = [], [parser]
    while todo:
        p = todo.pop(0)
        if any(p is q for q in out):
            continue
        out.append(p)
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                todo.extend(a.choices.values())
    return out


def unknown_key_hint(key: str, known: list[str], parser: argparse.ArgumentParser,
                     root: argparse.ArgumentParser | None) -> str:
    """``'; did you mean 'json'?'`` for a key close to one of ``known`` (flag names with hyphens), else
    ``'; a flag of rnnkit classify train, not of rnnkit classify predict'`` where another command under ``root``
    takes the key (one file shared by train and predict), else ``''``."""
    name = key.replace("_", "-")
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    dest = name.replace("-", "_")
    others = [p.prog for p in (_commands(root) if root is not None else []) if p is not parser
              and any(a.dest == dest and a.option_strings for a in p._actions)]
    others.sort(key=lambda prog: -len(os.path.commonprefix([prog, parser.prog])))   # the command's own first
    if others:
        return f"; a flag of {', '.join(others[:3])}, not of {parser.prog}"
    return ""
