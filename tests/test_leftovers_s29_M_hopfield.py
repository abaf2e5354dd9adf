"""Session 29, helper M: NaN or inf given to the Hopfield functions and layers is refused naming the argument and the
place (session 28's leftover: ``hopfield_update``, ``scaled_softmax``, ``HopfieldLayer``, ``HopfieldPooling`` and
``overlap`` returned NaN, silently; the memories said "got NaN or infinity" with no place). Entries a mask or the
lengths leave out may hold anything, as before; finite values near the dtype's range are still taken."""

from __future__ import annotations

import pytest
import torch

from rnnkit.errors import DataError
from rnnkit.hopfield import HopfieldLayer, HopfieldNetwork, HopfieldPooling, ModernHopfield, hopfield_update, overlap
from rnnkit.hopfield.modern import scaled_softmax

G = torch.Generator().manual_seed(0)
P, Q = torch.randn(5, 8, generator=G), torch.randn(3, 8, generator=G)


def _with(x, at, value):
    x = x.clone()
    x[at] = value
    return x


CALLS = {
    "hopfield_update states": ("states", [2, 3], lambda v: hopfield_update(_with(Q, (2, 3), v), P, 1.0)),
    "hopfield_update stored": ("stored", [1, 2], lambda v: hopfield_update(Q, _with(P, (1, 2), v), 1.0)),
    "scaled_softmax": ("dots", [2, 3], lambda v: scaled_softmax(_with(Q, (2, 3), v), 1.0)),
    "overlap": ("states", [0, 1], lambda v: overlap(_with(torch.ones(2, 8), (0, 1), v), torch.ones(2, 8))),
    "ModernHopfield.recall": ("queries", [2, 3], lambda v: ModernHopfield().store(P).recall(_with(Q, (2, 3), v))),
    "HopfieldNetwork.from_weights": ("weights", [1, 2], lambda v: HopfieldNetwork.from_weights(
        _with(torch.zeros(8, 8), (1, 2), v))),
}


@pytest.mark.parametrize("value, said", [(float("nan"), "NaN"), (float("inf"), "inf"), (float("-inf"), "-inf")])
@pytest.mark.parametrize("call", list(CALLS))
def test_non_finite_values_are_refused_naming_the_argument_and_place(call, value, said):
    name, at, f = CALLS[call]
    with pytest.raises(DataError, match=rf"^{name}: expected finite values, got {said} at \[{', '.join(map(str, at))}\]$"):
        f(value)


def test_entries_left_out_by_a_mask_or_the_lengths_may_hold_anything():
    stored = _with(P, (4, 0), float("nan"))
    keep = torch.tensor([True, True, True, True, False])
    new, _ = hopfield_update(Q, stored, 1.0, mask=keep)
    assert torch.isfinite(new).all()
    assert torch.isfinite(HopfieldLayer(8)(Q[None], stored[None], mask=keep[None])).all()
    assert torch.isfinite(HopfieldLayer(8)(Q[None], stored, mask=keep[None])).all()           # (P, D) stored
    assert torch.isfinite(scaled_softmax(_with(Q, (0, 7), float("-inf")), 1.0, mask=torch.arange(8) < 7)).all()
    padded = _with(torch.randn(2, 6, 8, generator=G), (1, 4, 0), float("nan"))
    assert torch.isfinite(HopfieldPooling(8)(padded, lengths=torch.tensor([6, 3]))).all()
    with pytest.raises(DataError, match=r"^stored: expected finite values, got NaN at \[4, 0\] \(an entry mask= "):
        hopfield_update(Q, stored, 1.0, mask=torch.ones(5, dtype=torch.bool))


def test_finite_values_near_the_range_are_taken_and_an_overflowing_sum_is_read_value_by_value():
    from rnnkit.hopfield._checks import check_finite

    big = torch.full((4, 8), 3e38)
    new, _ = hopfield_update(big[:1], big, 1.0)       # the scaled dot products: finite, as before
    assert torch.isfinite(new).all()
    assert check_finite("x", big) is big               # its sum overflows: read value by value, all finite
    with pytest.raises(DataError, match=r"^x: expected finite values, got inf at \[3, 5\]$"):
        check_finite("x", _with(big, (3, 5), float("inf")))


def test_meta_tensors_still_give_shapes():
    new, att = hopfield_update(torch.empty(2, 3, 8, device="meta"), torch.empty(5, 8, device="meta"), 1.0)
    assert new.shape == (2, 3, 8) and att.shape == (2, 3, 5)
