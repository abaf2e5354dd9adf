"""The cell contract: one step of a recurrence, with its hand-derived local backward.

A cell knows nothing of time. The engine (``rnnkit.engine``) projects the whole input sequence in one
GEMM (``xp = x @ W_ih^T + b``), then for each step computes the recurrent projection
``hp = h_{t-1} @ W_hh^T (+ b_hh)`` and calls the cell's pointwise :meth:`CellMath.forward`. In the
backward loop it calls :meth:`CellMath.backward` to turn the gradient of the new state into the gradient
of the pre-activations (``d_xp``, ``d_hp``) and of the previous state along the cell's direct paths; the
engine adds ``d_hp @ W_hh`` itself and forms the weight gradients after the loop.

Two ways to write a new cell:

* :class:`CellMath` -- flat tensors, pure pointwise ``forward``/``backward`` (fast, hand BPTT). Register it
  with :func:`register_cell` and use it in :class:`rnnkit.RecurrentLayer`.
* :class:`RecurrentCell` -- an ``nn.Module`` whose per-step input and state may be nested (tuples, dicts
  of tensors). The engine runs it with autograd (see :class:`rnnkit.Recurrent`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError, InputTypeError

__all__ = ["CellMath", "RecurrentCell", "register_cell", "get_cell", "available_cells"]

State = tuple[Tensor, ...]


class CellMath:
    """Pointwise math of one recurrent step (stateless; one instance can be shared).

    Class attributes a subclass declares:

    * ``name`` -- the registry name (``"lstm"``).
    * ``num_gates`` -- blocks of ``hidden_size`` rows in ``W_ih``/``W_hh`` (LSTM 4, GRU 3, Elman 1).
    * ``state_names`` -- names of the state tensors, the output ``h`` first (LSTM ``("h", "c")``).
    * ``additive`` -- ``True`` when the step uses only ``xp + hp`` (then ``b_hh`` is folded into the
      input projection and :meth:`forward` receives the sum as ``xp`` with ``hp=None``).
    * ``native`` -- the name of torch's fused kernel that computes exactly this cell
      (``"lstm"``, ``"gru"``, ``"rnn_tanh"``, ``"rnn_relu"``) or ``None``.
    * ``keep_gate`` -- the index of the gate block whose activation keeps the old state (LSTM's forget
      gate ``f`` and GRU's update gate ``z``: 1) or ``None``; initialisations that start a cell
      remembering set its bias (``rnnkit.experiments.init_recurrent``).

    A cell may own extra per-layer parameters (LayerNorm gains, peepholes, a projection): it lists them
    in :meth:`param_specs`; the layer creates them (``<name>_l{k}[_reverse]``) and the engine passes
    them to :meth:`forward` / :meth:`backward` as ``params`` in that order.
    """

    name: ClassVar[str] = ""
    num_gates: ClassVar[int] = 1
    state_names: ClassVar[tuple[str, ...]] = ("h",)
    additive: ClassVar[bool] = True
    native: ClassVar[str | None] = None
    keep_gate: ClassVar[int | None] = None

    def state_sizes(self, hidden_size: int) -> tuple[int, ...]:
        """Feature size of each state tensor (the first is the output's)."""
        return (hidden_size,) * len(self.state_names)

    def param_specs(self, hidden_size: int) -> list[tuple[str, tuple[int, ...], str]]:
        """Extra parameters: ``(name, shape, init)`` with init ``"ones"``, ``"zeros"`` or ``"uniform"``."""
        return []

    def forward(self, xp: Tensor, hp: Tensor | None, state: State,
                params: tuple[Tensor, ...] = ()) -> tuple[State, tuple[Tensor, ...]]:
        """One step: returns ``(new_state, saved)``; ``saved`` is whatever :meth:`backward` needs.

        Written with out-of-place tensor ops only, so the same code serves the autograd reference path.
        """
        raise NotImplementedError

    def backward(self, d_state: State, saved: tuple[Tensor, ...], params: tuple[Tensor, ...] = ()
                 ) -> tuple[Tensor, Tensor | None, tuple[Tensor | None, ...], tuple[Tensor, ...]]:
        """Local backward of :meth:`forward`.

        ``d_state`` holds the gradients of the new state (one per ``state_names``). Returns
        ``(d_xp, d_hp, d_state_prev_direct, d_params)``: the gradient of the input pre-activation, of the
        recurrent pre-activation (``None`` when equal to ``d_xp``, as for additive cells), of the previous
        state through paths that do not go through ``W_hh`` (``None`` entries mean zero), and of each
        extra parameter for this step (summed over the batch; ``()`` when there are none).
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class RecurrentCell(nn.Module):
    """Base class of a general (possibly nested) cell run by :class:`rnnkit.Recurrent` with autograd.

    Subclasses implement :meth:`initial_state` and ``forward(x_t, state) -> (y_t, new_state)``, where
    ``x_t``, ``y_t`` and ``state`` may be tensors or nested tuples/lists/dicts of tensors whose leading
    dimension is the batch. A padded step (beyond a sequence's length) keeps the state and emits zeros;
    the engine applies that rule leaf by leaf, so the cell never sees ``lengths``.

    Example: a cell that takes ``{"x": ..., "mask": ...}`` and only updates where ``mask`` is 1::

        >>> import torch, rnnkit
        >>> class GatedSum(rnnkit.RecurrentCell):
        ...     def __init__(self, n):
        ...         super().__init__()
        ...         self.proj = torch.nn.Linear(n, n)
        ...     def initial_state(self, batch_size, device=None, dtype=None):
        ...         return {"total": torch.zeros(batch_size, self.proj.out_features, device=device, dtype=dtype)}
        ...     def forward(self, inp, state):
        ...         total = state["total"] + inp["mask"] * torch.tanh(self.proj(inp["x"]))
        ...         return total, {"total": total}
        >>> layer = rnnkit.Recurrent(GatedSum(3), batch_first=True)
        >>> x = {"x": torch.randn(2, 5, 3), "mask": torch.ones(2, 5, 1)}
        >>> y, state = layer(x, lengths=torch.tensor([5, 2]))
        >>> y.shape, state["total"].shape
        (torch.Size([2, 5, 3]), torch.Size([2, 3]))
        >>> bool((y[1, 2:] == 0).all())
        True
    """

    def initial_state(self, batch_size: int, device: Any = None, dtype: Any = None) -> Any:
        raise NotImplementedError

    def forward(self, x_t: Any, state: Any) -> tuple[Any, Any]:  # pragma: no cover - abstract
        raise NotImplementedError


# Fused derivative kernels (one op each instead of two or three): grad ⊙ y(1-y), grad ⊙ (1-y²), grad ⊙ [y>t].
sigmoid_backward = torch.ops.aten.sigmoid_backward.default
tanh_backward = torch.ops.aten.tanh_backward.default
threshold_backward = torch.ops.aten.threshold_backward.default

_REGISTRY: dict[str, CellMath] = {}


def register_cell(cell: CellMath) -> CellMath:
    """Add a cell to the name registry used by layers (``rnnkit.RecurrentLayer(cell="name")``). A name may be
    registered again (a notebook cell run twice), but not a built-in one (``"lstm"``, ``"gru"``, ...) by
    another class: ``rnnkit.LSTM`` and every task would compute the new cell from then on."""
    if not isinstance(cell, CellMath):
        raise InputTypeError(f"cell: expected a CellMath instance, got {type(cell).__name__}")
    if not cell.name:
        raise ConfigError(f"cell: {type(cell).__name__} declares no name")
    old = _REGISTRY.get(cell.name)
    if old is not None and type(old) is not type(cell) and type(old).__module__.startswith("rnnkit.cells."):
        # replacing a built-in silently changed every layer built on it after the call (rnnkit.LSTM included)
        raise ConfigError(f"cell: expected a name no built-in cell has, got {cell.name!r} (rnnkit's "
                          f"{type(old).__name__}, which rnnkit's layers of that name compute); register it under "
                          "another name")
    _REGISTRY[cell.name] = cell
    return cell


def get_cell(name: str | CellMath) -> CellMath:
    """Look a cell up by registry name (or pass a ``CellMath`` through)."""
    if isinstance(name, CellMath):
        return name
    if not isinstance(name, str):
        raise InputTypeError(f"cell: expected a registered name (one of {sorted(_REGISTRY)}) or a CellMath, "
                             f"got {name!r} ({type(name).__name__})")
    if name not in _REGISTRY:
        raise ConfigError(f"cell: expected one of {sorted(_REGISTRY)}, got {name!r}")
    return _REGISTRY[name]


def available_cells() -> list[str]:
    """Names of the registered cells."""
    return sorted(_REGISTRY)


def zeros_like_state(state: State) -> State:
    return tuple(torch.zeros_like(s) for s in state)
