"""Several recurrent :class:`~rnnkit.tasks.forecasting.Forecaster` fits of the same series, one per lookback,
forecasting the element-wise median of their forecasts: N-BEATS' ensemble over lookbacks (Oreshkin et al.
2020 bagged models over lookbacks 2h..7h; Smyl's ES-RNN averaged several networks) in its smallest form.

:class:`LookbackEnsemble` has the part of the Forecaster's interface that
:class:`~rnnkit.tasks.forecasting.neural.ForecasterCandidate` uses (``fit``, ``update``, ``predict``,
``series_ids_``, ``save`` / ``load``), so the candidate fits it in a single Forecaster's place
(``ForecasterCandidate(lookback_ensemble=True)``). Each member is the default network with its
``lookback`` fixed to one of :func:`.prepared.lookback_candidates` (the lookbacks a single fit chooses
among by validation) and trained its full ``epochs``; a lookback too long for the data is left out.

Off by default: checked once in session 15 (pre-registered; 240 unseen M3/tourism series, ``fresh16`` +
``fresh17``, global runs) the LSTM member's mean MASE went 2.321 -> 2.304 and auto's 1.963 -> 1.960 (-0.17%; the
bar was -2%), co2 unchanged (one series: the single fit).

>>> import numpy as np, pandas as pd
>>> t = pd.date_range("2000-01", periods=48, freq="MS")
>>> df = pd.concat([pd.DataFrame({"id": k, "time": t, "y": np.sin(np.arange(48) / 2) + j}) for j, k in enumerate("ab")])
>>> e = LookbackEnsemble("lstm", horizon=6, period=1, epochs=2).fit(df, target="y", time_col="time", id_col="id")
>>> [f.lookback_ for f in e.members], len(e.predict())
([6, 12, 18], 12)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rnnkit.errors import CheckpointError, DataError

__all__ = ["LookbackEnsemble", "MEMBER_FOLDER"]

MEMBER_FOLDER = "member_{}"


class LookbackEnsemble:
    """Forecasters with the settings ``settings`` and one lookback each (``lookbacks``; default: the
    candidates a single fit would choose among, :func:`.prepared.lookback_candidates`)."""

    def __init__(self, cell: str = "lstm", horizon: int | None = None, lookbacks: list[int] | None = None,
                 **settings: Any) -> None:
        from rnnkit.tasks.forecasting.forecaster import Forecaster

        self.cell, self.horizon, self.settings = cell, horizon, settings
        base = Forecaster(cell, horizon=horizon, **settings).config      # the settings' own checks
        if lookbacks is None:
            from rnnkit.tasks.forecasting.prepared import lookback_candidates

            if base.lookback_candidates is not None:
                lookbacks = list(base.lookback_candidates)
            else:
                lookbacks = lookback_candidates(base.period or 1, int(horizon or 1), base.max_lookback)
        self.lookbacks = [int(L) for L in lookbacks]
        self.members: list[Any] = []

    def fit(self, data: Any, **kwargs: Any) -> "LookbackEnsemble":
        """Fit one member per lookback on ``data`` (the Forecaster's ``fit`` arguments); a lookback the
        data is too short for is left out, and a DataError when none fits (the shortest's error)."""
        from rnnkit.tasks.forecasting.forecaster import Forecaster

        self.members, first_error = [], None
        for L in self.lookbacks:
            kw = {k: v for k, v in self.settings.items() if k != "lookback_candidates"}
            f = Forecaster(self.cell, horizon=self.horizon, lookback=L, **kw)
            try:
                f.fit(data, **kwargs)
            except DataError as e:
                first_error = first_error or e
                continue
            self.members.append(f)
        if not self.members:
            raise first_error if first_error is not None else DataError("lookbacks: expected at least one, got none")
        return self

    @property
    def series_ids_(self) -> list[str]:
        return self.members[0].series_ids_

    def update(self, new_points: Any) -> None:
        for f in self.members:
            f.update(new_points)

    def predict(self) -> pd.DataFrame:
        """The first member's forecast frame with every value column the element-wise median over the
        members (medians keep the quantile columns in order: an order statistic of ordered vectors)."""
        frames = [f.predict() for f in self.members]
        out = frames[0].copy()
        for fr in frames[1:]:
            if not (fr["id"].astype(str).to_numpy() == out["id"].astype(str).to_numpy()).all():
                raise DataError("members: expected forecasts of the same series in the same order")
        for c in out.columns:
            if c not in ("id", "time"):
                out[c] = np.median(np.stack([fr[c].to_numpy(dtype=float) for fr in frames]), axis=0)
        return out

    def save(self, directory: Path) -> list[str]:
        """Each member in ``directory/member_<j>`` (``Forecaster.save``); returns those folder names."""
        names = []
        for j, f in enumerate(self.members):
            names.append(MEMBER_FOLDER.format(j))
            f.save(Path(directory) / names[-1])
        return names

    @classmethod
    def load(cls, directory: Path, names: list[str]) -> "LookbackEnsemble":
        from rnnkit.tasks.forecasting.forecaster import Forecaster

        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise CheckpointError(f"members: expected a non-empty list of folder names, got {names!r}")
        members = [Forecaster.load(Path(directory) / n) for n in names]
        out = cls.__new__(cls)
        out.cell, out.horizon, out.settings = members[0].config.cell, members[0].config.horizon, {}
        out.lookbacks, out.members = [f.lookback_ for f in members], members
        return out
