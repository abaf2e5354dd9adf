"""Seeding and RNG state capture, for reproducible runs and exact resume.

>>> from rnnkit.training.seed import seed_everything, get_rng_state, set_rng_state
>>> g = seed_everything(7)
>>> import torch; a = torch.rand(2)
>>> s = get_rng_state(); b = torch.rand(2); set_rng_state(s); torch.equal(b, torch.rand(2))
True
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

import numpy as np
import torch

from rnnkit._validate import check_seed
from rnnkit.errors import CheckpointError

__all__ = ["seed_everything", "derive_seed", "get_rng_state", "set_rng_state"]


def derive_seed(*parts: int) -> int:
    """A seed in ``[0, 2**63)`` derived from integers (e.g. ``(seed, epoch, rank)``), stable across runs."""
    text = ":".join(str(int(p)) for p in parts)
    return int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python's ``random``, NumPy's global RNG and torch (CPU and every CUDA device).

    Returns a fresh ``torch.Generator`` seeded with ``seed``, meant for data order
    (``DataLoader(..., shuffle=True, generator=g)``), so shuffling does not depend on how many random
    numbers the model drew.
    """
    seed = check_seed(seed)   # as a Python int: random.seed refuses numpy's (np.int64(3) was a bare TypeError)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def get_rng_state() -> dict[str, Any]:
    """Every global RNG state (python, numpy, torch CPU, torch CUDA) as plain values and tensors."""
    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "python": [version, list(internal), gauss],
        "numpy": [kind, keys, int(pos), int(has_gauss), float(cached)],
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else [],
    }
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`get_rng_state` returned."""
    try:
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))
        kind, keys, pos, has_gauss, cached = state["numpy"]
        np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
        torch.set_rng_state(state["torch"].to(torch.uint8))
        cuda = state.get("cuda") or []
        if cuda and torch.cuda.is_available():
            if len(cuda) != torch.cuda.device_count():
                raise CheckpointError(f"rng state: expected {torch.cuda.device_count()} CUDA generator states "
                                      f"(this machine's devices), got {len(cuda)}")
            torch.cuda.set_rng_state_all([c.to(torch.uint8) for c in cuda])
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"rng state: expected the layout get_rng_state() writes, got an unusable one ({e})") from None
