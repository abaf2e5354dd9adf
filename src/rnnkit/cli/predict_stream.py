"""``predict`` written as it is made: the inputs predicted :data:`PART` at a time, each part's lines printed (and
flushed) before the next part is predicted, with progress on stderr.

The driver's ``predict`` held every prediction until the end and printed nothing before: ``generate predict`` on
2,000 prompts (35 s here) killed at 20 s printed 0 bytes -- all its work lost --, 1M prompts would take ~48 min
with no sign of life, and the outputs' memory grew with the inputs. Here a part's output is on stdout as soon as
it is made, in input order, the same bytes as before (text: one ``format_predictions`` block a part, each
followed by a newline; ``--json``: the same one object, its ``"predictions"`` list written item by item and the
other keys after it, each spooled to a temporary file until then: classify's probabilities of 1M texts were held in
memory). A run stopped midway leaves the lines made so far (text: whole lines, each naming its input
line) or a JSON object never closed -- never one that reads as complete; the exit status says it stopped (130,
143). Progress follows training's convention: nothing with ``--quiet``; a tqdm bar while stderr is a terminal;
otherwise one line every :data:`NOTE_SECONDS` (``rnnkit CMD: predicted 1,200 of 2,000 lines (60%), 31 s``).

An error a part raises naming an input by its index in the part (``prompts[3]: ...``) names it by its index in
the whole input (the part's first index added), as one call on every input named it.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from typing import Any, Callable

from rnnkit._io import dumps_json
from rnnkit.cli.common import load_run
from rnnkit.data.batching import truncations, warn_read_prefix
from rnnkit.errors import RnnkitError

__all__ = ["stream_predict", "PART", "NOTE_SECONDS"]

#: inputs predicted (and their output printed) at a time
PART = 64
#: seconds between two progress lines when stderr is not a terminal
NOTE_SECONDS = 30.0


class _Progress:
    """A tqdm bar on a terminal, else a line every :data:`NOTE_SECONDS`; nothing when ``quiet``."""

    def __init__(self, command: str, total: int, where: str, quiet: bool) -> None:
        self.command, self.total, self.where, self.done = command, total, where, 0
        self.start = self.last = time.monotonic()
        self.on, self.bar = not quiet, None
        if self.on and getattr(sys.stderr, "isatty", lambda: False)():
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, leave=False, file=sys.stderr, desc=f"rnnkit {command} predict",
                            unit=where.rstrip("s"), dynamic_ncols=True)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.monotonic()
        if self.on and now - self.last >= NOTE_SECONDS and self.done < self.total:
            self.last = now
            print(f"rnnkit {self.command}: predicted {self.done:,} of {self.total:,} {self.where} "
                  f"({100 * self.done // self.total}%), {now - self.start:.0f} s", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _index_from(error: RnnkitError, first: int) -> RnnkitError:
    """``error`` with the index of the input it starts by naming (``prompts[3]: ...``) counted from ``first``."""
    if not first:
        return error
    text = re.sub(r"^(\w+)\[(\d+)\]", lambda m: f"{m[1]}[{int(m[2]) + first}]", str(error), count=1)
    return error if text == str(error) else type(error)(text)


def stream_predict(command: Any, args: argparse.Namespace,
                   predict_part: Callable[[Any, Any, int], dict[str, Any]] | None = None,
                   check: Callable[[Any, Any], Any] | None = None, gap: str = "",
                   part_size: int | None = None) -> None:
    """``command``'s (a :class:`~rnnkit.cli.driver.TaskCommand`) ``predict`` action, printed part by part (see the
    module). ``predict_part(task, items, first)``: the ``{"predictions": [...], ...}`` of ``items``, the inputs
    from index ``first`` on (default: ``command.predictions``, which must not depend on where a part starts);
    ``check(task, items)``: every input checked before any part is predicted (an error after an hour of output
    was an error before any; a warning that counts or names inputs is given there, once over all of them, and not
    by the parts); ``gap``: text printed between two parts' blocks (``tag``'s blank line between sentences);
    ``part_size``: inputs a part (default :data:`PART`). Returns ``None``: everything is printed here."""
    task = load_run(command.task.load, args.run)
    command.fill_from_run(args, task)
    items, numbers, where = command.read_inputs(args)
    if check is not None:
        check(task, items)
    if predict_part is None:
        def predict_part(task, part, first):   # noqa: ARG001 - the default does not depend on where
            return command.predictions(task, part, args)
    out = sys.stdout
    progress = _Progress(command.name, len(items), where, args.quiet)
    cut_at, cut_lengths, later = [], [], {}
    with ExitStack() as spools:   # --json: the keys after the first (classify's probabilities) until it closes
        try:
            size = PART if part_size is None else part_size
            for first in range(0, len(items), size):
                part, part_numbers = items[first:first + size], numbers[first:first + size]
                with truncations() as cut:
                    try:
                        result = predict_part(task, part, first)
                    except RnnkitError as e:
                        raise _index_from(e, first) from None
                cut_at += [part_numbers[i] for i in sorted(cut) if i < len(part_numbers)]
                cut_lengths += list(cut.values())
                if args.json:
                    keys = list(result)
                    head = ", ".join(dumps_json(p) for p in result[keys[0]])
                    out.write(('{"%s": [' % keys[0] if not first else ", ") + head)
                    for k in keys[1:]:
                        if k not in later:
                            later[k] = spools.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8"))
                        later[k].write((", " if first else "") + ", ".join(dumps_json(v) for v in result[k]))
                else:
                    out.write((gap if first else "") + command.format_predictions(part, part_numbers, result) + "\n")
                out.flush()
                progress.update(len(part))
        finally:
            progress.close()
        warn_read_prefix(cut_at, cut_lengths, where, stacklevel=2)   # as the driver's one-call predict warns
        if args.json:
            out.write("]")
            for k, spool in later.items():
                out.write(f", {dumps_json(k)}: [")
                spool.seek(0)
                shutil.copyfileobj(spool, out)
                out.write("]")
            tail = {where: numbers, **({"truncated": cut_at} if cut_at else {})}
            out.write("".join(f", {dumps_json(k)}: {dumps_json(v)}" for k, v in tail.items()) + "}\n")
            out.flush()
