"""``rnnkit.export(target, path, format=...)``: trace once with ``torch.export`` (dynamic batch and time
axes), serialise it (an ONNX model or a ``torch.export`` program) in memory, check it against the
original model at two other batch and time sizes, and only then write it -- atomically, through
:mod:`rnnkit._io` -- next to a JSON description.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import math
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import Tensor, nn
from torch.utils._pytree import tree_leaves

from rnnkit._io import _fsync_dir, json_text, not_a_file_reason, read_json, sha256_bytes, sha256_file
from rnnkit._paths import expand_user
from rnnkit._staged import remove_stale_temps, stage_bytes
from rnnkit._validate import check_bool, check_choice, check_int, is_real
from rnnkit._version import __version__
from rnnkit.errors import CheckpointError, ConfigError, InputTypeError, ParityError
from rnnkit.export.feed import check_described, checked_feed, taken_by_onnx, taken_by_program
from rnnkit.export.signature import GraphSpec, InputSpec, is_layer, layer_spec, module_spec
from rnnkit.export.tolerance import first_over, largest_finite, parity_atol
from rnnkit.export.writable import check_takes_files
from rnnkit.training.certified import writing

__all__ = ["export", "export_spec", "check_export_path", "ExportResult", "ParityError", "FORMATS", "EXAMPLE_SIZE", "CHECK_SIZES",
           "resolve", "load_runner", "trace", "check_parity"]

FORMATS = ("onnx", "torch-export")
#: ``(batch, time)`` of the traced example, and the two sizes the parity check runs at (both different).
EXAMPLE_SIZE = (2, 5)
CHECK_SIZES = ((1, 1), (4, 11))


@dataclass
class ExportResult:
    """What :func:`export` wrote and measured. ``parity``: per checked size, the largest absolute
    difference of every output between the runtime and the original model."""

    path: Path
    format: str
    inputs: list[dict[str, Any]]
    outputs: list[str]
    parity: list[dict[str, Any]] = field(default_factory=list)
    max_abs_diff: float | None = None
    seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "format": self.format, "inputs": self.inputs, "outputs": self.outputs,
                "parity": self.parity, "max_abs_diff": self.max_abs_diff, "seconds": round(self.seconds, 2),
                "meta": self.meta}


def resolve(target: Any, *, state: bool = True, lengths: bool = False, example: Any = None,
            inputs: list[InputSpec] | None = None, input_names: list[str] | None = None,
            output_names: list[str] | None = None) -> GraphSpec:
    """The :class:`GraphSpec` of ``target``: a run folder (``str``/``Path``), a fitted ``Forecaster``,
    ``TextClassifier`` or ``TimeSeriesClassifier``, a recurrent layer, or any module with ``example`` or
    ``inputs``."""
    from rnnkit.export import tasks

    if example is None and inputs is None and (input_names is not None or output_names is not None):
        which = "input_names" if input_names is not None else "output_names"   # ignored, silently
        raise ConfigError(f"{which}: expected None without example= or inputs= (a run, a task or a recurrent layer "
                          f"names its inputs and outputs: x, h0, lengths / output, h_n, ...), got "
                          f"{input_names if input_names is not None else output_names!r:.60}")
    if isinstance(target, (str, os.PathLike)):
        _generic_only(example, inputs, "a run folder")
        _layer_only(lengths, "a run folder")
        return tasks.run_spec(Path(target), state=state)
    if tasks.is_task(target):
        _generic_only(example, inputs, f"a fitted {type(target).__name__}")
        _layer_only(lengths, f"a fitted {type(target).__name__}")
        return tasks.task_spec(target, state=state)
    if not isinstance(target, nn.Module):
        raise InputTypeError(f"target: expected a run folder, a fitted task or a torch.nn.Module, got "
                             f"{type(target).__name__}")
    if example is not None or inputs is not None:
        what = f"a {type(target).__name__} exported with {'example' if example is not None else 'inputs'}="
        _layer_only(lengths, what)
        if not state:   # ignored, silently: the graph's inputs are the ones given
            raise ConfigError(f"state: expected True (the default) for {what} (its graph's inputs are the ones "
                              "given), got False")
        return module_spec(target, example, input_names, output_names, inputs)
    if not is_layer(target):   # only this: a layer's own ConfigError (its copy, its twin) keeps its words
        raise ConfigError(f"example: expected example inputs to export a {type(target).__name__} (only recurrent "
                          "layers, fitted tasks and run folders export without one), got None")
    return layer_spec(target, state=state, lengths=lengths)


def trace(spec: GraphSpec) -> torch.export.ExportedProgram:
    """``torch.export`` of the spec's graph at :data:`EXAMPLE_SIZE` with the batch and time axes dynamic."""
    from rnnkit.export.graph import unsupported_modules

    bad = unsupported_modules(spec.graph)
    if bad:
        raise ConfigError(f"model: {bad[0]} is an rnnkit.Recurrent over a user cell (a Python time loop); expected "
                          "layers built on registered cells, MinGRU/MinLSTM or torch.nn RNNs to export")
    import torch.fx.experimental._config as fx_config

    example = spec.sample(*EXAMPLE_SIZE)
    with torch.no_grad(), warnings.catch_warnings(), fx_config.patch(backed_size_oblivious=spec.oblivious):
        warnings.simplefilter("ignore")  # torch.export's notes on the prototype scan op
        return torch.export.export(spec.graph, example, dynamic_shapes=spec.dynamic_shapes(), strict=False)


