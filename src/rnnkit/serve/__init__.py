"""Serve a saved run over HTTP: a forecaster that follows new observations (``Forecaster.update``, no
refit), each accepted update journalled and ``fsync``-ed before the reply so a killed server restarts
with the same forecast; or a text classifier. ``rnnkit serve --run DIR`` (docs/deploy.md).
"""

from rnnkit.serve.services import ClassifierService, ForecastService, RequestError, forecast_records, open_service

__all__ = ["open_service", "ForecastService", "ClassifierService", "RequestError", "forecast_records"]
