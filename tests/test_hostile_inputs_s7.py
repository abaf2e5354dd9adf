"""Hostile inputs, session 7 sweep: files (CSV rows wider or narrower than their header, a column name
given twice), ... Each case says what happened before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError


def _one_line(excinfo) -> str:
    text = str(excinfo.value)
    assert "\n" not in text, text
    return text


_ROWS = [f"2021-01-{i + 1:02d},{i * 1.5}" for i in range(20)]


@pytest.mark.parametrize("lines, expected", [
    # every row one field wider than the header: pandas made the dates the index and read 't' from the
    # values and 'y' from the third field -- a forecast of the wrong column on integer steps, no error
    (["t,y"] + [f"{r},{100 + i}" for i, r in enumerate(_ROWS)],
     r"expected 2 fields per row \(as the header\), got 3 at row 2 \(line 2; a field holding the delimiter must"),
    # a column name twice: pandas renamed the second 'y.1' and --target y took the first, silently
    (["t,y,y"] + [f"{r},{100 + i}" for i, r in enumerate(_ROWS)],
     r"expected each column name once in the header, got 'y' twice"),
    # a short last row: read as a missing value and interpolated
    (["t,y"] + _ROWS + ["2021-01-21"], r"got 1 at row 22 \(line 22; a missing value is an empty field\)"),
])
def test_series_csv_rows_must_match_the_header(tmp_path, lines, expected):
    from rnnkit.data.series import read_series_csv

    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=expected) as e:
        read_series_csv(path, "t", what="--csv")
    assert _one_line(e).startswith(f"--csv {str(path)!r}: ")


def test_series_csv_well_formed_variants_read_as_pandas_reads_them(tmp_path):
    # the oracle: pandas on the plain file; a BOM, CRLF line ends, blank trailing lines and a quoted
    # field change nothing
    from rnnkit.data.series import read_series_csv

    plain = "t,y\n" + "\n".join(_ROWS) + "\n"
    (tmp_path / "plain.csv").write_text(plain)
    oracle = pd.read_csv(tmp_path / "plain.csv", parse_dates=["t"])
    variants = {"bom.csv": ("\ufeff" + plain).encode(), "crlf.csv": plain.replace("\n", "\r\n").encode(),
                "blank.csv": (plain + "\n\n").encode(), "quoted.csv": plain.replace(",0.0", ',"0.0"').encode()}
    for name, data in variants.items():
        (tmp_path / name).write_bytes(data)
        frame = read_series_csv(tmp_path / name, "t")
        assert list(frame.columns) == ["t", "y"], name
        np.testing.assert_array_equal(frame["y"].to_numpy(), oracle["y"].to_numpy())
        assert (frame["t"].to_numpy() == oracle["t"].to_numpy()).all(), name


def test_series_csv_that_is_not_utf8_names_the_line(tmp_path):
    # before: "... ('utf-8' codec can't decode byte 0xe9 in position 3: unexpected end of data)" (a position
    # in pandas' buffer, not in the file)
    from rnnkit.data.series import read_series_csv

    path = tmp_path / "latin1.csv"
    path.write_bytes(("t,y\n" + "\n".join(_ROWS) + "\n").encode() + "2021-01-21,caf\xe9\n".encode("latin1"))
    with pytest.raises(DataError, match=r"^csv: expected UTF-8 text, got invalid byte 0xe9 in .* at line 22 "
                                        r"\(Windows-1252 or Latin-1 text\? save it as UTF-8, .*\)$"):   # hint: s19
        read_series_csv(path, "t")


@pytest.mark.parametrize("text, expected", [
    # 'hello, world,pos' under 'text,label': text 'hello', label ' world', 'pos' dropped -- no error
    ("text,label\nhello, world,pos\nbad,neg\n", r"expected 2 fields per row \(as the header\), got 3 at row 2"),
    # a column name twice: the dict reader kept the last 'text' column
    ("text,label,text\nhello,pos,other\nbad,neg,x\n", r"expected each column name once in the header, got 'text'"),
])
def test_text_csv_rows_must_match_the_header(tmp_path, text, expected):
    from rnnkit.data.text import read_csv_texts

    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=expected) as e:
        read_csv_texts(path)
    _one_line(e)
    path.write_text('text,label\n"hello, world",pos\n"two\nlines",neg\n')       # quoted: read as written
    assert read_csv_texts(path) == (["hello, world", "two\nlines"], ["pos", "neg"])


@pytest.mark.parametrize("text, expected", [
    ('text,label\n"never closed,pos\nbad,neg\n', r"expected well-formed CSV, got unexpected end of data at line 3$"),
    ('text,label\n"a"b,pos\nbad,neg\n', r"""expected well-formed CSV, got ',' expected after '"' at line 2$"""),
    # classic-Mac line ends: the csv module's "_csv.Error: new-line character seen in unquoted field - do you
    # need to open the file in universal-newline mode?" (a traceback, exit 1 with no file named)
    ("text,label\rhello,pos\rbad,neg\r", r"got a line ended by a lone carriage return \(CR; lines end with LF or "
                                         r"CRLF\) at line 1$"),
])
def test_malformed_csv_quoting_is_a_data_error_naming_the_line(tmp_path, text, expected):
    # '"a"b' was read as 'ab' (the csv module's lenient mode), an unclosed quote swallowed the rest of the file
    from rnnkit.data.series import read_series_csv
    from rnnkit.data.text import read_csv_texts

    path = tmp_path / "t.csv"
    path.write_text(text, newline="")
    for read in (read_csv_texts, read_series_csv):
        with pytest.raises(DataError, match=expected) as e:
            read(path)
        _one_line(e)


def test_a_field_longer_than_the_csv_module_limit_is_read_whole(tmp_path):
    # a 200,000-character text: '_csv.Error: field larger than field limit (131072)' (uncaught, exit 1
    # with a bare csv error); the oracle is the text written
    import csv

    from rnnkit.data.text import read_csv_texts

    long = "word " * 40_000
    path = tmp_path / "long.csv"
    path.write_text(f"text,label\n{long},pos\nshort,neg\n")
    limit = csv.field_size_limit()
    assert read_csv_texts(path) == ([long, "short"], ["pos", "neg"])
    assert csv.field_size_limit() == limit                  # the process-wide limit is left as it was


def test_series_time_columns_of_durations_or_huge_unsigned_steps_are_data_errors():
    # a Timedelta column (it has an isoformat, so it was taken for timestamps): a bare TypeError from
    # pd.to_datetime; uint64 steps from 2**63 up were cast to int64 and wrapped to -2**63 (times in the
    # wrong order, no error)
    from rnnkit.tasks.forecasting.inputs import parse_series

    n = 30
    y = np.sin(np.arange(n)) + 5
    cases = [(pd.to_timedelta(np.arange(n), unit="h"), r"^time_col 't': expected dates as text or timestamps, got "
                                                         r"Timedelta\('0 days 00:00:00'\) \(Timedelta\)$"),
             (np.arange(n, dtype=np.uint64) + np.uint64(2 ** 63),
              r"^time_col 't': expected integer steps below 2\*\*63, got 9223372036854775837$")]
    for t, pattern in cases:
        with pytest.raises(DataError, match=pattern):
            parse_series(pd.DataFrame({"t": t, "y": y}), target="y", time_col="t")
    # the oracle for what still reads: uint64 steps below 2**63 equal the same int64 steps
    [a] = parse_series(pd.DataFrame({"t": np.arange(n, dtype=np.uint64) + np.uint64(7), "y": y}), target="y", time_col="t")
    [b] = parse_series(pd.DataFrame({"t": np.arange(n) + 7, "y": y}), target="y", time_col="t")
    assert a.index.tolist() == b.index.tolist() and np.array_equal(a.y, b.y)



def test_lone_surrogates_are_refused_before_a_fit_not_at_save(tmp_path):
    # 'ab\ud800c' (bytes decoded with surrogateescape, half of a UTF-16 pair) trained a char LM / a tagger,
    # then save() raised a bare UnicodeEncodeError writing vocab.json: the fit was lost
    from rnnkit.tasks.common import check_labels
    from rnnkit.tasks.generation import CharLM, CharLMConfig
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    tiny = dict(rounds=2, chunks_per_round=2, bptt=10, batch_size=4, hidden_size=8, embed_dim=4, val_streams=2,
                progress=False)
    pattern = r"expected valid Unicode \(UTF-8 encodable\), got a lone surrogate '\\ud800' at character 2$"
    with pytest.raises(DataError, match="^text: " + pattern):
        CharLM(CharLMConfig(**tiny)).fit("ab\ud800c" * 100, baselines=False)
    with pytest.raises(DataError, match=r"^sentences\[1\]\[0\]: " + pattern):
        SequenceTagger(TaggerConfig(epochs=1, progress=False)).fit([["ok"], ["ab\ud800"]] * 4, [["O"], ["O"]] * 4)
    with pytest.raises(DataError, match=r"^y\[1\]: " + pattern):
        check_labels(["pos", "ne\ud800g"], "y")
    # the oracle for valid text beyond the BMP: an emoji text fits, saves and loads with the same vocabulary
    lm = CharLM(CharLMConfig(**tiny)).fit("a\U0001F600b " * 100, baselines=False)
    lm.save(tmp_path / "run")
    assert CharLM.load(tmp_path / "run").chars.tokens == lm.chars.tokens


@pytest.mark.parametrize("kwargs, pattern", [
    # the target as its own future covariate: the network reads y_t to predict y_t (a leak; no error)
    (dict(future_covariates=["y"]), r"^future_covariates: expected a column not already used as target, got 'y'"),
    (dict(past_covariates=["x"], future_covariates=["x"]),
     r"^future_covariates: expected a column not already used as past_covariates, got 'x'"),
    (dict(past_covariates=["x", "x"]), r"^past_covariates: expected a column not already used as past_covariates"),
    # the time column as the id: 't: expected at least 2 timestamps to infer a frequency, got 1' (every
    # series one row long; the cause not named)
    (dict(id_col="t"), r"^id_col: expected a column not already used as time_col, got 't' \(each column has one role\)$"),
    (dict(id_col="y"), r"^id_col: expected a column not already used as target, got 'y'"),
])
def test_a_column_in_two_roles_is_a_config_error(kwargs, pattern):
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting.inputs import parse_series

    n = 40
    df = pd.DataFrame({"t": pd.date_range("2021-01-01", periods=n).astype(str),
                       "y": 50 + 10 * np.sin(np.arange(n) / 3), "x": np.arange(n, dtype=float)})
    with pytest.raises(ConfigError, match=pattern):
        parse_series(df, target="y", time_col="t", **kwargs)
    [s] = parse_series(df, target="y", time_col="t", past_covariates=["x"])       # one role each: read
    np.testing.assert_array_equal(s.past[:, 0], df["x"].to_numpy())


def test_tsc_long_csv_roles_name_different_columns(tmp_path):
    # `rnnkit tsc train --csv f.csv --id-col time` (time_col 'time' by default): "expected numbers in ['time',
    # 'id', 'v'] at row 2" -- the ids read as values, the cause (one column in two roles) not named
    from rnnkit.data.tsc import read_long_csv

    rows = ["id,time,v,label"] + [f"s{s},{t},{s + t},{'ab'[s % 2]}" for s in range(2) for t in range(3)]
    (tmp_path / "l.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"expected time_col to name a column other than id_col, got 'time' for both$"):
        read_long_csv(tmp_path / "l.csv", id_col="time")
    with pytest.raises(DataError, match=r"expected label_col to name a column other than id_col, got 'id' for both$"):
        read_long_csv(tmp_path / "l.csv", label_col="id")
    X, y = read_long_csv(tmp_path / "l.csv")                     # distinct roles: read as written
    assert y == ["a", "b"] and X[1].ravel().tolist() == [1.0, 2.0, 3.0]


def test_a_json_file_with_a_key_twice_is_a_checkpoint_error(tmp_path):
    # config.json / metrics.json / a state file with '"hidden_size": 8, "hidden_size": 16' loaded with the last
    # value (json.loads), as serve's bodies did; which one the writer meant is unknown
    from rnnkit._io import read_json
    from rnnkit.errors import CheckpointError

    path = tmp_path / "config.json"
    path.write_text('{"task": "tsc", "config": {"hidden_size": 8, "hidden_size": 16}}')
    with pytest.raises(CheckpointError, match=r"config\.json: expected a run config, got invalid JSON \(key "
                                              r"'hidden_size' given twice in one object\)$"):
        read_json(path, "a run config")
    path.write_text('{"a": {"b": 1}, "b": 2}')                 # one key in two objects is fine
    assert read_json(path) == {"a": {"b": 1}, "b": 2}
