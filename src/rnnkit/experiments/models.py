"""Models for the experiments: the cells they compare (names of the layer registry with an
initialisation), the initialisations these tasks care about, and a small sequence model (recurrent layer
+ linear read-out).

:data:`CELLS` maps an experiment's cell name to a :class:`CellSpec`: the layer registry's name
(:func:`rnnkit.layers.make_layer`) and the recurrent initialisation used when the caller asks for
``"default"``. Any other name the registry builds as a :class:`rnnkit.RecurrentLayer` (a cell registered
with :func:`rnnkit.register_cell`, a layer registered with :func:`rnnkit.register_layer`) runs too, with
torch's default initialisation, and :func:`compare_cells` lists it. Adding a variant to the experiments
is registering it::

    rnnkit.register_layer("lstm-ln", lambda i, h, **kw: rnnkit.LSTM(i, h, layer_norm=True, **kw))

Initialisations (see :func:`init_recurrent`):

* ``"default"`` -- torch.nn's: every weight uniform in ``±1/sqrt(H)``.
* ``"orthogonal"`` -- each ``H x H`` gate block of ``W_hh`` a random orthogonal matrix (its singular
  values are all 1, so at initialisation a linear recurrence neither shrinks nor grows a gradient).
* ``"identity"`` -- ``W_hh = I`` and zero biases, for a ReLU Elman RNN: the IRNN of Le et al. (2015). Only
  for one-gate (Elman) cells.

``forget_bias`` sets the initial bias of the cell's keep gate (``CellMath.keep_gate``: LSTM forget gate
``f``, rows ``H:2H``; GRU update gate ``z``, rows ``H:2H``, where ``h_t = (1 - z) n + z h_{t-1}``): a
positive value starts the cell remembering (Gers et al. 2000; Jozefowicz et al. 2015). :func:`build_layer`
ignores it for cells without such a gate (:func:`has_keep_gate`); a run's config refuses a changed value for
them (:func:`rnnkit.experiments.resolve_config`).

>>> import torch
>>> from rnnkit.experiments.models import build_model
>>> m = build_model("lstm", input_size=2, out_features=1, hidden_size=8, readout="last", forget_bias=1.0)
>>> m(torch.randn(3, 5, 2)).shape
torch.Size([3, 1])
>>> m.rnn.bias_ih_l0[8:16].tolist() == [1.0] * 8 and m.rnn.bias_hh_l0[8:16].abs().sum().item() == 0
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit._validate import check_number
from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.layers import RecurrentLayer, available_layers, get_layer, make_layer
from rnnkit.training.host import own_draws

__all__ = ["CellSpec", "CELLS", "INITS", "READOUTS", "compare_cells", "has_keep_gate", "check_init", "build_layer",
           "init_recurrent", "SequenceModel", "build_model"]

INITS = ("default", "orthogonal", "identity")
READOUTS = ("last", "all")


@dataclass(frozen=True)
class CellSpec:
    """How the experiments use one cell: ``layer``, the name the layer registry builds it by, and
    ``init``, its own recurrent initialisation, used when the caller asks for ``"default"``
    (``"identity"`` for the IRNN)."""

    layer: str
    init: str = "default"
    description: str = ""


#: Cells the experiments know by name; ``compare`` runs all of them (plus the other registered layers).
CELLS: dict[str, CellSpec] = {
    "elman": CellSpec("elman", "default", "tanh Elman RNN"),
    "irnn": CellSpec("elman_relu", "identity", "ReLU Elman RNN, identity recurrent init (Le et al. 2015)"),
    "lstm": CellSpec("lstm", "default", "LSTM (forget gate bias)"),
    "gru": CellSpec("gru", "default", "GRU (update gate bias)"),
}


def _cell_of(layer_name: str) -> str | None:
    """The name of the cell the registry's ``layer_name`` runs, or ``None`` when it is no cell layer
    (MinGRU/MinLSTM: no recurrent weights to initialise, no gradient flow through the engine)."""
    with own_draws():   # the throwaway layer's weights: not from the caller's torch stream (see _cell_math)
        layer = make_layer(layer_name, 1, 1)
    return layer.cell.name if isinstance(layer, RecurrentLayer) else None


def compare_cells() -> list[str]:
    """Names ``compare`` runs by default: :data:`CELLS`, then every other cell layer of the registry
    whose cell none of them already runs."""
    covered = {_cell_of(spec.layer) for spec in CELLS.values()}
    extra = []
    for name in available_layers():
        cell = None if name in CELLS else _cell_of(name)
        if cell is not None and cell not in covered:
            extra.append(name)
            covered.add(cell)
    return list(CELLS) + extra


def _spec(cell: str) -> CellSpec:
    if not isinstance(cell, str):   # a list was a bare 'unhashable' TypeError
        raise InputTypeError(f"cell: expected a cell name (str), one of {compare_cells()}, got {type(cell).__name__} "
                             f"{cell!r}")
    if cell in CELLS:
        return CELLS[cell]
    if isinstance(cell, str) and cell in available_layers() and _cell_of(cell) is not None:
        return CellSpec(cell, "default", get_layer(cell).description)
    raise ConfigError(f"cell: expected one of {compare_cells()}, got {cell!r}")


def _cell_math(cell: str):
    """The cell math of the layer ``cell`` names (an unknown name is a ConfigError). The throwaway layer's initial
    weights are drawn from generators of its own (``training.host.own_draws``): a config check drew them from the
    caller's torch generator, then (kept_host_rng, session 26) waited for any fit running in another thread."""
    with own_draws():
        return make_layer(_spec(cell).layer, 1, 1).cell


