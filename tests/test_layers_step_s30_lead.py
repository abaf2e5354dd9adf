"""Session 30 (lead, W2's review of f060ee1): a step given a strided state keeps the sequence call's bits."""
import pytest
import torch

from rnnkit import GRU, LSTM, ElmanRNN as RNN


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("batch", [2, 3])
def test_a_step_on_a_column_major_state_equals_the_sequence_call(dtype, batch):
    torch.manual_seed(1)
    for make in (GRU, RNN):
        layer = make(24, 128, num_layers=2).to(dtype)
        x = torch.randn(batch, 24, dtype=dtype)
        h = torch.randn(2, 128, batch, dtype=dtype).transpose(1, 2)     # (L, B, H), a caller's transposed view
        y, s = layer.step(x, h)
        y_seq, s_seq = layer(x.unsqueeze(0), h)
        assert torch.equal(y, y_seq[0]) and torch.equal(s, s_seq)
    layer = LSTM(24, 64, num_layers=2).double()
    x = torch.randn(batch, 24, dtype=torch.float64)
    hc = tuple(torch.randn(2, 64, batch, dtype=torch.float64).transpose(1, 2) for _ in range(2))
    y, (h1, c1) = layer.step(x, hc)
    y_seq, (h2, c2) = layer(x.unsqueeze(0), hc)
    assert torch.equal(y, y_seq[0]) and torch.equal(h1, h2) and torch.equal(c1, c2)
