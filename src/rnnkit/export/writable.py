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

from pathlib import Path

from rnnkit._io import check_folder_path

__all__ = ["check_takes_files"]


def check_takes_files(path: Path, name: str = "path (its folder)") -> None:
    """A ConfigError naming ``name`` unless the folder of ``path`` (or, where it does not exist yet, its nearest
    existing ancestor, where the export makes it) takes the export's files: :func:`~rnnkit._io.check_folder_path`'s
    rule, which since session 32 also asks the folder itself (:func:`rnnkit._staged.refuses_files`: opened, a file
    created and removed), as every output folder is asked."""
    check_folder_path(path.parent, name)
