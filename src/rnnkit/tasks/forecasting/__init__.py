"""Time-series forecasting: ``model="auto"`` (validated choice among ETS, Theta, recurrent networks, the
ES-RNN hybrid and their combinations, with quantiles) by default, or one recurrent network with
preprocessing, lookback selection, three multi-step strategies and prediction intervals; rolling-origin
backtests against baselines, streaming updates, checkpoints.

>>> from rnnkit.tasks.forecasting import Forecaster, ForecastConfig
>>> Forecaster(horizon=12).config.model, Forecaster("gru", horizon=12).config.model
('auto', 'gru')

See docs/forecasting.md. The names load on first use (PEP 562): ``rnnkit forecast --help`` reads its flags'
constants from light submodules (:mod:`~rnnkit.tasks.forecasting.series_batches`) without torch.
"""

from rnnkit._lazy import lazy_names

__all__ = [
    "Forecaster", "ForecastConfig", "ForecastNetwork", "lookback_candidates", "NetworkForecaster", "AutoModel",
    "BacktestResult", "Fold", "FoldFitter", "FoldForecast", "rolling_origin_folds", "run_backtest",
    "BASELINES", "naive", "seasonal_naive", "drift", "ets",
    "mae", "rmse", "smape", "mase", "coverage",
    "SeriesData", "parse_series",
]

_FROM = {
    "auto_model": ("AutoModel",),
    "backtest": ("BacktestResult", "Fold", "FoldFitter", "FoldForecast", "rolling_origin_folds", "run_backtest"),
    "baselines": ("BASELINES", "drift", "ets", "naive", "seasonal_naive"),
    "config": ("ForecastConfig",),
    "forecaster": ("Forecaster",),
    "inputs": ("SeriesData", "parse_series"),
    "metrics": ("coverage", "mae", "mase", "rmse", "smape"),
    "network": ("ForecastNetwork",),
    "network_model": ("NetworkForecaster", "lookback_candidates"),
}

__getattr__, __dir__ = lazy_names(__name__, {
    name: (f"rnnkit.tasks.forecasting.{module}", name) for module, names in _FROM.items() for name in names}, globals())
