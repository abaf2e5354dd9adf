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
from toy_data import run_cli as _cli, write_frame as _write


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


# ------------------------------------------------------------------ rows indexed by (id, time)
def _panel():
    import pandas as pd

    t = pd.date_range("2020-01-01", periods=8, freq="D")
    return pd.DataFrame({"store": ["a"] * 8 + ["b"] * 8, "day": list(t) * 2, "y": np.arange(16.0) % 5})


def _naive():
    from rnnkit.tasks.forecasting import Forecaster

    return Forecaster("seasonal_naive", horizon=2)


def test_rows_indexed_by_id_and_time_are_named_as_a_multiindex_with_the_fix():
    """df.set_index(['store', 'day'])['y'] (what groupby leaves) was read as times and refused as "time (index):
    expected dates as text or timestamps, got ('a', Timestamp('2020-01-01 00:00:00')) (tuple)", naming neither the
    MultiIndex nor the way out; update alike. Now a DataError naming the levels and time_col/id_col; the fix it names
    gives the forecast of the same data given as columns (oracle)."""
    from rnnkit.errors import DataError

    df = _panel()
    for given, kw in ((df.set_index(["store", "day"])["y"], {}), (df.set_index(["day", "store"]), {"target": "y"})):
        with pytest.raises(DataError) as e:
            _naive().fit(given, **kw)
        msg = str(e.value)
        assert "MultiIndex" in msg and "time_col='day', id_col='store'" in msg and "\n" not in msg
    fixed = _naive().fit(df.set_index(["store", "day"])["y"].reset_index(), target="y", time_col="day",
                         id_col="store").predict()
    assert fixed.equals(_naive().fit(df, target="y", time_col="day", id_col="store").predict())
    one = _naive().fit(df[df.store == "a"].set_index("day")["y"])
    new = df[df.store == "a"].iloc[:1].assign(day=df.day.iloc[7] + np.timedelta64(1, "D"))
    with pytest.raises(DataError, match=r"new_points: index: expected one level of times, got a MultiIndex"):
        one.update(new.set_index(["store", "day"])["y"])


def test_a_column_named_by_the_frames_index_says_so():
    """time_col='day' of df.set_index('day') was "time_col: column 'day' not found; expected one of ['store', 'y']"
    -- the values in plain sight as the index; id_col, target and update's columns alike. The message names the
    index and reset_index() (and, for time_col, leaving it out); a frame without that index keeps its message."""
    from rnnkit.errors import DataError

    df = _panel()
    cases = ((df.set_index("day"), "time_col", "or leave time_col out"), (df.set_index("store"), "id_col", "reset_index"),
             (df.set_index("y"), "target", "reset_index"))
    for frame, what, fix in cases:
        with pytest.raises(DataError) as e:
            _naive().fit(frame, target="y", time_col="day", id_col="store")
        assert str(e.value).startswith(what) and "names the frame's index" in str(e.value) and fix in str(e.value)
    with pytest.raises(DataError) as e:
        _naive().fit(df.rename(columns={"day": "date"}), target="y", time_col="day", id_col="store")
    assert "index" not in str(e.value)
    fitted = _naive().fit(df, target="y", time_col="day", id_col="store")
    with pytest.raises(DataError, match=r"new_points: time_col: column 'day' not found.*a level of the frame's index"):
        fitted.update(df.iloc[[7, 15]].assign(day=df.day.iloc[7] + np.timedelta64(1, "D")).set_index(["store", "day"]))


# ------------------------------------------------------------------ quantile scores near float64's limit
def test_pinball_loss_and_crps_near_float64s_limit_are_their_scale_free_values():
    """pinball_loss([1e308, -1e308], quantiles [-1e308, 1e308] at 0.1): the loss is (0.2e308 + 1.8e308) / 2 = 1e308,
    within float64, but y - q overflowed and the level scored inf with numpy's 'overflow encountered in subtract'
    (CRPS and quantile_metrics alike), as RMSE did. Oracle: the same values in units of 1e300 (the loss is
    homogeneous); ordinary values, an infinite or NaN quantile and a missing actual as before."""
    from rnnkit.tasks.forecasting.probabilistic import crps_from_quantiles, pinball_loss

    y, q = np.array([1e308, -1e308]), np.array([[-1e308, 1e308], [1e308, 1e308]])
    levels = [0.1, 0.9]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got, crps = pinball_loss(y, q, levels), crps_from_quantiles(y, q, levels)
        scores = metrics.quantile_metrics(y, q, levels)
    small = pinball_loss(y / 1e300, q / 1e300, levels)
    for t in levels:
        assert got[t] == pytest.approx(small[t] * 1e300, rel=1e-12) and scores[f"pinball@{t:g}"] == got[t]
    assert got[0.1] == pytest.approx(1e308, rel=1e-12)
    assert crps == pytest.approx(crps_from_quantiles(y / 1e300, q / 1e300, levels) * 1e300, rel=1e-12)
    a, qa = np.array([1.0, 2.0, np.nan]), np.array([[0.0, 1.5], [1.0, 3.0], [0.0, 1.0]])
    want = {t: float(np.mean(np.maximum(t * (a[:2] - qa[:2, j]), (t - 1) * (a[:2] - qa[:2, j]))))
            for j, t in enumerate(levels)}
    assert pinball_loss(a, qa, levels) == want
    odd = pinball_loss([1.0, 2.0], [[0.0, np.inf], [1.0, np.nan]], levels)
    assert odd[0.1] == pytest.approx(0.1) and math.isnan(odd[0.9])


