"""A run checkpointed before session 12, whose schedule/optimizer config held a field its name does not read
(ScheduleConfig("cosine", step_size=5), OptimConfig("adam", momentum=0.9): accepted and ignored then, a ConfigError
since dc49cee), still resumes: the checkpoint's unread fields are compared as their defaults (the review's finding:
such a run could not be resumed at all -- rebuilding its config is refused, leaving the field out was a config
difference). A field the name DOES read still counts."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_training import Net, loss_fn, make_data  # noqa: E402

import rnnkit.training.config as training_config  # noqa: E402
from rnnkit.errors import CheckpointError  # noqa: E402
from rnnkit.training import OptimConfig, ScheduleConfig, TrainConfig, Trainer  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _old_run(run_dir, monkeypatch, schedule, optim):
    """A 2-epoch run stopped after its first epoch (max_steps) and checkpointed, its config built as the code
    before dc49cee accepted it (no unread-field check)."""
    with monkeypatch.context() as m:
        m.setattr(training_config, "_unread", lambda *a, **k: None)
        cfg = TrainConfig(epochs=2, max_steps=2, quiet=True, schedule=schedule(), optim=optim())
    Trainer(Net(), loss_fn, config=cfg, run_dir=run_dir).fit(make_data(n_batches=2, T=4))


def test_a_run_with_unread_fields_from_before_the_check_resumes(tmp_path, monkeypatch):
    _old_run(tmp_path, monkeypatch, lambda: ScheduleConfig(name="cosine", step_size=5),
             lambda: OptimConfig(name="adam", momentum=0.9))
    cfg = TrainConfig(epochs=2, quiet=True, schedule=ScheduleConfig(name="cosine"), optim=OptimConfig(name="adam"))
    r = Trainer(Net(), loss_fn, config=cfg, run_dir=tmp_path).fit(make_data(n_batches=2, T=4), resume=True)
    assert r.epochs_run == 2


def test_a_read_field_that_differs_is_still_a_config_difference(tmp_path, monkeypatch):
    _old_run(tmp_path, monkeypatch, lambda: ScheduleConfig(name="step", step_size=5), lambda: OptimConfig(name="adam"))
    cfg = TrainConfig(epochs=2, quiet=True, schedule=ScheduleConfig(name="step", step_size=3), optim=OptimConfig())
    with pytest.raises(CheckpointError, match="step_size"):
        Trainer(Net(), loss_fn, config=cfg, run_dir=tmp_path).fit(make_data(n_batches=2, T=4), resume=True)
