"""Session 23 (lead, helper V's LEAD_NOW 3): every plot rnnkit writes is a PNG, so a path of another image format is
refused by the one writer (``_plot.save_png``), not only by ``plot_gradient_flow`` -- the Hopfield and experiment
plots wrote PNG bytes into ``x.jpg`` / ``x.svg``, silently. Oracle: the PNG signature of the file a .png path gets."""

from __future__ import annotations

import pytest

from rnnkit._plot import figure, png_path, save_png
from rnnkit.errors import ConfigError, InputTypeError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", ["plot.jpg", "plot.JPEG", "plot.svg", "plot.pdf"])
def test_another_image_formats_suffix_is_refused_and_nothing_is_written(tmp_path, name):
    fig, ax = figure()
    ax.plot([0, 1], [1, 0])
    with pytest.raises(ConfigError, match=r"^path: expected a \.png file path"):
        save_png(fig, tmp_path / name)
    assert not (tmp_path / name).exists()
    assert save_png(fig, tmp_path / "plot.png").read_bytes().startswith(PNG_MAGIC)
    assert save_png(fig, tmp_path / "plot").read_bytes().startswith(PNG_MAGIC)   # no suffix: as before


def test_a_hopfield_plot_to_a_jpg_path_is_refused(tmp_path):
    from rnnkit.hopfield.plots import plot_capacity

    result = {"sizes": [100], "rules": ["hebbian"], "loads": [0.05, 0.1], "mode": "sync", "trials": 1,
              "curves": {"hebbian": {"100": {"perfect": [1.0, 0.5], "overlap": [1.0, 0.9]}}}}
    with pytest.raises(ConfigError, match="png"):
        plot_capacity(result, tmp_path / "capacity.jpg")
    assert not (tmp_path / "capacity.jpg").exists()


def test_png_path_names_what_it_refuses(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputTypeError, match="^path: expected a .png file path"):
        png_path(b"x.png")
    with pytest.raises(ConfigError, match="a folder"):
        png_path(tmp_path)
    with pytest.raises(Exception, match="path"):
        png_path(tmp_path / "file" / "x.png")          # under a file
    assert png_path(tmp_path / "ok.png") == tmp_path / "ok.png"
