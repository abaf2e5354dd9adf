"""Layer normalisation over the last dimension, with its hand-derived backward (pure tensor functions).

Forward, per row of N features::

    μ = mean(x)   σ² = mean((x - μ)²)   r = 1/sqrt(σ² + ε)   x̂ = (x - μ) r   y = γ ⊙ x̂ + β

Backward, given dy (with dx̂ = dy ⊙ γ)::

    dx = r ⊙ (dx̂ - mean(dx̂) - x̂ ⊙ mean(dx̂ ⊙ x̂))     dγ = Σ_rows dy ⊙ x̂     dβ = Σ_rows dy

ε = 1e-5, as ``torch.nn.functional.layer_norm``. float16 / bfloat16 rows are normalised in float32 and the
results rounded once, as torch's own kernel does: in float16 ``(x - μ)²`` overflows to inf for
``|x - μ| > 256`` (an LSTM cell state grows that large over a few hundred steps), and ``r`` became 0 -- every
normalised value 0, silently (before session 15).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["layer_norm_forward", "layer_norm_backward", "layer_norm", "EPS"]

EPS = 1e-5


def layer_norm_forward(x: Tensor, weight: Tensor, bias: Tensor) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """``(y, (x̂, r))``; equal to ``F.layer_norm(x, x.shape[-1:], weight, bias, 1e-5)``.

    >>> x, w, b = torch.randn(3, 5), torch.rand(5), torch.randn(5)
    >>> y, _ = layer_norm_forward(x, w, b)
    >>> torch.allclose(y, torch.nn.functional.layer_norm(x, (5,), w, b), atol=1e-6)
    True
    """
    if x.dtype in _HALF:   # statistics in float32, rounded once; float32 / 64 rows run every step below untouched
        y, cache = layer_norm_forward(x.float(), weight.float(), bias.float())
        return y.to(x.dtype), cache
    mu = x.mean(-1, keepdim=True)
    xc = x - mu
    rstd = torch.rsqrt((xc * xc).mean(-1, keepdim=True) + EPS)
    xhat = xc * rstd
    return torch.addcmul(bias, xhat, weight), (xhat, rstd)


def layer_norm(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """``F.layer_norm(x, x.shape[-1:], weight, bias, 1e-5)`` (autograd), finite for rows of huge values: torch's
    kernel was NaN for float32 rows whose values reach ~1e20 (``(x - μ)²`` overflows); such a row is divided by a
    power of two first (exactly; layer norm does not change, ε being negligible against its variance). Other rows
    run as before. For the layers' input projection (``x`` is the user's, unbounded), once per call; the per-step
    norms of :func:`layer_norm_forward` read ``W_hh h`` (``|h| <= 1``) and the LSTM cell state (``|c_t| <= t``)."""
    if x.dtype == torch.float16:   # computed in float32 by torch's kernel: a float16 value (<= 65504) cannot reach
        return torch.nn.functional.layer_norm(x, x.shape[-1:], weight, bias, EPS)   # the limit; bfloat16 can (1e30)
    return torch.nn.functional.layer_norm(x / _row_scale(x), x.shape[-1:], weight, bias, EPS)


_HALF = (torch.float16, torch.bfloat16)
#: Above this largest |value| a row is scaled down to [2**20, 2**21) before its squares are summed.
#: bfloat16 has float32's range and torch's kernel sums its squares in float32: an LN-LSTM's outputs were NaN at
#: bfloat16 inputs of 1e30 where float32's were finite.
_SAFE = {torch.float32: 2.0 ** 40, torch.bfloat16: 2.0 ** 40, torch.float64: 2.0 ** 400}


def _row_scale(x: Tensor) -> Tensor:
    """Per row of ``x``, 1, or a power of two bringing its largest |value| into [2**20, 2**21) when it is above
    :data:`_SAFE` (detached: layer norm does not depend on it)."""
    row = x.detach().abs().amax(-1, keepdim=True)
    big = row > _SAFE.get(x.dtype, math.inf)
    exact = row.float() if row.dtype == torch.bfloat16 else row   # log2 rounded to bfloat16 could floor one too high
    return torch.where(big, torch.exp2(torch.floor(torch.log2(exact)) - 20), torch.ones_like(exact)).to(x.dtype)


def layer_norm_backward(dy: Tensor, cache: tuple[Tensor, Tensor], weight: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """``(dx, dγ, dβ)`` for :func:`layer_norm_forward` (``dγ``, ``dβ`` summed over rows)."""
    xhat, rstd = cache                 # in the statistics' dtype (float32 for 16-bit rows)
    if dy.dtype != xhat.dtype:
        dx, dw, db = layer_norm_backward(dy.to(xhat.dtype), cache, weight.to(xhat.dtype))
        return dx.to(dy.dtype), dw.to(weight.dtype), db.to(weight.dtype)
    dxhat = dy * weight
    dx = rstd * (dxhat - dxhat.mean(-1, keepdim=True) - xhat * (dxhat * xhat).mean(-1, keepdim=True))
    return dx, (dy * xhat).sum(0), dy.sum(0)
