"""Padding + lengths, length bucketing, and the length limit for variable-length sequences.

* :func:`pad_sequences` turns a list of id lists (or ``(T_i, C)`` arrays) into one padded batch plus
  its ``lengths`` -- what every rnnkit layer takes.
* :func:`bucket_batches` groups sequences of similar length so padding stays small: it shuffles, cuts
  the data into pools of ``batch_size * pool`` items, sorts each pool by length, slices batches and
  shuffles the batch order.
* :func:`limit_length` enforces ``max_len``: ``on_long="truncate"`` cuts with one warning naming how
  many sequences were cut; ``on_long="error"`` raises a DataError.

>>> x, lengths = pad_sequences([[5, 6, 7], [8]])
>>> x.tolist(), lengths.tolist()
([[5, 6, 7], [8, 0, 0]], [3, 1])
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import numbers
import warnings
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from rnnkit._validate import check_bool, is_int
from rnnkit._warn_place import user_stacklevel
from rnnkit.data.heads import AtLeast, Head, longest
from rnnkit.errors import ConfigError, DataError, InputTypeError

if TYPE_CHECKING:
    import numpy as np
    import torch
    from torch import Tensor

# numpy and torch are imported in the functions that compute: driver.py and predict_stream.py import
# truncations / warn_read_prefix from here, and a command's --help or usage error loaded torch (1.5-2 s) for them.

__all__ = ["pad_sequences", "bucket_batches", "limit_length", "padding_fraction", "ON_LONG", "TruncationWarning",
           "truncations", "warn_read_prefix"]

ON_LONG = ("truncate", "error")


class TruncationWarning(UserWarning):
    """The warning of :func:`limit_length` when it cuts: ``items`` the indices of the sequences cut (in the
    order given), ``lengths`` their lengths before the cut, ``max_len`` the limit -- so a caller that answers
    per item (the HTTP service) can say which were cut."""

    def __init__(self, message: str, items: list[int], lengths: list[int], max_len: int) -> None:
        super().__init__(message)
        self.items, self.lengths, self.max_len = items, lengths, max_len


_COLLECTING: contextvars.ContextVar[dict[int, int] | None] = contextvars.ContextVar("rnnkit_truncations", default=None)
_COUNT_LONG: contextvars.ContextVar[bool] = contextvars.ContextVar("rnnkit_count_long", default=False)


@contextlib.contextmanager
def truncations(count_long: bool | None = None) -> Iterator[dict[int, int]]:
    """Collect the cuts of :func:`limit_length` in the block into the dict it yields: ``{item index: its
    length before the cut}``; a cut collected so is not warned. For a caller that answers per item (the
    service, ``predict --json``). Thread-safe: the collector is this thread's (a ``contextvars`` variable),
    and the process's warning filters are left alone -- another thread's warnings are neither caught nor
    reissued, and other warnings of the block are issued as usual. ``count_long``: an ``on_long="error"`` item is
    collected (and cut) too, not refused -- for a caller that counts every long item before refusing them (classify's
    parts) without changing the model's config, which another thread predicting with it reads (session 28); ``None``:
    as the enclosing block says (no block: False).

    >>> with truncations() as cut:
    ...     _ = limit_length([[1, 2, 3], [4]], 2)
    >>> cut
    {0: 3}
    """
    cut: dict[int, int] = {}
    token, counting = _COLLECTING.set(cut), _COUNT_LONG.set(_COUNT_LONG.get() if count_long is None else count_long)
    try:
        yield cut
    finally:
        _COUNT_LONG.reset(counting)
        _COLLECTING.reset(token)


def warn_read_prefix(cut_at: Sequence[int], lengths: Sequence[int], where: str, stacklevel: int = 2) -> None:
    """One warning naming the inputs (``cut_at``: their numbers in ``where``, e.g. lines) that :func:`truncations`
    collected as read up to the run's max_len, with the longest of their ``lengths`` -- 'texts: truncated 2 of 900'
    named none of them. Nothing when none was cut. ``stacklevel`` counts from the caller of this function."""
    if cut_at:
        warnings.warn(f"{len(cut_at)} input(s) longer than the run's max_len were read up to it, {where} "
                      f"{list(cut_at[:10])}{'...' if len(cut_at) > 10 else ''} (longest {longest(lengths)})",
                      stacklevel=stacklevel + 1)


def _as_tensor(i: int, s: Any) -> Tensor:
    """``seqs[i]`` as a 1-D (ids) or 2-D ``(T_i, C)`` CPU tensor of numbers; anything else is a DataError."""
    import numpy as np
    import torch

    if isinstance(s, torch.Tensor):
        if s.is_nested or s.layout != torch.strided or s.is_meta:   # torch's bare copy_/'Internal error'/meta errors
            kind = "a nested tensor" if s.is_nested else "a meta tensor" if s.is_meta else f"layout {s.layout}"
            raise DataError(f"seqs[{i}]: expected a dense tensor holding values, got {kind}")
        t = s.detach().cpu()
    else:
        try:
            a = np.asarray(s)
        except ValueError:
            raise DataError(f"seqs[{i}]: expected a list of ids or a (T_i, C) array, got a ragged nested list") from None
        if a.dtype.kind not in "biuf":
            raise DataError(f"seqs[{i}]: expected numbers, got {a.dtype} values")
        if a.dtype.kind == "u" and a.dtype.itemsize == 8:   # 2**63 in a list: torch's TypeError; as uint64: wrapped
            if a.size and int(a.max()) > np.iinfo(np.int64).max:
                raise DataError(f"seqs[{i}]: expected values within int64, got {int(a.max())}")
            a = a.astype(np.int64)
        t = torch.as_tensor(a)
    if t.dim() not in (1, 2) or t.is_complex():
        raise DataError(f"seqs[{i}]: expected a list of ids or a (T_i, C) array, got {t.dtype} of shape {tuple(t.shape)}")
    return t


def pad_sequences(seqs: Sequence[Any], pad_value: float = 0, dtype: torch.dtype | None = None) -> tuple[Tensor, Tensor]:
    """Pad to the longest sequence: returns ``(x, lengths)`` with ``x`` batch-first ``(B, T)`` for id
    sequences (lists, 1-D arrays or tensors) or ``(B, T, C)`` for ``(T_i, C)`` arrays, and ``lengths``
    int64 ``(B,)``. Ids (``dtype=None``) must be integers: a float id is a DataError, never truncated, and so is a
    bool (a mask is no id)."""
    import numpy as np
    import torch

    _check_seqs(seqs)
    if dtype is not None and not isinstance(dtype, torch.dtype):   # 'int64' was an AttributeError
        raise InputTypeError(f"dtype: expected a torch.dtype or None, got {dtype!r}")
    flag = isinstance(pad_value, (bool, np.bool_))   # a bool pads bool values only (True padded ids with 1s)
    if not flag and not isinstance(pad_value, numbers.Real):
        raise InputTypeError(f"pad_value: expected a number, got {pad_value!r}")
    if len(seqs) == 0:
        raise DataError("seqs: expected at least one sequence, got none")
    arrs = [_as_tensor(i, s) for i, s in enumerate(seqs)]
    lengths = [a.shape[0] for a in arrs]
    if min(lengths) < 1:
        raise DataError(f"seqs: expected non-empty sequences, got an empty one at index {lengths.index(0)}")
    shapes = {tuple(a.shape[1:]) for a in arrs}
    if len(shapes) != 1:
        raise DataError(f"seqs: expected all id sequences or all (T_i, C) arrays with the same C, got trailing "
                        f"shapes {sorted(shapes)}")
    if dtype is None:   # (T_i, C) arrays: one dtype that holds them all (the first one's cut 1.5 to 1 in an int array)
        dtype = functools.reduce(torch.promote_types, [a.dtype for a in arrs]) if arrs[0].dim() == 2 else torch.long
        bad = next((i for i, a in enumerate(arrs) if a.dim() == 1 and (a.is_floating_point() or a.dtype == torch.bool)),
                   None)   # a bool (a mask given for ids) was read as ids 0 and 1
        if bad is not None:
            raise DataError(f"seqs[{bad}]: expected integer ids, got {arrs[bad].dtype} values (pass dtype= to pad "
                            "real values)")
    if flag and dtype != torch.bool:   # False / True are the padding of a bool (mask) batch, not a number
        raise InputTypeError(f"pad_value: expected a number, got {pad_value!r} (a bool pads torch.bool values only, "
                             f"these are {dtype})")
    if not (dtype.is_floating_point or dtype.is_complex) and not float(pad_value).is_integer():
        raise DataError(f"pad_value: expected an integer to pad {dtype} values, got {pad_value!r}")
    _check_pad_range(pad_value, dtype)
    out = torch.full((len(arrs), max(lengths), *arrs[0].shape[1:]), pad_value, dtype=dtype)
    for i, a in enumerate(arrs):
        out[i, : a.shape[0]] = a if a.dtype == dtype else _cast(i, a, dtype)
    return out, torch.tensor(lengths, dtype=torch.long)


def _check_seqs(seqs: Any, indexed: bool = False) -> None:
    """``seqs`` must be a sized, ordered collection of sequences (a generator was a bare TypeError of len), one that
    can be indexed where ``indexed`` (:func:`limit_length` reads ``seqs[i]``; :func:`pad_sequences` only iterates,
    so ``dict.values()`` pads as it did)."""
    if isinstance(seqs, (str, bytes, dict, set, frozenset)) or not hasattr(seqs, "__len__") \
            or not hasattr(seqs, "__iter__") or (indexed and not hasattr(seqs, "__getitem__")):
        raise InputTypeError(f"seqs: expected a list of sequences, got {type(seqs).__name__}")


def _check_pad_range(pad_value: Any, dtype: torch.dtype) -> None:
    """``pad_value`` must be a value ``dtype`` holds: 300 in int8 was torch's bare RuntimeError, 1e39 in float32
    padded inf."""
    import torch

    if dtype == torch.bool:
        low, high = 0, 1
    elif dtype.is_floating_point:
        high = torch.finfo(dtype).max
        if math.isfinite(pad_value) and abs(pad_value) > high:
            raise DataError(f"pad_value: expected a value that {dtype} holds (|v| <= {high:.4g}), got {pad_value!r}")
        return
    elif dtype.is_complex:
        return
    else:
        low, high = torch.iinfo(dtype).min, torch.iinfo(dtype).max
    if not low <= pad_value <= high:
        raise DataError(f"pad_value: expected a value that {dtype} holds ([{low}, {high}]), got {pad_value!r}")


def _cast(i: int, a: Tensor, dtype: torch.dtype) -> Tensor:
    """``a`` in ``dtype``; a value it changes (a fraction cut by an integer dtype, a finite value beyond a
    float dtype's range: inf) is a DataError naming ``seqs[i]``, not a silently different number."""
    import torch

    v = a.to(dtype)
    if a.dtype == dtype or a.dtype == torch.bool:
        return v
    if not a.is_floating_point():   # an integer beyond a narrower integer dtype wrapped (300 -> 44 in int8)
        widening = torch.promote_types(a.dtype, dtype) == dtype      # int32 -> int64: nothing to check
        if dtype.is_floating_point and bool(torch.isinf(v).any()):   # 70000 in float16 padded inf, silently
            bad = a[torch.isinf(v)][0].item()
            raise DataError(f"seqs[{i}]: expected values that {dtype} holds, got {bad!r} (pass a dtype that holds them)")
        if (dtype.is_floating_point or dtype.is_complex) and a.numel():   # 2049 in float16 padded 2048, silently
            back = (v.real if dtype.is_complex else v).double()
            big = (back >= 2.0 ** 63) | (back < -2.0 ** 63)              # beyond int64: rounded past a's range
            changed = big | (back.masked_fill(big, 0).to(torch.int64) != a.to(torch.int64))
            if bool(changed.any()):
                raise DataError(f"seqs[{i}]: expected integers that {dtype} holds exactly, got {a[changed][0].item()} "
                                f"(read as {back[changed][0].item()!r}; pass a dtype that holds them)")
        if dtype.is_floating_point or dtype.is_complex or widening or a.numel() == 0:
            return v
        low, high = (0, 1) if dtype == torch.bool else (torch.iinfo(dtype).min, torch.iinfo(dtype).max)  # bool: 0/1
        lo, hi = int(a.min()), int(a.max())
        if lo < low or hi > high:
            bad = lo if lo < low else hi
            raise DataError(f"seqs[{i}]: expected values that {dtype} holds, got {bad} (pass a dtype that holds them)")
        return v
    if dtype.is_floating_point:
        changed = torch.isinf(v) & torch.isfinite(a)
    else:
        changed = v.to(a.dtype) != a
    if bool(changed.any()):
        bad = a[changed][0].item()
        raise DataError(f"seqs[{i}]: expected values that {dtype} holds, got {bad!r} (pass a dtype that holds them)")
    return v


def bucket_batches(lengths: Sequence[int], batch_size: int, shuffle: bool = True, seed: int = 0,
                   pool: int = 50) -> list[list[int]]:
    """Indices grouped into batches of similar length (see the module docstring).

    With ``shuffle=False`` the whole data set is sorted by length (deterministic, for prediction).

    >>> bucket_batches([5, 1, 4, 2], batch_size=2, shuffle=False)
    [[1, 3], [2, 0]]
    """
    import numpy as np

    if not is_int(batch_size) or batch_size < 1:
        raise ConfigError(f"batch_size: expected a positive int, got {batch_size!r}")
    if not is_int(pool) or pool < 1:
        raise ConfigError(f"pool: expected a positive int, got {pool!r}")
    shuffle = check_bool("shuffle", shuffle)   # shuffle="no" shuffled
    if shuffle and (not is_int(seed) or seed < 0):
        raise ConfigError(f"seed: expected an int >= 0, got {seed!r}")   # numpy's bare ValueError / TypeError
    lens = _check_lengths(lengths)
    n = len(lens)
    if not shuffle:
        order = np.argsort(lens, kind="stable")
        return [order[i: i + batch_size].tolist() for i in range(0, n, batch_size)]
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    batches: list[list[int]] = []
    step = batch_size * pool
    for start in range(0, n, step):
        chunk = perm[start: start + step]
        chunk = chunk[np.argsort(lens[chunk], kind="stable")]
        batches += [chunk[i: i + batch_size].tolist() for i in range(0, len(chunk), batch_size)]
    order = rng.permutation(len(batches))
    return [batches[i] for i in order]


def _check_lengths(lengths: Any) -> np.ndarray:
    """``lengths`` (one per sequence) as a 1-D numpy integer array of values >= 0; anything else is a DataError."""
    import numpy as np

    try:
        lens = np.asarray(lengths)
    except ValueError:  # ragged: sequences given for their lengths
        lens = np.asarray(None)
    if lens.ndim != 1 or (lens.size and lens.dtype.kind not in "iu"):
        raise DataError(f"lengths: expected a 1-D sequence of ints (one length per sequence), got {lens.dtype} of "
                        f"shape {lens.shape} (the sequences themselves? pass [len(s) for s in seqs])")
    if lens.size and lens.min() < 0:
        raise DataError(f"lengths: expected lengths >= 0, got {int(lens.min())} at index {int(lens.argmin())}")
    return lens


def padding_fraction(lengths: Sequence[int], batches: list[list[int]]) -> float:
    """Share of padded positions over all batches (0 = no padding). ``lengths`` as :func:`bucket_batches` takes
    them (negative lengths gave a negative share, float ones a share of fractional steps, a str Python's
    TypeError) and ``batches`` a list of lists of indices into them (``None`` or a flat list of indices was
    Python's bare TypeError)."""
    import numpy as np

    lens = _check_lengths(lengths)
    if isinstance(batches, (str, bytes)) or not hasattr(batches, "__iter__"):
        raise InputTypeError(f"batches: expected a list of batches (lists of indices), got {type(batches).__name__}")
    batches = list(batches)
    flat = next((k for k, b in enumerate(batches) if isinstance(b, (str, bytes)) or not hasattr(b, "__iter__")), None)
    if flat is not None:
        raise InputTypeError(f"batches[{flat}]: expected a list of indices, got {type(batches[flat]).__name__}")
    bad = next(((i, j) for i, b in enumerate(batches) for j in b
                if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not 0 <= j < len(lens)), None)
    if bad is not None:   # numpy's IndexError, or a negative index read from the end
        raise DataError(f"batches[{bad[0]}]: expected indices in [0, {len(lens) - 1}] (one per length), got {bad[1]!r}")
    total = sum(len(b) * int(lens[b].max()) for b in batches if len(b))
    real = sum(int(lens[b].sum()) for b in batches if len(b))   # of the batches' items (lens.sum(): of every
    return 1.0 - real / total if total else 0.0                 # length, so a subset of the items read < 0)


def _count(s: Any) -> int:
    return AtLeast(len(s)) if isinstance(s, Head) else len(s)


def _sliceable(s: Any) -> bool:
    """Whether ``s`` has a length and takes ``s[:n]``: not a mapping (a dict's ``[:n]`` was 'unhashable type'), not a
    0-d array or tensor (its ``len()`` a TypeError)."""
    if isinstance(s, Mapping) or not hasattr(s, "__len__") or not hasattr(s, "__getitem__"):
        return False
    return getattr(s, "ndim", 1) != 0


def limit_length(seqs: list[Any], max_len: int | None, on_long: str = "truncate", what: str = "sequence") -> list[Any]:
    """Apply the length limit ``max_len`` (``None``: no limit) by ``on_long`` (``"truncate"``: cut and
    warn once, a :class:`TruncationWarning` naming the items cut -- inside :func:`truncations`, recorded
    there instead; ``"error"``: raise DataError). The length of a :class:`~rnnkit.data.heads.Head` (tokens of
    a long text's prefix) is reported as :class:`~rnnkit.data.heads.AtLeast`: ``at least N``."""
    if on_long not in ON_LONG:
        raise ConfigError(f"on_long: expected one of {list(ON_LONG)}, got {on_long!r}")
    if max_len is None:
        return seqs
    if not is_int(max_len) or max_len < 1:
        raise ConfigError(f"max_len: expected None or a positive int, got {max_len!r}")
    max_len = int(max_len)   # numpy's too, a Python int in the warning and its record
    _check_seqs(seqs, indexed=True)
    bad = next((i for i, s in enumerate(seqs) if not _sliceable(s)), None)
    if bad is not None:   # None or a number among the sequences (a 0-d array too): a bare TypeError of len()
        raise InputTypeError(f"seqs[{bad}]: expected a sequence (tokens, ids or a text), got {type(seqs[bad]).__name__}"
                             + (" of no dimension" if hasattr(seqs[bad], "ndim") else ""))
    long = [i for i, s in enumerate(seqs) if len(s) > max_len]
    if not long:
        return seqs
    before = [_count(seqs[i]) for i in long]    # a text read from a prefix: a lower bound ('at least N')
    worst = longest(before)
    if on_long == "error" and not _COUNT_LONG.get():    # counted inside truncations(count_long=True)
        raise DataError(f"{what}: expected at most max_len={max_len} tokens, got {len(long)} longer "
                        f"(first at index {long[0]}, longest {worst}); raise max_len or use on_long='truncate'")
    sink = _COLLECTING.get()
    if sink is not None:   # inside truncations(): the caller tells each item
        sink.update(zip(long, before))
    else:
        warnings.warn(TruncationWarning(f"{what}: truncated {len(long)} of {len(seqs)} to max_len={max_len} (longest "
                                        f"was {worst})", long, before, max_len), stacklevel=user_stacklevel())
    return [s[:max_len] if len(s) > max_len else s for s in seqs]

