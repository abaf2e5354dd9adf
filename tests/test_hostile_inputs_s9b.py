"""Hostile inputs, sweep 6b (session 9): what sweep 6 left (a setting dropped for cells without the gate
it sets, a stream count capped silently, the help an unknown flag points to, an empty update) and the
Python API as a notebook user calls it (pickle, torch.no_grad). Each test fails on the code before its
fix unless it says it is a guard."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest


def test_a_forget_bias_for_a_cell_without_that_gate_is_refused_alone_and_named_in_a_comparison(capsys):
    # Before: `rnnkit experiment adding --cell elman --forget-bias 5` ran and dropped the 5 (Elman has no
    # forget or update gate; build_layer ignores it); a comparison applied it to some cells silently.
    from rnnkit.cli.main import main
    from rnnkit.errors import ConfigError
    from rnnkit.experiments import compare, resolve_config, run_experiment

    with pytest.raises(ConfigError, match=r"^forget_bias: cell 'elman' has no forget or update gate to set; "
                                          r"expected the default 1.0 or None, got 5.0"):
        resolve_config("adding", cell="elman", forget_bias=5.0)
    assert resolve_config("adding", cell="elman").forget_bias is None      # recorded as what it got
    assert resolve_config("adding", cell="gru", forget_bias=5.0).forget_bias == 5.0
    assert main(["experiment", "adding", "--cell", "elman", "--forget-bias", "5", "--steps", "1"]) == 2
    assert "error: --forget-bias: cell 'elman' has no forget or update gate" in capsys.readouterr().err
    small = dict(length=5, steps=2, hidden_size=4, batch_size=4, eval_size=8)
    summary = compare("adding", ["elman", "lstm"], forget_bias=5.0, **small)
    assert summary["forget_bias"] == {"value": 5.0, "set_on": ["lstm"], "no_such_gate": ["elman"]}
    assert "forget_bias 5: set on lstm; not on elman (no forget or update gate)" in summary["table"]
    elman, lstm = summary["results"]
    assert lstm["config"]["forget_bias"] == 5.0 and elman["config"]["forget_bias"] is None
    alone = run_experiment("adding", "elman", **small)                    # oracle: the same cell run alone
    assert elman["metrics"] == alone["metrics"]
    with pytest.raises(ConfigError, match="cell 'elman' has no forget"):   # no cell of the comparison has one
        compare("adding", ["elman", "irnn"], forget_bias=5.0, **small)


def test_generate_evaluate_refuses_more_streams_than_the_text_has_units(tmp_path, capsys):
    # Before: `generate evaluate --streams 100` on a 7-character text scored it in 6 streams and said
    # nothing (stream_bits capped at len - 1). train still scores a short held-out part (fewer than 17
    # units) in up to 16 streams without error.
    from rnnkit.cli.main import main
    from rnnkit.errors import ConfigError

    text = tmp_path / "t.txt"
    text.write_text("abcab bca cab " * 8)                     # 112 characters: 11 held out
    run = tmp_path / "run"
    assert main(["generate", "train", "--text", str(text), "--out", str(run), "--rounds", "1",
                 "--chunks-per-round", "2", "--hidden-size", "8", "--quiet", "--json"]) == 0
    capsys.readouterr()
    short = tmp_path / "short.txt"
    short.write_text("abcabca")
    assert main(["generate", "evaluate", "--run", str(run), "--text", str(short), "--streams", "100"]) == 2
    assert ("error: --streams: expected at most 6 (one scored unit a stream) for a text of 7 units, got 100"
            in capsys.readouterr().err)
    assert main(["generate", "evaluate", "--run", str(run), "--text", str(short), "--streams", "6", "--json"]) == 0
    from rnnkit.tasks.generation import CharLM

    lm = CharLM.load(run)
    with pytest.raises(ConfigError, match=r"^streams: expected at most 6"):
        lm.bits_per_char("abcabca", streams=7)


@pytest.mark.parametrize("argv, prog", [
    (["forecast", "--bogus"], "rnnkit forecast"),
    (["forecast", "train", "--bogus", "1"], "rnnkit forecast"),
    (["env", "--bogus"], "rnnkit env"),
    (["tsc", "train", "--bogus"], "rnnkit tsc train"),
    (["hopfield", "capacity", "--bogus"], "rnnkit hopfield capacity"),
    (["serve", "--bogus"], "rnnkit serve"),
    (["--bogus", "env"], "rnnkit"),
])
def test_an_unknown_flag_names_the_help_of_the_command_it_follows(argv, prog, capsys):
    # Before: "rnnkit: error: unrecognized arguments: --bogus (see rnnkit --help)" after any subcommand:
    # the root parser reported the extras its subparsers left.
    from rnnkit.cli.main import main

    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{prog}: error: unrecognized arguments: --bogus") and err.endswith(f"(see {prog} --help)")


def test_an_update_with_no_values_is_nothing_new_in_every_form():
    # An empty Series/array was already nothing new (tests/test_forecast_reliability.py); an empty list
    # or tuple said "expected numeric values, got dtype object", and a DataFrame without columns raised
    # a bare StopIteration.
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting import Forecaster

    f = Forecaster("ets", horizon=3).fit(np.sin(np.arange(48) * np.pi / 6) + 5)
    before = f.predict()
    for empty in ([], (), np.array([]), pd.Series([], dtype=float)):
        pd.testing.assert_frame_equal(f.update(empty), before)
    with pytest.raises(DataError, match=r"^new_points: expected a target column, got none"):
        f.update(pd.DataFrame())
    assert f.update([6.0])["time"].tolist() == [49, 50, 51]          # one value is one step on


@pytest.mark.parametrize("model", ["ets", "theta", "seasonal_naive"])
def test_a_fitted_statistical_forecaster_pickles(model):
    # Before: "Can't pickle local object 'AutoModel._announce.<locals>.<lambda>'" for every fitted
    # statistical or auto forecaster (joblib, multiprocessing); the networks pickled.
    from rnnkit.tasks.forecasting import Forecaster

    f = Forecaster(model, horizon=3).fit(np.sin(np.arange(48) * np.pi / 6) + 5)
    g = pickle.loads(pickle.dumps(f))
    pd.testing.assert_frame_equal(g.predict(), f.predict())
    pd.testing.assert_frame_equal(g.update([5.0, 5.5]), f.update([5.0, 5.5]))


def test_a_fit_under_no_grad_trains_and_under_inference_mode_is_refused_up_front():
    # Before: a fit inside `with torch.no_grad():` (a notebook cell that also predicts) ended in "loss:
    # expected a loss computed from trainable parameters"; inside inference_mode, torch's "Inference
    # tensors cannot be saved for backward" mid-step.
    import torch

    from rnnkit.errors import InputTypeError
    from rnnkit.tasks.forecasting import Forecaster

    y = np.sin(np.arange(60) * np.pi / 6) + 5
    kw = dict(horizon=3, epochs=1, selection_epochs=1, lookback=12, hidden_size=4, windows_per_epoch=32)
    expected = Forecaster("gru", **kw).fit(y).predict()
    with torch.no_grad():
        pd.testing.assert_frame_equal(Forecaster("gru", **kw).fit(y).predict(), expected)
    with torch.inference_mode(), pytest.raises(InputTypeError, match=r"^fit: expected a call outside "
                                                                      r"torch.inference_mode\(\)"):
        Forecaster("gru", **kw).fit(y)


def test_a_network_forecaster_works_after_a_float64_default_dtype_and_leaves_it_set():
    # Before: after torch.set_default_dtype(torch.float64) (common in scientific notebooks) every network
    # fit failed: "x: expected dtype torch.float64 (the layer's), got torch.float32" (ES-RNN: "expected
    # scalar type Float but found Double"); the other tasks already worked.
    import torch

    from rnnkit.tasks.forecasting import Forecaster

    y = np.sin(np.arange(60) * np.pi / 6) + 5
    kw = dict(horizon=3, epochs=1, selection_epochs=1, lookback=12, hidden_size=4, windows_per_epoch=32)
    expected = Forecaster("gru", **kw).fit(y)
    torch.set_default_dtype(torch.float64)
    try:
        f = Forecaster("gru", **kw).fit(y)
        pd.testing.assert_frame_equal(f.predict(), expected.predict())
        pd.testing.assert_frame_equal(f.update([5.0]), expected.update([5.0]))
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(torch.float32)


def test_fit_reads_a_list_of_values_as_update_does():
    # Before: Forecaster().fit([...]) was "expected a pandas Series or DataFrame (or a 1-D numpy array), got
    # list" while update() took a list; None is a missing value in both now, as pandas reads it.
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting import Forecaster

    y = np.sin(np.arange(48) * np.pi / 6) + 5
    expected = Forecaster("ets", horizon=3).fit(y).predict()
    pd.testing.assert_frame_equal(Forecaster("ets", horizon=3).fit(list(y)).predict(), expected)
    pd.testing.assert_frame_equal(Forecaster("ets", horizon=3).fit(tuple(y)).predict(), expected)
    gap = y.copy()
    gap[5] = np.nan
    pd.testing.assert_frame_equal(Forecaster("ets", horizon=3).fit([None if np.isnan(v) else v for v in gap]).predict(),
                                  Forecaster("ets", horizon=3).fit(gap).predict())
    with pytest.raises(DataError, match=r"^series: expected a flat list of values, got nested lists \(shape"):
        Forecaster("ets", horizon=3).fit([[1.0, 2.0]] * 24)


def test_a_layer_inside_torch_compile_trains_as_in_eager_and_still_exports():
    # Before: torch.compile(model) around an rnnkit LSTM on its default (native) engine failed at the
    # first training step (aot_eager: "expected all tensors_saved_with_vc_check to be Tensors"; inductor:
    # "expected Tensor() for op: aten.mkldnn_rnn_layer"): dynamo traced torch's RNN kernels, which it
    # never does for torch.nn.LSTM (allow_rnn=False). Now they run eagerly there, as torch.nn.LSTM does.
    import torch

    import rnnkit

    torch.manual_seed(0)
    layer = rnnkit.LSTM(3, 4, batch_first=True)
    x = torch.randn(2, 5, 3)
    out = layer(x)[0]
    out.sum().backward()
    grads = [p.grad.clone() for p in layer.parameters()]
    layer.zero_grad()
    torch._dynamo.reset()
    compiled = torch.compile(layer, backend="aot_eager")
    got = compiled(x)[0]
    got.sum().backward()
    assert torch.allclose(got, out, atol=1e-6)
    assert all(torch.allclose(p.grad, g, atol=1e-6) for p, g in zip(layer.parameters(), grads))
    exported = torch.export.export(layer, (x,), strict=True)                # export still traces the kernels
    assert torch.allclose(exported.module()(x)[0], out, atol=1e-6)
