"""Session 19's hostile review (helper V): valid inputs that this session's new checks and warnings refused or
warned about. Each test fails on the code before its fix."""

from __future__ import annotations

import warnings

import pytest


def _twice(text: str) -> str:
    """``text`` encoded twice: its UTF-8 bytes read as Windows-1252 (Latin-1 for the five bytes it leaves undefined)."""
    return "".join(chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
                   for b in text.encode("utf-8"))


# ------------------------------------------------------------------ data.encoding: text typed once, not warned
TYPED_ONCE = ["le «CAFÉ» est ouvert", "viaje a «PERÚ»", "cet «ÉTÉ»", "“PERÚ…” y “OLÉ—”", "JOSÉ’S new album",
              "a room of 12 m×²", "«ÉL» dijo «SÍ»"]


@pytest.mark.parametrize("line", TYPED_ONCE)
def test_an_accented_capital_before_punctuation_is_not_text_encoded_twice(line, tmp_path):
    """An accented capital glued to a guillemet, a quote, a dash or an ellipsis is a UTF-8 sequence read as
    Windows-1252 (``É»`` is the bytes C9 BB, IPA's ``ɻ``; ``Ú…`` an Arabic letter): legitimate French, Spanish and
    Portuguese text was warned as mojibake, naming a letter nobody wrote. Oracle: the same line encoded twice is
    still warned (the warning keeps its purpose)."""
    from rnnkit.data.encoding import twice_encoded_lines
    from rnnkit.data.text import read_utf8

    assert twice_encoded_lines(line)[0] == 0
    f = tmp_path / "once.txt"
    f.write_text(line + "\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_utf8(f) == line + "\n"
    assert twice_encoded_lines(_twice(line))[0] == 1


@pytest.mark.parametrize("text", ["привет мир", "и", "Ελληνικά", "مرحبا", "שלום", "2024年5月", "iPhone手机",
                                  "Tiếng Việt", "Łódź", "ș", "😀", "naïve", "Straße", "don’t"])
def test_text_of_any_script_encoded_twice_is_still_found(text):
    """The rule that spares text typed once keeps every script's text encoded twice: a word of Cyrillic, Greek,
    Arabic, Hebrew or CJK encoded twice has a letter not glued to an ASCII letter."""
    from rnnkit.data.encoding import twice_encoded_lines

    assert twice_encoded_lines(text)[0] == 0
    assert twice_encoded_lines(_twice(text))[0] == 1


# ------------------------------------------------------------------ export.load_runner: an input named 'lengths'
def test_load_runner_bounds_the_sequence_lengths_not_a_feature_named_lengths(tmp_path):
    """load_runner's feed check bounded any input NAMED 'lengths' by the time axis: a module's float feature so named
    (a cable's length in metres, 12.5) was refused as 'lengths: expected values in [0, 5] ..., got min 12, max 12'
    (the value shown truncated). The description now records each input's kind; one written before it bounds an
    integer 'lengths' only. Oracle: the program itself, run unchecked; the sequence lengths stay checked."""
    import json

    import torch

    import rnnkit
    from rnnkit.errors import ShapeError
    from rnnkit.export import InputSpec, load_runner
    from rnnkit.export.api import _runner

    class Cable(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = rnnkit.GRU(2, 3, batch_first=True)

        def forward(self, x, lengths):   # 'lengths': a float feature per step, not sequence lengths
            return self.gru(torch.cat([x, lengths.unsqueeze(-1)], -1))[0]

    torch.manual_seed(0)
    path = tmp_path / "cable.pt2"
    rnnkit.export(Cable(), path, format="torch-export",
                  inputs=[InputSpec("x", ("batch", "time", 1)), InputSpec("lengths", ("batch", "time"))])
    x, metres = torch.randn(2, 5, 1), torch.full((2, 5), 12.5)
    want = _runner(path, "torch-export")(x, metres)[0]
    side = tmp_path / "cable.pt2.json"
    info = json.loads(side.read_text())
    assert (load_runner(path, "torch-export")(x, metres)[0] == want).all()
    assert [i["kind"] for i in info["inputs"]] == ["normal", "normal"]
    for i in info["inputs"]:   # a description written before kinds were recorded
        del i["kind"]
    side.write_text(json.dumps(info))
    assert (load_runner(path, "torch-export")(x, metres)[0] == want).all()
    gru = tmp_path / "gru.pt2"   # the sequence lengths: bounded as before
    rnnkit.export(rnnkit.GRU(3, 4, batch_first=True), gru, format="torch-export", lengths=True)
    with pytest.raises(ShapeError, match=r"^lengths: expected values in \[0, 5\] \(the inputs' time axis\), got min 5, "
                                         r"max 9$"):
        load_runner(gru, "torch-export")(torch.randn(2, 5, 3), torch.zeros(1, 2, 4), torch.tensor([5, 9]))


# ------------------------------------------------------------------ ForecastConfig: numpy levels in a list
def test_quantile_levels_given_as_numpy_floats_in_a_list_are_taken():
    """The numpy-scalar rule (a numpy floating is a float) reached every scalar field of ForecastConfig but not the
    levels of a list: quantiles=[np.float32(0.1), 0.9] (levels picked from a float32 array) was refused as
    'quantiles: expected a number in (0.0, 1.0), got np.float32(0.1)', a message the value satisfies, while the same
    levels as a float32 ARRAY were taken. Oracle: the array's levels; bools and text stay refused."""
    import numpy as np

    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting import ForecastConfig

    want = ForecastConfig(horizon=3, quantiles=np.array([0.1, 0.5, 0.9], dtype=np.float32)).quantiles
    assert ForecastConfig(horizon=3, quantiles=[np.float32(0.1), np.float32(0.5), np.float32(0.9)]).quantiles == want
    got = ForecastConfig(horizon=3, quantiles=(np.float16(0.5), 0.1, np.float32(0.9))).quantiles
    assert got == (0.1, 0.5, float(np.float32(0.9))) and all(type(v) is float for v in got)
    for bad in ([np.True_, 0.5], [True], ["0.5"]):
        with pytest.raises(ConfigError, match=r"^quantiles: expected a number in \(0\.0, 1\.0\), got "):
            ForecastConfig(horizon=3, quantiles=bad)


# ------------------------------------------------------------------ forecast columns: the near column's hint
def test_a_column_in_another_unicode_form_is_named_escaped_and_update_target_gets_the_hint():
    """a9ce282's hint names a column that differs from the one asked only by spaces or case. A header in NFD
    ('Umsa' + U+0308 'tze', as macOS file names write it) against target 'Umsätze' printed "column 'Umsätze' not
    found; expected one of ['Datum', 'Umsätze']" -- two names identical on screen, no hint; a name whose case folding
    decomposes it (U+1E97 'ẗ') was said to differ 'only by case'. And update's own target lookup (a frame whose
    value column is ' y' or 'Y') had no hint at all, while its time column had one."""
    import re
    import sys

    import pandas as pd

    from rnnkit.errors import DataError

    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from test_forecast_hostile_s19 import IDX, VALS, _ets

    nfd = "Umsa\u0308tze"
    with pytest.raises(DataError, match="^" + re.escape(
            f"target: column 'Umsätze' not found; expected one of ['Datum', '{nfd}'] ('Umsa\\u0308tze' differs from "
            "'Ums\\xe4tze' only by its Unicode form (NFD: an accent stored as a character of its own): name the column "
            "as written, or normalise both to NFC)") + "$"):
        _ets(pd.DataFrame({"Datum": IDX, nfd: VALS}), time_col="Datum", target="Umsätze")
    assert _ets(pd.DataFrame({"Datum": IDX, nfd: VALS}), time_col="Datum", target=nfd).predict() is not None
    with pytest.raises(DataError, match=r"only by its Unicode form"):
        _ets(pd.DataFrame({"Zeitpunkt\u0308": IDX, "y": VALS}), time_col="Zeitpunk\u1e97", target="y")
    fit = _ets(pd.DataFrame({"date": IDX, "y": VALS}), time_col="date", target="y")
    new = pd.date_range("2024-01-01", periods=2, freq="MS")
    for col, how in ((" y", "spaces at its ends"), ("Y", "case")):
        with pytest.raises(DataError, match=rf"^new_points: target column 'y' not found; expected one of \['date', "
                                            rf"'{col}'\] \('{col}' differs from 'y' only by {how}"):
            fit.update(pd.DataFrame({"date": new, col: [1.0, 2.0]}))
    assert fit.update(pd.DataFrame({"date": new, "y": [1.0, 2.0]}))["time"].tolist()[0] == pd.Timestamp("2024-03-01")


# ------------------------------------------------------------------ the numpy-scalar rule: a duration is no count
@pytest.mark.parametrize("make", ["TrainConfig", "ForecastConfig", "check_int", "check_number"])
def test_a_numpy_duration_is_not_taken_as_a_count(make):
    """numpy makes np.timedelta64 an integer type, so the numpy-scalar rule's numbers.Integral took
    np.datetime64('2024-03') - np.datetime64('2024-01') (np.timedelta64(2, 'M'): two MONTHS) as the count 2:
    TrainConfig(epochs=...) since 520a849, ForecastConfig(horizon=...) (2 steps of any frequency) and check_int
    before it; check_number(np.timedelta64(3, 'D')) was float()'s bare TypeError. Oracle: the same number as
    np.int64 is taken."""
    import numpy as np

    from rnnkit._validate import check_int, check_number
    from rnnkit.errors import ConfigError, InputTypeError
    from rnnkit.tasks.forecasting import ForecastConfig
    from rnnkit.training import TrainConfig

    build = {"TrainConfig": lambda v: TrainConfig(epochs=v).epochs,
             "ForecastConfig": lambda v: ForecastConfig(horizon=v).horizon,
             "check_int": lambda v: check_int("n", v), "check_number": lambda v: check_number("n", v)}[make]
    assert build(np.int64(2)) == 2 and type(build(np.int64(2))) is int
    for duration in (np.datetime64("2024-03") - np.datetime64("2024-01"), np.timedelta64(3, "D"), np.timedelta64(2)):
        with pytest.raises((ConfigError, InputTypeError), match=r"^(epochs|horizon|n): expected a (positive int|number)"
                                                                 r".*, got np\.timedelta64\("):
            build(duration)


def test_a_numpy_long_double_is_stored_as_a_python_float():
    """plain() / plain_fields() stored numpy numbers by .item(), which keeps np.longdouble a numpy float: a TrainConfig
    with lr=np.longdouble('0.01') or max_seconds=np.longdouble(5) held np.longdouble and json.dumps(asdict(cfg))
    raised 'Object of type longdouble is not JSON serializable' (the rule's promise: stored as the Python value).
    Oracle: the same config from np.float64."""
    import dataclasses
    import json

    import numpy as np

    from rnnkit._validate import plain
    from rnnkit.training import TrainConfig
    from rnnkit.training.config import OptimConfig

    got = TrainConfig(optim=OptimConfig(lr=np.longdouble("0.01")), max_seconds=np.longdouble(5))
    want = TrainConfig(optim=OptimConfig(lr=np.float64(0.01)), max_seconds=np.float64(5))
    assert json.dumps(dataclasses.asdict(got)) == json.dumps(dataclasses.asdict(want))
    assert type(plain(np.longdouble(2.5))) is float and type(plain(np.uint64(7))) is int and plain(np.True_) is True


def test_forecast_list_settings_take_a_numpy_array_as_quantiles_does():
    """ForecastConfig took quantiles=np.linspace(...) (408aeec) but refused lookback_candidates=np.arange(12, 49, 12)
    as 'expected a non-empty tuple of positive ints, got array([12, 24, 36, 48])' and candidates=np.array(['ets',
    'theta']) as 'expected a non-empty list of names'. Oracle: the same values as lists; a 2-D array and float
    lookbacks stay refused."""
    import dataclasses
    import json

    import numpy as np

    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting import ForecastConfig

    got = ForecastConfig(horizon=3, model="lstm", lookback_candidates=np.arange(12, 49, 12))
    assert got == ForecastConfig(horizon=3, model="lstm", lookback_candidates=[12, 24, 36, 48])
    assert ForecastConfig(horizon=3, candidates=np.array(["ets", "theta"])) == ForecastConfig(
        horizon=3, candidates=["ets", "theta"])
    json.dumps(dataclasses.asdict(got))
    for bad in (np.array([[12, 24]]), np.array([12.0])):
        with pytest.raises(ConfigError, match=r"^lookback_candidates: expected a non-empty tuple of positive ints"):
            ForecastConfig(horizon=3, model="lstm", lookback_candidates=bad)


def test_sequential_digits_names_a_seed_outside_sklearns_range():
    """The experiments take seeds in torch's range [0, 2**64) (check_seed), and the digits tasks split the data with
    sklearn's train_test_split, whose random_state stops at 2**32 - 1: 'rnnkit experiment' with a digits task and
    seed 2**32 was sklearn's InvalidParameterError ('The 'random_state' parameter of train_test_split must be ...')
    when the run began. Oracle: the largest seed sklearn takes still splits."""
    import numpy as np

    from rnnkit.errors import ConfigError
    from rnnkit.experiments.data import sequential_digits

    (xtr, _), _ = sequential_digits(seed=2 ** 32 - 1)
    assert xtr.shape[1:] == (64, 1)
    for bad in (2 ** 32, np.uint64(2 ** 40), -1):
        with pytest.raises(ConfigError, match=r"^seed: expected an int in \[0, 2\*\*32\) \(sklearn's random_state "
                                              r"splits the digits\), got "):
            sequential_digits(seed=bad)
