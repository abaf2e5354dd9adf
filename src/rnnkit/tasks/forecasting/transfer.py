"""A recurrent forecaster PRETRAINED on a bank of real series and applied zero-shot (transfer learning).

rnnkit's other networks are trained on the series given: a user with one series fits a network on 20-150
values. Oreshkin et al. (AAAI 2021, "Meta-learning framework with applications to zero-shot time-series
forecasting") trained N-BEATS on M4 and forecast M3 and tourism without retraining, close to the best models
fitted on each. :class:`PretrainedCandidate` does that with three small GRU networks (rnnkit's own layer), one
per frequency group (:data:`GROUPS`: period 1 with horizon <= 6, period 4 with horizon <= 8, period 12 with
horizon <= 18), trained once by ``benchmarks/train_pretrained_forecaster.py`` on the training parts of M1,
tourism and the M3 series of the benchmark's seen blocks, and shipped in ``weights/pretrained.safetensors``
(sha256 pinned in :data:`WEIGHTS_SHA256`, checked before every load: a changed file is a CheckpointError).

A forecast (:func:`window_inputs`): the series seasonally adjusted (:func:`adjusted`: a classical multiplicative
index, as the drift candidate's; the index is put back on the forecast), its last ``lookback`` values ``w`` (left-padded with zeros and a mask
channel when the series is shorter) relative to the last one, over ``s``, their mean absolute seasonal
difference (the MASE scale of the window; zeros and negative values need no log); the network outputs
``(y_{t+k} - y_t) / s`` for ``k = 1..H`` (zero is the naive forecast), the first ``horizon`` of them are kept. No training at forecast time, no dependence on the other series of a batch.

Auto does not choose it; as an option (``default_candidates(blend=True)``, ``rnnkit forecast --candidates ...
pretrained``) auto's forecast is averaged half and half with it (:func:`half_blend`,
``AutoForecaster(pretrained_blend=...)``) wherever it forecasts, on yearly batches only (:data:`BLEND_GROUPS`: on 240
seen development series the blend gained 4.9% on the 120 yearly ones and lost 2.5% on quarterly and monthly ones; on
173 unseen yearly series, gapminder GDP, auto's mean MASE 3.473 -> 3.197, adopted as the default in session 16; on 548
further unseen yearly series, gapminder life expectancy, infant mortality and population, 0.998 -> 1.145, +14.8%, the
member alone 2-3x ETS's error on those smooth series: off by default since session 17).

It is a candidate only where a network of its group exists (:meth:`PretrainedCandidate.applies`: every series
of the batch in a group -- its period, and its calendar where it has one: a daily or monthly series without a season
has period 1 but is not yearly (:func:`calendar_fits`) -- and at least ``min_batch`` series, 2 by default: a series
choosing alone is unchanged).

>>> import numpy as np
>>> from rnnkit.tasks.forecasting.candidates import SeriesInput
>>> s = SeriesInput("a", 100 + np.arange(30.0), period=4)
>>> f = PretrainedCandidate().forecast([s, s.head(20)], 8)
>>> f.shape, bool(np.isfinite(f).all())
((2, 8), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn

from rnnkit._validate import is_int, is_bool
from rnnkit.errors import CheckpointError, ConfigError
from rnnkit.layers import make_layer
from rnnkit.tasks.forecasting.candidates import Candidate, SeriesInput
from rnnkit.tasks.forecasting.constants import is_constant

__all__ = ["Group", "GROUPS", "HIDDEN", "TransferNet", "window_inputs", "adjusted", "PretrainedCandidate", "WEIGHTS_FILE",
           "WEIGHTS_SHA256", "load_networks", "BLEND_MEMBER", "BLEND_GROUPS", "half_blend", "calendar_fits"]


@dataclass(frozen=True)
class Group:
    """A frequency group: its name, the horizon its network outputs and the values it reads."""

    name: str
    horizon: int
    lookback: int


GROUPS = {1: Group("yearly", 6, 20), 4: Group("quarterly", 8, 24), 12: Group("monthly", 18, 36)}   # period -> group
HIDDEN = 48
CLIP = 50.0        # the largest scaled input (a jump of 50 typical steps)
WEIGHTS_FILE = Path(__file__).parent / "weights" / "pretrained.safetensors"
WEIGHTS_SHA256 = "d51de24a9274acbf77c738d39044c08e4a979da903b7c02850861c3f0583a5bc"   # printed by benchmarks/train_pretrained_forecaster.py's output
_NETS: dict[str, "TransferNet"] = {}


class TransferNet(nn.Module):
    """A GRU over the scaled window (value, mask) whose last state maps to ``horizon`` scaled steps."""

    def __init__(self, horizon: int, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.rnn = make_layer("gru", 2, hidden, batch_first=True)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def window_inputs(values: Sequence[np.ndarray], lookback: int, period: int) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """``(x (B, lookback, 2), scale (B,), last (B,))``: each series' last ``lookback`` values ``w`` as
    ``(w - w_last) / scale`` (clipped to +-:data:`CLIP`), left-padded with zeros, and a mask channel (1 where a
    value is). ``scale``: the mean absolute ``period``-step difference of ``w`` (1-step where ``w`` is not longer
    than a period: the scale of MASE), at least 1% of ``mean(|w|)``, 1 where both are 0."""
    x = np.zeros((len(values), lookback, 2), dtype=np.float32)
    scale, last = np.ones(len(values)), np.zeros(len(values))
    for i, y in enumerate(values):
        w = np.asarray(y, dtype=float)[-lookback:]
        m = period if w.size > period else 1
        d = max(float(np.mean(np.abs(w[m:] - w[:-m]))) if w.size > m else 0.0, 0.01 * float(np.mean(np.abs(w))))
        scale[i] = d if d > 0 and np.isfinite(d) else 1.0
        last[i] = w[-1]
        x[i, lookback - w.size:, 0] = np.clip((w - last[i]) / scale[i], -CLIP, CLIP)
        x[i, lookback - w.size:, 1] = 1.0
    return torch.from_numpy(x), scale, last


def load_networks(path: Path = WEIGHTS_FILE, sha256: str = WEIGHTS_SHA256) -> dict[str, TransferNet]:
    """The shipped networks by group name, read only after the file's sha256 matches ``sha256``."""
    from safetensors.torch import load_file

    from rnnkit._io import sha256_file

    key = f"{path}:{sha256}"
    if key in _NETS:
        return _NETS[key]
    if not Path(path).is_file():
        raise CheckpointError(f"{path}: expected the pretrained forecaster's weights, got no file")
    got = sha256_file(path)
    if got != sha256:
        raise CheckpointError(f"{path}: expected sha256 {sha256}, got {got} (a changed weights file)")
    tensors = load_file(str(path))
    nets = {}
    for g in GROUPS.values():
        net = TransferNet(g.horizon)
        state = {k[len(g.name) + 1:]: v for k, v in tensors.items() if k.startswith(g.name + ".")}
        try:
            net.load_state_dict(state)
        except RuntimeError as e:
            raise CheckpointError(f"{path}: expected the {g.name} network's tensors, got {e}") from None
        nets[g.name] = net.eval()
    _NETS[key] = nets
    return nets


