"""The one home for file and JSON helpers: atomic writes, sha256 digests, JSON reads, JSON values, tables.

* Atomic writes: :func:`atomic_write_bytes` / :func:`atomic_write_text` / :func:`atomic_write_json`
  write a temporary file in the same folder, flush and fsync it, ``os.replace`` it into place and fsync
  the folder: a reader (or a machine that lost power) sees the old file or the new one, never half of one.
* Digests: :func:`write_digests` records the sha256 (:func:`sha256_file`) of files in ``digests.json``
  (``{"format": 1, "sha256": {name: hexdigest}}``); :func:`verify_digests` checks them before a load and
  refuses a missing or empty map (never "skip the check").
* :func:`read_json`: ``json.load`` whose failures are one-line :class:`~rnnkit.errors.CheckpointError`
  naming the file.
* JSON values: :func:`to_jsonable` (NaN/inf -> ``None``, numpy/torch scalars and arrays -> Python,
  tuples -> lists, paths -> strings) and :func:`dumps_json` (``to_jsonable`` then ``allow_nan=False``).
* :func:`format_table`: a plain-text table of rows (dicts).

Nothing here imports torch, numpy or another rnnkit module but :mod:`rnnkit.errors`, :mod:`rnnkit._paths`
(``~`` expanded) and :mod:`rnnkit._staged` (the temp an atomic write renames): every floor of the house may use it. :mod:`rnnkit.training.files` and :mod:`rnnkit.training.checkpoint` re-export the file
helpers for older imports.

>>> print(format_table([{"model": "lstm", "mae": 0.12345}, {"model": "naive", "mae": float("nan")}]))
model     mae
-----  ------
lstm   0.1235
naive       -
>>> dumps_json({"a": float("inf"), "b": (1, 2)})
'{"a": null, "b": [1, 2]}'
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Sequence

from rnnkit._paths import expand_user, user_path
from rnnkit._saved_version import format_found
from rnnkit._staged import _removed_on_error, refuses_files, stage_bytes
from rnnkit.errors import CheckpointError, ConfigError, DataError, InputTypeError

__all__ = ["atomic_write_bytes", "stage_bytes", "atomic_write_text", "json_text", "atomic_write_json", "sha256_file", "file_sha256",
           "sha256_bytes", "folder_lock", "folder_busy", "unlisted_files", "expand_user", "user_path",
           "DIGESTS_FILE", "write_digests", "verify_digests", "read_json", "to_jsonable", "dumps_json",
           "format_table", "unique_keys", "DuplicateKeyError", "not_a_file_reason", "open_regular", "is_stream", "read_until_binary",
           "check_folder_path",
           "excel_sep_line"]


# ---------------------------------------------------------------------------------------- atomic files
def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder + fsync + ``os.replace``). A file
    replaced keeps its permission bits (the temp file's came from the umask: a private 0600 file became 0644)."""
    path = user_path(path, file=True)   # '~/x' expanded, bytes and 'x.json/' refused (rnnkit._paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = stage_bytes(path, data)
    with _removed_on_error(tmp, path):
        os.replace(tmp, path)
    _fsync_dir(path.parent)
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented JSON atomically (:func:`json_text`)."""
    return atomic_write_text(path, json_text(obj))


def json_text(obj: Any) -> str:
    """``obj`` as the indented JSON rnnkit's files hold, ending in a newline (non-finite floats are refused: pass it
    through :func:`to_jsonable` first to write them as ``null``)."""
    return json.dumps(obj, indent=1, allow_nan=False) + "\n"


# ---------------------------------------------------------------------------------------- digests
DIGESTS_FILE = "digests.json"
_DIGESTS_FORMAT = 1
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def sha256_file(path: str | os.PathLike) -> str:
    """The sha256 hex digest of a file, read in 1 MiB blocks. A pipe, a device or a socket is a CheckpointError
    naming it (:func:`open_regular`): a run's file replaced by a FIFO hung every load, a link to /dev/zero read on
    forever."""
    h = hashlib.sha256()
    with open_regular(path) as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


file_sha256 = sha256_file  # the name rnnkit.training.files used


def sha256_bytes(data: bytes) -> str:
    """The sha256 hex digest of ``data`` (what :func:`sha256_file` gives once it is written)."""
    return hashlib.sha256(data).hexdigest()


@contextmanager
def folder_lock(folder: str | os.PathLike, shared: bool = False, wait_s: float | None = None):
    """Hold a lock on ``folder`` (``flock`` on the folder itself: no lock file) while the block runs:
    exclusive for a save (another save waits: two saves never interleave their files), ``shared`` for a
    load (loads run together, a save waits for them and they for it: a load never reads files of two
    saves). ``wait_s``: wait at most that long, then a ``TimeoutError`` (default: as long as it takes).
    Where ``flock`` does not exist (Windows), no lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        if not shared:
            raise
        yield  # a folder that cannot be opened (execute-only): its files are still read, unlocked
        return
    try:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        deadline = None if wait_s is None else time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, mode if deadline is None else mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{folder}: locked for {wait_s:g} s") from None
                time.sleep(0.05)
            except OSError:  # a file system without locks (some NFS: ENOLCK): unlocked, as before locks existed
                break
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def folder_busy(folder: str | os.PathLike) -> bool:
    """Whether a writer holds ``folder``'s exclusive lock now (:func:`folder_lock`: a save; a fit's ``run_dir``),
    asked without waiting (a shared lock tried once); ``False`` where that cannot be told."""
    try:
        with folder_lock(folder, shared=True, wait_s=0):
            return False
    except TimeoutError:
        return True


