"""Session 21's hostile review (helper V): regressions of the session's own changes."""

from __future__ import annotations

import pytest
import torch

from rnnkit.errors import CheckpointError
from rnnkit.training import load_weights, save_weights


def test_save_weights_beside_a_deleted_listed_file_commits_and_leaves_no_record(tmp_path):
    # training.certified (579c0d9) hashed every file of the map again after its commit point: a listed file deleted
    # since (an older weights file of the folder) made save_weights raise and left .replacing.json, which then failed
    # every later load and save of the folder. As before the session: the save succeeds, the load names the file.
    m = torch.nn.Linear(2, 2)
    save_weights(m, tmp_path / "a.safetensors")
    save_weights(m, tmp_path / "b.safetensors")
    (tmp_path / "b.safetensors").unlink()
    save_weights(m, tmp_path / "a.safetensors")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.safetensors", "digests.json"]
    with pytest.raises(CheckpointError, match=r"b\.safetensors: expected a file \(listed in digests.json\)"):
        load_weights(m, tmp_path / "a.safetensors")
    save_weights(m, tmp_path / "b.safetensors")        # the folder is whole again: both load
    assert load_weights(torch.nn.Linear(2, 2), tmp_path / "a.safetensors") is not None


def _paris_fall_back(first_a: str, first_b: str):
    import pandas as pd

    # hourly readings of two Paris stores over the night the clocks go back (2024-10-27, 03:00 CEST -> 02:00 CET);
    # store a misses the second 02:00 reading, store b the first: each store's times are valid Paris times
    a = ["2024-10-27T00:00:00+02:00", "2024-10-27T01:00:00+02:00", f"2024-10-27T02:00:00{first_a}",
         "2024-10-27T03:00:00+01:00", "2024-10-27T04:00:00+01:00"]
    b = [t.replace(f"02:00:00{first_a}", f"02:00:00{first_b}") for t in a]
    return pd.DataFrame({"time": a + b, "store": ["a"] * 5 + ["b"] * 5, "y": [float(i % 5) for i in range(10)]})


def test_one_zone_stores_each_missing_one_of_the_repeated_hour_readings_are_not_two_zones():
    # zones.check_one_zone (7fd6fcd) took 'a' at 02:00+02:00 and 'b' at 02:00+01:00 for two zones: a DataError on
    # valid data. Oracle: the same panel with both stores at the same reading is accepted, and two real zones
    # (a store in London at +00:00 beside Paris) are still refused.
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import parse_series

    same = parse_series(_paris_fall_back("+02:00", "+02:00"), target="y", time_col="time", id_col="store", resample=True)
    split = parse_series(_paris_fall_back("+02:00", "+01:00"), target="y", time_col="time", id_col="store", resample=True)
    assert [s.id for s in split] == [s.id for s in same] == ["a", "b"]
    london = _paris_fall_back("+02:00", "+02:00")
    london.loc[london["store"] == "b", "time"] = london.loc[london["store"] == "b", "time"].str.replace(
        "+02:00", "+01:00").str.replace("T03:00:00+01:00", "T03:00:00+00:00").str.replace("T04:00:00+01:00",
                                                                                          "T04:00:00+00:00")
    with pytest.raises(DataError, match=r"in one time zone, got 'a' at UTC offset \+0[12]:00 and 'b' at \+0[01]:00"):
        parse_series(london, target="y", time_col="time", id_col="store", resample=True)


_CONCURRENT_SAVES = r"""
import os, sys, multiprocessing as mp, torch
torch.set_num_threads(1)
from rnnkit.training import save_weights
def work(d, k):
    errs = []
    for i in range(8):
        try:
            save_weights(torch.nn.Linear(3, 3), os.path.join(d, f"m{k}_{i}.safetensors"))
        except Exception as e:
            errs.append(repr(e))
    return errs
if __name__ == "__main__":
    with mp.get_context("fork").Pool(4) as p:
        res = p.starmap(work, [(sys.argv[1], k) for k in range(4)])
    print("ERRORS", sum(len(r) for r in res), res[0][:1])
"""


def test_concurrent_save_weights_into_one_folder_all_succeed_and_load(tmp_path):
    """Four processes saving weights into one folder at once (certified replacement, 579c0d9): each removed the
    others' staged files and they shared one record -- most saves failed and the folder stopped loading (V's
    finding). Now the replacements are serialised by a flock on the folder: every save returns and loads back."""
    import subprocess
    import sys

    import torch
    from rnnkit.training import load_weights

    script = tmp_path / "conc.py"
    script.write_text(_CONCURRENT_SAVES)
    folder = tmp_path / "w"
    folder.mkdir()
    out = subprocess.run([sys.executable, str(script), str(folder)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "ERRORS 0 " in out.stdout, out.stdout
    assert not (folder / ".replacing.json").exists()
    for k in range(4):
        for i in range(8):
            load_weights(torch.nn.Linear(3, 3), folder / f"m{k}_{i}.safetensors")


def test_a_save_into_a_folder_another_process_locks_waits_then_names_it(tmp_path, monkeypatch):
    """A folder held by another writer (e.g. a fit running there) is waited for, then a CheckpointError names it:
    no hang, no interleaved files."""
    import fcntl
    import os

    import torch
    from rnnkit.errors import CheckpointError
    from rnnkit.training import certified, save_weights

    monkeypatch.setattr(certified, "WAIT_S", 0.3)
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)          # another open file description: conflicts as another process would
        with pytest.raises(CheckpointError, match=r"expected a folder no other process is writing"):
            save_weights(torch.nn.Linear(2, 2), tmp_path / "a.safetensors")
    finally:
        os.close(fd)
    save_weights(torch.nn.Linear(2, 2), tmp_path / "a.safetensors")