def _onnx_bytes(program: torch.export.ExportedProgram, spec: GraphSpec, opset: int | None) -> bytes:
    """The ONNX model of ``program`` (weights inside), its dynamic axes named as the spec's inputs."""
    quiet = {logging.getLogger(n): level for n, level in (
        ("torch.onnx", logging.ERROR), ("torch.onnx._internal.exporter._registration", logging.ERROR),
        ("onnxscript.version_converter", logging.CRITICAL))}  # an opset it cannot convert to: a traceback
    levels = [lg.level for lg in quiet]
    try:
        for lg, level in quiet.items():
            lg.setLevel(level)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            onnx_program = torch.onnx.export(program, (), None, input_names=[s.name for s in spec.inputs],
                                             output_names=spec.output_names, opset_version=opset, dynamo=True,
                                             verbose=False, optimize=False)
            names = {}  # the exporter's symbols (s0, s27, ...) -> the spec's axis names
            for spec_in, value in zip(spec.inputs, onnx_program.model.graph.inputs):
                for axis, dim in zip(spec_in.shape, value.shape):
                    if isinstance(axis, str) and not isinstance(dim, int):
                        names[dim] = axis
            onnx_program.rename_axes(names)
            proto = onnx_program.model_proto
    finally:
        for lg, lv in zip(quiet, levels):
            lg.setLevel(lv)
    written = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), None)
    if opset is not None and written != opset:   # the converter failed and kept its own opset, exit 0
        raise ConfigError(f"opset: expected an ONNX opset torch {torch.__version__.split('+')[0]}'s exporter can "
                          f"convert this model to (it writes opset {written}), got {opset}")
    return proto.SerializeToString()


def _program_bytes(program: torch.export.ExportedProgram) -> bytes:
    """``program`` as the ``.pt2`` file ``torch.export.save`` writes."""
    buf = io.BytesIO()
    torch.export.save(program, buf)
    return buf.getvalue()


def _layer_only(lengths: bool, what: str) -> None:
    """``lengths=True`` adds a lengths input to a recurrent layer's graph; for ``what`` it was ignored, silently."""
    if lengths:
        raise ConfigError(f"lengths: expected False for {what} (only a recurrent layer's graph takes lengths as an "
                          "option; this one's inputs are its own), got True")


