"""Session 16's reliability sweep (helper S): layers, engines, training, bench.

Each test fails on the code before its fix (checked with ``git archive 9c8588f src``, PYTHONPATH).
"""

from __future__ import annotations

import warnings

import pytest
import torch

import rnnkit
from rnnkit.errors import InputTypeError

LAYER_KWARGS = [("lstm", {"engine": "bptt"}), ("lstm", {"engine": "fused"}), ("lstm", {"engine": "reference"}),
                ("lstm", {}), ("gru", {"engine": "bptt"}), ("gru", {}), ("elman", {"engine": "bptt"}),
                ("mingru", {}), ("minlstm", {"scan": "chunked"}), ("lstm", {"engine": "bptt", "proj_size": 2})]


def _inference_state(layer, batch):
    with torch.inference_mode():
        st = layer.initial_state(batch)
        return tuple(torch.randn_like(s) for s in st) if isinstance(st, tuple) else torch.randn_like(st)


# ------------------------------------------------------------------ a state made under torch.inference_mode()
@pytest.mark.parametrize("name,kw", LAYER_KWARGS)
def test_a_state_made_in_inference_mode_is_refused_in_training_by_every_engine(name, kw):
    """torch.nn refuses it ("Inference tensors cannot be saved for backward"); ours failed so in some engines
    (native, reference, the scans) and silently ran in others (bptt, fused, native with lengths): the same
    call passed or failed by engine. Now every engine raises one InputTypeError naming `state`."""
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = rnnkit.make_layer(name, 3, 4, dtype=torch.float64, **kw)
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    st = _inference_state(layer, 2)
    for lengths in (None, torch.tensor([5, 3])):
        with pytest.raises(InputTypeError, match=r"^state( \(h\))?: expected a tensor autograd can record.*inference"):
            layer(x, state=st, lengths=lengths)
    if hasattr(layer, "step"):
        with pytest.raises(InputTypeError, match=r"^state( \(h\))?: expected"):
            layer.step(x[0], st)


@pytest.mark.parametrize("name,kw", LAYER_KWARGS[:3] + LAYER_KWARGS[7:8])
def test_a_state_made_in_inference_mode_still_serves_calls_autograd_does_not_record(name, kw):
    """Where torch.nn takes it -- under no_grad, in inference mode, a frozen layer on an input without grad --
    ours takes it too, with the outputs of the same state as an ordinary tensor."""
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = rnnkit.make_layer(name, 3, 4, dtype=torch.float64, **kw)
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    st = _inference_state(layer, 2)
    plain = tuple(s.clone() for s in st) if isinstance(st, tuple) else st.clone()
    with torch.no_grad():
        want = layer(x, state=plain)[0]
        assert torch.equal(layer(x, state=st)[0], want)
    with torch.inference_mode():
        assert torch.equal(layer(x, state=st)[0], want)
    layer.requires_grad_(False)
    assert torch.equal(layer(x, state=st)[0], want)
