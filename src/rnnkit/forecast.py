"""``rnnkit.forecast``: the forecasting pipeline's public entry point (``rnnkit.forecast.Forecaster``).

Re-exports :mod:`rnnkit.tasks.forecasting`; see docs/forecasting.md.
"""

from rnnkit.tasks.forecasting import *  # noqa: F401,F403
from rnnkit.tasks.forecasting import __all__  # noqa: F401
