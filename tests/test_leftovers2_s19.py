"""Session 19, helper Y: the last leftovers of the sweeps (forecasting date arguments, long texts read from a
prefix). Each test fails on the code before its fix (session start a4af298) unless it says otherwise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import ConfigError

pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)

DAYS = pd.date_range("2021-01-01", periods=40, freq="D")
Y = 10.0 + np.arange(40.0) % 7 + np.linspace(0.0, 3.0, 40)


# ----------------------------------------------------------------------------- date_format / dayfirst ignored
# Before: a date_format or dayfirst given with times that need no reading (a DatetimeIndex, a datetime64 time
# column, a PeriodIndex, integer steps, a list) was ignored silently; the user believed it was applied. One rule
# for the index and the time column: refused, naming the argument.
@pytest.mark.parametrize("make, what", [
    (lambda: pd.Series(Y, index=DAYS, name="y"), r"the index: DatetimeIndex"),
    (lambda: pd.DataFrame({"t": DAYS, "y": Y}), r"time_col 't': dtype datetime64"),
    (lambda: pd.DataFrame({"t": pd.Series(list(DAYS), dtype=object), "y": Y}), r"time_col 't': dtype object"),
    (lambda: pd.Series(Y, index=pd.period_range("2000-01", periods=40, freq="M"), name="y"), r"the index: PeriodIndex"),
])
@pytest.mark.parametrize("arg", [{"date_format": "%d/%m/%Y"}, {"dayfirst": True}])
def test_a_date_argument_with_timestamps_is_refused(make, what, arg):
    from rnnkit.tasks.forecasting.inputs import parse_series

    data = make()
    cols = {"target": "y", "time_col": "t"} if isinstance(data, pd.DataFrame) else {}
    (key, value), = arg.items()
    with pytest.raises(ConfigError, match=rf"^{key}: expected None for times that are already timestamps \({what}.*"
                                          rf"got {value!r}$"):
        parse_series(data, **cols, **arg)
    assert len(parse_series(data, **cols)[0].y) == 40             # without it: read as before


@pytest.mark.parametrize("kind", ["ets", "auto", "lstm"])
def test_the_forecaster_refuses_it_before_any_training(kind):
    from rnnkit.tasks.forecasting.forecaster import Forecaster

    with pytest.raises(ConfigError, match=r"^date_format: expected None for times that are already timestamps"):
        Forecaster(kind, horizon=3).fit(pd.Series(Y, index=DAYS, name="y"), date_format="%Y-%m-%d")


def test_integer_steps_and_plain_rows_refuse_what_they_cannot_use():
    from rnnkit.tasks.forecasting.inputs import parse_series

    steps = pd.DataFrame({"t": np.arange(40), "y": Y})
    with pytest.raises(ConfigError, match=r"^dayfirst: expected None for integer time steps \(time_col 't': dtype "
                                          r"int64; .*got True$"):
        parse_series(steps, target="y", time_col="t", dayfirst=True)
    for data in (list(Y), Y, pd.Series(Y, name="y")):
        with pytest.raises(ConfigError, match=r"^date_format: expected None for data without times \(a list, an "
                                              r"array, .*got '%Y'$"):
            parse_series(data, date_format="%Y")


def test_years_in_a_range_index_are_read_with_the_format():
    # a RangeIndex 1990..2029 is integers: with a date_format they are dates written as numbers, as an integer
    # column's are (docs/forecasting.md); before, the format was ignored and the years stayed steps
    from rnnkit.tasks.forecasting.inputs import parse_series

    [s] = parse_series(pd.Series(Y, index=pd.RangeIndex(1990, 2030), name="y"), date_format="%Y")
    assert isinstance(s.index, pd.DatetimeIndex)
    assert list(s.index) == list(pd.date_range("1990-01-01", periods=40, freq="YS")) and s.date_format == "%Y"
    [steps] = parse_series(pd.Series(Y, index=pd.RangeIndex(1990, 2030), name="y"))
    assert list(steps.index) == list(range(1990, 2030))           # without a format: steps, as before


def test_a_frame_read_by_read_series_csv_keeps_its_own_format(tmp_path):
    # the time column was read with the format by read_series_csv: giving it again is no error (it was applied);
    # another format, or a dayfirst the format contradicts, is refused and names the format read
    from rnnkit.data.series import read_series_csv
    from rnnkit.tasks.forecasting.inputs import parse_series

    path = tmp_path / "s.csv"
    pd.DataFrame({"t": DAYS.strftime("%d/%m/%Y"), "y": Y}).to_csv(path, index=False)
    frame = read_series_csv(path, "t", date_format="%d/%m/%Y")
    base = parse_series(frame, target="y", time_col="t")[0]
    for ok in ({"date_format": "%d/%m/%Y"}, {"dayfirst": True}):
        again = parse_series(frame, target="y", time_col="t", **ok)[0]
        assert again.index.equals(base.index) and again.date_format == "%d/%m/%Y"
    with pytest.raises(ConfigError, match=r"^date_format: .*read with '%d/%m/%Y' by read_series_csv.*got '%m/%d/%Y'$"):
        parse_series(frame, target="y", time_col="t", date_format="%m/%d/%Y")
    with pytest.raises(ConfigError, match=r"^dayfirst: .*read with '%d/%m/%Y' by read_series_csv.*got False$"):
        parse_series(frame, target="y", time_col="t", dayfirst=False)


def test_the_cli_refuses_dayfirst_with_integer_steps(tmp_path, capsys):
    # '--dayfirst' with a --time-col of integer steps was ignored silently by 'rnnkit forecast' and by
    # 'forecast update' (read_series_csv leaves integers as steps); '--date-format' there reads them as dates
    from rnnkit.cli.main import main

    csv = tmp_path / "steps.csv"
    pd.DataFrame({"t": np.arange(40), "y": Y.round(3)}).to_csv(csv, index=False)
    fit = ["forecast", "--csv", str(csv), "--target", "y", "--time-col", "t", "--horizon", "2", "--model", "ets",
           "--quiet", "--no-plot", "--out", str(tmp_path / "run")]
    said = "--dayfirst: expected text dates in --time-col 't' (the order of their day and month), got integer steps"
    assert main(fit + ["--dayfirst"]) == 2 and said in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
    assert main(fit) == 0
    capsys.readouterr()
    new = tmp_path / "new.csv"
    pd.DataFrame({"t": [40, 41], "y": [11.0, 12.0]}).to_csv(new, index=False)
    upd = ["forecast", "update", "--run", str(tmp_path / "run"), "--quiet", "--json", "--csv", str(new)]
    assert main(upd + ["--dayfirst", "false"]) == 2 and said in capsys.readouterr().err
    assert main(upd) == 0


# ----------------------------------------------------------------------------- long texts without ASCII spaces
# Before: a text over 64 KiB with no ASCII white space after 64 KiB (one Chinese line) reached the tokenizer whole
# before max_len cut it. Now it is cut before a long-assigned punctuation mark that follows a caseless letter
# (rnnkit.data.heads); the oracle is every project tokenizer on the whole text.
_PIECES = ["中文", "我们喜欢中国菜", "，", "。", "、", "「", "」", "！", "ไทย", "ที่", "กำ", "\u0e33", "e\u0323\u0301",
           "\u0301", "한국어", "\u1100\u1161\u11a8", "\u1100", "\u1161", "\u11a8", "👨\u200d👩\u200d👧", "\u200d", "\u200c",
           "🇫🇷", "🇩", "ΑΣ.Β", "Σ", ".", ":", "'", "_", "\u00ad", "\u3000", "\u00a0", "\u0600", "\u0d4e", "عربي", "؟",
           "\u061d", "\u2e43", "カタカナ", "ー", "中\ufe00", "\uf900", "\u0915\u094d\u0937", "।", "abc", "ABC", "123",
           "\u037e", "\u0387", "·", "-", "\U00020000"]


def _hostile_line(seed: int, n: int = 80_000) -> str:
    rng = np.random.default_rng(seed)
    out, size = [], 0
    while size < n:
        piece = _PIECES[int(rng.integers(len(_PIECES)))]
        out.append(piece)
        size += len(piece)
    return "".join(out)


def _tokenizers():
    from rnnkit.data.segment import pku_segmenter
    from rnnkit.data.subword import BPEVocab
    from rnnkit.data.vocab import tokenize

    seg = pku_segmenter()
    bpe = BPEVocab.train("".join(_PIECES) * 4 + _hostile_line(99, 5_000), vocab_size=400)
    units = {"words": lambda t: tokenize(t, "words"), "words lowercase": lambda t: tokenize(t, "words", True),
             "chars": lambda t: tokenize(t, "chars"), "chars lowercase": lambda t: tokenize(t, "chars", True),
             "segmented": lambda t: seg.tokens(t, True), "bpe": lambda t: bpe.pieces(bpe.encode(t.lower()))}
    from rnnkit.tasks.classify_pretrained import WordPieces, installed
    if installed():        # the pretrained tokenizer's package (a test dependency)
        wp = WordPieces.from_package()
        units["wordpiece"] = lambda t: wp.tokens([t])[0]
    return units


def test_a_long_line_without_ascii_spaces_is_read_from_a_prefix_with_the_whole_texts_tokens():
    from rnnkit.data.heads import Head, head_tokens

    texts = [_hostile_line(seed) for seed in range(3)]
    assert not any(c in " \t\n\r\f\v" for t in texts for c in t)
    for unit, one in _tokenizers().items():
        seen: list[int] = []

        def tokenize(batch, one=one, seen=seen):
            seen.extend(len(t) for t in batch)
            return [one(t) for t in batch]

        for max_len in (5, 300, 4000):
            seen.clear()
            heads = head_tokens(texts, tokenize, max_len)
            assert max(seen) < min(map(len, texts)), (unit, max_len)      # no text reached the tokenizer whole
            for text, head in zip(texts, heads):
                whole = one(text)
                assert isinstance(head, Head) and len(head) >= max_len + 1, (unit, max_len)
                assert head == whole[:len(head)], (unit, max_len)


def test_the_marks_cut_before_join_nothing_in_any_tokenizer():
    # the rule behind the cut, checked on every mark it may cut before and every caseless letter class the
    # hostile line holds: each tokenizer's tokens of a + mark + b are a's tokens, then those of mark + b; NFC
    # never composes across the cut (no mark has a combining class or takes part in a composition)
    import sys
    import unicodedata

    from rnnkit.data.heads import _mark_cut

    cut = _mark_cut()
    marks = [chr(c) for c in range(sys.maxunicode + 1) if (m := cut.search("中" + chr(c))) and m.start() == 1]
    assert 200 < len(marks) < 300 and "，" in marks and "_" not in marks and "\u061d" not in marks
    seconds = {d.split()[1] for c in range(sys.maxunicode + 1) if (d := unicodedata.decomposition(chr(c)))
               and not d.startswith("<") and len(d.split()) == 2}
    for mark in marks:
        assert unicodedata.combining(mark) == 0 and f"{ord(mark):04X}" not in seconds
        assert unicodedata.normalize("NFC", mark)[0] == unicodedata.normalize("NFD", mark)[0] or \
            unicodedata.combining(unicodedata.normalize("NFD", mark)[0]) == 0
    lefts = ["ไทย", "中文", "한국", "カナ", "עבר", "عرب", "\u1100", "\u0915\u094d\u0915", "\u0600\u0628", "ΑΣ\u05d0",
             "\uf900", "\U00020000"]
    rights = ["ไทย", "中文", "abc", "\u0301x", "Σ", "ΣΑ", "\u1161", "\u200d👍", "", ".", "\u0e33"]
    for unit, one in _tokenizers().items():
        for a in lefts:
            base = one(a)
            for mark in marks:
                for b in rights:
                    text = a + mark + b
                    assert cut.search(text, len(a)).start() == len(a)
                    got = one(text)
                    assert got[:len(base)] == base, (unit, a, mark, b)
                    if unit not in ("bpe", "wordpiece"):       # subword pieces of mark + b alone may differ at b
                        assert got[len(base):] == one(mark + b), (unit, a, mark, b)


# ----------------------------------------------------------------------------- forecast --backtest reads once
def _count_readings(monkeypatch):
    from rnnkit.tasks.forecasting import inputs

    calls = []
    real = inputs._one_series
    monkeypatch.setattr(inputs, "_one_series", lambda frame, sid, *a, **k: calls.append(sid) or real(frame, sid, *a, **k))
    return calls


def test_forecast_with_a_backtest_reads_its_table_once_with_the_same_outputs(tmp_path, monkeypatch, capsys):
    # before: the backtest and the fit each read the frame (parse_series: a frequency inference per series, ~1.7 ms
    # CPU a series, helper P); now the fit takes a copy of the backtest's reading. Oracle: the run with the copy
    # turned off writes the same forecast.csv and the same metrics (timings aside)
    import json

    from rnnkit.cli.main import main
    from rnnkit.tasks.forecasting import inputs

    csv = tmp_path / "panel.csv"
    frame = pd.DataFrame({"date": np.tile(DAYS.strftime("%d/%m/%Y"), 2), "id": np.repeat(["a", "b"], 40),
                          "y": np.concatenate([Y, Y[::-1] + 1.0]).round(3)})
    frame.loc[7, "y"] = np.nan
    frame.to_csv(csv, index=False)

    def run(out):
        argv = ["forecast", "--csv", str(csv), "--target", "y", "--time-col", "date", "--id-col", "id", "--dayfirst",
                "--horizon", "3", "--backtest", "2", "--model", "ets", "--quiet", "--no-plot", "--out", str(out)]
        assert main(argv) == 0
        capsys.readouterr()
        metrics = json.loads((out / "metrics.json").read_text())
        for key in ("timing", "backtest_details"):
            metrics.pop(key)
        return (out / "forecast.csv").read_bytes(), metrics

    calls = _count_readings(monkeypatch)
    once = run(tmp_path / "once")
    assert sorted(calls) == ["a", "b"]                  # each series read once (twice before)
    calls.clear()
    monkeypatch.setattr(inputs, "kept", lambda data, args: None)       # the copy turned off
    twice = run(tmp_path / "twice")
    assert sorted(calls) == ["a", "a", "b", "b"]
    assert once == twice


def test_reading_once_holds_only_inside_the_block_and_hands_out_copies(monkeypatch):
    # the Python API keeps nothing: a frame changed between two fits is read again
    from rnnkit.tasks.forecasting.inputs import parse_series
    from rnnkit.tasks.forecasting.parse_once import parsed_once

    frame = pd.DataFrame({"t": DAYS, "y": Y.copy()})
    calls = _count_readings(monkeypatch)
    parse_series(frame, target="y", time_col="t")
    frame.loc[0, "y"] = -50.0
    assert parse_series(frame, target="y", time_col="t")[0].y[0] == -50.0 and len(calls) == 2
    with parsed_once():
        first = parse_series(frame, target="y", time_col="t")
        first[0].y[:] = 0.0                               # a caller's change to its series is its own
        again = parse_series(frame, target="y", time_col="t")
        other = parse_series(frame.copy(), target="y", time_col="t")      # another object: read
        moved = parse_series(frame, target="y", time_col="t", allow_constant=True)   # other arguments: read
    assert len(calls) == 5
    assert np.array_equal(again[0].y, other[0].y) and again[0].y[0] == -50.0 and again[0].index.equals(other[0].index)
    assert np.array_equal(moved[0].y, other[0].y)
    parse_series(frame, target="y", time_col="t")
    assert len(calls) == 6                                # the block is over: nothing kept
