"""Session 30, helper W (hostile review of the session's commits): what the review found in them.

* b6f3894 told a task's run folder given to the forecaster (``rnnkit forecast predict --run <a classify run>``,
  ``Forecaster.load``) to "upgrade rnnkit": a task run's config.json is save_run's schema 2, not a newer forecaster's.
"""

from __future__ import annotations

import pytest
import torch

from rnnkit.errors import CheckpointError
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.runs import save_run


def test_a_task_run_given_to_the_forecaster_names_its_task_and_no_upgrade(tmp_path):
    save_run(tmp_path / "cls", "classify", {"hidden": 4}, torch.nn.Linear(2, 1))
    with pytest.raises(CheckpointError) as err:
        Forecaster.load(tmp_path / "cls")
    msg = str(err.value)
    assert "(the config of a 'classify' run)" in msg and "upgrade" not in msg and "newer" not in msg
