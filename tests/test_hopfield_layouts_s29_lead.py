"""Two tensor layouts the Hopfield checks let through (helper W's review, session 29; the same at 435b85f): sparse
dots to scaled_softmax were torch's "Could not run 'aten::amax' with arguments from the 'SparseCPU' backend", and a
nested tensor to hopfield_update "Internal error: NestedTensorImpl doesn't support sizes" -- neither naming the
argument. Both are one typed line now."""

from __future__ import annotations

import pytest
import torch

from rnnkit.errors import InputTypeError
from rnnkit.hopfield import hopfield_update
from rnnkit.hopfield.modern import scaled_softmax


def test_sparse_dots_are_named():
    with pytest.raises(InputTypeError, match=r"^dots: expected a dense tensor, got layout torch\.sparse_coo "):
        scaled_softmax(torch.randn(3, 8).to_sparse(), 1.0)


def test_a_nested_tensor_is_named():
    nested = torch.nested.nested_tensor([torch.randn(2, 4), torch.randn(3, 4)])
    with pytest.raises(InputTypeError, match=r"^states: expected a dense tensor, got a nested tensor \(pad it"):
        hopfield_update(nested, torch.randn(5, 4), 1.0)
