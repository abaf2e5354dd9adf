"""Time-series preprocessing, frequency inference and seasonality detection: a re-export of
:mod:`rnnkit.data.timeseries` (``transforms``, ``frequency``, ``seasonality``), kept so that
``from rnnkit.data.transforms import ...`` keeps working."""

from rnnkit.data.timeseries import *  # noqa: F401,F403
from rnnkit.data.timeseries import __all__  # noqa: F401
