"""Session 16's reliability sweep (helper S): the Trainer and its callbacks.

Each test fails on the code before its fix (checked with ``git archive 9c8588f src``, PYTHONPATH).
"""

from __future__ import annotations

import warnings

import pytest
import torch

import rnnkit
from rnnkit.training import TrainConfig, Trainer
from rnnkit.training.callbacks import Callback, GradientFlowMonitor


class _StopAtEpoch(Callback):
    """Ctrl-C at the start of the second epoch, once."""

    def __init__(self) -> None:
        self.armed = True

    def on_epoch_start(self, trainer, e) -> None:
        if self.armed and e == 1:
            self.armed = False
            raise KeyboardInterrupt


def _fit_twice(tmp_path, loss_fn, callbacks=(), fresh=False, engine="auto", **cfg):
    """The warnings of a fit interrupted in epoch 2 and of its resumed fit: on the same Trainer, or
    (``fresh``) on a new Trainer over the same run_dir -- the oracle: a resume must not depend on it."""
    torch.manual_seed(0)
    net = rnnkit.GRU(2, 4, batch_first=True, engine=engine)
    data = [(torch.randn(3, 5, 2), torch.randn(3, 5, 4)) for _ in range(2)]
    make = lambda: Trainer(net, loss_fn, config=TrainConfig(epochs=3, quiet=True, **cfg), run_dir=tmp_path,  # noqa: E731
                           callbacks=[_StopAtEpoch(), *callbacks])
    trainer, got = make(), []
    for resume in (False, True):
        if fresh and resume:
            trainer = make()
            trainer.callbacks.first(_StopAtEpoch).armed = False
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                trainer.fit(data, data, resume=resume)
            except KeyboardInterrupt:
                pass
        got.append(sorted({str(x.message).split(" ")[0] + " " + str(x.message).split(" ")[2] for x in w}))
    return got


def _nan_metric(model, batch):
    out, _ = model(batch[0])
    return torch.nn.functional.mse_loss(out, batch[1]), {"acc": float("nan")}


def _weightless(model, batch):
    out, _ = model(batch[0])
    return torch.nn.functional.mse_loss(out, batch[1]), {"n": 0.0}


@pytest.mark.parametrize("loss_fn", [_nan_metric, _weightless])
def test_a_fit_resumed_on_the_same_trainer_warns_as_a_new_trainer_resuming_would(tmp_path, loss_fn):
    """The warn-once record lived as long as the Trainer: after Ctrl-C, fit(resume=True) on the same object was
    silent about NaN metrics / weightless batches, while a new Trainer resuming the same run_dir warned."""
    same = _fit_twice(tmp_path / "same", loss_fn)
    new = _fit_twice(tmp_path / "new", loss_fn, fresh=True)
    assert same[0] and same[1] == new[1] == same[0]


def test_evaluate_called_on_its_own_warns_each_call():
    torch.manual_seed(0)
    trainer = Trainer(rnnkit.GRU(2, 4, batch_first=True), _weightless, config=TrainConfig(quiet=True))
    data = [(torch.randn(3, 5, 2), torch.randn(3, 5, 4))]
    for _ in range(2):
        with pytest.warns(RuntimeWarning, match=r"^val_data: expected a batch weight"):
            assert trainer.evaluate(data) == {}


def test_the_gradient_flow_monitors_no_record_warning_comes_once_each_fit(tmp_path):
    """GradientFlowMonitor's 'no record' warning (a native-engine model) had the same once-per-object life."""
    def loss_fn(model, batch):
        out, _ = model(batch[0])
        return torch.nn.functional.mse_loss(out, batch[1])

    monitor = GradientFlowMonitor(1, plots=False)
    got = _fit_twice(tmp_path, loss_fn, callbacks=[monitor], engine="native")
    assert got[0] == got[1] and any(m.startswith("gradient") for m in got[0])
