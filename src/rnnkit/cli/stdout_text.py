"""Standard output whose encoding cannot write every character: escaped and said once, not a lost command.

Python writes stdout in the locale's encoding, which is UTF-8 almost everywhere (and under ``LC_ALL=C`` /
``POSIX`` too: Python's UTF-8 mode). Where it is not -- ``PYTHONIOENCODING=ascii`` or ``latin-1``, a Latin-1 or
ASCII locale with ``PYTHONUTF8=0`` (cron jobs, old servers, containers without a UTF-8 locale) -- printing a
label 'café' or a Chinese text raised ``UnicodeEncodeError``: 'classify predict' or 'generate sample' failed with
exit 1 after its work, its output lost. Now a character the encoding cannot write is printed as Python's
``\\xe9`` / ``\\u4e2d`` escape (as Python's own stderr does), with one stderr warning naming the encoding and
how to get the text itself; everything else is unchanged (``surrogateescape``'s bytes of a non-UTF-8 file
name are still written as those bytes). Files written under ``--out`` are UTF-8 whatever the locale.

A process started with stderr closed (``2>&-``) has ``sys.stderr`` None, and ``print(..., file=None)`` writes to
*stdout*: progress lines and the error line were mixed into ``--json``'s one object. Such a stderr is pointed at
``os.devnull`` (the text dropped, as the caller asked; the exit code still tells).
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Callable

HANDLER = "rnnkit-stdout"
#: encodings that write every character (nothing to escape: stdout is left alone)
_WHOLE = {"utf-8", "utf-16", "utf-32", "gb18030", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"}
_state = {"command": "", "told": False, "before": "strict"}


def _escape(error: UnicodeError):
    if not isinstance(error, UnicodeEncodeError):
        raise error
    try:   # the stream's own handler first: surrogateescape still writes a file name's raw bytes
        return codecs.lookup_error(_state["before"])(error)
    except UnicodeEncodeError:
        pass
    if not _state["told"]:
        _state["told"] = True
        prefix = f"rnnkit {_state['command']}" if _state["command"] else "rnnkit"
        print(f"{prefix}: warning: stdout: expected an encoding that writes every character (UTF-8), got "
              f"{error.encoding!r}: characters it cannot write are printed as backslash escapes (e.g. \\u4e2d); "
              "for the text itself run with PYTHONIOENCODING=utf-8 or a UTF-8 locale (LC_ALL=C.UTF-8)",
              file=sys.stderr, flush=True)
    return codecs.backslashreplace_errors(error)


codecs.register_error(HANDLER, _escape)


def standard_streams(command: str) -> Callable[[], None]:
    """A closed stderr to ``os.devnull`` (not to stdout); a closed stdin (``<&-``) reads as ``os.devnull`` (an empty
    input, refused naming the argument: ``--csv -`` failed a bare AttributeError); then
    :func:`escape_unencodable_stdout`. Returns the function that puts ``sys.stdin``, ``sys.stderr`` and stdout's
    error handler back as they were: ``rnnkit.cli.main.main()`` called from a host program (a notebook, another
    CLI, a test) left the host's ``sys.stdout`` escaping for good (session 25). The descriptors 0-2 held on
    ``os.devnull`` (:func:`hold_closed_descriptors`) stay held: a closed standard descriptor is a hazard to the
    host as much as to rnnkit."""
    hold_closed_descriptors()
    opened = {}
    if sys.stderr is None:
        sys.stderr = opened["stderr"] = open(os.devnull, "w", encoding="utf-8")   # noqa: SIM115 - until restore()
    if sys.stdin is None:
        sys.stdin = opened["stdin"] = open(os.devnull, encoding="utf-8")   # noqa: SIM115 - until restore()
    out = sys.stdout
    before = escape_unencodable_stdout(command)

    def restore() -> None:
        for name, file in opened.items():
            if getattr(sys, name) is file:   # not replaced by the host since
                setattr(sys, name, None)
            file.close()
        if before is not None and sys.stdout is out and getattr(out, "errors", None) == HANDLER:
            try:
                out.reconfigure(errors=before)
            except (ValueError, OSError):   # closed (or its pipe broken) since: nothing to write through it
                pass

    return restore


def hold_closed_descriptors() -> None:
    """Descriptors 0, 1 and 2 the process was started without (``<&-``, ``>&-``, ``2>&-``) opened on
    ``os.devnull``, each at its own number: a closed one is the lowest free number, so the next file opened took it
    -- a run folder's lock, a CSV being written, a forked worker's inherited descriptor -- and a write to 'stdout'
    from a library or a child process would have gone into that file. ``sys.stdout`` stays None (nothing printed)."""
    for fd, flags in ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, flags)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


def escape_unencodable_stdout(command: str) -> str | None:
    """Make ``sys.stdout`` escape what its encoding cannot write (see the module's docstring); nothing when
    it writes every character, is not a text stream that can be reconfigured (captured by a test, a notebook's
    own stream) or already uses a handler other than ``strict`` / ``surrogateescape``. Returns the error handler
    it replaced (``None``: stdout left as it was)."""
    _state["command"] = command
    out = sys.stdout
    errors = getattr(out, "errors", None)
    if errors == HANDLER or errors not in ("strict", "surrogateescape") or not hasattr(out, "reconfigure"):
        return None
    try:
        if codecs.lookup(out.encoding).name in _WHOLE:
            return None
        out.reconfigure(errors=HANDLER)
    except (LookupError, TypeError, ValueError, AttributeError, OSError):   # an odd stream: left as it is
        return None
    _state["before"], _state["told"] = errors, False
    return errors
