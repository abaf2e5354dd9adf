"""Bundled real time series (statsmodels), registered by name. Each loader returns a ``pandas.Series``
with a ``DatetimeIndex`` (or a ``DataFrame`` where several columns belong together)."""

from __future__ import annotations

import pandas as pd

from rnnkit.data.registry import DatasetInfo, register_dataset

__all__ = ["load_co2", "load_nile"]


def load_co2() -> pd.Series:
    """Weekly atmospheric CO2 at Mauna Loa, 1958-2001 (ppm), with the data's own missing weeks kept as NaN."""
    from statsmodels.datasets import co2

    df = co2.load_pandas().data
    s = df["co2"].astype(float)
    s.index = pd.DatetimeIndex(s.index, freq="W-SAT")
    s.name = "co2"
    return s


def load_nile() -> pd.Series:
    """Annual flow of the Nile at Aswan, 1871-1970 (10^8 m^3)."""
    from statsmodels.datasets import nile

    df = nile.load_pandas().data
    s = pd.Series(df["volume"].astype(float).to_numpy(),
                  index=pd.date_range(str(int(df["year"].iloc[0])), periods=len(df), freq="YS"), name="nile")
    return s


register_dataset(DatasetInfo("co2", "series", "Mauna Loa weekly CO2 (ppm), 1958-2001", load_co2,
                             size="2,284 weeks"))
register_dataset(DatasetInfo("nile", "series", "Nile annual flow at Aswan, 1871-1970", load_nile,
                             size="100 years"))
