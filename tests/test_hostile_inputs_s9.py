"""Hostile inputs, sixth sweep (session 9): what a new user's runs of the README and the commands' help
found still wrong. Each test fails on the code before its fix (run there first) unless it says it is a
guard."""

from __future__ import annotations

import re

import numpy as np
import pytest


def test_typed_flags_beat_the_config_file_when_forecast_s_action_is_left_out(tmp_path, capsys):
    # `rnnkit forecast --csv ... --horizon 5 --config c.toml` (the action `train` left to its default, as
    # every example in `rnnkit forecast --help` does): finding the typed flags re-parsed the command line
    # with every default suppressed, and the optional positional `action` (choices train/predict/update)
    # then failed its choices check on '==SUPPRESS=='. The SystemExit was caught as "nothing typed", so the
    # file's horizon and model replaced the typed ones silently, after a bogus "error: argument action:
    # invalid choice" line on stderr.
    from rnnkit.cli.common import apply_config
    from rnnkit.cli.main import build_parser

    cfg = tmp_path / "c.toml"
    cfg.write_text('horizon = 3\nmodel = "ets"\nbacktest = 2\n')
    parser = build_parser()
    for action in ([], ["train"]):
        argv = ["forecast", *action, "--csv", "s.csv", "--target", "y", "--model", "seasonal_naive",
                "--horizon", "5", "--config", str(cfg)]
        args = parser.parse_args(argv)
        apply_config(args._parser, args, argv[1:], root=parser, full_argv=argv)
        assert (args.horizon, args.model, args.backtest) == (5, "seasonal_naive", 2), action
        assert args.action == "train"
        assert capsys.readouterr().err == ""
    # and a config may still choose the action when none is typed
    cfg.write_text('action = "predict"\n')
    argv = ["forecast", "--run", "r", "--config", str(cfg)]
    args = parser.parse_args(argv)
    apply_config(args._parser, args, argv[1:], root=parser, full_argv=argv)
    assert args.action == "predict" and capsys.readouterr().err == ""


def _weekly_series(scale: float):
    import pandas as pd

    rng = np.random.default_rng(0)
    y = 100 + np.tile([0, 3, 6, 9, 12, 15, 18.0], 12)[:80] + 0.1 * np.arange(80) + rng.normal(0, 1, 80)
    return pd.Series(y * scale, index=pd.date_range("2021-01-01", periods=80, freq="D"))


@pytest.mark.parametrize("scale", [1e-13, 1e-300])
def test_a_network_forecast_does_not_depend_on_the_series_units_at_tiny_scales(scale):
    # Oracle: the same network fit on the series in units of 1 (the inputs it sees after scaling are the
    # same numbers). Before: the standard scaler and the step-change scale treated a spread below 1e-12 as
    # "constant" and divided by 1 instead, so a series of values ~1e-11 fed the network zeros and its
    # forecast was the network's raw output, ~1e-3: eight orders of magnitude off, no error, no warning.
    from rnnkit.tasks.forecasting import Forecaster

    def forecast(s):
        f = Forecaster(model="lstm", horizon=7, epochs=2, hidden_size=8, seed=0)
        f.fit(_weekly_series(s))
        return f.predict()["value"].to_numpy() / s

    unit = forecast(1.0)
    np.testing.assert_allclose(forecast(scale), unit, rtol=1e-4)


@pytest.mark.parametrize("scale", [1e200, 1e-300])
def test_backtest_metrics_and_theta_do_not_depend_on_the_series_units(scale):
    # Oracle: the same backtest on the series in units of 1. Before: RMSE squared the errors, so at 1e200
    # it overflowed (reported null) and at 1e-300 underflowed (reported 0.0); the naive baselines' bands
    # (RMS of their in-sample errors) were infinite or zero, and their coverage 1.0 or 0.0 accordingly;
    # Theta and the ETS baseline (fitted in the series' units, unlike auto's ETS) had MASE 7.98 and 7x the
    # MAE at 1e200 against 0.17 in units of 1: a different forecast for the same data.
    from rnnkit.tasks.forecasting import Forecaster

    def metrics(s):
        f = Forecaster(model="theta", horizon=7)
        return f.backtest(_weekly_series(s), folds=2).metrics

    unit, scaled = metrics(1.0), metrics(scale)
    assert set(unit) == set(scaled) and {"theta", "naive", "seasonal_naive"} <= set(unit)
    for model, m in unit.items():
        for name, value in m.items():
            if value is None or not np.isfinite(value):
                continue
            in_units = name in ("MAE", "RMSE", "CRPS") or name.startswith("pinball")
            expected = value * scale if in_units else value
            # rel 1e-2: Holt-Winters' optimiser stops ~1e-4 apart on inputs 1 ulp apart (before: 7x apart)
            assert scaled[model][name] == pytest.approx(expected, rel=1e-2), (model, name)


