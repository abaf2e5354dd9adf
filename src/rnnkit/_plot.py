"""The one way rnnkit draws a PNG: a matplotlib ``Figure`` on the Agg canvas (no pyplot, so no global
figure state and no display needed) written atomically (:func:`rnnkit._io.atomic_write_bytes`)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from rnnkit._io import atomic_write_bytes
from rnnkit.errors import ConfigError

__all__ = ["figure", "save_png"]


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
    before drawing (the atomic rename failed with a raw IsADirectoryError naming a temp file)."""
    if Path(path).is_dir():
        raise ConfigError(f"path: expected a file path for the PNG, got {str(path)!r} (a folder)")
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=dpi)
    return atomic_write_bytes(path, png.getvalue())
