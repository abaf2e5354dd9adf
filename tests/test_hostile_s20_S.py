"""Session 20, helper S: hostile inputs of export, service, Hopfield, tsc, training and experiments."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnnkit.errors import ConfigError


def test_optim_betas_take_a_numpy_pair_and_store_python_floats():
    # np.array([0.8, 0.9]) -- betas read from an array, a grid row -- was 'optim.betas: expected a pair of numbers in
    # [0, 1), got array([0.8, 0.9])' while each of its numbers alone was taken (the numpy-scalar rule)
    from rnnkit.training import OptimConfig, TrainConfig

    for pair in (np.array([0.8, 0.9]), np.array([0.8, 0.9], dtype=np.float32), np.array([0, 0])):
        cfg = OptimConfig("adamw", betas=pair)
        assert cfg.betas == tuple(float(b) for b in pair.tolist())
        assert all(type(b) is float for b in cfg.betas)
        t = TrainConfig(optim=cfg)
        assert TrainConfig.from_dict(json.loads(json.dumps(t.to_dict()))) == t   # JSON numbers, round trip
    # oracle: the same config from a tuple
    assert OptimConfig("adam", betas=np.array([0.5, 0.75])) == OptimConfig("adam", betas=(0.5, 0.75))
    # the checks behind it stay: a pair, numbers in [0, 1), no bools, a setting only adam/adamw read
    for bad in (np.array([0.9]), np.array([[0.8, 0.9]]), np.array([0.9, 1.0]), np.array([0.9, np.nan]),
                np.array([True, False]), np.array(["0.8", "0.9"])):
        with pytest.raises(ConfigError, match=r"^optim\.betas: expected"):
            OptimConfig("adam", betas=bad)
    with pytest.raises(ConfigError, match=r"^optim\.betas: expected the default"):
        OptimConfig("sgd", betas=np.array([0.5, 0.9]))


def test_tsc_evaluate_hint_names_the_held_out_file_from_any_working_folder(tmp_path, monkeypatch, capsys):
    # a run trained with a relative --test-ts recorded the path as typed, and evaluate's hint ('score it with --ts
    # PATH', 42bc41e) named a file that does not exist from another working folder
    from test_tasks_tsc import _series, _write_ts

    from rnnkit.cli.main import main

    X, y = _series(30)
    (tmp_path / "data").mkdir()
    _write_ts(tmp_path / "data" / "train.ts", X[:20], y[:20])
    _write_ts(tmp_path / "data" / "test.ts", X[20:], y[20:])
    monkeypatch.chdir(tmp_path / "data")
    assert main(["tsc", "train", "--ts", str(tmp_path / "data" / "train.ts"), "--test-ts", "test.ts", "--out", str(tmp_path / "run"),
                 "--epochs", "1", "--hidden-size", "4", "--quiet", "--json"]) == 0
    capsys.readouterr()
    monkeypatch.chdir(tmp_path)
    assert main(["tsc", "evaluate", "--run", "run"]) == 2
    err = capsys.readouterr().err
    assert f"score it with --ts {str(tmp_path / 'data' / 'test.ts')!r}" in err, err
    # the path named reads: the command the hint gives scores the held-out file
    assert main(["tsc", "evaluate", "--run", "run", "--ts", str(tmp_path / "data" / "test.ts"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"]["accuracy"] >= 0
