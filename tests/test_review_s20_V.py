"""Session 20 (helper V): hostile review of the session's own changes -- regressions of its new pools, checks
and cleanups. Each test fails on the code before its fix."""

from __future__ import annotations

import os
import threading
import time

import pytest

from rnnkit.tasks.forecasting.series_pool import map_series, pool_workers, series_pool, usable_cpus

fork_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool needs the fork start method")


def _pid_slow(k: int) -> tuple[int, int]:
    time.sleep(0.05)
    return k, os.getpid()


@fork_only
def test_series_pool_of_another_thread_is_not_shared():
    """44ecce5's pool was one process-wide state: a block opened in a second thread (two forecasters fitted in two
    threads with threads=2) ran its series on the first thread's workers, and the first block to end shut the pool
    down under the other's running map_series (CancelledError). Oracle: the plain loop ([fn(*a) for a in args])."""
    if usable_cpus() < 2:
        pytest.skip("one CPU: the pool has one worker, so none")
    opened, b_mapping, out, errors = threading.Event(), threading.Event(), {}, []

    def first():
        try:
            with series_pool(2):
                out["a"] = map_series(_pid_slow, [(k,) for k in range(4)])    # the workers exist now
                opened.set()
                b_mapping.wait(30)
                time.sleep(0.3)                                             # the block ends under the other's map
        except BaseException as e:  # noqa: BLE001
            errors.append(("a", repr(e)))
            opened.set()

    def second():
        opened.wait(30)
        try:
            with series_pool(2):
                out["b_workers"] = pool_workers()
                b_mapping.set()
                out["b"] = map_series(_pid_slow, [(k,) for k in range(24)])
        except BaseException as e:  # noqa: BLE001
            errors.append(("b", repr(e)))
            b_mapping.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert [k for k, _ in out["a"]] == list(range(4)) and os.getpid() not in {p for _, p in out["a"]}
    assert out["b_workers"] == 1                                   # the series of the second block: in its thread
    assert out["b"] == [(k, os.getpid()) for k in range(24)]
    assert pool_workers() == 1
    with series_pool(2):                                           # the pool opens again once both blocks ended
        assert pool_workers() == 2 and os.getpid() not in {p for _, p in map_series(_pid_slow, [(k,) for k in range(4)])}


def test_a_failed_forecaster_save_keeps_what_another_program_wrote_meanwhile(tmp_path, monkeypatch):
    """f033ac4 removed every entry new at the top of the folder when a save failed: in a folder given with files
    already there (save('.') in a project, a notebook's folder) a file or folder another program wrote during the
    save (a notebook's first autosave: .ipynb_checkpoints/) was deleted with the save's own. Oracle: the listing
    before the save plus what the other program wrote; the save's own files go, and the retried save loads."""
    import numpy as np

    import rnnkit._io as io
    from rnnkit.tasks.forecasting import Forecaster

    y = np.sin(np.arange(60) / 3) + 0.1 * np.arange(60)
    f = Forecaster(horizon=4, model="theta").fit(y)
    run = tmp_path / "project"
    run.mkdir()
    (run / "notes.txt").write_text("mine")
    real = io.atomic_write_bytes

    def write(path, data):
        if path == run / "digests.json":       # meanwhile, another program writes into the same folder
            (run / ".ipynb_checkpoints").mkdir()
            (run / ".ipynb_checkpoints" / "analysis-checkpoint.ipynb").write_text("{}")
            (run / "train.log").write_text("epoch 1\n")
            raise KeyboardInterrupt
        return real(path, data)

    monkeypatch.setattr(io, "atomic_write_bytes", write)
    with pytest.raises(KeyboardInterrupt):
        f.save(run)
    monkeypatch.setattr(io, "atomic_write_bytes", real)
    assert sorted(p.name for p in run.iterdir()) == [".ipynb_checkpoints", "notes.txt", "train.log"]
    assert (run / ".ipynb_checkpoints" / "analysis-checkpoint.ipynb").read_text() == "{}"
    f.save(run)
    assert np.array_equal(Forecaster.load(run).predict()["value"].to_numpy(), f.predict()["value"].to_numpy())


# ------------------------------------------------------------------ data files recorded in config.json (d489923)
def _latin1_folder(parent) -> str:
    """A folder whose name holds the byte 0xE9 (Latin-1 'é', not UTF-8): Python reads it as 'donn\\udce9es'."""
    path = os.path.join(os.fsencode(str(parent)), b"donn\xe9es")
    os.mkdir(path)
    return os.fsdecode(path)


@pytest.mark.skipif(not os.path.exists("/proc/self"), reason="file names are bytes on Linux (PEP 383)")
def test_train_in_a_working_folder_that_is_not_utf8_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    """d489923 checked the data file's name as typed, but the run records it by its absolute path: 'classify train
    --csv c.csv' run inside a Latin-1-named folder trained to its end, then failed with a bare UnicodeEncodeError
    (exit 1) and no run saved. Oracle: the same command in a UTF-8 folder trains and saves."""
    import sys

    sys.path.insert(0, os.path.dirname(__file__))
    from test_text_hostile_s20_Q import CASES

    from rnnkit.cli.main import main

    _, text, flag, fast = CASES["classify"]
    folder = _latin1_folder(tmp_path)
    with open(os.path.join(folder, "c.csv"), "w", encoding="utf-8") as f:
        f.write(text)
    monkeypatch.chdir(folder)
    rc = main(["classify", "train", *flag, "c.csv", "--out", "run", "--quiet", "--no-baseline", *fast])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "--csv: expected a path in UTF-8" in err and "working folder" in err and "0xe9" in err, err
    assert "UnicodeEncodeError" not in err and len(err.strip().splitlines()) == 1, err
    assert sorted(os.listdir(".")) == ["c.csv"]                     # refused before any work
    good = tmp_path / "donnees"
    good.mkdir()
    (good / "c.csv").write_text(text, encoding="utf-8")
    monkeypatch.chdir(good)
    assert main(["classify", "train", *flag, "c.csv", "--out", "run", "--quiet", "--no-baseline", *fast]) == 0
    assert (good / "run" / "config.json").is_file()


