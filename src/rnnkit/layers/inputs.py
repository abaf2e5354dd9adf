"""Checking and laying out the arguments of a layer call, shared by every rnnkit layer.

:func:`prepare_sequence` is the one entry: it validates ``x`` and ``lengths``, turns ``x`` time-major
and sets every padded step of it to zero, so values beyond ``lengths`` (NaN, Inf, 1e30) never reach an
input projection, a normalisation or a gradient in any engine or scan (``0 * NaN`` is NaN, so the
masks on states alone are not enough: ``dW_ih = Σ_t d_xp_tᵀ x_t`` would read the padding).
"""

from __future__ import annotations

import functools
import re
from typing import Any, Callable, NamedTuple

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from rnnkit.engine.masks import check_lengths, step_mask, zero_padding
from rnnkit.errors import ConfigError, InputTypeError, ShapeError

__all__ = ["allocate", "check_factory", "check_dense", "Sequence", "prepare_sequence", "check_sequence_input", "check_state_tensor",
           "restore_layout", "autocast_dtype", "takes_dtype", "accepts_packed", "passes_ended", "CheckedLengths", "run_lengths",
           "records_graph", "refuse_inference_tensor", "refuse_script", "check_plain_weights", "weight_meta", "base_weight_name"]


def allocate(make: Callable[[], Any], name: str, got: str) -> Any:
    """``make()`` (a new tensor or parameter); a size that cannot be allocated (torch's allocator
    RuntimeError, a TypeError for a size beyond int64) is a ConfigError: ``"{name}: expected sizes whose
    weights fit in memory, got {got} (...)"``."""
    try:
        return make()
    except (RuntimeError, TypeError, MemoryError) as e:  # torch.OutOfMemoryError is a RuntimeError
        reason = " ".join(str(e).split())[:120]
        raise ConfigError(f"{name}: expected sizes whose weights fit in memory, got {got} ({reason})") from None


#: the floating dtypes every engine and scan computes in (float8 types are floating but have no arithmetic on CPU)
COMPUTE_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def check_factory(device: Any, dtype: Any) -> dict[str, Any]:
    """A module's ``device``/``dtype`` arguments as ``torch.empty`` takes them: ``dtype`` a floating
    ``torch.dtype`` (an int dtype failed in torch on ``requires_grad``, a complex one at the first call),
    ``device`` one ``torch.device`` parses and this torch can use (an unusable one was torch's
    AssertionError, or an allocation error reported as a size); ``None`` for torch's defaults."""
    if dtype is not None and (not isinstance(dtype, torch.dtype) or dtype not in COMPUTE_DTYPES):
        # a float8 dtype is floating too: it failed in torch's init ('check_uniform_bounds' not implemented)
        error = ConfigError if isinstance(dtype, torch.dtype) else InputTypeError
        raise error(f"dtype: expected a floating torch.dtype the layers compute in (torch.float16, torch.bfloat16, "
                    f"torch.float32 or torch.float64) or None, got {dtype!r}")
    if device is not None:
        try:
            device = torch.device(device)
        except (RuntimeError, TypeError):
            raise ConfigError(f"device: expected a torch device (e.g. 'cpu', 'cuda:0') or None, got {device!r}") from None
        try:
            torch.empty(0, device=device)
        except (RuntimeError, AssertionError) as e:   # not compiled with CUDA, no such GPU, no MPS backend
            reason = " ".join(str(e).split())[:120]
            raise ConfigError(f"device: expected a device this torch can use, got {str(device)!r} ({reason})") from None
    return {"device": device, "dtype": dtype}


def autocast_dtype(ref: Tensor) -> torch.dtype | None:
    """The autocast dtype when autocast is on for ``ref``'s device type and autocast casts ``ref`` (floating,
    not float64: autocast leaves float64 as it is, so a float64 torch.nn.LSTM computes in float64 under it; an
    rnnkit layer computed in bfloat16, silently, before session 28), else None."""
    dev = ref.device.type
    if not ref.is_floating_point() or ref.dtype == torch.float64 or dev not in ("cpu", "cuda") \
            or not torch.is_autocast_enabled(dev):
        return None
    return torch.get_autocast_dtype(dev)


