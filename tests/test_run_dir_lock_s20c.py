"""One fit at a time in a run_dir (training.resume.run_dir_lock): a second fit into the folder while one runs is a
CheckpointError naming run_dir -- two fits wrote checkpoints into one folder (each save removed the other's
temporary checkpoint folder as stale; resume='auto' continued the other run while it trained on). Fails on the
code before (the second fit ran)."""

import pytest
import torch

import rnnkit
from rnnkit.errors import CheckpointError
from rnnkit.training import TrainConfig, Trainer, load_checkpoint
from rnnkit.training import callbacks as cb

pytestmark = pytest.mark.usefixtures("one_thread_module")  # one torch thread (tests/conftest.py)


def _trainer(run_dir, callbacks=(), epochs=2):
    torch.manual_seed(0)

    def loss_fn(m, b):
        return m(b)[0].pow(2).mean()

    return Trainer(rnnkit.GRU(2, 3), loss_fn, config=TrainConfig(epochs=epochs, quiet=True), run_dir=run_dir,
                   callbacks=list(callbacks))


DATA = [torch.randn(3, 2, 2)]


def test_a_second_fit_into_a_run_dir_in_use_is_refused(tmp_path):
    seen = []

    class Intruder(cb.Callback):
        def on_epoch_end(self, trainer, epoch, row):
            if not seen:   # a checkpoint of the first fit exists: resume='auto' would have continued it
                with pytest.raises(CheckpointError, match=r"run_dir: expected a folder no other fit is using, got "
                                                          r".* where another fit is running"):
                    _trainer(tmp_path).fit(DATA, resume="auto")
                seen.append(True)

    result = _trainer(tmp_path, [Intruder()]).fit(DATA)
    assert seen and result.epochs_run == 2 and load_checkpoint(tmp_path).state["epoch"] == 2


def test_the_lock_ends_with_the_fit_even_when_it_fails(tmp_path):
    class Stop(Exception):
        pass

    class Fail(cb.Callback):
        def on_epoch_end(self, trainer, epoch, row):
            raise Stop

    failed = _trainer(tmp_path, [Fail()])
    with pytest.raises(Stop):
        failed.fit(DATA)
    assert _trainer(tmp_path).fit(DATA, resume="auto").epochs_run == 2   # `failed` is alive, its fit's lock is not
    assert _trainer(tmp_path, epochs=3).fit(DATA, resume=True).epochs_run == 3
