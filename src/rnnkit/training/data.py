"""The epoch-data protocol, and the batch helpers of the loop (truncation chunks, detached states).

**Epoch-data protocol.** The training data handed to :meth:`~rnnkit.training.Trainer.fit` is any
iterable of batches, iterated once per epoch. Three optional methods let it cooperate with the Trainer;
task adapters implement exactly these and nothing else:

* ``__len__()`` -- batches per epoch: the progress bar's total (``None`` without it).
* ``set_epoch(epoch)`` -- called once per epoch (``epoch`` counts from 0) *before* iterating, so the
  object can pick that epoch's order (shuffle with ``seed + epoch``). Also called on a ``sampler`` /
  ``batch_sampler`` that has it (a ``DistributedSampler``), once per object.
* ``skip(n)`` -- called on a resume in the middle of an epoch, after ``set_epoch`` and before ``iter``:
  the next iteration must start at batch ``n`` of the epoch. Without it the Trainer replays the epoch
  and discards the first ``n`` batches (the same order, since ``set_epoch`` and the seeds are the same).

Before each epoch the Trainer seeds Python, NumPy, torch and its ``generator`` with a seed derived from
``(config.seed, epoch, rank)`` and reseeds ``data.generator`` / ``data.sampler.generator`` when they are
``torch.Generator`` objects (a ``DataLoader(shuffle=True)``), so the data order of an epoch resumes exactly.

:class:`EpochBatches` turns a function ``make(epoch) -> iterable of batches`` into such an object.

>>> data = EpochBatches(lambda epoch: [(epoch, i) for i in range(3)], length=3)
>>> data.set_epoch(2); data.skip(1); list(data), len(data)
([(2, 1), (2, 2)], 3)
"""

from __future__ import annotations

import itertools
import random
import warnings
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence

from rnnkit._validate import check_int, is_int
from rnnkit.errors import CheckpointError, ConfigError, InputTypeError, ShapeError

__all__ = ["EpochBatches", "begin_epoch", "epoch_length", "LENGTHS_KEY", "split_time", "detach_state", "tree_map", "to_device"]


class EpochBatches:
    """Batches made per epoch by ``make(epoch)``, speaking the epoch-data protocol.

    ``length``: batches per epoch when known (the progress total); ``None`` gives no ``__len__``.
    """

    def __init__(self, make: Callable[[int], Iterable[Any]], length: int | None = None) -> None:
        if not callable(make):
            raise InputTypeError(f"make: expected a callable make(epoch) -> batches, got {type(make).__name__}")
        if length is not None and (not is_int(length) or length < 0):   # -1 was a raw ValueError of len() at fit
            error = ConfigError if is_int(length) else InputTypeError
            raise error(f"length: expected None or an int >= 0 (batches per epoch), got {length!r}")
        self.make, self.epoch, self._skip, self._length = make, 0, 0, None if length is None else int(length)

    def set_epoch(self, epoch: int) -> None:
        self.epoch, self._skip = epoch, 0

    def skip(self, n: int) -> None:
        self._skip = n

    def __len__(self) -> int:
        if self._length is None:
            raise TypeError("EpochBatches: no length given")
        return self._length

    def __iter__(self) -> Iterator[Any]:
        skip, self._skip = self._skip, 0
        batches = self.make(self.epoch)
        if isinstance(batches, (str, bytes)) or not isinstance(batches, Iterable):   # None: a bare TypeError at fit
            raise InputTypeError(f"make: expected make(epoch) to return an iterable of batches, got "
                                 f"{type(batches).__name__} for epoch {self.epoch}")
        return itertools.islice(iter(batches), skip, None)


def epoch_length(data: Iterable) -> int | None:
    """``len(data)`` when the object has one, else ``None``."""
    try:
        return len(data)  # type: ignore[arg-type]
    except TypeError:
        return None


