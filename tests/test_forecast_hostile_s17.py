"""Hostile-input sweep of session 17 (helper R): forecasting's API, CLI and saved runs.
Each test fails on the code before its fix (23fec2f) unless it says it guards behaviour that was already right."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError


def _panel(n=36):
    rng = np.random.default_rng(0)
    t = pd.date_range("2018-01-01", periods=n, freq="MS").strftime("%Y-%m-%d")
    y = 100 + 10 * np.sin(np.arange(n) * 2 * np.pi / 12) + rng.normal(0, 1, n)
    return pd.concat([pd.DataFrame({"date": t, "y": y, "store": "a"}),
                      pd.DataFrame({"date": t, "y": 2 * y, "store": "b"})], ignore_index=True)


@pytest.fixture(scope="module")
def panel_fit():
    from rnnkit.tasks.forecasting import Forecaster

    return Forecaster("seasonal_naive", horizon=2).fit(_panel(), target="y", time_col="date", id_col="store")


# ------------------------------------------------------------------ update: a new row without an id
@pytest.mark.parametrize("missing", [None, np.nan])
def test_update_row_without_an_id_is_refused_not_dropped(panel_fit, missing):
    """pandas' groupby dropped the rows whose id is missing, so 'a' was updated with its first row and the second
    observation (an empty id cell of `forecast update --csv`) vanished silently. A fit refuses such a row; now
    so does update, and nothing is appended (oracle: the forecast before the call)."""
    before = panel_fit.predict()
    new = pd.DataFrame({"date": ["2021-01-01", "2021-02-01"], "y": [1.0, 2.0], "store": ["a", missing]})
    with pytest.raises(DataError, match=r"^new_points: id_col 'store': expected an id on every row, got 1 missing "
                                        r"\(first in data row 2\)$"):
        panel_fit.update(new)
    pd.testing.assert_frame_equal(panel_fit.predict(), before)


# ------------------------------------------------------------------ forecast update: the flags that read --csv
def _cli(argv, capsys):
    from rnnkit.cli.main import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    from rnnkit.tasks.forecasting import Forecaster

    folder = tmp_path_factory.mktemp("s17run") / "run"
    Forecaster("seasonal_naive", horizon=2).fit(_panel()[lambda d: d.store == "a"].drop(columns="store"), target="y",
                                                time_col="date").save(folder)
    return folder


def _new_csv(tmp_path, dates, name="new.csv"):
    path = tmp_path / name
    pd.DataFrame({"date": dates, "y": [1.0, 2.0], "z": [7.0, 8.0]}).to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize("flag, value", [("--target", "z"), ("--target", "nope"), ("--time-col", "when")])
def test_update_refuses_a_column_flag_other_than_the_runs(saved_run, tmp_path, capsys, flag, value):
    """`forecast update --run R --csv new.csv --target z` read the run's column 'y' and ignored the flag (exit 0, the
    forecast of other values than the user named). The run's own column (or none) is taken; another is exit 2."""
    csv = _new_csv(tmp_path, ["2021-01-01", "2021-02-01"])
    code, out, err = _cli(["forecast", "update", "--run", str(saved_run), "--csv", csv, flag, value, "--json",
                           "--quiet"], capsys)
    own = "y" if flag == "--target" else "date"
    assert code == 2 and f"{flag}: expected the run's own column {own!r} (or none: it is the fit's), got {value!r}" in err
    code, out, err = _cli(["forecast", "update", "--run", str(saved_run), "--csv", csv, flag, own, "--json",
                           "--quiet"], capsys)
    assert code == 0, err


@pytest.mark.parametrize("flags", [["--date-format", "%d/%m/%Y"], ["--dayfirst"]])
def test_update_reads_the_new_dates_with_the_format_given(saved_run, tmp_path, capsys, flags):
    """--date-format / --dayfirst on `forecast update` were overridden by the fit's format (ISO 8601): the new file's
    '01/02/2021' was refused as 'not in date_format ISO8601', a format the user never gave, and --dayfirst was a
    ConfigError against it. Oracle: the same rows written in ISO 8601, without flags."""
    iso = _new_csv(tmp_path, ["2021-01-01", "2021-02-01"], "iso.csv")
    dmy = _new_csv(tmp_path, ["01/01/2021", "01/02/2021"], "dmy.csv")
    base = ["forecast", "update", "--run", str(saved_run), "--json", "--quiet"]
    code, out, err = _cli([*base, "--csv", iso], capsys)
    assert code == 0, err
    want = json.loads(out)["forecast"]
    code, out, err = _cli([*base, "--csv", dmy, *flags], capsys)
    assert code == 0, err
    assert json.loads(out)["forecast"] == want


