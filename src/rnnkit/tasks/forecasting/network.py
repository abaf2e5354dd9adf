"""The forecasting network: only the ``nn.Module`` (the :class:`~rnnkit.tasks.forecasting.Forecaster`
owns data, preprocessing and training; compare Darts' ``RNNModel`` vs ``_RNNModule``).

Symbols: ``B`` batch, ``L`` lookback, ``H`` horizon, ``F`` input features per step, ``P`` output
parameters per forecast step (``Q`` quantiles, or 2 for a Gaussian's mean and scale), ``Fu`` known-future
covariates per step, ``D`` hidden size.

Strategies (``strategy``):

* ``"recursive"``: a one-step model. The encoder reads ``(B, T, F)``; the head maps every output to the
  next step's distribution ``(B, T, P)``. Forecasts roll forward one step at a time, feeding the
  prediction back and carrying the recurrent state (:meth:`ForecastNetwork.rollout`).
* ``"direct"``: the encoder reads the lookback window; one linear head maps its last hidden state (and
  the flattened known-future covariates ``(B, H * Fu)``) to all ``H`` steps at once ``(B, H, P)``.
* ``"encoder-decoder"``: the encoder's final state initialises a decoder of the same cell, unrolled over
  the ``H`` future steps with the known-future covariates and the step position ``h / H`` as inputs (no
  feedback of predictions, so no exposure bias); a shared head maps each decoder output to ``(B, H, P)``.

Output distributions (``interval``): ``"quantile"`` predicts monotone quantiles (the median, plus
positive gaps below and above it) trained with the pinball loss; ``"gaussian"`` a mean and a scale trained
with the Gaussian negative log-likelihood; ``"none"`` the median alone (pinball at 0.5, i.e. MAE / 2).

>>> import torch
>>> net = ForecastNetwork("gru", input_size=2, hidden_size=8, horizon=5, strategy="direct")
>>> raw = net(torch.randn(4, 12, 2))
>>> raw.shape, net.point(raw).shape
(torch.Size([4, 5, 3]), torch.Size([4, 5]))
>>> lo, hi = net.bounds(raw)
>>> bool((lo <= net.point(raw)).all() and (net.point(raw) <= hi).all())
True
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers import get_layer, make_layer

__all__ = ["ForecastNetwork", "top_hidden", "expand_state"]

def top_hidden(state: Any) -> Tensor:
    """The last layer's hidden state ``(B, D)`` from a layer state (``h`` or LSTM's ``(h, c)``)."""
    h = state[0] if isinstance(state, tuple) else state
    return h[-1]


def expand_state(state: Any, repeats: int) -> Any:
    """Repeat every batch entry of a state ``repeats`` times (``(L, B, D)`` -> ``(L, B * repeats, D)``)."""
    if isinstance(state, tuple):
        return tuple(s.repeat_interleave(repeats, dim=1) for s in state)
    return state.repeat_interleave(repeats, dim=1)


class ForecastNetwork(nn.Module):
    """Recurrent encoder (+ decoder) and a distribution head; see the module docstring.

    Args:
        cell: a layer-registry name (:func:`rnnkit.layers.make_layer`): ``"lstm"``, ``"gru"``, ``"elman"``, ...
        input_size: features per input step ``F``.
        hidden_size, num_layers, dropout: of the recurrent layers.
        horizon: ``H`` (the output size of the direct head; the decoder length).
        strategy: ``"direct"``, ``"recursive"`` or ``"encoder-decoder"``.
        interval: ``"quantile"``, ``"gaussian"`` or ``"none"``.
        quantiles: sorted levels containing 0.5 (``"quantile"``/``"none"``).
        n_future: known-future covariates per step ``Fu``.
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int = 32, num_layers: int = 1, horizon: int = 1,
                 strategy: str = "direct", interval: str = "quantile",
                 quantiles: tuple[float, ...] = (0.05, 0.5, 0.95), n_future: int = 0, dropout: float = 0.0) -> None:
        super().__init__()
        get_layer(cell)   # an unknown name fails here, before any other check (the layer registry's error)
        if strategy not in ("direct", "recursive", "encoder-decoder"):
            raise ConfigError(f"strategy: expected one of ['direct', 'recursive', 'encoder-decoder'], got {strategy!r}")
        if interval not in ("quantile", "gaussian", "none"):
            raise ConfigError(f"interval: expected one of ['quantile', 'gaussian', 'none'], got {interval!r}")
        quantiles = (0.5,) if interval == "none" else tuple(float(q) for q in quantiles)
        if interval != "gaussian" and (0.5 not in quantiles or list(quantiles) != sorted(quantiles)):
            raise ConfigError(f"quantiles: expected sorted levels containing 0.5, got {quantiles!r}")
        self.cell, self.strategy, self.interval = cell, strategy, interval
        self.horizon, self.n_future, self.hidden_size = int(horizon), int(n_future), int(hidden_size)
        self.register_buffer("quantile_levels", torch.tensor(quantiles), persistent=False)
        self.n_params = 2 if interval == "gaussian" else len(quantiles)
        rnn_dropout = dropout if num_layers > 1 else 0.0
        self.encoder = make_layer(cell, input_size, hidden_size, num_layers=num_layers, batch_first=True,
                                  dropout=rnn_dropout)
        P = self.n_params
        if strategy == "direct":
            self.head = nn.Linear(hidden_size + self.horizon * self.n_future, self.horizon * P)
        else:
            self.head = nn.Linear(hidden_size, P)
        if strategy == "encoder-decoder":
            self.decoder = make_layer(cell, self.n_future + 1, hidden_size, num_layers=num_layers, batch_first=True,
                                      dropout=rnn_dropout)
        self._z = NormalDist().inv_cdf(float(max(quantiles)) if interval != "gaussian" else 0.95)

    # ------------------------------------------------------------------ running
    def encode(self, x: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """``outputs (B, T, D), state = encode(x (B, T, F), state)``; streaming: call again with the state."""
        return self.encoder(x, state)

    def decode(self, state: Any, future: Tensor | None = None) -> Tensor:
        """Raw outputs ``(B, H, P)`` of the direct head or the decoder from the encoder ``state``;
        ``future`` is ``(B, H, Fu)`` (ignored when ``Fu = 0``)."""
        h = top_hidden(state)
        B = h.shape[0]
        if self.n_future and (future is None or tuple(future.shape) != (B, self.horizon, self.n_future)):
            got = None if future is None else tuple(future.shape)
            raise ShapeError(f"future: expected shape ({B}, {self.horizon}, {self.n_future}), got {got}")
        if self.strategy == "direct":
            inp = h if not self.n_future else torch.cat([h, future.reshape(B, -1)], -1)
            return self.head(inp).view(B, self.horizon, self.n_params)
        if self.strategy == "encoder-decoder":
            pos = torch.arange(1, self.horizon + 1, dtype=h.dtype, device=h.device) / self.horizon
            dec_in = pos.view(1, -1, 1).expand(B, -1, -1)
            if self.n_future:
                dec_in = torch.cat([future, dec_in], -1)
            out, _ = self.decoder(dec_in, state)
            return self.head(out)
        raise ConfigError("decode: expected strategy 'direct' or 'encoder-decoder'; the recursive strategy "
                          "rolls forward with rollout()")

    def forward(self, x: Tensor, future: Tensor | None = None) -> Tensor:
        """Training forward: recursive -> ``(B, T, P)`` (next step at every position); direct and
        encoder-decoder -> ``(B, H, P)`` (the ``H`` steps after the window)."""
        out, state = self.encode(x)
        if self.strategy == "recursive":
            return self.head(out)
        return self.decode(state, future)

    # ------------------------------------------------------------------ distributions
    def quantiles_of(self, raw: Tensor) -> Tensor:
        """Monotone quantiles ``(..., Q)`` from raw head outputs: the median, then positive gaps."""
        levels = self.quantile_levels.tolist()
        mid = levels.index(0.5)
        med = raw[..., mid]
        qs: list[Tensor] = [med]
        cur = med
        for k in range(mid - 1, -1, -1):
            cur = cur - F.softplus(raw[..., k])
            qs.insert(0, cur)
        cur = med
        for k in range(mid + 1, len(levels)):
            cur = cur + F.softplus(raw[..., k])
            qs.append(cur)
        return torch.stack(qs, -1)

    def _gauss(self, raw: Tensor) -> tuple[Tensor, Tensor]:
        return raw[..., 0], F.softplus(raw[..., 1]) + 1e-4

    def loss(self, raw: Tensor, target: Tensor, weight: Tensor | None = None) -> Tensor:
        """Pinball loss (quantile / none) or Gaussian NLL, averaged (optionally weighted per element)."""
        if self.interval == "gaussian":
            mu, sigma = self._gauss(raw)
            per = torch.log(sigma) + 0.5 * ((target - mu) / sigma) ** 2
        else:
            q = self.quantiles_of(raw)
            diff = target.unsqueeze(-1) - q
            lv = self.quantile_levels
            per = torch.maximum(lv * diff, (lv - 1) * diff).sum(-1)
        if weight is None:
            return per.mean()
        return (per * weight).sum() / weight.sum().clamp_min(1e-12)

    def point(self, raw: Tensor) -> Tensor:
        """The point forecast: the median (quantile) or the mean (Gaussian)."""
        if self.interval == "gaussian":
            return raw[..., 0]
        return raw[..., self.quantile_levels.tolist().index(0.5)]

    def bounds(self, raw: Tensor) -> tuple[Tensor, Tensor]:
        """Lower and upper interval bounds (outer quantiles, or mean -/+ z * scale)."""
        if self.interval == "gaussian":
            mu, sigma = self._gauss(raw)
            return mu - self._z * sigma, mu + self._z * sigma
        q = self.quantiles_of(raw)
        return q[..., 0], q[..., -1]

    def sample(self, raw: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """One draw per element: Gaussian, or (quantile head) a Gaussian with the median as centre and the
        outer quantiles' spread; the median itself when ``interval="none"``."""
        if self.interval == "none":
            return self.point(raw)
        if self.interval == "gaussian":
            mu, sigma = self._gauss(raw)
        else:
            lo, hi = self.bounds(raw)
            mu, sigma = self.point(raw), (hi - lo) / (2 * self._z)
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
        return mu + sigma * eps

    # ------------------------------------------------------------------ recursive
    @torch.no_grad()
    def rollout(self, state: Any, last_raw: Tensor, steps: int, make_input, sample: bool = False,
                generator: torch.Generator | None = None) -> Tensor:
        """Roll a recursive model forward ``steps`` steps from the encoder ``state`` whose last output gave
        ``last_raw (B, P)``. ``make_input(k, value (B,)) -> (B, F)`` builds step ``k``'s input from the
        value predicted for it. Returns the predicted values ``(B, steps)`` (medians/means, or draws
        when ``sample``)."""
        values = []
        raw = last_raw
        for k in range(steps):
            v = self.sample(raw, generator) if sample else self.point(raw)
            values.append(v)
            if k + 1 < steps:
                out, state = self.encoder.step(make_input(k, v), state)
                raw = self.head(out)
        return torch.stack(values, 1)