def _generic_only(example: Any, inputs: Any, what: str) -> None:
    """``example=`` / ``inputs=`` are for a generic module: given with ``what`` they were ignored, silently."""
    if example is not None or inputs is not None:
        raise ConfigError(f"{'example' if example is not None else 'inputs'}: expected None for {what} (its graph's "
                          "inputs are known), got a value")


def load_runner(path: str | os.PathLike | bytes, format: str):
    """A function ``run(*inputs: Tensor) -> list[np.ndarray]`` over an exported file (a path, or the
    file's bytes): an onnxruntime session (CPU) for ``"onnx"``, ``torch.export.load(...).module()`` for
    ``"torch-export"``. A path with its ``FILE.json`` description (as :func:`export` writes it) is checked
    against the description's ``sha256`` first: an edited or truncated file is a CheckpointError naming it."""
    # "ONNX" (any other str) was read as a torch-export archive ('File is not a zip file'); an edited file loaded
    check_choice("format", format, FORMATS)   # and ran, silently, though FILE.json records its sha256
    path = expand_user(path, file=True)   # '~/models/x.onnx' (rnnkit._paths); bytes (the file's content) as they are
    inputs, data = (None, path) if isinstance(path, bytes) else _verify_export_file(path, format)
    if format == "onnx":   # else a missing runtime read as a bad file: "does not load as one (ModuleNotFoundError...)"
        _require_deploy(("onnxruntime",))
    try:
        run = _runner(path if data is None else data, format)
    except Exception as e:   # a .pt2 given as "onnx" was onnxruntime's InvalidProtobuf, the reverse a BadZipFile
        if isinstance(path, bytes):
            raise
        reason = " ".join(str(e).split())[:160]
        raise CheckpointError(f"path: expected {'an ONNX model' if format == 'onnx' else 'a torch.export archive (.pt2)'}"
                              f" (format={format!r}), got {str(path)!r} that does not load as one "
                              f"({type(e).__name__}: {reason})") from None
    check_described(run.taken, inputs, path)   # the description belongs to this model (not only the sha256 it records)
    return checked_feed(run, inputs)


def _runner(path: str | os.PathLike | bytes, format: str):
    """:func:`load_runner`'s function, unchecked."""
    if format == "onnx":
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.log_severity_level = 3  # errors only (ORT notes unused initializers at warning level)
        if _holds_float16(path):   # onnxruntime 1.32's ENABLE_ALL passes crashed the process (SIGSEGV) building
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED   # batch-first GRUs
        sess = ort.InferenceSession(path if isinstance(path, bytes) else str(path), opts,
                                    providers=["CPUExecutionProvider"])
        names = [i.name for i in sess.get_inputs()]

        def run(*inputs: Tensor) -> list[np.ndarray]:
            # detached as the torch-export runner's no_grad reads it (x.numpy() refused a tensor that requires grad)
            return sess.run(None, {n: t.detach().numpy() for n, t in zip(names, inputs)})

        run.taken = taken_by_onnx(sess)
        return run
    log = logging.getLogger("torch.export")   # a file that is no archive: torch logged its whole traceback as a warning
    level = log.level
    try:
        log.setLevel(logging.ERROR)
        program = torch.export.load(io.BytesIO(path) if isinstance(path, bytes) else str(path))
    finally:
        log.setLevel(level)
    module = program.module()

    def run_program(*inputs: Tensor) -> list[np.ndarray]:
        with torch.no_grad():
            return [_numpy(t) for t in tree_leaves(module(*inputs))]

    run_program.taken = taken_by_program(program)
    return run_program


def _float_dtypes(spec: GraphSpec) -> set[torch.dtype]:
    """The floating dtypes of ``spec``'s inputs and of its model's parameters and buffers."""
    inputs = [s.dtype for s in spec.inputs] if spec.example is None else [
        t.dtype for t in tree_leaves(spec.example) if isinstance(t, Tensor)]
    tensors = [*spec.reference.parameters(), *spec.reference.buffers()]
    return {d for d in inputs + [t.dtype for t in tensors] if d.is_floating_point}


