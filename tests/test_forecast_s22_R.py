"""Session 22, helper R: forecasting -- session 21's leftovers and new kinds of hostile input. Each test names
its oracle; each fails on the code before its fix (5a15cde)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.errors import CheckpointError
from rnnkit.tasks.forecasting import Forecaster

TINY = dict(hidden_size=8, epochs=2, selection_epochs=1, windows_per_epoch=64, batch_size=32)


def _monthly(level: float, seed: int, n: int = 100) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = level + 0.2 * t + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(size=n)
    return pd.Series(y, index=pd.date_range("2000-01-01", periods=n, freq="MS"), name="sales")


@pytest.fixture(scope="module")
def two_fits():
    """Two fitted networks of the same shape on series of very different levels (a pair of neither fit forecasts
    values of neither)."""
    torch.manual_seed(0)
    a = Forecaster("gru", horizon=3, lookback=12, **TINY).fit(_monthly(50, 0))
    b = Forecaster("gru", horizon=3, lookback=12, seed=1, **TINY).fit(_monthly(5000, 1))
    return a, b


def _interrupt_nth_rename(monkeypatch, nth: int) -> None:
    real, calls = os.replace, [0]

    def rename(src, dst):
        calls[0] += 1
        if calls[0] == nth:
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(os, "replace", rename)


# ------------------------------------------------------------------ 1. an interrupted save of a forecaster
@pytest.mark.parametrize("nth", [1, 2, 3, 4, 5])
def test_a_save_over_another_fit_interrupted_anywhere_loads_one_fit_whole(tmp_path, monkeypatch, two_fits, nth):
    """B saved over A's run, a Ctrl-C at B's n-th rename: the weights were one certified replacement and config.json
    another, so a Ctrl-C between them loaded B's weights under A's config (forecasts of neither fit, no word), and one
    inside the weights' replacement left a folder refused as 'modified' (forecast loads did not complete it).
    Oracle: the folder forecasts exactly as A or as B, never otherwise, and keeps no record of the replacement."""
    a, b = two_fits
    run = tmp_path / "run"
    a.save(run)
    _interrupt_nth_rename(monkeypatch, nth)
    try:
        b.save(run)
    except KeyboardInterrupt:
        pass
    monkeypatch.undo()
    got = Forecaster.load(run).predict()["value"].to_numpy()
    fits = {"A": a.predict()["value"].to_numpy(), "B": b.predict()["value"].to_numpy()}
    assert [k for k, v in fits.items() if np.array_equal(got, v)] == (["A"] if nth == 1 else ["B"])
    assert not (run / ".replacing.json").exists()
    assert not [p.name for p in run.iterdir() if p.name.startswith(".tmp-")]


@pytest.mark.parametrize("nth", [2, 3])
def test_a_first_save_beside_a_users_file_interrupted_leaves_the_folder_savable(tmp_path, monkeypatch, two_fits, nth):
    """A first save into a folder holding a user's notes, a Ctrl-C after the record of the replacement: the failed
    save removed the files it created but left the record, and every later save there failed ('model.safetensors:
    expected a file to record the digest of, got nothing'). Oracle: the folder as it was found, then a save that
    loads; the user's file byte-equal."""
    _, b = two_fits
    run = tmp_path / "run"
    run.mkdir()
    (run / "notes.txt").write_text("mine\n")
    _interrupt_nth_rename(monkeypatch, nth)
    with pytest.raises(KeyboardInterrupt):
        b.save(run)
    monkeypatch.undo()
    assert sorted(p.name for p in run.iterdir()) == ["notes.txt"]
    b.save(run)
    assert np.array_equal(Forecaster.load(run).predict()["value"], b.predict()["value"])
    assert (run / "notes.txt").read_text() == "mine\n"


def test_an_esrnn_candidate_saved_over_another_and_interrupted_is_refused_not_mixed(tmp_path, monkeypatch):
    """The ES-RNN candidate saves its weights one by one, each merged into the folder's map, then candidate.json:
    a Ctrl-C before candidate.json left the new weights certified beside the old state, and Candidate.load read
    the mix without a word. Oracle: the old candidate forecasts one way; the interrupted folder is refused."""
    import rnnkit._io as rio
    from rnnkit.tasks.forecasting.candidates import Candidate, SeriesInput
    from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate

    batch = lambda level, seed: [SeriesInput("s", _monthly(level, seed).to_numpy(), 12)]   # noqa: E731
    old = ESRNNCandidate(hidden=8, steps=10)
    old.forecast(batch(50, 0), 3)
    old.save(tmp_path / "c")
    new = ESRNNCandidate(hidden=8, steps=10, seed=1)
    new.forecast(batch(5000, 1), 3)
    real = rio.atomic_write_json

    def write_json(path, *args, **kwargs):
        if os.path.basename(path) == "candidate.json":
            raise KeyboardInterrupt
        return real(path, *args, **kwargs)

    monkeypatch.setattr(rio, "atomic_write_json", write_json)
    with pytest.raises(KeyboardInterrupt):
        new.save(tmp_path / "c")
    monkeypatch.undo()
    with pytest.raises(CheckpointError):
        Candidate.load(tmp_path / "c")