@pytest.mark.skipif(not os.path.exists("/proc/self"), reason="file names are bytes on Linux (PEP 383)")
def test_tsc_train_refuses_a_data_file_name_that_is_not_utf8_before_any_work(tmp_path, capsys):
    """tsc had no such check (d489923 covered classify, tag, translate, generate): a Latin-1-named --csv trained to
    its end and failed writing config.json (bare UnicodeEncodeError, exit 1, nothing saved but metrics.jsonl).
    Oracle: the same file under a UTF-8 name trains and saves."""
    import sys

    sys.path.insert(0, os.path.dirname(__file__))
    from test_hostile_inputs_s11_cli import _long_csv

    from rnnkit.cli.main import main

    train = _long_csv(tmp_path / "train.csv")
    bad = os.fsdecode(os.path.join(os.fsencode(str(tmp_path)), b"caf\xe9.csv"))
    os.rename(train, bad)
    fast = ["--model", "auto", "--epochs", "1", "--hidden-size", "4", "--quiet"]
    out = tmp_path / "run"
    rc = main(["tsc", "train", "--csv", bad, "--out", str(out), *fast])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "--csv: expected a path in UTF-8" in err and "0xe9" in err and "UnicodeEncodeError" not in err, err
    assert len(err.strip().splitlines()) == 1 and not out.exists()
    os.rename(bad, train)
    assert main(["tsc", "train", "--csv", str(train), "--out", str(out), *fast]) == 0
    assert (out / "config.json").is_file()


# ------------------------------------------------------------------ the run_dir lock of a fit (777bbb6)
@fork_only
def test_a_fit_resumed_in_the_same_process_with_persistent_loader_workers(tmp_path):
    """777bbb6's flock on run_dir belongs to the open file description, which a forked child shares: a DataLoader's
    persistent workers (forked during the first fit, alive as long as the loader) kept the folder locked after the
    fit ended, and the notebook's next step -- a new Trainer resuming the run with the same loader -- was refused as
    'another fit is running'. Oracle: the same resume with a loader without workers; a second fit while the first
    runs is still refused (that commit's own test)."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    from rnnkit.training import TrainConfig, Trainer

    def loss_fn(model, batch):
        x, y = batch
        return torch.nn.functional.mse_loss(model(x), y)

    torch.manual_seed(0)
    ds = TensorDataset(torch.randn(16, 3), torch.randn(16, 1))
    results = []
    for workers in (0, 1):
        loader = DataLoader(ds, batch_size=4, num_workers=workers, persistent_workers=workers > 0,
                            **({"multiprocessing_context": "fork"} if workers else {}))
        torch.manual_seed(1)
        net = torch.nn.Linear(3, 1)
        run = tmp_path / f"run{workers}"
        Trainer(net, loss_fn, config=TrainConfig(epochs=1, quiet=True, seed=0), run_dir=run).fit(loader)
        res = Trainer(net, loss_fn, config=TrainConfig(epochs=2, quiet=True, seed=0), run_dir=run).fit(loader,
                                                                                                       resume="auto")
        results.append((len(res.history), net.weight.detach().clone()))
        del loader
    assert results[1][0] == results[0][0] == 2
    assert torch.equal(results[1][1], results[0][1])


def _daemon_job(n: int) -> object:
    try:
        with series_pool(2):
            return pool_workers(), map_series(pow, [(k, 2) for k in range(n)])
    except BaseException as e:  # noqa: BLE001 - what the pool worker saw, sent back as text
        return f"{type(e).__name__}: {e}"


@fork_only
def test_series_pool_inside_a_daemonic_process_fits_in_it():
    """A forecaster fitted or updated with threads=2 inside a multiprocessing.Pool worker (daemonic: it may have no
    children) failed with ProcessPoolExecutor's bare 'AssertionError: daemonic processes are not allowed to have
    children' (before 44ecce5 it ran). Oracle: the plain loop, in the worker itself."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as p:
        got = p.map(_daemon_job, [6])
    assert got == [(1, [k * k for k in range(6)])]


# ------------------------------------------------------------------ layers on the meta device (G's 0cc2ce4 area)
@pytest.mark.parametrize("name", ["LSTM", "GRU", "ElmanRNN", "MinGRU", "MinLSTM"])
def test_meta_input_with_lengths_is_a_typed_error_naming_lengths(name):
    """A layer on the meta device (shape inference) takes x without lengths, and with lengths all equal to T; with a
    shorter sequence it was torch's bare 'RuntimeError: Tensor.item() cannot be called on meta tensors' (the masks
    read the values). Oracle: the same call without lengths gives the shapes that the CPU layer gives with them."""
    import torch

    from rnnkit import layers
    from rnnkit.errors import InputTypeError

    cls = getattr(layers, name)
    meta = cls(3, 4, batch_first=True, device="meta")
    x = torch.empty(2, 5, 3, device="meta")
    assert meta(x, lengths=torch.tensor([5, 5]))[0].shape == (2, 5, 4)          # every row full: as before
    with pytest.raises(InputTypeError, match=r"^lengths: expected x on a device holding values .* meta device"):
        meta(x, lengths=torch.tensor([5, 3]))
    cpu = cls(3, 4, batch_first=True)(torch.randn(2, 5, 3), lengths=torch.tensor([5, 3]))[0]
    assert meta(x)[0].shape == cpu.shape