def test_future_csv_without_future_covariates_is_refused_before_the_fit(tmp_path, capsys, monkeypatch):
    """`--future-csv f.csv` without `--future-covariates` trained the whole network and then stopped with
    '--future-covariates: the model was fitted without known-future covariates, got some'. Now exit 2 naming
    --future-csv, and nothing is fitted (oracle: Forecaster.fit is never called)."""
    from rnnkit.tasks.forecasting import Forecaster

    data = tmp_path / "d.csv"
    _panel()[lambda d: d.store == "a"].drop(columns="store").assign(promo=1.0).to_csv(data, index=False)
    fut = tmp_path / "f.csv"
    pd.DataFrame({"date": ["2021-01-01", "2021-02-01"], "promo": [1.0, 0.0]}).to_csv(fut, index=False)
    fitted = []
    monkeypatch.setattr(Forecaster, "fit", lambda self, *a, **k: fitted.append(1) or self)
    code, out, err = _cli(["forecast", "--csv", str(data), "--target", "y", "--time-col", "date", "--horizon", "2",
                           "--model", "gru", "--epochs", "1", "--future-csv", str(fut), "--quiet"], capsys)
    assert code == 2 and "--future-csv: expected with --future-covariates (the columns it holds), got none" in err
    assert not fitted


# ------------------------------------------------------------------ saved runs edited consistently
def _edit_config(folder, edit):
    """Edit config.json and rewrite its digest, as a user editing a run by hand (or a tool) would."""
    import hashlib

    cfg = json.loads((folder / "config.json").read_text())
    edit(cfg)
    (folder / "config.json").write_text(json.dumps(cfg))
    digests = json.loads((folder / "digests.json").read_text())
    digests["sha256"]["config.json"] = hashlib.sha256((folder / "config.json").read_bytes()).hexdigest()
    (folder / "digests.json").write_text(json.dumps(digests))


@pytest.mark.parametrize("key, value", [("quantiles", [0.2, 0.5, 0.8]), ("level", 0.6)])
def test_load_refuses_quantile_levels_other_than_the_saved_forecasters(saved_run, tmp_path, key, value):
    """config.json's quantiles [0.1, 0.5, 0.9] edited to [0.2, 0.5, 0.8] (its digest rewritten) loaded, and the
    forecast came back with the saved 0.1-quantiles in a column 'q0.2' (the auto forecaster's saved levels, in
    auto/, say 0.05, 0.1, ...): a wrong forecast. Now a CheckpointError naming both lists."""
    import shutil

    from rnnkit.errors import CheckpointError
    from rnnkit.tasks.forecasting import Forecaster

    folder = tmp_path / "edited"
    shutil.copytree(saved_run, folder)
    Forecaster.load(folder)                      # unedited: loads
    _edit_config(folder, lambda c: c["config"].__setitem__(key, value))
    with pytest.raises(CheckpointError, match=r"config\.json: expected the quantile levels of the saved forecaster "
                                              r"\[0\.05, 0\.1, 0\.5, 0\.9, 0\.95\] \(config quantiles and level\), got"):
        Forecaster.load(folder)


# ------------------------------------------------------------------ two columns of one name
def _daily(n=30):
    idx = pd.date_range("2020-01-01", periods=n, freq="D")
    return idx, np.arange(float(n)) % 7 + 10


@pytest.mark.parametrize("names, kw, what", [
    (["t", "y", "y"], {"target": "y", "time_col": "t"}, "target"),
    (["t", "t", "y"], {"target": "y", "time_col": "t"}, "time_col"),
    (["t", "y", "id", "id"], {"target": "y", "time_col": "t", "id_col": "id"}, "id_col")])
def test_a_column_named_twice_is_a_data_error(names, kw, what):
    """A frame with two columns 'y' (pd.concat of two exports) stopped with pandas' bare 'ValueError: Data must be
    1-dimensional' (df['y'] is then a frame). Now a DataError naming the role and the column, in fit and update."""
    from rnnkit.tasks.forecasting import Forecaster

    idx, y = _daily()
    cols = {"t": idx, "y": y, "id": "a"}
    df = pd.DataFrame([[cols[c][i] if c != "id" else "a" for c in names] for i in range(len(idx))], columns=names)
    name = names[-1] if what == "id_col" else kw[what]
    with pytest.raises(DataError, match=rf"^{what}: expected one column named '{name}', got 2$"):
        Forecaster("seasonal_naive", horizon=2).fit(df, **kw)
    f = Forecaster("seasonal_naive", horizon=2).fit(pd.DataFrame({"t": idx, "y": y, "id": "a"}), **kw)
    new = pd.DataFrame([[pd.Timestamp("2020-01-31"), 1.0, "a", "a"][:len(names)]], columns=names)
    if what == "time_col":
        new = pd.DataFrame([[pd.Timestamp("2020-01-31"), pd.Timestamp("2020-01-31"), 1.0]], columns=names)
    with pytest.raises(DataError, match=rf"^new_points: (series 'a': )?{what}: expected one column named '{name}', got 2$"
                       if what != "target" else r"^new_points: series 'y': expected one column named 'y', got 2$"):
        f.update(new)


