"""Variable-length batches: validating ``lengths``, step masks, reversing only the valid part.

Convention everywhere in the engine: time-major tensors ``(T, B, ...)``; a sequence of length ``L``
occupies steps ``0 .. L-1``; padded steps keep the state unchanged and emit zeros. The layers zero the
padded steps of their input once (:func:`zero_padding`) before anything reads it, so whatever the
padding holds (NaN, Inf, 1e30) changes no output, state or gradient.
"""

from __future__ import annotations


import numpy as np
import torch
from torch import Tensor

from rnnkit._validate import is_int
from rnnkit.errors import ConfigError, InputTypeError, ShapeError

__all__ = ["check_lengths", "step_mask", "zero_padding", "flip_sequences", "last_valid"]

#: the unsigned integer dtypes torch has no reductions for (uint8 has them)
_WIDE_UNSIGNED = (torch.uint16, torch.uint32, torch.uint64)


def check_lengths(lengths, batch_size: int, max_len: int, device=None, min_len: int = 1) -> Tensor | None:
    """Validate ``lengths`` (values in ``[min_len, max_len]``) and return it as an int64 tensor on ``device``
    (or ``None``). Taken: an integer tensor, a list of ints (Python or numpy, or 0-d integer tensors as
    ``list(lengths)`` gives), a numpy integer array (any int/uint dtype), all read exactly; floats and bools are
    refused (never rounded).

    Returns ``None`` when every sequence is full length, so callers can take the unmasked fast path --
    except while ``torch.jit.trace`` records the call: a trace keeps the path its example took, so a trace
    made with full lengths ran every later batch unmasked (padding read as input, final states from the
    padded steps), silently. There the lengths always come back, and the masked path records them as an
    input of the graph.
    """
    if lengths is None:
        return None
    if isinstance(lengths, np.ndarray):
        if lengths.dtype.kind not in "iu":
            raise InputTypeError(f"lengths: expected an integer array, got dtype {lengths.dtype}")
        if lengths.dtype.kind == "u" and lengths.size and int(lengths.max()) > max_len:  # before int64 wraps it
            raise ShapeError(f"lengths: expected values in [{min_len}, {max_len}] (the sequence length), got min "
                             f"{int(lengths.min())}, max {int(lengths.max())}")
        lengths = torch.from_numpy(lengths.astype(np.int64))
    elif isinstance(lengths, (list, tuple)):
        # 0-d integer tensors too, as torch.nn's pack_padded_sequence takes them: list(lengths) of a tensor gives them
        lengths = [int(v) if _int_scalar(v) else v for v in lengths]
        if not all(is_int(v) for v in lengths):
            raise InputTypeError(f"lengths: expected a list of ints, got {lengths!r}")
        values = [int(v) for v in lengths]
        if values and (min(values) < min_len or max(values) > max_len):   # before int64 overflows on 2**70
            raise ShapeError(f"lengths: expected values in [{min_len}, {max_len}] (the sequence length), got min "
                             f"{min(values)}, max {max(values)}")
        lengths = torch.tensor(values, dtype=torch.long)
    if not isinstance(lengths, Tensor):
        raise InputTypeError(f"lengths: expected a 1-D integer tensor or list of ints, got {type(lengths).__name__}")
    if lengths.device.type == "meta":       # its values are checked below: a meta tensor has none
        raise InputTypeError("lengths: expected a tensor holding values (on the cpu or the input's device), got "
                             "one on the meta device")
    if lengths.is_nested or lengths.layout != torch.strided:   # a sparse one was torch's NotImplementedError of min()
        raise InputTypeError(f"lengths: expected a dense integer tensor, got "
                             f"{'a nested tensor' if lengths.is_nested else f'layout {lengths.layout}'}")
    if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
        raise InputTypeError(f"lengths: expected an integer tensor, got dtype {lengths.dtype}")
    if torch.compiler.is_exporting():   # the values read below are data-dependent there (a list's too)
        raise ConfigError("lengths: expected None under torch.export of a module calling the layer (lengths are "
                          "checked and used by value, which an exported graph cannot do: torch's "
                          "GuardOnDataDependentSymNode), got a value; rnnkit.export exports the recurrent layers "
                          "(ElmanRNN, LSTM, GRU, MinGRU, MinLSTM, Bidirectional) with a lengths input (docs/deploy.md)")
    if lengths.dtype in _WIDE_UNSIGNED:     # torch has no min/max for these ('min_all' not implemented for
        # 'UInt32'), which torch.nn's pack_padded_sequence takes: read through numpy, exactly (a uint64 above
        # 2**63 is refused as too long, never wrapped negative by a cast to int64)
        return check_lengths(lengths.detach().cpu().numpy(), batch_size, max_len,
                             device=lengths.device if device is None else device, min_len=min_len)
    if lengths.dim() != 1 or lengths.shape[0] != batch_size:
        raise ShapeError(
            f"lengths: expected shape ({batch_size},) to match the batch, got {tuple(lengths.shape)}"
        )
    if batch_size == 0:
        return None
    try:
        lo, hi = int(lengths.min()), int(lengths.max())
    except RuntimeError as e:   # lengths batched by torch.func.vmap: torch's "calling .item() on a Tensor"
        if "vmap" not in str(e):
            raise
        raise InputTypeError("lengths: expected lengths torch.func.vmap does not batch (they are read by value), got "
                             "lengths batched by vmap; pass them from outside the vmapped function, or fold the "
                             "vmapped dim into the batch (one length per row)") from None
    if lo < min_len or hi > max_len:
        raise ShapeError(f"lengths: expected values in [{min_len}, {max_len}] (the sequence length), got min {lo}, max {hi}")
    if lo == max_len and not torch.jit.is_tracing():
        return None
    if device is not None and torch.device(device).type == "meta":   # the masks read the values: torch's bare
        raise InputTypeError("lengths: expected x on a device holding values when a sequence is shorter than x's "   # .item()
                             f"{max_len} steps, got x on the meta device (for the output shapes alone, which are the "
                             "same, call without lengths)")
    return lengths.to(device=device, dtype=torch.long)


