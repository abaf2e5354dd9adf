"""Hostile inputs, session 6 sweep: the defects left open by the earlier sweeps (ids of mixed types,
CoNLL-U files, numpy lengths, Hopfield patterns near the float range). Each test failed before its fix
or is the oracle of one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.errors import DataError, InputTypeError, ShapeError


# ------------------------------------------------------------------------------------ forecasting ids
def test_ids_that_differ_only_in_type_are_a_data_error_naming_the_id_column():
    # 1 (int) and "1" (str) in one id column were merged into series '1', then refused as "duplicate
    # timestamps", which named neither the id column nor the cause
    from rnnkit.tasks.forecasting.inputs import parse_series

    t = list(pd.date_range("2021-01-01", periods=6, freq="D").astype(str))
    y = list(np.sin(np.arange(6.0)))
    df = pd.DataFrame({"id": [1] * 6 + ["1"] * 6 + ["a"] * 6, "t": t * 3, "y": y * 3})
    with pytest.raises(DataError, match=r"^id_col 'id': expected ids of one type .* got 1 \(int\) and '1' \(str\)"):
        parse_series(df, target="y", time_col="t", id_col="id")
    # True and 'True' collide the same way
    df["id"] = [True] * 6 + ["True"] * 6 + ["a"] * 6
    with pytest.raises(DataError, match=r"^id_col 'id': .* got True \(bool\) and 'True' \(str\)"):
        parse_series(df, target="y", time_col="t", id_col="id")
    # numpy and Python ints are one kind: the same id, so here the rows really are duplicates
    df["id"] = [1] * 6 + [np.int64(1)] * 6 + ["a"] * 6
    with pytest.raises(DataError, match=r"^time_col 't': expected unique timestamps in series '1', got 6 duplicate"):
        parse_series(df, target="y", time_col="t", id_col="id")
    # a categorical column's categories collide the same way (they were not checked)
    df["id"] = pd.Categorical([1] * 6 + ["1"] * 6 + ["a"] * 6)
    with pytest.raises(DataError, match=r"^id_col 'id': expected ids of one type .* got 1 \(int\) and '1' \(str\)"):
        parse_series(df, target="y", time_col="t", id_col="id")
    # the oracle: ids of one kind each (all int, all text, or mixed but distinct) split as before
    df["id"] = pd.Categorical([1] * 6 + [2] * 6 + ["a"] * 6)
    assert [s.id for s in parse_series(df, target="y", time_col="t", id_col="id")] == ["1", "2", "a"]
    df["id"] = [1] * 6 + [2] * 6 + ["a"] * 6
    got = parse_series(df, target="y", time_col="t", id_col="id")
    assert [s.id for s in got] == ["1", "2", "a"]
    for s in got:
        np.testing.assert_allclose(s.y, y)


# -------------------------------------------------------------------------------------------- CoNLL-U
CONLLU = """# sent_id = 1
# text = Don't go.
1-2\tDon't\t_\t_\t_\t_\t_\t_\t_\t_
1\tDo\tdo\tAUX\tVBP\t_\t3\taux\t_\t_
2\tn't\tnot\tPART\tRB\t_\t3\tadvmod\t_\t_
3\tgo\tgo\tVERB\tVB\t_\t0\troot\t_\tSpaceAfter=No
3.1\tgone\tgo\tVERB\tVBN\t_\t_\t_\t3:conj\t_
4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_

# sent_id = 2
1\t#\t#\tSYM\tNN\t_\t0\troot\t_\t_

