"""Session 30, helper B (helper D's LEAD_NOW item 2): a forecaster's config.json or a Trainer checkpoint of another
format says what to do. A forecaster saved by a newer rnnkit (config.json schema_version 2) was 'expected
schema_version 1, got 2 (the config of a 'forecast' run)', no word of upgrading, and a checkpoint's state.json of
another version 'written by another rnnkit version' whichever it was: now D's one rule (_saved_version.version_hint):
newer -> upgrade rnnkit; older -> save it again."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.errors import CheckpointError
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.training import checkpoint as ck


def _set_version(folder, name, version, names):
    meta = json.loads((folder / name).read_text())
    (folder / name).write_text(json.dumps({**meta, "schema_version": version}))
    ck.write_digests(folder, names)


@pytest.mark.parametrize("version, says", [(2, r"written by a newer rnnkit, format 2; .*: upgrade rnnkit to load it\)$"),
                                           (0, r"written by an older rnnkit, format 0; .*: save it again with this "
                                               r"rnnkit, e\.g\. train it again\)$")])
def test_a_forecaster_of_another_format_says_what_to_do(tmp_path, version, says):
    y = pd.Series(10 + np.sin(np.arange(48) / 2), index=pd.date_range("2000-01-01", periods=48, freq="MS"))
    Forecaster("ets", horizon=3).fit(y).save(tmp_path / "f")
    names = list(json.loads((tmp_path / "f" / "digests.json").read_text())["sha256"])
    _set_version(tmp_path / "f", "config.json", version, names)
    with pytest.raises(CheckpointError, match=r"config\.json: expected schema_version 1, got %d \(the config of a "
                                              r"'forecast' run\) \(%s" % (version, says)):
        Forecaster.load(tmp_path / "f")


@pytest.mark.parametrize("version, says", [(99, "upgrade rnnkit to load it)"), (0, "e.g. train it again)"),
                                           ("x", "(written by another rnnkit version)")])
def test_a_checkpoint_of_another_format_says_what_to_do(tmp_path, version, says):
    path = ck.save_checkpoint(tmp_path, step=1, model_state={"w": torch.ones(2)}, state={"a": 1})
    _set_version(path, "state.json", version, ["model.safetensors", "state.safetensors", "state.json"])
    with pytest.raises(CheckpointError) as e:
        ck.load_checkpoint(tmp_path)
    assert str(e.value).endswith(says) and f"got {version!r}" in str(e.value)
