"""Run under torchrun (2 processes): each rank's batch metrics and losses, and rank 0's epoch rows, as JSON in
argv[1] (tests/test_distributed.py::test_ddp_epoch_rows_average_every_rank)."""

import json
import sys
from pathlib import Path

import torch
from torch import nn

from rnnkit.training import Callback, TrainConfig, Trainer
from rnnkit.training import distributed as dist

out = Path(sys.argv[1])
env = dist.setup()
torch.manual_seed(0)
model = nn.Linear(3, 1)
seen: list[list[float]] = []          # this rank's training losses, per epoch


def loss_fn(m, batch):
    x, y = batch
    loss = nn.functional.mse_loss(m(x), y)
    if m.training:
        seen[-1].append(float(loss))
    return loss, {"rank": float(env.rank)}


class Epochs(Callback):
    def on_epoch_start(self, trainer, epoch):
        seen.append([])


x = torch.randn(64, 3, generator=torch.Generator().manual_seed(1))
ds = torch.utils.data.TensorDataset(x, x[:, :1] * 2.0)
loader = dist.make_loader(ds, batch_size=8, shuffle=True, seed=0)
res = Trainer(model, loss_fn, config=TrainConfig(epochs=2, quiet=True), callbacks=[Epochs()]).fit(loader, loader)
out.mkdir(parents=True, exist_ok=True)
(out / f"rank{env.rank}.json").write_text(json.dumps({"losses": seen, "history": res.history}))
dist.cleanup()