"""


def test_conllu_files_are_read_by_form_and_upos(tmp_path):
    # a CoNLL-U file was a DataError at its first '# comment'; without comments the ID column was read
    # as the token and MISC (the last column) as the tag, and "1-2" ranges / "1.1" empty nodes as tokens
    from rnnkit.data.text import read_conll, read_conll_tokens

    expected = [(["Do", "n't", "go", "."], ["AUX", "PART", "VERB", "PUNCT"]), (["#"], ["SYM"])]
    assert read_conll("x", text=CONLLU) == expected
    no_comments = "\n".join(ln for ln in CONLLU.split("\n") if not ln.startswith("#"))
    assert read_conll("x", text=no_comments) == expected
    p = tmp_path / "in.conllu"
    p.write_text(CONLLU, encoding="utf-8")
    sents, starts = read_conll_tokens(p, lines=True)
    assert sents == [s for s, _ in expected]
    assert starts == [4, 11]       # the line of each sentence's first token
    # malformed CoNLL-U: a line of 9 fields, an ID out of order, an empty UPOS
    bad_fields = CONLLU.replace("2\tn't\tnot\tPART\tRB\t_\t3\tadvmod\t_\t_", "2\tn't\tnot\tPART\tRB\t_\t3\tadvmod\t_")
    with pytest.raises(DataError, match=r"expected 10 tab-separated CoNLL-U fields at line 5, got 9"):
        read_conll("x", text=bad_fields)
    with pytest.raises(DataError, match=r"expected token ID 3 .* at line 6, got '5'"):
        read_conll("x", text=CONLLU.replace("3\tgo\t", "5\tgo\t"))
    with pytest.raises(DataError, match=r"expected a FORM and a UPOS at line 4"):
        read_conll("x", text=CONLLU.replace("1\tDo\tdo\tAUX", "1\tDo\tdo\t"))
    # CoNLL-2003 (token ... tag) is read as before, '#' a token like any other
    # (with one column count in a file: session 18 refuses 'tok<TAB>tag' among 'tok<TAB>POS<TAB>tag' lines)
    assert read_conll("x", text="#\tSYM\tO\nJohn\tNNP\tB-PER\n") == [(["#", "John"], ["O", "B-PER"])]


# ------------------------------------------------------------------------------------- numpy lengths
def test_layers_accept_numpy_integer_lengths_as_they_accept_lists():
    import rnnkit
    from rnnkit.hopfield import HopfieldPooling

    torch.manual_seed(0)
    x = torch.randn(3, 5, 2)
    lstm = rnnkit.LSTM(2, 4, batch_first=True)
    want, (h, c) = lstm(x, lengths=torch.tensor([5, 2, 3]))
    for lens in (np.array([5, 2, 3]), np.array([5, 2, 3], dtype=np.int32), np.array([5, 2, 3], dtype=np.uint8),
                 [np.int64(5), 2, np.int16(3)]):
        got, (h2, c2) = lstm(x, lengths=lens)
        torch.testing.assert_close(got, want, rtol=0, atol=0)
        torch.testing.assert_close(h2, h, rtol=0, atol=0)
    bi = rnnkit.Bidirectional(rnnkit.GRU(2, 3, batch_first=True))
    torch.testing.assert_close(bi(x, lengths=np.array([5, 2, 3]))[0], bi(x, lengths=[5, 2, 3])[0], rtol=0, atol=0)
    pool = HopfieldPooling(2)
    torch.testing.assert_close(pool(x, lengths=np.array([5, 2, 3])), pool(x, lengths=[5, 2, 3]), rtol=0, atol=0)
    # still refused, with the typed one-line message naming lengths
    with pytest.raises(InputTypeError, match=r"^lengths: expected an integer .*got dtype float64"):
        lstm(x, lengths=np.array([5.0, 2.0, 3.0]))
    with pytest.raises(InputTypeError, match=r"^lengths: expected an integer .*got dtype bool"):
        lstm(x, lengths=np.array([True, True, True]))
    with pytest.raises(ShapeError, match=r"^lengths: expected shape \(3,\) to match the batch, got \(1, 3\)"):
        lstm(x, lengths=np.array([[5, 2, 3]]))
    with pytest.raises(ShapeError, match=r"^lengths: expected values in \[0, 5\]"):
        lstm(x, lengths=np.array([5, 2, 2**64 - 1], dtype=np.uint64))
    with pytest.raises(InputTypeError, match=r"^lengths: expected a list of ints"):
        lstm(x, lengths=[5, 2, np.float64(3)])


# ------------------------------------------------------------------- Hopfield near the float range
@pytest.mark.parametrize("scale", [1e20, 1e30, 1e38])
def test_modern_hopfield_with_huge_patterns_retrieves_as_at_unit_scale(scale):
    # patterns ~1e30 (finite, accepted): the float32 dot products overflowed to inf and inf - inf gave NaN
    # states, or attention on pattern 0 whatever the query
    from rnnkit.hopfield import HopfieldLayer, ModernHopfield

    g = torch.Generator().manual_seed(0)
    X = torch.nn.functional.normalize(torch.randn(6, 8, generator=g), dim=1)
    Q = X[[1, 4]] + 0.2 * torch.randn(2, 8, generator=g)
    Q = Q / Q.abs().max()                    # |Q| <= 1 so Q * scale stays finite
    # oracle: scaling patterns and queries by s is scaling beta by s**2; at unit scale nothing overflows
    for beta in (1.0, 1 / scale**2):
        unit = ModernHopfield(beta=min(beta * scale**2, 1e30)).store(X).recall(Q)
        big = ModernHopfield(beta=beta).store(X * scale).recall(Q * scale)
        assert torch.isfinite(big.states).all()
        torch.testing.assert_close(big.attention, unit.attention, atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(big.states / scale, unit.states, atol=1e-5, rtol=1e-4)
    layer = HopfieldLayer(8, beta=1 / scale**2)
    q = (Q * scale)[None].requires_grad_(True)
    out = layer(q, stored=(X * scale)[None])
    torch.testing.assert_close(out[0] / scale, HopfieldLayer(8, beta=1.0)(Q[None], stored=X[None])[0],
                               atol=1e-5, rtol=1e-4)
    (out.sum() / scale).backward()
    assert torch.isfinite(q.grad).all()


def test_modern_hopfield_energy_of_huge_patterns_scales_as_the_unit_energy():
    # the three |x|**2 terms of the energy cancelled in float64: -6e23 for a true log(6) at |x| ~ 1e20,
    # -inf at 1e38 (the energy is never negative)
    from rnnkit.hopfield import ModernHopfield

    g = torch.Generator().manual_seed(1)
    X = torch.randn(6, 8, generator=g, dtype=torch.float64)
    Q = torch.cat([X[[2]] + 0.1 * torch.randn(1, 8, generator=g, dtype=torch.float64),
                   torch.randn(2, 8, generator=g, dtype=torch.float64)])
    # a stored pattern of the largest norm, with every other dot product far below its own: E = log(P) / beta
    # exactly (lse is its top term, |xi - x|**2 = 0, M**2 - |x|**2 = 0)
    unit = torch.nn.functional.normalize(X, dim=1).float()
    k = int((unit.double() ** 2).sum(1).argmax())
    for scale in (1e20, 1e30, 1e38):
        big = ModernHopfield(1.0).store(unit * scale).energy(unit[[k]] * scale)
        torch.testing.assert_close(big, torch.tensor([np.log(6.0)], dtype=torch.float32))
    for scale, dtype in ((1e18, torch.float32), (1e30, torch.float64), (1e100, torch.float64)):
        for beta in (1.0 / scale**2, 3.0 / scale**2, 1.0):
            unit = ModernHopfield(beta * scale**2).store(X).energy(Q)
            big = ModernHopfield(beta).store((X * scale).to(dtype)).energy((Q * scale).to(dtype))
            # the scaling law, E(s*xi; beta) over s*X == s**2 * E(xi; beta*s**2), against unit scale
            assert big.dtype == dtype and bool((big >= 0).all())
            torch.testing.assert_close(big.double() / scale**2, unit, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------------- time zones
def _daily(n: int, tz: str) -> tuple[list[str], np.ndarray]:
    days = pd.date_range("2021-01-01", periods=n, freq="D")
    return [f"{d:%Y-%m-%d}T00:00:00{tz}" for d in days], 10 + np.sin(np.arange(n) * 2 * np.pi / 7)


def test_forecast_times_keep_the_input_time_zone(tmp_path):
    # a time column at +01:00 was converted to UTC and made naive: local midnights became 23:00 of the
    # day before, and forecast times came back a day early, tz-naive (in the API, forecast.csv and JSON)
    from rnnkit.data.series import parse_dates
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting import Forecaster

    times, y = _daily(40, "+01:00")
    fc = Forecaster("seasonal_naive", period=7).fit(pd.DataFrame({"t": times, "y": y}), 3, target="y",
                                                     time_col="t").predict()
    # the oracle: the same values on naive dates, then localized in the input's zone
    naive = Forecaster("seasonal_naive", period=7).fit(pd.Series(y, index=pd.date_range("2021-01-01", periods=40)),
                                                       3).predict()
    np.testing.assert_array_equal(fc["value"].to_numpy(), naive["value"].to_numpy())
    assert list(fc["time"]) == list(pd.DatetimeIndex(naive["time"]).tz_localize("UTC+01:00"))
    # a named zone across a daylight-saving change, saved and loaded (offsets +01:00 then +02:00)
    s = pd.Series(y, index=pd.date_range("2021-03-01", periods=40, freq="D", tz="Europe/Paris"))
    f = Forecaster("seasonal_naive", period=7).fit(s, 3)
    want = pd.date_range("2021-04-10", periods=3, freq="D", tz="Europe/Paris")
    assert list(f.predict()["time"]) == list(want)
    f.save(tmp_path / "paris")
    assert list(Forecaster.load(tmp_path / "paris").predict()["time"]) == list(want)
    # several offsets in one column (local time across DST): see test_local_times_across_dst_*
    # some with an offset and some without: which zone the others are in is unknown (pandas takes UTC)
    with pytest.raises(DataError, match=r"^t: expected times all with a UTC offset or all without, got '2021-01-01'"):
        parse_dates(["2021-01-01", "2021-01-02T00:00:00+01:00"], "t")


def test_forecast_cli_output_dates_are_the_input_s_local_dates(tmp_path, capsys):
    from rnnkit.cli import main as cli_main

    times, y = _daily(40, "+01:00")
    pd.DataFrame({"t": times, "y": y}).to_csv(tmp_path / "tz.csv", index=False)
    code = cli_main.main(["forecast", "--csv", str(tmp_path / "tz.csv"), "--time-col", "t", "--target", "y",
                          "--model", "seasonal_naive", "--horizon", "2", "--backtest", "1", "--quiet",
                          "--out", str(tmp_path / "run")])
    assert code == 0, capsys.readouterr().err
    out = pd.read_csv(tmp_path / "run" / "forecast.csv")
    # local midnights with their offset (before: 2021-02-09T23:00:00, naive, a day early)
    assert list(out["time"]) == ["2021-02-10T00:00:00+01:00", "2021-02-11T00:00:00+01:00"]


def test_serve_keeps_the_series_zone_and_refuses_times_without_an_offset(tmp_path):
    from rnnkit.serve.services import RequestError, open_service
    from rnnkit.tasks.forecasting import Forecaster

    times, y = _daily(40, "+01:00")
    s = pd.Series(y, index=pd.DatetimeIndex(pd.to_datetime(times)))
    f = Forecaster("seasonal_naive", period=7).fit(s, 3)
    f.save(tmp_path / "run")
    svc = open_service(tmp_path / "run", tmp_path / "state")
    try:
        assert svc.health()["next_time"] == {"series": "2021-02-10T00:00:00+01:00"}
        svc.observe([{"id": "series", "time": "2021-02-10T00:00:00+01:00", "value": 10.0}])
        with pytest.raises(RequestError, match=r"^observations\[0\]\.time: expected a date/time with a UTC offset"):
            svc.observe([{"id": "series", "time": "2021-02-11", "value": 10.0}])
        svc.observe([{"id": "series", "time": "2021-02-10T23:00:00Z", "value": 11.0}])   # the same instant
    finally:
        svc.close()
    svc = open_service(tmp_path / "run", tmp_path / "state")        # the journal replays in the zone
    try:
        oracle = f.update(pd.Series([10.0, 11.0], index=pd.date_range("2021-02-10", periods=2, tz="UTC+01:00")))
        assert svc.health()["next_time"] == {"series": "2021-02-12T00:00:00+01:00"}
        np.testing.assert_allclose([r["value"] for r in svc.rows], oracle["value"].to_numpy())
    finally:
        svc.close()


def test_labels_that_differ_only_in_type_are_not_merged_into_one_class():
    # labels are kept as text: 0 and "0" became one class silently (with a third label, nothing said so)
    from rnnkit.errors import DataError
    from rnnkit.tasks.common import check_labels
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    with pytest.raises(DataError, match=r"^y: expected labels of one type \(labels are kept as text\), got 0 \(int\) "
                                        r"and '0' \(str\) that read as the same label '0'"):
        check_labels([0, "0", 1], "y")
    with pytest.raises(DataError, match=r"^y: .* got True \(bool\) and 'True' \(str\)"):
        check_labels(iter([True, "True"]), "y")
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(5, 2)).astype(np.float32) for _ in range(9)]
    cfg = TSCConfig(hidden_size=4, epochs=1, batch_size=8, val_fraction=0.0, progress=False)
    with pytest.raises(DataError, match=r"^y: expected labels of one type"):
        TimeSeriesClassifier(cfg).fit(X, [0, "0", 1] * 3)
    # the oracle: one kind each is read as before (numpy and Python ints are one kind; text as given)
    assert check_labels([np.int64(1), 1, 2]) == ["1", "1", "2"]
    assert check_labels(np.array([3, 4])) == ["3", "4"]
    assert check_labels(["a", "b", "a"]) == ["a", "b", "a"]


def test_serve_a_series_in_a_named_zone_across_a_dst_change(tmp_path):
    # the journal's times carry offsets (+02:00), the series a named zone (Europe/Paris): building the
    # grid from the two raised TypeError "Start and end cannot both be tz-aware with different timezones"
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting import Forecaster

    y = 10 + np.sin(np.arange(40) * 2 * np.pi / 7)
    s = pd.Series(y, index=pd.date_range("2021-03-01", periods=40, freq="D", tz="Europe/Paris"))
    f = Forecaster("seasonal_naive", period=7).fit(s, 3)
    f.save(tmp_path / "run")
    svc = open_service(tmp_path / "run", tmp_path / "state")
    try:
        svc.observe([{"id": "series", "time": "2021-04-10T00:00:00+02:00", "value": 10.0}])
        svc.observe([{"id": "series", "time": "2021-04-11T22:00:00Z", "value": 12.0}])     # 04-12 00:00 local
    finally:
        svc.close()
    svc = open_service(tmp_path / "run", tmp_path / "state")
    try:
        assert svc.health()["next_time"] == {"series": "2021-04-13T00:00:00+02:00"}
        # the oracle: the public API's update with the same points (04-11 missing, interpolated)
        new = pd.Series([10.0, np.nan, 12.0], index=pd.date_range("2021-04-10", periods=3, tz="Europe/Paris"))
        np.testing.assert_allclose([r["value"] for r in svc.rows], f.update(new)["value"].to_numpy())
    finally:
        svc.close()


def test_local_times_across_dst_are_read_on_the_wall_clock_when_daily_and_in_utc_when_hourly():
    # daily data written in local time with its offsets (+01:00, then +02:00 after the change) were read
    # as UTC: 23:00 then 22:00, "irregular gaps ... pass --resample" -- bad advice (a UTC grid). Daily or
    # coarser local times fall at one time of day on the wall clock: they are read there (offsets
    # dropped). Hourly ones are regular in UTC, not on the wall clock (an hour is skipped): read as UTC.
    from rnnkit.data.series import parse_dates
    from rnnkit.tasks.forecasting import Forecaster

    idx = pd.date_range("2021-03-10", periods=40, freq="D", tz="Europe/Paris")
    y = np.sin(np.arange(40.0))
    frame = pd.DataFrame({"t": [t.isoformat() for t in idx], "y": y})
    fc = Forecaster("seasonal_naive", period=7).fit(frame, 2, target="y", time_col="t").predict()
    # the oracle: the same values on naive local dates
    ref = Forecaster("seasonal_naive", period=7).fit(pd.Series(y, index=idx.tz_localize(None)), 2).predict()
    assert list(fc["time"]) == list(ref["time"]) == list(pd.date_range("2021-04-19", periods=2))
    np.testing.assert_array_equal(fc["value"].to_numpy(), ref["value"].to_numpy())
    # a missing value stays missing, the others on the wall clock
    got, _ = parse_dates(["2021-03-27T12:00:00+01:00", None, "2021-03-28T12:00:00+02:00"], "t")
    assert got.tz is None and list(got.hour[[0, 2]]) == [12, 12] and got.isna()[1]
    hours = pd.date_range("2021-03-27 20:00", periods=30, freq="h", tz="Europe/Paris")
    got, _ = parse_dates([t.isoformat() for t in hours], "t")
    assert str(got.tz) == "UTC" and list(got) == list(hours.tz_convert("UTC"))