def _holds_float16(path: str | os.PathLike | bytes) -> bool:
    """Whether an ONNX model (a path or its bytes) has a float16 input or initializer."""
    import onnx

    try:
        model = onnx.load_model_from_string(path) if isinstance(path, bytes) else onnx.load(
            str(path), load_external_data=False)
    except Exception:  # noqa: BLE001 - not an ONNX model: onnxruntime's own load reports it
        return False
    half = onnx.TensorProto.FLOAT16
    return any(i.type.tensor_type.elem_type == half for i in model.graph.input) or any(
        t.data_type == half for t in model.graph.initializer)


def _verify_export_file(path: str | os.PathLike, format: str) -> tuple[Any, bytes | None]:
    """``path`` exists and, when its ``FILE.json`` (written by :func:`export`) records a ``sha256`` and a ``format``,
    has them; returns the inputs it records (``None`` without one) and the file's bytes when they were checked
    against a ``sha256`` (``None``: load from the path). The runtime loads those very bytes: it read the file
    again by its path, so a file replaced between the check and the load (a new export written there) ran
    unchecked -- the other model, fed by the first one's description."""
    path = Path(path)
    side = path.with_name(path.name + ".json")
    if not path.is_file():
        # '(no such file)' for a folder, a pipe or a broken link too: the reason is said as it is
        half = f"; {side.name} describes it: an export interrupted between its two files? export again" \
            if side.is_file() and not path.exists() else ""
        raise CheckpointError(f"path: expected an exported model file, got {str(path)!r} ({not_a_file_reason(path)})"
                              + half)
    if not side.is_file() and path.is_symlink():   # a link (latest.onnx -> v3/model.onnx): the description is
        target = path.resolve()                     # beside the file itself; the link was run unchecked, unverified
        side = target.with_name(target.name + ".json")
    if not side.is_file():
        return None, None
    info = read_json(side, "an export description")
    want = info.get("sha256") if isinstance(info, dict) else None
    said = info.get("format") if isinstance(info, dict) else None
    if said in FORMATS and said != format:   # read by the other runtime: InvalidProtobuf / 'File is not a zip file'
        raise ConfigError(f"format: expected {said!r} (the format {side.name} records for {path.name}), got {format!r}")
    data = None
    if isinstance(want, str):
        try:
            data = path.read_bytes()
        except OSError as e:   # removed, or made unreadable, since is_file()
            raise CheckpointError(f"path: expected a readable exported model file, got {str(path)!r} "
                                  f"({e.strerror or e})") from None
        if (got := sha256_bytes(data)) != want:
            raise CheckpointError(f"path: expected the file {side.name} describes (sha256 {want[:16]}...), got sha256 "
                                  f"{got[:16]}... in {str(path)!r} (edited, truncated or replaced since the export, or "
                                  "an export interrupted between its two files: export again)")
    return (info.get("inputs") if isinstance(info, dict) else None), data