# ------------------------------------------------------------------ quantile scores: columns read as the levels name them
def test_quantile_scores_read_the_columns_in_the_order_the_levels_are_given():
    """quantile_metrics / pinball_loss / coverage_by_level sorted the levels but not the columns: levels [0.9, 0.1]
    scored the 0.9-quantile column as the 0.1-quantile (a wrong pinball loss and coverage, silently), and a level
    given twice dropped one and read the next column in its place. Oracle: the same scores with the columns and
    levels sorted together."""
    from rnnkit.errors import ConfigError, ShapeError
    from rnnkit.tasks.forecasting.metrics import quantile_metrics
    from rnnkit.tasks.forecasting.probabilistic import coverage_by_level, pinball_loss

    rng = np.random.default_rng(0)
    y = rng.normal(size=50)
    q = np.stack([np.full(50, -1.3), np.zeros(50), np.full(50, 1.3)], 1)          # levels 0.1, 0.5, 0.9
    want = quantile_metrics(y, q, [0.1, 0.5, 0.9])
    perm = [2, 0, 1]
    assert quantile_metrics(y, q[:, perm], [0.9, 0.1, 0.5]) == want
    assert pinball_loss(y, q[:, perm], [0.9, 0.1, 0.5]) == pinball_loss(y, q, [0.1, 0.5, 0.9])
    assert coverage_by_level(y, q[:, perm], [0.9, 0.1, 0.5]) == pytest.approx({0.8: np.mean(np.abs(y) <= 1.3)})
    with pytest.raises(ConfigError, match=r"^quantiles: expected each level once .* got 0\.5 twice$"):
        pinball_loss(y, np.c_[q, q[:, 1]], [0.1, 0.5, 0.9, 0.5])
    with pytest.raises(ShapeError, match=r"^qforecast: expected shape \(50, 3\)"):
        pinball_loss(y, q[:40], [0.1, 0.5, 0.9])          # numpy's bare broadcasting ValueError before
    with pytest.raises(ConfigError, match=r"^quantiles: expected a list of levels in \(0, 1\)"):
        pinball_loss(y, q, ["a", 0.5, 0.9])               # float('a')'s bare ValueError before


def test_a_nan_quantile_forecast_makes_its_scores_nan():
    """A NaN quantile forecast was left out of the pinball mean (np.nanmean) and counted as a miss in the coverage,
    silently -- the module's contract for point forecasts is NaN (metrics.coverage: 'a NaN bound counted as a
    miss' was fixed in session 12). Missing actuals are still left out."""
    from rnnkit.tasks.forecasting.probabilistic import coverage_by_level, pinball_loss

    y = np.array([1.0, 2.0, 3.0])
    q = np.array([[0.0, 2.0], [1.0, 3.0], [np.nan, 4.0]])
    loss = pinball_loss(y, q, [0.1, 0.9])
    assert np.isnan(loss[0.1]) and loss[0.9] == pytest.approx(0.1)
    assert np.isnan(coverage_by_level(y, q, [0.1, 0.9])[0.8])
    y_missing = np.array([1.0, 2.0, np.nan])          # the NaN row's actual is missing: scored on the two others
    assert pinball_loss(y_missing, q, [0.1, 0.9])[0.1] == pytest.approx(0.1)
    assert coverage_by_level(y_missing, q, [0.1, 0.9])[0.8] == 1.0


# ------------------------------------------------------------------ MASE's period and training part
@pytest.mark.parametrize("period, error", [(0, "ConfigError"), (2.5, "InputTypeError"), (True, "InputTypeError"),
                                           ("2", "InputTypeError")])