def _digest_name(name: Any) -> str:
    """A file name relative to the folder, in POSIX form; absolute paths and ``..`` are refused."""
    if not isinstance(name, (str, os.PathLike)):
        raise CheckpointError(f"names: expected file names relative to the folder, got {type(name).__name__}")
    rel = Path(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise CheckpointError(f"names: expected a file name relative to the folder, got {str(name)!r}")
    return rel.as_posix()


def write_digests(folder: str | os.PathLike, names: Any, *, merge: bool = False,
                  expected: dict[str, str] | None = None) -> Path:
    """Record the sha256 of each named file (paths relative to ``folder``) in ``folder/digests.json``.

    The file is ``{"format": 1, "sha256": {name: hexdigest}}``, written atomically; call it after the
    files themselves are written. Returns its path. :func:`verify_digests` checks it at load time.
    ``merge=True`` keeps the other entries of an existing (readable) map; by default the map lists
    exactly ``names``. ``expected``: name -> sha256 of the bytes the caller wrote (:func:`sha256_bytes`);
    a file on disk that differs (another process wrote into the same folder meanwhile) is a
    CheckpointError and no map is written, so a mixture of two saves is never certified.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "w.bin").write_bytes(b"abc")
    >>> write_digests(d, ["w.bin"]).name
    'digests.json'
    >>> verify_digests(d, ["w.bin"])["w.bin"][:12]
    'ba7816bf8f01'
    """
    folder = Path(folder)
    if isinstance(names, (str, os.PathLike)):
        raise CheckpointError(f"names: expected a list of file names, got a single {type(names).__name__}")
    rels = [_digest_name(n) for n in names]
    if not rels:
        raise CheckpointError("names: expected at least one file to record a digest of, got none")
    digests: dict[str, str] = {}
    for rel in rels:
        try:
            digests[rel] = sha256_file(folder / rel)
        except (FileNotFoundError, IsADirectoryError):
            raise CheckpointError(f"{folder / rel}: expected a file to record the digest of, got nothing") from None
    for rel, want in (expected or {}).items():
        got = digests.get(_digest_name(rel))
        if got != want:
            raise CheckpointError(f"{folder / rel}: expected the file this save wrote (sha256 {want[:12]}…), got "
                                  f"{'sha256 ' + got[:12] + '…' if got else 'a file not in names'} (another process "
                                  "wrote into the same folder meanwhile: no digests written)")
    if merge:
        digests = {**_existing_digests(folder / DIGESTS_FILE), **digests}
    return atomic_write_json(folder / DIGESTS_FILE, {"format": _DIGESTS_FORMAT, "sha256": digests})


def _existing_digests(path: Path) -> dict[str, str]:
    """The map of a readable ``digests.json`` (``{}`` when it is missing or malformed: it is rewritten)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    ok = isinstance(data, dict) and data.get("format") == _DIGESTS_FORMAT and isinstance(data.get("sha256"), dict)
    return {k: v for k, v in data["sha256"].items() if isinstance(v, str)} if ok else {}


def unlisted_files(folder: str | os.PathLike, names: Sequence[str]) -> list[str]:
    """Those of ``names`` that exist in ``folder`` but no readable ``digests.json`` there lists (with
    ``digests.json`` itself when it exists but is not a readable map of ours): files rnnkit did not write,
    which a save of those names would overwrite or delete."""
    folder = Path(folder)
    listed = _existing_digests(folder / DIGESTS_FILE)
    out = [n for n in names if n not in listed and n != DIGESTS_FILE and (folder / n).exists()]
    if (folder / DIGESTS_FILE).exists() and not listed:
        out.append(DIGESTS_FILE)
    return out


def verify_digests(folder: str | os.PathLike, names: Any = None) -> dict[str, str]:
    """Check every file listed in ``folder/digests.json`` against its recorded sha256; return the map.

    Raises :class:`~rnnkit.errors.CheckpointError` naming the file when a listed file is missing or
    differs, when ``digests.json`` is missing, unreadable, of the wrong schema or lists nothing (a missing
    digest map is an error, never "skip the check"), and when a name in ``names`` (the files the caller
    is about to load) is not listed.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "w.bin").write_bytes(b"abc")
    >>> _ = write_digests(d, ["w.bin"])
    >>> _ = (d / "w.bin").write_bytes(b"abd")
    >>> verify_digests(d)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.errors.CheckpointError: .../w.bin: expected sha256 ba7816bf8f01… (recorded in digests.json), got ...
    """
    folder = Path(folder)
    if isinstance(names, (str, os.PathLike)):  # a str was read as a list of one-letter names
        raise CheckpointError(f"names: expected a list of file names, got a single {type(names).__name__}")
    path = folder / DIGESTS_FILE
    data = read_json(path, "a digest map {\"format\": 1, \"sha256\": {file: hexdigest}}")
    if (not isinstance(data, dict) or data.get("format") != _DIGESTS_FORMAT
            or not isinstance(data.get("sha256"), dict)):
        got = format_found(data, _DIGESTS_FORMAT) or (sorted(data) if isinstance(data, dict) else type(data).__name__)
        raise CheckpointError(f"{path}: expected {{\"format\": {_DIGESTS_FORMAT}, \"sha256\": {{file: hexdigest}}}}, got {got}")
    digests = data["sha256"]
    if not digests:
        raise CheckpointError(f"{path}: expected the sha256 of the run's files, got an empty map")
    for rel, want in digests.items():
        if not isinstance(want, str) or not _HEX64.match(want):
            raise CheckpointError(f"{path}: {rel!r}: expected a 64-digit hex sha256, got {want!r}")
        _digest_name(rel)
    for name in [] if names is None else names:
        rel = _digest_name(name)
        if rel not in digests:
            raise CheckpointError(f"{folder / rel}: expected its sha256 in {DIGESTS_FILE}, got no entry "
                                  f"(listed: {sorted(digests)})")
    for rel, want in digests.items():
        try:
            got = sha256_file(folder / rel)
        except (FileNotFoundError, IsADirectoryError):   # a link whose target did not move with the run: say so
            link = folder / rel
            got = f"a symbolic link to {os.readlink(link)!r}, which does not exist" if link.is_symlink() else \
                "nothing (missing)"
            raise CheckpointError(f"{folder / rel}: expected a file (listed in {DIGESTS_FILE}), got {got}") from None
        except OSError as e:   # no permission (a run copied from another user), a link loop: as read_json says
            raise CheckpointError(f"{folder / rel}: expected a file (listed in {DIGESTS_FILE}), got a file that cannot "
                                  f"be read ({e.strerror or e})") from None
        if got != want:
            raise CheckpointError(f"{folder / rel}: expected sha256 {want[:12]}… (recorded in {DIGESTS_FILE}), "
                                  f"got {got[:12]}…; the file is corrupt or was modified")
    return dict(digests)


def open_regular(path: str | os.PathLike, what: str = "a file"):
    """``path`` opened for reading (binary) when it is a regular file, checked on the opened descriptor (what is
    read is what was checked: no rename in between); a pipe, a device, a socket or a folder is a CheckpointError
    naming the file and ``what`` (a FIFO was waited on forever at ``open``, ``/dev/zero`` read until memory ran
    out). ``FileNotFoundError`` / ``NotADirectoryError`` pass (callers name a missing file their way)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))   # a FIFO without a writer opens at once
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a folder" if stat.S_ISDIR(mode) else "a pipe" if stat.S_ISFIFO(mode)
                    else "a device or socket")
            raise CheckpointError(f"{path}: expected {what}, got {kind} (not a regular file)")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def not_a_file_reason(path: str | os.PathLike) -> str:
    """Why ``path`` is not a regular file, for an error message: ``"a folder"``, ``"a pipe, read once: this
    reader needs a file"`` (a FIFO, ``<(cmd)``), ``"a device or socket"``, ``"a broken symbolic link"`` or
    ``"not found"``."""
    p = Path(path)
    try:
        mode = p.stat().st_mode
    except OSError:
        return "a broken symbolic link" if p.is_symlink() else "not found"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe, read once: this reader needs a file"
    return "a device or socket, not a file" if not stat.S_ISREG(mode) else "a file"


