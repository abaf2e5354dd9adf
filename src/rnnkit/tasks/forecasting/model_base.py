"""What every forecasting model class shares (:class:`ForecastModel`): the fitted series' ids, the
horizon, the plot, the "fit first" check and the mapping of a bad saved value to a one-line
:class:`~rnnkit.errors.CheckpointError` naming ``config.json``."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, Iterator

from rnnkit.errors import CheckpointError, ConfigError, DataError

__all__ = ["ForecastModel", "saved_values", "read_saved", "SAVED_KEYS"]


@contextmanager
def saved_values(where: Path) -> Iterator[None]:
    """Turn what reading a saved forecaster's values raises into a CheckpointError naming ``where``."""
    try:
        yield
    except KeyError as e:
        raise CheckpointError(f"{where}: expected a complete forecaster config, got no key {e}") from None
    except (ConfigError, DataError) as e:
        raise CheckpointError(f"{where}: {e}") from None
    except (TypeError, ValueError, AttributeError, IndexError) as e:
        raise CheckpointError(f"{where}: expected a forecaster config of the right types, got "
                              f"{type(e).__name__}: {e}") from None


def read_saved(path: Path, files: list[str]) -> tuple[dict[str, Any], Path]:
    """``config.json`` of a saved forecaster folder and its path, after a save interrupted past its commit point was
    completed (:func:`rnnkit.training.certified.finish_replace`) and ``files`` were checked against
    ``digests.json`` (a modified, missing or unlisted file is a CheckpointError naming it) and the file
    was found to be a forecaster's with a dict of settings."""
    from rnnkit._saved_version import ReadKeys, check_known_keys, warn_newer
    from rnnkit.tasks.forecasting.config import ForecastConfig
    from rnnkit.training.certified import finish_replace
    from rnnkit.training.checkpoint import read_config, verify_digests

    try:   # a network's save interrupted after its commit point is completed first, as load_weights does: its
        finish_replace(path)    # weights and config are one replacement, so the folder is the new fit whole
    except OSError:    # a folder that cannot be written: verified as it is
        pass
    verify_digests(path, files)
    data = read_config(path)
    where = path / "config.json"
    if data.get("task") != "forecast":
        raise CheckpointError(f"{where}: expected a forecaster checkpoint (task 'forecast'), got task {data.get('task')!r}")
    if not isinstance(data.get("config"), dict):
        raise CheckpointError(f"{where}: config: expected a dict of settings, got {type(data.get('config')).__name__}")
    # a key a newer rnnkit added was ignored (a section) or refused as a hand edit would be (a setting): the
    # forecaster loaded without what its writer recorded, or the user was not told to upgrade (rnnkit._saved_version)
    saved_by = data.get("rnnkit_version")
    check_known_keys(where, data, SAVED_KEYS, "the keys of a saved forecaster's config.json", saved_by)
    check_known_keys(where, data["config"], [f.name for f in fields(ForecastConfig)], "the ForecastConfig settings",
                     saved_by)
    warn_newer(where, saved_by, stacklevel=4)   # a later release's keys inside the series entries, states ... unread
    if isinstance(data.get("series"), list):    # each entry remembers the keys its reader takes (unread_state)
        data["series"] = [ReadKeys(d) if isinstance(d, dict) else d for d in data["series"]]
    return data, where


#: Every top-level key a forecaster's config.json has held (network_model.save, auto_model.save and their earlier
#: versions since 2026-11-26; training.checkpoint.config_bytes adds schema_version): another is a newer rnnkit's.
SAVED_KEYS = ("schema_version", "task", "model", "rnnkit_version", "config", "parse_args", "series",
              "lookback", "period", "selection", "input_size", "calibration", "quantile_offsets", "states",
              "point", "constant_series", "quantiles")


class ForecastModel:
    """Base of the model classes: subclasses set ``config`` and ``_fitted`` (objects with ``id``, ``y``,
    ``index``) and define ``_is_fitted``."""

    config: Any
    _fitted: list

    @property
    def horizon(self) -> int | None:
        return self.config.horizon

    @property
    def series_ids_(self) -> list[str]:
        return [f.id for f in self._fitted]

    @property
    def outliers_missing_(self) -> dict[str, list[dict[str, Any]]]:
        """Per series id, the values read as missing (``outliers="missing"``: a fit's and every update's), as
        ``summary()`` reports them: ``[{"time": ..., "value": ...}]`` (what the service tells a client, session 29)."""
        from rnnkit.tasks.forecasting.outliers import outliers_summary

        return {f.id: outliers_summary(f) for f in self._fitted}

    def _is_fitted(self) -> bool:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _need_fitted(self) -> None:
        if not self._is_fitted():
            raise ConfigError("Forecaster: expected fit() (or load()) before forecasting, got an unfitted forecaster")

    def plot(self, path: str | Path | None = None, backtest: Any = None, forecast: Any = None,
             history: int | None = None):
        """Plot history, forecast and interval (and the backtest folds' forecasts); saves a PNG when
        ``path`` is given. Returns the matplotlib figure."""
        from rnnkit.tasks.forecasting.plot import plot_forecast

        self._need_fitted()
        fc = self.predict() if forecast is None else forecast
        return plot_forecast(self, fc, backtest=backtest, path=path, history=history)
