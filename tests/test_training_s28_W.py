"""Session 28, helper W (review of the session's change): what a fit keeps between its steps."""

from __future__ import annotations

import gc
import weakref

import torch

import rnnkit
from rnnkit.training import TrainConfig, Trainer


def test_a_step_keeps_no_graph_of_the_batch_before_it():
    """61fdea4 kept each step's loss on the Trainer until the next step's ``_update`` (for the float16 advice): its
    graph held a hand engine's per-step caches (``ctx.saved_steps``, not freed by backward), so every batch's
    activations lived on through the next batch's forward -- a 1,500-step LSTM (engine="bptt", B 32, H 256) peaked
    at 1,653 MB against 1,353 MB before -- and the last one's after the fit. Fails at 845b857 (the previous loss is
    alive in every loss_fn after the first, and the last one after fit)."""
    torch.manual_seed(0)
    net = rnnkit.LSTM(2, 4, batch_first=True, engine="bptt")
    data = [(torch.randn(3, 5, 2), torch.randn(3, 5, 4)) for _ in range(3)]
    losses, alive = [], []

    def loss_fn(model, batch):
        gc.collect()
        alive.append(sum(r() is not None for r in losses))     # the earlier steps' losses still held here
        out, _ = model(batch[0])
        loss = torch.nn.functional.mse_loss(out, batch[1])
        losses.append(weakref.ref(loss))
        return loss

    trainer = Trainer(net, loss_fn, config=TrainConfig(epochs=2, quiet=True))
    trainer.fit(data)
    gc.collect()
    assert alive == [0] * 6
    assert all(r() is None for r in losses) and trainer.global_step == 6
