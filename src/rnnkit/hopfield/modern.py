r"""Modern (continuous) Hopfield networks (Ramsauer et al., 2020, "Hopfield Networks is All You Need").

Symbols: ``P`` stored patterns, the rows of :math:`X \in \mathbb{R}^{P \times D}`; a state (query)
:math:`\xi \in \mathbb{R}^D`; ``B`` queries; inverse temperature :math:`\beta > 0`.

Energy and update rule:

.. math::
    E(\xi) = -\operatorname{lse}(\beta, X\xi) + \tfrac12 \xi^\top\xi + \beta^{-1}\log P + \tfrac12 M^2,
    \qquad \operatorname{lse}(\beta, z) = \beta^{-1} \log \textstyle\sum_\mu e^{\beta z_\mu},

.. math::
    \xi \leftarrow X^\top \operatorname{softmax}(\beta X \xi),

with :math:`M = \max_\mu \lVert x_\mu \rVert`. Both are computed stably: the largest dot product is
subtracted before scaling by :math:`\beta` (:func:`scaled_softmax`), so a :math:`\beta` for which
:math:`\beta X\xi` overflows the dtype gives the limit (the best-matching pattern), never NaN.
The update is the concave-convex procedure on ``E``, so
``E`` never increases, and it usually converges in one step. With large :math:`\beta` it returns the
stored pattern with the largest dot product :math:`x_\mu^\top \xi` (for patterns of equal norm: the
nearest one); with small :math:`\beta` a mixture (a metastable state). The number of well-separated
patterns it can retrieve grows exponentially with ``D``, against :math:`\approx 0.138 D` for the
classical Hebbian network. Written batched over queries, one update is exactly attention:
``softmax(beta * Q @ K.T) @ V`` with ``Q`` the states and ``K = V = X`` the stored patterns.

Three ways to use it:

* :class:`ModernHopfield`: a memory with ``store(patterns)`` / ``recall(queries)`` like the classical
  :class:`~rnnkit.hopfield.HopfieldNetwork`, iterating the update to convergence.
* :class:`HopfieldLayer`: an ``nn.Module`` running ``update_steps`` updates on a batch of state patterns,
  with the stored patterns given as input or learned as parameters.
* :class:`HopfieldPooling`: an ``nn.Module`` that pools a sequence ``(B, T, D)`` (e.g. the outputs of
  :class:`rnnkit.LSTM`) into ``(B, n_queries * D)``: the sequence is the stored patterns, learned
  queries are the state patterns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit._validate import is_real
from rnnkit.engine.masks import check_lengths, step_mask
from rnnkit.errors import ConfigError, InputTypeError, ShapeError
from rnnkit.hopfield._checks import (check_finite, check_max_steps, check_positive_float, check_positive_int,
                                    check_real, check_values_tensor)
from rnnkit.layers.inputs import allocate, autocast_dtype, check_factory

#: what a non-finite value's error adds where a mask is taken
_MASKED = " (an entry mask= leaves out may hold any value)"

__all__ = ["ModernHopfield", "ModernRecallResult", "HopfieldLayer", "HopfieldPooling", "hopfield_update",
           "scaled_softmax"]


def _shifted(dots: Tensor, beta: float | Tensor) -> tuple[Tensor, Tensor, float | Tensor]:
    """``(beta * (dots - top), top, b)``: ``top`` the row maximum (no gradient: softmax and lse do not
    depend on it), ``b`` is ``beta`` (a number, or a tensor broadcast against ``dots``) capped at the
    dtype's largest finite value (so ``b * 0`` is 0, not NaN); every entry is <= 0 and none is NaN for
    finite ``dots``."""
    top = dots.amax(-1, keepdim=True).detach()
    big = torch.finfo(dots.dtype).max
    b = beta.clamp(max=big) if isinstance(beta, Tensor) else min(beta, big)
    return b * (dots - top), top, b


def _exponent(x: Tensor, dims: tuple[int, ...]) -> Tensor:
    """An integer ``e`` (as a float tensor, ``dims`` kept, no gradient) with ``max |x| < 2**e`` over
    ``dims`` (0 where that max is 0), kept where ``2**-e`` is finite in the dtype: dividing by ``2**e``
    is then exact in binary floating point."""
    info = torch.finfo(x.dtype)
    top = x.detach().abs().amax(dims, keepdim=True)
    e = torch.where(top > 0, torch.floor(torch.log2(top)) + 1, torch.zeros_like(top))
    return e.clamp(math.log2(info.tiny), math.floor(math.log2(info.max)) + 1)


def _scaled_stored(stored: Tensor) -> tuple[Tensor, Tensor]:
    """``(e_x, stored * 2**-e_x, transposed)``: the stored side of :func:`_scaled_dots`, made once by a recall that
    updates against the same patterns for many steps (it was remade every step: ~25% of a recall, session 29)."""
    e_x = _exponent(stored, (-2, -1))                                    # (..., 1, 1)
    return e_x, (stored * torch.exp2(-e_x)).transpose(-1, -2)


def _scaled_dots(states: Tensor, stored: Tensor, beta: float,
                 scaled: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
    """``(dots, b)`` with ``b * dots == beta * states @ stored^T`` wherever that is finite: states (per
    query) and stored patterns (per memory) are divided by powers of two first, so dot products of
    patterns near the dtype's range (|x| ~ 1e30 in float32: x.x ~ 1e60) do not overflow to inf (and
    inf - inf to NaN). The scales go into ``b`` as ``m * 2**(k + e)`` (``beta = m * 2**k``), never
    through ``beta`` alone in the dtype (1e-60 is 0 in float32); ``b`` is inf where it overflows (the
    argmax limit, :func:`_shifted` caps it). Bit for bit the plain product wherever nothing overflows.
    ``scaled``: :func:`_scaled_stored` of ``stored``, made once."""
    e_q = _exponent(states, (-1,))                                       # (..., Q, 1)
    e_x, stored_t = scaled if scaled is not None else _scaled_stored(stored)
    dots = (states * torch.exp2(-e_q)) @ stored_t
    m, k = math.frexp(beta)
    return dots, m * torch.exp2(k + e_q + e_x)


def scaled_softmax(dots: Tensor, beta: float, mask: Tensor | None = None) -> Tensor:
    r"""``softmax(beta * dots)`` over the last dim, stable for any finite ``beta``: equal to it whenever
    ``beta * dots`` is finite, and its limit (weight on the largest dot products only) where that
    overflows. ``mask`` (broadcast to ``dots``' shape, never beyond it): ``True`` where an entry takes part.

    >>> scaled_softmax(torch.tensor([[1.0, 2.0, 2.0]]), 1e39)
    tensor([[0.0000, 0.5000, 0.5000]])
    """
    beta = check_positive_float("beta", beta)   # NaN gave NaN weights, -1 the least similar entries
    if not isinstance(dots, Tensor) or not dots.is_floating_point():
        raise InputTypeError(f"dots: expected a floating-point torch.Tensor, got "
                             f"{getattr(dots, 'dtype', type(dots).__name__)}")
    check_values_tensor("dots", dots, values=False)   # sparse: torch's 'Could not run aten::amax ... SparseCPU'
    if mask is not None:   # a row with no entry was NaN weights, silently
        _check_mask(mask, dots.shape, dots.shape[-1] if dots.dim() else 0, dots.device, "as dots")
    check_finite("dots", dots, *(() if mask is None else (mask, _MASKED)))   # -inf too: NaN weights where a row's top is -inf or inf
    return _softmax(dots, beta, mask)


def _softmax(dots: Tensor, beta: float, mask: Tensor | None) -> Tensor:
    if mask is not None:
        dots = dots.masked_fill(~mask, float("-inf"))
    return torch.softmax(_shifted(dots, beta)[0], dim=-1)


def _check_mask(mask: Any, shape: tuple[int, ...], width: int, device: torch.device, of: str) -> None:
    """``mask`` a bool tensor on ``device`` broadcast against ``shape`` (its last dim the ``width`` entries) with at
    least one True entry in every row (a row with none was NaN weights)."""
    if not isinstance(mask, Tensor) or mask.dtype != torch.bool:
        raise InputTypeError(f"mask: expected a bool tensor, got {getattr(mask, 'dtype', type(mask).__name__)}")
    _check_device("mask", mask, device, of)
    try:   # to shape, not beyond it: a (Q, P) mask of unbatched queries made the output a batch of Q, silently
        grown = torch.broadcast_shapes(mask.shape, shape) != torch.Size(shape)
    except RuntimeError:
        grown = True
    if grown:
        raise ShapeError(f"mask: expected a shape that broadcasts to {tuple(shape)}, got {tuple(mask.shape)}")
    if mask.dim() == 0 or mask.shape[-1] != width or not bool(mask.any(-1).all()):
        raise ShapeError(f"mask: expected {width} entries per row with at least one True, got shape "
                         f"{tuple(mask.shape)}" + ("" if mask.dim() == 0 or mask.shape[-1] != width else
                                                   " with an all-False row"))


def hopfield_update(states: Tensor, stored: Tensor, beta: float, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
    r"""One update :math:`\xi \leftarrow X^\top \operatorname{softmax}(\beta X \xi)` for a batch of states.

    Args:
        states: ``(..., Q, D)`` state patterns (queries).
        stored: ``(..., P, D)`` stored patterns (broadcast against ``states``' leading dims).
        beta: inverse temperature, a finite number > 0 (a Python number, not a tensor).
        mask: optional ``(..., P)`` bool, ``True`` where a stored pattern takes part; it broadcasts to the
            leading dims of ``states`` and ``stored`` (as ``scaled_dot_product_attention``'s mask, never beyond:
            it holds no ``Q`` dim).

    Returns:
        ``(new_states (..., Q, D), attention (..., Q, P))``.
    """
    beta = check_positive_float("beta", beta)   # a tensor beta was read as a float: no gradient reached it
    for name, t in (("states", states), ("stored", stored)):
        layout = f"(..., {'Q' if name == 'states' else 'P'}, D)"
        if not isinstance(t, Tensor) or not t.is_floating_point():
            got = f"dtype {t.dtype}" if isinstance(t, Tensor) else type(t).__name__
            raise InputTypeError(f"{name}: expected a floating-point tensor {layout}, got {got}")
        check_values_tensor(name, t, values=False)
        if t.dim() < 2:   # a shape, not a type (it was an InputTypeError)
            raise ShapeError(f"{name}: expected a tensor of shape {layout} (at least 2-D), got shape {tuple(t.shape)}")
    if stored.dtype != states.dtype and autocast_dtype(states) is None:   # torch's matmul error came from inside
        raise InputTypeError(f"stored: expected dtype {states.dtype} (as states), got {stored.dtype}")
    if stored.device != states.device:
        raise InputTypeError(f"stored: expected a tensor on {states.device} (as states), got {stored.device}")
    if stored.shape[-1] != states.shape[-1] or stored.shape[-2] == 0:   # P = 0 was amax's IndexError
        raise ShapeError(f"stored: expected (..., P, {states.shape[-1]}) with P >= 1 (as states' D), got shape "
                         f"{tuple(stored.shape)}")
    try:   # torch's matmul error came from inside
        batch = torch.broadcast_shapes(states.shape[:-2], stored.shape[:-2])
    except RuntimeError:
        raise ShapeError(f"stored: expected leading dims that broadcast against states' {tuple(states.shape[:-2])}, "
                         f"got shape {tuple(stored.shape)}") from None
    if mask is not None:
        _check_mask(mask, (*batch, stored.shape[-2]), stored.shape[-2], states.device, "as states")
    check_finite("states", states)
    check_finite("stored", stored, *(() if mask is None else (mask.unsqueeze(-1), _MASKED)))
    return _update(states, stored, beta, mask)


def _update(states: Tensor, stored: Tensor, beta: float, mask: Tensor | None,
            scaled: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
    """:func:`hopfield_update` on checked arguments (the modules check theirs once, not every step); ``scaled``:
    :func:`_scaled_stored` of ``stored`` (no mask), made once by the caller."""
    if mask is not None:  # a masked pattern takes no part: its values (NaN, Inf) reach no output or gradient
        stored = stored.masked_fill(~mask.unsqueeze(-1), 0)
    dots, b = _scaled_dots(states, stored, beta, scaled)
    if mask is not None:
        dots = dots.masked_fill(~mask.unsqueeze(-2), float("-inf"))
    attention = torch.softmax(_shifted(dots, b)[0], dim=-1)
    return attention @ stored, attention


@dataclass(frozen=True)
class ModernRecallResult:
    """What :meth:`ModernHopfield.recall` returns.

    * ``states``: ``(B, D)`` final states.
    * ``steps``: ``(B,)`` int64 updates run per query, counting the last one that moved the state by at
      most ``tol`` (max-abs change); ``max_steps`` where that never happened.
    * ``converged``: ``(B,)`` bool, the state moved by at most ``tol`` in its last update.
    * ``attention``: ``(B, P)`` softmax weights of the last update (row ``b`` says which stored patterns
      query ``b`` retrieved).
    """

    states: Tensor
    steps: Tensor
    converged: Tensor
    attention: Tensor


class ModernHopfield:
    r"""A continuous (modern) Hopfield memory for real-valued patterns.

    Args:
        beta: inverse temperature :math:`\beta > 0`; larger means sharper retrieval of single patterns.

    Patterns are kept as given (floating point, on their own device; later patterns and queries must
    match). ``store`` may be called again to add patterns.

    Example: with a large ``beta`` a noisy query retrieves the nearest stored pattern.

    >>> import torch
    >>> from rnnkit.hopfield import ModernHopfield
    >>> g = torch.Generator().manual_seed(0)
    >>> X = torch.nn.functional.normalize(torch.randn(50, 16, generator=g), dim=1)   # (P, D), unit norm
    >>> memory = ModernHopfield(beta=50.0).store(X)
    >>> queries = X[[3, 7]] + 0.1 * torch.randn(2, 16, generator=g)
    >>> result = memory.recall(queries)
    >>> result.attention.argmax(1)
    tensor([3, 7])
    >>> bool(torch.allclose(result.states, X[[3, 7]], atol=1e-3)), result.converged.tolist()
    (True, [True, True])
    >>> bool((memory.energy(result.states) <= memory.energy(queries)).all())
    True
    """

    def __init__(self, beta: float = 1.0) -> None:
        self.beta = check_positive_float("beta", beta)
        self.patterns: Tensor | None = None

    @property
    def n_patterns(self) -> int:
        return 0 if self.patterns is None else self.patterns.shape[0]

    def __repr__(self) -> str:
        dim = None if self.patterns is None else self.patterns.shape[1]
        return f"ModernHopfield(beta={self.beta}, n_patterns={self.n_patterns}, dim={dim})"

    def store(self, patterns: Tensor) -> ModernHopfield:
        """Add ``(P, D)`` floating-point patterns to the memory; returns ``self``."""
        if self.patterns is None:
            X = check_real("patterns", patterns, None, None)
            self.patterns = X.detach().clone()
        else:
            X = check_real("patterns", patterns, self.patterns.shape[1], self.patterns.device)
            if X.dtype != self.patterns.dtype:
                raise InputTypeError(f"patterns: expected dtype {self.patterns.dtype} (as stored), got {X.dtype}")
            self.patterns = torch.cat((self.patterns, X.detach()), 0)
        return self

    def _check_queries(self, name: str, queries: Any) -> Tensor:
        if self.patterns is None:
            raise ConfigError(f"{name}: expected a memory with stored patterns (call store(patterns) first), "
                              "got an empty memory")
        q = check_real(name, queries, self.patterns.shape[1], self.patterns.device, rows="B")
        if q.dtype != self.patterns.dtype:
            raise InputTypeError(f"{name}: expected dtype {self.patterns.dtype} (as stored), got {q.dtype}")
        return q

    def energy(self, states: Tensor) -> Tensor:
        r"""Energy :math:`E(\xi)` (module docstring) of each of ``(B, D)`` states, returned as ``(B,)``."""
        xi = self._check_queries("states", states)
        # In float64 (float32 where the device has none), returned in the states' dtype. -lse + log(P)/beta is
        # computed as -(top + d/b) with d = log(mean(exp(scaled))) <= 0: apart, the two terms are each
        # ~log(P)/beta, which overflowed for a tiny beta (inf - inf = NaN at beta=1e-300 in float32). d from
        # logsumexp loses its digits when it is tiny (small beta); log1p(mean(expm1)) keeps them there. A beta
        # below 1e-200 is taken as 1e-200: the energy is then its beta -> 0 limit to ~1e-190. The dot products
        # are scaled (_scaled_dots). -top + |xi|^2/2 + M^2/2, three terms of size |x|^2 that cancel (-6e23 of
        # noise at |x| ~ 1e20, -inf at 1e38), is computed as |xi - x_top|^2/2 + (M^2 - |x_top|^2)/2 with x_top
        # the pattern of the top dot product: both >= 0, as E itself is.
        work = torch.float32 if xi.device.type == "mps" else torch.float64
        X, q = self.patterns.to(work), xi.to(work)
        beta = max(self.beta, 1e-200 if work == torch.float64 else 1e-30)
        dots, b = _scaled_dots(q, X, beta)
        scaled = _shifted(dots, b)[0]                              # beta * (X xi - top), from scaled dots
        d_lse = torch.logsumexp(scaled, dim=1) - math.log(X.shape[0])
        d_small = torch.log1p(torch.expm1(scaled).mean(1))
        d = torch.where(d_small.abs() < 0.5, d_small, d_lse)
        top = dots.argmax(1)
        # M^2 - |x_top|^2 from the same sums, >= 0, of the patterns divided by 2**e (exact): summed as they are,
        # patterns of |x| > 1.3e154 in float64 (1.8e19 in MPS's float32) made both squares inf, and E NaN
        e = _exponent(X, (0, 1)).reshape(())
        sq_norms = (X * torch.exp2(-e)).square().sum(1)
        gap = sq_norms.max() - sq_norms[top]
        spread = torch.where(gap > 0, gap * torch.exp2(e) * torch.exp2(e), torch.zeros_like(gap))
        return (0.5 * ((q - X[top]) ** 2).sum(1) + 0.5 * spread - d / beta).to(xi.dtype)

    def recall(self, queries: Tensor, max_steps: int = 100, tol: float = 1e-6) -> ModernRecallResult:
        """Iterate the update from each of ``(B, D)`` queries until it moves by at most ``tol``.

        Queries that have converged are frozen while the others continue (at most ``max_steps``).
        """
        xi = self._check_queries("queries", queries).detach()
        check_max_steps(max_steps)
        if not is_real(tol) or not tol >= 0:
            raise ConfigError(f"tol: expected a number >= 0, got {tol!r}")
        B = xi.shape[0]
        steps = torch.full((B,), max_steps, dtype=torch.long, device=xi.device)
        done = torch.zeros(B, dtype=torch.bool, device=xi.device)
        attention = torch.empty(B, self.n_patterns, dtype=xi.dtype, device=xi.device)
        scaled = _scaled_stored(self.patterns)        # the same patterns every step: scaled once
        for t in range(1, max_steps + 1):
            new, att = _update(xi, self.patterns, self.beta, None, scaled)
            active = ~done
            settled = active & ((new - xi).abs().amax(1) <= tol)
            steps[settled] = t
            xi = torch.where(active[:, None], new, xi)
            attention = torch.where(active[:, None], att, attention)
            done |= settled
            if bool(done.all()):
                break
        return ModernRecallResult(states=xi, steps=steps, converged=done, attention=attention)


def _check_beta_or_default(beta: Any, dim: int) -> float:
    return 1.0 / math.sqrt(dim) if beta is None else check_positive_float("beta", beta)


def _check_device(name: str, x: Tensor, device: torch.device | None, of: str) -> None:
    """``x`` on ``device`` (when given): a tensor on another one was torch's error naming no argument ('Tensor on
    device cpu is not on the expected device cuda:0!'), or, from the meta device, a result silently on it."""
    if device is not None and x.device != device:
        raise InputTypeError(f"{name}: expected a tensor on {device} ({of}), got one on {x.device}; move it explicitly")


def _check_input(name: str, x: Any, dims: int, last: int, layout: str, dtype: torch.dtype | None = None,
                 rows: str | None = None, dtype_of: str = "the module's", device: torch.device | None = None) -> Tensor:
    """``x`` if it is a floating tensor of ``dims`` dims, last size ``last`` and (given) dtype ``dtype``
    (or the autocast dtype under autocast, as the layers accept); ``rows``: the name of the second-to-last
    axis, which must then not be empty."""
    if not isinstance(x, Tensor):
        raise InputTypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise InputTypeError(f"{name}: expected a floating-point tensor, got dtype {x.dtype}")
    check_values_tensor(name, x, values=False)   # a meta input is refused by the device check (the parameters')
    if x.dim() != dims or x.shape[-1] != last:
        raise ShapeError(f"{name}: expected shape {layout} with last size {last}, got {tuple(x.shape)}")
    if dtype is not None and x.dtype != dtype and x.dtype != autocast_dtype(x):
        raise InputTypeError(f"{name}: expected dtype {dtype} ({dtype_of}), got {x.dtype}; convert explicitly")
    _check_device(name, x, device, dtype_of.replace("the module's", "the module's parameters'"))
    if rows is not None and x.shape[-2] == 0:
        raise ShapeError(f"{name}: expected at least one {rows}, got shape {tuple(x.shape)}")
    return x


class HopfieldLayer(nn.Module):
    r"""``update_steps`` modern Hopfield updates as a differentiable layer.

    .. math:: \xi \leftarrow \operatorname{softmax}(\beta\, \xi X^\top)\, X \quad (\text{rows are patterns})

    Args:
        size: ``D``, the size of state and stored patterns.
        n_patterns: if given, the stored patterns are a learned ``nn.Parameter`` of shape
            ``(n_patterns, D)``; if ``None`` they must be passed to ``forward`` as ``stored``.
        beta: inverse temperature (default :math:`1/\sqrt{D}`, as in attention).
        update_steps: how many updates to run (1 is one attention step).

    Shapes: ``queries (B, Q, D)``, ``stored (B, P, D)`` or ``(P, D)``, ``mask (B, P)`` bool (``True``
    where a stored pattern is valid) -> ``(B, Q, D)``.

    >>> import torch
    >>> from rnnkit.hopfield import HopfieldLayer
    >>> layer = HopfieldLayer(8, n_patterns=32)                  # a learned memory of 32 patterns
    >>> layer(torch.randn(4, 5, 8)).shape
    torch.Size([4, 5, 8])
    >>> given = HopfieldLayer(8, beta=100.0)                    # stored patterns given as input
    >>> X = torch.eye(8)[:3].expand(4, 3, 8)                     # (B, P, D)
    >>> given(X[:, :1] + 0.1, stored=X).round()[0, 0]            # a noisy query snaps to its pattern
    tensor([1., 0., 0., 0., 0., 0., 0., 0.])
    """

    def __init__(self, size: int, n_patterns: int | None = None, beta: float | None = None,
                 update_steps: int = 1, device=None, dtype=None) -> None:
        super().__init__()
        self.size = check_positive_int("size", size)
        self.beta = _check_beta_or_default(beta, size)
        self.update_steps = check_positive_int("update_steps", update_steps)
        factory = check_factory(device, dtype)   # a bad one was reported as a size that does not fit in memory
        if n_patterns is None:
            self.patterns = None
        else:
            check_positive_int("n_patterns", n_patterns)
            self.patterns = allocate(lambda: nn.Parameter(torch.randn(n_patterns, size, **factory)),
                                     "n_patterns", f"n_patterns={n_patterns}, size={size}")

    def extra_repr(self) -> str:
        learned = None if self.patterns is None else self.patterns.shape[0]
        return f"size={self.size}, n_patterns={learned}, beta={self.beta:.4g}, update_steps={self.update_steps}"

    def forward(self, queries: Tensor, stored: Tensor | None = None, mask: Tensor | None = None) -> Tensor:
        learned = self.patterns is not None
        xi = _check_input("queries", queries, 3, self.size, "(B, Q, D)", self.patterns.dtype if learned else None,
                          device=self.patterns.device if learned else None)
        if stored is None and self.patterns is None:
            raise ConfigError("stored: expected stored patterns (B, P, D) as input (this layer was built "
                              "without n_patterns), got None")
        if stored is not None and self.patterns is not None:
            raise ConfigError(f"stored: expected None (this layer learns its {self.patterns.shape[0]} "
                              "patterns), got a tensor")
        if stored is None:
            stored = self.patterns
        else:
            dims = stored.dim() if isinstance(stored, Tensor) and stored.dim() in (2, 3) else 3
            stored = _check_input("stored", stored, dims, self.size, "(B, P, D) or (P, D)", xi.dtype,
                                  rows="stored pattern (P >= 1)", dtype_of="as queries", device=xi.device)
            if stored.dim() == 3 and stored.shape[0] != xi.shape[0]:
                raise ShapeError(f"stored: expected batch size {xi.shape[0]} (as queries), got {tuple(stored.shape)}")
        if mask is not None:
            P = stored.shape[-2]
            _check_mask(mask, (xi.shape[0], P), P, xi.device, "as queries")   # bool, a True per row at least
            if tuple(mask.shape) != (xi.shape[0], P):   # exactly (B, P) here, not a shape broadcast to it
                raise ShapeError(f"mask: expected shape ({xi.shape[0]}, {P}), got {tuple(mask.shape)}")
        # no value read (as torch.nn's and rnnkit's recurrent layers): NaN in is NaN out, the Trainer names a
        # non-finite loss; a check here was a host-device sync every forward (hopfield_update checks, one retrieval)
        for _ in range(self.update_steps):
            xi, _att = _update(xi, stored, self.beta, mask)
        return xi


class HopfieldPooling(nn.Module):
    r"""Pool a sequence into a fixed-size vector by modern Hopfield retrieval (HopfieldPooling-style).

    The ``T`` steps of a sequence :math:`Y \in \mathbb{R}^{T \times D}` are the stored patterns;
    ``n_queries`` learned state patterns :math:`q` retrieve from them in one update:

    .. math::
        K = Y W_K, \qquad a = \operatorname{softmax}(\beta\, q K^\top), \qquad z = a\, Y,

    so each query returns a convex combination of the steps (in the same space as ``Y``). Padded steps
    (beyond ``lengths``) take no part.

    Args:
        input_size: ``D``, the feature size of the sequence (e.g. the hidden size of an rnnkit layer).
        n_queries: number of learned queries; the output has ``n_queries * D`` features.
        key_size: size of the key space (default ``D``).
        beta: inverse temperature (default :math:`1/\sqrt{\text{key\_size}}`).

    Shapes: ``inputs (B, T, D)`` (batch first), ``lengths (B,)`` ints in ``[1, T]`` -> ``(B, n_queries * D)``.

    >>> import torch, rnnkit
    >>> from rnnkit.hopfield import HopfieldPooling
    >>> lstm = rnnkit.LSTM(3, 8, batch_first=True)
    >>> outputs, _ = lstm(torch.randn(4, 10, 3))                 # (B, T, H)
    >>> pool = HopfieldPooling(8)
    >>> pool(outputs, lengths=torch.tensor([10, 7, 3, 1])).shape
    torch.Size([4, 8])
    """

    def __init__(self, input_size: int, n_queries: int = 1, key_size: int | None = None,
                 beta: float | None = None, device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = check_positive_int("input_size", input_size)
        self.n_queries = check_positive_int("n_queries", n_queries)
        self.key_size = input_size if key_size is None else check_positive_int("key_size", key_size)
        self.beta = _check_beta_or_default(beta, self.key_size)
        factory = check_factory(device, dtype)
        got = f"input_size={input_size}, n_queries={n_queries}, key_size={self.key_size}"
        self.query = allocate(lambda: nn.Parameter(torch.randn(n_queries, self.key_size, **factory)), "input_size", got)
        self.key = allocate(lambda: nn.Linear(input_size, self.key_size, bias=False, **factory), "input_size", got)

    def extra_repr(self) -> str:
        return (f"input_size={self.input_size}, n_queries={self.n_queries}, key_size={self.key_size}, "
                f"beta={self.beta:.4g}")

    def _prepare(self, inputs: Any, lengths: Any) -> tuple[Tensor, Tensor | None]:
        """``inputs`` checked, with every padded step (beyond ``lengths``) set to zero, so what the padding
        holds (NaN, Inf) reaches no output or gradient (``0 * NaN`` is NaN); and the ``(B, T)`` step mask
        (``None`` when every sequence is full). ``lengths`` is checked as the layers check it."""
        y = _check_input("inputs", inputs, 3, self.input_size, "(B, T, D)", self.query.dtype, rows="step (T >= 1)",
                         device=self.query.device)
        lengths = check_lengths(lengths, y.shape[0], y.shape[1], device=y.device)
        if lengths is None:   # values not read, as in HopfieldLayer.forward
            return y, None
        mask = step_mask(lengths, y.shape[1]).squeeze(-1).T                 # (B, T)
        return y.masked_fill(~mask[:, :, None], 0), mask

    def _attention(self, y: Tensor, mask: Tensor | None) -> Tensor:
        dots = self.query @ self.key(y).transpose(1, 2)                     # (B, n_queries, T)
        return _softmax(dots, self.beta, None if mask is None else mask[:, None, :])

    def attention(self, inputs: Tensor, lengths: Tensor | None = None) -> Tensor:
        """The ``(B, n_queries, T)`` retrieval weights over the steps (rows sum to 1)."""
        return self._attention(*self._prepare(inputs, lengths))

    def forward(self, inputs: Tensor, lengths: Tensor | None = None) -> Tensor:
        y, mask = self._prepare(inputs, lengths)
        return (self._attention(y, mask) @ y).flatten(1)                    # (B, n_queries * D)

