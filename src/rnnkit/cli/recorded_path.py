"""The data file a ``train`` command records in its run folder must be a name JSON can hold.

On Linux a file name is bytes; one that is not UTF-8 (a Latin-1 name from an old archive, ``caf\\xe9.csv``)
reaches Python as a str with a lone surrogate (``'caf\\udce9.csv'``, PEP 383). The file reads well, the run
trains, and then ``config.json`` -- which records the file so that ``evaluate`` can read the held-out part again --
could not be written: ``UnicodeEncodeError: 'utf-8' codec can't encode character '\\udce9'`` after the whole
training, with no run saved. :func:`check_recordable` refuses such a name before any work, naming the flag.
"""

from __future__ import annotations

import os
from pathlib import Path

from rnnkit.cli.common import UsageError

__all__ = ["check_recordable"]


def check_recordable(path: str | os.PathLike, flag: str) -> None:
    """A :class:`~rnnkit.cli.common.UsageError` naming ``--flag`` when ``path``'s name is not valid UTF-8.

    >>> check_recordable("reviews.csv", "csv")
    >>> check_recordable("caf\\udce9.csv", "csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.cli.common.UsageError: --csv: expected a path in UTF-8 ..., got b'caf\\xe9.csv' (byte 0xe9 ...
    """
    text = str(Path(path)) if not isinstance(path, str) else path
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        try:   # the bytes of the name as the file system holds them
            shown = f"{os.fsencode(text)!r} (byte 0x{os.fsencode(text[e.start])[0]:02x} is not UTF-8)"
        except UnicodeError:   # a lone surrogate that is no escaped byte (a str made in Python, not a name read)
            shown = f"{text!r} (a lone surrogate at character {e.start})"
        raise UsageError(f"--{flag}: expected a path in UTF-8 (the run records it in config.json, where "
                         f"evaluate reads it again), got {shown}; rename it, e.g. convmv -f latin1 -t utf-8 "
                         "--notest NAME") from None