def read_until_binary(f: Any, chunk: int = 1 << 20) -> bytes:
    """The bytes of the open binary file ``f``: all of a regular file; of a stream (a pipe, stdin, a device), all
    of it -- or, once it has shown a NUL byte, the first ``chunk`` bytes or more, cut after their last newline: text
    holds no NUL, and a binary source may never end (``--csv /dev/zero`` or ``/dev/urandom`` was read until the
    kernel killed the process for memory). The text readers refuse the NUL byte (or an invalid one), naming its line.

    >>> import io
    >>> read_until_binary(io.BytesIO(b"t,y\\n1,2\\n")), read_until_binary(io.BytesIO(b"a\\nb\\0c" * 4), chunk=8)
    (b't,y\\n1,2\\n', b'a\\nb\\x00ca\\n')
    """
    try:
        regular = stat.S_ISREG(os.fstat(f.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):    # io.BytesIO and the like: no descriptor, read as a stream
        regular = False
    if regular:
        return f.read()
    parts: list[bytes] = []
    size, binary = 0, False
    while block := f.read(chunk):
        parts.append(block)
        size += len(block)
        binary = binary or b"\0" in block
        if binary and size >= chunk:
            data = b"".join(parts)
            end = max(data.rfind(b"\n"), data.find(b"\0"))   # never before the NUL: the cut text was read as whole
            return data[: end + 1]    # after a newline or the NUL: no UTF-8 sequence cut at the end
    return b"".join(parts)


def is_stream(path: str | os.PathLike) -> bool:
    """Whether ``path`` is ``"-"`` (stdin) or names a pipe or character device (``<(cmd)``, ``/dev/stdin``): a
    source that can be read once, never a second time (nor named again by a later command). A descriptor's
    name (``/dev/stdin``, ``/dev/fd/N``, ``/proc/self/fd/N``) is one whatever it points at: ``--csv /dev/stdin
    < data.csv`` names another process's stdin later."""
    text = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
    if text in ("-", "/dev/stdin") or text.startswith(("/dev/fd/", "/proc/self/fd/")):
        return True
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def check_folder_path(path: str | os.PathLike, name: str = "path") -> Path:
    """Refuse an output folder that cannot be written, before any work (a ConfigError naming ``name``):
    ``path`` may not exist yet, but it must not be an existing file, its nearest existing ancestor must be
    a folder and that folder take new files (:func:`rnnkit._staged.refuses_files`: root passes ``os.access`` in
    ``/proc`` or a read-only mount). Returns ``Path(path)``, a leading ``~`` expanded (:mod:`rnnkit._paths`)."""
    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes) or str(path) == "":
        raise InputTypeError(f"{name}: expected a folder path (str or os.PathLike), got {path!r}")
    path = expand_user(path, name)
    p = Path(path)
    try:
        if p.exists() and not p.is_dir():
            raise ConfigError(f"{name}: expected a folder, got {str(p)!r} (an existing file)")
        q = p
        while not q.exists() and q != q.parent:
            if q.is_symlink():  # exists() is False for a link to nothing or a loop: mkdir would fail after the work
                raise ConfigError(f"{name}: expected a folder path, got {str(p)!r} ({str(q)!r} is a symbolic link to "
                                  f"{os.readlink(q)!r}, which does not exist or loops)")
            q = q.parent
        if not q.is_dir():
            raise ConfigError(f"{name}: expected a folder path, got {str(p)!r} ({str(q)!r} is a file, not a folder)")
        if not os.access(q, os.W_OK | os.X_OK):
            raise ConfigError(f"{name}: expected a writable folder, got {str(p)!r} ({str(q)!r} is not writable)")
        if (refused := refuses_files(q, "probe", name)) is not None:   # the fit ran, then the save failed untyped
            raise ConfigError(refused)
    except OSError as e:  # e.g. a parent folder that cannot be read
        raise ConfigError(f"{name}: expected a usable folder path, got {str(p)!r} ({e.strerror or e})") from None
    return p