def begin_epoch(data: Iterable, epoch: int, seed: int, generator: torch.Generator, skip: int = 0) -> Iterator[Any]:
    """Seed everything with ``seed``, tell ``data`` its epoch, and return an iterator at batch ``skip``.

    See the module docstring for the protocol. A ``skip`` beyond the epoch's batches is a
    :class:`~rnnkit.errors.CheckpointError` (the data changed since the checkpoint).
    """
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    generator.manual_seed(seed)
    told: list[Any] = []
    sampler = getattr(data, "batch_sampler", None)
    for obj in (data, getattr(data, "sampler", None), sampler, getattr(sampler, "sampler", None)):
        if obj is not None and callable(getattr(obj, "set_epoch", None)) and not any(obj is t for t in told):
            obj.set_epoch(epoch)
            told.append(obj)
        g = getattr(obj, "generator", None)
        if isinstance(g, torch.Generator) and g is not generator:
            g.manual_seed(seed)
    if skip and callable(getattr(data, "skip", None)):
        n = epoch_length(data)
        if n is not None and n < skip:   # skip() past the end gave an empty rest: the epoch 'ended' silently
            _short(skip, epoch, n)
        data.skip(skip)
        return iter(data)
    it = iter(data)
    for i in range(skip):
        try:
            next(it)
        except StopIteration:
            _short(skip, epoch, i)
    return it


def _short(skip: int, epoch: int, got: int) -> None:
    raise CheckpointError(f"train_data: the checkpoint is at batch {skip} of epoch {epoch + 1}, "
                          f"expected at least that many batches, got {got}")


