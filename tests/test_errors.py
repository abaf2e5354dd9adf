"""Every bad input raises a typed error that names the argument and says what was expected."""

import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError, InputTypeError, ShapeError


@pytest.fixture
def lstm():
    return rnnkit.LSTM(4, 3, num_layers=2)


@pytest.mark.parametrize("kwargs,match", [
    ({"dropout": 1.5}, r"dropout: expected a number in \[0, 1\], got 1.5"),
    ({"dropout": -0.1}, "dropout: expected"),
    ({"zoneout": 1.0}, r"zoneout: expected a number in \[0, 1\), got 1.0"),
    ({"merge": "avg"}, r"merge: expected one of \['concat', 'sum', 'mul', 'ave', 'none'\], got 'avg'"),
    ({"engine": "cuda"}, "engine: expected one of"),
    ({"num_layers": 0}, "num_layers: expected a positive int, got 0"),
])
def test_bad_config(kwargs, match):
    args = {"input_size": 4, "hidden_size": 3, **kwargs}
    with pytest.raises(ConfigError, match=match):
        rnnkit.LSTM(**args)


@pytest.mark.parametrize("kwargs,match", [  # a wrong type is an InputTypeError (a TypeError), never coerced
    ({"dropout": True}, r"dropout: expected a number in \[0, 1\], got True \(bool\)"),
    ({"hidden_size": 2.5}, r"hidden_size: expected a positive int, got 2.5 \(float\)"),
    ({"bidirectional": 1}, r"bidirectional: expected a bool, got 1 \(int\)"),
    ({"merge": 2}, "merge: expected one of .* got 2 \\(int\\)"),
])
def test_bad_config_type(kwargs, match):
    args = {"input_size": 4, "hidden_size": 3, **kwargs}
    with pytest.raises(InputTypeError, match=match):
        rnnkit.LSTM(**args)


def test_unknown_cell_and_nonlinearity():
    with pytest.raises(ConfigError, match="cell: expected one of .*got 'lstmm'"):
        rnnkit.RecurrentLayer("lstmm", 4, 3)
    with pytest.raises(ConfigError, match=r"nonlinearity: expected one of \['tanh', 'relu'\], got 'sigmoid'"):
        rnnkit.ElmanRNN(4, 3, nonlinearity="sigmoid")


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="num_layers=1"):
        rnnkit.GRU(4, 3, dropout=0.2)


def test_wrong_rank_feature_size_dtype(lstm):
    with pytest.raises(ShapeError, match="x: expected a 3-D .* got 4-D"):
        lstm(torch.randn(2, 3, 4, 1))
    with pytest.raises(ShapeError, match=r"x: expected feature size \(last dim\) 4, got 5"):
        lstm(torch.randn(2, 3, 5))
    with pytest.raises(InputTypeError, match="x: expected dtype torch.float32 .* got torch.float64"):
        lstm(torch.randn(2, 3, 4, dtype=torch.float64))
    with pytest.raises(InputTypeError, match="x: expected a torch.Tensor, got list"):
        lstm([[1.0] * 4])
    with pytest.raises(ShapeError, match="at least one time step"):
        lstm(torch.randn(0, 3, 4))


def test_bad_lengths(lstm):
    x = torch.randn(5, 2, 4)
    with pytest.raises(ShapeError, match=r"lengths: expected values in \[0, 5\] .* got min 1, max 6"):
        lstm(x, lengths=torch.tensor([6, 1]))
    with pytest.raises(ShapeError, match=r"lengths: expected values in \[0, 5\]"):   # 0: a sequence that ended
        lstm(x, lengths=torch.tensor([-1, 3]))
    with pytest.raises(ShapeError, match=r"lengths: expected shape \(2,\) to match the batch, got \(3,\)"):
        lstm(x, lengths=torch.tensor([1, 2, 3]))
    with pytest.raises(InputTypeError, match="lengths: expected an integer tensor, got dtype torch.float32"):
        lstm(x, lengths=torch.tensor([1.0, 2.0]))
    y, _ = lstm(x, lengths=[5, 3])  # a list of ints is accepted as is
    assert torch.count_nonzero(y[3:, 1]) == 0


def test_bad_state(lstm):
    x = torch.randn(5, 2, 4)
    h = torch.zeros(2, 2, 3)
    with pytest.raises(InputTypeError, match=r"state: expected a tuple of 2 tensors \('h', 'c'\)"):
        lstm(x, h)
    with pytest.raises(ShapeError, match=r"state \(c\): expected shape \(2, 2, 3\), got \(1, 2, 3\)"):
        lstm(x, (h, torch.zeros(1, 2, 3)))
    with pytest.raises(ShapeError, match=r"state \(h\): expected shape \(2, 2, 3\), got \(2, 3, 3\)"):
        lstm(x, (torch.zeros(2, 3, 3), h))
    gru = rnnkit.GRU(4, 3)
    with pytest.raises(InputTypeError, match=r"state: expected a tensor of shape \(1, 2, 3\), got tuple"):
        gru(x, (torch.zeros(1, 2, 3),))


def test_step_on_bidirectional_and_interop_errors():
    with pytest.raises(ConfigError, match="step: expected a unidirectional layer"):
        rnnkit.GRU(4, 3, bidirectional=True).step(torch.randn(2, 4))
    with pytest.raises(InputTypeError, match="module: expected torch.nn.RNN, LSTM or GRU, got Linear"):
        rnnkit.from_torch(torch.nn.Linear(2, 2))
    with pytest.raises(ConfigError, match="merge='sum' has no torch.nn equivalent"):
        rnnkit.LSTM(4, 3, bidirectional=True, merge="sum").to_torch()
    with pytest.raises(ConfigError, match="layer: expected a unidirectional layer"):
        rnnkit.Bidirectional(rnnkit.LSTM(4, 3, bidirectional=True))
