"""Series ids given to the forecaster: one rule for a frame and a CSV file, and rows for ids it never fitted.

A CSV file's reader (:func:`rnnkit.data.series.read_series_csv`) reads an empty id cell, or one of white space
alone, as a missing id, which a fit, an update and the future covariates refuse. A frame given to the Python API
with ``''`` or ``'  '`` in its id column took it as a series named so: the same data, two answers by the two
paths. Such ids are a :class:`~rnnkit.errors.DataError` by both now, naming the column and the first row. So is an
id of invisible or control characters alone (a zero-width space, a byte-order mark, bidirectional marks, a soft
hyphen, BEL: :func:`rnnkit.tasks.label_text.invisible_only`, the rule of labels and tokens), which shows as no id
at all: before session 21 a fit on the frame or on the CSV file (whose reader keeps such a cell) took it as a series
named so, a row of ``forecast.csv`` whose id reads as empty.

Rows of ``predict(future_covariates=)`` / ``--future-csv`` for an id the model never fitted are not used: a file
covering more stores than were fitted is legitimate, so they are a warning naming the ids, not an error (they
were dropped without a word, and an id mistyped in the file hid behind the rows of the others).

>>> import pandas as pd
>>> check_no_blank_ids(pd.Series(["a", " ", "b"]), "store")
Traceback (most recent call last):
rnnkit.errors.DataError: id_col 'store': expected an id on every row, got 1 blank (' ': empty or white space alone, \
which a CSV file's reader reads as a missing id; first in data row 2)
"""

from __future__ import annotations

import warnings
from typing import Iterable

import numpy as np
import pandas as pd

from rnnkit.errors import DataError
from rnnkit.tasks.label_text import invisible_only

__all__ = ["check_no_blank_ids", "warn_unused_ids"]

_HIDDEN = "invisible or control characters (zero-width, bidi marks, BOM, soft hyphens, BEL, ...)"


def check_no_blank_ids(col: pd.Series, id_col: str, what: str = "") -> None:
    """A DataError naming ``what`` (``"new_points: "``), ``id_col`` and the first row (1-based, in the order given)
    when an id of ``col`` is a str that is empty, white space alone, or invisible and control characters alone
    (:func:`~rnnkit.tasks.label_text.invisible_only`); missing values are the caller's to name."""
    values = col.to_numpy(dtype=object)
    blank = [v for v in pd.unique(values) if isinstance(v, str) and invisible_only(v)]
    if not blank:
        return
    rows = np.isin(values, np.array(blank, dtype=object))
    kinds = [why for why, found in (("empty or white space alone, which a CSV file's reader reads as a missing id",
                                     any(not v.strip() for v in blank)),
                                    (f"{_HIDDEN} alone, no id on screen", any(v.strip() for v in blank))) if found]
    raise DataError(f"{what}id_col {id_col!r}: expected an id on every row, got {int(rows.sum())} blank "
                    f"({', '.join(map(repr, blank[:3]))}: {'; '.join(kinds)}; first in data row "
                    f"{int(np.argmax(rows)) + 1})")


def warn_unused_ids(col: pd.Series, fitted: Iterable[str], what: str, stacklevel: int = 2) -> None:
    """A UserWarning naming the ids of ``col`` (compared as text) that are no fitted series' id: their rows are not
    used. Shown from the caller's line (``stacklevel=2``), so the check that ``update`` and the CLI make before
    ``predict`` makes it again is one warning (Python's default filter shows a text once per line)."""
    known = set(fitted)
    unused = sorted({str(v) for v in pd.unique(col.to_numpy(dtype=object)) if not pd.isna(v)} - known)
    if unused:
        more = f" ... ({len(unused)} ids)" if len(unused) > 5 else ""
        warnings.warn(f"{what}: rows for ids the model never fitted are not used: "
                      f"{', '.join(map(repr, unused[:5]))}{more} (fitted: {sorted(known)[:5]}"
                      f"{' ...' if len(known) > 5 else ''})", UserWarning, stacklevel=stacklevel)
