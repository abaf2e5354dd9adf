"""Time-series forecasting: ``model="auto"`` (validated choice among ETS, Theta, recurrent networks, the
ES-RNN hybrid and their combinations, with quantiles) by default, or one recurrent network with
preprocessing, lookback selection, three multi-step strategies and prediction intervals; rolling-origin
backtests against baselines, streaming updates, checkpoints.

>>> from rnnkit.tasks.forecasting import Forecaster, ForecastConfig
>>> Forecaster(horizon=12).config.model, Forecaster("gru", horizon=12).config.model
('auto', 'gru')

See docs/forecasting.md.
"""

from rnnkit.tasks.forecasting.auto_model import AutoModel
from rnnkit.tasks.forecasting.backtest import BacktestResult, Fold, FoldFitter, FoldForecast, rolling_origin_folds, \
    run_backtest
from rnnkit.tasks.forecasting.baselines import BASELINES, drift, ets, naive, seasonal_naive
from rnnkit.tasks.forecasting.config import ForecastConfig
from rnnkit.tasks.forecasting.forecaster import Forecaster
from rnnkit.tasks.forecasting.inputs import SeriesData, parse_series
from rnnkit.tasks.forecasting.metrics import coverage, mae, mase, rmse, smape
from rnnkit.tasks.forecasting.network import ForecastNetwork
from rnnkit.tasks.forecasting.network_model import NetworkForecaster, lookback_candidates

__all__ = [
    "Forecaster", "ForecastConfig", "ForecastNetwork", "lookback_candidates", "NetworkForecaster", "AutoModel",
    "BacktestResult", "Fold", "FoldFitter", "FoldForecast", "rolling_origin_folds", "run_backtest",
    "BASELINES", "naive", "seasonal_naive", "drift", "ets",
    "mae", "rmse", "smape", "mase", "coverage",
    "SeriesData", "parse_series",
]
