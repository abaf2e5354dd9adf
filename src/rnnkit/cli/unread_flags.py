"""Flags typed on the command line that the command would not read: a usage error naming both flags.

A task command's parser holds flags that only some uses read: ``--seed`` on ``predict`` (drawn for nothing
but generate's sampling), the column flags (read only from ``--csv``), and the recurrent network's
``--cell``/``--num-layers``/``--bidirectional``/``--pooling`` (``--model feedforward`` has no recurrence: it
reads its inputs' pooled statistics). Typed there, they were accepted and did nothing -- a user who asked for
``--text-col review`` with ``--input`` or ``--cell gru`` with the feed-forward control got a result that
ignored it without a word. The same keys in a ``--config`` file are left alone: one file is shared by train,
predict and evaluate and by both models (:func:`rnnkit.cli.common.apply_config`), as its other keys are.
"""

from __future__ import annotations

import argparse
from typing import Any

from rnnkit.cli.common import UsageError, _typed_dests

__all__ = ["refuse_unread", "refuse_unread_source", "unread_flags"]

RECURRENT = ("cell", "num_layers", "bidirectional", "pooling")   # what model='feedforward' does not build


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def _data_flag(args: argparse.Namespace) -> str | None:
    """The data flag given (``--input``, ``--dataset``, ...), ``None`` for none (stdin, or the run's own data)."""
    for dest in ("input", "dataset", "ts", "ucr", "conll", "tsv", "text"):
        if getattr(args, dest, None) is not None:
            return _flag(dest)
    return None


def _shown(args: argparse.Namespace, dest: str) -> str:
    value = getattr(args, dest)
    return f"{_flag(dest)} {str(value).lower() if isinstance(value, bool) else value}"


def unread_flags(command: Any, args: argparse.Namespace) -> dict[str, str]:
    """``{dest: message}``: the flags of ``args`` that ``command`` (a :class:`rnnkit.cli.driver.TaskCommand`) would
    not read in this use, each with its usage error's text (a flag is only refused where it was typed)."""
    out: dict[str, str] = {}
    if args.action == "predict" and hasattr(args, "seed") and not getattr(command, "predict_reads_seed", False):
        out["seed"] = (f"expected no --seed on {command.name} predict (it draws nothing at random: the run decides "
                       f"every prediction), got {_shown(args, 'seed')}")
    if hasattr(args, "csv") and args.csv is None and not getattr(command, "columns_checked", False):
        given = _data_flag(args) or ("stdin (one text a line)" if args.action == "predict" and hasattr(args, "input")
                                     else None)   # evaluate without a data flag: the run's own file may be a CSV
        for dest in command.columns if given else ():
            out[dest] = f"expected it with --csv (a column of a CSV file), got it with {given}"
    if getattr(args, "model", None) == "feedforward":
        for dest in RECURRENT:
            out[dest] = (f"expected it left out with --model feedforward (no recurrent encoder: it reads its inputs "
                         f"pooled over time; --model rnn reads {_flag(dest)}), got {_shown(args, dest)}")
    return {d: message for d, message in out.items() if hasattr(args, d)}


def refuse_unread(command: Any, args: argparse.Namespace) -> None:
    """A :class:`UsageError` for the first flag the user typed that ``command`` would not read (see the module);
    nothing when the command line is unknown (``args`` not made by :func:`rnnkit.cli.common.apply_config`)."""
    unread = unread_flags(command, args)
    source = getattr(args, "_typed_source", None)
    if not unread or source is None:
        return
    typed = _typed_dests(*source)
    for dest, message in unread.items():
        if dest in typed:
            raise UsageError(f"{_flag(dest)}: {message}")


def refuse_unread_source(command: Any, args: argparse.Namespace, source: dict) -> dict | None:
    """``evaluate`` without a data flag reads the run's own data (its recorded ``source``): a column flag typed then
    (``--text-col`` for a run trained on ``--dataset imdb``) is read only when that source is a CSV file -- else a
    :class:`UsageError` naming it (it was accepted and did nothing; whether it is read is known once the run is
    loaded). Returns the run's remembered column names (``source["columns"]``) for
    :meth:`rnnkit.cli.driver.TaskCommand.fill_columns`."""
    remembered = source.get("columns")
    if args.action != "evaluate" or getattr(args, "csv", "") is not None or _data_flag(args) is not None \
            or getattr(command, "columns_checked", False) or getattr(args, "_typed_source", None) is None:
        return remembered
    if source.get("dataset"):
        own = f"--dataset {source['dataset']}"
    elif source.get("file") and source.get("flag") not in (None, "csv") and not source.get("stream"):
        own = f"{_flag(source['flag'])} {source['file']}"
    else:
        return remembered   # a CSV file reads them; no source or a stream: load_source says so
    typed = _typed_dests(*args._typed_source)
    for dest in command.columns:
        if dest in typed and hasattr(args, dest):
            raise UsageError(f"{_flag(dest)}: expected it with --csv (a column of a CSV file), got it with the run's "
                             f"own data ({own}, recorded at training: evaluate without a data flag reads it)")
    return remembered
