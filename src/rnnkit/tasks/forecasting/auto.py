"""``model="auto"``: every candidate forecasts the last ``K`` windows of the *training* part (rolling
origins), and the candidate or equal-weight combination with the lowest validation MASE forecasts the
future. The scored tail of a benchmark or backtest is never seen: validation origins lie inside the
data handed to :meth:`AutoForecaster.forecast`.

Steps (:meth:`AutoForecaster.forecast`):

1. :func:`rolling_validation`: each candidate forecasts ``horizon`` steps from the origins
   ``n - k·horizon`` (``k = K..1``) and from ``n`` (the real forecast), for every series at once
   (global candidates are fitted across the batch at each origin). A series too short for an origin is
   left out of that origin; one constant up to an origin is forecast as that constant there by every
   candidate; a wild last value is replaced by its expected value and the final forecasts moved by half
   the jump (:mod:`.guard`).
2. :func:`combination_pool`: the candidates alone, the equal-weight mean of every subset of two or more,
   and the median of all (the M4 lesson: simple combinations of diverse methods are hard to beat).
3. :func:`select`: the member of the pool with the lowest mean validation MASE (each window scaled by
   the in-sample seasonal naive MAE up to its origin) over all series and origins (``"pooled"``, the
   default), the mean of all candidates unless another member is clearly better (``"champion"``), or
   per series with the score shrunk toward the pooled one (``"shrunk"``). The naive methods are
   computed and reported as baselines but never chosen.
4. a ``"pooled"`` choice whose validation MASE is less than ``median_margin`` (several series) or
   ``alone_margin`` (one series) below the median of all candidates' is blended toward that median
   (:mod:`.alone`);
5. the chosen combination of the final forecasts, hedged half with seasonal naive for a series whose
   every validation window seasonal naive won (``hedge``); ``report_`` says what won, by how much,
   every member's validation score, the weight moved to the median and how many series were hedged.

>>> import numpy as np
>>> from rnnkit.tasks.forecasting.candidates import LocalCandidate, SeriesInput
>>> y = np.sin(np.arange(48) * np.pi / 6) + 0.01 * np.arange(48)
>>> cands = {"naive": LocalCandidate("naive", lambda y, h, m: np.full(h, y[-1])),
...          "snaive": LocalCandidate("snaive", lambda y, h, m: y[-m:][np.arange(h) % m])}
>>> auto = AutoForecaster(cands, n_origins=2)
>>> _ = auto.forecast([SeriesInput("s", y, period=12)], 6)
>>> auto.report_["chosen"]
'snaive'
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np

from rnnkit._validate import check_number, is_real, is_bool
from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.alone import check_margin, margin_weight
from rnnkit.tasks.forecasting.anchor import ANCHOR, anchor_note, anchored
from rnnkit.tasks.forecasting.auto_report import HEDGE, _fallback_note, _fallbacks, _report
from rnnkit.tasks.forecasting.backtest import backtest_candidate  # noqa: F401 - re-exported (it lived here)
from rnnkit.tasks.forecasting.candidates import Candidate, SeriesInput, as_inputs, origin_forecasts
from rnnkit.tasks.forecasting.constants import is_constant
from rnnkit.tasks.forecasting.guard import guard_batch, widen
from rnnkit.tasks.forecasting.leash import REFERENCE, leash_note, leashed
from rnnkit.tasks.forecasting.metrics import mase, mase_scale
from rnnkit.tasks.forecasting.pool import SELECTIONS, _combine, _median_of, combination_pool, select  # noqa: F401
from rnnkit.tasks.forecasting.statistical import seasonal_naive_point
from rnnkit.tasks.forecasting.transfer import BLEND_MEMBER, PretrainedCandidate, half_blend
from rnnkit.tasks.forecasting.validated import fallback_origins, unvalidated
from rnnkit.tasks.forecasting.validation import ValidationSet, _nanmean

__all__ = ["ValidationSet", "rolling_validation", "combination_pool", "select", "AutoForecaster",
           "backtest_candidate", "default_candidates", "SELECTIONS"]


def rolling_validation(candidates: dict[str, Candidate], batch: Sequence[SeriesInput], horizon: int,
                       n_origins: int = 2, min_train: int | None = None) -> ValidationSet:
    """Forecasts of every candidate from ``n - k·horizon`` (``k = n_origins..1``) and from ``n``.

    A validation origin is used for a series only when at least ``min_train`` values precede it (default
    ``max(2·period + 2, horizon, 8)``); the final origin always is (candidates that cannot forecast a
    series that short fall back to its seasonal naive)."""
    batch = as_inputs(batch)
    check_number("n_origins", n_origins, lo=1, integer=True)   # True was 1 origin, np.int64(2) refused
    grid = _OriginGrid(candidates, batch, horizon, n_origins, min_train)
    return grid.window(0, n_origins, [len(s) for s in batch])


class _OriginGrid:
    """Every candidate's forecasts from the origins ``n - k·horizon`` (``k = n_back..0``) of each series,
    computed once (a network on long series is fitted once, at the earliest, and runs on), from which
    the validation sets of several nested training ends are cut (:meth:`window`)."""

    def __init__(self, candidates: dict[str, Candidate], batch: list[SeriesInput], horizon: int, n_back: int,
                 min_train: int | None) -> None:
        back = [k * horizon for k in range(n_back, 0, -1)] + [0]
        S = len(batch)
        batch, self.wild = guard_batch(batch)        # a wild last value: the candidates see its expected value
        self.batch, self.horizon, self.n_back = batch, horizon, n_back
        self.actual = np.full((S, n_back, horizon), np.nan)
        self.scale = np.full((S, n_back), np.nan)
        self.usable = np.zeros((S, n_back), dtype=bool)
        for i, s in enumerate(batch):
            need = min_train if min_train is not None else max(2 * s.period + 2, horizon, 8)
            for k, b in enumerate(back[:-1]):
                o = len(s) - b
                if o >= need:
                    self.usable[i, k] = True
                    self.actual[i, k] = s.y[o:o + horizon]
                    self.scale[i, k] = mase_scale(s.y[:o], s.period)
        self.scale[~np.isfinite(self.scale) | (self.scale <= 0)] = np.nan
        self.raw = {name: origin_forecasts(cand, batch, horizon, back) for name, cand in candidates.items()
                    if cand.applies(batch, horizon)}        # one that does not apply is absent, not a fallback
        self.fell = fallback_origins(self.raw, batch, horizon, back)     # (.validated)
        for i, s in enumerate(batch):     # constant up to an origin: every candidate forecasts the constant
            for k, b in enumerate(back):
                if len(s) - b >= 1 and is_constant(s.y[:len(s) - b]):
                    for f in self.raw.values():
                        f[i, k] = s.y[len(s) - b - 1]

    def window(self, lo: int, K: int, ends: Sequence[int]) -> ValidationSet:
        """The validation set of the origins ``lo .. lo+K-1`` with the final forecast from ``lo+K``
        (``ends``: each series' length there); a final forecast that is not finite is the seasonal naive."""
        val, final, fell = {}, {}, {}
        for name, f in self.raw.items():
            v = f[:, lo:lo + K].copy()
            v[~self.usable[:, lo:lo + K]] = np.nan
            if name in self.fell:      # a fallback's windows do not score what the candidate forecasts (.validated)
                v[unvalidated(self.fell[name], lo, K)] = np.nan
            val[name], final[name] = v, f[:, lo + K].copy()
            short = ~np.isfinite(final[name]).all(axis=1)
            fell[name] = short | self.fell[name][:, lo + K] if name in self.fell else short
            for i in np.flatnonzero(short):
                s = self.batch[i]
                final[name][i] = seasonal_naive_point(s.y[:ends[i]], self.horizon, s.period)
            if lo + K == self.n_back:                 # the final origin: halfway toward the wild value (.guard)
                final[name] += self.wild[:, None] / 2
        final_scale = np.array([mase_scale(s.y[:e], s.period) for s, e in zip(self.batch, ends)])
        return ValidationSet([s.id for s in self.batch], val, self.actual[:, lo:lo + K], self.scale[:, lo:lo + K],
                             final, final_scale, self.wild if lo + K == self.n_back else None,
                             np.array([is_constant(s.y[:e]) for s, e in zip(self.batch, ends)]), fell,
                             np.array([s.period for s in self.batch]))


class AutoForecaster(Candidate):
    """Rolling-origin validation over ``candidates`` and their combinations; forecasts with the winner.

    ``candidates``: name -> :class:`.candidates.Candidate` (default: :func:`default_candidates`).
    ``n_origins``: validation windows of ``horizon`` steps at the end of the training data.
    ``selection``: ``"pooled"`` (default: the best validated member of the pool), ``"champion"`` (the
    mean of all candidates unless a member of the pool validates ``margin`` better) or ``"shrunk"`` (per series, shrunk
    toward the pooled score); the first two make one choice for the whole batch (a batch of one series
    chooses on its own windows). ``exclude``: candidates computed and reported (the naive baselines)
    but never chosen nor combined. ``pooled_only``: candidates that join the pool only when the choice
    is made over several series: a single series' few validation windows cannot tell a trend that goes
    on from one that stops (mixed dev, 17 series choosing alone: -29.0% against the best of
    ETS/Theta/ETS+Theta without the drift in the pool, -24.6% with it; short dev, pooled per group:
    -10.3% with it, -5.8% without). ``quantiles``: levels of the quantile forecasts around the chosen
    combination's point forecast, from every candidate's validation residuals
    (:func:`.probabilistic.conformal_quantiles`). ``hedge``: see :meth:`_hedged` (checked on 210 unseen
    M3/tourism series: mean MASE 1.822 -> 1.810, beating seasonal naive 66% -> 68%, worse than 1.5x the
    best baseline 47 -> 38; docs/results_forecasting.md, session 6). ``median_margin``: see
    :meth:`_toward_median` (``None``: off); ``alone_margin`` the same for a batch of one series (``None``: a
    series alone keeps its choice, as before session 10; :mod:`.alone`). ``alone_leash``: a series alone holds the
    ES-RNN's final forecast within that many times its validated departure from ETS+Theta (:mod:`.leash`; ``None``:
    off). ``alone_anchor``: a series alone moves its forecast toward ETS+Theta by ``sqrt(horizon / length)``
    (:mod:`.anchor`; ``False``: off). ``partial_median``: the median of all candidates at a validation window is the
    median of those that forecast it (:mod:`.pool`; ``False``, the default: unscored where one did not;
    rejected by its check, session 14). ``symmetric_alone``: a series choosing
    alone gets a band centred on its point forecast (its residuals and their negatives; ``False``: the signed
    residuals, as before session 10: on 180 unseen series alone the 90% / 80% intervals covered 0.77 / 0.68, now
    0.89 / 0.83). ``symmetric_pooled``: the same for a batch of several series (the pooled residuals and their
    negatives; ``False``, the default: the pooled signed residuals, the band leaning with them). Rejected by its
    check (session 15): on 240 unseen series (global) it over-covered, 90% / 80% 0.913 / 0.827 -> 0.936 / 0.850,
    though CRPS 1.148 -> 1.118 and shared-date panels (us_employment 0.78 / 0.52 -> 0.94 / 0.92) gained.
    ``pretrained_blend``: the candidate ``"pretrained"`` (:mod:`.transfer`; in :func:`default_candidates`, for yearly
    batches) is never chosen; the final forecast is averaged half and half with it where it forecasts
    (``pretrained_blended_``, per series). ``None`` (the default): on where the candidates hold a
    :class:`.transfer.PretrainedCandidate` of that name (another candidate called ``"pretrained"`` is chosen like any
    other); ``False``: off (a ``"pretrained"`` candidate is then chosen like any other). The default candidates hold
    none since session 17, so the blend is an option (``default_candidates(blend=True)``, ``--candidates ...
    pretrained``): on 173 unseen yearly series (gapminder GDP, global) mean MASE 3.473 -> 3.197 (-7.9%, session 16's
    check), but on 548 further unseen yearly series (gapminder life expectancy, infant mortality, population; periods
    detected as ``rnnkit forecast`` does) 0.998 -> 1.145 (+14.8%). After
    :meth:`forecast`: ``validation_`` (a :class:`ValidationSet`), ``chosen_`` (per series), ``median_weight_``
    (the weight moved from the choice to the median of all candidates, ``median_members_``), ``hedged_`` (per
    series), ``report_`` (what won and why), ``quantiles_`` ``(S, H, Q)``."""

    name = "auto"
    kind = "auto"

    def __init__(self, candidates: dict[str, Candidate] | None = None, n_origins: int = 2,
                 selection: str = "pooled", exclude: Sequence[str] = ("naive", "seasonal_naive"),
                 shrink: float = 2.0, margin: float = 0.1,
                 quantiles: Sequence[float] = (0.05, 0.1, 0.5, 0.9, 0.95),
                 pooled_only: Sequence[str] = ("drift",), hedge: bool = True,
                 median_margin: float | None = 0.15, symmetric_alone: bool = True,
                 alone_margin: float | None = 1.0, alone_leash: float | None = None,
                 alone_anchor: bool = False, partial_median: bool = False, symmetric_pooled: bool = False,
                 pretrained_blend: bool | None = None) -> None:
        from rnnkit.tasks.forecasting.probabilistic import check_quantiles

        if selection not in SELECTIONS:
            raise ConfigError(f"selection: expected one of {list(SELECTIONS)}, got {selection!r}")
        if pretrained_blend is not None and not is_bool(pretrained_blend):
            raise ConfigError(f"pretrained_blend: expected True, False or None, got {pretrained_blend!r}")
        self.candidates = candidates if candidates is not None else default_candidates()
        if not self.candidates:
            raise ConfigError("candidates: expected at least one, got none")
        if pretrained_blend and BLEND_MEMBER not in self.candidates:
            raise ConfigError(f"candidates: expected a {BLEND_MEMBER!r} candidate with pretrained_blend=True, got "
                              f"{sorted(self.candidates)}")
        if pretrained_blend is None:     # the shipped member only: a user's own "pretrained" is chosen as any other
            pretrained_blend = isinstance(self.candidates.get(BLEND_MEMBER), PretrainedCandidate)
        self.pretrained_blend, self.pretrained_blended_ = bool(pretrained_blend), np.zeros(0, dtype=bool)
        exclude = tuple(exclude) + ((BLEND_MEMBER,) if pretrained_blend and BLEND_MEMBER not in exclude else ())
        self.n_origins, self.shrink = check_number("n_origins", n_origins, lo=1, integer=True), check_number("shrink", shrink, lo=0)
        self.selection, self.exclude = selection, tuple(exclude)   # (n_origins=True was saved as true; shrink unchecked)
        self.pooled_only = tuple(pooled_only)
        for key, flag in (("hedge", hedge), ("symmetric_alone", symmetric_alone), ("alone_anchor", alone_anchor),
                          ("partial_median", partial_median), ("symmetric_pooled", symmetric_pooled)):
            if not is_bool(flag):
                raise ConfigError(f"{key}: expected True or False, got {flag!r}")
        self.hedge, self.symmetric_alone, self.alone_anchor = bool(hedge), bool(symmetric_alone), bool(alone_anchor)
        self.partial_median, self.symmetric_pooled = bool(partial_median), bool(symmetric_pooled)
        self.anchor_: list[float] = []
        self.hedged_ = np.zeros(0, dtype=bool)
        if not is_real(margin) or not 0 <= margin < 1:
            raise ConfigError(f"margin: expected a number in [0, 1), got {margin!r}")
        self.margin = float(margin)
        self.median_margin, self.alone_margin = check_margin("median_margin", median_margin), check_margin(
            "alone_margin", alone_margin)
        self.alone_leash = check_margin("alone_leash", alone_leash)
        self.leash_: dict[str, list[float]] = {}
        self.median_weight_, self.median_members_ = 0.0, ()
        self.quantile_levels = check_quantiles(quantiles)
        self.quantiles_: np.ndarray | None = None
        self.is_global = any(c.is_global for c in self.candidates.values())
        self.validation_: ValidationSet | None = None
        self.chosen_: list[str] = []
        self.members_: list[tuple[str, ...]] = []
        self.report_: dict = {}

    def forecast(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        batch = as_inputs(batch)
        vset = rolling_validation(self.candidates, batch, horizon, self.n_origins)
        return self.forecast_from(vset, [len(s) for s in batch])

    def forecast_from(self, vset: ValidationSet, lengths: Sequence[int] | None = None) -> np.ndarray:
        """Select and combine from an existing :class:`ValidationSet` (e.g. one loaded from disk); ``lengths``:
        the series' lengths up to the final origin (needed by ``alone_anchor`` for a series alone)."""
        vset = self._leashed(vset)
        self.validation_ = vset
        skip = self.exclude + (self.pooled_only if len(vset.ids) == 1 else ())
        members = self._kept(vset.val, skip)
        pool = combination_pool(members)
        default = "+".join(members)
        chosen, scores = select(vset, pool, self.selection, self.shrink, default=default, margin=self.margin,
                                partial=self.partial_median)
        out = np.stack([_combine(vset.final, c, pool[c])[i] for i, c in enumerate(chosen)])
        med = f"median({','.join(members)})"
        self.median_weight_ = w = self._toward_median(chosen, scores, med, len(vset.ids))
        self.median_members_ = pool[med] if w > 0 else ()
        out = self._blended(out, vset.final)
        self.hedged_ = self._hedged(vset, chosen, pool)
        if self.hedged_.any():
            out[self.hedged_] = (out[self.hedged_] + vset.final[HEDGE][self.hedged_]) / 2
        self.anchor_ = [0.0] * len(chosen)
        if self.alone_anchor and len(chosen) == 1:
            out, self.anchor_ = anchored(out, vset.final, lengths, out.shape[1])
        member = vset.final.get(BLEND_MEMBER) if self.pretrained_blend else None
        if member is not None and vset.fell and BLEND_MEMBER in vset.fell:     # its fallback is the seasonal naive's
            member = np.where(vset.fell[BLEND_MEMBER][:, None], np.nan, member)   # forecast, not the member's
        out, self.pretrained_blended_ = half_blend(out, member)
        self.chosen_ = chosen
        self.members_ = [tuple(pool[c]) for c in chosen]
        baselines = {n: _nanmean(vset.errors(vset.val[n]).ravel()) for n in vset.val if n not in pool}
        self.report_ = _report(chosen, scores, pool, vset, default, baselines)
        self.report_["toward_median"] = round(w, 4)
        if w > 0:
            keep = self._margin(len(vset.ids))
            self.report_["why"] += (f"; moved {100 * w:.0f}% toward {med} (validation MASE {scores[med]:.3f}: the choice "
                                    f"is only {100 * (1 - scores[chosen[0]] / scores[med]):.1f}% below it; "
                                    f"{100 * keep:.0f}% keeps a choice {'of one series ' * (len(vset.ids) == 1)}whole)")
        self.report_["hedged_with_" + HEDGE] = n = int(self.hedged_.sum())
        if n:
            self.report_["why"] += f"; {n} of {len(chosen)} series hedged half with {HEDGE} (it won every window)"
        self.report_["fallbacks"] = fell = _fallbacks(vset, self.members_)
        self.report_["why"] += _fallback_note(fell, len(chosen))
        if self.leash_:
            self.report_["leash_pulled"] = self.leash_
            self.report_["why"] += leash_note(self.leash_, self.alone_leash)
        if self.pretrained_blend:     # data as hedged_with_*: 0 where the member did not apply
            self.report_["pretrained_blended"] = int(self.pretrained_blended_.sum())
        if n := int(self.pretrained_blended_.sum()):
            self.report_["why"] += f"; {n} of {len(chosen)} series averaged half and half with {BLEND_MEMBER}"
        if self.alone_anchor:
            self.report_["toward_anchor"] = self.anchor_
            self.report_["why"] += anchor_note(self.anchor_)
        self.quantiles_ = self._quantiles(vset, out)
        self._guarded(vset)
        return out

    def _kept(self, names, skip: Sequence[str]) -> list[str]:
        """``names`` not in ``skip``; where that leaves none (every candidate given is excluded: ``--candidates naive
        pretrained``), all but the member averaged in -- chosen too, it weighed 3/4 --, else all."""
        never = (BLEND_MEMBER,) if self.pretrained_blend else ()
        return [n for n in names if n not in skip] or [n for n in names if n not in never] or list(names)

    def _leashed(self, vset: ValidationSet) -> ValidationSet:
        """``vset`` with the final forecasts of a series alone on :mod:`.leash` (``alone_leash``; ``leash_``:
        the share of each leashed member's departure taken away), else as it is."""
        self.leash_ = {}
        if self.alone_leash is None or len(vset.ids) != 1:
            return vset
        final, self.leash_ = leashed(vset.final, vset, self.alone_leash, vset.final_scale)
        return dataclasses.replace(vset, final=final)

    def _guarded(self, vset: ValidationSet) -> None:
        """Widen the quantiles of the series whose last value was wild (:mod:`.guard`) and name them in the report."""
        if vset.wild is None or not vset.wild.any():
            return
        if self.quantiles_ is not None:
            self.quantiles_ = widen(self.quantiles_, self.quantile_levels, vset.wild)
        wild = {sid: round(float(j), 6) for sid, j in zip(vset.ids, vset.wild) if j}
        self.report_["wild_last_value"] = wild
        self.report_["why"] += (f"; {len(wild)} series ended in a wild value (jump {wild}): forecast halfway between "
                                "an outlier and a level shift")

    def _toward_median(self, chosen: list[str], scores: dict[str, float], median: str, n_series: int) -> float:
        """The weight moved from a pooled choice to ``median`` (the median of all candidates): ``1 - min(1,
        m / median_margin)`` where ``m = 1 - score(choice) / score(median)`` is the choice's margin over the
        median in pooled validation MASE (``alone_margin`` for a batch of one series); 0 for another selection
        or no median. Why and how it was checked: :mod:`.alone`."""
        c = chosen[0] if chosen else None
        margin = self._margin(n_series)
        if margin is None or self.selection != "pooled" or median not in scores or c == median or c not in scores:
            return 0.0
        return margin_weight(scores[c], scores[median], margin)

    def _margin(self, n_series: int) -> float | None:
        """The margin that keeps a choice whole: ``alone_margin`` for a batch of one series, else ``median_margin``."""
        return self.alone_margin if n_series == 1 else self.median_margin

    def _blended(self, x: np.ndarray, forecasts: dict[str, np.ndarray]) -> np.ndarray:
        """``x`` (the chosen combination's forecasts) moved ``median_weight_`` toward the median of
        ``median_members_`` in ``forecasts`` (validation windows, final or fitted forecasts alike)."""
        w = self.median_weight_
        return x if w <= 0 else (1 - w) * x + w * _median_of(forecasts, self.median_members_, self.partial_median)

    def _hedged(self, vset: ValidationSet, chosen: list[str], pool: dict) -> np.ndarray:
        """Per series: ``hedge`` is on, the series is long enough for every validation window, and seasonal
        naive beat the chosen combination (moved toward the median by ``median_weight_``) in each of them:
        its forecast is then the mean of the two (a safeguard for a series the choice, made over many, does
        not fit)."""
        hedged = np.zeros(len(chosen), dtype=bool)
        if not self.hedge or HEDGE not in vset.val:
            return hedged
        naive = vset.errors(vset.val[HEDGE])
        for c in set(chosen):
            rows = np.array([i for i, x in enumerate(chosen) if x == c])
            val = self._blended(_combine(vset.val, c, pool[c], self.partial_median), vset.val)
            mine, theirs = vset.errors(val)[rows], naive[rows]
            both = np.isfinite(mine) & np.isfinite(theirs)
            hedged[rows] = (both & (theirs < mine)).all(axis=1)
        return hedged

    def forecast_fitted(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        """The chosen combination of each series from its members' :meth:`~.candidates.Candidate.forecast_fitted`
        (networks are not trained again; the choice is not revisited): forecasts ``(S, horizon)`` from
        the ends of ``batch``, the series of the last :meth:`forecast` (any subset, possibly longer).
        ``quantiles_`` follow (the validation residuals of the whole batch, the series' scale now) when
        ``horizon`` is the validated one. Without a previous :meth:`forecast`: :meth:`forecast`."""
        from rnnkit.tasks.forecasting.candidates import fitted_lookup

        if self.validation_ is None:
            return self.forecast(batch, horizon)
        batch = as_inputs(batch)
        rows = fitted_lookup(batch, self.validation_.ids, "auto")
        batch, wild = guard_batch(batch)
        hedged = self.hedged_[rows] if self.hedged_.size == len(self.chosen_) else np.zeros(len(rows), bool)
        blend = self.pretrained_blended_[rows] if self.pretrained_blended_.size == len(self.chosen_) else np.zeros(len(rows), bool)
        leash = self.alone_leash is not None and len(self.validation_.ids) == 1
        anchor = self.alone_anchor and len(self.validation_.ids) == 1
        need = sorted({m for i in rows for m in self.members_[i]} | ({HEDGE} if hedged.any() else set())
                      | (set(self.median_members_) if self.median_weight_ > 0 else set())
                      | (set(REFERENCE) & set(self.candidates) if leash else set())
                      | (set(ANCHOR) & set(self.candidates) if anchor else set()) | ({BLEND_MEMBER} if blend.any() else set()))
        fc = {n: self.candidates[n].forecast_fitted(batch, horizon) for n in need}
        if leash:      # the same leash from the new ends (.leash), the series' scale now
            fc, _ = leashed(fc, self.validation_, self.alone_leash, np.array([mase_scale(s.y, s.period) for s in batch]))
        out = np.stack([_combine({m: fc[m][j] for m in self.members_[i]}, self.chosen_[i], self.members_[i])
                        for j, i in enumerate(rows)])
        out = self._blended(out, fc)
        if hedged.any():
            out[hedged] = (out[hedged] + fc[HEDGE][hedged]) / 2
        if anchor:     # the same weight rule from the new ends (.anchor)
            out, _ = anchored(out, fc, [len(s) for s in batch], horizon)
        if blend.any():
            out[blend] = half_blend(out[blend], fc[BLEND_MEMBER][blend])[0]
        out += wild[:, None] / 2
        if horizon == self.validation_.actual.shape[2]:     # calibrated on the whole batch of the choice
            scale = np.array([mase_scale(s.y, s.period) for s in batch])
            self.quantiles_ = widen(self._quantiles(self.validation_, out, rows, scale), self.quantile_levels, wild)
        else:
            self.quantiles_ = None
        return out

    def backtest(self, batch: Sequence[SeriesInput], horizon: int, folds: int = 3) -> dict:
        """Fit + ``folds``-fold rolling-origin backtest (the folds of :func:`.backtest.rolling_origin_folds`:
        fold ``k`` chooses and fits on ``[0, o_k)``, is scored on ``[o_k, o_k + horizon)``), every
        candidate scored on the same folds. Every fold's validation windows, its forecast and the final
        fit's come from ONE pass over the origins ``n - j·horizon`` (``j = folds + n_origins .. 0``):
        each (candidate, origin) forecast is made once and shared by the folds whose windows hold it,
        and a network on long series is fitted once, at the earliest origin (fold 0's first validation
        window, before every scored value), and runs on over the later values (see
        :func:`.candidates.wants_refit`); short series get one fit per origin, so their folds equal
        separate fits.

        Returns a dict: ``"mase"``: name -> ``(S, folds)`` for ``auto`` and every candidate;
        ``"forecasts"``: name -> ``(S, folds, H)`` the point forecasts of each fold (``auto`` and every
        candidate); ``"actual"``: ``(S, folds, H)`` the scored values; ``"quantiles"``: ``(S, folds, H,
        Q)`` auto's quantile forecasts of each fold at ``"quantile_levels"`` (Q levels; coverage,
        pinball and CRPS follow with :mod:`.probabilistic`); ``"scale"``: ``(S, folds)`` the MASE scale
        of each fold's training part; ``"reports"`` and ``"chosen_per_fold"``: what each fold chose;
        ``"forecast"`` the final forecast ``(S, H)`` (also ``forecast_``) with its ``"report"`` (also
        ``report_``)."""
        from rnnkit.tasks.forecasting.backtest import rolling_origin_folds

        batch = as_inputs(batch)
        K = self.n_origins
        fl = {s.id: rolling_origin_folds(len(s), horizon, folds) for s in batch}
        S, Q = len(batch), self.quantile_levels.size
        scores: dict[str, np.ndarray] = {}
        forecasts: dict[str, np.ndarray] = {}
        actual = np.full((S, folds, horizon), np.nan)
        quant = np.full((S, folds, horizon, Q), np.nan)
        fscale = np.full((S, folds), np.nan)
        reports = []
        grid = _OriginGrid(self.candidates, batch, horizon, folds + K, None)
        for k in range(folds):
            ends = [fl[s.id][k].train_end for s in batch]          # = len(s) - (folds - k) * horizon
            vset = grid.window(k, K, ends)
            f = self.forecast_from(vset, ends)
            reports.append(self.report_)
            quant[:, k] = self.quantiles_
            for i, s in enumerate(batch):
                fo = fl[s.id][k]
                actual[i, k, :fo.test_end - fo.test_start] = s.y[fo.test_start:fo.test_end]
                fscale[i, k] = vset.final_scale[i]
            for n, fc in [("auto", f), *vset.final.items()]:
                row = scores.setdefault(n, np.full((S, folds), np.nan))
                forecasts.setdefault(n, np.full((S, folds, horizon), np.nan))[:, k] = fc
                for i, s in enumerate(batch):
                    fo = fl[s.id][k]
                    row[i, k] = mase(s.y[fo.test_start:fo.test_end], fc[i], s.y[:fo.train_end], s.period)
        ends = [len(s) for s in batch]
        self.forecast_ = self.forecast_from(grid.window(folds, K, ends), ends)
        return {"mase": scores, "forecasts": forecasts, "actual": actual, "quantiles": quant,
                "quantile_levels": self.quantile_levels.tolist(), "scale": fscale, "reports": reports,
                "chosen_per_fold": [r["chosen"] for r in reports], "forecast": self.forecast_, "report": self.report_}

    # ------------------------------------------------------------------ save / load
    def settings(self) -> dict:
        return {"n_origins": self.n_origins, "selection": self.selection, "exclude": list(self.exclude),
                "shrink": self.shrink, "margin": self.margin, "quantiles": self.quantile_levels.tolist(),
                "pooled_only": list(self.pooled_only), "hedge": self.hedge, "median_margin": self.median_margin,
                "symmetric_alone": self.symmetric_alone, "alone_margin": self.alone_margin,
                "alone_leash": self.alone_leash, "alone_anchor": self.alone_anchor, "partial_median": self.partial_median,
                "symmetric_pooled": self.symmetric_pooled, "pretrained_blend": self.pretrained_blend}

    def _save_state(self, directory) -> tuple[dict, list[str]]:
        from rnnkit.tasks.forecasting.candidates import save_candidates

        save_candidates(self.candidates, directory / "candidates")
        files = ["candidates/digests.json"]     # each digest map listed in the one above: one change, one refusal
        if self.validation_ is not None:
            with open(directory / "validation.npz", "wb") as fh:
                self.validation_.save(fh)
            files.append("validation.npz")
        return {"chosen": self.chosen_, "members": [list(m) for m in self.members_], "report": self.report_,
                "hedged": [bool(h) for h in self.hedged_], "median_weight": self.median_weight_,
                "median_members": list(self.median_members_),
                "pretrained_blended": [bool(b) for b in self.pretrained_blended_]}, files

    @classmethod
    def _from_settings(cls, directory, settings: dict) -> "AutoForecaster":
        from rnnkit.tasks.forecasting.candidates import load_candidates

        # a run saved before median_margin / symmetric_alone / alone_margin / alone_leash / alone_anchor /
        # partial_median / symmetric_pooled keeps its behaviour
        old = {"median_margin": None, "symmetric_alone": False, "alone_margin": None, "alone_leash": None,
               "alone_anchor": False, "partial_median": False, "symmetric_pooled": False, "pretrained_blend": False}
        return cls(load_candidates(directory / "candidates"), **{**old, **settings})

    def _load_state(self, directory, state: dict) -> None:
        self.chosen_ = [str(c) for c in state["chosen"]]
        self.members_ = [tuple(str(n) for n in m) for m in state["members"]]
        self.report_ = dict(state["report"])
        self.hedged_ = np.array([bool(h) for h in state.get("hedged", [])], dtype=bool)
        self.median_weight_ = float(state.get("median_weight", 0.0))       # runs saved before session 10: none
        self.median_members_ = tuple(str(n) for n in state.get("median_members", []))
        self.pretrained_blended_ = np.array([bool(b) for b in state.get("pretrained_blended", [])], dtype=bool)
        unknown = sorted({n for m in [*self.members_, self.median_members_] for n in m} - set(self.candidates))
        if unknown or len(self.members_) != len(self.chosen_):
            raise ValueError(f"members {unknown} without a saved candidate")
        if (directory / "validation.npz").exists():
            self.validation_ = ValidationSet.load(directory / "validation.npz")

    def _quantiles(self, vset: ValidationSet, point: np.ndarray, rows=None, final_scale=None) -> np.ndarray:
        """Quantiles around ``point`` from the validation residuals of EVERY candidate (not only the
        chosen combination's: it was picked on those windows, so its residuals are optimistic; on the
        17 mixed dev series the 90% / 80% intervals covered 0.70 / 0.64 from the chosen's residuals,
        0.89 / 0.80 from every candidate's). A series too short for any validation window gets the
        seasonal naive's own error as its band: ``scale`` is that method's in-sample mean absolute
        one-step error, and a normal error with that mean has standard deviation ``scale * sqrt(pi / 2)``
        (growing as :func:`.probabilistic.fallback_growth` says). ``point`` and ``final_scale`` (default: ``vset``'s) are the
        series at positions ``rows`` of ``vset`` (default: all), calibrated with all of them."""
        from rnnkit.tasks.forecasting.probabilistic import conformal_quantiles

        rows = list(range(len(vset.ids))) if rows is None else list(rows)
        names = self._kept(vset.val, self.exclude)
        resid = np.concatenate([vset.actual - vset.val[n] for n in names], axis=1)        # (S, K * C, H)
        scale = vset.final_scale[rows] if final_scale is None and vset.final_scale is not None else final_scale
        scale = np.full(len(rows), np.nan) if scale is None else scale
        last = np.array([v[np.isfinite(v)][-1] if np.isfinite(v).any() else np.nan for v in vset.scale[rows]])
        scale = np.where(np.isfinite(scale), scale, last)
        scale = np.where(np.isfinite(scale), scale, 0.0)
        return conformal_quantiles(point, resid, np.concatenate([vset.scale] * len(names), axis=1), scale,
                                   self.quantile_levels, pooled=len(vset.ids) > 1,
                                   symmetric=self.symmetric_alone if len(vset.ids) == 1 else self.symmetric_pooled,
                                   fallback_sd=math.sqrt(math.pi / 2), rows=rows, periods=vset.periods)


def default_candidates(network: bool = True, pretrained: bool = False, blend: bool = False) -> dict[str, Candidate]:
    """ETS, Theta, seasonal naive, naive, and (``network``) rnnkit's LSTM forecaster and the ES-RNN
    hybrid, both fitted globally across the series given; ``blend`` (an option, off since session 17): the pretrained
    networks (:mod:`.transfer`) for yearly batches of several series, which auto then averages in (``pretrained_blend``);
    ``pretrained``: for every group they serve (averaged in there too; chosen like any other with
    ``AutoForecaster(pretrained_blend=False)``: rejected on development data, session 16)."""
    from rnnkit.tasks.forecasting.statistical import statistical_candidates

    for key, flag in (("network", network), ("pretrained", pretrained), ("blend", blend)):
        if not is_bool(flag):
            raise ConfigError(f"{key}: expected True or False, got {flag!r}")
    cands: dict[str, Candidate] = dict(statistical_candidates())
    if network:
        from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate
        from rnnkit.tasks.forecasting.neural import ForecasterCandidate

        cands["lstm"] = ForecasterCandidate("lstm", mode="global")
        cands["esrnn"] = ESRNNCandidate()
    if pretrained or blend:
        from rnnkit.tasks.forecasting.transfer import BLEND_GROUPS, PretrainedCandidate

        cands[BLEND_MEMBER] = PretrainedCandidate() if pretrained else PretrainedCandidate(groups=BLEND_GROUPS, partial=True)
    return cands
