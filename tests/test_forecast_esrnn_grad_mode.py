"""The ES-RNN fits whatever autograd mode the caller is in, as docs/forecasting.md says of every model.

``fit`` may be called inside ``torch.no_grad()`` (training turns gradients on; the network models get this
from the Trainer) and is refused with a typed error inside ``torch.inference_mode()``. The ES-RNN trains in its
own loop: before session 10 both raised torch's bare ``RuntimeError: element 0 of tensors does not require
grad`` -- and so did the default ``Forecaster()`` (auto) under ``no_grad`` whenever its ES-RNN candidate trained.
Oracle: the same fit outside any mode (same seed), forecast for forecast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.errors import InputTypeError
from rnnkit.tasks.forecasting import Forecaster

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _series() -> pd.Series:
    t = np.arange(150)
    noise = np.random.default_rng(0).normal(0, 0.1, t.size)
    return pd.Series(5 + np.sin(2 * np.pi * t / 7) + 0.01 * t + noise, index=pd.date_range("2020-01-01", periods=t.size, freq="D"))


def test_esrnn_fit_under_no_grad_trains_as_outside_it():
    y = _series()
    plain = Forecaster("esrnn", horizon=7).fit(y).predict()
    with torch.no_grad():
        inside = Forecaster("esrnn", horizon=7).fit(y).predict()
    pd.testing.assert_frame_equal(inside, plain)


def test_esrnn_fit_under_inference_mode_is_a_typed_error():
    with torch.inference_mode(), pytest.raises(InputTypeError, match=r"fit: expected a call outside torch.inference_mode"):
        Forecaster("esrnn", horizon=7).fit(_series())
