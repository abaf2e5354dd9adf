"""Whether an export's folder takes its files, asked before any work (tracing and the parity check take seconds).

``os.access`` answers for the permission bits only, and root passes every one: ``rnnkit export --out /proc/m.onnx``
traced, checked, and then failed as ``FileNotFoundError: [Errno 2] No such file or directory: '/proc/m.onnx.json'``
(a file the export was to create, "not found"), ``--out /sys/m.onnx`` as a bare ``PermissionError``, and so would a
read-only mount, a root-squashed NFS share or a folder a user may write but not read (the export locks the folder by
opening it). The folder is asked the two things the write does -- open the folder (its lock), create a file in it --
and a refusal is a ConfigError naming the argument and the folder, before the model is traced.

>>> import tempfile
>>> from pathlib import Path
>>> check_takes_files(Path(tempfile.mkdtemp()) / "m.onnx")   # a folder that takes files: nothing said, nothing left
>>> check_takes_files(Path("/proc/m.onnx"))  # doctest: +ELLIPSIS
Traceback (most recent call last):
rnnkit.errors.ConfigError: path (its folder): expected a folder that takes new files, got '/proc' (creating a file there: No such file or directory)
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from rnnkit._io import check_folder_path
from rnnkit._staged import _short
from rnnkit.errors import ConfigError

__all__ = ["check_takes_files"]


def check_takes_files(path: Path, name: str = "path (its folder)") -> None:
    """A ConfigError naming ``name`` unless the folder of ``path`` (or, where it does not exist yet, its nearest
    existing ancestor, where the export makes it) can be written as :func:`rnnkit.export.api._write_pair` writes it:
    :func:`~rnnkit._io.check_folder_path`'s checks, then the folder opened (the lock) and a file created and removed
    there (named as the export's own temporaries, ``.tmp-NAME-<8 hex>``: one a kill left is removed by the next
    export of ``NAME``)."""
    folder = check_folder_path(path.parent, name)
    while not folder.exists() and folder != folder.parent:   # made by the write: its nearest existing ancestor asked
        folder = folder.parent
    step = "opening it"
    try:
        os.close(os.open(folder, os.O_RDONLY))
        step = "creating a file there"
        probe = folder / f".tmp-{_short(path.name)}-{uuid.uuid4().hex[:8]}"
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        step = "removing the file it created there"
        probe.unlink()
    except OSError as e:
        raise ConfigError(f"{name}: expected a folder that takes new files, got {str(folder)!r} ({step}: "
                          f"{e.strerror or e})") from None