# ------------------------------------------------------------------------------------------ batches
def tree_map(fn: Callable[[Tensor], Any], obj: Any) -> Any:
    """Apply ``fn`` to every tensor of a nest of tuples / NamedTuples / lists / dicts."""
    if isinstance(obj, Tensor):
        return fn(obj)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # NamedTuple
        return type(obj)(*(tree_map(fn, o) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(tree_map(fn, o) for o in obj)
    if isinstance(obj, dict):
        return {k: tree_map(fn, v) for k, v in obj.items()}
    return obj


def _leaves(obj: Any) -> list[Tensor]:
    out: list[Tensor] = []
    tree_map(out.append, obj)
    return out


def empty_part(batch: Any) -> Tensor | None:
    """The first tensor of ``batch`` with no item (a batch of 0 items: size 0 in a dimension other than its
    last, or a 1-D tensor of size 0), or ``None``. A size of 0 in the last dimension alone is no feature, not no
    item: a forecasting batch's future covariates (64, 3, 0) when a series has none."""
    return next((t for t in _leaves(batch) if t.numel() == 0 and (t.dim() == 1 or 0 in t.shape[:-1])), None)


def to_device(batch: Any, device: torch.device) -> Any:
    """Every tensor of ``batch`` on ``device`` (tensors already there are left as they are)."""
    return tree_map(lambda t: t.to(device, non_blocking=True) if t.device != device else t, batch)


def detach_state(state: Any) -> Any:
    """Detach every tensor of a (nested) recurrent state: the truncation point of truncated BPTT."""
    return tree_map(lambda t: t.detach(), state)


LENGTHS_KEY = "lengths"


def split_time(batch: Any, k: int, time_dim: int = 1) -> list[Any]:
    """Cut a batch (a tensor or a nest of tensors) into chunks of ``k`` steps along ``time_dim``.

    The sequence length ``T`` is the size along ``time_dim`` of the first tensor that has that axis (list
    the sequence first); a later tensor with as many or more dimensions and another size there makes that
    choice ambiguous and is warned: a one-hot label ``(B, C)`` first in a dict set ``T = C`` and the inputs went
    whole into every chunk, silently, and so did a target ``y = x[:, 1:]`` beside the whole ``x``;
    ``{"tokens": (B, T), "image": (B, C, H, W)}`` is read right and warned;
    tensors of that size there are sliced, all others (labels) are passed to every chunk as is -- except
    **lengths**: a dict entry or NamedTuple field named ``"lengths"`` (a 1-D integer tensor, numpy array
    or list of ints, values in [0, T]) is cut per chunk, ``clamp(lengths - start, 0, chunk size)``. A sequence of 30
    steps in chunks of 20 has lengths 20, then 10; one of 5 has 5, then 0 -- nothing of it in that
    chunk: its state must pass unchanged and its loss be masked. (Before, every chunk got the batch's
    lengths: 30 in a chunk of 20 was a ShapeError in the layer, and 5 in the second chunk silently ran
    the sequence over 5 padded steps.) A plain tuple/list element that looks like lengths (a 1-D integer
    tensor of batch size, values in [1, T]) is passed as is with a warning: name it in a dict.

    >>> x, y = torch.zeros(2, 5, 3), torch.zeros(2)
    >>> [tuple(c[0].shape) for c in split_time((x, y), 2)]
    [(2, 2, 3), (2, 2, 3), (2, 1, 3)]
    >>> [c["lengths"].tolist() for c in split_time({"x": x, "lengths": torch.tensor([5, 1])}, 2)]
    [[2, 1], [2, 0], [1, 0]]
    """
    k = check_int("k", k)
    time_dim = check_int("time_dim", time_dim, low=0)
    if _has_packed(batch):   # its data has no time axis to cut (torch's AssertionError from rebuilding it)
        raise InputTypeError("batch: expected padded tensors to cut into truncated-BPTT chunks, got a PackedSequence; "
                             "pass pad_packed_sequence's padded tensor and its lengths under the key 'lengths'")
    seq = [t for t in _leaves(batch) if t.dim() > time_dim]
    if not seq:
        raise ShapeError(f"batch: expected at least one tensor with a time axis at dim {time_dim} (config.time_dim), got none")
    first = seq[0]
    T = first.shape[time_dim]
    other = next((t for t in seq if t.dim() >= first.dim() and t.shape[time_dim] != T), None)
    if other is not None:   # which one is the sequence? a label listed first cut nothing, silently; a target of
        # another length (y = x[:, 1:] beside the whole x) went whole into every chunk, beside k steps of x
        more = "more" if other.dim() > first.dim() else "as many"
        warnings.warn(f"batch: the sequence length is taken from the first tensor with a time axis at dim {time_dim}, "
                      f"shape {tuple(first.shape)} (T = {T}), but a later one of shape {tuple(other.shape)} has {more} "
                      f"dimensions and {other.shape[time_dim]} there: it is passed whole to every chunk; if that one is "
                      f"the sequence, list it first, if it is a sequence too, give it T steps, or pass split_fn",
                      RuntimeWarning, stacklevel=3)
    if T == 0:   # no chunk: the batch trained nothing, without a word
        raise ShapeError(f"batch: expected at least one time step along dim {time_dim} (config.time_dim), got a "
                         f"tensor of shape {tuple(first.shape)}")
    B = first.shape[1 if time_dim == 0 else 0] if first.dim() > 1 else None
    _warn_unnamed_lengths(batch, B, T)
    return [_cut(batch, start, min(k, T - start), T, time_dim) for start in range(0, T, k)]


def empty_chunk(chunk: Any) -> bool:
    """Whether ``chunk`` (a dict or NamedTuple) holds ``"lengths"`` that are all 0: a truncated-BPTT chunk past
    every sequence's end (a batch padded beyond its longest sequence), where a masked mean loss is 0 / 0.

    >>> empty_chunk({"x": torch.zeros(2, 3), "lengths": torch.tensor([0, 0])}), empty_chunk({"lengths": [0, 1]})
    (True, False)
    """
    lengths = chunk.get(LENGTHS_KEY) if isinstance(chunk, dict) else getattr(chunk, LENGTHS_KEY, None) \
        if isinstance(chunk, tuple) and hasattr(chunk, "_fields") else None
    try:
        values = torch.as_tensor(lengths) if lengths is not None else None
    except (TypeError, ValueError, RuntimeError):
        return False
    return values is not None and values.numel() > 0 and not bool(values.ne(0).any())


def _has_packed(obj: Any) -> bool:
    if isinstance(obj, PackedSequence):
        return True
    if isinstance(obj, (list, tuple)):
        return any(_has_packed(v) for v in obj)
    return isinstance(obj, dict) and any(_has_packed(v) for v in obj.values())


def _cut(obj: Any, start: int, n: int, T: int, time_dim: int, name: Any = None) -> Any:
    """One chunk ``[start, start + n)`` of ``obj`` (see :func:`split_time`); ``name``: its dict key or field."""
    if name == LENGTHS_KEY:
        return _chunk_lengths(obj, start, n, T)
    if isinstance(obj, Tensor):
        return obj.narrow(time_dim, start, n) if obj.dim() > time_dim and obj.shape[time_dim] == T else obj
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # NamedTuple
        return type(obj)(*(_cut(v, start, n, T, time_dim, f) for f, v in zip(obj._fields, obj)))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_cut(v, start, n, T, time_dim) for v in obj)
    if isinstance(obj, dict):
        return {key: _cut(v, start, n, T, time_dim, key) for key, v in obj.items()}
    return obj


def _chunk_lengths(lengths: Any, start: int, n: int, T: int) -> Any:
    """``lengths`` of the chunk ``[start, start + n)``: ``clamp(lengths - start, 0, n)``, same type."""
    if isinstance(lengths, np.ndarray) and lengths.ndim == 1 and lengths.dtype.kind in "iu":   # as layers take it
        lengths = torch.from_numpy(lengths.astype(np.int64))
        return _chunk_lengths(lengths, start, n, T).numpy()
    ints = isinstance(lengths, (list, tuple)) and all(
        is_int(v) for v in lengths)
    if ints:
        values = [int(v) for v in lengths]
        if values and (min(values) < 0 or max(values) > T):
            raise ShapeError(f"batch['lengths']: expected values in [0, {T}] (the sequence length), got min "
                             f"{min(values)}, max {max(values)}")
        return type(lengths)(min(max(v - start, 0), n) for v in values)
    if (not isinstance(lengths, Tensor) or lengths.dim() != 1 or lengths.is_floating_point()
            or lengths.is_complex() or lengths.dtype == torch.bool):
        got = f"a {lengths.dim()}-D tensor of dtype {lengths.dtype}" if isinstance(lengths, Tensor) else type(lengths).__name__
        raise InputTypeError(f"batch['lengths']: expected a 1-D integer tensor, numpy array or list of ints (cut per truncated-BPTT "
                             f"chunk), got {got}")
    if lengths.numel() and (int(lengths.min()) < 0 or int(lengths.max()) > T):
        raise ShapeError(f"batch['lengths']: expected values in [0, {T}] (the sequence length), got min "
                         f"{int(lengths.min())}, max {int(lengths.max())}")
    return (lengths - start).clamp(0, n)


def _warn_unnamed_lengths(batch: Any, B: int | None, T: int) -> None:
    """Warn about a plain tuple/list element that looks like sequence lengths (passed unchanged)."""
    if not isinstance(batch, (list, tuple)) or hasattr(batch, "_fields") or B is None:
        return
    for i, t in enumerate(batch):
        if (isinstance(t, Tensor) and t.dim() == 1 and t.shape[0] == B and B > 0 and not t.is_floating_point()
                and not t.is_complex() and t.dtype != torch.bool and int(t.min()) >= 1 and int(t.max()) <= T):
            warnings.warn(f"batch[{i}]: a 1-D integer tensor of batch size with values in [1, {T}] is passed unchanged "
                          f"to every truncated-BPTT chunk; if it holds sequence lengths, pass the batch as a dict or "
                          f"NamedTuple with the key 'lengths' (cut per chunk); if not, a dict or NamedTuple batch does "
                          f"not warn", stacklevel=4)
