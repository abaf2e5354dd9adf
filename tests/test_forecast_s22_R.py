"""Session 22, helper R: forecasting -- session 21's leftovers and new kinds of hostile input. Each test names
its oracle; each fails on the code before its fix (5a15cde)."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.tasks.forecasting import Forecaster

TINY = dict(hidden_size=8, epochs=2, selection_epochs=1, windows_per_epoch=64, batch_size=32)


def _monthly(level: float, seed: int, n: int = 100) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = level + 0.2 * t + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(size=n)
    return pd.Series(y, index=pd.date_range("2000-01-01", periods=n, freq="MS"), name="sales")


@pytest.fixture(scope="module")
def two_fits():
    """Two fitted networks of the same shape on series of very different levels (a pair of neither fit forecasts
    values of neither)."""
    torch.manual_seed(0)
    a = Forecaster("gru", horizon=3, lookback=12, **TINY).fit(_monthly(50, 0))
    b = Forecaster("gru", horizon=3, lookback=12, seed=1, **TINY).fit(_monthly(5000, 1))
    return a, b


def _interrupt_nth_rename(monkeypatch, nth: int) -> None:
    from toy_data import interrupt_nth_rename

    interrupt_nth_rename(monkeypatch, nth)


# ------------------------------------------------------------------ 1. an interrupted save of a forecaster
@pytest.mark.parametrize("nth", [1, 2, 3, 4, 5, 6, 7, 8, 9, 99])
def test_a_save_over_another_fit_interrupted_anywhere_loads_one_fit_whole(tmp_path, monkeypatch, two_fits, nth):
    """B saved over A's run, a Ctrl-C at B's n-th rename: the weights were one certified replacement and config.json
    another, so a Ctrl-C between them loaded B's weights under A's config (forecasts of neither fit, no word), and one
    inside the weights' replacement left a folder refused as 'modified' (forecast loads did not complete it).
    Oracle: the folder forecasts exactly as A or as B, never otherwise, and keeps no record of the replacement."""
    a, b = two_fits
    run = tmp_path / "run"
    a.save(run)
    _interrupt_nth_rename(monkeypatch, nth)
    interrupted = False
    try:
        b.save(run)
    except KeyboardInterrupt:
        interrupted = True
    monkeypatch.undo()
    got = Forecaster.load(run).predict()["value"].to_numpy()
    fits = {"A": a.predict()["value"].to_numpy(), "B": b.predict()["value"].to_numpy()}
    # a save that raised leaves the earlier run whole (training.save_backup, session 24 E; the certified
    # replacement's commit point kept B after it before); one that returned is B
    assert [k for k, v in fits.items() if np.array_equal(got, v)] == (["A"] if interrupted else ["B"])
    assert not (run / ".replacing.json").exists()
    assert not [p.name for p in run.iterdir() if p.name.startswith(".tmp-")]


@pytest.mark.parametrize("nth", [2, 3])
def test_a_first_save_beside_a_users_file_interrupted_leaves_the_folder_savable(tmp_path, monkeypatch, two_fits, nth):
    """A first save into a folder holding a user's notes, a Ctrl-C after the record of the replacement: the failed
    save removed the files it created but left the record, and every later save there failed ('model.safetensors:
    expected a file to record the digest of, got nothing'). Oracle: the folder as it was found, then a save that
    loads; the user's file byte-equal."""
    _, b = two_fits
    run = tmp_path / "run"
    run.mkdir()
    (run / "notes.txt").write_text("mine\n")
    _interrupt_nth_rename(monkeypatch, nth)
    with pytest.raises(KeyboardInterrupt):
        b.save(run)
    monkeypatch.undo()
    assert sorted(p.name for p in run.iterdir()) == ["notes.txt"]
    b.save(run)
    assert np.array_equal(Forecaster.load(run).predict()["value"], b.predict()["value"])
    assert (run / "notes.txt").read_text() == "mine\n"


def test_an_esrnn_candidate_saved_over_another_and_interrupted_is_refused_not_mixed(tmp_path, monkeypatch):
    """The ES-RNN candidate saves its weights one by one, each merged into the folder's map, then candidate.json:
    a Ctrl-C before candidate.json left the new weights certified beside the old state, and Candidate.load read
    the mix without a word. Oracle: the old candidate's files; the interrupted save leaves them (since session 24 E's
    forecasting.save_backup: the earlier candidate, byte for byte, which loads; before it, a refusal)."""
    import rnnkit._io as rio
    from rnnkit.tasks.forecasting.candidates import Candidate, SeriesInput
    from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate

    batch = lambda level, seed: [SeriesInput("s", _monthly(level, seed).to_numpy(), 12)]   # noqa: E731
    old = ESRNNCandidate(hidden=8, steps=10)
    old.forecast(batch(50, 0), 3)
    old.save(tmp_path / "c")
    new = ESRNNCandidate(hidden=8, steps=10, seed=1)
    new.forecast(batch(5000, 1), 3)
    real = rio.atomic_write_json

    def write_json(path, *args, **kwargs):
        if os.path.basename(path) == "candidate.json":
            raise KeyboardInterrupt
        return real(path, *args, **kwargs)

    monkeypatch.setattr(rio, "atomic_write_json", write_json)
    before = {p.relative_to(tmp_path / "c"): p.read_bytes() for p in (tmp_path / "c").rglob("*") if p.is_file()}
    with pytest.raises(KeyboardInterrupt):
        new.save(tmp_path / "c")
    monkeypatch.undo()
    after = {p.relative_to(tmp_path / "c"): p.read_bytes() for p in (tmp_path / "c").rglob("*") if p.is_file()}
    assert after == before
    assert isinstance(Candidate.load(tmp_path / "c"), ESRNNCandidate)


# ------------------------------------------------------------------ 2. a time column named like an argument
def _days(col: str, n: int = 40, dup: bool = False) -> pd.DataFrame:
    t = pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d").tolist()
    if dup:
        t[5] = t[4]
    return pd.DataFrame({col: t, "y": np.arange(n, dtype=float) % 7})


def test_a_time_column_named_horizon_does_not_take_the_horizon_flags_messages(tmp_path, capsys):
    """The CLI wrote the time column's bare name 'horizon:' as '--time-col 'horizon':', so predict's '--horizon 9'
    past the fitted 3 said '--time-col 'horizon': expected a positive int up to the fitted horizon 3, got 9'.
    Oracle: the flag the user typed, --horizon."""
    from toy_data import run_cli, write_frame

    csv = write_frame(tmp_path / "h.csv", _days("horizon"))
    run = tmp_path / "run"
    code, _, err = run_cli(["forecast", "--csv", csv, "--time-col", "horizon", "--target", "y", "--model",
                            "seasonal_naive", "--horizon", "3", "--quiet", "--out", str(run)], capsys)
    assert code == 0, err
    code, _, err = run_cli(["forecast", "predict", "--run", str(run), "--horizon", "9"], capsys)
    assert code == 2 and "error: --horizon: expected a positive int up to the fitted horizon 3, got 9" in err, err


def test_a_time_column_named_target_is_named_as_the_time_column(tmp_path, capsys):
    """The library headed the per-series time messages with the time column's bare name: a time column named
    'target' with a repeated date was '--target: expected unique timestamps' in the CLI (the value column's flag)
    and 'target: ...' in the API (the argument of the value column). Oracle: the time column's own head,
    time_col 'target' (the head its date messages already had), written --time-col 'target' by the CLI."""
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import parse_series
    from toy_data import run_cli, write_frame

    frame = _days("target", dup=True)
    with pytest.raises(DataError, match=r"^time_col 'target': expected unique timestamps in series 'y'"):
        parse_series(frame, target="y", time_col="target")
    csv = write_frame(tmp_path / "t.csv", frame)
    code, _, err = run_cli(["forecast", "--csv", csv, "--time-col", "target", "--target", "y", "--model",
                            "seasonal_naive", "--horizon", "2", "--quiet"], capsys)
    assert code == 1 and "DataError: --time-col 'target': expected unique timestamps in series 'y'" in err, err


# ------------------------------------------------------------------ 5. the network's "too short" names the settings
def test_too_short_for_the_network_names_lookback_and_horizon_as_given(tmp_path, capsys):
    """'series 'y': too short for lookback 40 + horizon 2 ...' named no argument (API) and no flag (CLI): the user
    typed --lookback 40 --horizon 2. Oracle: the API's argument names, the CLI's flags, and the automatic lookback
    said to be automatic."""
    from rnnkit.errors import DataError
    from toy_data import run_cli, write_frame

    y = _monthly(50, 0, n=30)
    with pytest.raises(DataError, match=r"^series 'sales': too short for lookback=20 \+ horizon=2 \(.*\); expected at "
                                        r"least \d+ values, got 30: a longer series, or a lower lookback= or horizon=$"):
        Forecaster("gru", horizon=2, lookback=20, **TINY).fit(y)
    csv = write_frame(tmp_path / "d.csv", _days("date", n=30))
    code, _, err = run_cli(["forecast", "--csv", csv, "--time-col", "date", "--target", "y", "--model", "gru",
                            "--horizon", "2", "--lookback", "40", "--quiet"], capsys)
    assert code == 1 and "too short for --lookback 40 + --horizon 2 (" in err, err
    assert err.rstrip().endswith("a longer series, or a lower --lookback or --horizon"), err
    code, _, err = run_cli(["forecast", "--csv", csv, "--time-col", "date", "--target", "y", "--model", "gru",
                            "--horizon", "12", "--quiet"], capsys)
    assert code == 1 and "too short for the shortest automatic lookback, " in err and "+ --horizon 12 (" in err, err


# ------------------------------------------------------------------ 6. ids that show as nothing, by Unicode's list
def _panel(ids: list[str], n: int = 20) -> pd.DataFrame:
    t = pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d").tolist()
    return pd.DataFrame({"store": [i for i in ids for _ in range(n)], "date": t * len(ids),
                         "y": np.tile(np.arange(n, dtype=float) % 7 + 1, len(ids))})


BLANKS = ["\u3164", "\uffa0", "\u115f", "\u1160", "\u180e", "\u034f", "\ufe0f", "\U000e0100", "\U000e0041\U000e007f",
          "\u2800", "\u3164\u3164"]


@pytest.mark.parametrize("blank", BLANKS, ids=[ascii(b) for b in BLANKS])
def test_an_id_that_shows_as_nothing_is_blank(tmp_path, capsys, blank):
    """An id of Hangul fillers, the Mongolian vowel separator, the grapheme joiner, variation selectors or tag
    characters alone (Unicode's Default_Ignorable_Code_Point), or of braille blanks (a cell with no dots), shows as
    no id; the hand list of session 21 missed them and each was a series named so. Oracle: the rule a zero-width
    space alone already meets (refused naming the column and the row), by the API and the CLI alike."""
    from rnnkit.errors import DataError
    from toy_data import run_cli, write_frame

    frame = _panel(["a", blank])
    with pytest.raises(DataError, match=r"^id_col 'store': expected an id on every row, got 20 blank .*first in data "
                                        r"row 21\)$"):
        Forecaster("seasonal_naive", horizon=2).fit(frame, target="y", time_col="date", id_col="store")
    if blank != "\u3164":      # the CLI reads the file's cell as the frame's (one command is enough)
        return
    csv = write_frame(tmp_path / "p.csv", frame)
    code, _, err = run_cli(["forecast", "--csv", csv, "--target", "y", "--time-col", "date", "--id-col", "store",
                            "--model", "seasonal_naive", "--horizon", "2", "--quiet"], capsys)
    assert code == 1 and "--id-col 'store': expected an id on every row, got 20 blank" in err, err


def test_ids_that_differ_only_by_a_default_ignorable_character_are_refused_and_joiners_still_count():
    """'a' and 'a' + U+3164 HANGUL FILLER (or + VARIATION SELECTOR-16) were two series both printed 'a'. Oracle: the
    pair 'a' / 'a' + ZERO WIDTH SPACE, refused since session 21; emoji written with and without a zero-width
    joiner (a family, or two people) show differently and stay two series."""
    from rnnkit.errors import DataError

    for twin in ("a\u3164", "a\ufe0f", "a\U000e0041"):
        with pytest.raises(DataError, match=r"^id_col 'store': expected each id written one way, got 'a' and "
                                            r".*which differ only by default-ignorable characters"):
            Forecaster("seasonal_naive", horizon=2).fit(_panel(["a", twin]), target="y", time_col="date",
                                                        id_col="store")
    people = ["\U0001f468\u200d\U0001f469", "\U0001f468\U0001f469"]
    f = Forecaster("seasonal_naive", horizon=2).fit(_panel(people), target="y", time_col="date", id_col="store")
    assert sorted(f.predict()["id"].unique()) == sorted(people)


# ------------------------------------------------------------------ 4. trailing delimiters: columns with no name
def _trailing(tmp_path, tail: str, rows=None) -> str:
    t = pd.date_range("2024-01-01", periods=30, freq="D").strftime("%Y-%m-%d")
    y = np.arange(30) % 7 + 1.0
    body = "".join(f"{a},{b}{tail if rows is None else rows(k)}\n" for k, (a, b) in enumerate(zip(t, y)))
    path = tmp_path / "trail.csv"
    path.write_text("t,y" + tail + "\n" + body)
    return str(path)


def test_rows_ending_in_two_delimiters_read_as_the_file_without_them(tmp_path, capsys):
    """'t,y,,' on every line (a spreadsheet's or a script's trailing commas) was "expected each column name once in
    the header, got '' twice (['t', 'y', '', ''])" while one trailing comma was read; pandas reads both the same
    way. Oracle: the same file without the trailing commas -- equal frames, equal forecasts."""
    from rnnkit.data.series import read_series_csv
    from toy_data import run_cli

    plain = _trailing(tmp_path, "")
    want = read_series_csv(plain, "t")
    runs = []
    for tail in ("", ",,", ",,,"):
        path = _trailing(tmp_path, tail)
        pd.testing.assert_frame_equal(read_series_csv(path, "t", what="--csv"), want)
        code, out, err = run_cli(["forecast", "--csv", path, "--time-col", "t", "--target", "y", "--model", "ets",
                                  "--horizon", "3", "--quiet", "--json"], capsys)
        assert code == 0, err
        runs.append(json.loads(out)["forecast"])
    assert runs[1] == runs[0] and runs[2] == runs[0]


def test_two_unnamed_columns_holding_values_are_named_by_position(tmp_path):
    """Two columns with no name that hold values: the message quoted '' twice. Oracle: a line naming --csv, the
    columns by position and the first value found, and the fix (one such column is read, as pandas reads it)."""
    from rnnkit.data.series import read_series_csv
    from rnnkit.errors import DataError

    path = _trailing(tmp_path, ",,", rows=lambda k: ",8,9" if k == 3 else ",,")
    with pytest.raises(DataError, match=r"^--csv '.*trail.csv': expected a name in the header for each column that "
                                        r"holds values, got 2 columns with no name \(3 and 4 of 't,y,,'\), column 3 "
                                        r"holding '8' in data row 4: name them in the header, or remove them$"):
        read_series_csv(path, "t", what="--csv")


# ------------------------------------------------------------------ 3. spreadsheet serial days without gaps
def test_consecutive_spreadsheet_serial_days_are_read_as_steps_with_a_warning(tmp_path, capsys):
    """A time column 45292 .. 45351 (what a spreadsheet saves for daily dates formatted as numbers) is integer steps
    to the forecaster, as to pandas and Darts: no calendar, forecast times as numbers, and nothing said so (with
    weekly or monthly gaps it is already a DataError naming serials). Oracle: the steps are still read (the forecast
    equals the one of the same values at steps 0 .. 59, relabelled), a warning names the first day; steps outside
    spreadsheet days (0 .. 59, 100 .. 159) are read without one."""
    import warnings

    from toy_data import run_cli, write_frame

    y = np.arange(60) % 7 + 1.0 + np.random.default_rng(0).normal(scale=0.1, size=60)
    serial = pd.DataFrame({"t": np.arange(45292, 45352), "y": y})
    with pytest.warns(UserWarning, match=r"^time_col 't': integer steps 45292 \.\. 45351 are read as steps 1 apart, "
                                         r"without a calendar .*\(45292 = 2024-01-01\), turn them into dates first"):
        got = Forecaster("ets", horizon=3).fit(serial, target="y", time_col="t").predict()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for start in (0, 100):
            want = Forecaster("ets", horizon=3).fit(serial.assign(t=np.arange(start, start + 60)), target="y",
                                                    time_col="t").predict()
    np.testing.assert_array_equal(got["value"], want["value"])
    assert got["time"].tolist() == [45352, 45353, 45354]
    with pytest.warns(UserWarning, match=r"^--time-col 't': integer steps 45292 \.\. 45351 are read as steps"):
        code, _, err = run_cli(["forecast", "--csv", write_frame(tmp_path / "s.csv", serial), "--time-col", "t",
                                "--target", "y", "--model", "ets", "--horizon", "3", "--quiet"], capsys)
    assert code == 0, err


# ------------------------------------------------------------------ 7. a horizon whose fit does not fit in memory
def _fit_peak(model: str, frame: pd.DataFrame, horizon: int, **cols) -> int:
    """Bytes numpy and Python hold at the peak of a fit and predict (tracemalloc: the oracle of the memory check)."""
    import tracemalloc

    tracemalloc.start()
    try:
        Forecaster(model, horizon=horizon).fit(frame, target="y", time_col="t", **cols).predict()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_horizon_memory_check_is_a_floor_of_what_the_fit_holds(monkeypatch):
    """The check before a fit took 128 bytes per horizon step for one series, and no count of series: a horizon of
    1e8 passed with 21.9 GB free, then numpy's allocator failed ('Unable to allocate 2.24 GiB', or the OOM killer),
    and a panel of N series needs N times one's. Oracle: the peak a fit and predict really hold (tracemalloc) --
    with half of it left the check refuses, naming horizon (and the series); with all of it, it passes (a floor)."""
    import rnnkit._memory as mem
    from rnnkit.errors import ConfigError

    d = pd.date_range("2000-01-01", periods=60, freq="D")
    rng = np.random.default_rng(0)
    one = pd.DataFrame({"t": d, "y": np.arange(60) % 7 + 1.0 + rng.normal(scale=0.1, size=60)})
    panel = pd.concat([one.assign(id=f"s{i}") for i in range(20)])
    for frame, horizon, cols, named in ((one, 200_000, {}, r" \(\d"), (panel, 10_000, {"id_col": "id"}, r" \(for 20 series\) \(\d")):
        peak = _fit_peak("seasonal_naive", frame, horizon, **cols)
        monkeypatch.setattr(mem, "available_memory", lambda device="cpu", budget=peak // 2: budget)
        with pytest.raises(ConfigError, match=rf"^horizon: expected a horizon whose forecasts fit in memory{named}"):
            Forecaster("seasonal_naive", horizon=horizon).fit(frame, target="y", time_col="t", **cols)
        monkeypatch.setattr(mem, "available_memory", lambda device="cpu", budget=peak: budget)
        Forecaster("seasonal_naive", horizon=horizon).fit(frame, target="y", time_col="t", **cols)
        monkeypatch.undo()
