"""The Forecaster's Python API under hostile inputs (session 23, helper F).

Which network a ``Forecaster`` fits when ``model``, ``cell`` and ``config`` disagree: a ``ForecastConfig`` given as
``config=`` is taken as it is, its ``model`` decides (docs/forecasting.md, "The cell rule"); a ``cell`` naming another
network than ``model`` is refused instead of one of them winning silently.
"""

import numpy as np
import pandas as pd
import pytest

from rnnkit import GRU, LSTM, ElmanRNN
from rnnkit.errors import ConfigError, DataError, InputTypeError
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


# ------------------------------------------------------------------ a backtest after fit leaves the fitted forecaster
def _daily_other() -> pd.Series:
    t = np.arange(60)
    return pd.Series(np.cos(t) * 3 + 9, index=pd.date_range("1990-01-01", periods=60, freq="D"), name="b")


STAT = dict(horizon=3)
MODELS = [("ets", STAT), ("auto", dict(horizon=3, candidates=["ets", "theta"])), ("gru", TINY)]


@pytest.mark.parametrize("name,settings", MODELS)
def test_a_backtest_of_another_horizon_leaves_the_fitted_horizon(name, settings):
    # backtest(horizon=5) after fit(horizon=3) set the config's horizon to 5 beside 3-step forecasts: predict() was
    # pandas' 'ValueError: All arrays must be of the same length'
    y = _series()
    f = Forecaster(name, **settings).fit(y.iloc[:54])
    before = f.predict()
    f.backtest(y, folds=1, horizon=5)
    oracle = Forecaster(name, **settings).fit(y.iloc[:54])     # the same fit, never backtested
    assert f.config.horizon == 3
    pd.testing.assert_frame_equal(f.predict(), before)
    pd.testing.assert_frame_equal(f.update(y.iloc[54:56]), oracle.update(y.iloc[54:56]))


@pytest.mark.parametrize("name,settings", MODELS)
def test_a_backtest_on_other_data_leaves_the_fitted_forecaster(name, settings, tmp_path):
    # auto and the statistical models took the backtest's fitted candidates and column arguments as their own:
    # update() of the fitted series was a bare KeyError (or 'expected a series auto was fitted on'), save wrote
    # the backtest's candidates beside the fit's forecasts
    y = _series()
    f = Forecaster(name, **settings).fit(y.iloc[:54])
    f.backtest(_daily_other(), folds=1)
    oracle = Forecaster(name, **settings).fit(y.iloc[:54])
    assert f.summary() == oracle.summary()
    f.save(tmp_path / "run")
    pd.testing.assert_frame_equal(Forecaster.load(tmp_path / "run").update(y.iloc[54:56]),
                                  oracle.update(y.iloc[54:56]))
    pd.testing.assert_frame_equal(f.update(y.iloc[54:56]), Forecaster.load(tmp_path / "run").update(y.iloc[54:56]))


@pytest.mark.parametrize("name,settings", MODELS[:2])   # a network's fit starts from the backtest's weights instead
def test_a_fit_after_a_backtest_on_the_same_data_keeps_its_final_fit(name, settings):
    # the final fit the backtest ran on all the data is kept (now with its own candidates, as the fit's would be)
    y = _series()
    f = Forecaster(name, **settings)
    f.backtest(y, folds=2)
    pd.testing.assert_frame_equal(f.fit(y).predict(), Forecaster(name, **settings).fit(y).predict())
    new = _series().iloc[:2].set_axis(pd.date_range("2005-01", periods=2, freq="MS"))
    pd.testing.assert_frame_equal(f.update(new), Forecaster(name, **settings).fit(y).update(new))


# ------------------------------------------------------------------ a refused fit or backtest changes nothing
@pytest.mark.parametrize("name,settings", MODELS)
@pytest.mark.parametrize("action", ["fit", "backtest"])
def test_a_refused_call_leaves_the_fitted_forecaster(name, settings, action):
    # a fit refused part-way (an infinity) left the config at its horizon 5 beside 3-step forecasts (predict(): pandas'
    # 'All arrays must be of the same length') and its column arguments in place of the fit's (update() read the
    # rows by their index: 'expected timestamps continuing series 'a' ..., got ['54', '55']')
    frame = _series().rename("a").rename_axis("t").reset_index()
    f = Forecaster(name, **settings).fit(frame.iloc[:54], target="a", time_col="t")
    before = f.predict()
    bad = pd.Series([1.0, 2.0, np.inf, 4.0] * 12, name="zz")
    with pytest.raises(DataError, match="^target 'zz' in series 'zz': expected finite numbers"):
        f.fit(bad, horizon=5) if action == "fit" else f.backtest(bad, folds=1, horizon=5)
    oracle = Forecaster(name, **settings).fit(frame.iloc[:54], target="a", time_col="t")
    assert f.config == oracle.config
    pd.testing.assert_frame_equal(f.predict(), before)
    pd.testing.assert_frame_equal(f.update(frame.iloc[54:56]), oracle.update(frame.iloc[54:56]))


# ------------------------------------------------------------------ progress
@pytest.mark.parametrize("bad", [5, "stderr", lambda line, where: None])
def test_progress_that_cannot_take_a_line_is_refused_when_set(bad):
    # it was accepted, and the fit died at its first stage message: "TypeError: 'int' object is not callable"
    f = Forecaster("gru", **TINY)
    with pytest.raises(InputTypeError, match="^progress: expected a callable taking one line"):
        f.progress = bad
    assert f.progress is None
    lines = []
    f.progress = lines.append                    # one argument: taken, and given the stage messages
    f.fit(_series())
    assert lines and all(isinstance(m, str) for m in lines)
    f.progress = print                           # a builtin without a signature to read
    f.progress = None


# ------------------------------------------------------------------ a network's fit after a backtest of other data
def test_a_network_fit_after_a_backtest_of_other_data_chooses_its_own_lookback():
    # the fit took the backtest's lookback (12, chosen among 12/24/36 on a monthly series) for a daily series, its
    # weights as a start and its selection as its own, reported "backtest fold 0 (data before the first test window)"
    settings = dict(horizon=3, epochs=2, hidden_size=4, threads=1)
    monthly, daily = _series(), _daily_other()
    f = Forecaster("gru", **settings)
    f.backtest(monthly, folds=1)
    f.fit(daily)
    oracle = Forecaster("gru", **settings).fit(daily)          # the same fit, no backtest before it
    assert (f.lookback_, f.selection_, f.selection_source_) == (oracle.lookback_, oracle.selection_,
                                                                oracle.selection_source_)
    pd.testing.assert_frame_equal(f.predict(), oracle.predict())
    same = Forecaster("gru", **settings)                       # the same data: the backtest's fold 0 is kept
    same.backtest(monthly, folds=1)
    assert same.fit(monthly).selection_source_.startswith("backtest fold 0")
