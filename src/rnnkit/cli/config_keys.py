"""The ``--config`` file: its bytes, read with a bound (:func:`config_bytes`), and what a key that the command does
not take may have meant (:func:`unknown_key_hint`)."""

from __future__ import annotations

import argparse
import os

from rnnkit._validate import closest
from rnnkit.errors import DataError

#: the most bytes a --config file may hold (a file of flag values is a few KB)
CONFIG_MAX_BYTES = 1 << 20


def config_bytes(path: os.PathLike | str) -> bytes:
    """The bytes of ``path``, at most :data:`CONFIG_MAX_BYTES` (a DataError beyond): ``--config /dev/zero`` (or a
    large file given by mistake) was read whole into memory before TOML looked at it. A pipe
    (``--config <(...)``) is read as a file is."""
    with open(path, "rb") as f:
        data = f.read(CONFIG_MAX_BYTES + 1)
    if len(data) > CONFIG_MAX_BYTES:
        raise DataError(f"--config: expected a TOML file of flag values of at most {CONFIG_MAX_BYTES:,} bytes, got "
                        f"{str(path)!r} holding more")
    return data


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
    close = closest(name, known, cutoff=0.6)    # difflib's own cutoff: a file key is matched more loosely
    if close is not None:
        return f"; did you mean {close!r}?"
    dest = name.replace("-", "_")
    if any(a.dest == dest for a in parser._actions):    # config, help: flags of the command no file sets
        return f"; --{name} is typed, not set in a file"
    others = [p.prog for p in (_commands(root) if root is not None else []) if p is not parser
              and any(a.dest == dest and a.option_strings for a in p._actions)]
    others.sort(key=lambda prog: -len(os.path.commonprefix([prog, parser.prog])))   # the command's own first
    if others:
        return f"; a flag of {', '.join(others[:3])}, not of {parser.prog}"
    return ""
