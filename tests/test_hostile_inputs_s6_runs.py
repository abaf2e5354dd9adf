"""Hostile run folders, session 6 sweep: a folder of one task loaded as another (the message names the
folder's task, not a missing file or a version), truncated weights, a newer format version."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from rnnkit._io import write_digests
from rnnkit.errors import CheckpointError


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A tiny tsc run and a seasonal-naive forecaster folder."""
    from rnnkit.tasks.forecasting import Forecaster
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    root = tmp_path_factory.mktemp("runs")
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(int(rng.integers(4, 9)), 2)).astype(np.float32) for _ in range(12)]
    cfg = TSCConfig(hidden_size=4, epochs=1, batch_size=8, val_fraction=0.0, progress=False)
    TimeSeriesClassifier(cfg).fit(X, ["a", "b"] * 6).save(root / "tsc")
    t = np.arange(40.0)
    Forecaster("seasonal_naive", horizon=2, period=7).fit(np.sin(t) + 0.1 * t).save(root / "fc")
    return root


def _copy(runs, name, tmp_path):
    shutil.copytree(runs / name, tmp_path / name)
    return tmp_path / name


def _rehash(folder):
    write_digests(folder, sorted(json.loads((folder / "digests.json").read_text())["sha256"]))


def test_a_run_of_another_task_is_named_as_such(runs):
    # a forecaster folder given to a task's load was 'model.safetensors: expected its sha256 in
    # digests.json, got no entry' (a damaged folder, it seemed); a task folder given to Forecaster.load
    # was 'expected schema_version 1, got 2' (another version, it seemed)
    from rnnkit.tasks.forecasting import Forecaster
    from rnnkit.tasks.generation import CharLM
    from rnnkit.tasks.tsc import TimeSeriesClassifier

    for load in (TimeSeriesClassifier.load, CharLM.load):
        with pytest.raises(CheckpointError, match=r"config\.json: expected a '\w+' run folder, got a 'forecast' run$"):
            load(runs / "fc")
    with pytest.raises(CheckpointError, match=r"config\.json: expected schema_version 1, got 2 \(the config of a "
                                              r"'tsc' run\)$"):
        Forecaster.load(runs / "tsc")


def test_truncated_weights_and_a_newer_format_are_checkpoint_errors(runs, tmp_path):
    from rnnkit.tasks.forecasting import Forecaster
    from rnnkit.tasks.tsc import TimeSeriesClassifier

    # truncated weights: the digest names the file; re-hashed (as a hand edit would), the reader does
    for cut, rehash, match in ((0.5, False, r"model\.safetensors: .*sha256"),
                               (0.5, True, r"model\.safetensors: expected a valid safetensors file"),
                               (20, True, r"model\.safetensors: expected a valid safetensors file")):
        folder = _copy(runs, "tsc", tmp_path / f"{cut}{rehash}")
        p = folder / "model.safetensors"
        data = p.read_bytes()
        p.write_bytes(data[: int(len(data) * cut) if cut < 1 else cut])
        if rehash:
            _rehash(folder)
        with pytest.raises(CheckpointError, match=match):
            TimeSeriesClassifier.load(folder)
    # a folder written by a newer format, re-hashed: refused by version, for a task and a forecaster
    for name, load, want in (("tsc", TimeSeriesClassifier.load, 2), ("fc", Forecaster.load, 1)):
        folder = _copy(runs, name, tmp_path / "newer")
        cfg = json.loads((folder / "config.json").read_text())
        cfg["schema_version"] = want + 1
        (folder / "config.json").write_text(json.dumps(cfg))
        _rehash(folder)
        with pytest.raises(CheckpointError, match=rf"expected schema_version {want}, got {want + 1}"):
            load(folder)
    # the oracle: the pristine folders load and work
    assert len(TimeSeriesClassifier.load(runs / "tsc").predict([np.zeros((5, 2), np.float32)])) == 1
    assert len(Forecaster.load(runs / "fc").predict()) == 2


def test_a_generation_length_whose_text_cannot_fit_in_memory_is_refused_before_sampling(tmp_path, capsys):
    # sample(prompt, length=10**12) started sampling (one step at a time, a list growing towards 24 TB)
    # until the OOM killer or the user stopped it; the CLI's --length the same
    from rnnkit._memory import available_memory
    from rnnkit.cli import main as cli_main
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.generation import CharLM, CharLMConfig

    torch.manual_seed(0)
    cfg = CharLMConfig(embed_dim=4, hidden_size=4, batch_size=2, bptt=5, chunks_per_round=2, rounds=1, progress=False)
    lm = CharLM(cfg).fit("the cat sat on the mat.\n" * 8)
    huge = 10 ** 18                              # an exabyte of text: beyond any machine's memory
    assert available_memory() is None or available_memory() < huge
    with pytest.raises(ConfigError, match=r"^length: expected a length whose text fits in memory \(.* available\), "
                                          r"got 10{18}, which would need at least "):
        lm.sample("the", huge)
    with pytest.raises(ConfigError, match=r"^length: "):
        lm.predict(["the", "a"], length=huge)
    lm.save(tmp_path / "lm")
    assert cli_main.main(["generate", "sample", "--run", str(tmp_path / "lm"), "--prompt", "the",
                          "--length", str(huge)]) == 2
    assert "--length: expected a length whose text fits in memory" in capsys.readouterr().err
    # the oracle for a length that fits: greedy sampling gives exactly that many characters, deterministic
    assert len(lm.sample("the", 7, top_k=1)) == 7 and lm.sample("the", 7, top_k=1) == lm.sample("the", 7, top_k=1)
