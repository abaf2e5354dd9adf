r"""Classical (binary) Hopfield networks: Hebbian and Storkey learning, energy, sync/async recall.

Symbols: ``N`` units, ``P`` stored patterns :math:`\xi^\mu \in \{-1,+1\}^N`, ``B`` cues (a batch of
start states), states :math:`s \in \{-1,+1\}^N`.

Learning rules (both keep ``W`` symmetric with a zero diagonal, so an energy exists):

* Hebbian (sum of outer products):
  :math:`W = \frac1N \sum_\mu \xi^\mu \xi^{\mu\top}`, :math:`w_{ii} = 0`. Storing more patterns later
  just adds their outer products, so ``store(A); store(B)`` equals ``store(cat(A, B))``.
* Storkey (1997), incremental, one pattern :math:`\xi` at a time, for :math:`i \ne j`:

  .. math::
      h_{ij} = \sum_{k \ne i, j} w_{ik}\,\xi_k, \qquad
      w_{ij} \leftarrow w_{ij} + \tfrac1N\left(\xi_i \xi_j - \xi_i h_{ji} - h_{ij} \xi_j\right).

  With :math:`h = W\xi` this is the rank-2 update
  :math:`W \leftarrow W + \frac1N(\xi\xi^\top - \xi h^\top - h\xi^\top + 2W)` (off the diagonal), which is
  how it is computed: :math:`O(N^2)` per pattern. Storkey's rule subtracts the cross-talk of the patterns
  already stored, so it stores more (and more correlated) patterns than Hebbian.

Energy and dynamics: :math:`E(s) = -\frac12 s^\top W s` and the local field :math:`h_i = \sum_j w_{ij} s_j`;
a unit takes the sign of its field, :math:`s_i \leftarrow \operatorname{sgn}(h_i)`, and keeps its state
when :math:`h_i = 0` (no threshold term: thresholds are not supported).

* ``mode="async"``: units are updated one at a time in a fresh random order each sweep (the same order
  for every cue of the batch, so one sweep is ``N`` vectorised steps). Each flip lowers :math:`E` strictly
  (``W`` symmetric, :math:`w_{ii} \ge 0`), so recall always ends at a fixed point.
* ``mode="sync"``: all units at once, :math:`s \leftarrow \operatorname{sgn}(W s)`. Ends at a fixed point
  or a 2-cycle (sync dynamics with symmetric ``W`` has no longer cycles); a cue found in a 2-cycle is
  frozen at the state where the repeat was detected.

References: J. J. Hopfield (1982), PNAS 79:2554; A. Storkey (1997), ICANN, LNCS 1327:451;
D. J. Amit, H. Gutfreund, H. Sompolinsky (1985), PRL 55:1530 (capacity :math:`\approx 0.138N`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from rnnkit._validate import check_choice
from rnnkit._warn_place import user_stacklevel
from rnnkit.errors import ConfigError, DataError, InputTypeError, ShapeError
from rnnkit.hopfield._checks import (check_finite, check_max_steps, check_pm1, check_positive_int, check_values_tensor,
                                    make_generator)
from rnnkit.layers.inputs import allocate

__all__ = ["HopfieldNetwork", "RecallResult", "LEARNING_RULES", "RECALL_MODES", "overlap", "CapacityWarning", "capacity"]


class CapacityWarning(UserWarning):
    """:meth:`HopfieldNetwork.store` was given more patterns than the rule's capacity (:func:`capacity`): recall of
    random patterns degrades past it. The capacity experiments store past it on purpose and filter this category."""


def capacity(rule: str, n_units: int) -> float:
    r"""The number of random patterns ``n_units`` units store by ``rule``, as theory gives it: Hebbian
    :math:`0.138N` (Amit, Gutfreund, Sompolinsky 1985: where the retrieval states disappear), Storkey
    :math:`N / \sqrt{2 \ln N}` (Storkey 1997); at least 1 (one pattern is always a fixed point of either rule).

    >>> round(capacity("hebbian", 100), 1), round(capacity("storkey", 100), 1)
    (13.8, 33.0)
    """
    check_choice("rule", rule, LEARNING_RULES)
    n = check_positive_int("n_units", n_units)
    bound = 0.138 * n if rule == "hebbian" else (n / math.sqrt(2 * math.log(n)) if n > 1 else 1.0)
    return max(1.0, bound)


# ---------------------------------------------------------------------------------------------------
# Learning rules: (W (N, N), X (P, N) in {-1, +1}) -> W with the patterns added. One registry by name.
# ---------------------------------------------------------------------------------------------------
def _hebbian(W: Tensor, X: Tensor) -> Tensor:
    n = W.shape[0]
    W = W + X.T @ X / n
    W.fill_diagonal_(0)
    return W


def _storkey(W: Tensor, X: Tensor) -> Tensor:
    n = W.shape[0]
    W = W.clone()
    scale = n ** -0.5
    for xi in X:  # inherently sequential: each pattern's update depends on the weights so far
        h = W @ xi                              # h_i = sum_k w_ik xi_k (w_ii = 0)
        # xi xi^T - xi h^T - h xi^T = (xi - h)(xi - h)^T - h h^T; the +2W/N accounts for the k = j
        # (resp. k = i) terms that h_ij (resp. h_ji) leaves out. Two in-place rank-1 updates: 3 passes
        # over W per pattern.
        u = (xi - h) * scale
        v = h * scale
        W.addr_(u, u, beta=1 + 2 / n)
        W.addr_(v, -v)
        W.fill_diagonal_(0)
    # BLAS may round w_ij and w_ji differently (vector FMA vs scalar tail) by an ulp; make W exactly
    # symmetric so the energy argument holds to the bit.
    return (W + W.T) * 0.5


LEARNING_RULES: dict[str, Callable[[Tensor, Tensor], Tensor]] = {"hebbian": _hebbian, "storkey": _storkey}


# ---------------------------------------------------------------------------------------------------
# Recall dynamics: (W, s (B, N) float +-1, max_steps, generator) -> (s, steps, fixed_point, two_cycle).
# ---------------------------------------------------------------------------------------------------
def _recall_async(W: Tensor, s: Tensor, max_steps: int, generator: torch.Generator, tol: Tensor | None = None):
    B, N = s.shape
    tol = [0.0] * N if tol is None else tol.tolist()
    cols = W.T.contiguous()                    # cols[i] = W[:, i]: how flipping unit i moves every field
    steps = torch.full((B,), max_steps, dtype=torch.long, device=s.device)
    done = torch.zeros(B, dtype=torch.bool, device=s.device)
    sparse = s.device.type == "cpu"            # CPU: touch only the cues that flip; GPU: no host syncs
    active = torch.arange(B, device=s.device)  # cues not yet at a fixed point (the only ones swept)
    for sweep in range(1, max_steps + 1):
        x = s[active]                          # (A, N) copy of the active cues
        h = x @ W.T                            # exact fields at the start of each sweep (no drift)
        changed = torch.zeros(x.shape[0], dtype=torch.bool, device=s.device)
        for i in torch.randperm(N, generator=generator).tolist():
            flip = x[:, i] * h[:, i] < -tol[i]   # the field disagrees with the state (ties keep it)
            if sparse:
                rows = flip.nonzero().squeeze(1)
                if rows.numel() == 0:
                    continue
                new = -x[rows, i]
                x[rows, i] = new
                # index_put_ (not index_add_/addr_): stays single-threaded for these tiny updates,
                # which matters on a loaded 2-core machine (OpenMP barriers cost ~100x otherwise).
                h.index_put_((rows,), torch.outer(2 * new, cols[i]), accumulate=True)
                changed[rows] = True
            else:
                delta = torch.where(flip, -2 * x[:, i], torch.zeros_like(x[:, i]))
                x[:, i] += delta
                h.addr_(delta, cols[i])
                changed |= flip
        s[active] = x
        settled = active[~changed]             # a sweep that flipped nothing: a fixed point
        steps[settled] = sweep
        done[settled] = True
        active = active[changed]
        if active.numel() == 0:
            break
    return s, steps, done, torch.zeros_like(done)


def _recall_sync(W: Tensor, s: Tensor, max_steps: int, generator: torch.Generator, tol: Tensor | None = None):
    B, N = s.shape
    tol = torch.zeros(N, dtype=W.dtype, device=W.device) if tol is None else tol
    steps = torch.full((B,), max_steps, dtype=torch.long, device=s.device)
    fixed = torch.zeros(B, dtype=torch.bool, device=s.device)
    cycle = torch.zeros_like(fixed)
    prev: Tensor | None = None                 # the state one step before s
    for t in range(1, max_steps + 1):
        h = s @ W.T
        new = torch.where(h > tol, 1.0, torch.where(h < -tol, -1.0, s)).to(s.dtype)
        active = ~(fixed | cycle)
        is_fixed = active & (new == s).all(1)
        is_cycle = active & ~is_fixed & (new == prev).all(1) if prev is not None else torch.zeros_like(fixed)
        steps[is_fixed | is_cycle] = t
        fixed |= is_fixed
        cycle |= is_cycle
        prev = s
        s = torch.where(active[:, None], new, s)   # cues already settled stay frozen
        if bool((fixed | cycle).all()):
            break
    return s, steps, fixed, cycle


def _whole_fields(W: Tensor, n_units: int) -> Tensor | None:
    """``N * W`` rounded to whole numbers when every entry is whole within float rounding (weights the Hebbian rule
    made: sums of outer products over ``N``, however they reached this network -- ``store``, :meth:`HopfieldNetwork.
    from_weights`, a damaged copy that cut connections), in float32 while every field sum ``N * max|N W|`` is below
    2**24 (exact), else float64 (below 2**53); ``None`` otherwise (Storkey's weights, perturbed or hand-set ones, float64
    needed on a device without it). Read from the weights at each recall, so a change made through ``.data`` or a numpy
    view counts (review W2, session 34)."""
    C = W.float() * n_units if W.dtype != torch.float64 else W * n_units
    R = C.round()
    top = float(R.abs().max()) if R.numel() else 0.0
    # each entry whole within its own rounding (1e-5 of it): an entry that rounds to 0 must be 0. Within 1e-5 of the
    # largest, weights whose N*W were all below 1e-5 (a Hebbian net scaled by 1e-6) were read as no connections at all,
    # and every cue came back as a fixed point (review W1, session 35)
    bad = bool(C.sub_(R).abs_().gt_(R.abs().mul_(1e-5)).any()) if R.numel() else False
    del C
    if not math.isfinite(top) or bad:
        return None
    if n_units * top < 2 ** 24:
        return R if R.dtype == torch.float32 else R.float()
    if R.device.type == "mps" or n_units * top >= 2 ** 53:
        return None
    return R.double()


def _tie_band(W: Tensor) -> Tensor:
    """``(N,)``: for weights with no whole-number form (Storkey's, perturbed or hand-set ones), the field of unit ``i``
    read as 0 -- a tie, the unit keeps its state -- when ``|h_i| <= 4 sqrt(N) u sum_j |w_ij|`` (``u``: the unit
    roundoff of W's dtype). A field that is exactly 0 (Storkey's weights give them: units that carry the same value in
    every stored pattern, a cue that balances them) comes out of ``s @ W.T`` as +-1 rounding error of its sum (at most
    1.2 u sum_j |w_ij| measured against exact rational Storkey weights, N = 9..32, P = 2, 3), whose sign depends on the
    batch's GEMM blocking: 223 of 5,040 cues recalled alone ended elsewhere than in a batch of 40 (session 35). The
    band is ~4x the typical rounding of an N-term sum (sqrt(N) u): the fields it takes as ties are those whose sign
    the float sum does not fix. Real fields are far outside it: none of 65,000 (Storkey, N = 100, 200, 500 at loads
    0.3, 0.3, 0.2, cues with 10% of bits flipped; the nearest 3.4 bands from 0)."""
    u = torch.finfo(W.dtype).eps / 2
    return W.abs().sum(1).mul_(4 * math.sqrt(W.shape[0]) * u)


def _zero_noise_rows(W: Tensor, n_patterns: int) -> None:
    """Set to exactly 0, in place, each row (and its column: W is symmetric) of LEARNED weights whose ``|w_ij|`` are
    all ``<= 8 sqrt(N) P u max|W|`` (``P`` the patterns stored, ``u`` the unit roundoff of W's dtype): a row that is
    all 0 in exact arithmetic (Storkey: two patterns that differ only at that unit) comes out of the float updates as
    rounding noise, and the unit followed the noise's sign. Measured against exact rational Storkey weights (session
    36; N = 4..48, P = 2..8, 2,280 + 936 rows): the noise of such rows was at most 1.41 sqrt(N) P u max|W|, the
    smallest row not 0 in exact arithmetic at least 7.7e4 times that; in float64 Storkey (N = 100..500, P = 5..50,
    random patterns) the smallest row's max|w| was >= 0.47 max|W|, 1,000..21,000 bands. Hand-set weights
    (:meth:`from_weights`, and patterns stored on them) are read as given, and so are 16-bit weights (their ``u``
    makes the band ~0.4 max|W| at N = 100, P = 20: it would swallow real rows)."""
    if W.dtype not in (torch.float32, torch.float64):
        return
    band = 8 * math.sqrt(W.shape[0]) * n_patterns * torch.finfo(W.dtype).eps / 2 * float(W.abs().max())
    rows = W.abs().amax(1) <= band
    if bool(rows.any()):
        W[rows] = 0
        W[:, rows] = 0


RECALL_MODES: dict[str, Callable[..., tuple[Tensor, Tensor, Tensor, Tensor]]] = {
    "async": _recall_async,
    "sync": _recall_sync,
}


def overlap(states: Tensor, targets: Tensor) -> Tensor:
    r"""Row-wise overlap :math:`m = \frac1N s \cdot \xi` of ``(B, N)`` states with ``(B, N)`` targets.

    ``m = 1`` is perfect recall, ``m = -1`` the inverted pattern (also an attractor), ``m ~ 0`` unrelated.

    >>> overlap(torch.tensor([[1., 1., -1., -1.]]), torch.tensor([[1., 1., -1., 1.]]))
    tensor([0.5000])
    """
    if not isinstance(states, Tensor) or not isinstance(targets, Tensor):
        raise InputTypeError(f"states, targets: expected torch.Tensors, got {type(states).__name__}, "
                             f"{type(targets).__name__}")
    if states.shape != targets.shape or states.dim() != 2 or states.shape[1] == 0:   # N = 0: NaN, silently
        raise ShapeError(f"states, targets: expected two (B, N) tensors of the same shape with N >= 1, got "
                         f"{tuple(states.shape)} and {tuple(targets.shape)}")
    for name, t in (("states", states), ("targets", targets)):
        # int states were torch's bare 'mean(): could not infer output dtype' RuntimeError; bool ones are
        # {0, 1}, not {-1, +1} (True * True counted, False * False did not): refused, not read as 0 and 1
        if t.dtype == torch.bool or t.is_complex():
            raise InputTypeError(f"{name}: expected a real tensor of -1 and +1 (bool: x.float() * 2 - 1), got dtype "
                                 f"{t.dtype}")
        check_finite(name, t)    # NaN was a NaN overlap, silently
    dtype = next((t.dtype for t in (states, targets) if t.is_floating_point()), torch.get_default_dtype())
    return (states.to(dtype) * targets.to(dtype)).mean(1)   # ints: exact in float (values +-1)


@dataclass(frozen=True)
class RecallResult:
    """What :meth:`HopfieldNetwork.recall` returns (always this type, whatever the mode).

    * ``states``: ``(B, N)`` final states in ``{-1, +1}`` (the weights' dtype and device).
    * ``steps``: ``(B,)`` int64 sweeps run for each cue, counting the last one that found no change
      (fixed point) or the repeat (2-cycle): a cue that already is a fixed point has ``steps == 1``.
      ``max_steps`` where neither happened.
    * ``fixed_point``: ``(B,)`` bool, the final state is a fixed point of the dynamics.
    * ``two_cycle``: ``(B,)`` bool, sync only: the state alternates between two states (never set by
      async, which always ends at fixed points).
    * ``energy``: ``(B,)`` energy :math:`-\\frac12 s^\\top W s` of the final states.
    """

    states: Tensor
    steps: Tensor
    fixed_point: Tensor
    two_cycle: Tensor
    energy: Tensor

    @property
    def converged(self) -> Tensor:
        """``(B,)`` bool: a fixed point or a 2-cycle was reached within ``max_steps``."""
        return self.fixed_point | self.two_cycle


class HopfieldNetwork:
    r"""A binary Hopfield network: content-addressable memory for ``{-1, +1}`` patterns.

    Args:
        n_units: ``N``, the number of units (the length of each pattern).
        rule: the learning rule, ``"hebbian"`` or ``"storkey"`` (see the module docstring for the
            equations).
        dtype: floating dtype of the weights and returned states (default ``torch.float32``).

    The weights live on the device of the first patterns stored; later patterns and cues must be on
    the same device. ``weights`` is ``None`` until :meth:`store` is called.

    Example (store three random patterns in 64 units, recall one from a cue with 8 bits flipped):

    >>> import torch
    >>> from rnnkit.hopfield import HopfieldNetwork
    >>> g = torch.Generator().manual_seed(0)
    >>> patterns = torch.randint(0, 2, (3, 64), generator=g).float() * 2 - 1   # (P, N) in {-1, +1}
    >>> net = HopfieldNetwork(64, rule="storkey").store(patterns)
    >>> cue = patterns[:1].clone()
    >>> cue[0, :8] *= -1
    >>> result = net.recall(cue, mode="async", seed=0)
    >>> bool(torch.equal(result.states, patterns[:1])), bool(result.fixed_point[0])
    (True, True)
    >>> int(result.steps[0])  # one sweep repaired the cue, the second changed nothing
    2
    >>> bool(net.energy(result.states)[0] < net.energy(cue)[0])
    True
    """

    def __init__(self, n_units: int, rule: str = "hebbian", *, dtype: torch.dtype = torch.float32) -> None:
        self.n_units = check_positive_int("n_units", n_units)
        check_choice("rule", rule, LEARNING_RULES)   # a list was a bare 'unhashable type' TypeError
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise ConfigError(f"dtype: expected a floating torch.dtype, got {dtype!r}")
        self.rule = rule
        self.dtype = dtype
        self.weights: Tensor | None = None
        self.n_patterns = 0
        self._learned = True   # every weight came from store(); from_weights' hand-set ones are read as given

    @classmethod
    def from_weights(cls, weights: Tensor, rule: str = "hebbian") -> HopfieldNetwork:
        """A network with the given ``(N, N)`` weights (copied; e.g. deliberately damaged ones).

        The weights are used as given: the energy guarantee of async recall needs them symmetric with
        a non-negative diagonal. ``rule`` is the rule later :meth:`store` calls use.
        """
        if not isinstance(weights, Tensor) or not weights.is_floating_point():
            got = weights.dtype if isinstance(weights, Tensor) else type(weights).__name__
            raise InputTypeError(f"weights: expected a floating-point torch.Tensor, got {got}")
        check_values_tensor("weights", weights)
        if weights.dim() != 2 or weights.shape[0] != weights.shape[1] or weights.shape[0] == 0:
            raise ShapeError(f"weights: expected a square (N, N) tensor with N >= 1, got {tuple(weights.shape)}")
        check_finite("weights", weights)
        if not bool(torch.isfinite(weights.abs().sum())):   # a field W s of inf - inf is NaN, which no flip reads
            raise DataError(f"weights: expected a sum of |w| within {weights.dtype}'s range (the fields W s and the "
                            f"energy are such sums), got one past it; scale the weights down")
        net = cls(weights.shape[0], rule, dtype=weights.dtype)
        net.weights = weights.detach().clone()
        net._learned = False
        return net

    def __setstate__(self, state: dict) -> None:
        """Unpickling (``pickle``, ``torch.save`` of the whole network) restores ``__dict__`` without ``__init__``: a
        network pickled before ``_learned`` (efa854f8, session 36) has none, and store() raised AttributeError
        (review W2-1). Weights with no stored pattern are from_weights' (read as given), else store()'s (learned)."""
        if "_learned" not in state:
            state = {**state, "_learned": not (state.get("weights") is not None and not state.get("n_patterns"))}
        self.__dict__.update(state)

    @property
    def device(self) -> torch.device | None:
        """The device the weights live on (``None`` before the first :meth:`store`)."""
        return None if self.weights is None else self.weights.device

    def __repr__(self) -> str:
        return (f"HopfieldNetwork(n_units={self.n_units}, rule={self.rule!r}, n_patterns={self.n_patterns}, "
                f"device={self.device})")

    def _check_states(self, name: str, x: Any, binarize: bool) -> Tensor:
        if self.weights is None:
            raise ConfigError(f"{name}: expected a network with stored patterns (call store(patterns) first), "
                              "got an empty network")
        return check_pm1(name, x, self.n_units, binarize, self.dtype, self.weights.device)

    def store(self, patterns: Tensor, *, binarize: bool = False) -> HopfieldNetwork:
        """Add ``patterns`` ``(P, N)`` with values in ``{-1, +1}`` to the memory; returns ``self``.

        ``binarize=True`` maps any real values explicitly (``> 0 -> +1``, ``<= 0 -> -1``) instead of
        raising on values other than ``-1`` and ``+1``. Calling ``store`` again adds more patterns.
        """
        X = check_pm1("patterns", patterns, self.n_units, binarize, self.dtype, self.device)
        W = self.weights
        if W is None:
            W = allocate(lambda: torch.zeros(self.n_units, self.n_units, dtype=self.dtype, device=X.device), "n_units",
                         f"{self.n_units} (an N x N weight matrix)")
        self.weights = LEARNING_RULES[self.rule](W, X)
        self.n_patterns += X.shape[0]
        if self._learned and X.shape[0]:
            _zero_noise_rows(self.weights, self.n_patterns)
        if X.shape[0] and self.n_patterns > (bound := capacity(self.rule, self.n_units)):
            formula = "0.138 N" if self.rule == "hebbian" else "N / sqrt(2 ln N)"
            warnings.warn(f"patterns: {self.n_patterns} stored in {self.n_units} units, past the {self.rule} rule's "
                          f"capacity of {bound:.1f} ({formula}): recall of random patterns degrades beyond it",
                          CapacityWarning, stacklevel=user_stacklevel())
        return self

    def _exact_fields(self) -> tuple[Tensor, Tensor | None]:
        """The matrix recall reads fields from: ``N * W`` in whole numbers where the weights are whole numbers over
        ``N`` (:func:`_whole_fields`: the Hebbian rule's, however they were given), else ``W``. A unit keeps its state on a field of 0 -- which ``W = sum / N`` in floating
        point (1/9 has no exact form) missed: the rounding of ``s @ W.T`` made an exact 0 a +-1e-8 that flipped the unit,
        and the rounding changes with the batch (a cue recalled alone and among others ran other dynamics). Signs and
        zeros of ``N * W s`` are those of ``W s`` (whole numbers keep the sums exact)."""
        whole = _whole_fields(self.weights, self.n_units)
        if whole is not None:
            return whole, None
        # 16-bit weights are read in float32 (their values exactly), so the band is float32's rounding of the sum:
        # with bfloat16's u it was ~0.1 of sum |w| at N=200 and swallowed real fields (review W8, session 35)
        W = self.weights if self.weights.dtype in (torch.float32, torch.float64) else self.weights.float()
        return W, _tie_band(W)

    def field(self, states: Tensor, *, binarize: bool = False) -> Tensor:
        """Local fields :math:`h = W s` for ``(B, N)`` states, returned as ``(B, N)``."""
        s = self._check_states("states", states, binarize)
        return s @ self.weights.T

    def energy(self, states: Tensor, *, binarize: bool = False) -> Tensor:
        r"""Energy :math:`E(s) = -\frac12 s^\top W s` of each of ``(B, N)`` states, returned as ``(B,)``."""
        s = self._check_states("states", states, binarize)
        return -0.5 * ((s @ self.weights.T) * s).sum(1)

    def recall(self, cues: Tensor, mode: str = "async", max_steps: int = 100, seed: Any = None, *,
               binarize: bool = False) -> RecallResult:
        """Run the dynamics from each of ``(B, N)`` cues until it settles (or ``max_steps`` sweeps).

        Args:
            cues: ``(B, N)`` start states in ``{-1, +1}`` (``binarize=True`` maps real values).
            mode: ``"async"`` (random unit order per sweep) or ``"sync"`` (all units at once).
            max_steps: the most sweeps to run (a sweep updates every unit once).
            seed: async only: an int, a CPU ``torch.Generator`` or ``None`` (fresh randomness). The
                global RNG is never used or changed. Sync recall is deterministic and ignores it.

        Returns:
            a :class:`RecallResult` (states, steps, fixed_point, two_cycle, energy per cue).
        """
        check_choice("mode", mode, RECALL_MODES)   # a list was a bare 'unhashable type' TypeError
        check_max_steps(max_steps)
        generator = make_generator(seed)
        s = self._check_states("cues", cues, binarize).clone()
        W, tol = self._exact_fields()
        s, steps, fixed, cycle = RECALL_MODES[mode](W, s.to(W.dtype), max_steps, generator, tol)
        s = s.to(self.dtype)
        energy = -0.5 * ((s @ self.weights.T) * s).sum(1)
        return RecallResult(states=s, steps=steps, fixed_point=fixed, two_cycle=cycle, energy=energy)


def studied(n_units: int, rule: str, patterns: Tensor) -> HopfieldNetwork:
    """``HopfieldNetwork(n_units, rule).store(patterns)`` without :class:`CapacityWarning`: the experiments
    (:mod:`rnnkit.hopfield.experiments`) store past the capacity on purpose, to measure it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CapacityWarning)
        return HopfieldNetwork(n_units, rule).store(patterns)
