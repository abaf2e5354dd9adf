"""Hostile inputs, session 5 sweep: forecasting, tagging and data loaders with the shapes real users
bring. Each test is a defect found by the sweep (it failed before its fix) or the oracle of a fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries.frequency import infer_frequency


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_frequency_from_few_or_gappy_timestamps_reads_the_index_unit(unit):
    # pandas 3 keeps string-parsed timestamps in 's'/'us': the modal-step fallback (two stamps, or a gap
    # in a short series) read asi8 as nanoseconds and inferred '86400ms' (1000 stamps per day to fill)
    days = pd.DatetimeIndex(["2020-01-01", "2020-01-02"]).as_unit(unit)
    assert infer_frequency(days).freq == "D"
    assert infer_frequency(days).missing_stamps == 0
    gappy = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-04"]).as_unit(unit)
    info = infer_frequency(gappy)
    assert (info.freq, info.missing_stamps, info.off_grid) == ("D", 1, 0)
    hours = pd.DatetimeIndex(["2020-01-01 00:00", "2020-01-01 06:00"]).as_unit(unit)
    # the oracle: the step itself, as pandas names it
    assert pd.tseries.frequencies.to_offset(infer_frequency(hours).freq) == pd.Timedelta(hours=6)
    weekly = pd.DatetimeIndex(["2020-01-06", "2020-01-13"]).as_unit(unit)
    # two Mondays: the weekly grid pandas names from three (session 14: 'W-MON', the modal '7D' before)
    assert infer_frequency(weekly).freq == pd.infer_freq(pd.DatetimeIndex(["2020-01-06", "2020-01-13", "2020-01-20"]))


def test_most_frequent_tag_refuses_mismatched_or_empty_training_data():
    from rnnkit.errors import DataError
    from rnnkit.tasks.tagging import MostFrequentTag

    # a tag list shorter than its sentence was zipped away silently (the baseline trained on less)
    with pytest.raises(DataError, match=r"tags\[0\]: expected one tag per token \(2\), got 1"):
        MostFrequentTag().fit([["a", "b"]], [["X"]])
    with pytest.raises(DataError, match=r"tags: expected one tag list per sentence \(2\), got 1"):
        MostFrequentTag().fit([["a"], ["b"]], [["X"]])
    # nothing to count: min() of an empty sequence before
    with pytest.raises(DataError, match=r"sentences\[0\]: expected at least one token"):
        MostFrequentTag().fit([[]], [[]])
    # the oracle for well-formed data: counts by hand (pairs form and two-list form agree)
    pairs = [(["the", "Cat"], ["O", "B-animal"]), (["the"], ["O"]), (["cat"], ["I-animal"])]
    a = MostFrequentTag().fit(pairs)
    b = MostFrequentTag().fit([s for s, _ in pairs], [t for _, t in pairs])
    assert a.table == b.table == {"the": "O", "Cat": "B-animal", "cat": "I-animal"}
    assert a.predict([["THE", "dog"]]) == [["O", "O"]]


def test_memory_check_names_the_flag_left_at_a_none_default(capsys):
    # `rnnkit forecast --model ets --horizon 1000000000` said "--hidden-size: ... got 32" (a default the
    # user never typed): flags whose default is None were never tried, so the first flag took the blame
    import argparse

    from rnnkit.cli.common import check_memory
    from rnnkit.errors import ConfigError

    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden-size", type=int, default=32)
    parser.add_argument("--horizon", type=int, default=None)
    args = parser.parse_args(["--horizon", "1000000000"])
    args._parser = parser

    def need(a):   # the oracle: bytes grow with both sizes; None horizon costs 1 step
        return 16 * a.hidden_size * (a.horizon or 1) * 10**6

    with pytest.raises(ConfigError, match=r"^--horizon: expected a size that fits in memory .* got 1000000000,"):
        check_memory(args, need, ["--hidden-size", "--horizon"])
    args = parser.parse_args(["--hidden-size", "10000000000"])
    args._parser = parser
    with pytest.raises(ConfigError, match=r"^--hidden-size: .* got 10000000000,"):
        check_memory(args, need, ["--hidden-size", "--horizon"])


def test_forecast_horizon_beyond_memory_is_a_config_error_before_any_work():
    # a 10**12-step horizon reached numpy's MemoryError ("Unable to allocate 14.9 TiB ...") inside the fit
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting import Forecaster

    y = pd.Series(10 + np.sin(np.arange(40) * 2 * np.pi / 7))
    with pytest.raises(ConfigError, match=r"^horizon: expected a horizon whose forecasts fit in memory .* got 10{12}"):
        Forecaster("seasonal_naive").fit(y, 10**12)
    with pytest.raises(ConfigError, match=r"^horizon: .* got 10{12}"):
        Forecaster("ets", horizon=10**12).fit(y)
    # the oracle for a horizon that fits: seasonal naive repeats the last season
    out = Forecaster("seasonal_naive", period=7).fit(y, 9).predict()
    np.testing.assert_allclose(out["value"].to_numpy(), np.r_[y.to_numpy()[-7:], y.to_numpy()[-7:-5]])


def test_conll_docstart_lines_are_not_tokens_and_a_folder_is_named_as_one(tmp_path):
    from rnnkit.data.series import read_series_csv
    from rnnkit.data.text import read_conll, read_utf8
    from rnnkit.errors import DataError

    # CoNLL-2003 files open each document with '-DOCSTART- -X- -X- O': it was read as a one-token
    # sentence tagged O (a fake training sentence, and one more sentence to score)
    # (every token line has the columns of the first since session 18: 'Hi\tO' among 4-column lines is refused)
    text = "-DOCSTART-\t-X-\t-X-\tO\n\nJohn\tNNP\tB-NP\tB-PER\nruns\tVBZ\tB-VP\tO\n\n-DOCSTART-\tO\n\nHi\tUH\tB-INTJ\tO\n"
    assert read_conll("x", text=text) == [(["John", "runs"], ["B-PER", "O"]), (["Hi"], ["O"])]
    with pytest.raises(DataError, match="expected at least one sentence"):
        read_conll("x", text="-DOCSTART-\t-X-\t-X-\tO\n\n")
    # a folder given for a file was reported '(not found)'
    with pytest.raises(DataError, match=r"^conll: expected an existing file, got .* \(a folder\)$"):
        read_utf8(tmp_path, "conll")
    with pytest.raises(DataError, match=r"^csv: expected an existing CSV file, got .* \(a folder\)$"):
        read_series_csv(tmp_path)
