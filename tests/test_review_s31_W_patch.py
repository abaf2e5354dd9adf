"""Session 31, helper W: review of this session's commits -- what they let through.

df95e77 read a masked array with ``np.ma.masked_array(v, dtype=float)`` before the dtype check every other array
gets: a masked array of dates was scored as days since 1970 (mae 18262.0), one of complex numbers lost its imaginary
part (mae 0.0), text ('1') and bools were read as numbers -- all silently, where the same values unmasked are an
InputTypeError. Its ``no_plain_values`` asked every object of torch's module for ``.layout``: ``torch.Size`` (a tuple)
was a bare AttributeError in mae (0.0 at dfd260d). 1393b4a refused missing labels, but not numpy's NaT (a
datetime64 array's item), a complex NaN or a Decimal NaN: each still scored as a wrong prediction, silently. A 0-d
numpy array given as a task's labels (dcd76aa's label_items, and before it) was list()'s bare TypeError ('iteration
over a 0-d array') from fit."""

from __future__ import annotations

import decimal

import numpy as np
import pytest
import torch

from rnnkit.errors import DataError, InputTypeError
from rnnkit.tasks.common import accuracy, check_labels
from rnnkit.tasks.forecasting.metrics import mae, quantile_metrics

Y = [1.0, 2.0]
MASKED = [("dates", np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]"), "datetime64"),
          ("complex", np.array([1 + 1j, 2.0]), "complex128"),
          ("text", np.array(["1", "2"]), "<U1"),
          ("bools", np.array([True, False]), "bool")]


@pytest.mark.parametrize("case", MASKED, ids=lambda c: c[0])
def test_a_masked_array_is_checked_as_the_plain_one(case):
    _, values, dtype = case
    for side in (lambda v: mae(v, Y), lambda v: mae(Y, v), lambda v: quantile_metrics(Y, v[:, None], [0.5])):
        with pytest.raises(InputTypeError, match=rf"^\w+: expected real numbers, got {dtype}"):
            side(values)                                         # the rule for a plain array ...
        with pytest.raises(InputTypeError, match=rf"^\w+: expected real numbers, got {dtype}"):
            side(np.ma.masked_array(values, mask=[False, False]))   # ... holds under a mask


def test_a_masked_object_array_checks_only_its_unmasked_values():
    pred = np.ma.masked_array(np.array([1.0, None], dtype=object), mask=[False, True])
    assert np.isnan(mae(Y, pred))               # the None under the mask is missing, as NaN is
    with pytest.raises(DataError, match=r"^actuals: expected finite values .* at position 1"):
        mae(pred, Y)


def test_torch_size_is_a_tuple_of_numbers_not_a_tensor():
    assert mae(torch.Size([1, 2]), Y) == 0.0


@pytest.mark.parametrize("missing", [np.datetime64("NaT"), complex("nan"), decimal.Decimal("NaN")], ids=str)
def test_every_missing_label_is_refused(missing):
    with pytest.raises(DataError, match=r"^y_true\[0\]: expected a label, got a missing value"):
        accuracy([missing, 1], [1, 1])
    with pytest.raises(DataError, match=r"^y_pred\[1\]: expected a label, got a missing value"):
        accuracy([1, 1], [1, missing])


def test_a_datetime64_array_with_nat_is_refused_naming_the_item():
    days = np.array(["2020-01-01", "NaT"], dtype="datetime64[ns]")
    with pytest.raises(DataError, match=r"^y_true\[1\]: expected a label, got a missing value"):
        accuracy(days, np.array(["2020-01-01", "2020-01-01"], dtype="datetime64[ns]"))


def test_a_0d_array_of_labels_is_typed():
    with pytest.raises(InputTypeError, match=r"^labels: expected a list of labels, got a 0-d numpy array"):
        check_labels(np.array("pos"))
    assert check_labels(np.array(["pos", "neg"])) == ["pos", "neg"]
