"""The parity check's tolerance: the caller's ``atol``, or one derived from the model's precision.

``export(..., atol=None)`` (the default; ``rnnkit export`` without ``--atol``) checks a float32 or float64 model
within ``1e-5`` and a model holding float16 or bfloat16 weights or inputs within

    ``HALF_ULPS * eps(dtype) * max(1, largest |output| of the original model on the check inputs)``

(``eps``: ``torch.finfo(dtype).eps``, the spacing of the dtype's numbers in [1, 2); the lower of the two precisions
when both are there). The runtime's kernels and torch's round 16-bit intermediates at other places (fusion, accumulation), so the outputs differ by
a few of those spacings, relative to their size: measured (session 35; GRU, LSTM with 2 layers / bidirectional /
proj / layer norm + peephole, Elman tanh and relu, MinGRU, MinLSTM; lengths on and off; 2 seeds) the largest
difference was 2.0 eps in float16 (ONNX and torch-export) and 1.5 eps in bfloat16 (torch-export); ``HALF_ULPS = 4``
keeps twice that. The fixed 1e-5 failed every float16 model (one float16 step is 4.9e-4). A graph that cannot hold a
tighter tolerance (``GraphSpec.min_atol``: the context graphs' float16-rounded states) is checked within that one.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.utils._pytree import tree_leaves

__all__ = ["DEFAULT_ATOL", "HALF_ULPS", "parity_atol"]

#: the tolerance of a float32 / float64 model's check
DEFAULT_ATOL = 1e-5
#: a 16-bit model's tolerance in units of its dtype's eps, relative to its outputs' size (module docstring)
HALF_ULPS = 4


def parity_atol(spec: Any, atol: float | None, dtypes: set[torch.dtype], sizes, say=lambda message: None) -> float:
    """The tolerance of the parity check of ``spec`` (a :class:`~rnnkit.export.signature.GraphSpec`) whose model and
    inputs hold the floating ``dtypes``, run at ``sizes`` (batch, time): the caller's ``atol``, else the one derived
    from the dtype; raised to ``spec.min_atol`` where the graph cannot hold less. One not the caller's is ``say``-d
    (the export's progress) with why."""
    why = ""
    if atol is None:
        half = [d for d in (torch.bfloat16, torch.float16) if d in dtypes]   # bfloat16 first: the coarser
        atol = DEFAULT_ATOL
        if half:
            eps, scale = torch.finfo(half[0]).eps, max(1.0, _largest_output(spec, sizes))
            atol = HALF_ULPS * eps * scale
            why = (f"a {str(half[0]).replace('torch.', '')} model: {HALF_ULPS} x its eps {eps:.3g} x max(1, its largest "
                   f"|output| {scale:.3g})")
    if spec.min_atol[0] > atol:   # the graph cannot hold a tighter one: said, not silently widened
        atol, why = spec.min_atol
    if why:
        say(f"checking within {atol:g}: {why}")
    return atol


def _largest_output(spec: Any, sizes) -> float:
    """The largest finite ``|output|`` of the original model on the check's inputs (the same seeds as the check)."""
    top = 0.0
    for i, (b, t) in enumerate((*sizes, *spec.more_sizes) if spec.example is None else [(None, None)]):
        with torch.no_grad():
            for out in tree_leaves(spec.reference(*spec.sample(b or 0, t or 0, seed=i + 1))):
                if isinstance(out, torch.Tensor) and out.is_floating_point() and out.numel():
                    finite = out[torch.isfinite(out)]
                    top = max(top, float(finite.abs().max()) if finite.numel() else 0.0)
    return top