@pytest.mark.parametrize("argv, message", [
    # before: ZeroDivisionError: float division by zero (the theory's 1 / (2 ln N) at N = 1), exit 1
    (["capacity", "--sizes", "1", "--loads", "0.1"], r"argument --sizes: expected an int >= 2 \(a network of one"),
    # before: "DataError: weights: expected finite values" (the std of one connection is NaN), naming no flag
    (["robustness", "--n-units", "2", "--n-patterns", "1"], r"argument --n-units: expected an int >= 3 \("),
    # before: "RuntimeError: Tensor.item() cannot be called on meta tensors"
    (["capacity", "--sizes", "4", "--loads", "0.5", "--device", "meta"],
     r"--device: expected a device that holds values such as 'cpu' or 'cuda', got 'meta'"),
])
def test_hopfield_sizes_without_connections_and_the_meta_device_are_usage_errors(argv, message, capsys):
    from rnnkit.cli.main import main

    assert main(["hopfield", *argv, "--json", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert re.search(message, err), err


def test_hopfield_experiments_refuse_the_same_sizes_in_python():
    from rnnkit.errors import ConfigError
    from rnnkit.hopfield.experiments import capacity_experiment, robustness_experiment

    with pytest.raises(ConfigError, match=r"sizes: expected an int >= 2 .*got 1"):
        capacity_experiment(sizes=[50, 1], loads=[0.1])
    with pytest.raises(ConfigError, match=r"n_units: expected an int >= 3 .*got 2"):
        robustness_experiment(n_units=2, n_patterns=1)
    r = capacity_experiment(sizes=[2], loads=[0.5], rules=["hebbian"])      # the smallest network runs
    assert r["curves"]["hebbian"]["2"]["patterns"] == [1]


@pytest.mark.parametrize("name", ["lstm", "gru", "elman", "mingru", "minlstm"])
def test_layer_calls_with_sparse_inputs_huge_or_meta_lengths_are_typed_errors(name):
    # Before: a sparse x raised torch's RuntimeError ('reshape is not implemented for sparse tensors') from
    # inside the engine; lengths=[2**70, 2] a ValueError ('Overflow when unpacking long long'), not the
    # range error [1, T] that [6, 2] gets; lengths on the meta device a RuntimeError from .item().
    import torch

    from rnnkit.errors import InputTypeError, ShapeError
    from rnnkit.layers.registry import make_layer

    layer = make_layer(name, 3, 4, batch_first=True)
    x = torch.randn(2, 5, 3)
    with pytest.raises(InputTypeError, match=r"^x: expected a dense tensor, got layout torch.sparse_coo"):
        layer(x.to_sparse())
    for big in ([2**70, 2], [np.uint64(2**63 + 5), 2]):
        with pytest.raises(ShapeError, match=r"^lengths: expected values in \[0, 5\] \(the sequence length\), "
                                             r"got min 2"):
            layer(x, lengths=big)
    with pytest.raises(InputTypeError, match=r"^lengths: expected a tensor holding values .* got one on the meta"):
        layer(x, lengths=torch.tensor([5, 2], device="meta"))
    out, _ = layer(x, lengths=[5, 2])                           # the valid call still runs
    assert out.shape == (2, 5, 4) and bool((out[1, 2:] == 0).all())


@pytest.mark.parametrize("budget", ["nan", "inf"])
def test_bench_budget_must_be_finite(budget, capsys):
    # Before: `--budget-s nan` (and inf) passed the `<= 0` check; no time ever exceeded it, so every model
    # ran the harness's 100 rounds whatever --reps said, and the JSON recorded budget NaN as if honoured.
    from rnnkit.cli.main import main

    assert main(["bench", "--cells", "lstm", "--shapes", "1,2,2,2", "--budget-s", budget, "--json"]) == 2
    err = capsys.readouterr().err
    assert f"--budget-s: expected a finite number > 0, got {budget}" in err and "--reps" not in err


def test_bench_reps_above_100_are_all_timed():
    # Before: the timing loop stopped at 100 rounds, so `--reps 150` ("minimum timed repetitions") timed 100.
    from rnnkit.bench.harness import time_interleaved

    calls = {"a": 0, "b": 0}

    def count(k):
        calls[k] += 1

    time_interleaved({"a": lambda: count("a"), "b": lambda: count("b")}, "cpu", reps=150, budget_s=1e-9)
    assert calls == {"a": 151, "b": 151}                # one warm-up each, then 150 timed rounds


def test_forecast_period_error_names_the_series_as_the_forecast_does(tmp_path, capsys):
    # Before: "series 'sales' has 30 values" named the CSV file's stem; the forecast's series (its "id"
    # column) is the target's name, so the message named a series the output never shows.
    from rnnkit.cli.main import main

    path = tmp_path / "sales.csv"
    path.write_text("day,units\n" + "".join(f"2021-01-{d:02d},{d % 7}\n" for d in range(1, 31)))
    assert main(["forecast", "--csv", str(path), "--target", "units", "--time-col", "day", "--horizon", "3",
                 "--model", "seasonal_naive", "--period", "16", "--json"]) == 2
    assert "series 'units' has 30 values" in capsys.readouterr().err


def test_a_dynamic_decay_without_dynamic_evaluation_is_refused_not_ignored(tmp_path, capsys):
    # Before: `rnnkit generate evaluate --dynamic-decay 0.5` (or nan, or -1) without --dynamic-lr was
    # accepted and dropped: the static score came back as if the setting had been used; so did
    # CharLM.evaluate(text, dynamic_decay=0.5).
    import torch

    from rnnkit.cli.main import main
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.generation import CharLM, CharLMConfig

    torch.manual_seed(0)
    lm = CharLM(CharLMConfig(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1, chunks_per_round=2,
                             progress=False)).fit("abcab" * 20)
    with pytest.raises(ConfigError, match=r"^dynamic_decay: expected 0 without dynamic_lr .*got 0.5"):
        lm.evaluate("abcabcab", baselines=False, dynamic_decay=0.5)
    static = lm.evaluate("abcabcab", baselines=False)["bits_per_char"]
    dyn = lm.evaluate("abcabcab", baselines=False, dynamic_lr=0.1, dynamic_decay=0.5)
    assert dyn["dynamic"]["decay"] == 0.5 and np.isfinite(static)
    lm.save(tmp_path / "run")
    (tmp_path / "t.txt").write_text("abcabcab")
    for decay in ("0.5", "nan"):
        assert main(["generate", "evaluate", "--run", str(tmp_path / "run"), "--text", str(tmp_path / "t.txt"),
                     "--dynamic-decay", decay, "--json"]) == 2
        assert "--dynamic-decay: expected --dynamic-lr with it" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs, message", [
    (dict(schedule="plateau", warmup=0.3), r"^warmup: applies to schedule='cosine' only, expected the default 0.02"),
    (dict(schedule="cosine", lr_decay=0.1), r"^lr_decay: applies to schedule='plateau' only"),
    (dict(schedule="cosine", lr_patience=3), r"^lr_patience: applies to schedule='plateau' only"),
    (dict(units="chars", bpe_vocab=300), r"^bpe_vocab: applies to units='bpe' only"),
])
def test_char_lm_settings_its_mode_never_reads_are_refused_at_fit(kwargs, message):
    # Before: `rnnkit generate train --warmup 0.5` (plateau, the default schedule), `--lr-decay` with
    # cosine and `--bpe-vocab` with characters trained as if the flag had not been typed, as --min-freq with
    # BPE was already refused. Checked at fit, so a run saved with such a pair still loads.
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.generation import CharLM, CharLMConfig

    cfg = CharLMConfig(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1, chunks_per_round=2,
                       progress=False, **kwargs)                    # the config itself is still valid
    with pytest.raises(ConfigError, match=message):
        CharLM(cfg).fit("abcab" * 20)