def takes_dtype(given: torch.dtype, own: torch.dtype, ref: Tensor) -> bool:
    """Whether a tensor of dtype ``given`` (an input or a state) may meet weights of dtype ``own`` in a call on
    ``ref``'s device: the same dtype, or under autocast the autocast dtype or float32 beside either (torch.nn.LSTM
    takes a bfloat16 input -- a Linear's output under autocast -- with float32 weights, and float32 state with it).
    The other 16-bit dtype stays refused: a float16 state or input under bfloat16 autocast made the hand engines'
    GRU compute and return float16 (and an LSTM's ``c`` with ``proj_size``) where torch.nn and the native engine
    return float32 (bfloat16 and float16 promote to float32), and an LSTM return bfloat16 where torch.nn's gives
    float32 -- the engine chose the dtype, silently."""
    if given == own:
        return True
    cast = autocast_dtype(ref)
    return cast is not None and given in (cast, torch.float32) and own in (cast, torch.float32)


def check_dense(name: str, t: Tensor) -> None:
    """``t`` must be a plain dense tensor: a sparse one (torch's NotImplementedError from inside an engine, or
    accepted by some engines and not others) or a nested one (torch's 'Internal error: NestedTensorImpl doesn't
    support sizes') is an InputTypeError naming ``name``."""
    if t.is_nested:
        raise InputTypeError(f"{name}: expected a dense tensor, got a nested tensor; pad it "
                             f"({name}.to_padded_tensor(0.0)) and pass the lengths")
    if t.layout != torch.strided:           # torch's own error came from inside the engine (a reshape)
        raise InputTypeError(f"{name}: expected a dense tensor, got layout {t.layout}; call {name}.to_dense()")


def refuse_script(module: torch.nn.Module) -> None:
    """``torch.jit.script``'s hook (``__prepare_scriptable__``, which it calls on a module and every submodule before
    compiling): an rnnkit layer is not TorchScript (its time loop, checks and engines are Python), and torch's own
    error named a line of rnnkit's checks ("Don't support conversion in JoinedStr", "Unknown type annotation:
    'GateMath'"), not the layer; a ConfigError saying what to use instead."""
    alt = ", put layer.to_torch() (the torch.nn module computing the same) in the model you script" if getattr(
        module, "native_ok", False) else ""
    raise ConfigError(f"layer: expected a module torch.jit.script can compile, got rnnkit {type(module).__name__} "
                      f"(its time loop and checks are Python); export it with rnnkit.export (ONNX or torch.export, "
                      f"docs/deploy.md){alt} or compile it with torch.compile")


def check_plain_weights(label: str, module: torch.nn.Module, names: list[str]) -> None:
    """The weights ``names`` of ``module`` (an RNN being converted to or from torch.nn, by ``load_state_dict``)
    must be its own parameters: one that ``torch.nn.utils.parametrize`` computes, or that a forward pre-hook
    recomputes from other tensors -- ``torch.nn.utils.prune`` (``<name>_orig`` times ``<name>_mask``), the legacy
    ``torch.nn.utils.weight_norm`` / ``spectral_norm`` -- is an InputTypeError naming ``label`` and how to make it
    plain (torch's multi-line load_state_dict RuntimeError, 'Missing key(s) ... Unexpected key(s)', before)."""
    if getattr(module, "parametrizations", None):
        raise InputTypeError(f"{label}: expected plain weights, got parametrized {sorted(module.parametrizations)} "
                             "(torch.nn.utils.parametrize.remove_parametrizations first)")
    computed = [n for n in names if n not in module._parameters]
    if computed:
        raise InputTypeError(f"{label}: expected plain weights, got {computed} recomputed by a forward pre-hook "
                             "(torch.nn.utils.prune.remove(module, name), or the legacy torch.nn.utils."
                             "remove_weight_norm / remove_spectral_norm, first)")


def records_graph(module: torch.nn.Module, ref: Tensor) -> bool:
    """Whether a call of ``module`` on ``ref`` is recorded by autograd (grad mode on and ``ref`` or a weight
    requires grad)."""
    return torch.is_grad_enabled() and (ref.requires_grad or any(p.requires_grad for p in module.parameters()))


def refuse_inference_tensor(label: str, arg: str, t: Tensor, module: torch.nn.Module, ref: Tensor) -> None:
    """A tensor made under ``torch.inference_mode()`` (``t``, reported as ``label``; ``arg`` the argument it
    came in) in a call autograd records is an InputTypeError: autograd cannot save it for the backward. Not checked
    while ``torch.compile`` traces (dynamo cannot trace ``is_inference()``: a graph break, an error with
    ``fullgraph=True``)."""
    if torch.compiler.is_compiling():
        return
    if t.is_inference() and records_graph(module, ref):
        raise InputTypeError(f"{label}: expected a tensor autograd can record (made under torch.no_grad() or outside "
                             f"inference mode; {arg}.clone() makes one), got a tensor created under "
                             "torch.inference_mode() while gradients are recorded")


