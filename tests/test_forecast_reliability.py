"""Forecasting inputs are never silently converted (issue 14, items 4-6): infinities and text are errors
naming the column, series and time; a date column is read with one format (ambiguous day/month is an
error naming --date-format/--dayfirst; reordered rows are reported); ``update`` works with covariates
and equals encoding the whole history; duplicate (id, time) rows in a TSC CSV are an error."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.cli.main import main
from rnnkit.data.tsc import read_long_csv
from rnnkit.errors import DataError
from rnnkit.tasks.forecasting import Forecaster, parse_series


def parse_dates(*args, **kw):     # imported on use: each test fails on its own on code without it
    from rnnkit.data.series import parse_dates

    return parse_dates(*args, **kw)


def read_series_csv(*args, **kw):
    from rnnkit.data.series import read_series_csv

    return read_series_csv(*args, **kw)

TINY = dict(hidden_size=8, epochs=2, selection_epochs=1, windows_per_epoch=64, batch_size=32)


def monthly(n=100, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 50 + 0.2 * t + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(size=n)


def frame(n=100, seed=0):
    """One monthly series with a past covariate (promo) and a known-future one (month), ISO dates."""
    dates = pd.date_range("2000-01-01", periods=n, freq="MS")
    return pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "units": monthly(n, seed),
                         "promo": (np.arange(n) % 4 == 0).astype(float), "month": dates.month.astype(float)})


def daily_day_first(n=1095):
    """Three years of daily values written day first (13/01/2021): the issue's scrambled-grid case."""
    dates = pd.date_range("2021-01-01", periods=n, freq="D")
    t = np.arange(n)
    return dates, pd.DataFrame({"date": dates.strftime("%d/%m/%Y"), "y": 10 + np.sin(2 * np.pi * t / 7) + 0.01 * t})


# ------------------------------------------------------------------------------------- item 4: no silent conversions
def test_inf_in_fit_is_an_error_naming_column_series_and_time():
    y = pd.Series(monthly(), index=pd.date_range("2000-01-01", periods=100, freq="MS"), name="sales")
    y.iloc[16] = np.inf
    with pytest.raises(DataError, match=r"target 'sales' in series 'sales': expected finite numbers .* got inf "
                                        r"at time 2001-05-01"):
        Forecaster("gru", horizon=3, lookback=12, **TINY).fit(y)
    df = frame()
    df.loc[30, "promo"] = -np.inf
    with pytest.raises(DataError, match=r"covariate 'promo' in series 'units'.* got -inf at time 2002-07-01"):
        Forecaster("gru", horizon=3, lookback=12, **TINY).fit(df, target="units", time_col="date",
                                                              past_covariates="promo")
    # NaN stays the documented missing-value marker: interpolated and counted
    y.iloc[16] = np.nan
    assert parse_series(y)[0].missing == 1


def test_cli_csv_with_inf_exits_1_with_one_line_naming_the_time(tmp_path, capsys):
    df = frame(72)
    df.loc[40, "units"] = np.inf                     # written as "inf", which read_csv reads back as a float
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    code = main(["forecast", "--csv", str(path), "--target", "units", "--time-col", "date", "--horizon", "3",
                 "--lookback", "12", "--epochs", "1", "--hidden-size", "8"])
    err = capsys.readouterr().err.strip()
    assert code == 1, err
    assert len(err.splitlines()) == 1 and "inf at time 2003-05-01" in err and "'units'" in err
    read = read_series_csv(path, "date")                   # the reader keeps it for fit to refuse, by name
    with pytest.raises(DataError, match="inf at time 2003-05-01"):
        Forecaster("gru", horizon=3, lookback=12, **TINY).fit(read, target="units", time_col="date")


def test_update_refuses_inf_text_and_bools_and_keeps_the_state():
    y = pd.Series(monthly(), index=pd.date_range("2000-01-01", periods=100, freq="MS"), name="sales")
    f = Forecaster("gru", horizon=3, lookback=12, **TINY).fit(y)
    state = f._fitted[0].state.clone()
    bad = {"inf": [y.iloc[-1], np.inf], "numeric text": ["51.5", "52.0"], "bools": [True, False],
           "text Series": pd.Series(["51.5"], index=pd.date_range("2008-05-01", periods=1, freq="MS"))}
    for what, values in bad.items():
        with pytest.raises(DataError, match="expected (finite numbers|numeric values)"):
            f.update(values)
        assert len(f._fitted[0].y) == 100 and torch.equal(f._fitted[0].state, state), what
    with pytest.raises(DataError, match=r"got inf at time 2008-06-01"):
        f.update([1.0, np.inf])


