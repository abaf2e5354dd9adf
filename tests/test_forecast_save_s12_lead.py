"""Forecaster.save (the library) follows the rule every task's save and the CLI follow (session 12): a folder
holding another task's run, or a project's own files of a run's names, is refused; its own earlier run is
replaced. Before, the CLI refused these folders but the library replaced the other run silently."""
from __future__ import annotations

import json

import numpy as np
import pytest
from torch import nn

from rnnkit.errors import CheckpointError
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.runs import save_run, saved_task


@pytest.fixture(scope="module")
def fitted():
    return Forecaster(horizon=2, model="theta").fit(np.linspace(10.0, 16.0, 40) + np.sin(np.arange(40)))


def test_forecaster_save_refuses_another_tasks_run(fitted, tmp_path):
    save_run(tmp_path, "tag", {"kept": True}, nn.Linear(1, 1))
    with pytest.raises(CheckpointError, match="path: expected a new folder or a 'forecast' run folder, got .* "
                                              "holding a 'tag' run"):
        fitted.save(tmp_path)
    assert saved_task(tmp_path) == "tag"
    assert json.loads((tmp_path / "config.json").read_text())["config"] == {"kept": True}


def test_forecaster_save_refuses_a_project_config_and_replaces_its_own_run(fitted, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "config.json").write_text('{"mine": 1}')
    with pytest.raises(CheckpointError, match="holding \\['config.json'\\] that no run there wrote"):
        fitted.save(tmp_path / "mine")
    assert (tmp_path / "mine" / "config.json").read_text() == '{"mine": 1}'
    run = tmp_path / "run"
    fitted.save(run)
    fitted.save(run)                      # its own earlier run: replaced, as documented
    again = Forecaster.load(run)
    assert again.predict().equals(fitted.predict())