class DuplicateKeyError(ValueError):
    """A JSON object with a key given twice (``json.loads`` keeps the last value silently)."""

    def __init__(self, key: str) -> None:
        self.key = key[:60]
        super().__init__(f"key {self.key!r} given twice in one object")


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for ``json.loads``: the object as a dict, a key given twice a
    :class:`DuplicateKeyError` (run files here, request bodies in :mod:`rnnkit.serve.app`)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(key)
        out[key] = value
    return out


def read_json(path: str | os.PathLike, what: str | None = None) -> Any:
    """``json.load`` of ``path``; a missing file, bad JSON (a key twice in an object too) or non-UTF-8 bytes
    raise a one-line :class:`~rnnkit.errors.CheckpointError` naming the file (``what`` says what was expected).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "c.json"
    >>> _ = p.write_text('{"a": 1')
    >>> read_json(p, "a run config")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.errors.CheckpointError: .../c.json: expected a run config, got invalid JSON (Expecting ',' delimiter: line 1 column 8 (char 7))
    """
    path = user_path(path, file=True)   # '~/x' expanded, bytes and 'x.json/' refused (rnnkit._paths)
    what = what or "a JSON file"
    try:
        with open_regular(path, what) as f:   # a FIFO hung, /dev/zero read until memory ran out
            raw = f.read()
    except (FileNotFoundError, NotADirectoryError):
        raise CheckpointError(f"{path}: expected {what}, got nothing (missing)") from None
    except OSError as e:   # a symlink loop, no permission: Python's bare OSError
        raise CheckpointError(f"{path}: expected {what}, got a file that cannot be read ({e.strerror or e})") from None
    if not raw.strip():   # 'Expecting value: line 1 column 1 (char 0)' named no cause
        raise CheckpointError(f"{path}: expected {what}, got an empty file{'' if not raw else ' (white space alone)'}")
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=unique_keys)
    except UnicodeDecodeError as e:
        raise CheckpointError(f"{path}: expected {what} in UTF-8, got undecodable bytes at offset {e.start}") from None
    except ValueError as e:
        raise CheckpointError(f"{path}: expected {what}, got invalid JSON ({e})") from None
    except RecursionError:   # '[' * 100000: a bare RecursionError out of every reader of a run folder
        raise CheckpointError(f"{path}: expected {what}, got JSON nested too deep to read (more than Python's "
                              f"{sys.getrecursionlimit()} levels)") from None


