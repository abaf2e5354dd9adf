"""The backtest of ``Forecaster(model="auto")`` and the single statistical methods: the
:class:`.backtest.FoldFitter` that :meth:`.auto_model.AutoModel.backtest` hands to
:func:`.backtest.run_backtest`. One :meth:`.auto.AutoForecaster.backtest` pass makes every fold (and the
final fit); constant series are kept out of it and forecast as their constant (:mod:`.constants`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.backtest import FoldForecast, rolling_origin_folds
from rnnkit.tasks.forecasting.constants import constant_forecast, constant_values
from rnnkit.tasks.forecasting.inputs import SeriesData

__all__ = ["AutoFoldFitter"]


class AutoFoldFitter:
    """The :class:`.backtest.FoldFitter` of auto: the first fold runs :meth:`.auto.AutoForecaster.backtest`
    over every fold at once (the last fold shares its validation with the final fit); each fold then
    hands back auto's forecast, its quantiles and every candidate's forecast of that fold."""

    def __init__(self, model: Any, auto: AutoForecaster, hist: list[Any], folds: int) -> None:
        self.model, self.auto, self.hist, self.folds = model, auto, hist, folds
        self.name = "auto" if model.config.model == "auto" else model.config.model
        self.quantile_levels = tuple(model.config.quantiles)
        self.result: dict[str, Any] = {}
        self.constant: dict[str, float] = constant_values(hist)
        self.final: tuple[np.ndarray, np.ndarray | None] | None = None    # the final fit's point and quantiles

    def _run(self) -> dict[str, Any]:
        """auto's backtest of the series that are not constant, every row filled in (a constant series: its
        constant for auto and for every candidate, in every fold)."""
        H, S = self.model.config.horizon, len(self.hist)
        rows = [i for i, h in enumerate(self.hist) if h.id not in self.constant]
        r = self.auto.backtest([self.hist[i].as_input() for i in rows], H, self.folds) if rows else {}
        levels = [float(v) for v in self.auto.quantile_levels]
        fc = {n: np.full((S, self.folds, H), np.nan) for n in r.get("forecasts", ["auto", *self.auto.candidates])}
        quant = np.full((S, self.folds, H, len(levels)), np.nan)
        if rows:
            quant[rows] = r["quantiles"]
            for n, f in fc.items():
                f[rows] = r["forecasts"][n]
        for i, h in enumerate(self.hist):
            if h.id in self.constant:
                point, quant[i] = constant_forecast(h.y, H, levels)
                for f in fc.values():
                    f[i] = point
        self.final = self.model._joined(self.hist, self.constant, lambda batch: r["forecast"], self.auto)
        return {**r, "forecasts": fc, "quantiles": quant, "quantile_levels": levels}

    def fit_fold(self, fold: int, train: list[SeriesData], futures: list[np.ndarray | None]) -> FoldForecast:
        H = self.model.config.horizon
        if not self.result:
            self.result = self._run()
        r = self.result
        levels = r["quantile_levels"]
        col = {round(t, 10): j for j, t in enumerate(levels)}
        a = round((1 - self.model.config.level) / 2, 10)
        want = [col[round(t, 10)] for t in self.quantile_levels]
        values, quantiles, others = {}, {}, {}
        auto_name = "auto"
        for i, h in enumerate(self.hist):
            q = r["quantiles"][i, fold]
            values[h.id] = (r["forecasts"][auto_name][i, fold], q[:, col[a]], q[:, col[round(1 - a, 10)]])
            quantiles[h.id] = q[:, want]
        if self.model.config.model == "auto":
            for name, f in r["forecasts"].items():
                if name != auto_name:
                    others[name] = {h.id: f[i, fold] for i, h in enumerate(self.hist)}
        fitted = {h.id: rolling_origin_folds(h.y.size, H, self.folds)[fold].train_end for h in self.hist}
        return FoldForecast(values, {h.id: h.period for h in self.hist}, fitted, quantiles, others)

    def details(self) -> dict[str, Any]:
        r = self.result
        return {"chosen_per_fold": r.get("chosen_per_fold"), "final_choice": r.get("report", {}).get("chosen"),
                "why": r.get("report", {}).get("why"), "fold_reports": r.get("reports")}
