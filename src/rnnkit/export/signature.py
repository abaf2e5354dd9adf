"""What an exported graph takes and returns, and how to draw inputs of any batch and time size for the
parity check.

A :class:`GraphSpec` holds two modules with the same positional call -- ``graph`` (built on the
export-friendly twins of :mod:`rnnkit.export.graph`) and ``reference`` (the original model, run by its
own engine) -- the named inputs with their axes (``"batch"`` and ``"time"`` are dynamic), and the output
names. :meth:`GraphSpec.sample` draws inputs at any batch and time size.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils._pytree import tree_leaves

from rnnkit._validate import is_int, plain
from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.export.graph import baked_copy, exportable
from rnnkit.layers.interop import from_torch
from rnnkit.layers.minimal import MinimalRNN
from rnnkit.layers.bidirectional import Bidirectional
from rnnkit.layers.recurrent import RecurrentLayer

__all__ = ["InputSpec", "GraphSpec", "exact_top", "MIN_LENGTHS_TOP", "layer_spec", "module_spec", "LayerGraph",
           "DYNAMIC_AXES", "state_inputs",
           "state_outputs", "pack_state", "flat"]

#: The axes an exported graph leaves dynamic.
DYNAMIC_AXES = ("batch", "time")


@dataclass(frozen=True)
class InputSpec:
    """One graph input: ``shape`` mixes ints and axis names (``"batch"``, ``"time"``); ``kind`` says how
    to draw it: ``"normal"`` (features), ``"state"`` (0.5 x normal), ``"lengths"`` (ints in [1, time],
    the first full), ``"ids"`` (token ids in [1, ``high``), zero past each length)."""

    name: str
    shape: tuple[Any, ...]
    dtype: torch.dtype = torch.float32
    kind: str = "normal"
    high: int = 0

    def __post_init__(self) -> None:   # a bad field was torch's bare error at sampling (or drawn as 'normal')
        check_names("InputSpec.name", [self.name])
        shape = self.shape
        if not isinstance(shape, (tuple, list)) or not all(
                d in DYNAMIC_AXES if isinstance(d, str) else is_int(d) and d >= 0
                for d in shape):
            raise ConfigError(f"InputSpec.shape: expected a tuple of sizes (ints >= 0) and axis names {DYNAMIC_AXES}, "
                              f"got {shape!r:.80}")
        object.__setattr__(self, "shape", tuple(plain(d) for d in shape))   # np.int64 sizes saved as JSON numbers
        if not isinstance(self.dtype, torch.dtype):
            raise InputTypeError(f"InputSpec.dtype: expected a torch.dtype, got {self.dtype!r}")
        if self.kind not in KINDS:
            raise ConfigError(f"InputSpec.kind: expected one of {list(KINDS)}, got {self.kind!r}")
        if not is_int(self.high) or self.high < (2 if self.kind == "ids" else 0):
            raise ConfigError(f"InputSpec.high: expected an int >= {2 if self.kind == 'ids' else 0} (ids are drawn "
                              f"in [1, high)), got {self.high!r}")
        object.__setattr__(self, "high", int(self.high))
        if self.kind in ("ids", "lengths"):   # drawn in this dtype: the graph is traced with what FILE.json records
            if self.dtype.is_complex or self.dtype == torch.bool:
                raise ConfigError(f"InputSpec.dtype: expected an integer (or real) dtype for kind {self.kind!r}, got "
                                  f"{self.dtype}")
            top = exact_top(self.dtype)
            if self.kind == "ids" and self.high - 1 > top:
                raise ConfigError(f"InputSpec.high: expected ids that {self.dtype} holds exactly (high <= {top + 1}), "
                                  f"got {self.high}")
            if self.kind == "lengths" and top < MIN_LENGTHS_TOP:   # a length past 127 wrapped in int8, silently
                raise ConfigError(f"InputSpec.dtype: expected a dtype holding lengths up to at least {MIN_LENGTHS_TOP} "
                                  f"for kind 'lengths' (int16, int32, int64, float32 or float64; {self.dtype} holds "
                                  f"whole numbers up to {top} only: a longer sequence's length would wrap or round), "
                                  f"got {self.dtype}")

    def to_dict(self) -> dict[str, Any]:
        # kind: load_runner bounds a "lengths" input by the time axis, not any input that is so named (feed.py)
        # high (ids): load_runner refuses ids outside [0, high) -- onnxruntime's Gather read id -1 as the last row
        return {"name": self.name, "shape": list(self.shape), "dtype": str(self.dtype).replace("torch.", ""),
                "kind": self.kind, **({"high": self.high} if self.kind == "ids" else {})}


#: The smallest "largest length" a dtype of kind "lengths" must hold: int8 (127), uint8 (255), bfloat16 (256) and
#: float16 (2048) fall short -- a sequence of 300 steps had length 44 in int8 and uint8, 300 -> 300 but 301 -> 300 in
#: bfloat16, silently (torch's .to() wraps and rounds); int16 holds 32767 (the runner refuses a longer time axis).
MIN_LENGTHS_TOP = 2 ** 15 - 1


def exact_top(dtype: torch.dtype) -> int:
    """The largest whole number ``dtype`` holds with every whole number below it: ``iinfo.max`` of an integer dtype,
    ``2 / eps`` (2**24 for float32) of a floating one."""
    return int(2 / torch.finfo(dtype).eps) if dtype.is_floating_point else torch.iinfo(dtype).max


#: How :meth:`GraphSpec.sample` draws an input (see :class:`InputSpec`).
KINDS = ("normal", "state", "lengths", "ids")


def check_names(what: str, names: Any) -> list[str]:
    """Graph input or output names: non-empty strings, each once (a repeated one was torch's bare ValueError, an
    empty one onnxruntime's INVALID_GRAPH, a str was read as its letters)."""
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise InputTypeError(f"{what}: expected a list of names, got {type(names).__name__} {names!r:.60}")
    for n in names:
        if not isinstance(n, str) or not n.strip():
            raise ConfigError(f"{what}: expected non-empty strings, got {n!r}")
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        raise ConfigError(f"{what}: expected distinct names, got {twice!r} twice")
    return list(names)


@dataclass
class GraphSpec:
    """A graph to export (see the module docstring). ``meta`` is written next to the artifact."""

    graph: nn.Module
    reference: nn.Module
    inputs: list[InputSpec]
    output_names: list[str]
    meta: dict[str, Any] = field(default_factory=dict)
    example: tuple[Tensor, ...] | None = None  # fixed example inputs (generic modules); else sampled
    # traced with size-oblivious guards (export.context: windows of min(time, 510) pieces, whose reshape guards
    # would otherwise fix the time axis)
    oblivious: bool = False
    #: (batch, time) sizes the parity check runs at beyond CHECK_SIZES (export.context: a time axis of three windows)
    more_sizes: tuple[tuple[int, int], ...] = ()
    #: the least tolerance the parity check holds this graph to, and why (export.context: float16-rounded states)
    min_atol: tuple[float, str] = (0.0, "")

    def sample(self, batch: int, time: int, seed: int = 0) -> tuple[Tensor, ...]:
        """Inputs of batch size ``batch`` and length ``time`` (seeded, so reruns draw the same)."""
        if self.example is not None:
            return self.example
        g = torch.Generator().manual_seed(seed)
        sizes = {"batch": batch, "time": time}
        out: dict[str, Tensor] = {}
        for spec in self.inputs:
            shape = tuple(sizes.get(d, d) for d in spec.shape)
            if spec.kind == "lengths":   # in the spec's dtype (ids too): drawn as int64 whatever it said, the graph
                v = torch.randint(1, time + 1, shape, generator=g)   # took int64 and FILE.json recorded the spec's
                v[0] = time                                           # (int32): the runner refused every feed
                out[spec.name] = v.to(spec.dtype)
            elif spec.kind == "ids":
                out[spec.name] = torch.randint(1, spec.high, shape, generator=g).to(spec.dtype)
            elif not (spec.dtype.is_floating_point or spec.dtype.is_complex):   # randn -> int64: -2..2, mostly 0
                hint = "a bool input exports with example= tensors" if spec.dtype == torch.bool else (
                    f"an integer input is kind 'ids' (drawn in [1, high): InputSpec({spec.name!r}, shape, {spec.dtype}, "
                    f"'ids', high=N)) or 'lengths'")
                raise ConfigError(f"inputs: expected a floating dtype for {spec.name!r} of kind {spec.kind!r} (drawn "
                                  f"from a normal distribution), got {spec.dtype}; {hint}")
            else:
                scale = 0.5 if spec.kind == "state" else 1.0
                out[spec.name] = (scale * torch.randn(shape, generator=g)).to(spec.dtype)
        lengths = next((out[s.name] for s in self.inputs if s.kind == "lengths"), None)
        for spec in self.inputs:
            if spec.kind == "ids" and lengths is not None:  # padding past each length, as a batcher makes it
                pad = torch.arange(time).unsqueeze(0) >= lengths.unsqueeze(1)
                out[spec.name] = out[spec.name].masked_fill(pad, 0)
        return tuple(out[s.name] for s in self.inputs)

    def dynamic_shapes(self) -> tuple[Any, ...]:
        """``torch.export`` dynamic shapes: one ``Dim`` per axis name, shared across inputs (grouped as
        the graph's ``forward`` takes them: a ``*rest`` parameter gets one tuple)."""
        if self.example is not None:
            dyn = [{i: torch.export.Dim.AUTO for i in range(t.dim())} for t in self.example]
        else:
            dims = {name: torch.export.Dim(name, min=1) for name in DYNAMIC_AXES}
            dyn = [{i: dims[d] for i, d in enumerate(s.shape) if isinstance(d, str)} for s in self.inputs]
        params = list(inspect.signature(self.graph.forward).parameters.values())
        if params and params[-1].kind is inspect.Parameter.VAR_POSITIONAL:
            n = len(params) - 1
            rest = tuple(dyn[n:])  # none (a layer without state or lengths inputs): torch.export wants no entry
            return (*dyn[:n], rest) if rest else tuple(dyn[:n])
        return tuple(dyn)


def flat(out: Any) -> tuple[Tensor, ...]:
    """A layer's output or state as a tuple of tensors."""
    return out if isinstance(out, tuple) else (out,)


def pack_state(states: tuple[Tensor, ...]) -> Any:
    """Positional state tensors back into a layer's state (``None``, a tensor, or ``(h, c)``)."""
    return None if not states else (states[0] if len(states) == 1 else tuple(states))


class LayerGraph(nn.Module):
    """``layer(x, state, lengths)`` as a graph of positional tensors: ``(x, *state, [lengths]) ->
    (*outputs, *final_state)``."""

    def __init__(self, layer: nn.Module, n_state: int, with_lengths: bool) -> None:
        super().__init__()
        self.layer, self.n_state, self.with_lengths = layer, n_state, with_lengths

    def forward(self, x: Tensor, *rest: Tensor):
        lengths = rest[self.n_state] if self.with_lengths else None
        out, new = self.layer(x, pack_state(rest[: self.n_state]), lengths)
        return (*flat(out), *flat(new))


def _layer_shape(layer: nn.Module) -> tuple[Any, ...]:
    """``(num_layers * directions, state sizes, state names, merge, batch_first, input_size)``."""
    if isinstance(layer, Bidirectional):   # over any unidirectional layer: a MinGRU's has no .cell (AttributeError)
        layers, sizes, names, _, _, input_size = _layer_shape(layer.forward_layer)
        return 2 * layers, sizes, names, layer.merge, layer.batch_first, input_size
    if isinstance(layer, RecurrentLayer):
        return (layer.num_layers * layer.num_directions, layer.cell.state_sizes(layer.hidden_size),
                layer.cell.state_names, layer.merge if layer.bidirectional else "concat", layer.batch_first,
                layer.input_size)
    return (layer.num_layers * layer.num_directions, (layer.hidden_size,), ("h",),
            layer.merge if layer.bidirectional else "concat", layer.batch_first, layer.input_size)


def _weights_dtype(layer: nn.Module) -> torch.dtype:
    """The dtype of ``layer``'s weights: what its input and state must have (float32 when it has none)."""
    return next((p.dtype for p in layer.parameters() if p.is_floating_point()), torch.float32)


def state_inputs(layer: nn.Module) -> list[InputSpec]:
    """The initial-state inputs of ``layer``: ``h0`` (and ``c0``), each ``(layers * directions, batch, S)``
    in the dtype of its weights."""
    LD, sizes, names = _layer_shape(layer)[:3]
    dtype = _weights_dtype(layer)
    return [InputSpec(f"{n}0", (LD, "batch", S), dtype, kind="state") for n, S in zip(names, sizes)]


def state_outputs(layer: nn.Module) -> list[str]:
    """The final-state output names of ``layer``: ``h_n`` (and ``c_n``)."""
    return [f"{n}_n" for n in _layer_shape(layer)[2]]


def is_layer(module: Any) -> bool:
    """Whether :func:`layer_spec` exports ``module`` without an example (an rnnkit or torch.nn recurrent layer)."""
    return isinstance(module, (nn.LSTM, nn.GRU, nn.RNN, RecurrentLayer, MinimalRNN, Bidirectional))


def layer_spec(layer: nn.Module, *, state: bool = True, lengths: bool = False) -> GraphSpec:
    """The graph of one recurrent layer: inputs ``x`` (``(batch, time, I)`` with ``batch_first``, else
    ``(time, batch, I)``), the initial state (``h0``, and ``c0`` for an LSTM; with ``state=True``) and
    ``lengths`` (``(batch,)`` int64; with ``lengths=True``); outputs ``output`` (``output_forward`` and
    ``output_backward`` for ``merge="none"``), ``h_n`` (and ``c_n``)."""
    if isinstance(layer, (nn.LSTM, nn.GRU, nn.RNN)):   # a parametrized weight: its value, as exportable() takes it
        layer = from_torch(baked_copy(layer) if getattr(layer, "parametrizations", None) else layer)
    if not isinstance(layer, (RecurrentLayer, MinimalRNN, Bidirectional)):
        raise ConfigError(f"model: expected an rnnkit recurrent layer, got {type(layer).__name__}")
    layer = layer.eval()
    _, _, _, merge, batch_first, input_size = _layer_shape(layer)
    x_shape = ("batch", "time", input_size) if batch_first else ("time", "batch", input_size)
    states = state_inputs(layer) if state else []
    inputs = [InputSpec("x", x_shape, _weights_dtype(layer)), *states]   # a float64 layer takes float64
    if lengths:
        inputs.append(InputSpec("lengths", ("batch",), torch.long, "lengths"))
    outs = ["output_forward", "output_backward"] if merge == "none" else ["output"]
    outs += state_outputs(layer)
    n_state = len(states)
    return GraphSpec(LayerGraph(exportable(layer), n_state, lengths), LayerGraph(layer, n_state, lengths),
                     inputs, outs, {"kind": "layer", "layer": repr(layer)})


def module_spec(model: nn.Module, example: Any = None, input_names: list[str] | None = None,
                output_names: list[str] | None = None, inputs: list[InputSpec] | None = None) -> GraphSpec:
    """Any module built on rnnkit (or torch.nn) recurrent layers, called with tensors only.

    With ``inputs`` (a list of :class:`InputSpec`) the named axes ``"batch"``/``"time"`` are dynamic and
    parity is checked at other sizes; with ``example`` (a tuple of tensors) every axis may be dynamic
    (``torch.export.Dim.AUTO``: export decides which stay fixed) and parity is checked on ``example``."""
    if not isinstance(model, nn.Module):
        raise ConfigError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if (example is None) == (inputs is None):
        raise ConfigError("example/inputs: expected exactly one of example= (tensors) or inputs= (InputSpec list) "
                          f"to export a {type(model).__name__}, got {'both' if inputs is not None else 'neither'}")
    model = model.eval()
    if inputs is not None:
        if not inputs or not all(isinstance(s, InputSpec) for s in inputs):
            raise ConfigError(f"inputs: expected a non-empty list of InputSpec, got {inputs!r:.80}")
        if input_names is not None:   # ignored, silently: each InputSpec names its input
            raise ConfigError(f"input_names: expected None with inputs= (each InputSpec names its input), got "
                              f"{input_names!r:.60}")
        check_names("inputs (their names)", [s.name for s in inputs])
        spec = GraphSpec(exportable(model), model, list(inputs), [], {"kind": "module", "module": type(model).__name__})
        probe = spec.sample(2, 3)
    else:
        example = tuple(example) if isinstance(example, (tuple, list)) else (example,)
        if not example or not all(isinstance(t, Tensor) for t in example):
            raise ConfigError(f"example: expected a tuple of tensors (the model's positional inputs), got {example!r:.80}")
        names = check_names("input_names", input_names) if input_names is not None else \
            [f"input_{i}" for i in range(len(example))]
        if len(names) != len(example):
            raise ConfigError(f"input_names: expected {len(example)} names, got {len(names)}")
        spec = GraphSpec(exportable(model), model, [InputSpec(n, tuple(t.shape), t.dtype) for n, t in zip(names, example)],
                         [], {"kind": "module", "module": type(model).__name__}, example=example)
        probe = example
    with torch.no_grad():
        n_out = len(tree_leaves(model(*probe)))
    outs = check_names("output_names", output_names) if output_names is not None else \
        [f"output_{i}" for i in range(n_out)]
    if len(outs) != n_out:
        raise ConfigError(f"output_names: expected {n_out} names (the model's outputs), got {len(outs)}")
    spec.output_names = outs
    return spec
