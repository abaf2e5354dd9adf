import pytest
import torch
import torch.autograd.forward_ad as fwAD

import rnnkit
from rnnkit.errors import ConfigError

F64 = torch.float64


@pytest.mark.parametrize("make", [lambda **k: rnnkit.LSTM(2, 3, dtype=F64, **k),
                                  lambda **k: rnnkit.GRU(2, 3, num_layers=2, bidirectional=True, dtype=F64, **k)],
                         ids=["lstm", "gru-2bi"])
def test_forward_mode_ad_with_lengths_runs_the_default_engine_and_names_native(make):
    # At HEAD 049f4f9 (and 7f82da7) a dual input with lengths -- torch.autograd.forward_ad, torch.func.jvp -- made the
    # default engine (auto -> torch's kernels on CPU) pack the sequence: torch's multi-line NotImplementedError
    # 'Trying to use forward AD with _pack_padded_sequence ...'; engine='native' the same, untyped. Oracle: the
    # tangent of the reference engine (the autograd loop) on the same weights.
    torch.manual_seed(0)
    layer = make()
    ref = make(engine="reference")
    ref.load_state_dict(layer.state_dict())
    x, v, lengths = torch.randn(4, 2, 2, dtype=F64), torch.randn(4, 2, 2, dtype=F64), torch.tensor([4, 2])
    with fwAD.dual_level():
        got = fwAD.unpack_dual(layer(fwAD.make_dual(x, v), lengths=lengths)[0]).tangent
        want = fwAD.unpack_dual(ref(fwAD.make_dual(x, v), lengths=lengths)[0]).tangent
    torch.testing.assert_close(got, want)
    native = make(engine="native")
    with pytest.raises(ConfigError, match=r"^engine: expected 'auto' or 'reference' with lengths under forward-mode "
                                          r"AD .*got 'native'$"):
        torch.func.jvp(lambda x: native(x, lengths=lengths)[0], (x,), (v,))