# ---------------------------------------------------------------------------------------- JSON values
def to_jsonable(obj: Any) -> Any:
    """``obj`` with plain JSON types only: NaN and infinities become ``None`` (JSON has no such numbers),
    numpy/torch scalars and arrays Python numbers and lists (``.tolist()``), tuples lists, paths strings,
    dict keys strings.

    >>> import math
    >>> to_jsonable({"loss": math.nan, 1: (2.5, math.inf)})
    {'loss': None, '1': [2.5, None]}
    """
    if isinstance(obj, dict):
        out = {str(k): to_jsonable(v) for k, v in obj.items()}
        if len(out) < len(obj):          # {1: a, "1": b} kept one of the two values silently
            seen: dict[str, Any] = {}
            for k in obj:
                if str(k) in seen:
                    raise DataError(f"keys: expected keys that stay distinct as JSON strings, got {seen[str(k)]!r} "
                                    f"and {k!r}")
                seen[str(k)] = k
        return out
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):  # numpy / torch scalars and arrays
        return to_jsonable(obj.tolist())
    return obj


def dumps_json(obj: Any, **kw: Any) -> str:
    """``json.dumps(to_jsonable(obj), allow_nan=False, **kw)``: valid JSON whatever floats ``obj`` holds."""
    return json.dumps(to_jsonable(obj), allow_nan=False, **kw)


