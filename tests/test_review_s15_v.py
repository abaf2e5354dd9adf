"""Session 15 review (helper V): defects in the session's own changes, each test failing on the code before."""

from __future__ import annotations


# ------------------------------------------------------------------ the cgroup check and the page cache
def test_available_memory_does_not_count_the_cgroups_inactive_page_cache_as_used(tmp_path, monkeypatch):
    """eda1dfd took memory.max less memory.current as what a container has left; memory.current counts the page
    cache of every file read, so a container limited to 800 MB that read 600 MB of data (inactive cache, reclaimed
    on demand) and holds 150 MB of its own was told 50 MB were left, and check_memory refused runs that fit.
    Oracle: docker stats' and cAdvisor's usage (memory.current less memory.stat's inactive_file)."""
    import rnnkit._memory as mem

    mb = 2 ** 20
    monkeypatch.setattr(mem, "CGROUP", tmp_path, raising=False)
    host = mem.available_memory()                 # no memory.max here: the system's own figure
    assert host is not None and host > 800 * mb   # (else this machine cannot tell the two apart)
    (tmp_path / "memory.max").write_text(f"{800 * mb}\n")
    (tmp_path / "memory.current").write_text(f"{750 * mb}\n")
    (tmp_path / "memory.stat").write_text(f"anon {150 * mb}\nfile {600 * mb}\nactive_file 0\n"
                                          f"inactive_file {600 * mb}\n")
    assert mem.available_memory() == 650 * mb     # the limit less what the kernel cannot reclaim (was 50 MB)
    (tmp_path / "memory.stat").write_text(f"anon {150 * mb}\n")   # no inactive_file: the whole of current counts
    assert mem.available_memory() == 50 * mb
    (tmp_path / "memory.stat").unlink()                               # unreadable: likewise
    assert mem.available_memory() == 50 * mb


# ------------------------------------------------------------------ a panel read without id_col
def test_a_panel_read_without_id_col_names_the_column_that_tells_its_series_apart():
    """4954336 said of any time given 4 or 12 times 'a year with its quarter in another column? join them' -- but
    a yearly table of 4 stores read without --id-col is that too, and the hint sent the user to join a year with a
    store. Oracle: the same table with id_col forecasts each store; a year + quarter table keeps R's hint."""
    import numpy as np
    import pandas as pd
    import pytest

    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import parse_series

    df = pd.DataFrame([{"year": y, "store": s, "sales": float((y * 7 + ord(s)) % 11)}
                       for s in "abcd" for y in range(1990, 2010)])
    with pytest.raises(DataError, match=r"column 'store' tells those rows apart.*id_col='store'") as e:
        parse_series(df, target="sales", time_col="year")
    assert "quarter" not in str(e.value)
    assert [s.id for s in parse_series(df, target="sales", time_col="year", id_col="store")] == list("abcd")
    q = pd.period_range("1960Q1", periods=12, freq="Q")
    for qtr in (q.quarter, [f"Q{p.quarter}" for p in q]):      # the quarter in a column of its own: the join
        yq = pd.DataFrame({"year": q.year, "qtr": qtr, "gas": np.arange(12.0) % 4 + 1})
        with pytest.raises(DataError, match=r"a year with its quarter in another column\? join them"):
            parse_series(yq, target="gas", time_col="year")


# ------------------------------------------------------------------ tsc: one-step series at prediction
def test_a_tsc_model_trained_with_some_one_step_series_still_predicts_a_batch_of_them():
    """ec9f8a5 refused every batch of one-step multichannel series as a transposed sktime array -- at prediction
    too, where the model's channel count already refuses a transposed one: a model trained on series of 1 to 29
    steps (some of one) that predicted a one-step series before the change raised a DataError. Oracle: the same
    series predicted with a second step appended (a batch the check lets by) and 1-NN, which reads both."""
    import numpy as np
    import pytest

    from rnnkit.errors import DataError
    from rnnkit.tasks.tsc import OneNNEuclidean, TimeSeriesClassifier, TSCConfig

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(int(rng.integers(1, 30)), 3)).astype("float32") for _ in range(30)]
    X[0] = X[0][:1]
    y = ["a" if i % 2 else "b" for i in range(30)]
    t = TimeSeriesClassifier(TSCConfig(epochs=1, model="rnn", hidden_size=4, progress=False)).fit(X, y)
    one = [X[0][:1], X[3][:1]]
    assert len(t.predict(one)) == 2 and t.predict_proba(one).shape == (2, 2)
    assert len(t.predict([np.concatenate([s, s]) for s in one])) == 2
    nn1 = OneNNEuclidean().fit(X, y)
    assert nn1.predict(one) == [y[0], nn1.predict([X[3][:1]])[0]]
    with pytest.raises(DataError, match="expected series of several steps"):   # training data: still refused
        OneNNEuclidean().fit([s[:1] for s in X], y)