class PretrainedCandidate(Candidate):
    """The pretrained networks as a candidate (see the module docstring). ``min_batch``: the fewest series of a
    batch it joins (2: not a series alone); ``groups``: the names of the groups (:data:`GROUPS`) it serves;
    ``partial``: it joins a batch where ``min_batch`` series or more are in its groups, the others NaN rows (the blend
    leaves them out: auto's default, session 16 -- one series of a yearly panel given a season by ``detect_period``
    left the whole panel out); False: only a batch whose every series is (as a candidate auto chooses)."""

    name = "pretrained"
    kind = "pretrained"
    is_global = False

    def __init__(self, min_batch: int = 2, groups: Sequence[str] = ("yearly", "quarterly", "monthly"),
                 partial: bool = False) -> None:
        if not is_int(min_batch) or min_batch < 1:
            raise ConfigError(f"min_batch: expected a positive int, got {min_batch!r}")
        names = [g.name for g in GROUPS.values()]
        if isinstance(groups, str) or not isinstance(groups, (list, tuple)) or not groups \
                or not all(g in names for g in groups):
            raise ConfigError(f"groups: expected a non-empty list of {names}, got {groups!r}")
        if not is_bool(partial):
            raise ConfigError(f"partial: expected True or False, got {partial!r}")
        self.min_batch, self.groups, self.partial = int(min_batch), tuple(groups), bool(partial)

    def settings(self) -> dict:
        return {"min_batch": self.min_batch, "groups": list(self.groups), "partial": self.partial}

    def _save_state(self, directory: Path) -> tuple[dict, list[str]]:
        return {"weights_sha256": WEIGHTS_SHA256}, []

    def _load_state(self, directory: Path, state: dict) -> None:
        if state["weights_sha256"] != WEIGHTS_SHA256:      # a fit of other weights would forecast otherwise now
            raise CheckpointError(f"{directory}: expected pretrained weights {WEIGHTS_SHA256}, got a fit saved "
                                  f"with {state['weights_sha256']}")

    def applies(self, batch: Sequence[SeriesInput], horizon: int) -> bool:
        served = [self._serves(s.period, horizon) and calendar_fits(s) for s in batch]
        return sum(served) >= self.min_batch and (self.partial or all(served))

    def _serves(self, period: int, horizon: int) -> bool:
        return period in GROUPS and GROUPS[period].name in self.groups and horizon <= GROUPS[period].horizon

    def min_length(self, horizon: int, period: int) -> int:
        return 3

    def describe(self) -> dict:
        return {**super().describe(), "pretrained": True, "weights_sha256": WEIGHTS_SHA256}

    def forecast(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        """Forecasts ``(len(batch), horizon)``; NaN for a series outside every group or whose calendar is not its
        group's (the caller's fallback)."""
        nets = load_networks()
        out = np.full((len(batch), horizon), np.nan)
        for period, g in GROUPS.items():
            rows = [i for i, s in enumerate(batch) if s.period == period and calendar_fits(s)]
            if not rows or not self._serves(period, horizon):
                continue
            adj, ahead = zip(*(adjusted(batch[i].y, g.horizon, period) for i in rows))
            x, scale, last = window_inputs(adj, g.lookback, period)
            with torch.no_grad():
                step = nets[g.name](x).double().numpy()
            out[rows] = ((last[:, None] + scale[:, None] * step) * np.array(ahead))[:, :horizon]
        for i, s in enumerate(batch):   # a constant series: the constant, as every candidate's in auto (its zero
            if is_constant(s.y) and np.isfinite(out[i]).all():   # window drew small steps: fit and forecast_fitted
                out[i] = s.y[-1]                                # disagreed)
        return out


_FREQ_CODES = {"yearly": ("Y", "A", "BY", "BA"), "quarterly": ("Q", "BQ"), "monthly": ("M", "BM")}


def calendar_fits(s: SeriesInput) -> bool:
    """Whether ``s``'s calendar is its period's group's (:data:`GROUPS`): true for integer steps (as the bank's series)
    and a frequency of the group's kind (``YS``, ``A-DEC``, ``QS-OCT``, ``MS``, ...); false for others (a daily series
    without a weekly season has period 1, not a year) and a period outside every group.

    >>> import pandas as pd
    >>> [calendar_fits(SeriesInput("a", np.ones(9), 1, pd.date_range("2000", periods=9, freq=f))) for f in ("YS", "D")]
    [True, False]
    """
    if s.period not in GROUPS:
        return False
    freq = getattr(s.index, "freqstr", None)
    code = (freq or "").lstrip("0123456789")      # case kept: pandas' "ms" (milliseconds) is not "MS" (month start)
    return not code or code.startswith(_FREQ_CODES[GROUPS[s.period].name])


def adjusted(y: np.ndarray, horizon: int, period: int) -> tuple[np.ndarray, np.ndarray]:
    """``y`` seasonally adjusted and the seasonal index of the next ``horizon`` steps: the classical multiplicative
    index (:func:`.statistical.seasonal_index`), ones where the series is not positive, has period 1 or under two
    seasons."""
    from rnnkit.tasks.forecasting.statistical import seasonal_index

    y = np.asarray(y, dtype=float)
    past, future = seasonal_index(y, horizon, period)
    return y / past, future


BLEND_MEMBER = "pretrained"      # the candidate AutoForecaster(pretrained_blend=True) averages in
BLEND_GROUPS = ("yearly",)       # the groups of the member of auto.default_candidates


def half_blend(point: np.ndarray, member: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``point`` ``(S, H)`` averaged half and half with ``member`` in the rows where the member forecast every
    step (finite), and those rows ``(S,)``; ``point`` unchanged where it did not (another group; ``None``: absent).

    >>> half_blend(np.array([[2.0], [2.0]]), np.array([[4.0], [np.nan]]))[0].ravel().tolist()
    [3.0, 2.0]
    """
    rows = np.zeros(len(point), dtype=bool) if member is None else np.isfinite(member).all(axis=1)
    out = np.array(point, dtype=float)
    if rows.any():
        out[rows] = (out[rows] + member[rows]) / 2
    return out, rows
