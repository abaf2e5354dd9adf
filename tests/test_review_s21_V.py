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
