"""``dtype=torch.float8_*`` (floating, ``dtype.is_floating_point`` is True) given to a layer (session 25, T).

Before: it passed the dtype check, then the recurrent layers failed in torch's init with an untyped
NotImplementedError ("check_uniform_bounds" not implemented for 'Float8_e4m3fn'), the Hopfield modules reported it
as "sizes whose weights fit in memory" (a misleading ConfigError naming n_patterns / input_size), and
``initial_state(dtype=...)`` returned float8 zeros the layer then refused. Now one ConfigError naming ``dtype``.
"""

import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError
from rnnkit.hopfield.modern import HopfieldLayer, HopfieldPooling

torch.set_num_threads(1)

F8 = [getattr(torch, n) for n in ("float8_e4m3fn", "float8_e5m2") if hasattr(torch, n)]
MSG = r"^dtype: expected a floating torch.dtype the layers compute in .* got torch.float8"
MAKERS = {
    "lstm": lambda dt: rnnkit.LSTM(3, 4, dtype=dt),
    "gru": lambda dt: rnnkit.GRU(3, 4, dtype=dt),
    "elman": lambda dt: rnnkit.ElmanRNN(3, 4, dtype=dt),
    "mingru": lambda dt: rnnkit.MinGRU(3, 4, dtype=dt),
    "minlstm": lambda dt: rnnkit.MinLSTM(3, 4, dtype=dt),
    "hopfield_layer": lambda dt: HopfieldLayer(4, 3, dtype=dt),
    "hopfield_pooling": lambda dt: HopfieldPooling(4, dtype=dt),
}


@pytest.mark.parametrize("dtype", F8, ids=str)
@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_float8_dtype_is_refused_naming_dtype(name, dtype):
    with pytest.raises(ConfigError, match=MSG):
        MAKERS[name](dtype)


@pytest.mark.parametrize("dtype", F8, ids=str)
def test_initial_state_refuses_float8_too(dtype):
    with pytest.raises(ConfigError, match=MSG):
        rnnkit.GRU(3, 4).initial_state(2, dtype=dtype)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("name", sorted(MAKERS))
def test_the_compute_dtypes_still_build(name, dtype):
    module = MAKERS[name](dtype)
    assert {p.dtype for p in module.parameters()} == {dtype}