# ---------------------------------------------------------------------------------------- CSV
def excel_sep_line(text: str, what: str, path: str | os.PathLike | None = None) -> str:
    """``text`` of a CSV file with Excel's first line ``sep=,`` (written to name the separator) read as a blank
    line: the lines after it keep their numbers in messages, and the header is the line below it (the line was
    read as the header ``['sep=', '']``: 'no column text', 'no time column'). ``sep=;`` or another separator is
    a DataError naming ``what`` (and ``path``). One rule for every CSV reader (``data.text.csv_records``, the
    forecaster's ``read_series_csv``); text without the line is returned as it is.

    >>> excel_sep_line("sep=,\\na,b\\n1,2\\n", "csv")
    '\\na,b\\n1,2\\n'
    >>> excel_sep_line("sep=;\\na;b\\n", "csv")
    Traceback (most recent call last):
    rnnkit.errors.DataError: csv: expected a comma-separated file, got a file whose first line 'sep=;' declares ';'; convert it (e.g. pandas read_csv(sep=';', skiprows=1, decimal=...) then to_csv)
    """
    header = text.split("\n", 1)[0]
    excel = re.fullmatch(r"\ufeff?sep=(.)\r?", header)
    if excel is None:
        return text
    if excel[1] != ",":
        got = f"{str(path)!r} whose first line" if path is not None else "a file whose first line"
        raise DataError(f"{what}: expected a comma-separated file, got {got} {header.strip().lstrip(chr(0xfeff))!r} "
                        f"declares {excel[1]!r}; convert it (e.g. pandas read_csv(sep={excel[1]!r}, skiprows=1, "
                        "decimal=...) then to_csv)")
    return text[len(header):]


# ---------------------------------------------------------------------------------------- tables
def _cell(v: Any, floatfmt: str) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if isinstance(v, float):
        return format(v, floatfmt)
    return str(v)


def format_table(rows: Sequence[dict], columns: Iterable[str] | None = None, floatfmt: str = ".4g") -> str:
    """A plain-text table: a header, a rule, one line per row; floats formatted with ``floatfmt``, missing
    values, ``None`` and NaN shown as ``-``; numbers right-aligned, text left-aligned.

    ``columns``: the columns in order (default: every key of the rows, in first-seen order).
    """
    if columns is None:
        cols: list[str] = []
        for r in rows:
            cols += [k for k in r if k not in cols]
    else:
        cols = list(columns)
    cells = [[_cell(r.get(c), floatfmt) for c in cols] for r in rows]
    numeric = [all(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool) or r.get(c) is None
                   for r in rows) for c in cols]
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(cols)]

    def line(parts: Sequence[str]) -> str:
        return "  ".join(p.rjust(w) if num else p.ljust(w) for p, w, num in zip(parts, widths, numeric)).rstrip()

    return "\n".join([line(cols), line(["-" * w for w in widths]), *map(line, cells)])
