"""What the 1-NN Euclidean baseline of time-series classification holds: checked before any training (memory), and
when a run is loaded (its saved state).

:class:`~rnnkit.tasks.tsc.OneNNEuclidean` resamples every training series to the LONGEST training length and keeps
them as one float32 matrix; predicting copies it to float64. One series of a million steps among a thousand of a
hundred made that 1,000 x 1,000,000 values (4 GB, 12 GB at its peak), allocated after the network had trained
(``model="auto"`` fits a 1-NN to choose; every fit fits the baseline): the allocator's error or the OOM killer ended
the fit and the run was lost. :func:`check_1nn_memory` refuses it before the fit, naming the longest series and the
ways out.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from rnnkit import _memory
from rnnkit.errors import DataError

__all__ = ["onenn_bytes", "check_1nn_memory", "check_1nn_state"]

#: bytes a resampled value takes at the 1-NN's peak: the float32 matrix kept, and predict's float64 copy of it
BYTES_PER_VALUE = 4 + 8


def onenn_bytes(X: Sequence[np.ndarray]) -> int:
    """Bytes the 1-NN fitted on ``X`` (``(T_i, C)`` arrays) holds at its peak: every series resampled to the longest
    length, float32, and predict's float64 copy."""
    longest = max(len(x) for x in X)
    return len(X) * longest * int(X[0].shape[1]) * BYTES_PER_VALUE


def check_1nn_memory(X: Sequence[np.ndarray], what: str = "X", places: Sequence[str] | None = None) -> None:
    """DataError when the 1-NN fitted on ``X`` would not fit in the memory available (nothing when that cannot be
    told), naming the longest series (``places``: where each was read) and the ways out."""
    need = onenn_bytes(X)
    avail = _memory.available_memory("cpu")
    if avail is None or need <= avail:
        return
    i = int(np.argmax([len(x) for x in X]))
    at = places[i] if places is not None and i < len(places) else f"series {i + 1}"
    lengths = sorted(len(x) for x in X)
    raise DataError(f"{what}: expected series whose 1-NN baseline fits in memory ({_memory.human_size(avail)} "
                    f"available), got {len(X)} series resampled to the longest, {lengths[-1]:,} steps ({at}; median "
                    f"{lengths[len(lengths) // 2]:,}) x {X[0].shape[1]} channel(s), which would need at least "
                    f"{_memory.human_size(need)}: cut or drop the long series, or fit without 1-NN (model='rnn' with "
                    "baselines=False; rnnkit tsc train --model rnn --no-baseline)")


def check_1nn_state(nn1: Any) -> None:
    """ValueError (a CheckpointError naming baseline.json, by ``run_file``) unless a saved 1-NN is one ``fit`` makes:
    a label (str) per training row, ``length`` steps x the channels of ``mean``/``std`` per row, finite values."""
    n, labels, mean, std, tr = nn1.length, nn1.labels, nn1.mean, nn1.std, nn1.train
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"'length': expected an int >= 1, got {n!r}")
    if not all(isinstance(v, str) and v for v in labels):
        raise ValueError(f"'labels': expected non-empty strs, got {str(labels)[:60]}")
    if mean.ndim != 1 or not len(mean) or std.shape != mean.shape or not (np.isfinite(mean).all() and (std > 0).all()
                                                                          and np.isfinite(std).all()):
        raise ValueError(f"'mean' and 'std': expected one finite value per channel (std > 0), got shapes {mean.shape} "
                         f"and {std.shape}")
    if tr.shape != (len(labels), n * len(mean)) or not np.isfinite(tr).all():
        raise ValueError(f"'train': expected {len(labels)} series (one per label) x {n} steps x {len(mean)} channel(s) "
                         f"of finite values, got shape {tuple(tr.shape)}")
