"""Forecast plots: the recent history, the forecast with its interval, and the backtest folds' forecasts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from rnnkit._io import atomic_write_bytes
from rnnkit._paths import expand_user

__all__ = ["plot_forecast"]


def plot_forecast(forecaster: Any, forecast: pd.DataFrame, backtest: Any = None, path: str | Path | None = None,
                  history: int | None = None, max_series: int = 6):
    """One panel per series (at most ``max_series``): history (the last ``history`` points; default
    enough to show the backtest and a few horizons), forecast line and interval band, and each backtest
    fold's forecast of the model. Saves a PNG when ``path`` is given (drawn in memory, then written atomically:
    :func:`rnnkit._io.atomic_write_bytes`); returns the figure.

    ``path`` names the image file (its suffix an image format matplotlib writes: .png, .svg, .pdf, ...);
    ``history`` is None or an int >= 1; ``forecast`` a frame of :meth:`predict`'s columns; ``backtest`` None or a
    :class:`.backtest.BacktestResult`. Anything else is a typed error naming the argument: a folder as ``path``
    wrote ``<folder>.png`` beside it, ``history=0`` or ``-1`` drew the whole history or all but its first
    point, and the rest were matplotlib's or pandas' bare errors."""
    path = expand_user(path, file=True)   # '~/plots/f.png' expanded, 'f.png/' refused (rnnkit._paths)
    _check_plot_args(path, history, forecast, backtest)
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fitted = forecaster._fitted[:max_series]
    H = int(forecast.groupby("id").size().max())
    fig, axes = plt.subplots(len(fitted), 1, figsize=(10, 3.2 * len(fitted)), squeeze=False)
    for ax, f in zip(axes[:, 0], fitted):
        n_bt = 0
        if backtest is not None:
            n_bt = int((backtest.forecasts["id"] == f.id).sum())
        show = history if history is not None else max(8 * H, n_bt + 4 * H, 60)
        show = min(show, len(f.y))
        t_hist = f.index[-show:]
        ax.plot(t_hist, f.y[-show:], color="0.25", lw=1.0, label="history")
        fc = forecast[forecast["id"] == f.id]
        ax.plot(fc["time"], fc["value"], color="C0", lw=1.6, label=f"forecast ({forecaster.config.model})")
        if fc["lower"].notna().any():
            ax.fill_between(fc["time"], fc["lower"], fc["upper"], color="C0", alpha=0.2,
                            label=f"{int(round(100 * forecaster.config.level))}% interval")
        if backtest is not None:
            bt = backtest.forecasts[backtest.forecasts["id"] == f.id]
            model = backtest.model
            for k, g in bt.groupby("fold"):
                ax.plot(g["time"], g[model], color="C1", lw=1.2, ls="--",
                        label="backtest folds" if k == 0 else None)
                if g[f"{model}_lower"].notna().any():
                    ax.fill_between(g["time"], g[f"{model}_lower"], g[f"{model}_upper"], color="C1", alpha=0.12)
                ax.axvline(g["time"].iloc[0], color="C1", lw=0.6, alpha=0.5)
        ax.set_title(str(f.id))
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    if path is not None:    # drawn in memory, then written atomically: a failed write (a full disk, a render error)
        try:                # left a half image where the earlier run's plot was, in place
            image = io.BytesIO()
            fig.savefig(image, format=Path(path).suffix.lower()[1:], dpi=110)
            atomic_write_bytes(path, image.getvalue())     # an OSError names the path
        finally:
            plt.close(fig)
    return fig



_IMAGE_SUFFIXES = (".png", ".svg", ".svgz", ".pdf", ".eps", ".ps", ".jpg", ".jpeg", ".tif", ".tiff", ".webp")


def _check_plot_args(path: Any, history: Any, forecast: Any, backtest: Any) -> None:
    from rnnkit._validate import check_number
    from rnnkit.errors import ConfigError, InputTypeError
    from rnnkit.tasks.forecasting.backtest import BacktestResult

    if path is not None:
        if not isinstance(path, (str, Path)):
            raise InputTypeError(f"path: expected a file path (str or Path), got {type(path).__name__}")
        if Path(path).is_dir():
            raise ConfigError(f"path: expected the image file to write (e.g. forecast.png), got the folder "
                              f"{str(path)!r}")
        if Path(path).suffix.lower() not in _IMAGE_SUFFIXES:
            raise ConfigError(f"path: expected a file name ending in one of {list(_IMAGE_SUFFIXES)}, got {str(path)!r}")
    check_number("history", history, lo=1, integer=True, allow_none=True)
    if not isinstance(forecast, pd.DataFrame):
        raise InputTypeError(f"forecast: expected the DataFrame predict() returns, got {type(forecast).__name__}")
    missing = [c for c in ("id", "time", "value", "lower", "upper") if c not in forecast.columns]
    if missing:
        raise ConfigError(f"forecast: expected predict()'s columns id, time, value, lower, upper, got none named "
                          f"{missing}")
    if backtest is not None and not isinstance(backtest, BacktestResult):
        raise InputTypeError(f"backtest: expected None or the result of backtest(), got {type(backtest).__name__}")
