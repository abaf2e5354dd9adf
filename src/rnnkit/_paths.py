"""The one rule for a path a user gives the library: a leading ``~`` or ``~user`` is that user's home.

pandas' ``read_csv`` / ``to_csv`` expand ``~`` (``os.path.expanduser``), and so does every shell for an unquoted
word; rnnkit did not, so ``Forecaster.save("~/runs/x")`` (or ``out = "~/runs/x"`` in a ``--config`` file, or a
quoted ``--out "~/runs/x"``) wrote a folder named ``~`` in the working folder, silently, and a load of the same
text said the run was missing. Every path that enters the library -- saves and loads of every run, a Trainer's
``run_dir``, checkpoints, exports and ``load_runner``, plots, ``MetricLogger(path=)``, experiments' ``out``, the
data files read (CSV, ``.ts``, text), the CLI's path flags and ``--config`` values -- passes through
:func:`expand_user` (or :func:`user_path`) where it enters.

A ``~name`` that names no user (``~nosuchuser/x``) stays as typed in pandas; here it is refused
(:class:`~rnnkit.errors.ConfigError` naming the argument) unless ``~nosuchuser`` exists in the working folder: a
save would otherwise create a folder literally named ``~nosuchuser`` (a typo of a user name writes beside the
caller, never where it was meant), and a load would say "not found" of a path the user reads as a home. A folder
so named is reached as ``./~nosuchuser/x``; such a path (a first part that is a literal ``~name``) comes back
absolute, so that no later ``Path(...)`` -- which drops the ``./`` -- reads it as a home again. Only a leading
``~`` counts (``runs/~x`` is a plain name), as in the shell. ``HOME`` set empty (or relative) is refused for ``~``
(Python, pandas and the shell read ``HOME=""`` as the root folder: ``~/runs/x`` was written to ``/runs/x``);
with HOME unset, ``~`` is the password entry's home, as in Python. Nothing here imports torch or another rnnkit module but :mod:`rnnkit.errors`.

>>> import os
>>> expand_user("~/runs/x") == os.path.join(os.path.expanduser("~"), "runs/x")
True
>>> expand_user("runs/~x"), expand_user(5)
('runs/~x', 5)
>>> user_path(b"runs/x", "path")
Traceback (most recent call last):
rnnkit.errors.InputTypeError: path: expected a path as str or os.PathLike, got bytes b'runs/x' (decode it: os.fsdecode(path))
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path, PurePath
from typing import Any

from rnnkit.errors import ConfigError, InputTypeError

__all__ = ["expand_user", "user_path"]


def expand_user(path: Any, name: str = "path", strict: bool = False, what: str = "a path", file: bool = False) -> Any:
    """``path`` with a leading ``~`` / ``~user`` expanded (``os.path.expanduser``): a str stays a str, a
    ``PurePath`` becomes a :class:`~pathlib.Path`; anything else (``None``, bytes, a number) is returned as it is,
    for the caller's own type check -- or, with ``strict``, is an InputTypeError naming ``name`` (bytes with the way
    to decode them: ``Path(b'x')`` was Python's bare TypeError). A ``~user`` naming no user is a ConfigError naming
    ``name`` unless an entry so named exists in the working folder (see the module docstring). ``file``: the path
    names a file to read or write, so one ending in ``/`` (or ``/.``, ``/..``) is a ConfigError naming ``name``:
    ``Path('data.csv/')`` drops the slash, and the file was read (or written) where ``open`` and pandas refuse it.
    """
    if strict:
        _check_type(path, name, what)
    if not isinstance(path, (str, os.PathLike)):
        return path
    text = os.fspath(path)
    if file and isinstance(text, str) and (text.endswith(os.sep) or os.path.basename(text) in (".", "..")):
        end = f"a trailing {os.sep!r}" if text.endswith(os.sep) else repr(os.path.basename(text))
        raise ConfigError(f"{name}: expected a file path, got {text!r} ({end} names a folder)")
    if isinstance(text, str):
        _check_length(text, name)
    if not isinstance(text, str) or "~" not in text:
        return path
    if text.startswith("~"):
        _check_home(text, name)
        expanded = os.path.expanduser(text)
        if expanded != text:
            if os.path.lexists(text):   # './~/runs/x': where rnnkit before session 24 wrote '~/runs/x'
                warnings.warn(f"{name}: {text!r} is read as {expanded!r} (the home folder), but './{text}' exists "
                              f"too (a folder named {text.split(os.sep)[0]!r} here: rnnkit before session 24 wrote "
                              f"'~' paths there); move it, or give './{text}' to use it", UserWarning, stacklevel=3)
            return Path(expanded) if isinstance(path, PurePath) else expanded
        head = text.split(os.sep, 1)[0]
        if not os.path.lexists(head):
            user = head[1:]
            who = f"no user {user!r}" if user else "no home folder (HOME unset, no password entry)"
            raise ConfigError(f"{name}: expected a path, got {text!r} ({who} to expand {head!r} to, and no "
                              f"{head!r} in the working folder; write './{text}' for a folder named so)")
    elif not Path(text).parts or not Path(text).parts[0].startswith("~"):
        return path
    # a literal '~name' first part ('./~x/y', or '~x' existing here): made absolute, so that no later
    # Path(...) -- which drops './' -- turns it into a '~x' read as a home again
    absolute = os.path.join(os.getcwd(), text)
    return Path(absolute) if isinstance(path, PurePath) else absolute


def _check_home(text: str, name: str) -> None:
    """A ``~`` (not ``~user``) with ``HOME`` set empty or relative is a ConfigError naming ``name``: Python's
    ``expanduser`` (and so pandas, and a shell) reads ``HOME=""`` as the root folder (``'~/runs/x'`` -> ``'/runs/x'``)
    and a relative HOME as a folder under the working one -- neither a home. HOME unset: the password entry's."""
    home = os.environ.get("HOME")
    if home is None or text.split(os.sep, 1)[0] != "~" or os.path.isabs(home):
        return
    raise ConfigError(f"{name}: expected a path, got {text!r} (HOME is {home!r}, not an absolute folder: '~' would "
                      f"be {os.path.expanduser('~')!r}; set HOME to your home folder, or give the path without '~')")


