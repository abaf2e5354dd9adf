"""Session 27, helper W: the fit's pause (training.host.fit_paused, 586a73a) across os.fork.

A callback runs with its fit paused, so a fit in another thread may hold the turn meanwhile. A callback that forked
then (os.fork; the child going on with the fit, as a plain fork in a fit always could) left the child waiting for
ever for that turn at the callback's end: the fit owning it ran in a thread the child does not have."""

from __future__ import annotations

import os
import threading
import time

import pytest
import torch
from torch import nn

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork")


def _trainer(callbacks=(), loss_hook=None):
    from rnnkit.training import TrainConfig, Trainer

    g = torch.Generator().manual_seed(0)
    data = [(torch.randn(4, 2, generator=g), torch.randn(4, 1, generator=g)) for _ in range(2)]

    def loss(model, batch):
        if loss_hook is not None:
            loss_hook()
        return nn.functional.mse_loss(model(batch[0]), batch[1])

    return Trainer(nn.Linear(2, 1), loss, config=TrainConfig(epochs=1, quiet=True), callbacks=list(callbacks)), data


def test_a_child_forked_in_a_paused_callback_while_another_thread_fits_finishes_its_fit():
    """Fails at fcb4227 (since 586a73a): the child never left the callback (killed after 20 s)."""
    from rnnkit.training.callbacks import Callback

    inside, release = threading.Event(), threading.Event()

    def hold_turn():   # the other fit's loss: it owns the turn (not paused) until the fork is done
        inside.set()
        release.wait(30)

    other, other_data = _trainer(loss_hook=hold_turn)

    class ForksWhileTheOtherFits(Callback):
        pid = None

        def on_step_end(self, trainer, step, loss, metrics) -> None:
            if self.pid is not None:
                return
            worker = threading.Thread(target=other.fit, args=(other_data,), daemon=True)
            worker.start()
            assert inside.wait(30), "the other fit did not start"
            self.pid = os.fork()
            if self.pid:    # the parent lets the other fit end and waits for it, as the callback meant
                release.set()
                worker.join(30)

    cb = ForksWhileTheOtherFits()
    trainer, data = _trainer([cb])
    try:
        trainer.fit(data)
    finally:
        if cb.pid == 0:     # the child: its fit went on and ended (or raised); never back into pytest
            os._exit(0)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        pid, status = os.waitpid(cb.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.05)
    else:
        os.kill(cb.pid, 9)
        os.waitpid(cb.pid, 0)
        pytest.fail("the forked child hung at the end of the paused callback (waiting for a thread it lacks)")
    assert os.waitstatus_to_exitcode(status) == 0
