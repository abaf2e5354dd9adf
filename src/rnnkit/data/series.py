"""Bundled real time series, registered by name. Each loader returns a ``pandas.Series`` with a
``DatetimeIndex`` (or a long ``DataFrame`` with an id column where several series belong together).

Sources (nothing is downloaded): statsmodels' datasets (a dependency) and the CSV files shipped inside
the ``vega_datasets`` package (optional; read directly from the package folder, never through its URL
loaders). ``vega_datasets`` declares heavy dependencies it does not need for these files, so install it
with ``pip install --no-deps vega_datasets==0.9.0``.

>>> from rnnkit.data.registry import list_datasets
>>> [d.name for d in list_datasets("series")][:3]
['co2', 'elec_equip', 'macrodata_cpi']
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from rnnkit.data.registry import DatasetInfo, register_dataset
from rnnkit.errors import DataError

__all__ = ["load_co2", "load_nile", "load_sunspots", "load_elec_equip", "load_macrodata",
           "load_seattle_weather", "load_seattle_temps", "load_stocks", "VEGA_INSTALL"]

VEGA_INSTALL = "pip install --no-deps vega_datasets==0.9.0"


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


def load_sunspots() -> pd.Series:
    """Yearly mean sunspot number, 1700-2008 (the ~11-year solar cycle)."""
    from statsmodels.datasets import sunspots

    df = sunspots.load_pandas().data
    return pd.Series(df["SUNACTIVITY"].astype(float).to_numpy(),
                     index=pd.date_range(str(int(df["YEAR"].iloc[0])), periods=len(df), freq="YS"),
                     name="sunspots")


def load_elec_equip() -> pd.Series:
    """Monthly index of electrical equipment manufactured in the euro area, 1995-2016 (2005 = 100)."""
    from statsmodels.datasets import elec_equip

    df = elec_equip.load_pandas().data
    s = df.iloc[:, 0].astype(float)
    return pd.Series(s.to_numpy(), index=pd.DatetimeIndex(df.index, freq="MS"), name="elec_equip")


MACRO_COLUMNS = {"realgdp": "real GDP (bn 2005 USD, SAAR)", "cpi": "consumer price index",
                 "unemp": "unemployment rate (%)"}


def load_macrodata(column: str = "realgdp") -> pd.Series:
    """One quarterly US macroeconomic series from statsmodels' macrodata, 1959Q1-2009Q3."""
    from statsmodels.datasets import macrodata

    df = macrodata.load_pandas().data
    if column not in df.columns or column in ("year", "quarter"):
        raise DataError(f"column: expected one of {[c for c in df.columns if c not in ('year', 'quarter')]}, "
                        f"got {column!r}")
    start = f"{int(df['year'].iloc[0])}Q{int(df['quarter'].iloc[0])}"
    return pd.Series(df[column].astype(float).to_numpy(),
                     index=pd.period_range(start, periods=len(df), freq="Q").to_timestamp(how="start"),
                     name=f"macrodata_{column}").asfreq("QS-OCT")


def _vega_file(name: str) -> Path:
    spec = importlib.util.find_spec("vega_datasets")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"dataset file {name!r}: needs package 'vega_datasets'; install it with: {VEGA_INSTALL}")
    path = Path(list(spec.submodule_search_locations)[0]) / "_data" / name
    if not path.is_file():
        raise DataError(f"dataset file {name!r}: expected it inside vega_datasets at {path}, got no file; "
                        f"reinstall with: {VEGA_INSTALL}")
    return path


def load_seattle_weather(column: str = "temp_max") -> pd.Series:
    """Daily Seattle weather 2012-2015 (vega_datasets ``seattle-weather.csv``); ``column`` is one of
    temp_max, temp_min (deg C), precipitation (mm), wind (m/s)."""
    df = pd.read_csv(_vega_file("seattle-weather.csv"))
    if column not in ("temp_max", "temp_min", "precipitation", "wind"):
        raise DataError(f"column: expected one of ['temp_max', 'temp_min', 'precipitation', 'wind'], got {column!r}")
    idx = pd.DatetimeIndex(pd.to_datetime(df["date"], format="%Y/%m/%d"), freq="D")
    return pd.Series(df[column].astype(float).to_numpy(), index=idx, name=f"seattle_{column}")


def load_seattle_temps() -> pd.Series:
    """Hourly temperature in Seattle during 2010 (deg F; vega_datasets ``seattle-temps.csv``).
    One hour is missing from the file (the daylight-saving change); it is kept as NaN on the hourly grid."""
    df = pd.read_csv(_vega_file("seattle-temps.csv"))
    idx = pd.to_datetime(df["date"], format="%Y/%m/%d %H:%M")
    s = pd.Series(df["temp"].astype(float).to_numpy(), index=pd.DatetimeIndex(idx), name="seattle_temps")
    s = s[~s.index.duplicated(keep="first")]
    return s.asfreq("h")


def load_stocks() -> pd.DataFrame:
    """Monthly closing prices of five stocks (AAPL, AMZN, GOOG, IBM, MSFT), 2000-2010, as a long frame
    with columns ``symbol`` (the id), ``date`` and ``price`` (vega_datasets ``stocks.csv``)."""
    df = pd.read_csv(_vega_file("stocks.csv"))
    df["date"] = pd.to_datetime(df["date"], format="%b %d %Y")
    out = df[["symbol", "date", "price"]].astype({"price": float})
    out.attrs["columns"] = {"target": "price", "time_col": "date", "id_col": "symbol"}  # read by `rnnkit forecast`
    return out


def _vega(name, description, loader, size):
    return DatasetInfo(name, "series", description, loader, package="vega_datasets", install=VEGA_INSTALL,
                       size=size)


register_dataset(DatasetInfo("sunspots", "series", "Yearly mean sunspot number, 1700-2008", load_sunspots,
                             size="309 years"))
register_dataset(DatasetInfo("elec_equip", "series", "Euro-area electrical equipment index, monthly 1995-2016",
                             load_elec_equip, size="257 months"))
for _col, _what in MACRO_COLUMNS.items():
    register_dataset(DatasetInfo(f"macrodata_{_col}", "series", f"US {_what}, quarterly 1959-2009",
                                 (lambda c=_col: load_macrodata(c)), size="203 quarters"))
register_dataset(_vega("seattle_temp_max", "Seattle daily maximum temperature (C), 2012-2015",
                       load_seattle_weather, "1,461 days"))
register_dataset(_vega("seattle_temps", "Seattle hourly temperature (F), 2010", load_seattle_temps,
                       "8,760 hours"))
register_dataset(_vega("stocks", "Monthly prices of AAPL, AMZN, GOOG, IBM, MSFT, 2000-2010 (id column 'symbol')",
                       load_stocks, "5 series, 560 rows"))
