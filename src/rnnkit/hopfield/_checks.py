"""Argument checks shared by the Hopfield modules (messages name the argument: "expected X, got Y")."""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any

from rnnkit._validate import is_bool, is_finite_real, is_int, is_real, short_repr
from rnnkit.errors import ConfigError, DataError, InputTypeError, ShapeError

if TYPE_CHECKING:
    import torch
    from torch import Tensor

# torch is imported by the checks of tensors: ``rnnkit hopfield --help`` takes its flags' checks from here.

__all__ = ["NETWORK_SIZE_WHY", "ROBUSTNESS_UNITS_WHY", "MAX_STEPS", "check_positive_int", "check_int_at_least",
           "check_positive_float", "check_fraction", "check_max_steps", "check_values_tensor", "check_finite", "check_pm1",
           "check_real", "make_generator", "check_helper_args"]


def check_positive_int(name: str, value: Any) -> int:
    if not is_int(value) or value < 1:
        raise ConfigError(f"{name}: expected a positive int, got {value!r}")
    return int(value)


#: Why a capacity network needs 2 units and a robustness one 3 (the experiments and the CLI's flags say it).
NETWORK_SIZE_WHY = "a network of one unit has no connection, and the theory's ln N is 0"
ROBUSTNESS_UNITS_WHY = "the perturbation's scale is the spread of the connections: at least two"


def check_int_at_least(name: str, value: Any, low: int, why: str) -> int:
    """An int >= ``low``; ``why`` says what smaller values lack (the message's parenthesis)."""
    if not is_int(value) or value < low:
        raise ConfigError(f"{name}: expected an int >= {low} ({why}), got {value!r}")
    return int(value)


def check_positive_float(name: str, value: Any) -> float:
    # numpy floats too (np.float32(1.0) was 'expected a finite number > 0'); an int past float range (beta=10**400)
    # was math.isfinite's bare OverflowError
    if not is_finite_real(value) or value <= 0:
        raise ConfigError(f"{name}: expected a finite number > 0, got {short_repr(value)}")
    return float(value)


#: The most sweeps/updates a recall may be asked for: its step counts are int64 tensors (max_steps=10**20 was
#: torch's bare OverflowError 'int too big to convert' once the patterns were checked).
MAX_STEPS = 2 ** 63 - 1


def check_max_steps(value: Any) -> int:
    """``max_steps``: a positive int that an int64 step count holds (at most :data:`MAX_STEPS`)."""
    steps = check_positive_int("max_steps", value)
    if steps > MAX_STEPS:
        raise ConfigError(f"max_steps: expected a positive int <= 2**63 - 1 (steps are counted in int64), got "
                          f"{short_repr(value)}")
    return steps


def check_fraction(name: str, value: Any) -> float:
    if not is_real(value) or not 0 <= value <= 1:
        raise ConfigError(f"{name}: expected a number in [0, 1], got {value!r}")
    return float(value)


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def check_values_tensor(name: str, x: Tensor, values: bool = True) -> Tensor:
    """``x`` (a tensor) if it is dense and (``values``) holds values: a sparse tensor was torch's bare
    NotImplementedError ('Could not run aten::ne.Scalar with arguments from the SparseCPU backend') and a meta one
    its RuntimeError ('Tensor.item() cannot be called on meta tensors'), neither naming the argument. ``values=False``
    where shapes alone are computed (a meta tensor through the update's arithmetic is a meta result)."""
    import torch

    if x.is_nested:   # layout strided or jagged: 'NestedTensorImpl doesn't support sizes' deep in the update
        raise InputTypeError(f"{name}: expected a dense tensor, got a nested tensor (pad it: "
                             "torch.nested.to_padded_tensor(x, 0.0), with a mask)")
    if x.layout != torch.strided:
        raise InputTypeError(f"{name}: expected a dense tensor, got layout {x.layout} (convert explicitly, e.g. "
                             f"x.to_dense())")
    if values and x.device.type == "meta":
        raise InputTypeError(f"{name}: expected a tensor that holds values (on cpu or cuda), got one on meta")
    return x