def _check_length(text: str, name: str) -> None:
    """A ConfigError naming ``name`` for a path Linux cannot open by its length: a part over NAME_MAX bytes
    (255 on its file systems) or the whole over PATH_MAX (4096). ``Path.is_file()`` swallows ENOENT but not
    ENAMETOOLONG, so such a path was an untyped OSError echoing thousands of characters (``--csv "$(printf ...)"``)."""
    if not sys.platform.startswith("linux"):   # macOS / Windows limit names in characters or UTF-16 units, by volume:
        return                                  # left to the system's own error there
    try:
        name_max, path_max = os.pathconf("/", "PC_NAME_MAX"), os.pathconf("/", "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):          # no answer: Linux's usual limits
        name_max, path_max = 255, 4096
    size = _bytes(text)
    part = max(text.split(os.sep), key=_bytes)
    if size < path_max and _bytes(part) <= name_max:
        return
    shown = repr(text[:40]) + ("…" if len(text) > 40 else "")
    if size >= path_max:
        what = f"a path of {size:,} bytes (the system opens at most {path_max - 1:,})"
    else:
        what = f"a name of {_bytes(part):,} bytes (the system allows {name_max} a name)"
    raise ConfigError(f"{name}: expected a path the system can open, got {what}: {shown}")


def _bytes(text: str) -> int:
    """The length of ``text`` as the system is given it (os.fsencode), or in UTF-8 where the file-system encoding
    cannot hold it (an ASCII locale without Python's UTF-8 mode: 'runs/café' is refused later, where it is opened)."""
    try:
        return len(os.fsencode(text))
    except UnicodeError:
        return len(text.encode("utf-8", "surrogatepass"))


def user_path(path: Any, name: str = "path", what: str = "a path", file: bool = False) -> Path:
    """``Path(expand_user(path, name, strict=True, file=file))``: a str or ``os.PathLike``, ``~`` expanded, as a
    Path."""
    return Path(expand_user(path, name, strict=True, what=what, file=file))


def _check_type(path: Any, name: str, what: str) -> None:
    """An InputTypeError naming ``name`` unless ``path`` is a str or an ``os.PathLike`` giving a str."""
    if isinstance(path, bytes):
        shown = repr(path[:60]) + ("…" if len(path) > 60 else "")
        raise InputTypeError(f"{name}: expected {what} as str or os.PathLike, got bytes {shown} (decode it: "
                             "os.fsdecode(path))")
    if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
        raise InputTypeError(f"{name}: expected {what} as str or os.PathLike, got {type(path).__name__}")