def check_parity(spec: GraphSpec, run, sizes=CHECK_SIZES, largest: dict[str, float] | None = None
                 ) -> list[dict[str, Any]]:
    """Run the exported model (``run``) and the original on the same inputs at each ``(batch, time)``;
    returns, per size, the largest absolute difference of each output. ``largest`` (a dict), when given, gets each
    floating/complex output's largest finite ``|value|`` from the original (the 16-bit tolerance's scale); none else."""
    rows = []
    for i, (b, t) in enumerate((*sizes, *spec.more_sizes) if spec.example is None else [(None, None)]):
        inputs = spec.sample(b or 0, t or 0, seed=i + 1)
        with torch.no_grad():
            want = [_numpy(w) for w in tree_leaves(spec.reference(*inputs))]
        shape = {s.name: list(x.shape) for s, x in zip(spec.inputs, inputs)}
        nan = next((n for n, w in zip(spec.output_names, want) if np.isnan(w).any()), None)
        if nan is not None:  # parity of NaN with NaN proves nothing; the old check wrote the file, then failed
            raise ConfigError(f"target: expected a model with finite outputs on the check inputs {shape}, got NaN "
                              f"in output {nan!r} (do its weights hold NaN?)")
        got = run(*inputs)
        if len(got) != len(want):
            raise ParityError(f"outputs: expected {len(want)} outputs from the runtime, got {len(got)}")
        diffs = {}
        for name, g, w in zip(spec.output_names, got, want):
            if g.shape != w.shape:
                raise ParityError(f"{name}: expected shape {w.shape} from the runtime, got {g.shape}")
            diffs[name] = _max_abs_diff(g, w)
            if largest is not None and w.dtype.kind in "fc":   # an integer/bool output is held exact (review W2-2)
                largest[name] = max(largest.get(name, 0.0), largest_finite(w))
        rows.append({"batch": b, "time": t, "inputs": shape, "max_abs_diff": diffs})
    return rows


def _numpy(t: Tensor) -> np.ndarray:
    """``t`` as numpy; bfloat16 (which numpy has not: "Got unsupported ScalarType BFloat16") as float32, exactly."""
    return (t.float() if t.dtype == torch.bfloat16 else t).numpy()


def _max_abs_diff(got: np.ndarray, want: np.ndarray) -> float:
    """The largest ``|got - want|`` (``want`` holds no NaN), where equal values (the same infinity) differ by 0
    and a NaN from the runtime by ``inf``: a NaN difference compared ``> atol`` as False and passed the check."""
    if not want.size:
        return 0.0
    kind = np.complex128 if np.iscomplexobj(got) or np.iscomplexobj(want) else np.float64   # float64 drops imag
    g, w = got.astype(kind), want.astype(kind)
    with np.errstate(invalid="ignore"):
        diff = np.where(g == w, 0.0, np.abs(g - w))
    return float(np.nan_to_num(diff, nan=np.inf).max())


def export(target: Any, path: str | os.PathLike, *, format: str = "onnx", state: bool = True,
           lengths: bool = False, example: Any = None, inputs: list[InputSpec] | None = None,
           input_names: list[str] | None = None, output_names: list[str] | None = None, check: bool = True,
           atol: float | None = None, opset: int | None = None,
           progress: Callable[[str], Any] | None = None) -> ExportResult:
    """Export ``target`` to ``path`` as ONNX (``format="onnx"``) or a ``torch.export`` program
    (``"torch-export"``, a ``.pt2`` file to read with ``torch.export.load``), with dynamic batch and time
    axes, and check it.

    ``target``: a run folder written by ``rnnkit forecast/classify/tsc --out``, a fitted ``Forecaster``,
    ``TextClassifier`` or ``TimeSeriesClassifier``, an rnnkit (or torch.nn) recurrent layer (inputs
    ``x`` [+ ``h0``/``c0`` with ``state``] [+ ``lengths`` with ``lengths``]), or any module built on them
    with ``inputs`` (:class:`~rnnkit.export.signature.InputSpec` list: named dynamic axes) or ``example``
    tensors. With ``check`` the file is run (onnxruntime, or the loaded program) against
    the original model at batch/time sizes :data:`CHECK_SIZES`; a difference above ``atol`` (``None``: from the
    model's dtype, :mod:`rnnkit.export.tolerance`) raises :class:`ParityError` and nothing is written. Next to the file, ``<path>.json`` describes the inputs,
    outputs, the parity figures and what the task needs around the graph (see docs/deploy.md).
    ``progress``: called with a short message at each stage (trace, serialise, check; ``rnnkit export``
    prints them on stderr).

    >>> import tempfile, torch, rnnkit
    >>> from rnnkit.export import export
    >>> gru = rnnkit.GRU(3, 8, num_layers=2, batch_first=True)
    >>> res = export(gru, tempfile.mkdtemp() + "/gru.onnx")          # doctest: +SKIP
    >>> res.outputs, res.max_abs_diff < 1e-5                          # doctest: +SKIP
    (['output', 'h_n'], True)
    """
    t0 = time.perf_counter()
    _check_args(path, format, atol, check, opset)
    if progress is not None and not callable(progress):   # was "'int' object is not callable" after tracing began
        raise InputTypeError(f"progress: expected a function taking a message (str) or None, got "
                             f"{type(progress).__name__} {progress!r:.40}")
    state, lengths = check_bool("state", state), check_bool("lengths", lengths)
    modes = _training_modes(target)
    try:
        spec = resolve(target, state=state, lengths=lengths, example=example, inputs=inputs, input_names=input_names,
                       output_names=output_names)
        return export_spec(spec, path, format=format, check=check, atol=atol, opset=opset, t0=t0, progress=progress)
    finally:  # the graph is traced and checked in eval mode; the caller's model keeps the mode it had
        for module, training in modes:
            module.training = training


