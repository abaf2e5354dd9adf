r"""minGRU and minLSTM gate math (Feng et al. 2024, "Were RNNs All We Needed?"): the pointwise half of a
gated scan cell, :math:`h_t = a_t \odot h_{t-1} + (1 - a_t) \odot g_t`, with its hand-derived backward.

Both gates and the candidate read only the input, so the projection ``P = x W^T + b`` of the whole
sequence is known before the time loop; :func:`rnnkit.engine.pscan.gated_scan` solves the recurrence for
all steps at once and calls the math here on ``P`` (split into ``num_blocks`` blocks of ``H`` features):

* minGRU, blocks ``(k, u)``: :math:`a = 1 - \sigma(k) = \sigma(-k)`, :math:`g = g(u)`;
* minLSTM, blocks ``(k_f, k_i, u)``: :math:`f = \sigma(k_f)`, :math:`i = \sigma(k_i)`, :math:`a = f / (f + i)`,
  :math:`g = g(u)`;

with the paper's always-positive candidate :math:`g(v) = v + 0.5` for :math:`v \ge 0`, else
:math:`\sigma(v)`. :meth:`coefficients` gives ``(a, g)`` differentiably (the sequential reference and
streaming ``step``), :meth:`log_coefficients` ``(log a, log b)`` for the log-space scan. The layers
(:class:`rnnkit.MinGRU`, :class:`rnnkit.MinLSTM`) live in :mod:`rnnkit.layers.minimal`.

>>> import torch
>>> P = torch.randn(5, 8)                       # (rows, 2 * H) for minGRU with H = 4
>>> a, g = MinGRUMath().coefficients(P)
>>> bool(((a > 0) & (a < 1)).all() and (g > 0).all())
True
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["GateMath", "MinGRUMath", "MinLSTMMath", "candidate", "log_candidate", "stable_quotient"]


class GateMath:
    """The pointwise half of a gated scan cell, :math:`h_t = a_t h_{t-1} + (1 - a_t) g_t`, where the
    projection ``P = x W^T + b`` of the whole input is split into ``num_blocks`` blocks of ``H`` features
    (contiguous ``(n, T*B, H)``). A subclass (:class:`MinGRUMath`, :class:`MinLSTMMath`) writes:

    * ``forward(P, need_grad) -> (a, g, saved)``: the decay ``a`` and candidate ``g`` ``(T*B, H)``; it
      may overwrite ``P`` (a scratch buffer no one else holds).
    * ``backward(D, G, a, g, saved, dP)``: given ``D = G ⊙ (g_t - h_{t-1})`` (``= -∂L/∂a``) and
      ``G = ∂L/∂h``, write the gradient of every block of ``P`` into ``dP`` ``(n, T*B, H)``.
    """

    name: str = ""          # "mingru" / "minlstm": also the Triton kernel's gate mode
    num_blocks: int = 2

    def forward(self, P: Tensor, need_grad: bool):  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, D: Tensor, G: Tensor, a: Tensor, g: Tensor, saved, dP: Tensor) -> None:  # pragma: no cover
        raise NotImplementedError


def candidate(v: Tensor) -> Tensor:
    """``g(v) = v + 0.5`` for ``v >= 0`` else ``σ(v)``, written as ``max(v + 0.5, σ(v))`` (equal: the
    sigmoid lies above its tangent ``0.5 + v/4`` for ``v < 0`` and below it for ``v > 0``)."""
    return torch.maximum(v + 0.5, torch.sigmoid(v))


def log_candidate(v: Tensor) -> Tensor:
    """``log g(v)`` as in the paper: ``log(v + 0.5)`` for ``v >= 0`` else ``-softplus(-v)``."""
    return torch.where(v >= 0, (F.relu(v) + 0.5).log(), -F.softplus(-v))


def stable_quotient(kf: Tensor, ki: Tensor) -> Tensor:
    """minLSTM's ``a = f / (f + i)`` with ``f = σ(kf)``, ``i = σ(ki)``, computed as ``σ(log f - log i)``
    (``F.logsigmoid`` each; ``softplus(-k)`` negated a copy of the block first, a third of the cost on this
    hot path): the quotient itself is ``0 / 0 = NaN`` wherever both gates underflow (pre-activations below
    about -88 in float32, -17 in float16: inputs of size 100 gave NaN).

    >>> k = torch.tensor([-200.0, 0.0])
    >>> stable_quotient(k, k - 1.0)      # f and i are 0 in float32 at -200; a is still defined
    tensor([0.7311, 0.6502])
    """
    return F.logsigmoid(kf).sub_(F.logsigmoid(ki)).sigmoid_()


def _candidate_inplace(u: Tensor, need_grad: bool):
    """Overwrite ``u`` with ``g(u)``; return ``(g, g'(u) or None)``."""
    s = torch.sigmoid(u)
    nonneg = (u >= 0) if need_grad else None
    g = torch.maximum(u.add_(0.5), s, out=u)
    if not need_grad:
        return g, None
    gp = torch.addcmul(s, s, s, value=-1.0, out=s)  # σ'(u) = σ(1 - σ)
    return g, gp.masked_fill_(nonneg, 1.0)


class MinGRUMath(GateMath):
    """minGRU's gate math for :func:`rnnkit.engine.pscan.gated_scan`: blocks ``(k, u)``,
    ``a = 1 - σ(k) = σ(-k)``, ``g = g(u)``. Backward: ``dk = D a (1 - a)``, ``du = G (1 - a) g'(u)``."""

    name = "mingru"
    num_blocks = 2

    def forward(self, P, need_grad):
        a = P[0].neg_().sigmoid_()
        g, gp = _candidate_inplace(P[1], need_grad)
        return a, g, (() if gp is None else (gp,))

    def backward(self, D, G, a, g, saved, dP):
        (gp,) = saved
        Da = D.mul_(a)
        torch.addcmul(Da, Da, a, value=-1.0, out=dP[0])  # D a (1 - a)
        torch.addcmul(G, G, a, value=-1.0, out=dP[1]).mul_(gp)  # G (1 - a) g'

    def coefficients(self, P: Tensor):
        """Differentiable ``(a, g)`` from the projection ``P`` (``(..., 2H)``), for reference paths."""
        k, u = P.chunk(2, -1)
        return torch.sigmoid(-k), candidate(u)

    def log_coefficients(self, P: Tensor):
        """``(log a, log b)`` with ``b = (1 - a) g``, by softplus identities (the paper's log-space form)."""
        k, u = P.chunk(2, -1)
        return -F.softplus(k), -F.softplus(-k) + log_candidate(u)


class MinLSTMMath(GateMath):
    """minLSTM's gate math: blocks ``(kf, ki, u)``, ``f = σ(kf)``, ``i = σ(ki)``, ``a = f / (f + i)``.
    Backward with ``W = D a (1 - a)``: ``dkf = -W (1 - f)``, ``dki = W (1 - i)``, ``du = G (1 - a) g'``."""

    name = "minlstm"
    num_blocks = 3

    def forward(self, P, need_grad):
        a = stable_quotient(P[0], P[1])
        g, gp = _candidate_inplace(P[2], need_grad)
        return a, g, (() if gp is None else (P[0].sigmoid_(), P[1].sigmoid_(), gp))

    def backward(self, D, G, a, g, saved, dP):
        f, i, gp = saved
        Da = D.mul_(a)
        W = torch.addcmul(Da, Da, a, value=-1.0, out=Da)  # D a (1 - a)
        torch.mul(W, f, out=dP[0]).sub_(W)  # -W (1 - f)
        torch.addcmul(W, W, i, value=-1.0, out=dP[1])  # W (1 - i)
        torch.addcmul(G, G, a, value=-1.0, out=dP[2]).mul_(gp)

    def coefficients(self, P: Tensor):
        kf, ki, u = P.chunk(3, -1)
        return stable_quotient(kf, ki), candidate(u)

    def log_coefficients(self, P: Tensor):
        kf, ki, u = P.chunk(3, -1)
        diff = F.softplus(-kf) - F.softplus(-ki)  # log i - log f
        return -F.softplus(diff), -F.softplus(-diff) + log_candidate(u)