def has_keep_gate(cell: str) -> bool:
    """Whether the layer ``cell`` names has a keep gate (LSTM forget, GRU update: what ``forget_bias``
    sets); Elman cells have none. An unknown name is a ConfigError."""
    return _cell_math(cell).keep_gate is not None


def check_init(init: str, cell: str | None = None, *, math=None) -> None:
    """``init`` is one of :data:`INITS` that the cell (its registry name ``cell``, or its cell ``math``)
    can take: ``"identity"`` (IRNN) only for one-gate (Elman) cells. A run's config checks it before any
    data is built (a comparison refused it for each multi-gate cell only after training the others)."""
    if init not in INITS:
        raise ConfigError(f"init: expected one of {list(INITS)}, got {init!r}")
    if init == "identity":
        math = _cell_math(cell) if math is None else math
        if math.num_gates != 1:
            raise ConfigError(f"init: 'identity' (IRNN) expects a one-gate Elman cell, got cell {math.name!r} "
                              f"with {math.num_gates} gates")


def _forget_bias(value: Any, dtype: torch.dtype | None = None) -> float | None:
    """``forget_bias`` as a Python float (numpy's too: np.float32(1.0) was 'expected a number'), or None; NaN and
    infinities are a ConfigError (they were written into the gate's bias and every step's loss was NaN), and so is a
    value past ``dtype``'s range (the bias's; default torch's default dtype): 1e308 was torch's bare RuntimeError
    'value cannot be converted to type float without overflow' once the model was built."""
    value = check_number("forget_bias", value, allow_none=True)
    top = torch.finfo(dtype or torch.get_default_dtype()).max
    if value is not None and abs(value) > top:
        raise ConfigError(f"forget_bias: expected a value {dtype or torch.get_default_dtype()} holds (|x| <= "
                          f"{top:.4g}), got {value!r}")
    return None if value is None else float(value)


