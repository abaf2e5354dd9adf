"""Constant series (issue 16, session 8): one product that sold 0 every month in an ``--id-col`` file
must not fail the whole fit. ``model="auto"`` and the statistical single models forecast a constant
series (all-zero, constant after missing values are interpolated) as its constant, with a zero-width
band, say so in the choice report, and leave the other series' forecasts exactly as they are without
it; the network models refuse it with a one-line DataError naming the series and the way out. A series
constant only in its fitting part (a backtest fold, a validation origin) gets finite forecasts."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.main import main
from rnnkit.errors import DataError
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.statistical import statistical_candidates

pytestmark = pytest.mark.usefixtures("one_thread_module")
N, H = 48, 4
STATS = ("theta", "drift", "seasonal_naive", "naive")     # ETS: slow; its constant test is below
COLS = dict(id_col="id", time_col="t", target="y")


def values(kind: str, k: int = 0) -> np.ndarray:
    t = np.arange(N)
    if kind == "flat":
        return np.full(N, 3.5)
    if kind == "zero":
        return np.zeros(N)
    if kind == "flat_with_gaps":                  # constant once the missing values are left out
        y = np.full(N, 2.0)
        y[[0, 9, N - 1]] = np.nan
        return y
    k = {"a": 0, "b": 1}.get(kind, k)
    rng = np.random.default_rng(k)
    return 20 + 4 * k + 3 * np.sin(2 * np.pi * t / 12) + 0.1 * t + rng.normal(0, 0.3, N)


def frame(kinds: list[str]) -> pd.DataFrame:
    idx = pd.date_range("2001-01-01", periods=N, freq="MS")
    return pd.concat([pd.DataFrame({"id": kind, "t": idx, "y": values(kind, k)}) for k, kind in enumerate(kinds)],
                     ignore_index=True)


MIXED = ["a", "b", "flat", "zero", "flat_with_gaps"]
CONSTANTS = {"flat": 3.5, "zero": 0.0, "flat_with_gaps": 2.0}


@pytest.fixture(scope="module")
def fitted():
    """auto over the statistical candidates on the two varying series alone, and with three constant ones."""
    alone = Forecaster("auto", horizon=H, candidates=STATS).fit(frame(["a", "b"]), **COLS)
    mixed = Forecaster("auto", horizon=H, candidates=STATS).fit(frame(MIXED), **COLS)
    return alone, mixed


def test_constant_series_are_forecast_as_their_constant_with_a_zero_width_band(fitted):
    _, mixed = fitted
    fc = mixed.predict()
    for sid, v in CONSTANTS.items():
        rows = fc[fc["id"] == sid]
        assert len(rows) == H
        for col in ("value", "lower", "upper", "q0.1", "q0.5", "q0.9"):
            assert np.array_equal(rows[col].to_numpy(), np.full(H, v)), (sid, col)


def test_the_other_series_are_forecast_exactly_as_without_the_constant_ones(fitted):
    alone, mixed = fitted
    a, m = alone.predict(), mixed.predict()
    m = m[m["id"].isin(["a", "b"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, m, check_exact=True)
    assert alone.summary()["chosen"] == mixed.summary()["chosen"]


def test_the_choice_report_names_the_constant_series(fitted):
    _, mixed = fitted
    summary = mixed.summary()
    for sid, v in CONSTANTS.items():
        assert summary["chosen_per_series"][sid] == "constant" and summary["members"][sid] == []
        assert summary["report"]["constant_series"][sid] == v
        assert f"{sid!r}" in summary["report"]["why"]
    assert [s["constant"] for s in summary["series"]] == [sid in CONSTANTS for sid in sorted(MIXED)]
    assert summary["chosen_per_series"]["a"] != "constant"


def test_a_global_candidate_never_trains_on_a_constant_series(monkeypatch):
    """The ES-RNN (one network trained across the batch; small here) gives the other series the same
    forecasts with and without a constant one in the file: it never sees it."""
    from rnnkit.tasks.forecasting import auto_model
    from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate

    monkeypatch.setattr(auto_model, "build_candidates", lambda cfg: {"esrnn": ESRNNCandidate(hidden=8, steps=20)})
    pairs = [Forecaster("esrnn", horizon=H).fit(frame(kinds), **COLS).predict() for kinds in (["a", "b"], ["a", "zero", "b"])]
    pd.testing.assert_frame_equal(pairs[0], pairs[1][pairs[1]["id"] != "zero"].reset_index(drop=True))
    assert (pairs[1][pairs[1]["id"] == "zero"]["value"] == 0).all()


@pytest.mark.parametrize("model", ["ets", "theta", "seasonal_naive"])
def test_single_statistical_models_forecast_a_lone_constant(model, tmp_path):
    y = pd.Series(np.zeros(30), index=pd.date_range("2001-01-01", periods=30, freq="MS"), name="zero")
    f = Forecaster(model, horizon=3).fit(y)
    assert (f.predict()[["value", "lower", "upper"]].to_numpy() == 0).all()
    assert f.summary()["chosen"] == "constant" and "constant" in f.summary()["report"]["why"]
    g = Forecaster.load(f.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(g.predict(), f.predict())
    assert g.summary()["report"]["constant_series"] == {"zero": 0.0}


def test_save_load_and_update_of_a_constant_series(fitted, tmp_path):
    """Saved and loaded: the same forecasts. New values that move: forecast from the new end (its last
    value) with a band from the in-sample naive error, no longer zero-width; never NaN."""
    _, mixed = fitted
    g = Forecaster.load(mixed.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(g.predict(), mixed.predict())
    t = pd.Timestamp("2005-01-01")
    new = pd.DataFrame({"id": MIXED, "t": [t] * 5, "y": [30.0, 35.0, 5.0, 0.0, 2.0]})
    fc = g.update(new)
    flat = fc[fc["id"] == "flat"]
    assert (flat["value"] == 5.0).all() and (flat["upper"] > flat["lower"]).all()
    zero = fc[fc["id"] == "zero"]
    assert (zero[["value", "lower", "upper"]].to_numpy() == 0).all()
    assert np.isfinite(fc.drop(columns=["id", "time"]).to_numpy()).all()


def test_backtest_with_a_constant_series(fitted):
    """Every fold forecasts the constant series as its constant (auto and every candidate); the other series'
    backtest rows are those of the run without it."""
    alone, mixed = fitted
    cfg = dict(horizon=H, candidates=STATS)
    bt = Forecaster("auto", **cfg).backtest(frame(MIXED), folds=2, **COLS)
    bt_alone = Forecaster("auto", **cfg).backtest(frame(["a", "b"]), folds=2, **COLS)
    rows = [r for r in bt.per_fold if r.get("id") in CONSTANTS]
    assert rows and all(np.isfinite(r["MAE"]) and r["MAE"] == 0 for r in rows if r["model"] in ("auto", *STATS))
    key = lambda r: (r["id"], r["fold"], r["model"])                       # noqa: E731
    theirs = {key(r): r["MAE"] for r in bt_alone.per_fold}
    mine = {key(r): r["MAE"] for r in bt.per_fold if r["id"] in ("a", "b")}
    assert mine == theirs


def test_a_series_constant_only_in_its_fitting_part_gets_finite_forecasts():
    """Constant for 48 values, seasonal after: the first backtest fold's training part and its validation
    origins are constant; every candidate forecasts the constant there, and nothing is NaN."""
    t = np.arange(60)
    late = np.where(t < 48, 10.0, 10 + 3 * np.sin(2 * np.pi * t / 12))
    other = 20 + 3 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(0).normal(0, 0.3, 60)
    from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate

    cands = {k: v for k, v in statistical_candidates().items() if k in STATS}
    cands["esrnn"] = ESRNNCandidate(hidden=8, steps=20)        # on a constant alone: 10.0004, not 10
    r = AutoForecaster(cands).backtest([SeriesInput("late", late, 12), SeriesInput("v", other, 12)],
                                                          H, 3)
    for name, f in r["forecasts"].items():
        assert np.isfinite(f).all(), name
        if name != "auto":
            assert np.array_equal(f[0, 0], np.full(H, 10.0)), name         # fold 0 trains on [0, 48)
    assert np.isfinite(r["quantiles"]).all()
    assert np.isfinite(r["mase"]["auto"][1]).all()                           # later folds: scored as usual


def test_a_network_on_a_series_constant_in_its_fitting_part_is_finite():
    y = pd.Series(np.r_[np.full(45, 5.0), 5 + np.sin(np.arange(15))], name="late",
                  index=pd.date_range("2001-01-01", periods=60, freq="MS"))
    fc = Forecaster("lstm", horizon=3, epochs=2, hidden_size=8, seed=1).fit(y).predict()
    assert np.isfinite(fc[["value", "lower", "upper"]].to_numpy()).all()


@pytest.mark.parametrize("kind", ["flat", "zero", "flat_with_gaps"])
def test_a_network_refuses_a_constant_series_naming_it_and_the_way_out(kind):
    with pytest.raises(DataError, match=f"series '{kind}': expected a varying series, got a constant .*model 'auto'"):
        Forecaster("lstm", horizon=3, epochs=2, hidden_size=8).fit(frame(["a", kind]), **COLS)


def test_the_cli_forecasts_a_file_with_a_constant_series(tmp_path, capsys):
    df = frame(["a", "zero"])
    df["t"] = df["t"].dt.strftime("%Y-%m-%d")
    csv = tmp_path / "sales.csv"
    df.to_csv(csv, index=False)
    code = main(["forecast", "--csv", str(csv), "--target", "y", "--time-col", "t", "--id-col", "id", "--horizon",
                 "3", "--candidates", "theta", "drift", "seasonal_naive", "--json", "--no-plot"])
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)
    assert result["auto"]["chosen_per_series"]["zero"] == "constant" and "'zero' (0)" in result["auto"]["why"]
    # the same exceptions as data, not only as a sentence
    assert result["auto"]["constant_series"] == {"zero": 0.0}
    assert result["auto"]["fallbacks"] == {} and result["auto"]["wild_last_value"] == {}
    zero = [r for r in result["forecast"] if r["id"] == "zero"]
    assert len(zero) == 3 and all(r["value"] == 0 for r in zero)
