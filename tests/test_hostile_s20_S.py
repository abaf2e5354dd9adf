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