@pytest.mark.parametrize("kwargs", [dict(word_dropout=0.5), dict(split_compounds=False), dict(no_repeat_ngram=3),
                                    dict(warmup=0.2)])
def test_translator_char_model_refuses_the_dict_pointer_settings(kwargs):
    # Before: `rnnkit translate train --model char --word-dropout 0.5` (and the six other dict-pointer
    # flags) trained exactly as without the flag (the same chrF to the last digit), no word said.
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    cfg = Seq2SeqConfig(model="char", embed_dim=4, enc_hidden=4, dec_hidden=4, epochs=1, progress=False, **kwargs)
    name = next(iter(kwargs))
    with pytest.raises(ConfigError, match=rf"^{name}: applies to model='dict-pointer' only, expected the default"):
        Translator(cfg).fit(["one", "two"] * 5, ["un", "deux"] * 5, baselines=False)


def test_forecast_csv_ids_are_read_as_the_text_in_the_file(tmp_path, capsys):
    # Before: pandas read the id column as numbers: stores '001' and '002' came back as series '1' and
    # '2' (a join on the user's ids found nothing), '001' and '1' merged into one series (a duplicate
    # timestamps error naming series '1'), and the id 'NA' (Namibia) was a missing id.
    import json

    from rnnkit.cli.main import main

    days = [f"2021-01-{d:02d}" for d in range(1, 29)]
    path = tmp_path / "stores.csv"
    path.write_text("day,store,units\n" + "".join(f"{d},{s},{i % 7 + k}\n" for k, s in enumerate(["001", "1", "NA"])
                                                  for i, d in enumerate(days)))
    run = tmp_path / "run"
    assert main(["forecast", "--csv", str(path), "--target", "units", "--time-col", "day", "--id-col", "store",
                 "--horizon", "2", "--model", "seasonal_naive", "--no-plot", "--json", "--quiet",
                 "--out", str(run)]) == 0
    ids = [r["id"] for r in json.loads(capsys.readouterr().out)["forecast"]]
    assert sorted(set(ids)) == ["001", "1", "NA"]
    new = tmp_path / "new.csv"                                   # update reads the ids the same way
    new.write_text("day,store,units\n" + "".join(f"2021-01-29,{s},5\n" for s in ["001", "1", "NA"]))
    assert main(["forecast", "update", "--run", str(run), "--csv", str(new), "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)["forecast"]
    assert sorted({r["id"] for r in out}) == ["001", "1", "NA"]
    assert {r["time"] for r in out} == {"2021-01-30", "2021-01-31"}
    blank = tmp_path / "blank.csv"                               # an empty field is still a missing id
    blank.write_text("day,store,units\n" + "".join(f"{d},,{i}\n" for i, d in enumerate(days)))
    assert main(["forecast", "--csv", str(blank), "--target", "units", "--time-col", "day", "--id-col", "store",
                 "--horizon", "2", "--model", "seasonal_naive", "--json"]) == 1
    assert "--id-col 'store': expected an id on every row, got 28 missing" in capsys.readouterr().err


def test_evaluate_of_a_run_s_own_data_refuses_a_held_out_part_that_changed(tmp_path, capsys):
    # Before: `tag/classify/translate evaluate --run R` (no data flag) re-read the training file and took the
    # recorded item numbers, checking only the item count: the same file reordered (or edited row by row)
    # scored other items -- some of them training items -- as "held out"; `generate evaluate --run R`
    # took the last share of the text file again, so text appended since training moved the held-out part
    # onto training text. Now split.json records the held-out part's sha256 and evaluate compares.
    from rnnkit.cli.main import main

    words = {"DET": ["the", "a"], "NOUN": ["dog", "cat"], "VERB": ["runs", "sees"]}
    sents = ["\n".join(f"{words[t][(i + k) % 2]}\t{t}" for k, t in enumerate(["DET", "NOUN", "VERB"]))
             for i in range(60)]
    conll = tmp_path / "pos.conll"
    conll.write_text("\n\n".join(sents) + "\n")
    run = tmp_path / "tag"
    assert main(["tag", "train", "--conll", str(conll), "--out", str(run), "--epochs", "1", "--hidden-size", "4",
                 "--word-dim", "4", "--char-dim", "2", "--char-hidden", "2", "--no-baseline", "--quiet",
                 "--json"]) == 0
    assert main(["tag", "evaluate", "--run", str(run), "--json"]) == 0          # unchanged: scored
    conll.write_text("\n\n".join(sents[::-1]) + "\n")                           # same count, other order
    capsys.readouterr()
    assert main(["tag", "evaluate", "--run", str(run), "--json"]) == 1
    assert "--run: expected the items the run held out at training, got different ones" in capsys.readouterr().err

    text = tmp_path / "corpus.txt"
    text.write_text("abcab cabca bcabc " * 20)
    lm = tmp_path / "lm"
    assert main(["generate", "train", "--text", str(text), "--out", str(lm), "--hidden-size", "4", "--embed-dim", "2",
                 "--rounds", "1", "--chunks-per-round", "1", "--batch-size", "2", "--bptt", "5", "--no-baseline",
                 "--quiet", "--json"]) == 0
    assert main(["generate", "evaluate", "--run", str(lm), "--json"]) == 0
    with text.open("a") as f:
        f.write("more text, appended after training")
    capsys.readouterr()
    assert main(["generate", "evaluate", "--run", str(lm), "--json"]) == 1
    assert "got different ones (the data changed since" in capsys.readouterr().err


def test_the_es_rnn_forecast_does_not_depend_on_the_series_units_at_tiny_scales():
    # Oracle: the ES-RNN on the series in units of 1. Before: its log transform's floor was an absolute
    # 1e-9, so a series of values ~1e-11 sat on the floor (a constant log) and the forecast was ~1e-9:
    # 100 times the data, silently.
    from rnnkit.tasks.forecasting import Forecaster

    def forecast(s):
        return Forecaster(model="esrnn", horizon=7).fit(_weekly_series(s)).predict()["value"].to_numpy() / s

    np.testing.assert_allclose(forecast(1e-13), forecast(1.0), rtol=1e-3)     # float32 network: ~2e-4 apart


def test_a_semicolon_or_tab_separated_series_file_is_named_as_such(tmp_path):
    # Before: a European file ('t;y' with decimal commas) was read as one column 't;y', and the error said
    # "expected a time column 't', got columns ['t;y']" (or "expected 1 fields per row, got 2" when a
    # decimal comma split the values): true but not what to do.
    from rnnkit.data.series import read_series_csv
    from rnnkit.errors import DataError

    for sep, rows in ((";", "2021-01-01;1,5\n2021-01-02;2,5\n"), ("\t", "2021-01-01\t1.5\n")):
        path = tmp_path / "s.csv"
        path.write_text(f"t{sep}y\n" + rows)
        expected = r"^--csv: expected a comma-separated file, got .* is separated by " + re.escape(repr(sep))
        with pytest.raises(DataError, match=expected):
            read_series_csv(path, "t", what="--csv")
    path.write_text("y\n1.5\n2.5\n")                         # one column, no separator at all: still read
    assert read_series_csv(path, what="--csv")["y"].tolist() == [1.5, 2.5]


@pytest.mark.parametrize("model", ["seasonal_naive", "theta"])
def test_a_horizon_past_the_time_index_s_last_date_is_refused_before_the_fit(model):
    # Before: `--horizon 1000000` on daily data (read from a CSV: nanosecond timestamps) fitted (minutes for
    # auto) and then failed at predict with pandas' "OutOfBoundsDatetime: Cannot generate range with
    # start=... and periods=1000001", naming no argument. (The networks refuse such a horizon earlier: the
    # series is too short for it.) An index of microseconds holds those dates, and is forecast.
    import pandas as pd

    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting import Forecaster

    y = _weekly_series(1.0)
    y.index = y.index.as_unit("ns")
    with pytest.raises(DataError, match=r"^horizon: expected forecast times the time index can hold "
                                        r"\(datetime64\[ns\]: up to 2262-04-11\), got 100000 steps of D "
                                        r"after 2021-03-21"):
        Forecaster(model=model, horizon=100_000).fit(y)
    y.index = y.index.as_unit("us")
    fc = Forecaster(model=model, horizon=100_000).fit(y).predict()
    assert fc["time"].iloc[-1] == y.index[-1] + pd.Timedelta(days=100_000)       # 2295-01-04
