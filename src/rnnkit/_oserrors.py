"""OSErrors that name the file: ``write()``, ``fsync()`` and ``close()`` failures (a full disk's ENOSPC, a quota's
EDQUOT, an I/O error) carry no file name, so ``OSError: [Errno 28] No space left on device`` reached the user
naming nothing. :func:`naming` adds the path a block writes.

>>> import errno
>>> with naming("/runs/x/model.safetensors"):
...     raise OSError(errno.ENOSPC, "No space left on device")
Traceback (most recent call last):
OSError: [Errno 28] No space left on device: '/runs/x/model.safetensors'
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

__all__ = ["naming", "with_name"]


@contextmanager
def naming(path: str | os.PathLike) -> Iterator[None]:
    """Run the block; an OSError out of it that names no file is raised again (same type and errno) naming
    ``path``."""
    try:
        yield
    except OSError as e:
        if e.filename is None and e.errno is not None:
            raise with_name(e, path) from None
        raise


def with_name(e: OSError, path: str | os.PathLike) -> OSError:
    """``e`` again (same type, errno and message) naming ``path``: the one way an unnamed OSError gets its file."""
    return type(e)(e.errno, e.strerror, str(path))