def init_recurrent(layer: RecurrentLayer, init: str = "default", *, forget_bias: float | None = None,
                   keep_gate: int | None = None, generator: torch.Generator | None = None) -> None:
    """Re-initialise ``layer``'s recurrent weights in place (see the module docstring). ``keep_gate``:
    the gate block ``forget_bias`` sets (default: the cell's ``keep_gate``)."""
    forget_bias = _forget_bias(forget_bias, next((p.dtype for p in layer.parameters()), None))
    if keep_gate is None:
        keep_gate = layer.cell.keep_gate
    check_init(init, math=layer.cell)
    H, G = layer.hidden_size, layer.cell.num_gates
    # The keep gate's bias: with layer_norm, b_ih and b_hh sit inside the normalisations, which spread a
    # constant on one gate block over all of them (forget_bias=1 on an LN-LSTM moved f by +1.4 and i, g, o by
    # -0.4 to -0.6 at init); the shifts after them (ln_ih_bias, ln_hh_bias) add to the gate as a bias does.
    bias_names = ("ln_ih_bias", "ln_hh_bias") if getattr(layer, "layer_norm", False) else ("bias_ih", "bias_hh")
    if forget_bias is not None and keep_gate is not None and bias_names[0] == "bias_ih" and not layer.bias:
        raise ConfigError(f"forget_bias: expected None for a layer without biases (bias=False), got {forget_bias!r}")
    with torch.no_grad():
        for name, p in layer.named_parameters():
            if name.startswith("weight_hh"):
                if init == "orthogonal":
                    for k in range(G):
                        nn.init.orthogonal_(p[k * H:(k + 1) * H], generator=generator)
                elif init == "identity":
                    p.copy_(torch.eye(H, dtype=p.dtype, device=p.device))
            elif name.startswith("bias") and init == "identity":
                p.zero_()
        if forget_bias is not None and keep_gate is not None:
            rows = slice(keep_gate * H, (keep_gate + 1) * H)
            for name, p in layer.named_parameters():
                if name.startswith(bias_names[0]):
                    p[rows] = forget_bias
                elif name.startswith(bias_names[1]):
                    p[rows] = 0.0


def build_layer(cell: str, input_size: int, hidden_size: int, *, init: str = "default",
                forget_bias: float | None = 1.0, **layer_kwargs) -> RecurrentLayer:
    """The recurrent layer ``cell`` names, initialised (``init="default"`` means the cell's own default,
    e.g. identity for ``"irnn"``)."""
    spec = _spec(cell)
    forget_bias = _forget_bias(forget_bias)
    layer = make_layer(spec.layer, input_size, hidden_size, **layer_kwargs)
    layer.gradflow_name = cell
    init_recurrent(layer, spec.init if init == "default" else init, forget_bias=forget_bias)
    return layer


class SequenceModel(nn.Module):
    """A recurrent layer read by a linear layer: at the last step (``readout="last"``, many-to-one) or at
    every step (``"all"``, many-to-many). Input and output are batch-first.

    >>> import torch, rnnkit
    >>> m = SequenceModel(rnnkit.GRU(3, 4, batch_first=True), out_features=5, readout="all")
    >>> m(torch.randn(2, 7, 3)).shape
    torch.Size([2, 7, 5])
    """

    def __init__(self, rnn: RecurrentLayer, out_features: int, readout: str = "last") -> None:
        super().__init__()
        if readout not in READOUTS:
            raise ConfigError(f"readout: expected one of {list(READOUTS)}, got {readout!r}")
        if not rnn.batch_first:
            raise ConfigError("rnn: expected a batch_first=True layer, got batch_first=False")
        self.rnn, self.readout = rnn, readout
        self.head = nn.Linear(rnn.output_size, out_features)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.rnn(x)
        if self.readout == "last":
            out = out[:, -1]
        return self.head(out)


def build_model(cell: str, *, input_size: int, out_features: int, hidden_size: int = 128, readout: str = "last",
                init: str = "default", forget_bias: float | None = 1.0, bidirectional: bool = False
                ) -> SequenceModel:
    """:class:`SequenceModel` over :func:`build_layer` (one layer, batch-first)."""
    layer = build_layer(cell, input_size, hidden_size, init=init, forget_bias=forget_bias, batch_first=True,
                        bidirectional=bidirectional)
    return SequenceModel(layer, out_features, readout)
