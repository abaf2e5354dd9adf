"""Review W2 (session 33): the one-reading-a-unit rule of the forecast frequency (ccdc0ad, 8779f54, 5008235) must not
take readings at a fixed step longer than the unit for one a unit: they fall in successive units most of the time too."""
import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries.frequency import infer_frequency
from rnnkit.errors import DataError
from rnnkit.forecast import Forecaster


def _jittered(freq: str, n: int, seconds: int) -> pd.DatetimeIndex:
    rng = np.random.default_rng(0)
    return pd.date_range("2020-01-01", periods=n, freq=freq) + pd.to_timedelta(rng.integers(-seconds, seconds + 1, n),
                                                                               unit="s")


def test_forty_minute_readings_a_few_seconds_off_the_mark_are_not_half_hourly_ones():
    # fails at 00194d9: two steps in three go to the next half hour, so they were 'one a half hour at varying
    # minutes', and --resample made a 30-minute grid with a quarter of its values invented (40 of 160)
    idx = _jittered("40min", 120, 5)
    assert infer_frequency(idx).freq != "30min"
    f = Forecaster(model="seasonal_naive", horizon=2, resample=True)
    f.fit(pd.Series(np.sin(np.arange(120.0)), index=idx, name="y"))
    assert f.summary()["series"][0]["length"] <= 120


@pytest.mark.parametrize("freq, unit", [("20min", "15min"), ("45min", "30min"), ("7min", "5min"), ("36h", "D"),
                                        ("10D", "W-MON")])
def test_a_fixed_step_longer_than_a_unit_is_not_one_reading_a_unit(freq, unit):
    # fails at 00194d9 (each read as `unit`, its error naming 'at most one a ...'); at 1fbed06 none was
    idx = _jittered(freq, 120, 5 if "min" in freq else 600)
    assert infer_frequency(idx).freq != unit
    with pytest.raises(DataError) as err:
        Forecaster(model="seasonal_naive", horizon=2).fit(pd.Series(np.arange(120.0), index=idx, name="y"))
    assert "at most one a" not in str(err.value)


@pytest.mark.parametrize("unit, freq, jitter", [("D", "D", "h"), ("MS", "MS", "D"), ("h", "h", "min")])
def test_one_reading_a_unit_with_a_fifth_of_the_units_missing_is_still_one_a_unit(unit, freq, jitter):
    # a guard: the rule still holds for readings at varying moments with units missing
    rng = np.random.default_rng(2)
    idx = pd.date_range("2015-01-01", periods=150, freq=freq) + pd.to_timedelta(rng.integers(0, 2 if jitter == "h" else
                                                                                               9 if jitter == "D" else 14,
                                                                                               150), unit=jitter)
    idx = idx[rng.uniform(size=150) >= 0.2]
    assert infer_frequency(idx).freq == unit


def test_tsv_lexicon_lines_whose_source_is_not_one_word_are_warned_not_dropped_unsaid(tmp_path):
    # fails at 7818115: 'der Hund<TAB>the dog' (an article with the noun) and a CSV-quoted '"Katze"' were skipped
    # without a word -- a user's file of such lines gave a lexicon of its few bare words, and the run said nothing
    from rnnkit.tasks.seq2seq_dictionary import read_lexicon

    path = tmp_path / "lex.tsv"
    path.write_text('# mine\nder Hund\tthe dog\nHaus\thouse\n"Katze"\t"cat"\n', encoding="utf-8")
    with pytest.warns(UserWarning, match=r"2 of 3 'word<TAB>translation' line\(s\) skipped, .* e\.g\. line 2: "
                                         r"'der Hund\\tthe dog'"):
        lex = read_lexicon(str(path))
    assert lex.table == {"Haus": "house"}


def test_a_ding_file_and_a_tsv_of_one_word_sources_are_read_without_a_warning(recwarn):
    from rnnkit.tasks.seq2seq_dictionary import BilingualLexicon

    ding = BilingualLexicon.from_lines(["Zeit herausschinden :: to play for time", "Hund {m} :: dog"])
    tsv = BilingualLexicon.from_lines(["Hund\tdog", "", "# c", "Haus\thouse"])
    assert (ding.table, len(tsv)) == ({"Hund": "dog"}, 2)
    assert not [w for w in recwarn if "skipped" in str(w.message)]


@pytest.mark.parametrize("freq", ["5min", "min"])
def test_a_logger_a_few_seconds_early_every_time_is_read_at_the_mark_it_is_early_for(freq):
    # fails at 7818115: no two of its readings share a slot's floor, so each was taken for the slot it falls in --
    # 00:04:49 as the 00:00 reading, every value and the forecast one slot early (1fbed06: a grid at 00:04:49)
    rng = np.random.default_rng(0)
    marks = pd.date_range("2020-01-01 00:05", periods=100, freq=freq)
    idx = marks - pd.to_timedelta(rng.integers(3, 13, 100), unit="s")
    f = Forecaster(model="seasonal_naive", horizon=1, resample=True)
    f.fit(pd.Series(np.arange(100.0) % 5, index=idx, name="y"))
    assert f.predict()["time"].iloc[0] == marks[-1] + marks.freq


def test_one_reading_a_working_day_at_varying_times_is_read_on_business_days():
    # fails at 6694866: trading days' closes at 16:00 +- 30 min were 'one a calendar day' -- --resample invented
    # every weekend (46 of 166 values) and the forecast fell on a Saturday and a Sunday (1fbed06: '86395s', drifting)
    rng = np.random.default_rng(0)
    days = pd.bdate_range("2020-01-06", periods=120)
    idx = days + pd.Timedelta(hours=16) + pd.to_timedelta(rng.integers(-1800, 1800, 120), unit="s")
    y = pd.Series(10 + np.sin(np.arange(120.0)), index=idx, name="y")
    with pytest.raises(DataError, match=r"\(frequency B\) in series 'y', got at most one a business day"):
        Forecaster(model="seasonal_naive", horizon=2).fit(y)
    f = Forecaster(model="seasonal_naive", horizon=2, resample=True)
    f.fit(y)
    assert [str(t.date()) for t in f.predict()["time"]] == ["2020-06-22", "2020-06-23"]   # after Friday 06-19
    assert f.summary()["series"][0]["length"] == 120
