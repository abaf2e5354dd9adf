"""Session 31, helper S: the forecast metrics' arrays that hold no plain values, typed; a masked array's mask kept.

A sparse or meta tensor given to mae / smape / mase / coverage / quantile_metrics was numpy's bare TypeError ("can't
convert Sparse layout tensor to numpy"); a scipy sparse matrix was read as its rows; a numpy masked array lost its mask
(np.asarray), so a masked value was scored as the data under it (a masked 99 in a forecast: mae 32.3, no word); quantile levels
given as a tensor that requires grad were torch's bare RuntimeError."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
import torch

from rnnkit.errors import ConfigError, DataError, InputTypeError
from rnnkit.tasks.forecasting.metrics import coverage, mae, mase, quantile_metrics, smape

Y = [1.0, 2.0, 3.0]
ODD = [("sparse", lambda: torch.tensor(Y).to_sparse(), "sparse tensor"),
       ("meta", lambda: torch.empty(3, device="meta"), "meta tensor"),
       ("scipy", lambda: scipy.sparse.csr_matrix(np.array([Y])), "scipy sparse csr_matrix")]


@pytest.mark.parametrize("case", ODD, ids=lambda c: c[0])
@pytest.mark.parametrize("call", [lambda v: mae(Y, v), lambda v: smape(v, Y), lambda v: mase(Y, Y, v),
                                  lambda v: coverage(Y, v, [5.0] * 3), lambda v: quantile_metrics(Y, v, [0.1, 0.5, 0.9])])
def test_arrays_without_plain_values_are_typed(case, call):
    _, make, words = case
    with pytest.raises(InputTypeError, match=rf"^\w+: expected an array of real numbers, got a {words}"):
        call(make())


def test_a_masked_value_is_missing_not_the_data_under_it():
    masked = np.ma.array([1.0, 99.0, 3.0], mask=[False, True, False])
    assert np.isnan(mae(Y, masked))         # a NaN forecast makes the metric NaN (was 32.3: the 99 under the mask)
    with pytest.raises(DataError, match=r"^actuals: expected finite values .* at position 1"):
        mae(masked, Y)                               # a missing actual is refused, named (was scored as 99.0)
    assert mae(np.ma.array(Y, mask=False), Y) == 0.0


def test_levels_as_a_tensor_that_requires_grad_are_a_config_error():
    levels = torch.tensor([0.1, 0.5, 0.9], requires_grad=True)
    with pytest.raises(ConfigError, match=r"^quantiles: expected a list of levels"):
        quantile_metrics(Y, np.ones((3, 3)), levels)