def check_state_tensor(label: str, s: Tensor, expected: tuple[int, ...], ref: Tensor, batched: bool) -> Tensor:
    """One state tensor of a layer: dense, shape ``expected``, dtype of the input ``ref`` (or the autocast dtype
    under autocast); returned with a batch axis of 1 added for unbatched input."""
    check_dense(label, s)
    if tuple(s.shape) != expected:
        raise ShapeError(f"{label}: expected shape {expected}, got {tuple(s.shape)}")
    if s.device != ref.device:
        raise InputTypeError(f"{label}: expected a tensor on {ref.device} (the input's), got {s.device}")
    if not takes_dtype(s.dtype, ref.dtype, ref):
        raise InputTypeError(f"{label}: expected dtype {ref.dtype}, got {s.dtype}")
    return s if batched else s.unsqueeze(1)


def check_features(x: Tensor, name: str, input_size: int, dtype: torch.dtype, device: torch.device | None) -> None:
    """A layer input's layout (dense), dtype and device (the layer's weights') and feature size (its last dim),
    errors naming ``name``: ``x`` for a sequence, ``x_t`` for a streaming step (which were reported as ``x:`` before
    session 17)."""
    check_dense(name, x)
    if not dtype.is_complex and dtype not in COMPUTE_DTYPES:   # layer.to(torch.float8_e4m3fn), which nn.Module allows:
        # each engine failed inside torch with its own NotImplementedError ('add_stub', 'baddbmm' not implemented)
        raise ConfigError(f"layer: expected weights in a dtype the layers compute in (torch.float16, torch.bfloat16, "
                          f"torch.float32 or torch.float64), got {dtype}; convert the layer, e.g. "
                          "layer.to(torch.bfloat16)")
    if not takes_dtype(x.dtype, dtype, x):
        raise InputTypeError(f"{name}: expected dtype {dtype} (the layer's), got {x.dtype}; convert explicitly")
    if device is not None and x.device != device:
        raise InputTypeError(f"{name}: expected a tensor on {device} (the layer's weights'), got {x.device}; move it "
                             "explicitly")
    if x.shape[-1] != input_size:
        raise ShapeError(f"{name}: expected feature size (last dim) {input_size}, got {x.shape[-1]}")


def check_sequence_input(x: Any, input_size: int, dtype: torch.dtype, batch_first: bool,
                         device: torch.device | None = None) -> tuple[Tensor, bool]:
    """Validate a layer input and return it time-major ``(T, B, I)`` with whether it was batched;
    ``device`` (the layer's weights'), when given, is the device ``x`` must be on."""
    if isinstance(x, PackedSequence):   # the layers' forward unpacks one (accepts_packed); a direct caller does not
        raise InputTypeError(f"x: expected a padded tensor and lengths=... (torch.nn.utils.rnn.pad_packed_sequence("
                             f"packed, batch_first={batch_first}) returns both), got a PackedSequence")
    if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], (Tensor, PackedSequence)):   # nn.Sequential(a, b)
        raise InputTypeError("x: expected a torch.Tensor, got a tuple of 2 (a recurrent layer's (outputs, state), as "
                             "torch.nn.Sequential passes it on: put a module taking its [0] between the two)")
    if not isinstance(x, Tensor):
        raise InputTypeError(f"x: expected a torch.Tensor, got {type(x).__name__}")
    check_dense("x", x)
    if x.dim() not in (2, 3):
        raise ShapeError(f"x: expected a 3-D (batched) or 2-D (unbatched) tensor, got {x.dim()}-D with shape {tuple(x.shape)}")
    check_features(x, "x", input_size, dtype, device)
    batched = x.dim() == 3
    if not batched:
        x = x.unsqueeze(1)
    elif batch_first:
        x = x.transpose(0, 1)
    if x.shape[0] == 0:
        raise ShapeError("x: expected at least one time step, got sequence length 0")
    return x, batched