@pytest.mark.parametrize("scale", ["standard", "none"])
def test_values_beyond_the_models_range_are_errors_not_inf_forecasts(scale):
    """Finite float64 values whose scaling overflows (1e300 among O(1) values), or whose scaled input is
    beyond float32 (the network's dtype), are a DataError; no forecast of inf or NaN."""
    y = pd.Series(monthly(), index=pd.date_range("2000-01-01", periods=100, freq="MS"), name="sales")
    y.iloc[5] = 1e300
    with pytest.raises(DataError, match="overflow|beyond float32"):
        Forecaster("gru", horizon=3, lookback=12, scale=scale, **TINY).fit(y)
    y.iloc[5] = 50.0
    f = Forecaster("gru", horizon=3, lookback=12, scale=scale, **TINY).fit(y)
    state = f._fitted[0].state.clone()
    with pytest.raises(DataError, match=r"new_points of series 'sales'.* at time 2008-05-01 \(beyond float32"):
        f.update([1e200])
    assert len(f._fitted[0].y) == 100 and torch.equal(f._fitted[0].state, state)
    assert np.isfinite(f.update([60.0])[["value", "lower", "upper"]].to_numpy()).all()


def test_tsc_csv_duplicate_id_and_time_is_an_error(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("id,time,x,label\na,0,1.0,up\na,1,2.0,up\nb,0,3.0,down\na,1,2.5,up\n")
    with pytest.raises(DataError, match=r"duplicate of id 'a' at time 1 in rows 3 and 5"):
        read_long_csv(path)
    path.write_text("id,time,x,label\na,0,1.0,up\na,1,inf,up\n")
    with pytest.raises(DataError, match="finite"):
        read_long_csv(path)
    path.write_text("id,time,x,label\na,1,1.0,up\na,0,2.0,up\nb,0,3.0,down\n")   # distinct times: fine
    X, y = read_long_csv(path)
    assert X[0][:, 0].tolist() == [2.0, 1.0] and y == ["up", "down"]


# ------------------------------------------------------------------------------------- item 5: one date format
def test_day_first_dates_are_read_with_one_format_for_the_column():
    dates, df = daily_day_first()
    [s] = parse_series(df, target="y", time_col="date")
    assert s.index.equals(pd.DatetimeIndex(dates, freq="D"))     # not 396 values on wrong dates
    np.testing.assert_array_equal(s.y, df["y"].to_numpy())
    assert s.date_format == "%d/%m/%Y" and s.reordered == 0
    idx, fmt = parse_dates(df["date"], "date")
    assert fmt == "%d/%m/%Y" and idx.equals(pd.DatetimeIndex(dates))


def test_ambiguous_day_month_is_an_error_naming_the_flags():
    dates, df = daily_day_first()
    df = df[dates.day <= 12].reset_index(drop=True)           # every date reads both ways
    with pytest.raises(DataError, match=r"ambiguous.*'%d/%m/%Y'.*'%m/%d/%Y'.*--date-format.*--dayfirst"):
        parse_series(df, target="y", time_col="date")
    with pytest.raises(DataError, match="--dayfirst"):
        Forecaster("gru", horizon=3, **TINY).fit(df, target="y", time_col="date")
    first = parse_dates(df["date"], "date", dayfirst=True)[0]
    assert first.equals(pd.DatetimeIndex(dates[dates.day <= 12]))
    month_first = parse_dates(df["date"], "date", date_format="%m/%d/%Y")[0]
    assert month_first[1] == pd.Timestamp("2021-02-01")        # "02/01/2021" read month first
    assert parse_dates(df["date"], "date", dayfirst=False)[1] == "%m/%d/%Y"
    with pytest.raises(DataError, match=r"date_format '%Y-%m-%d', got '01/01/2021' in data row 1"):
        parse_dates(df["date"], "date", date_format="%Y-%m-%d")
    # ISO dates are not ambiguous, whatever dayfirst says
    assert parse_dates(["2021-01-02", "2021-01-03"], "d", dayfirst=True)[0][0] == pd.Timestamp("2021-01-02")


def test_rows_out_of_time_order_are_sorted_and_reported():
    df = frame(60)
    shuffled = df.iloc[np.r_[0:10, 20:30, 10:20, 30:60]].reset_index(drop=True)
    [s] = parse_series(shuffled, target="units", time_col="date")
    assert s.reordered == 20                                 # two blocks of 10 swapped
    np.testing.assert_array_equal(s.y, df["units"].to_numpy())
    f = Forecaster("gru", horizon=3, lookback=12, **TINY).fit(shuffled, target="units", time_col="date")
    assert f.summary()["series"][0]["rows_reordered"] == 20


def test_the_fit_date_format_reads_update_and_future_frames(tmp_path):
    """An ambiguous column settled once at fit (dayfirst) is read the same way by update and predict,
    and read_series_csv gives the same frame as fit's own parsing."""
    dates = pd.date_range("2000-01-01", periods=100, freq="MS")
    df = frame(100)
    df["date"] = dates.strftime("%d/%m/%Y")                  # every first of the month: ambiguous
    df.iloc[:96].to_csv(tmp_path / "d.csv", index=False)
    read = read_series_csv(tmp_path / "d.csv", "date", dayfirst=True)
    assert read.attrs["date_format"] == "%d/%m/%Y" and read["date"].iloc[1] == pd.Timestamp("2000-02-01")
    kw = dict(target="units", time_col="date", future_covariates="month")
    f = Forecaster("gru", horizon=2, lookback=12, interval="none", **TINY).fit(df.iloc[:96], dayfirst=True, **kw)
    g = Forecaster("gru", horizon=2, lookback=12, interval="none", **TINY).fit(read, **kw)
    assert f._parse_args["date_format"] == g._parse_args["date_format"] == "%d/%m/%Y"
    future = df.iloc[98:100][["date", "month"]]
    fc = f.update(df.iloc[96:98][["date", "units", "month"]], future_covariates=future)
    assert fc["time"].tolist() == list(dates[98:100])
    pd.testing.assert_frame_equal(g.update(df.iloc[96:98][["date", "units", "month"]], future_covariates=future), fc)


# ------------------------------------------------------------------------------------- item 6: update with covariates
def test_update_with_covariates_equals_encoding_the_full_history():
    df = frame(106)
    kw = dict(target="units", time_col="date", past_covariates="promo", future_covariates="month")
    f = Forecaster("lstm", horizon=4, lookback=12, **TINY).fit(df.iloc[:100], **kw)
    g = copy.deepcopy(f)
    next_dates = pd.date_range("2008-11-01", periods=4, freq="MS")
    future = pd.DataFrame({"date": next_dates.strftime("%Y-%m-%d"), "month": next_dates.month.astype(float)})
    new = df.iloc[100:106].copy()
    new.loc[102, "promo"] = np.nan                            # a missing covariate: filled, not written in place
    fc = f.update(new, future_covariates=future)
    fitted = f._fitted[0]
    assert len(fitted.y) == 106 and fitted.past[-6:, 0].tolist() == [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    np.testing.assert_array_equal(fitted.fut[-6:, 0], df["month"].to_numpy()[100:])
    # reference: the whole history parsed at once, transformed in one piece, encoded from a zero state over the
    # same window (the lookback before the update plus the new points), with the same weights
    full = df.copy()
    full.loc[102, "promo"] = 0.0
    [s] = parse_series(full, **kw)
    ref = g._fitted[0]
    ref.y, ref.past, ref.fut, ref.index, ref.observed = s.y, s.past, s.future, s.index, s.observed
    ref.z = ref.pipeline.transform(s.y)
    with torch.no_grad():
        x = torch.from_numpy(ref.history_features()[-(12 + 6):].astype(np.float32))[None]
        _, ref.state = g.network_.encode(x)
    pd.testing.assert_frame_equal(fc, g.predict(future_covariates=future), rtol=1e-5, atol=1e-6)
    assert fc["time"].tolist() == list(next_dates)


# ------------------------------------------------------------------------------------- item 1: verified loads
def _saved(tmp_path, name="run"):
    y = pd.Series(monthly(), index=pd.date_range("2000-01-01", periods=100, freq="MS"), name="sales")
    f = Forecaster("gru", horizon=3, lookback=12, **TINY).fit(y)
    return f, f.save(tmp_path / name)


def _redigest(folder):
    """Record the digests again, as a hand edit followed by a re-save of the digest map would (a folder that
    is consistent but holds bad values); a no-op on code without digests."""
    try:
        from rnnkit.training.checkpoint import write_digests
    except ImportError:
        return
    write_digests(folder, ["model.safetensors", "config.json"])


def test_load_refuses_a_bit_flipped_weight_file_and_a_missing_digest_map(tmp_path):
    import json

    from rnnkit.errors import CheckpointError

    f, run = _saved(tmp_path)
    raw = bytearray((run / "model.safetensors").read_bytes())
    start = 8 + int.from_bytes(raw[:8], "little")          # first tensor byte after the safetensors header
    raw[start + 3] ^= 0x40                                 # one exponent bit of the first weight
    (run / "model.safetensors").write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match=r"model\.safetensors: expected sha256"):
        Forecaster.load(run)
    digests = json.loads((run / "digests.json").read_text())["sha256"]
    assert set(digests) == {"model.safetensors", "config.json"}
    f, run = _saved(tmp_path, "again")
    pd.testing.assert_frame_equal(Forecaster.load(run).predict(), f.predict())
    (run / "digests.json").write_text(json.dumps({"format": 1, "sha256": {}}))
    with pytest.raises(CheckpointError, match=r"digests\.json: expected the sha256 .* empty map"):
        Forecaster.load(run)
    (run / "digests.json").unlink()
    with pytest.raises(CheckpointError, match=r"digests\.json: expected .* got nothing"):
        Forecaster.load(run)


@pytest.mark.parametrize("edit, message", [
    (lambda c: c.update(calibration=-1.0), "calibration: expected a number in"),
    (lambda c: c.update(lookback=-5), "lookback: expected a positive int, got -5"),
    (lambda c: c["config"].update(level=1.5), "level: expected a number in"),
    (lambda c: c.update(selection=[12, 0.5]), "selection: expected"),
    (lambda c: c.pop("series"), "expected a complete forecaster config, got no key 'series'"),
    (lambda c: c["series"][0]["y"].__setitem__(5, "55.0"), "series.y: expected a list of finite numbers"),
    (lambda c: c["series"][0]["pipeline"][-1].update(scale=0.0), r"scale\.scale: expected a finite number > 0"),
    (lambda c: c.update(input_size=5), "input_size: expected 2"),
])
def test_load_checks_config_values_like_typed_ones(tmp_path, edit, message):
    import json

    from rnnkit.errors import CheckpointError

    _, run = _saved(tmp_path)
    cfg = json.loads((run / "config.json").read_text())
    edit(cfg)
    (run / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match=r"config\.json: expected sha256"):
        Forecaster.load(run)                               # the edit alone: the digest no longer matches
    _redigest(run)
    with pytest.raises(CheckpointError, match=r"config\.json: .*" + message):
        Forecaster.load(run)


def test_load_names_config_json_when_it_is_not_json(tmp_path):
    from rnnkit.errors import CheckpointError

    _, run = _saved(tmp_path)
    (run / "config.json").write_text('{"task": "forecast", ')
    _redigest(run)
    with pytest.raises(CheckpointError, match=r"config\.json: expected .*(JSON|json)"):
        Forecaster.load(run)


@pytest.mark.parametrize("freq,start_freq", [("M", "MS"), ("Q", "QS"), ("Y", "YS")])
def test_period_index_forecasts_as_the_same_series_on_period_start_timestamps(freq, start_freq):
    from rnnkit.tasks.forecasting import Forecaster

    y = 20 + np.sin(np.arange(40) * np.pi / 2) + 0.3 * np.arange(40)
    by_period = pd.Series(y, index=pd.period_range("2001-01", periods=40, freq=freq))
    by_stamp = pd.Series(y, index=pd.date_range("2001-01-01", periods=40, freq=start_freq))
    a = Forecaster("ets", horizon=4).fit(by_period).predict()
    b = Forecaster("ets", horizon=4).fit(by_stamp).predict()
    pd.testing.assert_frame_equal(a, b)
    frame = pd.DataFrame({"when": list(by_period.index), "v": y})        # a column of pd.Period values
    c = Forecaster("ets", horizon=4).fit(frame, target="v", time_col="when").predict()
    assert np.allclose(c["value"], b["value"]) and list(c["time"]) == list(b["time"])


def test_periods_of_two_frequencies_are_a_data_error():
    from rnnkit.tasks.forecasting import Forecaster

    when = list(pd.period_range("2001-01", periods=20, freq="M")) + list(pd.period_range("2003", periods=20, freq="Y"))
    frame = pd.DataFrame({"when": when, "v": np.arange(40.0)})
    with pytest.raises(DataError, match="periods of one frequency"):
        Forecaster("ets", horizon=4).fit(frame, target="v", time_col="when")


def _monthly(n=60):
    return pd.Series(10 + np.sin(np.arange(n) * np.pi / 6) + np.arange(n) * 0.1,
                     index=pd.date_range("2000-01-01", periods=n, freq="MS"))


@pytest.mark.parametrize("model", ["ets", "auto", "lstm"])
def test_a_given_period_that_cannot_fit_twice_is_refused_by_every_model(model):
    from rnnkit.tasks.forecasting import Forecaster

    kw = dict(epochs=1, selection_epochs=1, hidden_size=4) if model != "ets" else {}
    with pytest.raises(DataError, match=r"^period: expected at most half the shortest series \(30: series"):
        Forecaster(model, horizon=3, period=31, **kw).fit(_monthly())
    assert Forecaster("ets", horizon=3, period=30).fit(_monthly()).period_ == 30     # the boundary fits


def test_complex_values_are_refused_not_cast_to_real():
    from rnnkit.tasks.forecasting import Forecaster

    y = _monthly()
    with pytest.raises(DataError, match="expected real numbers, got dtype complex128"):
        Forecaster("ets", horizon=3).fit(y + 1j)
    f = Forecaster("ets", horizon=3).fit(y)
    with pytest.raises(DataError, match="expected real numbers"):
        f.update(pd.Series([1.0 + 2j], index=pd.DatetimeIndex(["2005-01-01"])))


@pytest.mark.parametrize("model", ["ets", "gru"])
def test_updates_an_empty_batch_is_nothing_new_and_a_2d_array_is_refused(model):
    from rnnkit.tasks.forecasting import Forecaster

    kw = dict(epochs=1, selection_epochs=1, hidden_size=4, lookback=12) if model == "gru" else {}
    f = Forecaster(model, horizon=3, **kw).fit(_monthly())
    before = f.predict()
    pd.testing.assert_frame_equal(f.update(pd.Series([], dtype=float)), before)
    with pytest.raises(DataError, match=r"expected a 1-D array of values for series 'series', got shape \(1, 2\)"):
        f.update(np.array([[20.0, 21.0]]))
    pd.testing.assert_frame_equal(f.predict(), before)        # nothing appended by the refused update


def test_save_to_a_file_or_under_a_file_is_a_config_error_before_writing(tmp_path):
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting import Forecaster

    f = Forecaster("ets", horizon=3).fit(_monthly())
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    with pytest.raises(ConfigError, match="^path: expected a folder, got .* \\(an existing file\\)"):
        f.save(a_file)
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        f.save(a_file / "run")
    assert a_file.read_text() == "x" and sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


@pytest.mark.parametrize("seed", [2**64, 2**70])
def test_a_seed_outside_torchs_range_is_refused_before_fitting(seed):
    """Session 30: [0, 2**64) as every task (the members' derived seeds wrap); it stopped at 2**32 - 1 before."""
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting import Forecaster

    with pytest.raises(ConfigError, match=r"^seed: expected an int in \[0, 2\*\*64\)"):
        Forecaster("lstm", horizon=3, seed=seed)
    f = Forecaster("lstm", horizon=3, seed=2**64 - 1, epochs=1, selection_epochs=1, hidden_size=4, lookback=12)
    assert np.isfinite(f.fit(_monthly()).predict()["value"]).all()     # the largest accepted seed trains
