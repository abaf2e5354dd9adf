"""The data file a ``train`` command records in its run folder must be a name JSON can hold.

On Linux a file name is bytes; one that is not UTF-8 (a Latin-1 name from an old archive, ``caf\\xe9.csv``)
reaches Python as a str with a lone surrogate (``'caf\\udce9.csv'``, PEP 383). The file reads well, the run
trains, and then ``config.json`` -- which records the file so that ``evaluate`` can read the held-out part again --
could not be written: ``UnicodeEncodeError: 'utf-8' codec can't encode character '\\udce9'`` after the whole
training, with no run saved. :func:`check_recordable` refuses such a name before any work, naming the flag. The
run records the file by its absolute path (evaluate may run from another folder), so a UTF-8 name typed in a
working folder whose own path is not UTF-8 (``donn\\xe9es/``) is refused too, naming that folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from rnnkit._io import is_stream
from rnnkit.cli.common import UsageError

__all__ = ["check_recordable", "recorded_file", "own_file_moved"]


def check_recordable(path: str | os.PathLike, flag: str) -> None:
    """A :class:`~rnnkit.cli.common.UsageError` naming ``--flag`` when ``path``'s name is not valid UTF-8.

    >>> check_recordable("reviews.csv", "csv")
    >>> check_recordable("caf\\udce9.csv", "csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.cli.common.UsageError: --csv: expected a path in UTF-8 ..., got b'caf\\xe9.csv' (byte 0xe9 ...
    """
    text = str(Path(path)) if not isinstance(path, str) else path
    bad = _not_utf8(text)
    if bad is not None:
        raise UsageError(f"--{flag}: expected a path in UTF-8 (the run records it in config.json, where "
                         f"evaluate reads it again), got {bad}; rename it, e.g. convmv -f latin1 -t utf-8 "
                         "--notest NAME") from None
    if is_stream(text):      # recorded as a stream, not by a path
        return
    try:                     # a relative path is recorded with the working folder's (the UnicodeEncodeError after
        cwd = os.getcwd()    # training, as for the name itself)
    except OSError:          # a working folder removed meanwhile: the read of the file says so
        return
    bad = None if os.path.isabs(text) else _not_utf8(cwd)
    if bad is not None:
        raise UsageError(f"--{flag}: expected a path in UTF-8 (the run records it in config.json, with the working "
                         f"folder, where evaluate reads it again), got {text!r} in the working folder {bad}; "
                         "give the file from a folder whose path is UTF-8, or rename the folder") from None


def recorded_file(source: dict) -> Path:
    """The data file a run records (``{"file": PATH, "flag": "csv"}``), for ``evaluate`` without a data flag, or a
    UsageError naming the flag to give when it is not a file here any more: the run (or its project) moved, was
    copied to another machine, or the file was renamed -- the error was the reader's ``--csv: expected an existing
    file``, naming a flag the user never typed.

    >>> recorded_file({"file": "/no/such/reviews.csv", "flag": "csv"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.cli.common.UsageError: input: expected a data flag (--csv PATH): the run was trained on '/no/such/...
    """
    path = Path(source["file"])
    if not path.is_file():
        flag = str(source["flag"]).replace("_", "-")
        raise UsageError(f"input: expected a data flag (--{flag} PATH): the run was trained on {str(path)!r}, which is "
                         f"{'not a file' if path.exists() else 'not here'} now (moved, renamed, or the run copied "
                         "from another machine); given where it is now, its held-out part is scored")
    return path


def own_file_moved(recorded: dict, given: dict) -> bool:
    """For ``evaluate --run RUN --csv F`` where ``F`` holds the data ``RUN`` was trained on (its held-out items found
    in it): ``True`` -- score its held-out part, as ``evaluate`` without a data flag does -- when the file recorded
    at training cannot be read again (moved, renamed, the run copied from another machine, or read from a stream):
    the moved file was scored whole, training items too, with a warning to leave the flag out, which then failed.
    Otherwise ``False``, after that warning (the user named the file: its training items are scored too)."""
    if recorded.get("stream") or not Path(recorded.get("file") or "").is_file():
        return True
    import warnings

    flag = given["flag"].replace("_", "-")
    warnings.warn(f"--{flag}: expected data the run was not trained on, got {given['file']!r}, the data it was "
                  "trained on: its training items are scored too (leave the flag out to score the part held out at "
                  "training)", stacklevel=3)
    return False


def _not_utf8(text: str) -> str | None:
    """``None`` when ``text`` encodes as UTF-8; else how to show it (the bytes the file system holds, the byte)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        try:   # the bytes of the name as the file system holds them
            return f"{os.fsencode(text)!r} (byte 0x{os.fsencode(text[e.start])[0]:02x} is not UTF-8)"
        except UnicodeError:   # a lone surrogate that is no escaped byte (a str made in Python, not a name read)
            return f"{text!r} (a lone surrogate at character {e.start})"
    return None
