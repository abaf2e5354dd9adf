"""Session 17's hostile-input sweep (helper Q): library functions (data, layers, training).

Each test fails on the code before its fix (checked with ``git archive 23fec2f src``, PYTHONPATH).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.data.batching import pad_sequences
from rnnkit.errors import DataError

pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.mark.parametrize("seqs", [[[True, False], [True]], [torch.tensor([True, False])],
                                  [np.array([False, True])]])
def test_pad_sequences_refuses_bool_ids(seqs):
    """A mask given where ids go was padded as ids 1 and 0 (left from earlier sessions); float ids were refused
    already. Real values (``dtype=``) and (T_i, C) arrays keep their dtype as before."""
    with pytest.raises(DataError, match=r"^seqs\[0\]: expected integer ids, got torch.bool values"):
        pad_sequences(seqs)
    x, lengths = pad_sequences([[3, 1], [2]])
    assert x.tolist() == [[3, 1], [2, 0]] and lengths.tolist() == [2, 1]
    x, _ = pad_sequences([np.array([[True], [False]])])
    assert x.dtype == torch.bool
