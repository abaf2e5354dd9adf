"""The Forecaster's Python API under hostile inputs (session 23, helper F).

Which network a ``Forecaster`` fits when ``model``, ``cell`` and ``config`` disagree: a ``ForecastConfig`` given as
``config=`` is taken as it is, its ``model`` decides (docs/forecasting.md, "The cell rule"); a ``cell`` naming another
network than ``model`` is refused instead of one of them winning silently.
"""

import numpy as np
import pandas as pd
import pytest

from rnnkit import GRU, LSTM, ElmanRNN
from rnnkit.errors import ConfigError
from rnnkit.forecast import Forecaster
from rnnkit.tasks.forecasting import ForecastConfig
from toy_data import run_cli

TINY = dict(horizon=3, epochs=1, hidden_size=4, lookback=6, deseasonalize="none", threads=1)
LAYERS = {"lstm": LSTM, "gru": GRU, "elman": ElmanRNN}


def _series() -> pd.Series:
    t = np.arange(60)
    return pd.Series(np.sin(t * np.pi / 6) + 5 + 0.01 * t, index=pd.date_range("2000-01", periods=60, freq="MS"))


def _layers(f: Forecaster) -> set[type]:
    return {type(m) for m in f.network_.modules() if type(m) in LAYERS.values()}


@pytest.mark.parametrize("name", ["gru", "elman"])
def test_a_config_naming_a_network_fits_that_network(name):
    # ForecastConfig(model="gru") keeps the default cell "lstm": it fitted an LSTM and reported model "lstm"
    y = _series()
    f = Forecaster(config=ForecastConfig(model=name, **TINY)).fit(y)
    oracle = Forecaster(name, **TINY).fit(y)      # the same network named positionally (the documented form)
    assert f.config.model == f.config.cell == name
    assert _layers(f) == {LAYERS[name]}
    pd.testing.assert_frame_equal(f.predict(), oracle.predict())


@pytest.mark.parametrize("make", [
    lambda: Forecaster(model="lstm", cell="gru"),       # fitted a GRU, model renamed "gru"
    lambda: Forecaster("gru", cell="lstm"),              # fitted an LSTM
    lambda: Forecaster(model="elman", cell="lstm"),
    lambda: Forecaster(config=ForecastConfig(model="lstm", cell="gru")),
    lambda: Forecaster(config=ForecastConfig(model="gru", cell="elman")),
])
def test_a_cell_naming_another_network_than_model_is_refused(make):
    with pytest.raises(ConfigError, match=r"^cell: expected '(lstm|gru|elman)'"):
        make()


def test_the_cell_rule_still_holds_where_nothing_disagrees():
    for f in (Forecaster("gru", cell="gru"), Forecaster(cell="gru"), Forecaster(model="gru"),
              Forecaster(config=ForecastConfig(model="gru", cell="gru")),
              Forecaster(config=ForecastConfig(model="elman"), cell="gru")):   # cell= alone names the network
        assert f.config.model == f.config.cell == "gru"
    f = Forecaster(model="auto", cell="gru")               # with auto or esrnn, cell is only the network's cell
    assert (f.config.model, f.config.cell) == ("auto", "gru")
    assert Forecaster(model="esrnn", cell="elman").config.cell == "elman"
    assert Forecaster(config=ForecastConfig(model="ets", cell="gru")).config.model == "ets"


def test_cli_model_and_another_cell_is_a_usage_error(capsys):
    # --model lstm --cell gru fitted the GRU (exit 0) and reported "gru"
    code, out, err = run_cli(["forecast", "--dataset", "nile", "--horizon", "3", "--model", "lstm", "--cell", "gru",
                              "--epochs", "1", "--hidden-size", "4", "--quiet", "--no-plot"], capsys)
    assert code == 2 and out == "" and "--cell: expected 'lstm'" in err and "got 'gru'" in err
