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
