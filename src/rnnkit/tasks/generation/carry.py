"""What the char LM's training carries from one round to the next, as a Trainer callback whose state rides in every
checkpoint, so that a fit interrupted and resumed (``train --resume``, :mod:`rnnkit.training.stages`) ends with the
uninterrupted fit's model.

Truncated BPTT hands the recurrent state at the end of round ``r`` to the first chunk of round ``r + 1`` (unless a
new pass over the text starts), and ``reset_prob`` zeroes streams with draws from a generator of its own. Neither is
a weight, an optimizer moment or one of the RNGs the Trainer saves: a checkpoint of those alone resumed round
``r + 1`` from a zero state with the generator at its seed -- another model.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from rnnkit.errors import CheckpointError
from rnnkit.training.callbacks import Callback

__all__ = ["CarriedState"]


class CarriedState(Callback):
    """The state carried across chunks (``state``: ``None`` before the first chunk, else the last chunk's state,
    detached) and the generator of the state resets (seeded with ``seed``); :meth:`state_dict` holds both."""

    def __init__(self, seed: int) -> None:
        self.state: Any = None
        self.resets = torch.Generator().manual_seed(seed)

    def keep(self, state: Any) -> None:
        """Carry ``state`` (a tensor or a tuple of tensors, as the network returns it), detached."""
        self.state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()

    def state_dict(self) -> dict:
        return {"state": self.state, "resets": self.resets.get_state()}

    def load_state_dict(self, state: Any) -> None:
        carried = state.get("state") if isinstance(state, dict) else None
        gen = state.get("resets") if isinstance(state, dict) else None
        parts = carried if isinstance(carried, tuple) else (carried,)
        if not isinstance(gen, Tensor) or gen.dtype != torch.uint8 or \
                (carried is not None and not all(isinstance(p, Tensor) for p in parts)):
            got = {k: type(v).__name__ for k, v in state.items()} if isinstance(state, dict) else type(state).__name__
            raise CheckpointError(f"CarriedState: expected {{'state': None, a tensor or a tuple of tensors, 'resets': "
                                  f"a generator state (a uint8 tensor)}}, got {got}")
        self.state = carried
        self.resets.set_state(gen)
