"""Session 36, helper G2 (review W2-2): a 16-bit model's parity check holds its integer and boolean outputs exact
(their size is no scale for a tolerance: a count of ~5,000 got ~20 at ad5c58b4), and a complex output's size and
difference are its modulus (float64 dropped the imaginary part). Oracle: the check's rule for whole-number outputs
at 531fa65f (any difference is over), and numpy's complex arithmetic."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from rnnkit.export import api
from rnnkit.export.tolerance import first_over, largest_finite, parity_atol

pytestmark = pytest.mark.usefixtures("one_thread_module")


class _HalfWithWhole(torch.nn.Module):
    def __init__(self, dtype: torch.dtype, kind: str) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(3, 2).to(dtype)
        self.kind = kind

    def forward(self, x):
        big = (x.float().abs() * 1000).round()
        whole = {"int64": big.long().sum(-1), "int32": big.int().sum(-1), "bool": big.sum(-1) > 2000}[self.kind]
        return self.lin(x), whole


def _check(dtype, kind, off):
    torch.manual_seed(0)
    model = _HalfWithWhole(dtype, kind).eval()
    spec = api.resolve(model, example=(torch.randn(2, 5, 3, dtype=dtype),), output_names=["y", "whole"])

    def run(*inputs):
        with torch.no_grad():
            y, whole = model(*inputs)
        whole = ~whole if (kind == "bool" and off) else whole + off if kind != "bool" else whole
        return [api._numpy(y), api._numpy(whole)]

    largest: dict[str, float] = {}
    parity = api.check_parity(spec, run, largest=largest)
    return parity, largest, parity_atol(spec, None, {dtype}, largest)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("kind,off", [("int64", 1), ("int64", 3), ("int32", 1), ("bool", True)])
def test_a_whole_number_output_off_by_any_amount_fails_the_16bit_check(dtype, kind, off):
    parity, largest, atols = _check(dtype, kind, off)
    assert parity[0]["max_abs_diff"]["whole"] >= 1
    over = first_over(parity, atols)
    assert over is not None and "'whole'" in over[2], atols
    assert "whole" not in largest and atols["whole"] < 1e-6      # no scale: 4 eps x tiny


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("kind", ["int64", "bool"])
def test_an_exact_runtime_passes_and_the_float_output_keeps_its_own_scale(dtype, kind):
    parity, largest, atols = _check(dtype, kind, 0)
    assert first_over(parity, atols) is None
    assert largest["y"] > 0 and atols["y"] == pytest.approx(4 * torch.finfo(dtype).eps * largest["y"])


def test_a_complex_output_is_sized_and_compared_by_its_modulus():
    want = np.array([3 + 4j, -1j], dtype=np.complex64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                # float64 of a complex value: ComplexWarning, imag dropped
        assert largest_finite(want) == pytest.approx(5.0)
        assert api._max_abs_diff(want + 2j, want) == pytest.approx(2.0)
        assert api._max_abs_diff(want.copy(), want) == 0.0