# ------------------------------------------------------------------ static covariates
def test_static_covariates_name_the_series_that_gives_the_names_and_refuse_what_is_no_dict():
    """static_matrix([None, {'region': 1.0}]) said "static covariates of series 0: expected the names [], got None":
    the names were read from the first series even when it had none (the ES-RNN's batch with a series without
    statics). A text, a list of pairs or names of two types were bare TypeErrors of the lookups and sorted(). Oracle:
    the same statics given in every series build the matrix as before."""
    from rnnkit.errors import DataError, InputTypeError
    from rnnkit.tasks.forecasting.covariates import static_matrix

    with pytest.raises(DataError, match=r"series 0: expected the names \['region'\] \(as series 1 gives them\), got None"):
        static_matrix([None, {"region": 1.0}])
    for bad in ("ab", [[("region", 1.0)]], [{"region": 1.0, 1: 2.0}]):
        with pytest.raises(InputTypeError, match=r"static covariates of series 0: expected"):
            static_matrix(bad)
    assert static_matrix([{"size": 2.0, "region": 1.0}, {"region": 3.0, "size": 4.0}]).tolist() == [[1.0, 2.0],
                                                                                                      [3.0, 4.0]]
    assert static_matrix([None, None]).shape == (2, 0)


# ------------------------------------------------------------------ update's ids
def test_update_names_an_id_that_differs_from_a_fitted_one_only_by_its_form():
    """update() with the id 'Zu\\u0308rich' (NFD, as macOS writes it) for the fitted 'Zürich' said "expected ids among
    ['Zürich', 'b'], got 'Zürich'" -- two names identical on screen -- and 'B' / 'Zürich ' got no hint either; the
    column names had the hint since session 19 (column_hint), the ids not. Ids are still matched as written."""
    import unicodedata

    import pandas as pd

    from rnnkit.errors import DataError

    nfc, nfd = unicodedata.normalize("NFC", "Zürich"), unicodedata.normalize("NFD", "Zürich")
    df = _panel().replace({"store": {"a": nfc}})
    day = df.day.iloc[7] + np.timedelta64(1, "D")
    for given, how in ((nfd, "Unicode form"), ("B", "case"), (nfc + " ", "spaces at its ends")):
        fitted = _naive().fit(df, target="y", time_col="day", id_col="store")
        other = "b" if given != "B" else nfc
        with pytest.raises(DataError) as e:
            fitted.update(pd.DataFrame({"store": [given, other], "day": [day, day], "y": [1.0, 2.0]}))
        assert "expected ids among" in str(e.value) and how in str(e.value) and "name the id as written" in str(e.value)
    fitted = _naive().fit(df, target="y", time_col="day", id_col="store")
    assert len(fitted.update(pd.DataFrame({"store": [nfc, "b"], "day": [day, day], "y": [1.0, 2.0]}))) == 4


def test_future_covariates_name_an_id_that_differs_from_a_fitted_one_only_by_its_form():
    """--future-csv / predict(future_covariates=) rows for 'B' where the series is 'b' said only "expected rows for
    the next 2 times of series 'b' ..., got none for [...]": the rows were there under an id written otherwise. The
    message now names it, as update's does; the same rows under 'b' are used (oracle: they forecast)."""
    import pandas as pd

    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting import Forecaster

    t = pd.date_range("2020-01-01", periods=30, freq="D")
    df = pd.DataFrame({"store": ["a"] * 30 + ["b"] * 30, "day": list(t) * 2, "y": np.arange(60.0) % 7,
                       "promo": np.arange(60) % 2})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster("lstm", horizon=2, epochs=1, hidden_size=4, lookback=3, seed=0).fit(
            df, target="y", time_col="day", id_col="store", future_covariates=["promo"])
    days = pd.date_range(t[-1] + np.timedelta64(1, "D"), periods=2, freq="D")
    rows = pd.DataFrame({"store": ["a", "a", "B", "B"], "day": list(days) * 2, "promo": [1, 0, 1, 0]})
    with pytest.raises(DataError, match=r"series 'b'.*got none for.*\('B' differs from 'b' only by case: name the id"):
        f.predict(future_covariates=rows)
    assert len(f.predict(future_covariates=rows.replace({"store": {"B": "b"}}))) == 4
