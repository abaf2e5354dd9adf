"""A sequence made under ``torch.inference_mode()`` passed to a layer whose call autograd records (session 25, T).

Before: the same call raised torch's untyped "Inference tensors cannot be saved for backward" RuntimeError
without ``lengths`` (every engine and scan: F.linear saves ``x`` for ``dW_ih``) and ran with ``lengths`` (the
padding mask made a copy), so one input passed or failed with the argument. The state had the typed error
already (e308853); now ``x`` (and ``step``'s ``x_t``) has the same, in every engine and scan. Where nothing is
recorded (frozen weights, ``torch.no_grad()``, inside inference mode) the tensor runs, as in torch.nn.
"""

import pytest
import torch

import rnnkit
from rnnkit.errors import InputTypeError

torch.set_num_threads(1)

LAYERS = [(rnnkit.LSTM, {"engine": e}) for e in ("auto", "native", "bptt", "fused", "reference")] + \
         [(rnnkit.GRU, {"engine": "bptt"}), (rnnkit.ElmanRNN, {"engine": "native"})] + \
         [(c, {"scan": s}) for c in (rnnkit.MinGRU, rnnkit.MinLSTM) for s in ("chunked", "log", "sequential")]
IDS = [f"{c.__name__}-{next(iter(kw.values()))}" for c, kw in LAYERS]
MSG = r"^x: expected a tensor autograd can record .*x\.clone\(\) makes one.*inference_mode"


def _inference(*shape):
    with torch.inference_mode():
        return torch.randn(*shape)


@pytest.mark.parametrize("cls,kw", LAYERS, ids=IDS)
@pytest.mark.parametrize("lengths", [None, [5, 3]], ids=["full", "lengths"])
def test_an_inference_x_in_a_recorded_call_is_a_typed_error(cls, kw, lengths):
    layer = cls(3, 4, **kw)
    lens = None if lengths is None else torch.tensor(lengths)
    with pytest.raises(InputTypeError, match=MSG):
        layer(_inference(5, 2, 3), lengths=lens)


def test_bidirectional_wrapper_and_step_name_their_argument():
    x = _inference(5, 2, 3)
    with pytest.raises(InputTypeError, match=MSG):
        rnnkit.Bidirectional(rnnkit.GRU(3, 4))(x)
    with pytest.raises(InputTypeError, match=r"^x_t: expected a tensor autograd can record .*x_t\.clone\(\)"):
        rnnkit.LSTM(3, 4).step(x[0])
    with pytest.raises(InputTypeError, match=r"^x_t: expected a tensor autograd can record"):
        rnnkit.MinGRU(3, 4).step(x[0])


@pytest.mark.parametrize("cls,kw", LAYERS, ids=IDS)
def test_an_inference_x_runs_where_nothing_is_recorded(cls, kw):
    torch.manual_seed(0)
    layer = cls(3, 4, **kw)
    x = _inference(5, 2, 3)
    want = layer(x.clone())[0].detach()
    with torch.no_grad():
        assert torch.equal(layer(x)[0], want)
    with torch.inference_mode():
        assert torch.equal(layer(x)[0], want)
    layer.requires_grad_(False)   # frozen: autograd saves nothing of x (torch.nn runs it too)
    assert torch.equal(layer(x)[0], want)


@pytest.mark.parametrize("cls,kw", [(rnnkit.GRU, {"engine": "reference"}), (rnnkit.MinGRU, {"scan": "sequential"})],
                         ids=["gru-reference", "mingru-sequential"])
def test_the_check_stays_out_of_a_fullgraph_compile_with_a_state(cls, kw):
    # dynamo cannot trace is_inference(): the state's check (e308853) made fullgraph=True with a state an error
    torch.manual_seed(2)
    layer = cls(3, 4, **kw)
    x, h = torch.randn(5, 2, 3), torch.randn(1, 2, 4)
    got = torch.compile(layer, backend="eager", fullgraph=True)(x, h)[0]
    assert torch.allclose(got, layer(x, h)[0], atol=1e-6)
