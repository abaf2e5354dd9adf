"""Hostile command lines, session 7 sweep: an empty path (``--out ""``), held-out shares outside [0, 1),
more threads than CPUs. Each case says what happened before."""

from __future__ import annotations

import pytest
import torch

from rnnkit.cli.main import main
from rnnkit.errors import ConfigError

_TINY = ["--epochs", "1", "--hidden-size", "4", "--word-dim", "4", "--char-dim", "2", "--char-hidden", "2",
         "--quiet", "--no-baseline"]


@pytest.fixture()
def conll(tmp_path):
    text = "Anna\tB-per\nlebt\tO\nin\tO\nBerlin\tB-loc\n\nBob\tB-per\nmag\tO\nParis\tB-loc\n\n"
    path = tmp_path / "train.conll"
    path.write_text(text * 5)
    return path


@pytest.mark.parametrize("flag", ["--out", "--conll"])
@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_path_is_a_usage_error_not_the_working_folder(tmp_path, monkeypatch, capsys, conll, flag, value):
    # Path("") is '.': `--out ""` (an unset shell variable) trained and wrote config.json, model.safetensors,
    # ... into the working folder
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    argv = {"--out": ["--conll", str(conll), "--out", value], "--conll": ["--conll", value, "--out", "run"]}[flag]
    assert main(["tag", "train", *argv, *_TINY]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"argument {flag}: expected a path, got {value!r}" in err[0], err
    assert list(work.iterdir()) == []                                   # nothing written anywhere


@pytest.mark.parametrize("fraction", ["-0.5", "1", "1.5", "nan", "inf"])
def test_a_test_fraction_outside_0_1_is_a_usage_error(tmp_path, capsys, conll, fraction):
    # -0.5 held out all but round(n / 2) sentences (perm[:-k]) and trained on the rest, no error; nan raised
    # ValueError 'cannot convert float NaN to integer'; 1 'sentences: expected a non-empty list of token lists'
    assert main(["tag", "train", "--conll", str(conll), "--out", str(tmp_path / "run"), "--test-fraction", fraction,
                 *_TINY]) == 2
    assert capsys.readouterr().err.strip() == f"rnnkit tag: error: --test-fraction: expected a number in [0, 1), got " \
                                              f"{float(fraction)}"
    assert not (tmp_path / "run").exists()


def test_a_test_fraction_that_holds_out_everything_is_a_usage_error(tmp_path, capsys):
    # 0.9 of 2 sentences rounds to 2 held out: 'sentences: expected a non-empty list of token lists, got list'
    (tmp_path / "two.conll").write_text("Anna\tB-per\n\nBob\tB-per\n")
    assert main(["tag", "train", "--conll", str(tmp_path / "two.conll"), "--out", str(tmp_path / "run"),
                 "--test-fraction", "0.9", *_TINY]) == 2
    assert "--test-fraction: expected a share that leaves items to train on, got 0.9 of 2 item(s), all held out" in \
        capsys.readouterr().err


def test_split_indices_refuses_shares_outside_0_1():
    from rnnkit.tasks.base import split_indices

    tr, te = split_indices(10, 0.3, seed=0)                  # the oracle: disjoint, complete, 3 held out
    assert sorted([*tr, *te]) == list(range(10)) and len(te) == 3
    for bad in (-0.5, 1.0, float("nan"), True, "0.2"):
        with pytest.raises(ConfigError, match=r"^fraction: expected a number in \[0, 1\), got "):
            split_indices(10, bad, seed=0)


def test_more_threads_than_cpus_are_applied_with_a_warning(monkeypatch, capsys):
    # --threads 999 on a 2-CPU machine was applied silently (a tagger run took twice as long)
    from rnnkit.cli.common import usable_cpus

    calls = []
    monkeypatch.setattr(torch, "set_num_threads", lambda n: calls.append(n))
    n = usable_cpus() + 7
    # a RuntimeWarning since session 15, so the CLI prints it as 'rnnkit experiment: warning: ...' (checked in a
    # subprocess by tests/test_cli_help_s15.py; under pytest the recorder takes it)
    with pytest.warns(RuntimeWarning, match=rf"^--threads {n} is more than the {usable_cpus()} CPU\(s\) this process may use"):
        assert main(["experiment", "adding", "--length", "0", "--threads", str(n)]) == 2   # fails after the threads
    assert calls == [n]                                                  # applied as asked, not coerced
    main(["experiment", "adding", "--length", "0", "--threads", str(usable_cpus())])
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("extra, message", [
    # --candidates with a single model was ignored: the one model was fitted, the list never looked at
    (["--model", "ets", "--candidates", "ets", "theta"],
     "--candidates: expected only with --model auto (what auto chooses among), got it with --model ets"),
    # duplicates were dropped silently (one q0.5 column for '--quantiles 0.5 0.5')
    (["--model", "seasonal_naive", "--quantiles", "0.5", "0.5"], "--quantiles: expected each value once, got 0.5 twice"),
    (["--candidates", "ets", "ets"], "--candidates: expected each value once, got ets twice"),
])
def test_forecast_flags_that_would_be_ignored_are_usage_errors(tmp_path, capsys, extra, message):
    import numpy as np
    import pandas as pd

    pd.DataFrame({"t": pd.date_range("2021-01-01", periods=40).astype(str),
                  "y": 50 + 10 * np.sin(np.arange(40) / 3)}).to_csv(tmp_path / "s.csv", index=False)
    argv = ["forecast", "--csv", str(tmp_path / "s.csv"), "--target", "y", "--time-col", "t", "--horizon", "3",
            "--no-plot", "--quiet", "--out", str(tmp_path / "run"), *extra]
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == f"rnnkit forecast: error: {message}"
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("name, fmt, implied", [("model.pt2", "onnx", "torch-export"),
                                                ("model.ONNX", "torch-export", "onnx")])
def test_export_to_a_file_whose_suffix_names_the_other_format_is_refused(tmp_path, capsys, name, fmt, implied):
    # `rnnkit export --run R --out model.pt2` (the default --format onnx) wrote an ONNX file named .pt2,
    # which torch.export.load then failed to read; checked before tracing, nothing written
    import rnnkit
    from rnnkit.export import export

    with pytest.raises(ConfigError, match=rf"^path: expected a file name for format '{fmt}' \(not ending in "
                                          rf"'\.(pt2|ONNX)', the suffix of format '{implied}'\), got "):
        export(rnnkit.GRU(3, 4), tmp_path / name, format=fmt)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "config.json").write_text("{}")      # the suffix check comes before the run is read
    code = main(["export", "--run", str(tmp_path / "run"), "--out", str(tmp_path / name), "--format", fmt, "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith(f"rnnkit export: error: --out: expected a file for --format {fmt}, got "), err
    assert not (tmp_path / name).exists()


def test_serve_port_0_is_a_usage_error():
    # --port 0 served on a port the kernel picked while announcing 'on http://127.0.0.1:0': no client could
    # find it
    from rnnkit.cli.common import UsageError
    from rnnkit.cli.serve import check_address

    with pytest.raises(UsageError, match=r"^--port: expected a port in \[1, 65535\], got 0$"):
        check_address("127.0.0.1", 0)
    import socket

    with socket.socket() as s:                     # the oracle for a good port: a free one passes
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    check_address("127.0.0.1", free)


@pytest.mark.parametrize("line, message", [("out = 5", "--config: key 'out': expected a string, got 5"),
                                           ('out = ""', "--config: key 'out': expected a path, got ''")])
def test_config_file_paths_must_be_non_empty_strings(tmp_path, monkeypatch, capsys, conll, line, message):
    # `out = 5` in a TOML config made a run folder named '5' (str(5)); `out = ""` wrote into the working folder
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (tmp_path / "c.toml").write_text(line + "\n")
    assert main(["tag", "train", "--conll", str(conll), "--config", str(tmp_path / "c.toml"), *_TINY]) == 2
    assert message in capsys.readouterr().err
    assert list(work.iterdir()) == []
