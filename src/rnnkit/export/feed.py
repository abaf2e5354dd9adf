"""The inputs fed to :func:`rnnkit.export.load_runner`'s function, checked against the ``inputs`` that the export's
``FILE.json`` records (names, dtypes, shapes with the ``batch``/``time`` axes) before the runtime reads them.

onnxruntime ran ``lengths`` beyond the time axis (9 at T = 5: read as 5) or negative (-1: zeros) without a
word, and its own errors named its graph (``INVALID_ARGUMENT : Unexpected input data type``, ``Required inputs
(['h0', 'lengths']) are missing``); a torch-export program fails inside its guards. Each is now the typed error
of a layer call, naming the input.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor

from rnnkit.errors import CheckpointError, DataError, InputTypeError, ShapeError
from rnnkit.export.signature import exact_top

__all__ = ["checked_feed", "check_described", "taken_by_onnx", "taken_by_program"]


def _usable(inputs: Any) -> bool:
    """Whether a description's ``inputs`` is a list of ``{name, ...}`` the feed can be checked against."""
    return isinstance(inputs, list) and bool(inputs) and all(
        isinstance(i, dict) and isinstance(i.get("name"), str) for i in inputs)


def taken_by_onnx(session: Any) -> list[tuple[str | None, str, int]]:
    """``(name, dtype, rank)`` of each input an onnxruntime session takes (dtype as torch names it: ``float32``)."""
    names = {"float": "float32", "double": "float64"}
    return [(i.name, names.get(t := i.type.removeprefix("tensor(").rstrip(")"), t), len(i.shape))
            for i in session.get_inputs()]


def taken_by_program(program: Any) -> list[tuple[str | None, str, int]]:
    """``(None, dtype, rank)`` of each user input of a ``torch.export`` program (its argument names are the traced
    function's, not the description's: only the order, dtypes and ranks are compared)."""
    users = set(program.graph_signature.user_inputs)
    return [(None, str(n.meta["val"].dtype).replace("torch.", ""), n.meta["val"].dim())
            for n in program.graph.nodes if n.op == "placeholder" and n.name in users]


def check_described(taken: list[tuple[str | None, str, int]], inputs: Any, path: Any) -> None:
    """The inputs the loaded model takes (:func:`taken_by_onnx` / :func:`taken_by_program`) are those its description
    records (names where the runtime keeps them, dtypes and ranks): a description beside another model -- its sha256
    made again, or the pair mixed up by hand -- fed the model by the wrong description, and the runtime's own error
    came back ('INVALID_ARGUMENT : Unexpected input data type. Actual: (tensor(float)) , expected: (tensor(int64))')."""
    if not _usable(inputs):
        return
    want = [(i["name"], i.get("dtype"), len(i["shape"]) if isinstance(i.get("shape"), list) else None) for i in inputs]
    if len(taken) == len(want) and all((n is None or n == wn) and (not isinstance(wd, str) or d == wd) and
                                       (wr is None or r == wr) for (n, d, r), (wn, wd, wr) in zip(taken, want)):
        return

    def shown(items):
        return ", ".join(f"{n or '?'} {d} {r}-D" for n, d, r in items)[:200]

    raise CheckpointError(f"path: expected the model its description records (inputs {shown(want)}), got "
                          f"{str(path)!r} taking {shown(taken)} (the description of another export, or edited: "
                          f"export again)")


def checked_feed(run: Callable, inputs: Any) -> Callable:
    """``run`` with its inputs checked against ``inputs`` (the description's list of ``{name, shape, dtype}``);
    where the description has none usable, only that they come by position (as everywhere: a keyword was Python's
    bare "checked() got an unexpected keyword argument 'x'", naming a function of this module)."""
    if not _usable(inputs):
        def positional(*xs: Any, **named: Any):
            _no_keywords(named, None)
            return run(*xs)

        return positional
    names = [i["name"] for i in inputs]

    def checked(*xs: Any, **named: Any):
        _no_keywords(named, names)
        if len(xs) != len(names):
            raise InputTypeError(f"inputs: expected {len(names)} tensors ({', '.join(names)}), got {len(xs)}")
        sizes: dict[str, int] = {}
        for spec, x in zip(inputs, xs):
            _check_one(spec, x, sizes)
        for spec, x in zip(inputs, xs):
            if (spec.get("kind") == "ids" or _lengths(spec)) and x.numel():
                _check_whole(spec, x)
            if spec.get("kind") == "ids" and x.numel():
                _check_ids(spec, x)
            if _lengths(spec) and x.dtype != torch.bool and not x.dtype.is_complex and \
                    sizes.get("time", 0) > exact_top(x.dtype):
                raise ShapeError(f"{spec['name']}: expected a time axis of at most {exact_top(x.dtype)} steps (the "
                                 f"longest length its dtype {str(x.dtype)[6:]} holds: a longer one wraps or rounds), "
                                 f"got time size {sizes['time']}; export with a wider lengths dtype")
            if _lengths(spec) and "time" in sizes and x.numel():
                lo, hi = x.min().item(), x.max().item()
                if lo < 0 or hi > sizes["time"]:
                    raise ShapeError(f"lengths: expected values in [0, {sizes['time']}] (the inputs' time axis), got "
                                     f"min {lo}, max {hi}")
        if sizes.get("time") != 0:
            return run(*xs)
        try:   # a graph that reads one padding step past its input (the classifier's) takes 0 steps, a layer's does not
            return run(*xs)
        except Exception as e:   # onnxruntime's 'FAIL ... running Scan node', torch's 'select(): index 0 out of range'
            timed = next(spec["name"] for spec in inputs if "time" in (spec.get("shape") or []))
            raise ShapeError(f"{timed}: expected at least one time step (this exported graph reads none: "
                             f"{type(e).__name__}), got time size 0") from None

    return checked