class CheckedLengths(NamedTuple):
    """``lengths`` of a layer call as :func:`passes_ended` validated them, once, for its ``x``: ``run``, the
    lengths the layer runs with (a 0 raised to 1; ``None`` when every sequence is full), and ``own``, the
    sequences' own lengths when one of them is 0 (else ``None``), which gradient-flow records keep (a row
    that ended reads no step). A layer (or one it wraps) given this does not check the lengths again."""

    run: Tensor | None
    own: Tensor | None


def run_lengths(lengths: Any, batch_size: int, max_len: int, device: Any) -> Tensor | None:
    """The lengths a layer runs with: those :func:`passes_ended` checked, else ``lengths`` checked here."""
    if isinstance(lengths, CheckedLengths):
        return lengths.run
    return check_lengths(lengths, batch_size, max_len, device=device)


class Sequence(NamedTuple):
    """A validated layer input: ``x`` time-major ``(T, B, I)`` with padded steps zeroed; ``batched``;
    ``lengths`` (``None`` when every sequence is full) and its ``(T, B, 1)`` step ``mask``."""

    x: Tensor
    batched: bool
    lengths: Tensor | None
    mask: Tensor | None


def prepare_sequence(x: Any, lengths: Any, input_size: int, dtype: torch.dtype, batch_first: bool,
                     device: torch.device | None = None) -> Sequence:
    """Validate ``x`` and ``lengths`` of a layer call (see the module docstring).

    >>> x = torch.tensor([[1.0], [float("nan")]]).view(2, 1, 1).repeat(1, 2, 1)   # (T=2, B=2, I=1)
    >>> prepare_sequence(x, torch.tensor([2, 1]), 1, torch.float32, False).x[:, :, 0]
    tensor([[1., 1.],
            [nan, 0.]])
    """
    x, batched = check_sequence_input(x, input_size, dtype, batch_first, device)
    if lengths is not None and not batched:
        raise ShapeError("lengths: expected None for unbatched (2-D) input, got a value")
    T, B = x.shape[0], x.shape[1]
    lengths = run_lengths(lengths, B, T, x.device)
    if lengths is None:
        return Sequence(x, batched, None, None)
    mask = step_mask(lengths, T)
    return Sequence(zero_padding(x, mask), batched, lengths, mask)


def restore_layout(out, batched: bool, batch_first: bool):
    """Inverse of :func:`check_sequence_input`'s layout change, for a tensor or a tuple of them."""
    if isinstance(out, tuple):
        return tuple(restore_layout(o, batched, batch_first) for o in out)
    if not batched:
        return out.squeeze(1)
    return out.transpose(0, 1) if batch_first else out


def base_weight_name(name: str) -> str:
    """The layer's own name of a parameter that torch's machinery renamed: ``parametrizations.<w>.original``
    (``original0``, ... : ``torch.nn.utils.parametrize``), ``<w>_orig`` (``prune``, the legacy ``spectral_norm``),
    ``<w>_g`` / ``<w>_v`` (the legacy ``weight_norm``); other names as they are."""
    if name.startswith("parametrizations."):
        return name.split(".")[1]
    return re.sub(r"_(orig|g|v)$", "", name)


def weight_meta(module: torch.nn.Module, name: str) -> Tensor:
    """``getattr(module, name)`` for its dtype, device and kind alone: a weight ``torch.nn.utils.parametrize`` computes
    is not computed for that -- its original is read (``original0`` where the parametrization has several, as
    ``weight_norm``'s), unless the parametrization is ``unsafe`` (it may change the dtype). A layer call read
    ``weight_ih_l0`` three times (dtype and device, the engine's choice, the projection) and a step up to four, and
    every read ran the parametrization: an orthogonal weight's matrix exponential three times a call, a spectral
    norm in training three power-iteration steps a call (each moving its ``_u``/``_v`` buffers). The layers read
    their weights' values once a call (the projection, the engine's), these checks through here."""
    plist = module._modules.get("parametrizations")
    chain = None if plist is None else plist._modules.get(name)
    if chain is None or chain.unsafe:
        return getattr(module, name)
    return chain.original if hasattr(chain, "original") else chain.original0