# ------------------------------------------------------------------ date formats: the new ones cost a column each
def test_quarter_and_week_formats_reject_a_column_on_its_first_value(monkeypatch):
    """19e6b96 / bf3ae35 added 7 quarter and 2 ISO-week formats to those tried on every date column that is not
    ISO 8601; the quarter ones matched a regular expression against every value (no first-value rejection as the
    others have) and the week ones rewrote the whole column first: 300,000 'dd/mm/YYYY HH:MM' stamps took 1.4 s to
    read where they took 0.67 s before (measured, one thread). Oracle: the values each format reads before it is
    rejected -- the first one only for a column in neither form; quarters and weeks still read."""
    import pandas as pd

    import rnnkit.data.series as series

    seen = []
    for name in ("_quarter_starts", "_week_start"):
        real = getattr(series, name)
        monkeypatch.setattr(series, name, lambda text, fmt, real=real, name=name: (
            seen.append((name, fmt, len(text))), real(text, fmt))[1])
    days = pd.Series(pd.date_range("1990-01-01", periods=500, freq="D").strftime("%d/%m/%Y"))
    idx, fmt = series.parse_dates(days, "t", dayfirst=True)
    assert fmt == "%d/%m/%Y" and idx[31] == pd.Timestamp("1990-02-01")
    assert seen and all(n == 1 for _, f, n in seen if "%q" in f or "%V" in f), seen     # was 500 each
    seen.clear()
    q = series.parse_dates(pd.Series([f"{y}Q{k}" for y in range(2000, 2010) for k in range(1, 5)]), "t")
    assert q[1] == "%YQ%q" and q[0][5] == pd.Timestamp("2001-04-01")
    w = series.parse_dates(pd.Series(["2020-W52", "2020-W53", "2021-W01"]), "t")
    assert list(w[0]) == list(pd.to_datetime(["2020-12-21", "2020-12-28", "2021-01-04"]))


# ------------------------------------------------------------------ the collection bench's cache
def test_bench_collections_cache_is_not_taken_for_a_candidate_of_other_settings(tmp_path, monkeypatch):
    """aac0d15 added --lstm-member ('lstm_candidate', as --member's 'esrnn_candidate'): the validation cache is
    keyed by the candidate's name and the batch only, so a second run with other member settings and the same
    --cache scored the first run's forecasts under the new settings, silently. Oracle: a candidate of the same
    settings takes the cache (no new validation run); one of other settings runs its own."""
    import sys
    from pathlib import Path

    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_collections as bc
    from rnnkit.tasks.forecasting.candidates import SeriesInput
    from rnnkit.tasks.forecasting.statistical import statistical_candidates

    t = pd.date_range("2000-01", periods=40, freq="MS")
    inputs = [SeriesInput(k, np.sin(np.arange(40) / 3) + j + 2, 12, t) for j, k in enumerate("ab")]
    runs = []
    real = bc.rolling_validation
    monkeypatch.setattr(bc, "rolling_validation", lambda *a, **k: (runs.append(a[0]), real(*a, **k))[1])
    cand = statistical_candidates()["theta"]
    v1, _, _ = bc.validation_for("theta", cand, inputs, 6, 2, tmp_path, "t")
    v2, _, _ = bc.validation_for("theta", cand, inputs, 6, 2, tmp_path, "t")
    assert len(runs) == 1 and np.array_equal(v1.final["theta"], v2.final["theta"])     # same settings: cached
    other = statistical_candidates()["ets"]                                             # other settings, same name
    v3, _, _ = bc.validation_for("theta", other, inputs, 6, 2, tmp_path, "t")
    assert len(runs) == 2 and not np.allclose(v3.final["theta"], v1.final["theta"])