def _training_modes(target: Any) -> list[tuple[nn.Module, bool]]:
    """``(module, training)`` for every module of ``target`` (a module, or a fitted task's network) that
    exporting switches to eval mode."""
    roots = [target] if isinstance(target, nn.Module) else []
    for name in ("net", "network_"):  # TextClassifier / TimeSeriesClassifier, Forecaster
        try:
            roots.append(getattr(target, name, None))
        except Exception:  # noqa: BLE001 - a property of an unfitted task; resolve() reports it
            pass
    return [(m, m.training) for root in roots if isinstance(root, nn.Module) for m in root.modules()]


def export_spec(spec: GraphSpec, path: str | os.PathLike, *, format: str = "onnx", check: bool = True,
                atol: float | None = None, opset: int | None = None, t0: float | None = None,
                progress: Callable[[str], Any] | None = None) -> ExportResult:
    """:func:`export` of a ready :class:`GraphSpec`: trace, serialise in memory, check the serialised
    model, then write it atomically (a failed check writes nothing; a reader never sees half a file)."""
    t0 = time.perf_counter() if t0 is None else t0
    path = _check_args(path, format, atol, check, opset)
    say = progress or (lambda message: None)
    ex = spec.example is not None
    if format == "onnx" and check and torch.bfloat16 in _float_dtypes(spec):   # onnxruntime's NOT_IMPLEMENTED after the trace
        raise ConfigError("target: expected a float16, float32 or float64 model for format 'onnx' checked by "
                          "onnxruntime (its CPU kernels have no bfloat16 MatMul, Add, Split...), got bfloat16; use "
                          "format='torch-export', convert the model (.float()) or pass check=False")
    say("tracing with torch.export on the example (axes dynamic where torch.export finds them so)" if ex else
        f"tracing with torch.export at batch {EXAMPLE_SIZE[0]}, time {EXAMPLE_SIZE[1]} (both axes dynamic)")
    program = trace(spec)
    say(f"traced in {time.perf_counter() - t0:.1f} s; writing the {format} model")
    data = _onnx_bytes(program, spec, opset) if format == "onnx" else _program_bytes(program)
    if check:
        say("checking it against the original model on the example" if ex else "checking it against the original "
            "model at " + ", ".join(f"batch {b}, time {t}" for b, t in (*CHECK_SIZES, *spec.more_sizes)))
    tops: dict[str, float] = {}   # each output's largest |value| from the original, read by the check's one run
    parity = check_parity(spec, load_runner(data, format), largest=tops) if check else []
    atols = parity_atol(spec, atol, _float_dtypes(spec), tops, say) if check else {}   # None: the dtype's
    worst = max((v for row in parity for v in row["max_abs_diff"].values()), default=None)
    if (over := first_over(parity, atols)) is not None:   # each output within its own tolerance (export.tolerance)
        raise ParityError(f"{path.name}: expected outputs within {over[0]:.3g} of the original model, got a "
                          f"difference of {over[1]:.3g} ({over[2]})")
    inputs = [s.to_dict() for s in spec.inputs]
    if ex:   # the example's shape is one instance: say which axes the traced program left free
        for row, shape in zip(inputs, traced_shapes(program)):
            row["shape"] = shape
    result = ExportResult(path, format, inputs, list(spec.output_names), parity, worst, time.perf_counter() - t0,
                          spec.meta)
    _write_pair(path, data, _sidecar(path, result, example=ex, sha256=sha256_bytes(data)))
    return result