def _no_keywords(named: dict[str, Any], names: list[str] | None) -> None:
    """The runner takes its tensors by position (in the order of ``names``, the description's inputs)."""
    if named:
        order = f" ({', '.join(names)})" if names else ""
        raise InputTypeError(f"inputs: expected the tensors by position{order}, got keyword argument(s) "
                             f"{', '.join(repr(k[:60]) for k in named)}")


def _check_whole(spec: dict[str, Any], x: Tensor) -> None:
    """Lengths or ids of a floating dtype (an ``InputSpec`` may name one) are whole finite numbers: onnxruntime read
    length 2.5 as 3 steps, and NaN passed the range checks (NaN compares false with every bound)."""
    if x.is_floating_point() and not bool(torch.all(torch.isfinite(x) & (x == x.floor()))):
        bad = x[~(torch.isfinite(x) & (x == x.floor()))].flatten()[0].item()
        raise DataError(f"{spec['name']}: expected whole numbers ({'token ids' if spec.get('kind') == 'ids' else 'lengths'}"
                        f" in dtype {str(x.dtype)[6:]}), got {bad}")


def _check_ids(spec: dict[str, Any], x: Tensor) -> None:
    """Token ids in ``[0, high)`` (the embedding's rows; ``high`` as the description records it, else ``>= 0``):
    onnxruntime's Gather read id -1 as the last row (negative indices count from the end), silently, where the
    torch runtimes refuse it, and an id past the table was its INVALID_ARGUMENT naming its graph node."""
    high = spec.get("high")
    high = high if isinstance(high, int) and not isinstance(high, bool) and high > 0 else None
    lo, hi = x.min().item(), x.max().item()
    if lo < 0 or (high is not None and hi >= high):
        want = f"in [0, {high})" if high is not None else ">= 0"
        raise DataError(f"{spec['name']}: expected token ids {want} (the rows of the exported embedding), got "
                        f"min {lo}, max {hi}")


def _lengths(spec: dict[str, Any]) -> bool:
    """Whether ``spec`` is the sequence lengths: its recorded kind (``InputSpec.kind``), or in a description written
    before kinds were recorded, an integer input named ``lengths`` -- a float feature a module names ``lengths``
    (metres, say) was refused for values above the time axis."""
    if "kind" in spec:
        return spec["kind"] == "lengths"
    return spec["name"] == "lengths" and str(spec.get("dtype")).startswith(("int", "uint"))


def _check_one(spec: dict[str, Any], x: Any, sizes: dict[str, int]) -> None:
    name, want, shape = spec["name"], spec.get("dtype"), spec.get("shape")
    if not isinstance(x, Tensor):
        raise InputTypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if x.device.type != "cpu":   # both runners are on the CPU: torch's "can't convert cuda:0 device type tensor to
        raise InputTypeError(f"{name}: expected a tensor on cpu (the runner's), got one on {x.device}; move it with "
                             f"{name}.cpu()")   # numpy" / "Tensor.item() cannot be called on meta tensors" before
    got = str(x.dtype).replace("torch.", "")
    if isinstance(want, str) and got != want:
        raise InputTypeError(f"{name}: expected dtype {want} (the exported graph's), got {got}")
    if not isinstance(shape, list):
        return
    if x.dim() != len(shape):
        raise ShapeError(f"{name}: expected shape {shape} ({len(shape)}-D), got {tuple(x.shape)}")
    for axis, size in zip(shape, x.shape):
        if isinstance(axis, int) and not isinstance(axis, bool) and axis != size:
            raise ShapeError(f"{name}: expected shape {shape}, got {tuple(x.shape)}")
        if axis in ("batch", "time") and sizes.setdefault(axis, size) != size:
            raise ShapeError(f"{name}: expected {axis} size {sizes[axis]} (the inputs' before it), got {size} in "
                             f"shape {tuple(x.shape)}")
