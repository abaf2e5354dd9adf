"""A file's new content staged beside it: the temporary file that every atomic write of rnnkit renames into place
(:func:`rnnkit._io.atomic_write_bytes` one file; an export's model and description renamed as a pair,
:mod:`rnnkit.export.api`). Nothing here imports another rnnkit module but :mod:`rnnkit._oserrors`."""

from __future__ import annotations

import errno
import os
import re
import stat
import uuid
from contextlib import contextmanager
from pathlib import Path

from rnnkit._oserrors import with_name

__all__ = ["stage_bytes", "remove_stale_temps", "refuses_files"]


def stage_bytes(path: Path, data: bytes) -> Path:
    """``data`` written whole (fsynced) to a new temporary file beside ``path``, with the permission bits of the file
    at ``path`` if there is one; returns the temp's path, for the caller's ``os.replace`` (:func:`atomic_write_bytes`;
    an export's model and description renamed as a pair). On failure the temp is removed and an OSError that names
    no file (a full disk's write or fsync) names ``path``."""
    # the temp name holds at most 100 bytes of the target's (a 250-byte name, legal itself, made the temp name
    # too long: ENAMETOOLONG naming a file the caller never named)
    tmp = path.with_name(f".tmp-{_short(path.name)}-{uuid.uuid4().hex[:8]}")
    with _removed_on_error(tmp, path):
        mode = stat.S_IMODE(os.stat(path).st_mode) if path.is_file() else None
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
    return tmp


#: The temporary name :func:`stage_bytes` gives: ``.tmp-<the target's name, at most 100 bytes>-<8 hex>``.
_TEMP = re.compile(r"\.tmp-(.+)-[0-9a-f]{8}")


def _short(name: str) -> str:
    """The part of ``name`` a temporary name holds: its first 100 bytes (a whole character)."""
    return name.encode("utf-8", "surrogateescape")[:100].decode("utf-8", "ignore")


def remove_stale_temps(folder: Path, names: set[str]) -> None:
    """Remove the temporary files of ``names`` (``.tmp-NAME-<8 hex>``, :func:`stage_bytes`) in ``folder``: a writer
    killed between staging and renaming left them for good, each the size of the file. Only names rnnkit's writes
    make for these names are removed (a user's ``.tmp-mine`` never); the caller holds the folder's exclusive lock, so
    no writer of them is under way. One that cannot be removed (gone meanwhile, a folder) is left."""
    stems = {_short(n) for n in names}     # a long name's temporaries hold its first 100 bytes
    for entry in os.listdir(folder):
        found = _TEMP.fullmatch(entry)
        if found and found[1] in stems:
            try:
                (folder / entry).unlink()
            except OSError:
                pass


@contextmanager
def _removed_on_error(tmp: Path, path: Path):
    """Run the block; on any exception remove ``tmp``, and raise an OSError that names no file (a full disk, a
    quota: write() errors carry none) or names ``tmp`` again naming ``path``: a folder that takes no new file
    (``rnnkit export --out /proc/x.onnx``, a read-only mount) said ``No such file or directory:
    '/proc/.tmp-x.onnx.json-d157ec24'``, a name the caller never gave."""
    try:
        yield
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if e.errno is not None and (e.filename is None or e.filename == str(tmp)) and e.filename2 is None:
            raise with_name(e, path) from None
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def refuses_files(folder: Path, name: str, what: str) -> str | None:
    """The refusal ``"WHAT: expected a folder that takes new files, got 'F' (why)"`` when ``folder`` -- or, where it does not exist yet, its nearest existing ancestor,
    where a write makes it -- takes no new file as a write there makes one: opened (a save's or an export's lock), a
    file created and removed (named as :func:`stage_bytes` names the temporaries of ``name``: one a kill left is
    removed as theirs are); ``None`` when it takes one. ``os.access`` answers for the permission bits, and root passes
    them all: ``/proc``, ``/sys``, a read-only mount, a root-squashed share, a folder that cannot be read."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    step = "opening it"
    try:
        os.close(os.open(folder, os.O_RDONLY))
        step = "creating a file there"
        try:        # an unnamed file (Linux's O_TMPFILE): a kill during the probe leaves nothing in the folder (a
            os.close(os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o600))     # named one did: session 32's CI)
            return None
        except AttributeError:     # no O_TMPFILE on this system: the named probe below
            pass
        except OSError as e:       # a file system without unnamed files (/proc: ENOTSUP): the named probe below
            if e.errno not in (errno.EOPNOTSUPP, errno.ENOTSUP, errno.EISDIR, errno.EINVAL):
                raise
        probe = folder / f".tmp-{_short(name)}-{uuid.uuid4().hex[:8]}"
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        step = "removing the file it created there"
        probe.unlink()
    except OSError as e:
        return f"{what}: expected a folder that takes new files, got {str(folder)!r} ({step}: {e.strerror or e})"
    return None
