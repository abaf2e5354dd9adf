"""Session 17 helper V: fixes found reviewing the session's changes (each test fails on the code before its fix)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.data.batching import pad_sequences
from rnnkit.errors import InputTypeError


@pytest.mark.parametrize("pad", [False, np.bool_(False)])
def test_pad_sequences_pads_bool_masks_with_a_bool(pad):
    """pad_value=False is how a batch of bool masks is padded (torch.full takes it); 90dfd62 refused every bool
    pad_value as 'expected a number' whatever the dtype. Oracle: the same batch padded with pad_value=0."""
    masks = [torch.tensor([True, True, False]), torch.tensor([True])]
    x, lengths = pad_sequences(masks, pad_value=pad, dtype=torch.bool)
    ref, ref_lengths = pad_sequences(masks, pad_value=0, dtype=torch.bool)
    assert x.dtype == torch.bool and torch.equal(x, ref) and torch.equal(lengths, ref_lengths)
    y, _ = pad_sequences([np.ones((2, 3), bool), np.ones((1, 3), bool)], pad_value=pad)   # (T_i, C) masks: dtype bool
    assert y.dtype == torch.bool and not y[1, 1].any() and y[0].all()
    with pytest.raises(InputTypeError, match=r"^pad_value: expected a number, got True \(a bool pads torch.bool"):
        pad_sequences([[1, 2], [3]], pad_value=True)   # ids: still refused (True padded them with 1s)
    with pytest.raises(InputTypeError, match=r"^pad_value: expected a number, got False"):
        pad_sequences([[1.5], [2.5, 1.0]], pad_value=False, dtype=torch.float32)