def traced_shapes(program: torch.export.ExportedProgram) -> list[list[int | str]]:
    """Each user input's shape in ``program``: an int for a fixed axis, ``"dynamic"`` for one of any size (an
    ``example=`` export lets torch.export decide; the sidecar said the example's sizes and ``batch``/``time``)."""
    from torch.fx.experimental.symbolic_shapes import is_concrete_int

    names = set(program.graph_signature.user_inputs)
    return [[int(d) if is_concrete_int(d) else "dynamic" for d in node.meta["val"].shape]
            for node in program.graph.nodes if node.op == "placeholder" and node.name in names]


def implied_format(path: str | os.PathLike) -> str | None:
    """The format a file name's suffix says (``.onnx``, ``.pt2``, any case), ``None`` for other suffixes."""
    return {".onnx": "onnx", ".pt2": "torch-export"}.get(Path(path).suffix.lower())


def _check_args(path: Any, format: Any, atol: Any, check: Any, opset: Any) -> Path:
    """The arguments of :func:`export` that need no model, checked before any work (tracing takes seconds):
    ``path`` (and its ``.json`` sidecar) must be files that can be written."""
    if format not in FORMATS:
        raise ConfigError(f"format: expected one of {list(FORMATS)}, got {format!r}")
    if atol is not None and (not is_real(atol) or not 0 < atol < math.inf):   # None: from the model's dtype
        raise ConfigError(f"atol: expected a finite positive number or None, got {atol!r}")
    check_bool("check", check)
    if format == "onnx":   # torch's exporter needs onnx + onnxscript, the check onnxruntime (a bare import failed)
        _require_deploy(("onnx", "onnxscript") + (("onnxruntime",) if check else ()))
    if opset is not None:
        check_int("opset", opset, what="an ONNX opset number (a positive int) or None")
        if format != "onnx":   # it was read by nothing
            raise ConfigError(f"opset: expected None for format {format!r} (an ONNX setting), got {opset}")
        import onnx

        top = onnx.defs.onnx_opset_version()   # 10**30 was torch's multi-line ConversionError after the trace
        if opset > top:
            raise ConfigError(f"opset: expected an ONNX opset this onnx {onnx.__version__} knows (at most {top}), "
                              f"got {opset}")
    if not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(f"path: expected a file path, got {type(path).__name__}")
    path = Path(expand_user(path, file=True))   # '~/models/x.onnx' expanded, 'x.onnx/' refused (rnnkit._paths)
    other = implied_format(path)
    if other not in (None, format):   # `--out model.pt2` with the default format wrote an ONNX file named .pt2
        raise ConfigError(f"path: expected a file name for format {format!r} (not ending in {path.suffix!r}, the "
                          f"suffix of format {other!r}), got {str(path)!r}")
    for p, what in ((path, "path"), (path.with_name(path.name + ".json"), "path (its .json description)")):
        if p.is_dir():
            raise ConfigError(f"{what}: expected a file name, got the folder {str(p)!r}")
    check_export_path(path)
    check_takes_files(path)   # a file, not writable, or taking no file (/proc, a read-only mount; missing ones are made)
    return path