def _check_matrix(name: str, x: Any, width: int | None, rows: str) -> Tensor:
    """A 2-D dense tensor ``(rows, width)`` with at least one row and finite values."""
    import torch

    if not isinstance(x, torch.Tensor):
        raise InputTypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    check_values_tensor(name, x)
    if x.is_complex():
        raise InputTypeError(f"{name}: expected a real tensor, got dtype {x.dtype}")
    if x.dim() != 2:
        hint = " (use x.unsqueeze(0) for a single one)" if x.dim() == 1 else ""
        raise ShapeError(f"{name}: expected a 2-D tensor ({rows}, {width if width else 'N'}){hint}, "
                         f"got shape {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise DataError(f"{name}: expected at least one row, got shape {tuple(x.shape)} (an empty set)")
    if width is not None and x.shape[1] != width:
        raise ShapeError(f"{name}: expected {width} columns (one per unit), got shape {tuple(x.shape)}")
    if x.shape[1] == 0:
        raise ShapeError(f"{name}: expected at least one column, got shape {tuple(x.shape)}")
    return check_finite(name, x)


def check_finite(name: str, x: Tensor, keep: Tensor | None = None, hint: str = "") -> Tensor:
    """``x`` if its values are finite where ``keep`` (a bool tensor broadcast against it; ``None``: everywhere) is
    True, else a DataError naming the first other one and its place (``x``'s index; ``hint`` ends the message). NaN or
    inf in a pattern, query or state gave NaN results, silently (session 28's leftover). One pass when all is well,
    and no copy: ``x.sum()`` is finite only if every value is (an inf or NaN makes it inf or NaN); only a sum that
    overflows (values near the dtype's range) reads ``isfinite`` value by value. Not checked on the meta device (shapes
    alone), nor while ``torch.compile``, ``torch.export`` or ``torch.jit.trace`` records the call (a value-dependent
    branch: a graph break)."""
    import torch

    if (not x.is_floating_point() or x.numel() == 0 or x.device.type == "meta" or torch.compiler.is_compiling()
            or torch.jit.is_tracing()):
        return x
    with torch.no_grad():
        if keep is None and bool(torch.isfinite(x.sum())):
            return x
        bad = ~torch.isfinite(x)
        if keep is not None:
            bad = bad & keep
        if not bool(bad.any()):
            return x
        at = [int(i) for i in bad.nonzero()[0]][bad.dim() - x.dim():]         # x's index (a broadcast keep's dims off)
        at = [0 if x.shape[d] == 1 else i for d, i in enumerate(at)]
        value = float(x[tuple(at)])
    raise DataError(f"{name}: expected finite values, got {'NaN' if math.isnan(value) else value} at {at}{hint}")


def check_pm1(name: str, x: Any, n_units: int | None, binarize: bool, dtype: torch.dtype,
              device: torch.device | None) -> Tensor:
    """Validate bipolar patterns ``(P, N)`` and return them as ``dtype`` on their own device.

    Values must be exactly -1 or +1. With ``binarize=True`` any real values are mapped explicitly:
    ``x > 0 -> +1`` and ``x <= 0 -> -1`` (so ``{0, 1}`` and boolean patterns become ``{-1, +1}``).
    """
    import torch

    if not is_bool(binarize):
        raise ConfigError(f"binarize: expected a bool, got {binarize!r}")
    if isinstance(x, torch.Tensor) and x.dtype == torch.bool and binarize:
        x = x.to(torch.int8)
    x = _check_matrix(name, x, n_units, "P" if name == "patterns" else "B")
    if device is not None and x.device != device:
        raise InputTypeError(f"{name}: expected a tensor on {device} (where the weights are), got {x.device}")
    if x.dtype == torch.bool:
        raise InputTypeError(f"{name}: expected values in {{-1, +1}} (or binarize=True), got a bool tensor")
    if x.dtype in (torch.uint8, torch.uint16, torch.uint32, torch.uint64):
        # compared with -1, torch wraps the -1 to the type's largest value: 255 (uint8) passed as -1 and was
        # stored as 255; and uint16/32/64 lack min/max. As float64 every value compares as itself.
        x = x.to(torch.float64)
    if binarize:
        return torch.where(x > 0, 1.0, -1.0).to(dtype)
    bad = (x != 1) & (x != -1)
    if bool(bad.any()):
        lo, hi = float(x.min()), float(x.max())
        example = float(x[bad][0])
        raise DataError(f"{name}: expected values in {{-1, +1}} (or binarize=True), got values in "
                        f"[{_fmt(lo)}, {_fmt(hi)}] (e.g. {_fmt(example)})")
    return x.to(dtype)


def check_real(name: str, x: Any, width: int | None, device: torch.device | None, rows: str = "P") -> Tensor:
    """Validate real-valued floating patterns/queries ``(rows, D)`` (never converted from integers)."""
    import torch

    x = _check_matrix(name, x, width, rows)
    if not x.is_floating_point():
        raise InputTypeError(f"{name}: expected a floating-point tensor, got dtype {x.dtype} "
                             "(convert explicitly, e.g. x.float())")
    if device is not None and x.device != device:
        raise InputTypeError(f"{name}: expected a tensor on {device} (where the stored patterns are), "
                             f"got {x.device}")
    return x


def make_generator(seed: Any) -> torch.Generator:
    """A CPU ``torch.Generator`` from ``seed`` (int, an existing Generator, or None = fresh entropy).

    The global RNG is never touched.
    """
    import torch

    if isinstance(seed, torch.Generator):
        if seed.device.type != "cpu":
            raise ConfigError(f"seed: expected a CPU torch.Generator (orders are drawn on the CPU), "
                              f"got one on {seed.device}")
        return seed
    g = torch.Generator()
    if seed is None:
        g.seed()
    elif isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and -2 ** 63 <= seed < 2 ** 64:
        g.manual_seed(int(seed))  # numpy ints too; outside torch's range manual_seed raised ValueError
    else:
        raise ConfigError(f"seed: expected an int in [-2**63, 2**64), a torch.Generator or None, got {seed!r}")
    return g


def check_helper_args(generator: Any, **counts: Any) -> None:
    """The arguments of the experiments' public helpers (``random_patterns``, ``flip_bits``, ``damage_weights``):
    ``generator`` a ``torch.Generator`` or None (torch's global one), each of ``counts`` an int >= its floor
    (``n_patterns`` 0, others 1). An int seed, a float or a negative count was torch's bare TypeError ('randint()
    received an invalid combination of arguments') or RuntimeError ('negative dimension -1')."""
    import torch

    if generator is not None and not isinstance(generator, torch.Generator):
        raise InputTypeError(f"generator: expected a torch.Generator (e.g. torch.Generator().manual_seed(0)) or None, "
                             f"got {short_repr(generator)}")
    for name, value in counts.items():
        low = 0 if name == "n_patterns" else 1
        if not is_int(value) or value < low:
            raise ConfigError(f"{name}: expected an int >= {low}, got {short_repr(value)}")
