"""A forecasting setting the chosen model would ignore is refused with a ConfigError naming it (the
network's preprocessing with auto or a statistical method used to be dropped without a word)."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.main import main
from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.forecasting.auto_model import NETWORK_ONLY, check_used
from rnnkit.tasks.forecasting.config import ForecastConfig

Y = pd.Series(10 + np.sin(np.arange(48) * np.pi / 6) + np.arange(48) * 0.1,
              index=pd.date_range("2000-01-01", periods=48, freq="MS"))
NON_DEFAULT = {"cell": "gru", "level_input": False, "interval": "none", "n_samples": 10, "transform": "log",
               "deseasonalize": "none", "detrend": "diff", "scale": "minmax", "lookback_candidates": (12,),
               "max_lookback": 24, "val_fraction": 0.3, "clip_norm": 2.0}


def test_every_network_only_setting_has_a_non_default_example():
    assert set(NON_DEFAULT) == set(NETWORK_ONLY)
    for key, value in NON_DEFAULT.items():
        assert getattr(ForecastConfig(), key) != value, key


@pytest.mark.parametrize("model", ["auto", "ets", "theta", "seasonal_naive", "esrnn"])
@pytest.mark.parametrize("key", sorted(NON_DEFAULT))
def test_network_preprocessing_with_a_model_that_ignores_it_is_refused(model, key):
    cfg = ForecastConfig(model=model, horizon=3, **{key: NON_DEFAULT[key]})
    with pytest.raises(ConfigError, match=rf"^{key}: model '{model}' would ignore it"):
        check_used(cfg)


def test_training_settings_follow_the_candidates():
    check_used(ForecastConfig(model="auto", epochs=3))                        # the default pool has networks
    check_used(ForecastConfig(model="auto", candidates=("ets", "gru"), epochs=3))
    check_used(ForecastConfig(model="ets", seed=3, threads=2))                # generic: accepted everywhere
    for cfg in (ForecastConfig(model="auto", candidates=("ets", "theta"), epochs=3),
                ForecastConfig(model="ets", hidden_size=8)):
        with pytest.raises(ConfigError, match="would ignore it"):
            check_used(cfg)


def test_fit_refuses_before_any_work_and_the_defaults_still_fit():
    with pytest.raises(ConfigError, match="^transform: model 'ets'"):
        Forecaster("ets", horizon=3, transform="log").fit(Y)
    fc = Forecaster("ets", horizon=3).fit(Y).predict()
    assert len(fc) == 3 and np.isfinite(fc["value"]).all()


def test_cli_names_the_flag_and_exits_2(tmp_path, capsys):
    code = main(["forecast", "--dataset", "nile", "--model", "theta", "--detrend", "diff", "--horizon", "3",
                 "--no-plot", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("rnnkit forecast: error: --detrend: model 'theta'"), err
    assert not (tmp_path / "run" / "forecast.csv").exists()