def _int_scalar(v) -> bool:
    """Whether ``v`` is a 0-d integer tensor holding a value (not bool: True is no length)."""
    return isinstance(v, Tensor) and v.dim() == 0 and v.device.type != "meta" and not (
        v.is_floating_point() or v.is_complex() or v.dtype == torch.bool)


def step_mask(lengths: Tensor, max_len: int) -> Tensor:
    """Boolean mask ``(T, B, 1)``: ``True`` where step ``t`` is inside sequence ``b``."""
    steps = torch.arange(max_len, device=lengths.device).unsqueeze(1)
    return (steps < lengths.unsqueeze(0)).unsqueeze(-1)


def zero_padding(x: Tensor, mask: Tensor) -> Tensor:
    """``x`` (time-major ``(T, B, ...)``) with every padded step set to zero; ``mask`` is the ``(T, B, 1)``
    (or ``(T, B)``) step mask of :func:`step_mask`. Its gradient is zero on padded steps.

    Zeroing (not just masking states) is what keeps padding out of the gradients: a padded step's input
    still meets a weight in ``dW_ih = Σ_t d_xp_tᵀ x_t``, and ``0 * NaN`` is NaN.

    >>> x = torch.tensor([[1.0, 2.0], [float("nan"), float("inf")]])   # (T=2, B=2)
    >>> zero_padding(x, step_mask(torch.tensor([2, 1]), 2))
    tensor([[1., 2.],
            [nan, 0.]])
    """
    keep = mask.reshape(mask.shape[0], mask.shape[1], *([1] * (x.dim() - 2)))
    return x.masked_fill(~keep, 0)


def flip_sequences(x: Tensor, lengths: Tensor | None) -> Tensor:
    """Reverse each sequence of a time-major ``(T, B, ...)`` tensor along time, only its valid part.

    Padding stays where it was, so ``flip_sequences(flip_sequences(x, L), L) == x``.

    >>> x = torch.arange(4.).view(4, 1, 1).repeat(1, 2, 1)
    >>> flip_sequences(x, torch.tensor([4, 2]))[:, :, 0].T
    tensor([[3., 2., 1., 0.],
            [1., 0., 2., 3.]])
    """
    if lengths is None:
        return x.flip(0)
    T = x.shape[0]
    t = torch.arange(T, device=x.device).unsqueeze(1)  # (T, 1)
    L = lengths.to(x.device).unsqueeze(0)  # (1, B)
    idx = torch.where(t < L, L - 1 - t, t)  # (T, B)
    idx = idx.view(T, -1, *([1] * (x.dim() - 2))).expand_as(x)
    return x.gather(0, idx)


def last_valid(x: Tensor, lengths: Tensor | None) -> Tensor:
    """The last valid step of each sequence of a time-major ``(T, B, ...)`` tensor: ``(B, ...)``."""
    if lengths is None:
        return x[-1]
    idx = (lengths.to(x.device) - 1).view(1, -1, *([1] * (x.dim() - 2))).expand(1, *x.shape[1:])
    return x.gather(0, idx).squeeze(0)
