"""A batch of no sequence (B = 0, which torch.nn and the layers take) under a GradFlowRecorder (session 25, T).

Before: the hand engines recorded a ``(T, 0)`` tensor, which ``summarize_gradient_flow`` (and so
``plot_gradient_flow``) of the recorder's own norms refused ("expected shape (T, B) ... B >= 1", ShapeError), and
the next batch's records were kept apart as ``'<tag>#2'`` (another shape). Now an empty batch records nothing.
"""

import pytest
import torch

import rnnkit
from rnnkit.diagnostics import GradFlowRecorder, summarize_gradient_flow

torch.set_num_threads(1)


@pytest.mark.parametrize("engine", ["auto", "bptt", "fused"])
def test_an_empty_batch_records_nothing_and_the_next_batch_keeps_the_tag(engine):
    torch.manual_seed(0)
    layer = rnnkit.GRU(3, 4, engine=engine, num_layers=2, bidirectional=True)
    with GradFlowRecorder() as rec:
        y, _ = layer(torch.randn(5, 0, 3))
        y.sum().backward()
        assert dict(rec.norms) == {} and summarize_gradient_flow(rec.norms) == {}
        y, _ = layer(torch.randn(5, 2, 3))
        y.sum().backward()
    assert sorted(rec.norms) == ["GRU.l0.bwd", "GRU.l0.fwd", "GRU.l1.bwd", "GRU.l1.fwd"]
    assert all(n.shape == (5, 2) for n in rec.norms.values())
    assert {s.flag for s in summarize_gradient_flow(rec.norms).values()} <= {"ok", "vanishing", "exploding"}
