"""Hostile-input sweep of session 20 (helper R): forecasting's scores, update's date flags and list settings.
Each test fails on the code before its fix (ed90d6c) unless it says it guards behaviour that was already right."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from rnnkit.tasks.forecasting import metrics


# ------------------------------------------------------------------ RMSE near float64's limit
def test_rmse_of_values_near_float64s_limit_is_their_scale_free_value():
    """RMSE of [1e308, 0] against [-1e308, 0] is sqrt(2) * 1e308, within float64; the plain difference 2e308
    overflowed and RMSE was inf with numpy's 'overflow encountered in subtract' (MAE gave 1e308, its right value).
    Oracle: the same values in units of 1e300 (RMSE is homogeneous), and numpy's plain formula on ordinary values."""
    y, f = np.array([1e308, 0.0]), np.array([-1e308, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no numpy overflow warning
        got = metrics.rmse(y, f)
        beyond = metrics.rmse([1.5e308, 1.5e308], [-1e308, -1e308])   # 2.5e308: beyond float64 itself
    assert got == pytest.approx(metrics.rmse(y / 1e300, f / 1e300) * 1e300, rel=1e-12)
    assert got == pytest.approx(math.sqrt(2) * 1e308, rel=1e-12)
    assert beyond == math.inf
    a, b = np.array([1.0, -3.5, 2e5]), np.array([0.5, 4.0, -1e5])
    assert metrics.rmse(a, b) == pytest.approx(float(np.sqrt(np.mean((a - b) ** 2))), rel=1e-15)


# ------------------------------------------------------------------ update --date-format on dates written as numbers
def _cli(argv, capsys):
    from rnnkit.cli.main import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _write(path, frame):
    frame.to_csv(path, index=False)
    return str(path)


def test_update_date_format_reads_the_new_files_dates_written_as_numbers(tmp_path, capsys):
    """A run fitted on '20210131'-style integers with --date-format %Y%m%d, updated with a file whose numbers are
    %Y%d%m and '--date-format %Y%d%m': the fit's saved format read them (20213101: 'expected every date in date_format
    %Y%m%d'; the flag, documented to describe the new file's dates, was dropped). A run fitted on a bundled series
    alike (--time-col week --date-format %Y%m%d was read as steps). Oracle: the same new rows as text dates."""
    import pandas as pd

    days = pd.date_range("2021-01-01", periods=30, freq="D")
    fit = _write(tmp_path / "fit.csv", pd.DataFrame({"day": days.strftime("%Y%m%d").astype(int),
                                                     "y": 5 + np.sin(np.arange(30.0))}))
    run = str(tmp_path / "run")
    code, _, err = _cli(["forecast", "--csv", fit, "--target", "y", "--time-col", "day", "--date-format", "%Y%m%d",
                         "--horizon", "2", "--model", "seasonal_naive", "--out", run, "--quiet", "--no-plot"], capsys)
    assert code == 0, err
    new = pd.date_range("2021-01-31", periods=2, freq="D")
    ydm = _write(tmp_path / "ydm.csv", pd.DataFrame({"day": new.strftime("%Y%d%m").astype(int), "y": [5.0, 7.0]}))
    iso = _write(tmp_path / "iso.csv", pd.DataFrame({"day": new.strftime("%Y-%m-%d"), "y": [5.0, 7.0]}))
    code, got, err = _cli(["forecast", "update", "--run", run, "--csv", ydm, "--date-format", "%Y%d%m", "--json"],
                          capsys)
    assert code == 0, err
    code, want, err = _cli(["forecast", "update", "--run", run, "--csv", iso, "--date-format", "%Y-%m-%d", "--json"],
                           capsys)
    assert code == 0, err
    got, want = json.loads(got)["forecast"], json.loads(want)["forecast"]
    assert got == want and got[0]["time"] == "2021-02-02"


def test_update_date_format_on_a_run_of_integer_steps_is_a_usage_error(tmp_path, capsys):
    """A run fitted on integer steps is continued by steps: 'update --date-format %Y%m%d' was dropped silently (the
    steps 30, 31 appended as if the flag were not there). Now exit 2 naming --date-format; without it, as before."""
    import pandas as pd

    fit = _write(tmp_path / "fit.csv", pd.DataFrame({"step": range(30), "y": 5 + np.sin(np.arange(30.0))}))
    run = str(tmp_path / "run")
    code, _, err = _cli(["forecast", "--csv", fit, "--target", "y", "--time-col", "step", "--horizon", "2",
                         "--model", "seasonal_naive", "--out", run, "--quiet", "--no-plot"], capsys)
    assert code == 0, err
    new = _write(tmp_path / "new.csv", pd.DataFrame({"step": [30, 31], "y": [5.0, 7.0]}))
    code, _, err = _cli(["forecast", "update", "--run", run, "--csv", new, "--date-format", "%Y%m%d", "--quiet"],
                        capsys)
    assert code == 2 and "--date-format" in err and "integer steps" in err and len(err.strip().splitlines()) == 1
    code, out, err = _cli(["forecast", "update", "--run", run, "--csv", new, "--json"], capsys)
    assert code == 0, err
    assert [r["time"] for r in json.loads(out)["forecast"]] == ["32", "33"]


# ------------------------------------------------------------------ ForecastConfig's list settings from pandas
def test_list_settings_take_a_pandas_series_or_index_as_they_take_an_array():
    """quantiles=pd.Series([0.9, 0.1]) (a column of levels, df['q']) was refused with the Series' repr over three
    lines ('got 0    0.9\\n1    0.1\\ndtype: float64') while its .to_numpy() was taken; candidates and
    lookback_candidates alike. Oracle: the same values as a numpy array."""
    import pandas as pd

    from rnnkit.tasks.forecasting import ForecastConfig

    for key, values in (("quantiles", [0.9, 0.1, 0.5]), ("lookback_candidates", [24, 12]),
                        ("candidates", ["theta", "ets"])):
        want = getattr(ForecastConfig(**{key: np.array(values)}), key)
        for given in (pd.Series(values), pd.Index(values)):
            assert getattr(ForecastConfig(**{key: given}), key) == want
    assert json.dumps(list(ForecastConfig(quantiles=pd.Series([0.2, 0.8])).quantiles)) == "[0.2, 0.8]"


def test_config_errors_show_a_two_dimensional_value_on_one_line():
    """A 2-D array as horizon, quantiles or seed was named with numpy's repr over two lines (an error is one line),
    and an array among the candidates was numpy's bare 'truth value of an array ... is ambiguous' ValueError."""
    import pandas as pd

    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting import ForecastConfig

    two = np.array([[1], [2]])
    for kw, name in ((dict(horizon=two), "horizon"), (dict(quantiles=two / 10), "quantiles"), (dict(seed=two), "seed"),
                     (dict(candidates=["ets", two]), "candidates"), (dict(lookback_candidates=two), "lookback"),
                     (dict(quantiles=pd.DataFrame({"q": [0.1, 0.9]})), "quantiles")):
        with pytest.raises(ConfigError) as e:
            ForecastConfig(**kw)
        assert str(e.value).startswith(name) and "\n" not in str(e.value), str(e.value)