def test_mase_refuses_a_period_that_is_not_an_int_at_least_1(period, error):
    """metrics.mase / mase_scale read period 0 as 1, 2.5 as 2 and True as 1, silently (the baselines refuse them
    since session 12). Oracle: the typed error the baselines give for the same period."""
    from rnnkit import errors
    from rnnkit.tasks.forecasting.baselines import naive
    from rnnkit.tasks.forecasting.metrics import mase, mase_scale

    train = [1.0, 3.0, 2.0, 5.0, 4.0, 6.0]
    with pytest.raises(getattr(errors, error)) as base:
        naive(np.array(train), 2, period)
    for call in (lambda: mase([1.0, 2.0], [1.0, 2.5], train, period), lambda: mase_scale(train, period)):
        with pytest.raises(getattr(errors, error), match=rf"^{base.value}$".replace("(", r"\(").replace(")", r"\)")):
            call()


def test_mase_refuses_a_missing_or_text_training_value():
    """A NaN in mase's training part was left out of the scale silently (the module: 'NaN actuals are an error,
    never skipped silently'); text was float()'s bare ValueError. Oracle: the scale of the series without that
    gap, which the NaN version returned before."""
    from rnnkit.errors import InputTypeError
    from rnnkit.tasks.forecasting.metrics import mase, mase_scale

    with pytest.raises(DataError, match=r"^train: expected finite values \(interpolate missing ones first\), got nan "
                                        r"at position 1$"):
        mase([3.0], [2.0], [1.0, np.nan, 3.0, 5.0], 1)
    with pytest.raises(InputTypeError, match=r"^train: expected real numbers"):
        mase_scale("abc", 1)
    assert mase_scale([1.0, 2.0, 4.0, 5.0], 1) == pytest.approx(4 / 3)


def test_point_metrics_refuse_tables_of_other_shapes():
    """mae / rmse / smape / coverage flattened both arguments before comparing sizes: actuals (2, 3) against a
    forecast (3, 2) (one transposed) were scored element by element in two different orders, silently. Tables of
    one shape, and scalars or lists of one length, are scored as before (oracle: numpy on the same values)."""
    from rnnkit.errors import ShapeError
    from rnnkit.tasks.forecasting.metrics import mae, smape

    a = np.arange(1.0, 7.0).reshape(2, 3)
    f = a + np.array([[0.5, -1.0, 0.0], [2.0, 0.0, 1.0]])
    assert mae(a, f) == pytest.approx(np.mean(np.abs(a - f)))
    assert mae(3.0, [2.0]) == 1.0
    for fn in (mae, smape):
        with pytest.raises(ShapeError, match=r"^forecast: expected the actuals' shape \(2, 3\), got \(3, 2\)$"):
            fn(a, f.T.copy())


@pytest.mark.parametrize("kw, msg", [({"n": 20.5}, "n: expected an int >= 0, got 20.5"),
                                     ({"n": True}, "n: expected an int >= 0, got True"),
                                     ({"min_train": 0}, "min_train: expected a positive int, got 0")])
def test_rolling_origin_folds_refuses_a_fractional_length_or_an_empty_training_part(kw, msg):
    """rolling_origin_folds(20.5, ...) returned folds at positions 16.5, 18.5 (slices of a series then fail or
    truncate), and min_train=0 allowed a fold with no training value. Oracle: the folds of n=20 as documented."""
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting.backtest import rolling_origin_folds

    args = {"n": 20, "horizon": 2, "folds": 2, **kw}
    with pytest.raises(ConfigError, match=rf"^{msg}$"):
        rolling_origin_folds(**args)
    assert [(f.train_end, f.test_end) for f in rolling_origin_folds(20, 2, 2)] == [(16, 18), (18, 20)]


def test_recursive_network_predict_refuses_a_horizon_beyond_memory(monkeypatch):
    """predict(h) of a recursive network takes any horizon, and had no memory bound: predict(10**9) sampled its
    200 paths step by step for days (10**5 steps took 71 s) before the memory ran out. Now a ConfigError naming
    horizon and the memory, as ForecastConfig(horizon=...) gives, before any step is forecast; horizons past the
    fitted one still forecast."""
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting import Forecaster, network_model

    real = network_model.batch_forecast

    def bounded(net, state, z0, inc, fut, H, cfg):    # the code before ran this for days: stop it at once
        assert H < 10**6, f"forecasting {H} steps"
        return real(net, state, z0, inc, fut, H, cfg)

    monkeypatch.setattr(network_model, "batch_forecast", bounded)

    idx, y = _daily(60)
    f = Forecaster("gru", strategy="recursive", horizon=2, epochs=1, hidden_size=4, lookback=7,
                   n_samples=10).fit(pd.Series(y, index=idx, name="y"))
    assert len(f.predict(5)) == 5
    with pytest.raises(ConfigError, match=r"^horizon: expected a horizon whose forecasts fit in memory .*got 1000000000000"):
        f.predict(10**12)
