"""Time-series forecasting with recurrent networks: preprocessing, lookback selection, three multi-step
strategies, prediction intervals, rolling-origin backtests against baselines, streaming updates.

>>> from rnnkit.tasks.forecasting import Forecaster, ForecastConfig
>>> Forecaster("gru", horizon=12).config.cell
'gru'

See docs/forecasting.md.
"""

from rnnkit.tasks.forecasting.backtest import BacktestResult, Fold, rolling_origin_folds, run_backtest
from rnnkit.tasks.forecasting.baselines import BASELINES, drift, ets, naive, seasonal_naive
from rnnkit.tasks.forecasting.config import ForecastConfig
from rnnkit.tasks.forecasting.forecaster import Forecaster, lookback_candidates
from rnnkit.tasks.forecasting.inputs import SeriesData, parse_series
from rnnkit.tasks.forecasting.metrics import coverage, mae, mase, rmse, smape
from rnnkit.tasks.forecasting.network import ForecastNetwork

__all__ = [
    "Forecaster", "ForecastConfig", "ForecastNetwork", "lookback_candidates",
    "BacktestResult", "Fold", "rolling_origin_folds", "run_backtest",
    "BASELINES", "naive", "seasonal_naive", "drift", "ets",
    "mae", "rmse", "smape", "mase", "coverage",
    "SeriesData", "parse_series",
]
