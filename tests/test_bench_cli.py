"""rnnkit bench: a tiny in-process run parses as JSON and has one row per (cell, shape) with ratios."""

import json

import pytest
import torch

from rnnkit.cli.main import main


def test_bench_json_tiny(capsys, tmp_path):
    rc = main(["bench", "--cells", "lstm", "gru-zoneout", "lstm-proj", "--shapes", "2,5,3,4", "--reps", "1",
               "--budget-s", "0.01", "--json", "--out", str(tmp_path)])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["cell"] for r in out["rows"]] == ["lstm", "gru-zoneout", "lstm-proj"]
    r = out["rows"][1]
    assert r["rnnkit_engine"] == "bptt" and r["rnnkit_train_ms"] > 0
    assert abs(r["rnnkit_train_x"] - r["rnnkit_train_ms"] / r["torch.nn_train_ms"]) < 1e-9
    assert out["rows"][0]["rnnkit_engine"] == "native"
    assert (tmp_path / "bench.json").exists() and (tmp_path / "bench.md").read_text().startswith("| cell")


def test_bench_bad_flags(capsys):
    assert main(["bench", "--cells", "lstmx"]) == 2
    assert "--cells: expected names from" in capsys.readouterr().err
    assert main(["bench", "--shapes", "1,2,3"]) == 2


def test_bench_shape_preset_is_the_gpu_sweep():
    from rnnkit.bench import SHAPE_PRESETS
    from rnnkit.cli.bench import _shape

    assert _shape("gpu-sweep") == SHAPE_PRESETS["gpu-sweep"]
    assert {(B, T, H) for B, T, I, H in _shape("gpu-sweep")} == {(1, 512, 512), (8, 1024, 256), (64, 256, 256),
                                                                (64, 256, 1024), (256, 100, 512)}
    assert _shape("2,5,3,4") == [(2, 5, 3, 4)]


def test_bench_fused_column_and_precisions(capsys, tmp_path):
    rc = main(["bench", "--cells", "lstm", "--shapes", "2,5,3,4", "--precision", "fp32", "bf16", "--fused",
               "--no-autograd", "--reps", "1", "--budget-s", "0.01", "--json", "--out", str(tmp_path)])
    assert rc == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["precision"], r["dtype"]) for r in rows] == [("fp32", "float32"), ("bf16", "bfloat16")]
    for r in rows:
        assert r["rnnkit_engine"] == "native" and r["fused_train_ms"] > 0 and r["fused_first_call_s"] > 0
        assert r["autograd_train_ms"] is None and r["graph_train_ms"] is None  # skipped; no CUDA graph on CPU
        assert abs(r["fused_vs_lstm_x"] - r["fused_train_ms"] / r["torch.nn_train_ms"]) < 1e-9
    partial = [json.loads(line) for line in (tmp_path / "bench.partial.jsonl").read_text().splitlines()]
    assert [r["precision"] for r in partial] == ["fp32", "bf16"]
    table = (tmp_path / "bench.md").read_text().splitlines()
    assert "| fused train ms (x) |" in table[0] and table[2].count("| - ") >= 2


def test_bench_precision_flag_errors(capsys):
    assert main(["bench", "--precision", "tf32", "--cells", "lstm"]) == 2
    assert "--precision: 'tf32' is a CUDA tensor-core mode, expected --device cuda, got cpu" in capsys.readouterr().err
    assert main(["bench", "--precision", "fp16"]) == 2
    assert main(["bench", "--shapes", "issue9"]) == 2   # presets are named by what they are


def _parsers():
    """The parsers of bench, experiment and every hopfield experiment."""
    import argparse

    from rnnkit.cli import main as cli_main

    sub = next(a for a in cli_main.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    out = {"bench": sub.choices["bench"], "experiment": sub.choices["experiment"]}
    hop = next(a for a in sub.choices["hopfield"]._actions if isinstance(a, argparse._SubParsersAction))
    out.update({f"hopfield {k}": p for k, p in hop.choices.items()})
    return out


def test_core_commands_take_threads_and_show_every_default():
    for name, p in _parsers().items():
        opts = {o: a for a in p._actions for o in a.option_strings}
        assert opts["--threads"].default == 1, name                 # the one documented default (cli/common)
        assert not [o for o, a in opts.items() if not a.help], name  # every flag says what it does
        shown = " ".join(p.format_help().split())
        for a in p._actions:
            if a.option_strings and a.default not in (None, False) and "-h" not in a.option_strings:
                assert "(default" in (a.help or "") or f"(default: {a.default})" in shown, (name, a.option_strings)


@pytest.mark.parametrize("argv", [
    ["bench", "--cells", "lstmx"],                                  # applied before the names are checked
    ["experiment", "adding", "--length", "0"],
    ["hopfield", "capacity", "--sizes", "12", "--loads", "0.1", "--mode", "sync"],
])
def test_core_commands_apply_and_check_threads(monkeypatch, capsys, tmp_path, argv):
    calls = []
    monkeypatch.setattr(torch, "set_num_threads", lambda n: calls.append(n))
    out = ["--out", str(tmp_path / "o")] if argv[0] == "hopfield" else []
    main([*argv, *out, "--threads", "3", "--quiet"])
    assert calls == [3], argv
    assert main([*argv, *out, "--threads", "0"]) == 2
    assert "--threads: expected an int >= 1, got 0" in capsys.readouterr().err and calls == [3]
