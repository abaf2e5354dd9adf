"""Where a warning of the library points: the first frame outside the ``rnnkit`` package, the user's call.

A fixed ``stacklevel`` names the user's line only when the warning is always given at the same depth. The
truncation warning of :func:`~rnnkit.data.batching.limit_length` is given from a classifier's fit, its predict, its
evaluate by parts (more than 4,096 texts) -- each at another depth -- and pointed at rnnkit's lines or torch's
``no_grad`` wrapper, so a ``warnings.filterwarnings(module=...)`` keyed on the user's module missed it (session 28).
pandas does the same (``pandas.util._exceptions.find_stack_level``).
"""

from __future__ import annotations

import os
import sys

__all__ = ["user_stacklevel"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
#: the wrappers of a decorated function of the package (``torch.no_grad()``, ``contextlib.contextmanager``,
#: ``functools.wraps``'s partials): their frames lie between two of the package's, not the user's
_WRAPPERS = (os.sep + os.path.join("torch", "utils", "_contextlib.py"), os.sep + "contextlib.py",
             os.sep + "functools.py")


def _inside(filename: str) -> bool:
    return filename.startswith(_PACKAGE) or filename.endswith(_WRAPPERS)


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes ``warnings.warn``, called by the function calling this one, name the first frame
    outside the package and the wrappers of its decorated functions (1, that function's own line, when there is none:
    a thread the package started).

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("x", stacklevel=user_stacklevel())
    >>> w[0].filename == __file__ or w[0].filename.startswith("<doctest")
    True
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and _inside(frame.f_code.co_filename):
        frame, level = frame.f_back, level + 1
    return level if frame is not None else 1