def accepts_packed(forward: Callable) -> Callable:
    """Let a layer's ``forward(x, state=None, lengths=None)`` take a ``PackedSequence`` as torch.nn does.

    The packed input is run as its padded form with its lengths (``pad_packed_sequence``, in the layer's
    ``batch_first`` layout), and the outputs come back packed like the input (same ``batch_sizes``,
    ``sorted_indices``, ``unsorted_indices``; a pair of them for ``merge="none"``). ``state`` is given and
    returned in the caller's batch order, as torch.nn's ``h_0``/``h_n``. ``lengths`` must then be ``None``
    (the packed sequence holds them). Before, a packed input was refused: torch.nn users had to rewrite
    the call.
    """
    @functools.wraps(forward)
    def call(self, x: Any, state: Any = None, lengths: Any = None):
        if not isinstance(x, PackedSequence):
            return forward(self, x, state, lengths)
        if lengths is not None:
            raise ConfigError("lengths: expected None with a PackedSequence x (it holds the lengths), got a value")
        padded, lens = pad_packed_sequence(x, batch_first=self.batch_first)
        out, new_state = forward(self, padded, state, lens)
        pack = lambda y: _pack_like(y, x, lens, self.batch_first)  # noqa: E731
        return (tuple(pack(y) for y in out) if isinstance(out, tuple) else pack(out)), new_state

    return call


def passes_ended(forward: Callable) -> Callable:
    """Let a stacked layer's ``forward`` take a length of 0 (a sequence that ended before this chunk of
    truncated BPTT; torch.nn's ``pack_padded_sequence`` refuses it). Such a sequence reads nothing: its
    outputs are zeros and its final state is the state given (zeros for ``None``), unchanged, as over any
    padded step. The layer runs with those lengths raised to 1 on zeros in those rows (every step of them is
    padding: NaN there reached every weight's gradient through the discarded step) and their rows then
    replaced by the zeros / the given state (``torch.where``: nothing of the step taken reaches a gradient),
    so every engine, scan and direction runs as it does for lengths >= 1. States have the batch at dim 1.
    The lengths are validated here, once: the layer (and a layer it wraps) gets them as
    :class:`CheckedLengths` (before, every call checked them twice, each check two host reads).
    """
    @functools.wraps(forward)
    def call(self, x: Any, state: Any = None, lengths: Any = None):
        if isinstance(x, Tensor):   # torch's RuntimeError in some engines; run by others (with lengths: a copy)
            refuse_inference_tensor("x", "x", x, self, x)
        if lengths is None or isinstance(lengths, CheckedLengths) or not isinstance(x, Tensor) or x.is_nested \
                or x.dim() != 3:          # (a nested x has no shape to read: the layer's check names it)
            return forward(self, x, state, lengths)
        bdim = 0 if self.batch_first else 1
        B, T = x.shape[bdim], x.shape[1 - bdim]
        if not T:
            return forward(self, x, state, lengths)   # the layer's error for a sequence of no step
        lens = check_lengths(lengths, B, T, device=x.device, min_len=0)
        tracing = torch.jit.is_tracing()    # a trace keeps the branch its example took: take the one for all lengths
        if lens is None or (not tracing and bool(lens.min() > 0)):
            return forward(self, x, state, CheckedLengths(lens, None))
        ended = lens == 0
        at = [1] * 3
        at[bdim] = B
        if x.layout == torch.strided:   # every step of an ended row is padding: the step run must not read it
            x = torch.where(ended.view(at), x.new_zeros(()), x)   # (NaN there reached every weight's gradient)
        out, new_state = forward(self, x, state, CheckedLengths(None if T == 1 and not tracing else lens.clamp(min=1),
                                                   lens))
        blank = lambda y: torch.where(ended.view(at), y.new_zeros(()), y)  # noqa: E731
        out = tuple(blank(y) for y in out) if isinstance(out, tuple) else blank(out)
        keep = lambda new, old: torch.where(ended.view(1, B, 1), torch.zeros_like(new) if old is None  # noqa: E731
                                            else old.to(new.dtype), new)
        if isinstance(new_state, Tensor):
            return out, keep(new_state, state)
        olds = (None,) * len(new_state) if state is None else state
        return out, tuple(keep(n, o) for n, o in zip(new_state, olds))

    return call


def _pack_like(y: Tensor, like: PackedSequence, lengths: Tensor, batch_first: bool) -> PackedSequence:
    """The padded output ``y`` (caller's batch order) packed with the layout of the input ``like``."""
    y = y.transpose(0, 1) if batch_first else y                 # (T, B, F)
    order = like.sorted_indices
    if order is not None:
        y, lengths = y.index_select(1, order), lengths.index_select(0, order.to(lengths.device))
    data = pack_padded_sequence(y, lengths, enforce_sorted=True).data
    return PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices)