def _require_deploy(modules: tuple[str, ...]) -> None:
    """A ConfigError naming the deploy extras when one of ``modules`` cannot be imported (before any tracing)."""
    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise ConfigError(f"format: expected the deploy extras for 'onnx' (pip install 'rnnkit[deploy]'), got no module "
                          f"{', '.join(map(repr, missing))}; format 'torch-export' needs none")


def check_export_path(path: str | os.PathLike, name: str = "path") -> None:
    """Refuse (ConfigError naming ``name``) to replace files no export wrote: ``path`` and its ``.json``
    description may exist only as an earlier export's pair (the description names ``path`` and its sha256).
    ``--out RUN/config`` replaced the run's config.json with the description, and ``--out RUN/model.safetensors``
    the run's weights, both without a word (the run then failed its digests)."""
    path = Path(path)
    side = path.with_name(path.name + ".json")
    ours = False
    if side.is_file():
        try:
            info = json.loads(side.read_bytes().decode("utf-8"))
        except (OSError, ValueError, RecursionError):
            info = None
        ours = isinstance(info, dict) and info.get("file") == path.name and info.get("format") in FORMATS
        if not ours:
            raise ConfigError(f"{name}: expected a new file name or an earlier export's, got {str(path)!r} whose "
                              f"description file {str(side)!r} exists and is not an export's (it would be "
                              "replaced): choose another name")
        if path.is_file() and isinstance(info.get("sha256"), str) and sha256_file(path) != info["sha256"]:
            raise ConfigError(f"{name}: expected a new file name or an earlier export's, got {str(path)!r}, which is "
                              f"not the model {str(side)!r} describes (another sha256: it would be replaced -- edited "
                              "since, or an export interrupted between its two files): choose another name or remove "
                              "it")
    if path.exists() and not ours:
        raise ConfigError(f"{name}: expected a new file name or an earlier export's, got {str(path)!r}, an existing "
                          f"file with no export description beside it (it would be replaced): choose another name "
                          "or remove it")


def _sidecar(path: Path, result: ExportResult, example: bool = False, sha256: str | None = None) -> bytes:
    """The bytes of ``FILE.json``, the description of the model written at ``path``."""
    info = {k: v for k, v in result.to_dict().items() if k != "path"}
    info.update(file=path.name, sha256=sha256, rnnkit_version=__version__, torch_version=torch.__version__,
                dynamic_axes="as each input's shape says ('dynamic': any size)" if example else ["batch", "time"],
                example_size=None if example else list(EXAMPLE_SIZE))
    return json_text(json.loads(json.dumps(info, default=str))).encode("utf-8")   # as atomic_write_json wrote it


def _write_pair(path: Path, data: bytes, description: bytes) -> None:
    """Write the model ``data`` at ``path`` and ``description`` at ``FILE.json`` as one pair: both are written whole
    to temporary files beside them (fsynced) before either is renamed into place, the description first. A full disk
    or a kill while writing leaves the earlier pair; between the two renames, the new description beside the earlier
    model or none, which :func:`load_runner` refuses by its sha256. (The model renamed first, after the old
    description was removed, left on a full disk a model with none, loaded unverified, and the earlier export lost.)"""
    path.parent.mkdir(parents=True, exist_ok=True)   # a new folder, made as every atomic write makes it (_check_args)
    staged: list[tuple[Path, Path]] = []
    with writing(path.parent):   # an export or save there waits; the (model-sized) temps a killed export left go
        remove_stale_temps(path.parent, {path.name, path.name + ".json"})
        try:
            for final, blob in ((path.with_name(path.name + ".json"), description), (path, data)):
                staged.append((stage_bytes(final, blob), final))    # _io's temp: fsynced, mode kept, ENOSPC named
            for tmp, final in staged:
                os.replace(tmp, final)
        finally:
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
