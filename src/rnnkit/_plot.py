"""The one way rnnkit draws a PNG: a matplotlib ``Figure`` on the Agg canvas (no pyplot, so no global
figure state and no display needed) written atomically (:func:`rnnkit._io.atomic_write_bytes`)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from rnnkit._io import atomic_write_bytes, check_folder_path
from rnnkit._paths import expand_user
from rnnkit.errors import ConfigError, InputTypeError

__all__ = ["figure", "save_png", "png_path", "OTHER_IMAGES"]

#: Suffixes of other image formats: a PNG written there is a file its viewers misread (session 23).
OTHER_IMAGES = (".jpg", ".jpeg", ".svg", ".pdf", ".gif", ".tif", ".tiff", ".webp", ".bmp", ".eps", ".ps")


def png_path(path) -> Path:
    """``path`` checked as a place for a PNG, before anything is written (callers may check before drawing): bytes
    or a non-path was a bare TypeError, a folder a raw IsADirectoryError, a path under a file a raw FileExistsError,
    and ``out.jpg`` (``.svg``, ``.pdf``) received PNG bytes, silently (every plot of rnnkit is written as PNG)."""
    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes) or str(path) == "":
        raise InputTypeError(f"path: expected a .png file path (str or os.PathLike), got {path!r}")
    path = expand_user(path, file=True)   # '~/plots/x.png' expanded, 'x.png/' refused (rnnkit._paths)
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"path: expected a file path for the PNG, got {str(path)!r} (a folder)")
    if p.suffix.lower() in OTHER_IMAGES:
        raise ConfigError(f"path: expected a .png file path (the plot is written as PNG), got {str(p)!r}")
    check_folder_path(p.parent, "path")
    return p


def figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (7, 4), dpi: int = 90, **subplots):
    """``(fig, axes)``: a new Agg figure and its ``nrows x ncols`` axes (one ``Axes`` for 1 x 1, else an
    array; ``subplots`` go to ``Figure.subplots``, e.g. ``squeeze=False``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, **subplots)


def save_png(fig, path: str | os.PathLike, dpi: int | None = None) -> Path:
    """Lay ``fig`` out and write it to ``path`` as a PNG, atomically; returns the path. A folder is refused
    before drawing (the atomic rename failed with a raw IsADirectoryError naming a temp file); so is any path
    :func:`png_path` refuses (another image format's suffix: PNG bytes were written into ``x.jpg``)."""
    path = png_path(path)
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=dpi)
    return atomic_write_bytes(path, png.getvalue())
